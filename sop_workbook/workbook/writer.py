"""Write the meeting pack: every sheet in order, into a temporary file that replaces the target atomically.

The sheets are written with xlsxwriter's public API alone, one module per sheet (`SHEETS`), their formats from
`styles` and their text through `text`. Sheets that others refer to (charts, formulas) are written first
(`WRITE_ORDER`); the tab order stays the spec's.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import xlsxwriter

from ..analysis import Results
from ..errors import OutputError
from ..output import (
    active_working_folder,
    check_distinct,
    check_target,
    plan_data_target,
    working_folder,
    write_plan_data,
    write_together,
)
from . import (
    accuracy,
    capacity,
    changes,
    commitments,
    consensus,
    decisions,
    gaps,
    inputs_sheet,
    inventory,
    launches,
    layout,
    margin,
    risks,
    scenarios,
    seam,
    summary,
)
from . import plan_data as plan_data_sheet
from .layout import Pack
from .styles import Styles

# The sheets of the pack, in order, with the function that writes each.
SHEETS: tuple[tuple[str, Callable], ...] = (
    ("Executive Summary", summary.write),
    ("Decisions", decisions.write),
    ("Consensus Plan", consensus.write),
    ("Gaps", gaps.write),
    ("Capacity", capacity.write),
    ("Margin", margin.write),
    ("Inventory", inventory.write),
    ("Commitments", commitments.write),
    ("Launches", launches.write),
    ("Scenarios", scenarios.write),
    ("Changes", changes.write),
    ("Forecast Accuracy", accuracy.write),
    ("Assumptions & Risks", risks.write),
    ("Plan Data", plan_data_sheet.write),
    ("Inputs", inputs_sheet.write),
)
SHEET_NAMES = tuple(name for name, _ in SHEETS)

# Sheets whose figures others refer to (charts, formulas) are written first; the tab order stays as above.
WRITE_ORDER = ("Plan Data", "Capacity", "Margin", "Consensus Plan")
# The options of the pack's workbook: text stays text (no conversion of strings to numbers, formulas or links).
WORKBOOK_OPTIONS = {
    "strings_to_numbers": False,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "default_date_format": "dd-mmm-yy",
}


def resolve_run_time(run_time: dt.datetime | None = None) -> dt.datetime:
    """The run's time in UTC, without a time zone: the one clock the pack contains.

    Args:
        run_time: A given time (naive times are taken as UTC); None uses SOURCE_DATE_EPOCH, else now.

    Returns:
        A naive UTC datetime, whole seconds.

    Raises:
        OutputError: when SOURCE_DATE_EPOCH is not a whole number of seconds.
    """
    if run_time is None:
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        if epoch is not None and epoch.strip():
            try:
                run_time = dt.datetime.fromtimestamp(int(epoch.strip()), dt.UTC)
            except (ValueError, OverflowError, OSError):
                raise OutputError(
                    "SOURCE_DATE_EPOCH",
                    f"{epoch!r} is not a time in whole seconds since 1970-01-01 UTC; unset it or give e.g. 1790000000",
                ) from None
        else:
            run_time = dt.datetime.now(dt.UTC)
    if run_time.tzinfo is not None:
        run_time = run_time.astimezone(dt.UTC).replace(tzinfo=None)
    return run_time.replace(microsecond=0)


def _tool_version() -> str:
    from .. import __version__

    return str(__version__)


def write_pack(
    results: Results,
    path: str | os.PathLike,
    *,
    run_time: dt.datetime | None = None,
    plan_data: str | os.PathLike | None = None,
    force: bool = False,
    version: str | None = None,
) -> Path:
    """Write the meeting pack: the 15 sheets of the spec, annotated and print-ready, atomically.

    The same results, run time and version give a byte-identical file.

    Args:
        results: The plan and its analyses.
        path: The .xlsx file to write.
        run_time: The run's time for the lineage and the file's creation time; default SOURCE_DATE_EPOCH,
            else now (the only clock the file contains).
        plan_data: Also write the whole Plan Data table here, as CSV or Parquet by the suffix.
        force: Replace existing files.
        version: The tool version shown in the lineage; default the package's version.

    Returns:
        The path written.

    Raises:
        OutputError: when a target exists (without force), its folder is missing or read-only, the Plan Data
            suffix is neither .csv nor .parquet, or writing fails. Existing files are then untouched.
    """
    target = check_target(path, force=force)
    data_target = plan_data_target(plan_data, force=force)
    check_distinct({"the meeting pack": target, "the Plan Data file": data_target}, {})
    when = resolve_run_time(run_time)
    version = version or _tool_version()
    # The table is built only when something shows it: above the row limit the sheet gives its size alone.
    rows = plan_data_sheet.row_count(results)
    in_sheet = rows <= layout.MAX_ROWS
    frame = plan_data_sheet.frame(results) if in_sheet or data_target is not None else None

    def build(temporary: str) -> None:
        workbook = xlsxwriter.Workbook(temporary, {**WORKBOOK_OPTIONS, "tmpdir": active_working_folder()})
        try:
            _fill(workbook, results, when, version, frame, rows, in_sheet)
        finally:
            workbook.close()

    # The pack and its Plan Data file are put in place together or not at all; scratch files go to the run's folder.
    files = [(target, build)]
    if data_target is not None:
        files.append((data_target, lambda name: write_plan_data(frame, name, data_target.suffix)))
    with working_folder():
        write_together(files, force=force)
    return target


def _fill(
    workbook,
    results: Results,
    when: dt.datetime,
    version: str,
    frame: pd.DataFrame | None,
    plan_data_rows: int,
    plan_data_in_sheet: bool,
) -> None:
    cycle = results.inputs.cycle
    workbook.set_properties(
        {
            "title": f"S&OP meeting pack {pd.Timestamp(cycle.cycle_month):%b-%y}",
            "subject": "Sales and operations planning: the consensus plan, its gaps and the decisions they need",
            "author": "sop-workbook",
            "company": str(cycle.company),
            "comments": f"Written by sop-workbook {version}",
            "created": when,
        }
    )
    pack = Pack(
        workbook=workbook,
        styles=Styles(workbook),
        results=results,
        run_time=when,
        version=version,
        plan_data=frame,
        plan_data_in_sheet=plan_data_in_sheet,
        plan_data_rows=plan_data_rows,
    )
    sheets = {name: workbook.add_worksheet(name, worksheet_class=seam.Worksheet) for name in SHEET_NAMES}
    writers = dict(SHEETS)
    for name in (*WRITE_ORDER, *(name for name in SHEET_NAMES if name not in WRITE_ORDER)):
        writers[name](pack, sheets[name])
    sheets["Executive Summary"].activate()
