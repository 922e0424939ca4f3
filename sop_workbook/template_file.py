"""One template file being read: its sheets found by name, its columns by header, every cell checked.

The reader finds sheets by name and columns by their header text in row 1, never by position or by the extent
of an Excel table: rows typed below a table, reordered columns and blank rows are all fine, and extra columns
are ignored with a warning. What each sheet and column must hold comes from `schema.py`; how one cell of each
kind is read, from `cells.py`. `reader.py` puts the files of both sides together and runs the checks across them.

Each file comes through `archive.guard`, which reads its bytes once and refuses a file that is not a sound .xlsx
(one error finding; its tables are left empty) and a sheet whose cells reach too far (one error on that sheet;
the others are read). Cell values are read with python-calamine, which returns the values Excel or LibreOffice
cached when the file was saved; cells whose formula has no cached value or holds an error value, which calamine
gives as blank, are found in the sheet's XML (`cells.unusable_cells`). The inputs are opened read-only and never
written.
"""

from __future__ import annotations

import bisect
import datetime as dt
import io
import itertools
import operator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from python_calamine import CalamineWorkbook

from . import schema
from .archive import FileRefused, Role, guard
from .cells import (
    LARGEST_WHOLE,
    Parsed,
    blank,
    column_letter,
    header_form,
    header_month,
    month_label,
    parse_cell,
    parse_date,
    parse_number,
    shown,
    text_of,
    too_long,
    unusable_cells,
)
from .errors import ERROR, WARNING, Finding, file_name
from .inputs import Cycle
from .schema import Column, Sheet, Template

# What a month cell of each month sheet holds, for messages ("type the units as a number").
MONTH_NOUNS = {
    "Forecast": "units",
    "Hours": "hours",
    "Max units": "units",
    "Available": "units",
    "Budget": "budget figure",
    "Actual": "units",
}


# What a workbook is, by the sheets it has: each template by the sheets only it has, and the tool's own outputs.
PACK_SHEETS = ("Executive Summary", "Plan Data")
FINDINGS_SHEET = "Findings"  # the first sheet of an annotated copy (annotate.py)


def recognised(sheet_names: list[str]) -> str | None:
    """What a workbook is, from its sheet names.

    Args:
        sheet_names: The workbook's sheet names.

    Returns:
        "pack" for a meeting pack, "findings" for an annotated copy, "demand" or "capacity" for the template with
        more of its own sheets there (a team's file may hold only its Forecast), None when neither has any.
    """
    names = set(sheet_names)
    if names.issuperset(PACK_SHEETS):
        return "pack"
    if sheet_names and sheet_names[0] == FINDINGS_SHEET:
        return "findings"
    own = {
        tmpl.kind: len(names & ({s.name for s in tmpl.sheets} - {schema.CYCLE.name} - {schema.INSTRUCTIONS_SHEET}))
        for tmpl in schema.TEMPLATES
    }
    best = max(own.values())
    winners = [kind for kind, count in own.items() if count == best]
    return winners[0] if best and len(winners) == 1 else None


class Origin(int):
    """The Excel row of a row read from one file of a folder: the row number, knowing its file and sheet.

    The checks name a row by its number (`Table.cell(header, row.number)`, `file.error(sheet, row.number, ...)`);
    for the rows of a folder that number also says which file and sheet they came from, so that every finding
    names the cell where it is, in its own file.
    """

    file: TemplateFile
    table: Table

    def __new__(cls, number: int, file: TemplateFile, table: Table):
        origin = super().__new__(cls, number)
        origin.file = file
        origin.table = table
        return origin


class Row:
    """One data row of a sheet as read: values by header (None when blank or wrong).

    Its month values are row `k` of the table's `month_matrix()`, `k` its position in the table's rows. Its number
    is the Excel row; an `Origin` when the row comes from one file of a folder.
    """

    __slots__ = ("number", "values")  # one per row of every sheet: made by the ten thousand

    def __init__(self, number: int, values: dict[str, object]):
        self.number = number
        self.values = values


