"""Write the meeting pack: every sheet in order, into a temporary file that replaces the target atomically."""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import os
import pickle
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import xlsxwriter
import xlsxwriter.packager
from xlsxwriter.comments import Comments
from xlsxwriter.utility import _preserve_whitespace, xl_col_to_name, xl_rowcol_to_cell
from xlsxwriter.vml import Vml
from xlsxwriter.worksheet import CellBlankTuple, CellFormulaTuple, CellNumberTuple, Worksheet

from .. import parallel
from ..analysis import Results
from ..errors import OutputError
from ..inputs import Inputs
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
    summary,
)
from . import plan_data as plan_data_sheet
from .layout import Pack
from .package import threaded_zip
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
# The sheets of SKU and input detail, written strictly row by row: xlsxwriter writes each row to disk as soon as
# the next one starts (its constant_memory mode, per sheet), so the pack's cells are never all held in memory
# and close() has little left to do. Sheets with an Excel table (Gaps, Plan Data) cannot be written so.
STREAMED = frozenset({"Consensus Plan", "Inventory", "Inputs"})
# Sheets written in a child process each while this one writes the others (`_Beside`), by their module, which
# lists the styles the sheet writes with (STYLES), says how many cells it has, about (size), and records before it
# is written what other sheets refer to (anchor, if any). The two are streamed sheets of detail and most of a large
# pack's writing time, and the machine's other core is idle while the pack is written.
BESIDE = {"Consensus Plan": consensus, "Inputs": inputs_sheet}
# Below this many cells (the sample's sheets have a few thousand; 500 SKUs over 100,000 each) a child process
# saves less than it costs to start.
BESIDE_ABOVE = 20_000
# The sheets of BESIDE that show the inputs alone: their child can start as soon as the templates are read and
# write while the plan is made (`Ahead`), instead of taking a core from the other sheets while the pack is written.
AHEAD = ("Inputs",)
# An ahead sheet's child gives way to the job's own work, at the lowest priority: it runs on a core the plan
# leaves idle (while one process builds or sums up alone), not on one the plan needs. At priority 10 it still took
# about a tenth of a busy machine: the 5,000-SKU plan took 16.4 s instead of 14.9 (4 pairs).
AHEAD_NICENESS = 19
# The options of the pack's workbook, and of the one an ahead sheet is written into, whose formats must match.
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
    ahead: Ahead | None = None,
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
        ahead: The sheets started from the same inputs and version while the plan was made (`Ahead`); each is
            taken as written there. The pack is byte for byte the same with or without.

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
            _fill(workbook, results, when, version, frame, rows, in_sheet, ahead)
        finally:
            with threaded_zip(), _quick_notes():
                workbook.close()

    # The pack and its Plan Data file are put in place together or not at all; scratch files go to the run's folder.
    files = [(target, build)]
    if data_target is not None:
        files.append((data_target, lambda name: write_plan_data(frame, name, data_target.suffix)))
    with working_folder():
        write_together(files, force=force)
    return target


# The functions whose names xlsxwriter's formula preparation rewrites to their "_xlfn." form (future functions
# are off); see xlsxwriter.worksheet.Worksheet._prepare_formula.
_DYNAMIC_FUNCTIONS = re.compile(
    r"\b(?:ANCHORARRAY|BYCOL|BYROW|CHOOSECOLS|CHOOSEROWS|DROP|EXPAND|FILTER|HSTACK|LAMBDA|MAKEARRAY|MAP|RANDARRAY"
    r"|REDUCE|SCAN|SEQUENCE|SORT|SORTBY|SWITCH|TAKE|TEXTSPLIT|TOCOL|TOROW|UNIQUE|VSTACK|WRAPCOLS|WRAPROWS"
    r"|XLOOKUP)\(|\SINGLE\("
)


