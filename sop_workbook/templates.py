"""Schema → the two planner templates (blank, or filled with a set of inputs).

Every sheet, header, dropdown, number format and help text comes from `schema.py`. The layout the reader relies
on: an "Instructions" sheet first; on every input sheet the header row is row 1 and data starts in row 2; month
columns follow the fixed columns and their header cells hold real first-of-month dates shown as mmm-yy.

Each input sheet's data rows form an Excel table without a header row of its own: Excel requires a table's
header cells to be text, and the month headers must stay real dates, so the styled header row sits directly
above the table and the table gives banding and grows as planners type below it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo

from . import schema
from .errors import OutputError
from .inputs import MONTH, SHEET_ATTRIBUTES, Cycle, Inputs
from .output import check_target, write_together, xlsx_text
from .schema import Column, Sheet, Template

# Rows pre-formatted (and covered by dropdowns) in a blank template, and beyond the last row of a filled one.
BLANK_ROWS = 200
DROPDOWN_ROWS = 5000

HEADER_FILL = PatternFill("solid", fgColor="1F3864")
HEADER_FONT = Font(bold=True, color="FFFFFF")
MONTH_HEADER_FILL = PatternFill("solid", fgColor="2F5597")
# Light yellow is the convention planners know for "type here"; the templates compute nothing, so every cell
# below a header is an input cell.
INPUT_FILL = PatternFill("solid", fgColor="FFF8E1")
THIN = Side(style="thin", color="D9D9D9")

NUMBER_FORMATS = {
    schema.TEXT: "@",
    schema.CHOICE: "@",
    schema.NUMBER: "#,##0.00",
    schema.INTEGER: "0",
    schema.PERCENT: "0.0%",
    schema.MONTH: "mmm-yy",
    schema.DATE: "yyyy-mm-dd",
}
MONTH_CELL_FORMAT = "#,##0"
MONTH_HEADER_FORMAT = "mmm-yy"


def default_cycle_month(today: dt.date | None = None) -> pd.Timestamp:
    """The month after today's, the default cycle month of `sop templates`.

    Args:
        today: The date to count from (default: today).

    Returns:
        The first of next month.
    """
    today = today or dt.date.today()
    return pd.Timestamp(today.year, today.month, 1) + pd.DateOffset(months=1)


def parse_cycle_month(text: str | pd.Timestamp | None) -> pd.Timestamp:
    """Read a cycle month given as YYYY-MM (or a date), as its first of month.

    Args:
        text: "2027-01", a Timestamp, or None for the default (next month).

    Returns:
        The first-of-month Timestamp.

    Raises:
        ValueError: when the text is not a month.
    """
    if text is None:
        return default_cycle_month()
    stamp = pd.Timestamp(text)
    return pd.Timestamp(stamp.year, stamp.month, 1)


def write_templates(
    directory: str | Path,
    cycle_month: str | pd.Timestamp | None = None,
    horizon: int = schema.DEFAULT_HORIZON,
    *,
    force: bool = False,
) -> tuple[Path, Path]:
    """Write the blank demand and capacity templates.

    Args:
        directory: The folder to write demand.xlsx and capacity.xlsx into (created if missing).
        cycle_month: The first month of the plan, "YYYY-MM" (default: next month).
        horizon: The number of months (default 18).
        force: Replace templates that exist in the folder (filled ones too); without it they are refused.

    Returns:
        The paths of demand.xlsx and capacity.xlsx.

    Raises:
        OutputError: when a template exists (without force), or the folder cannot be made or written; both files
            are then as they were.
    """
    cycle = Cycle(company="", cycle_month=parse_cycle_month(cycle_month), horizon=int(horizon), currency="")
    return _write_both(Path(directory), cycle, None, force=force)


def write_filled(directory: str | Path, inputs: Inputs, *, force: bool = False) -> tuple[Path, Path]:
    """Write both templates filled with the tables of `inputs`, as planners would have typed them.

    Every text is written as the text it is: one starting with "=" stays text, and characters a cell's XML
    cannot hold (a control character) are written in Excel's `_xHHHH_` escape, which reads back as the character.

    Args:
        directory: The folder to write demand.xlsx and capacity.xlsx into (created if missing).
        inputs: The inputs to write; long-form month tables are pivoted back to one column per month.
        force: Replace templates that exist in the folder; without it they are refused.

    Returns:
        The paths of demand.xlsx and capacity.xlsx.

    Raises:
        OutputError: as `write_templates`.
    """
    return _write_both(Path(directory), inputs.cycle, inputs, force=force)


def write_filled_files(files: list[tuple[str | Path, Template, Inputs]], *, force: bool = False) -> list[Path]:
    """Write several filled templates together, each under its own name (one file per team, say).

    Args:
        files: (path, template, inputs) of each file: the template to write and the inputs to fill it with.
        force: Replace files that exist; without it they are refused.

    Returns:
        The paths written, in the order given.

    Raises:
        OutputError: when a file exists (without force), or a folder cannot be made or written; every file is
            then as it was.
    """
    staged = []
    for path, tmpl, inputs in files:
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise OutputError(str(path.parent), f"the folder cannot be created ({error.strerror})") from error
        staged.append((check_target(path, force=force), build_workbook(tmpl, inputs.cycle, inputs).save))
    return write_together(staged, force=force)


def _write_both(directory: Path, cycle: Cycle, inputs: Inputs | None, *, force: bool) -> tuple[Path, Path]:
    """Both templates put in place together (see output.write_together): a failure leaves neither half a pair
    nor a replaced file."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(str(directory), f"the folder cannot be created ({error.strerror})") from error
    targets = [check_target(directory / tmpl.filename, force=force) for tmpl in schema.TEMPLATES]
    files = [(target, build_workbook(tmpl, cycle, inputs).save) for target, tmpl in zip(targets, schema.TEMPLATES)]
    demand, capacity = write_together(files, force=force)
    return demand, capacity


