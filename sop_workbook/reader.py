"""The planner templates → validated `Inputs`, with every problem named by file, sheet and cell.

Each side (demand, capacity) is a template file or a folder of them (one per sales region or plant; see
`folders.py` for how a folder's files combine). One file is read by `template_file.py`: sheets by name, columns by
header, every cell by the rules of `schema.py` and `cells.py`. The checks that need more than one sheet (codes
defined where they are used, prices for every forecast, launches, codes spelled two ways) are in `checks.py`.

Reading collects every finding in one pass and never raises for a bad input: a file that is not an .xlsx at all
is one error finding, its tables left empty. The inputs are opened read-only and never written.
"""

from __future__ import annotations

import operator
from pathlib import Path

import numpy as np
import pandas as pd

from . import schema
from .archive import MAX_FILE_BYTES, MAX_GRID_CELLS, MAX_PART_BYTES, MAX_TOTAL_BYTES
from .cells import column_letter, month_label, parse_cell, parse_number
from .checks import agree_cycle, check_across, check_lookups
from .errors import ERROR, Finding, file_name
from .folders import Side, empty_folder, folder_files
from .inputs import MONTH, SHEET_ATTRIBUTES, SOURCE_FILE, SOURCE_ROW, Cycle, Inputs, SourceFile, build_inputs
from .schema import Template
from .template_file import Origin, Row, Table, TemplateFile, blank_value

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_GRID_CELLS",
    "MAX_PART_BYTES",
    "MAX_TOTAL_BYTES",
    "Row",
    "Table",
    "TemplateFile",
    "column_letter",
    "month_label",
    "parse_cell",
    "parse_number",
    "read",
    "side_of",
    "validate",
]


def read(demand_path: str | Path | None, capacity_path: str | Path | None) -> Inputs:
    """Read and validate both sides (or one: everything that side alone can know is checked).

    Never raises for a bad input: every problem, including a file that is not an .xlsx at all, is a finding in
    `Inputs.findings`; tables of a file that cannot be read are empty.

    Args:
        demand_path: The demand template filled in by Sales, or a folder of them (one per team); None to read
            the capacity side alone.
        capacity_path: The capacity template filled in by Operations, or a folder of them; None to read the
            demand side alone.

    Returns:
        The inputs, with every finding (errors and warnings) sorted by file, sheet and row, and each file read
        with its SHA-256 and the rows read from it.
    """
    demand = _open_side(demand_path, schema.DEMAND)
    capacity = _open_side(capacity_path, schema.CAPACITY)
    sides = (demand, capacity)
    for side in sides:
        for file in side.files:
            file.open()
            file.read_cycle()
        if isinstance(side, Side):
            side.check_cycles()
    cycle = agree_cycle(demand, capacity)
    # Both sides' month columns are checked against the one agreed cycle: a capacity template with another cycle
    # month is then one finding on its Cycle sheet, not one per month column.
    months = cycle if demand.cycle is not None or capacity.cycle is not None else None
    for side in sides:
        for file in side.files:
            file.read_sheets(months)
            file.check_keys(cycle)
        if isinstance(side, Side):
            side.merge(cycle)
        check_lookups(side)
    check_across(demand, capacity, cycle)
    tables = {}
    for side in sides:
        tables.update(sheet_frames(side.template, side.sheets, cycle, side.name))
    return build_inputs(
        cycle,
        findings=[finding for side in sides for finding in side.all_findings()],
        sources=[
            SourceFile(kind=side.template.kind, path=str(f.path), name=f.name, sha256=f.sha256, rows=f.row_counts())
            for side in sides
            for f in side.files
            if f.sha256
        ],
        **tables,
    )


def validate(*paths: str | Path) -> list[Finding]:
    """Check one side or both and return every problem found.

    With two paths they are the demand and the capacity side, in that order, and the checks across both run. With
    one, its side is recognised by its sheets (`side_of`) and everything that side can know alone is checked:
    Sales can check its file without waiting for Operations'.

    Args:
        paths: One or two template files or folders of them (demand first when two).

    Returns:
        Every finding, errors and warnings, sorted by file, sheet and row; empty when the files are clean.

    Raises:
        TypeError: when not given one or two paths.
    """
    if len(paths) == 2:
        return read(paths[0], paths[1]).findings
    if len(paths) != 1:
        raise TypeError(f"validate takes one or two paths, not {len(paths)}")
    kind = side_of(paths[0])
    if kind is None:
        return _unrecognised(Path(paths[0]))
    return read(paths[0], None).findings if kind == "demand" else read(None, paths[0]).findings


