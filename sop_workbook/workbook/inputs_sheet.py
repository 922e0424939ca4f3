"""Inputs: both templates as the reader read them, each row with where it came from (file, sheet, row).

A side given as a folder of files (one per team) names each row's own file.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from xlsxwriter.worksheet import Worksheet

from .. import schema
from ..inputs import MONTH, SHEET_ATTRIBUTES, SOURCE_FILE, SOURCE_ROW
from . import layout
from .layout import Pack, setup_page, write_header, write_left_out, write_numbers, write_title, write_value
from .text import write_text

# The cell style of each schema column kind.
KIND_STYLES = {
    schema.TEXT: "text",
    schema.CHOICE: "text",
    schema.NUMBER: "rate",
    schema.INTEGER: "count",
    schema.PERCENT: "percent",
    schema.MONTH: "month",
    schema.DATE: "date",
}
TEXT_KINDS = {schema.TEXT, schema.CHOICE}


def _file_names(pack: Pack) -> dict[str, str]:
    names = {"demand": "demand.xlsx", "capacity": "capacity.xlsx"}
    for source in pack.results.inputs.sources:
        names[source.kind] = source.name
    return names


def write(pack: Pack, ws: Worksheet) -> None:
    """Write the Inputs sheet: the cycle, then one section per template sheet, months across as in the template.

    Every row starts with its source: the file, the sheet and the Excel row it was read from.

    Args:
        pack: The pack.
        ws: The Inputs worksheet.
    """
    styles = pack.styles
    inputs = pack.results.inputs
    names = _file_names(pack)
    row = write_title(
        pack, ws, "Inputs", "as read from the templates; File, Sheet and Row say where each row came from"
    )
    cycle = inputs.cycle
    write_text(ws, row, 0, "Cycle", styles("heading"))
    row += 1
    for col, label in enumerate(("Key", "Value")):
        write_header(pack, ws, row, col, label, definition="")
    row += 1
    prepared = "; ".join(f"{kind}: {who}" for kind, who in sorted(cycle.prepared_by.items()) if who)
    for key, value, style in (
        ("Company", cycle.company, "text"),
        ("Cycle month", cycle.cycle_month, "month"),
        ("Horizon (months)", cycle.horizon, "count"),
        ("Currency", cycle.currency, "text"),
        ("Prepared by", prepared, "text"),
    ):
        write_text(ws, row, 0, key, styles("bold", "cell"))
        write_value(ws, row, 1, value, styles(style, "cell"), text=style == "text")
        row += 1
    row += 1

    for (kind, sheet_name), attribute in SHEET_ATTRIBUTES.items():
        sheet = schema.template(kind).sheet(sheet_name)
        frame = getattr(inputs, attribute)
        row = _section(pack, ws, row, names[kind], sheet, frame)

    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 16)
    ws.set_column(2, 2, 6)
    ws.set_column(3, 40, 13)
    setup_page(pack, ws, gridlines=True)


def _section(pack: Pack, ws: Worksheet, row: int, file_name: str, sheet: schema.Sheet, frame: pd.DataFrame) -> int:
    """One template sheet: a heading, a header row (File, Sheet, Row, the columns, the months), the rows."""
    styles = pack.styles
    columns = [c for c in sheet.columns if c.header in frame.columns]
    rows = _wide(frame, sheet, columns)
    months = rows[1]
    month_keys = [month.value for month in months]
    files = list(dict.fromkeys(str(f) for f in frame[SOURCE_FILE] if f)) if SOURCE_FILE in frame.columns else []
    file_name = ", ".join(files) or file_name
    write_text(ws, row, 0, f"{file_name} · {sheet.name}", styles("heading"))
    write_text(ws, row, 3, f"{len(rows[0])} row(s)", styles("muted", "italic"))
    row += 1
    labels = ["File", "Sheet", "Row"] + [c.header for c in columns]
    helps = {c.header: c.help for c in columns}
    for col, label in enumerate(labels):
        where = {
            "File": "The file the row was read from.",
            "Sheet": "The sheet of that file.",
            "Row": "The Excel row of that sheet.",
        }
        write_header(pack, ws, row, col, label, definition=where.get(label) or helps.get(label) or "")
    for index, month in enumerate(months):
        ws.write_datetime(row, len(labels) + index, pd.Timestamp(month).to_pydatetime(), styles("header", "month"))
    row += 1
    if not rows[0]:
        write_text(ws, row, 0, "(empty)", styles("italic"))
        return row + 2
    if len(rows[0]) > layout.MAX_ROWS:
        # The rows are in the input file itself, which the Executive Summary's lineage names with its SHA-256.
        row = write_left_out(
            pack,
            ws,
            row,
            len(rows[0]),
            f"rows of {file_name} · {sheet.name}",
            f"they are in {file_name}, sheet {sheet.name}, the file named with its SHA-256 in "
            f"the Executive Summary's lineage.",
        )
        return row + 1
    formats = {}

    def cell_format(style: str):
        # Looked up once per style, not per cell: the styles' name tuples cost more than the cell at 5,000 SKUs.
        if style not in formats:
            formats[style] = styles(style, "cell")
        return formats[style]

    fixed = [
        (3 + offset, column.header, KIND_STYLES.get(column.kind, "text"), column.kind in TEXT_KINDS)
        for offset, column in enumerate(columns)
    ]
    first_month_col = len(labels)
    muted = styles("muted", "cell")
    units, rate = cell_format("units"), cell_format("rate")
    for record, by_month in rows[0]:
        write_text(ws, row, 0, str(record.get(SOURCE_FILE) or file_name), muted)
        write_text(ws, row, 1, sheet.name, muted)
        write_value(ws, row, 2, record.get(SOURCE_ROW), cell_format("count"))
        for col, header, style, text in fixed:
            value = record.get(header)
            write_value(ws, row, col, value, cell_format(_whole(value, style)), text=text)
        values = [by_month.get(month) for month in month_keys]
        if all(value.__class__ is float for value in values):
            # A month row of plain numbers (nearly every row) goes to the sheet in one call; whole numbers show
            # as units, as `_whole` says (NaN and infinities are not whole).
            write_numbers(
                ws, row, first_month_col, values, formats=[units if value.is_integer() else rate for value in values]
            )
        else:
            for index, value in enumerate(values):
                write_value(ws, row, first_month_col + index, value, cell_format(_whole(value, "rate")))
        row += 1
    return row + 1


def _wide(frame: pd.DataFrame, sheet: schema.Sheet, columns) -> tuple[list[tuple[dict, dict]], list]:
    """The rows of a sheet as in its template: (the fixed columns, {month: value}) per source row, the month
    keys as `Timestamp.value`s; and the months, as Timestamps."""
    if not sheet.months or MONTH not in frame.columns:
        return [(record, {}) for record in frame.to_dict("records")], []
    source = [SOURCE_FILE] if SOURCE_FILE in frame.columns else []
    months = sorted(pd.to_datetime(frame[MONTH]).dropna().unique())
    months = [pd.Timestamp(m) for m in months]
    keys = [c.header for c in columns] + source + [SOURCE_ROW]
    frame = frame.assign(**{MONTH: pd.to_datetime(frame[MONTH])})
    # One pass over the rows in group order, not a sub-frame per template row (seconds at 5,000 SKUs).
    group = frame.groupby(keys, dropna=False, sort=False).ngroup().to_numpy()
    order = np.argsort(group, kind="stable")
    starts = np.flatnonzero(np.r_[True, group[order][1:] != group[order][:-1]]) if len(order) else order
    ends = np.r_[starts[1:], len(order)]
    # The fixed columns of each template row as records in one call: a row lookup (iloc) per record costs ~50 µs.
    first_rows = frame.iloc[order[starts]].to_dict("records")
    # Months as nanosecond counts: Timestamps cost ~1 µs each to make from the column and more to hash.
    month_values = frame[MONTH].to_numpy(dtype="datetime64[ns]").view("i8")[order].tolist()
    values = frame[sheet.month_value].to_numpy(dtype=object)[order]
    rows = []
    for record, start, end in zip(first_rows, starts, ends):
        rows.append((record, dict(zip(month_values[start:end], values[start:end]))))
    # In the files' order, each file's rows in its order.
    order = {name: k for k, name in enumerate(dict.fromkeys(frame[SOURCE_FILE]))} if source else {}
    rows.sort(key=lambda item: (order.get(item[0].get(SOURCE_FILE), 0), _number(item[0].get(SOURCE_ROW))))
    return rows, months


def _whole(value, style: str) -> str:
    """Whole numbers show without decimals, as the planner typed them; others with two."""
    if style == "rate" and isinstance(value, (int, float)) and not isinstance(value, bool):
        if value == value and float(value).is_integer():
            return "units"
    return style


def _number(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("inf")