def build_workbook(tmpl: Template, cycle: Cycle, inputs: Inputs | None = None) -> Workbook:
    """Build one template as an openpyxl Workbook (not saved).

    Args:
        tmpl: The template definition.
        cycle: The cycle written on the Cycle sheet; its months give the month columns.
        inputs: Inputs to fill in, or None for a blank template.

    Returns:
        The workbook.
    """
    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.add_named_style(NamedStyle(name="Input", fill=INPUT_FILL, border=Border(bottom=THIN, right=THIN)))
    _write_instructions(workbook.create_sheet(schema.INSTRUCTIONS_SHEET), tmpl, cycle)
    for sheet in tmpl.sheets:
        worksheet = workbook.create_sheet(sheet.name)
        if sheet.key_value:
            _write_cycle(worksheet, sheet, cycle, tmpl.kind)
        else:
            frame = None
            if inputs is not None:
                frame = getattr(inputs, SHEET_ATTRIBUTES[(tmpl.kind, sheet.name)])
            _write_table_sheet(worksheet, tmpl, sheet, cycle, frame)
    workbook.active = 0
    return workbook


def _write_instructions(ws, tmpl: Template, cycle: Cycle) -> None:
    ws.sheet_view.showGridLines = False
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 26
    ws.column_dimensions["C"].width = 11
    ws.column_dimensions["D"].width = 11
    ws.column_dimensions["E"].width = 90
    ws["A1"] = f"S&OP {tmpl.kind} template — filled in by {tmpl.owner}"
    ws["A1"].font = Font(bold=True, size=16, color="1F3864")
    ws["A2"] = tmpl.help
    steps = [
        "How to fill it in:",
        "1. Check the Cycle sheet: company, cycle month, horizon and currency must match the other template.",
        "2. Type one row per line on each sheet, under the dark header row; yellow cells are for your input.",
        "   Add rows below the last one as you need; blank rows are skipped; do not rename or move the headers.",
        "3. Month columns hold one value per month of the horizon; their headers are real dates (first of month).",
        "4. Pick SKUs, resources, materials and fixed choices from the dropdowns where offered.",
        f"5. Run `sop validate {tmpl.filename}` to see every problem by sheet and cell before the meeting (with "
        "both files, the checks across them run too).",
    ]
    for offset, step in enumerate(steps):
        ws.cell(row=4 + offset, column=1, value=step).font = Font(bold=offset == 0)
    row = 4 + len(steps) + 1
    for col, header in enumerate(("Sheet", "Column", "Required", "Type", "What to type"), start=1):
        cell = ws.cell(row=row, column=col, value=header)
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
    for sheet in tmpl.sheets:
        row += 1
        ws.cell(row=row, column=1, value=sheet.name).font = Font(bold=True)
        ws.cell(row=row, column=2, value="(sheet)")
        ws.cell(row=row, column=3, value="yes" if sheet.required else "optional")
        ws.cell(row=row, column=5, value=sheet.help)
        for column in sheet.columns:
            row += 1
            ws.cell(row=row, column=2, value=column.header)
            ws.cell(row=row, column=3, value="yes" if column.required else "no")
            ws.cell(row=row, column=4, value=column.kind)
            text = column.help
            if column.choices:
                text = f"One of: {', '.join(column.choices)}. {text}"
            ws.cell(row=row, column=5, value=text)
        if sheet.months:
            row += 1
            span = "each month of the horizon" if sheet.months == schema.HORIZON else "each of the 12 past months"
            ws.cell(row=row, column=2, value="(month columns)")
            ws.cell(row=row, column=3, value="no")
            ws.cell(row=row, column=4, value="number")
            ws.cell(row=row, column=5, value=f"One column for {span}: {sheet.month_help}.")
    for line in ws.iter_rows(min_row=4 + len(steps) + 2, max_row=row, min_col=5, max_col=5):
        line[0].alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"


