"""Assumptions & Risks: Sales' assumptions and Operations' risks side by side, then the validation warnings."""

from __future__ import annotations

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from ..errors import WARNING
from .layout import Pack, row_height, setup_page, write_header, write_title, write_value
from .text import write_text

ASSUMPTIONS = (("Topic", "wrap", 16), ("Assumption", "wrap", 44), ("Impact", "center", 8), ("Owner", "wrap", 16))
RISKS = (
    ("Risk", "wrap", 38),
    ("Affects", "text", 9),
    ("Impact", "center", 8),
    ("Mitigation", "wrap", 34),
    ("Owner", "wrap", 16),
)
WARNINGS = (("File", "text"), ("Sheet", "text"), ("Cell", "text"), ("Message", "wrap"))
IMPACT_COLOURS = {"High": "red", "Medium": "amber", "Low": "green"}
GAP = 1  # an empty column between the two sides
MESSAGE_WIDTH = 150  # the width, in characters, of a warning's merged message cell


def _side(
    pack: Pack,
    ws: Worksheet,
    row: int,
    first_col: int,
    title: str,
    frame: pd.DataFrame,
    columns,
    empty: str,
    heights: dict[int, float],
) -> int:
    """One side: a heading, the header row and the rows; returns the first free row.

    The height each row's wrapped text needs is put in `heights` (the larger of both sides wins).
    """
    styles = pack.styles
    write_text(ws, row, first_col, title, styles("heading"))
    row += 1
    for offset, (label, _, width) in enumerate(columns):
        write_header(pack, ws, row, first_col + offset, label)
        ws.set_column(first_col + offset, first_col + offset, width)
    row += 1
    if not len(frame):
        write_text(ws, row, first_col, empty, styles("italic"))
        return row + 1
    for record in frame.to_dict("records"):
        needed = row_height((record.get(label), width) for label, style, width in columns if style == "wrap")
        heights[row] = max(heights.get(row, 0), needed or 0)
        for offset, (label, style, _) in enumerate(columns):
            colour = IMPACT_COLOURS.get(str(record.get(label))) if label == "Impact" else None
            write_value(ws, row, first_col + offset, record.get(label), styles(style, "cell", colour), text=True)
        row += 1
    return row


def write(pack: Pack, ws: Worksheet) -> None:
    """Write the Assumptions & Risks sheet.

    Sales' assumptions on the left, Operations' risks on the right, both with Impact coloured; below them
    every warning the reader found in the templates.

    Args:
        pack: The pack.
        ws: The Assumptions & Risks worksheet.
    """
    inputs = pack.results.inputs
    styles = pack.styles
    row = write_title(pack, ws, "Assumptions & Risks", "what each side assumes, in its own words")
    heights: dict[int, float] = {}
    left = _side(
        pack,
        ws,
        row,
        0,
        "Sales: market assumptions",
        inputs.assumptions,
        ASSUMPTIONS,
        "Sales listed no assumptions.",
        heights,
    )
    right = _side(
        pack,
        ws,
        row,
        len(ASSUMPTIONS) + GAP,
        "Operations: risks and constraints",
        inputs.risks,
        RISKS,
        "Operations listed no risks.",
        heights,
    )
    for index, height in heights.items():
        if height:
            ws.set_row(index, height)
    ws.set_column(len(ASSUMPTIONS), len(ASSUMPTIONS), 2)
    row = max(left, right) + 1
    warnings = [f for f in inputs.findings if f.severity == WARNING]
    write_text(ws, row, 0, "Validation warnings", styles("heading"))
    row += 1
    if not warnings:
        write_text(ws, row, 0, "The reader found nothing to warn about in either template.", styles("italic"))
    else:
        for col, (label, _) in enumerate(WARNINGS):
            write_header(pack, ws, row, col, label, definition="")
        row += 1
        for finding in warnings:
            values = (
                finding.file,
                finding.sheet,
                finding.cell or (str(finding.row) if finding.row else ""),
                finding.message,
            )
            for col, value in enumerate(values[:3]):
                write_value(ws, row, col, value, styles("text", "cell"), text=True)
            # The message is long: it runs across the columns to its right, in a row tall enough for it.
            last_col = len(ASSUMPTIONS) + GAP + len(RISKS) - 1
            ws.merge_range(row, 3, row, last_col, "", styles("wrap", "cell"))
            write_text(ws, row, 3, finding.message, styles("wrap", "cell"))
            ws.set_row(row, row_height([(finding.message, MESSAGE_WIDTH)]))
            row += 1
    setup_page(pack, ws)