class _Worksheet(Worksheet):
    """xlsxwriter's worksheet with quicker cell XML and a quicker formula preparation for the pack's formulas.

    xlsxwriter runs ~30 regular expressions over every formula (~70 µs each, seconds over the tens of thousands
    of formulas of a large pack) to rewrite dynamic-array functions the pack never uses; one search decides
    whether any is there, and only then does xlsxwriter's own rewriting run. The file is byte for byte the same.
    """

    def _initialize(self, init_data):
        super()._initialize(init_data)
        # Rows whose cells are stored as xlsxwriter stores them, for a chart (`keep_rows`); every other cell is made
        # as it is written (`_index_now`), so nothing that reads stored cells back (a chart's cache, xlsxwriter's
        # autofit) may be used on other rows.
        self._chart_rows: set[int] = set()
        self._letters: dict[int, str] = {}

    def keep_rows(self, rows) -> None:
        """Keep these rows' cells as xlsxwriter stores them, for the charts that show them: a chart's cached
        figures are read from them at close(). To be called before the rows are written.

        Args:
            rows: Zero-based rows.
        """
        self._chart_rows.update(rows)

    def _index_now(self, row: int, cell_format) -> int | None:
        """The index of a cell's format when the cell's XML can be made as it is written; None when it is to be
        stored as xlsxwriter stores it and made when its row is written.

        Made at once, a cell costs one string instead of a stored cell and the calls that make its XML later
        (about half the Consensus Plan's time); a sheet written at close() leaves less for close(), when one core
        works alone. It waits when its format has no index yet, because formats take their indices in the order
        cells first need them, which is the order rows are written; and in a row a chart reads (`keep_rows`),
        because the chart's cache is made from the stored cells' values."""
        if cell_format is None or row in self._chart_rows:
            return None
        return cell_format.xf_index

    def _cell_start(self, row: int, col: int, index: int) -> str:
        """A cell's opening tag up to its attributes' end, as xlsxwriter writes it: reference and format index."""
        letter = self._letters.get(col)
        if letter is None:
            letter = self._letters[col] = xl_col_to_name(col)
        return f'<c r="{letter}{row + 1}" s="{index}"'

    def _write_number(self, row, col, number, cell_format=None):
        # xlsxwriter's, with the cell's XML made at once where it can be (`_index_now`).
        index = self._index_now(row, cell_format)
        if (
            index is None
            or (number.__class__ is not float and number.__class__ is not int)
            or not math.isfinite(number)
        ):
            return super()._write_number(row, col, number, cell_format)
        if self._check_dimensions(row, col):
            return -1
        if self.constant_memory and row > self.previous_row:
            self._write_single_row(row)
        self.table[row][col] = _number_xml(self._cell_start(row, col, index), number)
        return 0

    def _write_string(self, row, col, string, cell_format=None):
        # xlsxwriter's, with the cell's XML made at once where it can be (`_index_now`); text too long for a cell
        # (xlsxwriter cuts it) and in-line rich text go xlsxwriter's way.
        index = self._index_now(row, cell_format)
        if index is None or len(string) > self.xls_strmax // 2:
            return super()._write_string(row, col, string, cell_format)
        inline = self._string_xml(string) if self.constant_memory else None
        if self.constant_memory and inline is None:
            return super()._write_string(row, col, string, cell_format)
        if self._check_dimensions(row, col):
            return -1
        if self.constant_memory:
            if row > self.previous_row:
                self._write_single_row(row)
            text = inline
        else:
            text = self._string_xml(self.str_table._get_shared_string_index(string))
        self.table[row][col] = self._cell_start(row, col, index) + text
        return 0

    def _write_formula(self, row, col, formula, cell_format=None, value=0):
        # xlsxwriter's, with the cell's XML made at once where it can be (`_index_now`): formulas with a number,
        # none of the dynamic-array functions xlsxwriter rewrites (`_DYNAMIC_FUNCTIONS` names them all) and no
        # array braces.
        index = self._index_now(row, cell_format)
        if (
            index is None
            or not formula
            or formula[0] == "{"
            or self.use_future_functions
            or (value.__class__ is not float and value.__class__ is not int)
            or ("(" in formula and _DYNAMIC_FUNCTIONS.search(formula))
        ):
            return super()._write_formula(row, col, formula, cell_format, value)
        if self._check_dimensions(row, col):
            return -1
        if self.constant_memory and row > self.previous_row:
            self._write_single_row(row)
        self.table[row][col] = _formula_xml(self._cell_start(row, col, index), _plain_formula(formula), value)
        return 0

    def _write_cell(self, row, col, cell):
        # xlsxwriter writes a cell through several helper calls that escape its reference and format index, which
        # never need it: most of its time per cell (the sheets other than the streamed ones are written at close(),
        # while the other core waits). Cells made as they were written are written as they are; other common
        # formatted cells are built in one string (`_cell_xml`); the bytes are xlsxwriter's own
        # (tests/test_workbook.py compares them); other cells go through xlsxwriter.
        if cell.__class__ is str:
            self.fh.write(cell)
            return
        if cell.format:
            xml = self._cell_xml(self._cell_start(row, col, cell.format._get_xf_index()), cell)
            if xml is not None:
                self.fh.write(xml)
                return
        super()._write_cell(row, col, cell)

    def _cell_xml(self, start: str, cell) -> str | None:
        """The XML of a formatted cell as xlsxwriter writes it, `start` being its opening tag so far (reference and
        format index): numbers, dates, blanks, text (`_string_xml`) and formulas with a number; None for any other
        cell, which xlsxwriter's `_write_cell` is to write."""
        kind = cell.__class__.__name__
        if kind == "Number" or kind == "Datetime":
            return _number_xml(start, cell.number)
        if kind == "Blank":
            return f"{start}/>"
        if kind == "String":
            text = self._string_xml(cell.string)
            return None if text is None else start + text
        if kind == "Formula" and (cell.value.__class__ is float or cell.value.__class__ is int):
            return _formula_xml(start, cell.formula, cell.value)
        return None

    def _string_xml(self, string) -> str | None:
        """A text cell's XML after its opening tag: the shared string's index (what the cell holds here)."""
        return None if self.constant_memory else f' t="s"><v>{string}</v></c>'

    def _prepare_formula(self, formula, expand_future_functions=False):
        if self.use_future_functions or expand_future_functions or _DYNAMIC_FUNCTIONS.search(formula):
            return super()._prepare_formula(formula, expand_future_functions)
        return _plain_formula(formula)


