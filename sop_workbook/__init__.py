"""sop-workbook: Excel templates in, a reconciled S&OP meeting pack out.

The pipeline, one module per stage: schema → templates → reader → planner → analysis → workbook; `reconcile`
runs them all, `promise` and `changes` work between and across meetings, and `cli` is the `sop` command.

    import sop_workbook as sop
    inputs = sop.read("demand.xlsx", "capacity.xlsx")
    results = sop.plan(inputs)
    sop.write_pack(results, "pack.xlsx")
"""

__version__ = "0.1.0"

import sys
import types

# Each name is imported from its module when first asked for, so that `sop validate` or `sop templates` does not
# pay for pandas' solver and writer stack it never uses (imports are a second of every run).
_HOMES = {
    "analysis": ("Results", "analyse", "forecast_accuracy", "plan"),
    "changes": ("Changes", "compare", "read_previous"),
    "errors": ("ERROR", "WARNING", "Finding", "InputError", "OutputError", "PlanError", "SopError", "TemplateError"),
    "inputs": ("Cycle", "Inputs", "build_inputs"),
    "planner": ("Adjustments", "Solution", "solve", "solve_all"),
    "promise": ("Promise", "promise"),
    "reader": ("read", "validate"),
    "reconcile": ("reconcile",),
    "sample": ("sample_inputs", "write_sample"),
    "templates": ("write_filled", "write_templates"),
    "workbook": ("plan_data_frame", "write_pack"),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}


def __getattr__(name: str):
    """Import a public name from its module on first use (PEP 562)."""
    if name not in _HOME_OF:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{_HOME_OF[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Package(types.ModuleType):
    """This package, whose public names stay the functions when a submodule of the same name is imported.

    Importing the submodule `sop_workbook.promise` sets the package's attribute `promise` to the module; the
    eager imports this file used to make then put the function back. Now that names come on first use, the
    module is kept out instead, so `sop_workbook.promise` is the function whatever was imported before.
    """

    def __setattr__(self, name: str, value) -> None:
        if name in _HOME_OF and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


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
    "sample_inputs",
    "solve",
    "solve_all",
    "validate",
    "write_filled",
    "write_pack",
    "write_sample",
    "write_templates",
]
