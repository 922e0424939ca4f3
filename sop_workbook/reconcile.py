"""The main job in one call: read both templates, stop on errors, plan every scenario, write the meeting pack."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .analysis import Results, forecast_accuracy, plan
from .changes import PreviousPack, compare, read_previous
from .errors import InputError
from .output import check_distinct, check_target, plan_data_target, working_folder
from .reader import read
from .workbook import plan_data_frame, write_pack

STAGES = ("Reading the templates", "Planning every scenario", "Writing the meeting pack")


def reconcile(
    demand_path: str | Path,
    capacity_path: str | Path,
    output: str | Path,
    *,
    force: bool = False,
    plan_data: str | Path | None = None,
    run_time=None,
    previous: str | Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> Results:
    """Validate both templates, make the consensus plan and write the meeting pack.

    Args:
        demand_path: The demand template filled in by Sales.
        capacity_path: The capacity template filled in by Operations.
        output: Where to write the meeting pack (.xlsx).
        force: Overwrite an existing output file.
        plan_data: Also write the whole Plan Data table to this CSV or Parquet file.
        run_time: The run time recorded in the lineage (a datetime); default SOURCE_DATE_EPOCH or now.
        previous: Last month's meeting pack: fills the Changes sheet, carries its open decisions forward and
            measures its forecast against this cycle's Actuals.
        progress: Called with the name of each stage as it starts (for a progress display).

    Returns:
        The results the pack shows.

    Raises:
        InputError: when the inputs have errors (every finding attached).
        OutputError: when an output exists (without force), cannot be written, or is an input or the other
            output (the pack and the Plan Data file are then both left as they were).
        PlanError: when no plan can be made.
    """
    report = progress or (lambda stage: None)
    # Refuse before the expensive work, not after it: the coordinator learns at once that the name is taken.
    output = check_target(output, force=force)
    plan_data = plan_data_target(plan_data, force=force)
    check_distinct(
        {"the meeting pack": output, "the Plan Data file": plan_data},
        {"the demand template": demand_path, "the capacity template": capacity_path, "last month's pack": previous},
    )
    # Scratch files of every stage (xlsxwriter's parts, the solver's workers) go to this run's own folder.
    with working_folder():
        report(STAGES[0])
        # Last month's pack is read first, so that an unreadable one is reported before minutes of planning.
        last = read_previous(previous) if previous is not None else None
        inputs = read(demand_path, capacity_path)
        if inputs.errors:
            raise InputError(inputs.findings)
        report(STAGES[1])
        results = plan(inputs)
        if last is not None:
            compare_with_previous(results, last)
        report(STAGES[2])
        write_pack(results, output, run_time=run_time, plan_data=plan_data, force=force)
    return results


def compare_with_previous(results: Results, last: PreviousPack) -> None:
    """Fill the results' Changes, carried decisions and the previous forecast's accuracy from last month's pack.

    Args:
        results: This cycle's results (changed in place).
        last: Last month's pack, as read by `changes.read_previous`.
    """
    results.changes = compare(
        last.plan_data,
        plan_data_frame(results),
        previous_company=last.company,
        current_company=results.inputs.cycle.company,
    )
    results.previous_decisions = last.decisions
    demand = last.plan_data[
        (last.plan_data["Scenario"] == "Base")
        & (last.plan_data["Measure"] == "Demand")
        & (last.plan_data["Customer"] != "")
    ]
    # The previous pack's demand is its forecast after confirmed orders consumed it: what it planned to sell.
    forecast = demand.rename(columns={"Value": "Forecast"})[["SKU", "Customer", "Month", "Forecast"]]
    results.previous_accuracy = forecast_accuracy(forecast, results.inputs.actuals, results.inputs.products)