def _number_xml(start: str, number) -> str:
    """A number cell's XML as xlsxwriter writes it, `start` being its opening tag up to its attributes' end."""
    return f"{start}><v>{number:.16G}</v></c>"


def _formula_xml(start: str, formula: str, value) -> str:
    """A formula cell's XML as xlsxwriter writes it, `start` being its opening tag up to its attributes' end:
    the formula as prepared (no equals sign), escaped, and its value, a plain number."""
    return f"{start}><f>{_escape_data(formula)}</f><v>{value}</v></c>"


def _plain_formula(formula: str) -> str:
    """A formula without its array braces and equals sign, as xlsxwriter's `_prepare_formula` leaves a formula
    without future functions."""
    if formula.startswith("{"):
        formula = formula[1:]
    if formula.startswith("="):
        formula = formula[1:]
    if formula.endswith("}"):
        formula = formula[:-1]
    return formula


def _escape_data(text: str) -> str:
    """XML-escape text as xlsxwriter's XMLwriter._escape_data does, with substring tests instead of its regular
    expression (which costs more than the rest of a formula cell)."""
    if "&" in text or "<" in text or ">" in text:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


class _Vml(Vml):
    """xlsxwriter's VML drawing of the cell comments, each comment's shape built as one string.

    xlsxwriter writes a comment's shape as 15 elements through as many calls, each escaping its attributes: about
    0.1 s of close() for the ~2,000 comments of a 500-SKU pack and 0.5 s at 5,000 SKUs, while the other core
    waits. None of those attributes can need escaping (numbers, fixed words and a colour); the bytes are
    xlsxwriter's own (tests/test_workbook.py compares them).
    """

    def _write_comment_shape(self, shape_id, z_index, comment) -> None:
        left, top, width, height = self._pixels_to_points(comment.vertices)
        col_start, row_start, x1, y1, col_end, row_end, x2, y2 = comment.vertices[:8]
        visibility, visible = ("visible", "<x:Visible/>") if comment.is_visible else ("hidden", "")
        self.fh.write(
            f'<v:shape id="_x0000_s{shape_id}" type="#_x0000_t202" style="position:absolute;'
            f"margin-left:{left:.15g}pt;margin-top:{top:.15g}pt;width:{width:.15g}pt;height:{height:.15g}pt;"
            f'z-index:{z_index};visibility:{visibility}" fillcolor="{comment.color._vml_rgb_hex_value()}" '
            f'o:insetmode="auto"><v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/>'
            f'<v:path o:connecttype="none"/><v:textbox style="mso-direction-alt:auto"><div style="text-align:left">'
            f'</div></v:textbox><x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
            f"<x:Anchor>{col_start}, {x1}, {row_start}, {y1}, {col_end}, {x2}, {row_end}, {y2}</x:Anchor>"
            f"<x:AutoFill>False</x:AutoFill><x:Row>{comment.row}</x:Row><x:Column>{comment.col}</x:Column>"
            f"{visible}</x:ClientData></v:shape>"
        )