@dataclass
class Table:
    """One template sheet as found in a file."""

    spec: Sheet
    name: str = ""  # the sheet's name in the file ("" when absent)
    columns: dict[str, int] = field(default_factory=dict)  # header → 0-based column index
    months: list[tuple[pd.Timestamp, int]] = field(default_factory=list)  # month → column index, in date order
    rows: list[Row] = field(default_factory=list)
    matrix: np.ndarray | None = None  # the rows' month values (rows × months), in the order of `months`
    _values: dict[str, set] = field(default_factory=dict, repr=False)

    def month_matrix(self) -> np.ndarray:
        """The rows' month values as one (rows × months) array (zeros when none were read)."""
        if self.matrix is None or len(self.matrix) != len(self.rows):
            self.matrix = np.zeros((len(self.rows), len(self.months)))
        return self.matrix

    @property
    def present(self) -> bool:
        """Whether the file has this sheet (and it could be read)."""
        return bool(self.name)

    def cell(self, header: str, row: int) -> str:
        """The A1 reference of a column's cell in an Excel row ("" when the column is absent)."""
        if isinstance(row, Origin):  # a row of one file of a folder: its cell in that file
            return row.table.cell(header, int(row))
        index = self.columns.get(header)
        return "" if index is None else f"{column_letter(index)}{row}"

    def month_cell(self, month: pd.Timestamp, row: int) -> str:
        """The A1 reference of a month's cell in an Excel row."""
        if isinstance(row, Origin):
            return row.table.month_cell(month, int(row))
        for stamp, index in self.months:
            if stamp == month:
                return f"{column_letter(index)}{row}"
        return ""

    def values(self, header: str) -> set:
        """The readable values of a column, over all rows (asked for after reading, when rows no longer change)."""
        if header not in self._values:
            self._values[header] = {row.values.get(header) for row in self.rows} - {None}
        return self._values[header]