def _write_cycle(ws, sheet: Sheet, cycle: Cycle, kind: str) -> None:
    ws.column_dimensions["A"].width = 20
    ws.column_dimensions["B"].width = 28
    ws.column_dimensions["C"].width = 70
    for col, header in enumerate(("Key", "Value", "What to type"), start=1):
        cell = ws.cell(row=1, column=col, value=header)
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
    values = {
        "Company": cycle.company or None,
        "Cycle month": cycle.cycle_month.to_pydatetime(),
        "Horizon (months)": cycle.horizon,
        "Currency": cycle.currency or None,
        "Prepared by": cycle.prepared_by.get(kind) or None,
    }
    for row, column in enumerate(sheet.columns, start=2):
        ws.cell(row=row, column=1, value=column.header).font = Font(bold=True)
        cell = _write_cell(ws, row, 2, values[column.header])
        cell.style = "Input"
        cell.number_format = NUMBER_FORMATS[column.kind]
        ws.cell(row=row, column=3, value=column.help)
    horizon = DataValidation(
        type="whole",
        operator="between",
        formula1="1",
        formula2="60",
        allow_blank=False,
        showErrorMessage=True,
        errorTitle="Horizon",
        error="The horizon is a whole number of months from 1 to 60.",
    )
    horizon.add("B4")
    ws.add_data_validation(horizon)
    ws.freeze_panes = "A2"


def _write_table_sheet(ws, tmpl: Template, sheet: Sheet, cycle: Cycle, frame: pd.DataFrame | None) -> None:
    months = _sheet_months(sheet, cycle, frame)
    fixed = list(sheet.columns)
    n_columns = len(fixed) + len(months)
    rows = _rows(sheet, fixed, months, frame)
    n_rows = max(len(rows), 1)

    for col, column in enumerate(fixed, start=1):
        cell = ws.cell(row=1, column=col, value=column.header)
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        note = column.help + ("" if column.required else " (optional)")
        cell.comment = Comment(note, "sop-workbook", width=260, height=90)
        ws.column_dimensions[get_column_letter(col)].width = column.width
    for offset, month in enumerate(months):
        col = len(fixed) + 1 + offset
        cell = ws.cell(row=1, column=col, value=month.to_pydatetime())
        cell.fill, cell.font = MONTH_HEADER_FILL, HEADER_FONT
        cell.number_format = MONTH_HEADER_FORMAT
        cell.alignment = Alignment(horizontal="center", vertical="center")
        ws.column_dimensions[get_column_letter(col)].width = 10
    ws.row_dimensions[1].height = 32

    formats = [NUMBER_FORMATS[c.kind] for c in fixed] + [MONTH_CELL_FORMAT] * len(months)
    for r, values in enumerate(rows, start=2):
        for c, value in enumerate(values, start=1):
            if value is not None:
                _write_cell(ws, r, c, value)
    # Style the rows written and some blank ones below, so that the input area is visibly the yellow block.
    for r in range(2, max(len(rows), BLANK_ROWS) + 2):
        for c, number_format in enumerate(formats, start=1):
            cell = ws.cell(row=r, column=c)
            cell.style = "Input"
            cell.number_format = number_format

    last = get_column_letter(n_columns)
    table = Table(displayName=sheet.table_name, ref=f"A2:{last}{n_rows + 1}", headerRowCount=0)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=True)
    ws.add_table(table)
    _add_dropdowns(ws, tmpl, sheet, fixed)
    # Keep the header and the key columns in view: everything left of the first number or month column.
    key_columns = 0
    for column in fixed:
        if column.kind not in (schema.TEXT, schema.CHOICE):
            break
        key_columns += 1
    ws.freeze_panes = f"{get_column_letter(min(key_columns, 3) + 1)}2"