class _Comments(Comments):
    """xlsxwriter's comments part, each comment built as one string (see `_Vml`); the text is escaped as
    xlsxwriter escapes it."""

    def _write_comment(self, comment, author_id: int) -> None:
        author = f' authorId="{author_id}"' if author_id != -1 else ""
        text = comment.text
        preserve = ' xml:space="preserve"' if _preserve_whitespace(text) else ""
        text = self._escape_control_characters(self._escape_data(text))
        self.fh.write(
            f'<comment ref="{xl_rowcol_to_cell(comment.row, comment.col)}"{author}><text><r><rPr>'
            f'<sz val="{self._escape_attributes(comment.font_size)}"/><color indexed="81"/>'
            f'<rFont val="{self._escape_attributes(comment.font_name)}"/>'
            f'<family val="{self._escape_attributes(comment.font_family)}"/></rPr><t{preserve}>{text}</t></r>'
            f"</text></comment>"
        )


@contextlib.contextmanager
def _quick_notes():
    """While the body runs (the workbook's close()), xlsxwriter's packager writes the comments with `_Vml` and
    `_Comments`; it makes them by the names in its module, which are swapped for the body, unless something
    other than xlsxwriter's own stands there already."""
    packager = xlsxwriter.packager
    if packager.Vml is not Vml or packager.Comments is not Comments:
        yield
        return
    packager.Vml, packager.Comments = _Vml, _Comments
    try:
        yield
    finally:
        packager.Vml, packager.Comments = Vml, Comments


