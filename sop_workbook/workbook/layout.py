"""What every sheet of the pack shares: the pack's context, typed cell writing, titles, headers, print setup.

Cell writing goes through `write_value`, which picks `text.write_text`, `write_number` or `write_datetime` from
the value's type and never xlsxwriter's type-guessing `write`: text from the inputs (a customer called
"=HYPERLINK(...)") always stays text, exactly as typed.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import numbers
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from ..analysis import Results
from .definitions import DEFINITIONS
from .styles import Styles
from .text import comment_text, header_text, write_text

BASE = "Base"
AUTHOR = "sop-workbook"

# The most rows of detail (one per SKU and measure, per input row, ...) a sheet holds. Beyond it Excel slows to
# a crawl and nobody reads the sheet: a sheet keeps its family rows and says in one line how many rows were left
# out and where the whole data is (the Plan Data sheet's rule, applied to every sheet of SKU detail).
MAX_ROWS = 200_000
# The rows `write_title` takes (title, subtitle, a blank row): a sheet's first free row.
TITLE_ROWS = 3

# The number format of each kind of figure, by the label it is shown under; labels not listed are units.
MONEY_LABELS = {
    "Revenue",
    "Material cost",
    "Other variable cost",
    "Overtime cost",
    "Subcontract cost",
    "Holding cost",
    "Backlog cost",
    "Variable costs",
    "Contribution margin",
    "Regular labour cost",
    "Margin after labour",
    "Unabsorbed labour",
    "Revenue at risk",
    "Revenue vs budget",
    "Cost",
    "Margin effect",
    "Budget",
    "Plan",
    "Variance",
}
PRICE_LABELS = {"Unit price", "Price to meet floor", "Shadow price", "Highest shadow price", "Cost per unit"}
PERCENT_LABELS = {
    "Fill rate",
    "Contribution margin %",
    "Utilisation",
    "Peak utilisation",
    "Average utilisation",
    "Margin floor %",
    "MAPE",
    "Bias",
}
HOURS_LABELS = {"Available hours", "Overtime limit", "Overtime hours", "Used hours", "Required hours"}
DAYS_LABELS = {"Days of supply"}


def number_style(label: str) -> str:
    """The style name of the number format for a figure shown under this label.

    Args:
        label: The column or measure label, e.g. "Revenue".

    Returns:
        A key of `styles.NAMED`: "money", "price", "percent", "hours", "days" or "units".
    """
    if label in MONEY_LABELS:
        return "money"
    if label in PRICE_LABELS:
        return "price"
    if label in PERCENT_LABELS:
        return "percent"
    if label in HOURS_LABELS:
        return "hours"
    if label in DAYS_LABELS:
        return "days"
    return "units"


@dataclass
class Pack:
    """The context every sheet writer receives.

    Attributes:
        workbook: The xlsxwriter workbook being written.
        styles: Its formats, by name.
        results: What the pack shows.
        run_time: The run's time (UTC), shown in the lineage and used as the file's creation time.
        version: The tool's version, for the lineage.
        plan_data: The Plan Data table (every figure once, at its grain); None when nothing shows it (above
            the row limit without --plan-data).
        plan_data_in_sheet: Whether the Plan Data sheet holds the table (False above the row limit).
        plan_data_rows: The number of rows of the Plan Data table.
        anchors: Cell ranges one sheet writes and another refers to (charts, formulas), by name.
    """

    workbook: Workbook
    styles: Styles
    results: Results
    run_time: dt.datetime
    version: str
    plan_data: pd.DataFrame | None
    plan_data_in_sheet: bool
    plan_data_rows: int = 0
    anchors: dict[str, object] = field(default_factory=dict)

    @property
    def cycle(self):
        """The planning cycle of the inputs."""
        return self.results.inputs.cycle

    @property
    def company(self) -> str:
        """The company's name."""
        return str(self.cycle.company)

    @property
    def cycle_label(self) -> str:
        """The cycle month as the pack names it, e.g. "Mar-27"."""
        return pd.Timestamp(self.cycle.cycle_month).strftime("%b-%y")

    @property
    def currency(self) -> str:
        """The cycle currency code."""
        return str(self.cycle.currency)

    @functools.cached_property
    def months(self) -> list[pd.Timestamp]:
        """The months of the horizon (worked out once: sheets ask for them per SKU)."""
        return [pd.Timestamp(m) for m in self.cycle.months]

    def base(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The Base scenario's rows of a Results table (the table itself when it has no Scenario column).

        Args:
            frame: A Results DataFrame.

        Returns:
            The Base rows, index reset.
        """
        if "Scenario" not in frame.columns:
            return frame.reset_index(drop=True)
        return frame[frame["Scenario"] == BASE].reset_index(drop=True)


def is_blank(value) -> bool:
    """Whether a value is missing (None, NaN, NaT, pd.NA or an empty string).

    Args:
        value: Any cell value.

    Returns:
        True when the cell should be left blank.
    """
    kind = type(value)
    # The exact types of nearly every cell first: the ABC checks below cost more than writing the cell.
    if kind is float or kind is np.float64:
        return not math.isfinite(value)
    if kind is str:
        return value == ""
    if kind is int:
        return False
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, str):
        return value == ""
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)):
        return not math.isfinite(float(value))
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def to_datetime(value) -> dt.datetime:
    """A naive datetime for xlsxwriter (which takes no time zones) from a Timestamp, datetime or date.

    Args:
        value: The date or time.

    Returns:
        The same instant as a naive datetime.
    """
    if isinstance(value, pd.Timestamp):
        value = value.tz_localize(None) if value.tzinfo else value
        return value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    return dt.datetime(value.year, value.month, value.day)


def write_value(ws: Worksheet, row: int, col: int, value, cell_format=None, *, text: bool = False) -> None:
    """Write one value with the xlsxwriter method its type calls for; blanks stay blank.

    Text is written with `text.write_text` (exactly as typed, never as a formula or link), numbers with
    `write_number`, dates with `write_datetime`, booleans as "Yes"/"No".

    Args:
        ws: The worksheet.
        row: Zero-based row.
        col: Zero-based column.
        value: The value.
        cell_format: The format, also given to blank cells so borders and fills stay continuous.
        text: Write any non-blank value as text (identifiers such as order references typed as numbers).
    """
    if is_blank(value):
        ws.write_blank(row, col, None, cell_format)
    elif text or isinstance(value, str):
        write_text(ws, row, col, str(value), cell_format)
    elif isinstance(value, (bool, np.bool_)):
        write_text(ws, row, col, "Yes" if value else "No", cell_format)
    elif isinstance(value, (pd.Timestamp, dt.datetime, dt.date, np.datetime64)):
        ws.write_datetime(row, col, to_datetime(pd.Timestamp(value)), cell_format)
    elif isinstance(value, numbers.Real):
        ws.write_number(row, col, float(value), cell_format)
    else:
        write_text(ws, row, col, str(value), cell_format)


def write_numbers(ws: Worksheet, row: int, col: int, values, cell_format=None, *, formats=None) -> None:
    """Write a run of figures along a row from `col`; NaN and infinities leave the cell blank (formatted).

    Args:
        ws: The worksheet.
        row: Zero-based row.
        col: Zero-based first column.
        values: Floats (a list, e.g. from `ndarray.tolist()`, which gives plain floats at once).
        cell_format: The format of every cell.
        formats: Instead, the format of each cell.
    """
    for offset, (value, style) in enumerate(zip(values, formats or [cell_format] * len(values))):
        if math.isfinite(value):
            ws.write_number(row, col + offset, value, style)
        else:
            ws.write_blank(row, col + offset, None, style)


def write_formulas(ws: Worksheet, row: int, col: int, formulas: list[str], values: list, cell_format=None) -> None:
    """Write a run of formulas along a row from `col`, each with its computed value.

    Args:
        ws: The worksheet.
        row: Zero-based row.
        col: Zero-based first column.
        formulas: Formulas such as "=D12+D13".
        values: The value of each (plain floats).
        cell_format: The format of every cell.
    """
    for offset, (formula, value) in enumerate(zip(formulas, values)):
        ws.write_formula(row, col + offset, formula, cell_format, value)


def comment(ws: Worksheet, row: int, col: int, text: str) -> None:
    """Attach a comment, sized to its text, to a cell.

    Args:
        ws: The worksheet.
        row: Zero-based row.
        col: Zero-based column.
        text: The comment; planner text is fine (comments are never formulas).
    """
    text = comment_text(text)
    lines = max(3, len(text) // 38 + text.count("\n") + 2)
    ws.write_comment(
        row, col, text, {"author": AUTHOR, "x_scale": 1.8, "y_scale": min(6.0, lines / 4.5), "font_size": 10}
    )


def write_header(
    pack: Pack, ws: Worksheet, row: int, col: int, label: str, style: str = "header", definition: str | None = None
) -> None:
    """Write a header cell and, when the label names a figure, the comment that defines it.

    Args:
        pack: The pack.
        ws: The worksheet.
        row: Zero-based row.
        col: Zero-based column.
        label: The header text.
        style: The style name of the header.
        definition: The comment text; by default the label's entry in `DEFINITIONS`.
    """
    write_text(ws, row, col, label, pack.styles(style))
    text = definition if definition is not None else DEFINITIONS.get(label)
    if text:
        comment(ws, row, col, f"{label}: {text}")


def write_title(pack: Pack, ws: Worksheet, title: str, note: str = "") -> int:
    """Write the sheet's title and a line saying what it shows; return the first free row.

    Args:
        pack: The pack.
        ws: The worksheet.
        title: The sheet's title.
        note: One line under the title.

    Returns:
        The zero-based row after the title block (one blank row left).
    """
    ws.set_row(0, 30)
    write_text(ws, 0, 0, title, pack.styles("title"))
    subtitle = f"{pack.company} · S&OP cycle {pack.cycle_label} · money in {pack.currency}"
    write_text(ws, 1, 0, f"{subtitle} · {note}" if note else subtitle, pack.styles("subtitle"))
    return TITLE_ROWS


def write_left_out(pack: Pack, ws: Worksheet, row: int, left_out: int, what: str, where: str) -> int:
    """Write the one line that says how many rows of detail a sheet left out, and where the whole data is.

    Args:
        pack: The pack.
        ws: The worksheet.
        row: Zero-based row of the line.
        left_out: How many rows the sheet would have had.
        what: What the rows are, e.g. "SKU rows".
        where: Where the whole data is, e.g. "write it with: sop reconcile ... --plan-data plan.csv".

    Returns:
        The row after the line.
    """
    write_text(
        ws,
        row,
        0,
        f"{left_out:,} {what} left out: more than the {MAX_ROWS:,} rows a sheet holds; {where}",
        pack.styles("italic"),
    )
    return row + 1


def write_nothing(pack: Pack, ws: Worksheet, title: str, line: str) -> None:
    """Write a sheet that has nothing to show: its title and one line saying why.

    Args:
        pack: The pack.
        ws: The worksheet.
        title: The sheet's title.
        line: The sentence that says why the sheet is empty and how to fill it.
    """
    row = write_title(pack, ws, title)
    ws.set_column(0, 0, 110)
    write_text(ws, row, 0, line, pack.styles("italic"))
    setup_page(pack, ws)


def setup_page(
    pack: Pack,
    ws: Worksheet,
    header_rows: tuple[int, int] | None = None,
    *,
    gridlines: bool = False,
    one_page: bool = False,
) -> None:
    """Make a sheet print well: landscape A4, fit to width, header rows repeated, header and footer.

    Args:
        pack: The pack.
        ws: The worksheet.
        header_rows: The zero-based first and last row to repeat on every page, if any.
        gridlines: Show the screen gridlines (for data sheets).
        one_page: Fit the sheet on one page (the Executive Summary).
    """
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 1 if one_page else 0)
    ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.7)
    if header_rows is not None:
        ws.repeat_rows(*header_rows)
    company = header_text(pack.company[:80])
    ws.set_header(f'&L&"{"Calibri"},Bold"{company}&C&A&RS&&OP cycle {pack.cycle_label}')
    ws.set_footer(f"&LS&&OP meeting pack · sop-workbook {header_text(pack.version)}&CPage &P of &N&R{company}")
    if not gridlines:
        ws.hide_gridlines(2)


def cell(row: int, col: int, row_abs: bool = False, col_abs: bool = False) -> str:
    """The A1 reference of a zero-based row and column.

    Args:
        row: Zero-based row.
        col: Zero-based column.
        row_abs: Make the row absolute ($1).
        col_abs: Make the column absolute ($A).

    Returns:
        The reference, e.g. "$C5".
    """
    return xl_rowcol_to_cell(row, col, row_abs, col_abs)


def quote_sheet(name: str) -> str:
    """A sheet name as a formula refers to it, quoted: 'Plan Data'.

    Args:
        name: The sheet name.

    Returns:
        The name in single quotes, inner quotes doubled.
    """
    return "'" + name.replace("'", "''") + "'"


def month_label(month) -> str:
    """A month as the pack names it in text.

    Args:
        month: A date in the month.

    Returns:
        The month as "Mar-27".
    """
    return pd.Timestamp(month).strftime("%b-%y")


TEXT_STYLES = {"text", "wrap", "bold"}


LINE_HEIGHT = 15  # points per line of 11-point text


def row_height(texts_and_widths) -> float | None:
    """The height a row needs so that wrapped text shows whole, or None when one line is enough.

    Neither Excel nor LibreOffice grows a row for wrapped text written by another program, so rows with long
    text are given their height here, from the text's length and the column's width in characters.

    Args:
        texts_and_widths: (text, column width) pairs of the row's wrapped cells.

    Returns:
        The height in points, or None for the default height.
    """
    lines = 1
    for text, width in texts_and_widths:
        if not isinstance(text, str) or not text:
            continue
        per_line = max(1.0, width * 1.2 - 2)
        needed = sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))
        lines = max(lines, needed)
    return None if lines == 1 else LINE_HEIGHT * lines + 3


def write_list(
    pack: Pack,
    ws: Worksheet,
    row: int,
    frame: pd.DataFrame,
    columns,
    *,
    name: str | None = None,
    flag=None,
    note=None,
    widths=None,
) -> int:
    """Write a list: a header row, then one row per record; optionally an Excel table over it.

    Args:
        pack: The pack.
        ws: The worksheet.
        row: The header row (zero-based).
        frame: The records.
        columns: (label, style) pairs in order; style is a key of `styles.NAMED` ("text", "wrap", "month",
            "date", "money", ...). Text styles write the value as text whatever its type.
        name: The Excel table's name; None writes plain cells.
        flag: Called with (record, label); returns a colour style ("red", "amber", "green") or None.
        note: Called with (record, label); returns a comment explaining the cell, or None.
        widths: The column widths in characters; rows grow to show wrapped text whole.

    Returns:
        The first row after the list.
    """
    styles = pack.styles
    labels = [label for label, _ in columns]
    last = row + max(len(frame), 1)
    if name:
        ws.add_table(
            row,
            0,
            last,
            len(columns) - 1,
            {
                "name": name,
                "style": "Table Style Light 1",
                "autofilter": True,
                "columns": [{"header": label, "header_format": styles("header")} for label in labels],
            },
        )
        for col, label in enumerate(labels):
            if label in DEFINITIONS:
                comment(ws, row, col, f"{label}: {DEFINITIONS[label]}")
    else:
        for col, label in enumerate(labels):
            write_header(pack, ws, row, col, label)
    ws.set_row(row, 32)
    if widths:
        for col, width in enumerate(widths):
            ws.set_column(col, col, width)
    for index, record in enumerate(frame.to_dict("records")):
        r = row + 1 + index
        if widths:
            height = row_height(
                (record.get(label), widths[col]) for col, (label, style) in enumerate(columns) if style == "wrap"
            )
            if height:
                ws.set_row(r, height)
        for col, (label, style) in enumerate(columns):
            colour = flag(record, label) if flag else None
            write_value(ws, r, col, record.get(label), styles(style, "cell", colour), text=style in TEXT_STYLES)
            text = note(record, label) if note else None
            if text:
                comment(ws, r, col, text)
    return last + 1


def with_customer_master(frame: pd.DataFrame, customers: pd.DataFrame) -> pd.DataFrame:
    """A list of customers' rows with each customer's Channel and Region from the customer master.

    Args:
        frame: Rows with a "Customer" column.
        customers: The Customers sheet as read (`Inputs.customers`).

    Returns:
        A copy with "Channel" and "Region" (blank for a customer the master does not list).
    """
    master = customers.drop_duplicates("Customer").set_index("Customer")
    out = frame.copy()
    for column in ("Channel", "Region"):
        out[column] = out["Customer"].map(master[column]).fillna("") if len(master) else ""
    return out