class TemplateFile:
    """One template file being read: its workbook, its findings and its sheets.

    A file of a folder (`in_folder`) is one team's part of its side: a sheet it lacks or leaves empty is not an
    error here, since another file of the folder may hold it (`folders.Side` checks the folder as a whole). A file
    whose template is not given (None) is recognised by its sheets when it is opened (`recognised`).
    """

    def __init__(self, path: Path, template: Template | None, in_folder: bool = False):
        self.path = path
        self.name = file_name(path)
        self.template = template
        self.in_folder = in_folder
        self.kind = template.kind if template is not None else None  # what the file turned out to be
        self.findings: list[Finding] = []
        self.files = [self]  # a side of one file (`folders.Side` has several)
        self.workbook: CalamineWorkbook | None = None
        self.sha256 = ""
        self.sheet_names: dict[str, str] = {}  # schema name → name in the file
        self.unusable: dict[str, dict[tuple[int, int], str]] = {}  # name in the file → its `unusable_cells`
        self.cycle: Cycle | None = None
        self.cycle_cells: dict[str, tuple[object, int]] = {}  # key → (value, Excel row)
        # In the template's order, whatever the reading order; those absent from the file stay without a name.
        self.sheets = {spec.name: Table(spec) for spec in template.sheets if not spec.key_value} if template else {}

    # Findings -------------------------------------------------------------------------------------------------

    def add(self, severity: str, sheet: str, row: int, cell: str, message: str) -> None:
        """Record a finding in this file."""
        self.findings.append(Finding(self.name, sheet, int(row), cell, severity, message))

    def error(self, sheet: str, row: int, cell: str, message: str) -> None:
        """Record an error in this file."""
        self.add(ERROR, sheet, row, cell, message)

    def warning(self, sheet: str, row: int, cell: str, message: str) -> None:
        """Record a warning in this file."""
        self.add(WARNING, sheet, row, cell, message)

    def all_findings(self) -> list[Finding]:
        """This file's findings (a side of one file)."""
        return self.findings

    # Opening --------------------------------------------------------------------------------------------------

    def open(self) -> None:
        """Open the workbook read-only through the guard, or record why it cannot be read."""
        role = Role(f"the {self.template.kind} template" if self.template else "the template", "template")
        try:
            archive = guard(self.path, role, keep_xml=True)
        except FileRefused as refused:
            self.sha256 = refused.sha256
            self.error("", 0, "", f"{self.name} {refused.problem}")
            return
        self.sha256 = archive.sha256
        try:
            self.workbook = CalamineWorkbook.from_filelike(io.BytesIO(archive.data))
        except BaseException as exc:  # calamine's errors are not one class; any of them means "cannot be read"
            _reraise_interrupts(exc)
            self.error(
                "", 0, "", f"{self.name} is damaged and cannot be read ({type(exc).__name__}); save it again from Excel"
            )
            return
        if self.path.suffix.lower() != ".xlsx":
            self.warning(
                "", 0, "", f"{self.name} is an Excel workbook but its name does not end in .xlsx; rename it to .xlsx"
            )
        if self.template is None or self.in_folder:
            self._recognise()
            if self.workbook is None:
                return
        self._match_sheet_names()
        for sheet, name in list(self.sheet_names.items()):
            problem = archive.sheet_problem(name)
            if problem:
                self.error(name, 0, "", f"the sheet {problem}")
                del self.sheet_names[sheet]
            else:
                self.unusable[name] = unusable_cells(archive.sheet_xml.pop(name))

    def _recognise(self) -> None:
        """Take the template this file is by its sheets; refuse the tool's own outputs and, in a folder of one
        side, a file of the other side."""
        kind = recognised(list(self.workbook.sheet_names))
        what = {
            "pack": "a meeting pack (sop reconcile)",
            "findings": "an annotated copy (sop validate --annotate)",
            None: "neither a demand nor a capacity template (it has none of their sheets)",
            "demand": "a demand template",
            "capacity": "a capacity template",
        }[kind]
        expected = self.template.kind if self.template else None
        if kind in ("demand", "capacity") and expected in (None, kind):
            self.kind = kind
            if self.template is None:
                self.template = schema.template(kind)
                self.sheets = {spec.name: Table(spec) for spec in self.template.sheets if not spec.key_value}
            return
        place = f"a folder of {expected} templates" if self.in_folder else "this argument"
        self.kind = kind
        self.error("", 0, "", f"{self.name} is {what}, not a {expected or 'planner'} template; move it out of {place}")
        self.workbook = None

    def _match_sheet_names(self) -> None:
        # Hidden sheets (a helper list, say) are not the planner's input; only visible strangers are named.
        visible = {meta.name for meta in self.workbook.sheets_metadata if str(meta.visible).endswith(".Visible")}
        names = list(self.workbook.sheet_names)
        expected = {sheet.name for sheet in self.template.sheets}
        other = next(t for t in schema.TEMPLATES if t is not self.template)
        theirs = {sheet.name for sheet in other.sheets} - expected
        if not (expected - {schema.CYCLE.name}) & set(names) and theirs & set(names):
            # The two files given the other way round: one finding, not one per missing sheet.
            self.error(
                "",
                0,
                "",
                f"{self.name} is the {other.kind} template, not the {self.template.kind} "
                f"template; give the {self.template.kind} template here (the files may be swapped)",
            )
            self.workbook = None
            return
        for sheet in self.template.sheets:
            if sheet.name in names:
                self.sheet_names[sheet.name] = sheet.name
                continue
            close = [n for n in names if header_form(n) == header_form(sheet.name) and n not in expected]
            if close:
                self.sheet_names[sheet.name] = close[0]
                self.warning(close[0], 0, "", f"sheet '{close[0]}' read as '{sheet.name}'; rename it to '{sheet.name}'")
            elif sheet.required and not self.in_folder:
                self.error(
                    sheet.name,
                    0,
                    "",
                    f"the sheet '{sheet.name}' is missing; copy it back from the blank template (sop templates)",
                )
        taken = set(self.sheet_names.values()) | {schema.INSTRUCTIONS_SHEET}
        for name in names:
            if name not in taken and name in visible:
                self.warning(
                    name, 0, "", f"the sheet '{name}' is not part of the {self.template.kind} template; it is ignored"
                )

    def grid(self, sheet_name: str) -> list[list]:
        """The cell values of a sheet from A1, one list per row."""
        return self.workbook.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)

    # The Cycle sheet ------------------------------------------------------------------------------------------

    def read_cycle(self) -> None:
        """Read the Cycle sheet's Key / Value rows into `cycle` (None when it cannot be made)."""
        if self.workbook is None or schema.CYCLE.name not in self.sheet_names:
            return
        name = self.sheet_names[schema.CYCLE.name]
        try:
            grid = self.grid(name)
        except BaseException as exc:  # a sheet calamine cannot parse: say so; the other file may still give the cycle
            _reraise_interrupts(exc)
            self.error(
                name, 0, "", f"the sheet cannot be read ({type(exc).__name__}: {exc}); save the file again from Excel"
            )
            return
        keys = {header_form(c.header): c for c in schema.CYCLE.columns}
        for r, row in enumerate(grid[1:], start=2):
            raw_key = row[0] if row else None
            if blank(raw_key):
                continue
            column = keys.get(header_form(text_of(raw_key)))
            if column is None:
                self.warning(name, r, f"A{r}", f"{shown(raw_key)} is not a key of the Cycle sheet; it is ignored")
            elif column.header in self.cycle_cells:
                first = self.cycle_cells[column.header][1]
                self.error(name, r, f"A{r}", f"'{column.header}' appears again (first in row {first}); keep one")
            else:
                if text_of(raw_key) != column.header:
                    self.warning(name, r, f"A{r}", f"{shown(raw_key)} read as '{column.header}'")
                self.cycle_cells[column.header] = (self._cycle_value(name, r, row, column), r)
        for offset, column in enumerate(schema.CYCLE.columns, start=2):
            if column.header not in self.cycle_cells and column.required:
                self.error(
                    name,
                    offset,
                    f"A{offset}",
                    f"the key '{column.header}' is missing; type it in column A "
                    f"with its value in column B (row {offset} in the template)",
                )
        get = {key: value for key, (value, _) in self.cycle_cells.items()}
        if get.get("Cycle month") is not None and get.get("Horizon (months)") is not None:
            prepared = get.get("Prepared by")
            self.cycle = Cycle(
                company=get.get("Company") or "",
                cycle_month=get["Cycle month"],
                horizon=int(get["Horizon (months)"]),
                currency=get.get("Currency") or "",
                prepared_by={self.template.kind: prepared} if prepared else {},
            )

    def _cycle_value(self, name: str, r: int, row: list, column: Column):
        """The value of one Cycle key, in column B of Excel row `r` (None when blank or wrong, which is reported)."""
        raw = row[1] if len(row) > 1 else None
        if (r, 1) in self.unusable[name]:
            self.error(name, r, f"B{r}", f"{column.header} {self.unusable[name][(r, 1)]}")
            return None
        if blank(raw):
            if column.required:
                self.error(name, r, f"B{r}", f"{column.header} is blank; type it in B{r}")
            return None
        parsed = parse_cell(raw, column)
        if parsed.severity:
            self.add(parsed.severity, name, r, f"B{r}", f"{column.header}: {parsed.message}")
        return parsed.value

    # Table sheets ---------------------------------------------------------------------------------------------

    def read_sheets(self, cycle: Cycle | None) -> None:
        """Read the template's table sheets, checking their month columns against `cycle` (if known)."""
        for table in self.sheets.values():
            if self.workbook is None or table.spec.name not in self.sheet_names:
                continue
            table.name = self.sheet_names[table.spec.name]
            try:
                self._read_table(table, cycle)
            except BaseException as exc:  # a sheet calamine cannot parse: say so, keep reading the others
                _reraise_interrupts(exc)
                table.rows = []
                self.error(
                    table.name,
                    0,
                    "",
                    f"the sheet cannot be read ({type(exc).__name__}: {exc}); save the file again from Excel",
                )

    def _read_table(self, table: Table, cycle: Cycle | None) -> None:
        spec, name = table.spec, table.name
        grid = self.grid(name)
        unusable = self.unusable[name]
        header = grid[0] if grid else []
        extras = self._read_header(table, header, unusable)
        self._check_months(table, extras, cycle)
        used = sorted(set(table.columns.values()) | {i for _, i in table.months})
        kept = _kept_rows(grid[1:], used, unusable)
        table.matrix = self._month_values(table, kept, unusable) if table.months else None
        table.rows = self._column_values(table, kept, unusable)
        for i in sorted(set(range(len(header))) - set(used)):
            if not blank(header[i]):
                continue  # a header that is not the template's was warned about with the header row
            if any(i < len(raw_row) and not blank(raw_row[i]) for raw_row in grid[1:]):
                self.warning(
                    name,
                    1,
                    f"{column_letter(i)}1",
                    f"column {column_letter(i)} has values but no header; they are ignored",
                )
        if spec.required and not table.rows and not self.in_folder:
            self.error(name, 2, "A2", f"the sheet {spec.name} has no rows; it is required")

    def _column_values(self, table: Table, kept: list[tuple[int, list]], unusable: dict) -> list[Row]:
        """The rows of a sheet, each with its values by header; every cell that is not plain is checked and
        reported here, in row order."""
        # Column by column: the common cells are taken in one comprehension each (`_plain_values`), and only the
        # others (blank, unusable, typed as text, wrong) go through `parse_cell`, one by one.
        mapped = [(header, table.spec.column(header), i) for header, i in table.columns.items()]
        columns, slow = [], []
        kept_rows = [raw_row for _, raw_row in kept]
        for j, (_header, column, i) in enumerate(mapped):
            values, taken = _plain_values(list(map(operator.itemgetter(i), kept_rows)), column)
            columns.append(values)
            slow.extend((k, j) for k, ok in enumerate(taken) if not ok)
        headers = [header for header, _, _ in mapped]
        by_row = zip(*columns) if columns else [()] * len(kept)
        rows = [Row(r, dict(zip(headers, values))) for (r, _), values in zip(kept, by_row)]
        for k, j in sorted(slow):
            header, column, i = mapped[j]
            row, raw = rows[k], kept[k][1][i]
            ref = f"{column_letter(i)}{row.number}"
            row.values[header] = None
            if raw == "" and (row.number, i) in unusable:  # calamine gives an unusable cell as blank
                self.error(table.name, row.number, ref, f"{header} {unusable[(row.number, i)]}")
            elif blank(raw):
                if column.required:
                    self.error(table.name, row.number, ref, f"{header} is blank; fill it in or delete the row")
            else:
                parsed = parse_cell(raw, column)
                if parsed.severity:
                    self.add(parsed.severity, table.name, row.number, ref, parsed.message)
                row.values[header] = parsed.value
        return rows

    def _month_values(self, table: Table, kept: list[tuple[int, list]], unusable: dict) -> np.ndarray:
        """The month cells of the kept rows as a (rows × months) array; blank and wrong cells are 0.

        Month sheets hold most of the cells, so they are checked with numpy: only the cells that are not a plain
        number within the sheet's bounds, or blank, go through `parse_number`, one by one.
        """
        indexes = [i for _, i in table.months]
        if not kept:
            return np.zeros((0, len(indexes)))
        maximum = table.spec.month_maximum
        # The month cells row by row, as one flat list, whatever the rows' widths.
        rows = [raw_row for _, raw_row in kept]
        if len(indexes) == 1:
            flat = list(map(operator.itemgetter(indexes[0]), rows))
        else:
            flat = list(itertools.chain.from_iterable(map(operator.itemgetter(*indexes), rows)))
        types = list(map(type, flat))
        if types.count(float) == len(flat):
            # Every cell a number, the common case: numpy takes the list as it is.
            values = np.array(flat, dtype="float64")
            check = ~((values >= 0.0) & (values <= maximum))  # NaN fails both comparisons
        else:
            cells = np.array(flat, dtype=object)
            is_float = np.array([kind is float for kind in types], dtype=bool)
            values = np.zeros(len(flat))
            values[is_float] = cells[is_float].astype("float64")
            check = ~(is_float & (values >= 0.0) & (values <= maximum)) & (cells != "")
            numbers = [r for r, _ in kept]
            for r, i in unusable:  # calamine gives an unusable cell as blank: look at those
                position = bisect.bisect_left(numbers, r)
                if i in indexes and position < len(numbers) and numbers[position] == r:
                    check[position * len(indexes) + indexes.index(i)] = True
        noun = MONTH_NOUNS.get(table.spec.month_value or "", "values")
        for position in np.flatnonzero(check):
            k, j = divmod(int(position), len(indexes))
            r, i, raw = kept[k][0], indexes[j], flat[position]
            ref = f"{column_letter(i)}{r}"
            values[position] = 0.0
            if raw == "" and (r, i) in unusable:
                self.error(table.name, r, ref, f"{month_label(table.months[j][0])} {unusable[(r, i)]}")
            elif not blank(raw):
                parsed = too_long(raw) or parse_number(raw, noun, maximum=maximum)
                if parsed.severity:
                    self.add(parsed.severity, table.name, r, ref, parsed.message)
                values[position] = parsed.value or 0.0
        return values.reshape(len(kept), len(indexes))

    def _read_header(self, table: Table, header: list, unusable: dict) -> dict[int, object]:
        """Map the header row to the schema's columns; return the other header cells (months and strangers)."""
        spec, name = table.spec, table.name
        exact = {c.header: c for c in spec.columns}
        close = {header_form(c.header): c for c in spec.columns}
        extras: dict[int, object] = {}
        for i, raw in enumerate(header):
            ref = f"{column_letter(i)}1"
            if blank(raw):
                if (1, i) in unusable:  # calamine gives an unusable cell as blank
                    self.error(name, 1, ref, f"the header {unusable[(1, i)]}")
                continue
            column = (exact.get(raw) or close.get(header_form(raw))) if isinstance(raw, str) else None
            if column is None:
                extras[i] = raw
            elif column.header in table.columns:
                first = column_letter(table.columns[column.header])
                self.error(
                    name,
                    1,
                    ref,
                    f"the header '{column.header}' appears twice (also in {first}1); delete one of the two columns",
                )
            else:
                table.columns[column.header] = i
                if raw != column.header:
                    self.warning(
                        name,
                        1,
                        ref,
                        f"header {shown(raw)} read as '{column.header}'; type it exactly as '{column.header}'",
                    )
        for position, column in enumerate(spec.columns):
            if column.header in table.columns:
                continue
            ref = f"{column_letter(position)}1"
            severity = ERROR if column.required else WARNING
            consequence = "" if column.required else "; its values are read as blank"
            held = extras.get(position)
            month = header_month(held) if spec.months else Parsed(None)
            if isinstance(held, str) and month.value is None and month.severity != ERROR:
                del extras[position]
                self.add(
                    severity,
                    name,
                    1,
                    ref,
                    f"the header {shown(held)} should be '{column.header}'; rename it back to "
                    f"'{column.header}'{consequence}",
                )
            else:
                self.add(
                    severity,
                    name,
                    1,
                    ref,
                    f"the column '{column.header}' is missing; add a column headed '{column.header}' (column "
                    f"{column_letter(position)} in the template){consequence}",
                )
        return extras

    def _check_months(self, table: Table, extras: dict[int, object], cycle: Cycle | None) -> None:
        """Take the month columns out of `extras` and check them against the horizon; warn about the rest.

        Without a cycle (neither Cycle sheet could be read, which is an error already) the months found are read
        as they are, rather than reported once per column against a horizon nobody gave.
        """
        spec, name = table.spec, table.name
        found: dict[pd.Timestamp, int] = {}
        for i, raw in sorted(extras.items()) if spec.months else []:
            parsed = header_month(raw)
            if parsed.value is None and parsed.severity is None:
                continue  # not a month: a stranger, warned about below
            del extras[i]
            ref = f"{column_letter(i)}1"
            if parsed.value is None:  # a month the plan cannot use, or one of two
                self.error(name, 1, ref, parsed.message)
                continue
            if parsed.value in found:
                self.error(
                    name,
                    1,
                    ref,
                    f"the month {month_label(parsed.value)} appears twice (also in "
                    f"{column_letter(found[parsed.value])}1); delete one of the two columns",
                )
                continue
            found[parsed.value] = i
            if parsed.severity:  # typed as text: read, and said
                self.add(parsed.severity, name, 1, ref, parsed.message)
        for i, raw in sorted(extras.items()):
            self.warning(
                name,
                1,
                f"{column_letter(i)}1",
                f"the column {shown(raw)} is not part of the {spec.name} sheet; it is ignored",
            )
        if spec.months and cycle is None:
            table.months = sorted(found.items())
        elif spec.months:
            self._check_horizon(table, found, cycle)

    def _check_horizon(self, table: Table, found: dict[pd.Timestamp, int], cycle: Cycle) -> None:
        """Every month column for a month of the sheet's span, and every month of the span with its column."""
        spec, name = table.spec, table.name
        expected = cycle.months if spec.months == schema.HORIZON else cycle.past_months
        span = (
            f"the {cycle.horizon}-month horizon {month_label(expected[0])} to {month_label(expected[-1])}"
            if spec.months == schema.HORIZON
            else f"the 12 months before the cycle month ({month_label(expected[0])} to {month_label(expected[-1])})"
        )
        for month, i in found.items():
            if month not in expected:
                self.error(
                    name,
                    1,
                    f"{column_letter(i)}1",
                    f"{month_label(month)} is not a month of {span}; delete the column or correct its date",
                )
        table.months = [(month, found[month]) for month in expected if month in found]
        missing = [(k, month) for k, month in enumerate(expected) if month not in found]
        if len(missing) == len(expected):
            self.error(
                name,
                1,
                f"{column_letter(len(spec.columns))}1",
                f"the sheet has no month columns; add one column per month of {span}, headed with its date",
            )
            return
        present = [(expected.index(month), i) for month, i in table.months]
        for k, month in missing:
            # Where the column belongs: as far from the nearest month present as the months are apart.
            j, i = min(present, key=lambda p: abs(p[0] - k))
            self.error(
                name,
                1,
                f"{column_letter(max(i + k - j, 0))}1",
                f"the column for {month_label(month)} is missing; add a column headed with the date "
                f"{month_label(month)}",
            )
        by_position = sorted(table.months, key=lambda pair: pair[1])
        for (month, i), (earlier, _) in zip(by_position[1:], by_position):
            if month < earlier:
                self.warning(
                    name,
                    1,
                    f"{column_letter(i)}1",
                    f"the month columns are not in date order ({month_label(month)} comes after "
                    f"{month_label(earlier)}); they are read by their dates",
                )
                break

    # Checks within the file -----------------------------------------------------------------------------------

    def check_keys(self, cycle: Cycle) -> None:
        """Fill the defaults of blank cells, then report duplicate keys within this file."""
        for table in self.sheets.values():
            optional = [
                (c.header, blank_value(c, cycle))
                for c in table.spec.columns
                if not c.required and c.header in table.columns
            ]
            for header, default in optional:
                for values in [row.values for row in table.rows if row.values[header] is None]:
                    values[header] = default
            self._check_keys(table)

    def _check_keys(self, table: Table) -> None:
        key = table.spec.key
        if not key or not all(k in table.columns for k in key):
            return
        seen: dict[tuple, int] = {}
        required = [k for k in key if table.spec.column(k).required]
        # Every row holds every key column (the check above): itemgetter is the fastest way to take them.
        keys = list(map(operator.itemgetter(*key), [row.values for row in table.rows]))
        if len(set(keys)) == len(keys):
            return  # no two rows share a key: the common case, found in one pass
        for row in table.rows:
            values = tuple(row.values.get(k) for k in key)
            if any(row.values.get(k) is None for k in required):
                continue  # a blank key cell is reported already; it is no one's duplicate
            if values in seen:
                keyed = " and ".join(f"{k} {described(v)}" for k, v in zip(key, values))
                self.error(
                    table.name,
                    row.number,
                    table.cell(key[0], row.number),
                    f"{keyed} is already on row {seen[values]}; keep one row for it",
                )
            else:
                seen[values] = row.number

    # Tables for Inputs ----------------------------------------------------------------------------------------

    def row_counts(self) -> dict[str, int]:
        """The data rows read from each sheet of this file, for the lineage."""
        return {name: len(table.rows) for name, table in self.sheets.items() if table.rows}