class _StreamedWorksheet(_Worksheet):
    """A worksheet written row by row: each row goes to a temporary file once a later row is written.

    This is xlsxwriter's constant_memory mode for this sheet alone (other sheets keep Excel tables and shared
    strings). Its rules: rows are written in order, a row once left cannot be written again (xlsxwriter ignores
    such writes), and strings are written in the cells rather than shared. A chart reads its cached figures from
    the worksheet at close(), after the rows are gone: rows named with `keep_rows` are kept for that.
    """

    def _initialize(self, init_data):
        super()._initialize({**init_data, "constant_memory": True})
        self._kept: dict[int, dict] = {}
        self._letter_runs: dict[tuple[int, int], list[str]] = {}
        self._texts: dict[str, str | bool] = {}

    def _run_starts(self, row: int, col: int, count: int) -> bool:
        """Check a run of `count` cells from (row, col) as xlsxwriter checks each cell, and send the previous row to
        disk when this one is new; False when the run must go cell by cell (outside the sheet, or a row already
        written, which xlsxwriter ignores)."""
        if self._check_dimensions(row, col) or self._check_dimensions(row, col + count - 1):
            return False
        if row > self.previous_row:
            self._write_single_row(row)
        return True

    def write_number_run(self, row: int, col: int, values: list, cell_format=None, formats: list | None = None) -> None:
        """Write figures along a row from `col` in one call: what `_write_number` would store for each (and a
        formatted blank for NaN or an infinity), without its checks per cell (several µs a cell, a large part of
        the Consensus Plan's and the Inputs' time).

        Args:
            row: Zero-based row.
            col: Zero-based first column.
            values: Plain floats (`ndarray.tolist()`).
            cell_format: The format of every cell.
            formats: Instead, the format of each cell.
        """
        if not values:
            return
        formats = formats if formats is not None else [cell_format] * len(values)
        if not self._run_starts(row, col, len(values)):
            for offset, (value, style) in enumerate(zip(values, formats)):
                if math.isfinite(value):
                    self._write_number(row, col + offset, value, style)
                else:
                    self._write_blank(row, col + offset, None, style)
            return
        cells, finite, number = self.table[row], math.isfinite, row + 1
        # What follows each cell's letters: its row and format index, once per format of the run.
        tails = {}
        for at, letter, value, style in zip(
            range(col, col + len(values)), self._run_letters(col, len(values)), values, formats
        ):
            tail = tails.get(style)
            if tail is None:
                index = self._index_now(row, style)
                tail = tails[style] = False if index is None else f'{number}" s="{index}"'
            if tail:
                cells[at] = _number_xml(f'<c r="{letter}{tail}', value) if finite(value) else f'<c r="{letter}{tail}/>'
            elif finite(value):
                cells[at] = CellNumberTuple(value, style)
            elif style is not None:
                cells[at] = CellBlankTuple(style)

    def _run_letters(self, col: int, count: int) -> list[str]:
        """The letters of `count` columns from `col`."""
        letters = self._letter_runs.get((col, count))
        if letters is None:
            letters = self._letter_runs[(col, count)] = [xl_col_to_name(at) for at in range(col, col + count)]
        return letters

    def write_formula_run(self, row: int, col: int, formulas: list[str], values: list, cell_format=None) -> None:
        """Write formulas along a row from `col` in one call, each with its computed value, as `_write_formula`
        stores them.

        Args:
            row: Zero-based row.
            col: Zero-based first column.
            formulas: Plain formulas such as "=D12+D13", no array braces.
            values: The value of each, a plain float.
            cell_format: The format of every cell.
        """
        if not formulas:
            return
        # Only a function call can be one of the dynamic-array functions xlsxwriter rewrites.
        if any("(" in formula for formula in formulas) or not self._run_starts(row, col, len(formulas)):
            for offset, (formula, value) in enumerate(zip(formulas, values)):
                self._write_formula(row, col + offset, formula, cell_format, value)
            return
        cells, index = self.table[row], self._index_now(row, cell_format)
        tail = None if index is None else f'{row + 1}" s="{index}"'
        for at, letter, formula, value in zip(
            range(col, col + len(formulas)), self._run_letters(col, len(formulas)), formulas, values
        ):
            formula = formula[1:] if formula.startswith("=") else formula
            if tail is not None and (value.__class__ is float or value.__class__ is int):
                cells[at] = _formula_xml(f'<c r="{letter}{tail}', formula, value)
            else:
                cells[at] = CellFormulaTuple(formula, cell_format, value)

    def _write_single_row(self, current_row_num=0):
        """Write the finished row's XML: xlsxwriter's own bytes, built as one string per row.

        xlsxwriter writes each cell through several calls (~10 µs a cell, the larger part of a big pack's time).
        Numbers, blanks, text and formulas with a number are built by `_cell_xml`, each distinct text escaped once
        (`_string_xml`); any other cell goes through xlsxwriter's `_write_cell`. The XML is byte for byte what
        xlsxwriter writes (tests/test_workbook.py compares the two).
        """
        row = self.previous_row
        cells = self.table.get(row)
        if row in self._chart_rows and cells:
            self._keep(row, cells)
        if not cells:
            super()._write_single_row(current_row_num)
            return
        self.previous_row = current_row_num
        if row in self.row_info:
            self._write_row(row, None, self.row_info[row])
        else:
            self._write_row(row, None)
        cell_start, cell_xml, write = self._cell_start, self._cell_xml, self.fh.write
        parts = []
        for col in sorted(cells):
            cell = cells[col]
            if cell.__class__ is str:  # made as it was written
                parts.append(cell)
                continue
            xml = None
            if cell.format:
                xml = cell_xml(cell_start(row, col, cell.format._get_xf_index()), cell)
            if xml is None:
                # Formats from the row or column, and rarer cells, as xlsxwriter writes them.
                write("".join(parts))
                parts.clear()
                Worksheet._write_cell(self, row, col, cell)
                continue
            parts.append(xml)
        write("".join(parts))
        self._xml_end_tag("row")
        self.table.clear()

    def _string_xml(self, string: str) -> str | None:
        # In-line text, escaped once per distinct text; None for rich text.
        text = self._texts.get(string)
        if text is None:
            text = self._texts[string] = self._inline(string)
        return text or None

    def _inline(self, string: str):
        """The XML of an in-line text cell after its attributes, as xlsxwriter writes it; False for rich text."""
        string = self._escape_control_characters(string)
        if string.startswith("<r>") and string.endswith("</r>"):
            return False
        preserve = ' xml:space="preserve"' if _preserve_whitespace(string) else ""
        return f' t="inlineStr"><is><t{preserve}>{self._escape_data(string)}</t></is></c>'

    def _keep(self, row: int, cells: dict) -> None:
        """Keep a chart row's figures as a chart's cache shows them (as xlsxwriter's Worksheet._get_range_data
        gives them): plain values, which can cross to another process (`_Beside`)."""
        kept = {}
        for col, cell in cells.items():
            kind = cell.__class__.__name__
            if kind in ("Number", "Datetime"):
                kept[col] = f"{cell.number:.16g}"
            elif kind in ("String", "RichString"):
                kept[col] = cell.string
            elif kind in ("Formula", "ArrayFormula"):
                kept[col] = 0 if cell.value is None else cell.value
            else:
                kept[col] = ""
        self._kept[row] = kept

    def _get_range_data(self, row_start, col_start, row_end, col_end):
        # As xlsxwriter's own (Worksheet._get_range_data), from the kept rows; strings are in the cells here.
        data = []
        for row in range(row_start, row_end + 1):
            cells = self._kept.get(row)
            if cells is None:
                data.append(None)
                continue
            for col in range(col_start, col_end + 1):
                data.append(cells.get(col))
        return data