def side_of(path: str | Path) -> str | None:
    """Which side a template file or folder is, by its sheets (a folder by its first file that is one).

    Args:
        path: A template file or a folder of them.

    Returns:
        "demand", "capacity", or None when it is neither (not a workbook, a meeting pack, no template sheets).
    """
    path = Path(path)
    for file in folder_files(path) if path.is_dir() else [path]:
        probe = TemplateFile(file, None)
        probe.open()
        if probe.workbook is not None and probe.kind in ("demand", "capacity"):
            return probe.kind
    return None


def _unrecognised(path: Path) -> list[Finding]:
    """The findings of a file or folder that is neither side: each file says what it is instead."""
    files = folder_files(path) if path.is_dir() else [path]
    findings = []
    for file in files:
        probe = TemplateFile(file, None)
        probe.open()
        findings += probe.findings
    if not files:
        findings.append(Finding(file_name(path), "", 0, "", ERROR, empty_folder(path, "demand or capacity")))
    return sorted(findings)


def _open_side(path: str | Path | None, template: Template) -> TemplateFile | Side:
    """A side to read: a file, a folder's files, or (None) a side not given, which has nothing to read."""
    if path is None:
        absent = TemplateFile(Path(template.filename), template)
        absent.files = []  # a side not given: nothing to open, and the checks across sides see no workbook
        return absent
    path = Path(path)
    return Side(path, template) if path.is_dir() else TemplateFile(path, template)


def sheet_frames(template: Template, sheets: dict[str, Table], cycle: Cycle, name: str) -> dict[str, pd.DataFrame]:
    """The DataFrames of a side's sheets, by `Inputs` attribute (long form for month sheets).

    Args:
        template: The side's template.
        sheets: Its sheets as read, by schema name.
        cycle: The plan's cycle.
        name: The file's name, for "Source file" (a row of a folder names its own file).

    Returns:
        {attribute: DataFrame}.
    """
    return {
        SHEET_ATTRIBUTES[(template.kind, spec.name)]: _frame(sheets[spec.name], cycle, name)
        for spec in template.sheets
        if not spec.key_value
    }


def _frame(table: Table, cycle: Cycle, name: str) -> pd.DataFrame:
    """One sheet's rows as the DataFrame `Inputs` holds (month sheets in long form: each row once per month)."""
    spec = table.spec
    stamps = [month for month, _ in table.months]
    repeat = len(stamps) if spec.months else 1
    columns = {}
    values = [row.values for row in table.rows]
    for column in spec.columns:
        if column.header in table.columns:
            per_row = list(map(operator.itemgetter(column.header), values))
        else:
            per_row = [blank_value(column, cycle)] * len(table.rows)
        if column.kind in (schema.MONTH, schema.DATE):
            array = pd.DatetimeIndex(per_row).astype("datetime64[ns]").array
        elif column.kind in (schema.NUMBER, schema.PERCENT):
            array = np.array([np.nan if v is None else v for v in per_row], dtype="float64")
        elif column.kind == schema.INTEGER:
            series = pd.Series(per_row, dtype=object)
            array = (series.astype("int64") if series.notna().all() else series.astype("float64")).array
        else:
            array = pd.array(["" if v is None else v for v in per_row], dtype="str")
        columns[column.header] = array.repeat(repeat) if repeat != 1 else array
    numbers = [row.number for row in table.rows]
    if spec.months:
        # Long form: row-major, so row k's month j is at k * len(stamps) + j.
        columns[MONTH] = np.tile(np.array(stamps, dtype="datetime64[ns]"), len(table.rows))
        columns[spec.month_value] = table.month_matrix().reshape(-1)
    columns[SOURCE_ROW] = np.repeat(np.array(numbers, dtype="int64"), repeat)
    if table.rows and isinstance(table.rows[0].number, Origin):  # a folder's rows: each names its own file
        files = pd.array([row.number.file.name for row in table.rows], dtype="str")
    else:
        files = pd.array([name] * len(table.rows), dtype="str")
    columns[SOURCE_FILE] = files.repeat(repeat) if repeat != 1 else files
    return pd.DataFrame(columns)