def _write_cell(ws, row: int, column: int, value):
    """Write a value; text stays exactly that text (see output.xlsx_text), even when it starts with "=", which
    openpyxl would store as a formula."""
    if not isinstance(value, str):
        return ws.cell(row=row, column=column, value=value)
    cell = ws.cell(row=row, column=column)
    cell.value = xlsx_text(value)
    cell.data_type = "s"
    return cell


def _sheet_months(sheet: Sheet, cycle: Cycle, frame: pd.DataFrame | None = None) -> list[pd.Timestamp]:
    if sheet.months == schema.HORIZON:
        return cycle.months
    if sheet.months == schema.PAST:
        # A filled history keeps its own length (a rolled-forward window, of any length), up to the month before
        # the cycle month; a blank one is the 12 months.
        if frame is not None and len(frame) and frame[MONTH].notna().any():
            first = pd.to_datetime(frame[MONTH]).min()
            if first < cycle.cycle_month:
                return list(pd.date_range(first, cycle.cycle_month - pd.DateOffset(months=1), freq="MS"))
        return cycle.past_months
    return []


def _rows(sheet: Sheet, fixed: list[Column], months: list[pd.Timestamp], frame: pd.DataFrame | None) -> list[list]:
    """The data rows of one sheet as cell values, fixed columns then one value per month."""
    if frame is None or len(frame) == 0:
        return []
    headers = [c.header for c in fixed]
    if sheet.months:
        # One row per distinct key, in first-seen order (the planner's order); blank keys stay blank rows.
        row_of = frame.groupby(headers, sort=False, dropna=False).ngroup().to_numpy()
        column_of = pd.Index(months).get_indexer(pd.to_datetime(frame[MONTH]))
        values = np.zeros((row_of.max() + 1, len(months)))
        known = column_of >= 0
        # Repeated key-month rows add up, as they would in the planner's pivot.
        np.add.at(
            values,
            (row_of[known], column_of[known]),
            pd.to_numeric(frame[sheet.month_value], errors="coerce").to_numpy(dtype=float)[known],
        )
        touched = np.zeros_like(values, dtype=bool)
        touched[row_of[known], column_of[known]] = True
        keys = frame[headers][~pd.Series(row_of).duplicated().to_numpy()]
        return [
            [_cell_value(v, c) for v, c in zip(key, fixed)]
            + [float(v) if seen and not np.isnan(v) else None for v, seen in zip(line, mask)]
            for key, line, mask in zip(keys.itertuples(index=False), values, touched)
        ]
    return [[_cell_value(v, c) for v, c in zip(row, fixed)] for row in frame[headers].itertuples(index=False)]


def _cell_value(value, column: Column):
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if column.kind in (schema.MONTH, schema.DATE):
        return pd.Timestamp(value).to_pydatetime()
    if column.kind in (schema.NUMBER, schema.PERCENT):
        return float(value)
    if column.kind == schema.INTEGER:
        return int(value)
    text = str(value)
    return text if text else None


def _add_dropdowns(ws, tmpl: Template, sheet: Sheet, fixed: list[Column]) -> None:
    for col, column in enumerate(fixed, start=1):
        letter = get_column_letter(col)
        area = f"{letter}2:{letter}{DROPDOWN_ROWS + 1}"
        if column.choices:
            validation = DataValidation(
                type="list",
                formula1='"' + ",".join(column.choices) + '"',
                allow_blank=True,
                showErrorMessage=True,
                errorTitle=column.header,
                error=f"Pick one of: {', '.join(column.choices)}.",
            )
        elif column.lookup:
            source_sheet = tmpl.sheet(column.lookup[0])
            source_col = get_column_letter([c.header for c in source_sheet.columns].index(column.lookup[1]) + 1)
            validation = DataValidation(
                type="list",
                formula1=f"'{source_sheet.name}'!${source_col}$2:${source_col}${DROPDOWN_ROWS + 1}",
                allow_blank=True,
                showErrorMessage=True,
                errorStyle="warning",
                errorTitle=column.header,
                error=f"Not on {source_sheet.name}: add it there first, or check the spelling.",
            )
        else:
            continue
        validation.add(area)
        ws.add_data_validation(validation)