def _kept_rows(rows: list[list], used: list[int], unusable: dict) -> list[tuple[int, list]]:
    """(Excel row, cells) of the rows with a cell in the `used` columns that holds something or cannot be read,
    each row as long as the used columns need."""
    needed = max(used, default=-1) + 1
    if rows and min(map(len, rows)) < needed:
        rows = [
            list(raw_row) + [""] * (needed - len(raw_row)) if len(raw_row) < needed else raw_row for raw_row in rows
        ]
    if not used:
        return []
    # The first of the columns settles nearly every row in one pass; only the rows blank there are looked at
    # cell by cell.
    firsts = list(map(_filled, map(operator.itemgetter(used[0]), rows)))
    return [
        (r, raw_row)
        for r, raw_row, first in zip(itertools.count(2), rows, firsts)
        if first or any(_filled(raw_row[i]) or (r, i) in unusable for i in used)
    ]


def _plain_values(raws: list, column: Column) -> tuple[list, list[bool]]:
    """The values of one column's cells that need no check, and which cells those are.

    A cell is plain when calamine gives it in the form the column wants: clean text, one of the choices, a number
    within the column's bounds (whole, or a fraction up to 1, where the column asks), a date. Every other cell,
    blank ones included, is marked not taken and goes through `parse_cell`; its value here is a placeholder.
    """
    kind = column.kind
    if kind == schema.TEXT:
        longest = schema.MAX_TEXT_CHARS
        # Text with stray spaces (at either end, two in a row) is tidied by `parse_cell`; other text is kept as
        # typed, line breaks included.
        return raws, [
            type(v) is str and v != "" and len(v) <= longest and v == v.strip() and "  " not in v for v in raws
        ]
    if kind == schema.CHOICE:
        choices = frozenset(column.choices)
        return raws, [type(v) is str and v in choices for v in raws]
    if kind in (schema.NUMBER, schema.INTEGER, schema.PERCENT) and column.minimum == 0.0:
        largest = 1.0 if kind == schema.PERCENT else column.maximum
        taken = [type(v) is float and 0.0 <= v <= largest for v in raws]
        if kind == schema.INTEGER:
            taken = [ok and v < LARGEST_WHOLE and v.is_integer() for ok, v in zip(taken, raws)]
            return [int(v) if ok else None for ok, v in zip(taken, raws)], taken
        return raws, taken
    if kind in (schema.MONTH, schema.DATE):
        # Dates repeat (a price list's Valid from, an order book's dates): each distinct one is read once.
        read_once: dict = {}
        for v in raws:
            if (type(v) is dt.date or type(v) is dt.datetime) and v not in read_once:
                read_once[v] = parse_date(v, "", kind == schema.MONTH).value
        values = [read_once.get(v) if type(v) is dt.date or type(v) is dt.datetime else None for v in raws]
        # A date parse_date refuses (a year out of range) goes through the per-cell checks, which report it.
        return values, [value is not None for value in values]
    return raws, [False] * len(raws)


def _filled(raw) -> bool:
    """Whether a cell as calamine gives it holds something (not blank, not only spaces)."""
    return raw != "" and raw is not None and not (type(raw) is str and raw.isspace())


def _reraise_interrupts(exc: BaseException) -> None:
    """Re-raise Ctrl-C and exits; any other failure of calamine is a finding.

    calamine's Rust panics (a date cell out of range, say) reach Python as pyo3's PanicException, which derives
    from BaseException rather than Exception, so the reader catches BaseException and lets only these through.
    """
    if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
        raise exc


def blank_value(column: Column, cycle: Cycle):
    """The value of a blank optional cell: the schema's default, else blank of the column's kind."""
    if column.default is not None:
        return column.default
    if column.kind in (schema.TEXT, schema.CHOICE):
        return ""
    if column.kind == schema.MONTH and column.header == "Valid from":
        return cycle.cycle_month  # a blank Valid from means the cycle month
    return None


def described(value) -> str:
    """A key's value as a message quotes it: a month as Jan-27, a blank as (blank)."""
    if isinstance(value, pd.Timestamp):
        return month_label(value)
    if value is None or value == "":
        return "(blank)"
    return shown(value) if isinstance(value, str) else f"'{value}'"