def _fill(
    workbook,
    results: Results,
    when: dt.datetime,
    version: str,
    frame: pd.DataFrame | None,
    plan_data_rows: int,
    plan_data_in_sheet: bool,
    ahead: Ahead | None = None,
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
    sheets = {
        name: workbook.add_worksheet(name, worksheet_class=_StreamedWorksheet if name in STREAMED else _Worksheet)
        for name in SHEET_NAMES
    }
    writers = dict(SHEETS)
    _make_beside_formats(pack)
    started = ahead.take(results, version) if ahead is not None else {}
    beside = {}
    for name, module in BESIDE.items():
        if name in started:
            beside[name] = started[name]
            beside[name].ws = sheets[name]
        elif module.size(pack) > BESIDE_ABOVE and parallel.possible():
            with contextlib.suppress(OSError):  # no process could be started: the sheet is written here
                beside[name] = _Beside(writers[name], pack, sheets[name])
    for name in beside:
        if hasattr(BESIDE[name], "anchor"):
            BESIDE[name].anchor(pack)
    try:
        order = list(WRITE_ORDER) + [name for name in SHEET_NAMES if name not in WRITE_ORDER]
        for name in order:
            if name not in beside:
                writers[name](pack, sheets[name])
        for name, child in beside.items():
            if not child.adopt():
                writers[name](pack, sheets[name])
    finally:
        for child in beside.values():
            child.abandon()
    sheets["Executive Summary"].activate()


def _make_beside_formats(pack: Pack) -> None:
    """Make the formats of the sheets written beside (their modules' STYLES) before any sheet is written, whether
    or not a second process writes them, so that their indices, and the file, are the same either way."""
    for module in BESIDE.values():
        for names in module.STYLES:
            pack.styles(*names)._get_xf_index()


@dataclass
class _InputsOnly:
    """What a sheet written ahead may read of the results: the inputs, as the plan is not made yet."""

    inputs: Inputs


class Ahead:
    """The sheets that show the inputs alone (AHEAD), each written by a forked child while this process makes
    the plan, into a workbook of its own with the pack's formats made as `_fill` makes them.

    Written with the pack, the Inputs sheet shares the two cores with the Consensus Plan's child and this process's
    sheets. Started here, at the lowest priority (AHEAD_NICENESS), it takes the time the plan leaves a core idle.
    Side by side with the sheet written with the pack (medians of interleaved pairs, in a slow and a fast spell):
    at 5,000 SKUs writing the pack took 8.9 / 5.9 s instead of 11.5 / 7.6, the plan no longer, and the job 26.4 /
    19.3 s instead of 29.8 / 20.8; at 500 SKUs writing took 1.10 / 0.71 s instead of 1.36 / 0.90, but the plan
    0.07-0.2 s more (even an idle-priority process on the other core slows this one a little here), and the job
    4.20 / 2.91 s instead of 4.20 / 3.01.
    `write_pack` takes the sheets (`take`) when its results come from the same inputs and version, and writes the
    sheet itself otherwise, or when the child failed: the pack is byte for byte the same. Call `cancel` in a
    `finally`: it stops a child that was not taken and removes what it wrote.
    """

    def __init__(self, inputs: Inputs, *, version: str | None = None):
        self.inputs = inputs
        self.version = version or _tool_version()
        self.children: dict[str, _Beside] = {}
        if not parallel.possible():
            return
        # Never closed: nothing is written there. Its sheets' row files go to the run's working folder.
        workbook = xlsxwriter.Workbook(os.devnull, {**WORKBOOK_OPTIONS, "tmpdir": active_working_folder()})
        pack = Pack(
            workbook=workbook,
            styles=Styles(workbook),
            results=_InputsOnly(inputs),
            run_time=None,
            version=self.version,
            plan_data=None,
            plan_data_in_sheet=False,
        )
        _make_beside_formats(pack)
        writers = dict(SHEETS)
        for name in AHEAD:
            if BESIDE[name].size(pack) <= BESIDE_ABOVE:
                continue
            ws = workbook.add_worksheet(name, worksheet_class=_StreamedWorksheet)
            try:
                self.children[name] = _Beside(writers[name], pack, ws, niceness=AHEAD_NICENESS)
            except OSError:  # no process could be started: the sheet is written with the pack
                pass
            finally:
                ws.row_data_fh.close()  # the child writes to a file of its own
                os.remove(ws.row_data_filename)

    def take(self, results: Results, version: str) -> dict[str, _Beside]:
        """The sheets started for these results' inputs and this version (none for others, which `cancel`
        stops), to be adopted (`_Beside.adopt`) by the pack's worksheets."""
        if results.inputs is not self.inputs or version != self.version:
            return {}
        children, self.children = self.children, {}
        return children

    def cancel(self) -> None:
        """Stop the children not taken and remove what they wrote."""
        for child in self.children.values():
            child.abandon()
        self.children = {}


# What a worksheet holds that is not the sheet's own state: files, the workbook's shared objects, the cells of the
# row being written, and the writer's private caches (names starting with "_").
_NOT_STATE = frozenset(
    {
        "fh",
        "row_data_fh",
        "row_data_filename",
        "row_data_fh_closed",
        "workbook_add_format",
        "str_table",
        "worksheet_meta",
        "default_url_format",
        "table",
    }
)


class _Beside:
    """One streamed sheet written by a forked child process (`parallel.Forked`) while this process writes the
    others.

    The child writes the sheet's rows to a file of its own with the workbook's formats (all made, with their
    indices, before the fork: the sheet module's STYLES), then sends back what else the writer changed on the
    worksheet (dimensions, columns, comments, page setup: every attribute whose value changed) and the rows it
    kept for charts. `adopt` makes the file the worksheet's row data and applies the changes, so the pack is byte
    for byte what writing the sheet here would give (a test compares the two). When the child cannot write the
    sheet — it failed, or it needed a format the parent does not have — `adopt` says so and the sheet is written
    here, as if there were no child.
    """

    def __init__(self, write: Callable, pack: Pack, ws: _StreamedWorksheet, *, niceness: int = 0):
        self.ws = ws
        handle, self.path = tempfile.mkstemp(dir=ws.tmpdir)
        os.close(handle)
        try:
            self.child = parallel.Forked(self._write, write, pack, ws, niceness)
        except BaseException:
            os.remove(self.path)
            raise

    def _write(self, write: Callable, pack: Pack, ws: _StreamedWorksheet, niceness: int) -> dict | None:
        """In the child: write the sheet's rows to `self.path`; the worksheet's changed attributes, or None when
        the sheet needed a format the parent does not have."""
        if niceness:
            os.nice(niceness)
        workbook = pack.workbook
        formats = (len(workbook.formats), len(workbook.xf_format_indices))
        before = {
            name: pickle.dumps(value)
            for name, value in vars(ws).items()
            if name not in _NOT_STATE and not name.startswith("_")
        }
        with open(self.path, "w", encoding="utf-8") as rows:
            ws.fh = rows
            write(pack, ws)
            # The last row goes out now, and the row after every row with a height or comment is left pending, so
            # that close() has nothing left to write.
            ws._write_single_row(max([ws.previous_row, *ws.row_info, *ws.comments]) + 1)
        if formats != (len(workbook.formats), len(workbook.xf_format_indices)):
            return None
        return {
            name: value
            for name, value in vars(ws).items()
            if name not in _NOT_STATE
            and (not name.startswith("_") or name == "_kept")
            and pickle.dumps(value) != before.get(name)
        }

    def adopt(self) -> bool:
        """Wait for the child; make its rows and state the worksheet's. False when the child could not write the
        sheet (it is then to be written here)."""
        _, state = self.child.result()
        if state is None:
            return False
        ws = self.ws
        ws.row_data_fh.close()
        os.remove(ws.row_data_filename)
        ws.row_data_filename, self.path = self.path, None
        ws.row_data_fh = ws.fh = open(ws.row_data_filename, "a+", encoding="utf-8")  # as xlsxwriter's _opt_reopen
        vars(ws).update(state)
        return True

    def abandon(self) -> None:
        """Stop the child if it is still running and remove what it wrote; nothing after `adopt`."""
        self.child.cancel()
        if self.path is not None:
            try:
                os.remove(self.path)
            except FileNotFoundError:
                pass
            self.path = None
