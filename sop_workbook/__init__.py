"""sop-workbook: Excel templates in, a reconciled S&OP meeting pack out.

The pipeline, one module per stage: schema → templates → reader → planner → analysis → workbook; `reconcile`
runs them all, `promise`, `changes` and `rollforward` work between and across meetings, and `cli` is the `sop`
command. Each side's templates may be one file or a folder of files, one per team (`folders`).

    import sop_workbook as sop
    inputs = sop.read("demand.xlsx", "capacity.xlsx")
    results = sop.plan(inputs)
    sop.write_pack(results, "pack.xlsx")
"""

__version__ = "0.1.0"

from .analysis import Results, analyse, forecast_accuracy, plan
from .changes import Changes, compare, read_previous
from .errors import ERROR, WARNING, Finding, InputError, OutputError, PlanError, SopError, TemplateError
from .inputs import Cycle, Inputs, build_inputs
from .planner import Adjustments, Solution, solve, solve_all
from .promise import Promise, promise
from .reader import read, validate
from .reconcile import reconcile
from .rollforward import RolledForward, rollforward
from .sample import sample_inputs, write_sample
from .templates import write_filled, write_templates
from .workbook import plan_data_frame, write_pack

__all__ = [
    "ERROR",
    "WARNING",
    "Adjustments",
    "Changes",
    "Cycle",
    "Finding",
    "InputError",
    "Inputs",
    "OutputError",
    "PlanError",
    "Promise",
    "Results",
    "RolledForward",
    "Solution",
    "SopError",
    "TemplateError",
    "analyse",
    "build_inputs",
    "compare",
    "forecast_accuracy",
    "plan",
    "plan_data_frame",
    "promise",
    "read",
    "read_previous",
    "reconcile",
    "rollforward",
    "sample_inputs",
    "solve",
    "solve_all",
    "validate",
    "write_filled",
    "write_pack",
    "write_sample",
    "write_templates",
]
