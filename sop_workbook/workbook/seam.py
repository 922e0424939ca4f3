"""The pack's one reach past xlsxwriter's public API: the cell XML of a worksheet, made in one string per cell.

When a workbook closes, xlsxwriter writes every cell through `Worksheet._write_cell`, which builds a list of
attributes, escapes each and writes the element in several calls: a large part of the pack's writing time, as the
pack has millions of cells at 5,000 SKUs (docs/performance.md has the figures). `Worksheet` here overrides that
one method for the cells the pack writes most (numbers, dates, shared strings, blanks and formulas with a number,
each with its own format) and leaves every other cell to xlsxwriter; the bytes are xlsxwriter's own.

The override depends on xlsxwriter's private cell records and XML layout, so it is checked against the versions
in `CHECKED`: on any other version `Worksheet` is xlsxwriter's own, untouched, and tests/test_workbook.py fails
with a message saying that the seam must be checked again (it compares the two writers' bytes).
"""

from __future__ import annotations

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import (
    CellBlankTuple,
    CellDatetimeTuple,
    CellFormulaTuple,
    CellNumberTuple,
    CellStringTuple,
)
from xlsxwriter.worksheet import Worksheet as XlsxWorksheet

# The xlsxwriter versions whose cell XML this module's was compared with, byte for byte.
CHECKED = ("3.3.4",)
CHECKED_HERE = xlsxwriter.__version__ in CHECKED

_COLUMNS: list[str] = []


def _column(col: int) -> str:
    """A column's letters, made once per column."""
    while len(_COLUMNS) <= col:
        _COLUMNS.append(xl_col_to_name(len(_COLUMNS)))
    return _COLUMNS[col]


def _escape(text: str) -> str:
    # As xlsxwriter escapes a formula: &, < and > (formulas hold no control characters).
    if "&" in text or "<" in text or ">" in text:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


class FastCells(XlsxWorksheet):
    """xlsxwriter's worksheet, its commonest cells' XML made in one string each (see the module docstring)."""

    def _write_cell(self, row, col, cell):
        cell_format = cell.format
        if not cell_format:  # the row's or the column's format: xlsxwriter's own way
            return super()._write_cell(row, col, cell)
        kind = cell.__class__
        start = f'<c r="{_column(col)}{row + 1}" s="{cell_format._get_xf_index()}"'
        if kind is CellNumberTuple or kind is CellDatetimeTuple:
            self.fh.write(f"{start}><v>{cell.number:.16G}</v></c>")
        elif kind is CellStringTuple and not self.constant_memory:
            self.fh.write(f'{start} t="s"><v>{cell.string}</v></c>')
        elif kind is CellBlankTuple:
            self.fh.write(f"{start}/>")
        elif kind is CellFormulaTuple and cell.value.__class__ in (int, float):
            self.fh.write(f"{start}><f>{_escape(cell.formula)}</f><v>{cell.value}</v></c>")
        else:
            super()._write_cell(row, col, cell)
        return None


Worksheet = FastCells if CHECKED_HERE else XlsxWorksheet
