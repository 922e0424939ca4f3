"""The two planner templates → validated `Inputs`, with every problem named by file, sheet and cell.

The reader finds sheets by name and columns by their header text in row 1, never by position or by the extent
of an Excel table: rows typed below a table, reordered columns and blank rows are all fine, and extra columns
are ignored with a warning. What each sheet and column must hold comes from `schema.py`; this module only knows
how to read a cell of each kind and which sheets refer to which.

Reading collects every finding in one pass and never raises for a bad input: a file that cannot be read at all
becomes one error finding, and its tables are left empty. Cell values are read with python-calamine, which
returns the values Excel or LibreOffice cached when the file was saved; cells whose formula has no cached value
or holds an error value, which calamine gives as blank, are found by a scan of the sheet's XML, made when a blank
cell is where a value is looked for. The inputs are opened read-only and never written.
"""

from __future__ import annotations

import bisect
import contextlib
import copy
import datetime as dt
import functools
import gc
import hashlib
import io
import itertools
import math
import operator
import re
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from python_calamine import CalamineWorkbook

from . import schema
from .errors import ERROR, WARNING, Finding, file_name
from .inputs import MONTH, SHEET_ATTRIBUTES, SOURCE_ROW, Cycle, Inputs, SourceFile, build_inputs
from .schema import Column, Sheet, Template

# The schema's help for Horizon says 1 to 60 months; the templates' dropdown enforces the same.
MAX_HORIZON = 60

# Limits checked before anything is parsed, so that a hostile file costs bounded time and memory. The sizes are
# read from the zip directory (a "zip bomb" declares gigabytes there); a template of 10,000 forecast lines over
# 60 months unpacks to well under 100 MB. calamine holds a sheet as one dense grid from A1 to its last cell, so
# one value typed in XFD1048576 would ask it for 17 billion cells and end the process: sheets whose last cell
# would make a grid larger than MAX_GRID_CELLS are refused instead.
MAX_PART_BYTES = 256 * 2**20
MAX_TOTAL_BYTES = 512 * 2**20
MAX_GRID_CELLS = 10_000_000

# A file's largest XML part is inflated on a thread of its own from this size (a 500-SKU Forecast sheet's 2.7 MB
# take 5 ms), beside the other parts.
_INFLATE_BESIDE = 2**20

# What a month cell of each month sheet holds, for messages ("type the units as a number").
MONTH_NOUNS = {
    "Forecast": "units",
    "Hours": "hours",
    "Max units": "units",
    "Available": "units",
    "Budget": "budget figure",
    "Actual": "units",
}

# Excel's day 0; a number in a date cell counts days from it. Serials outside these bounds (1954 to 2119) are
# far more likely a typing slip than a date, so they are not read as dates.
EXCEL_EPOCH = dt.datetime(1899, 12, 30)
SERIAL_RANGE = (20000.0, 80000.0)
# The years a date typed as a date may have: a plan's calendar can hold them all (beyond about 2262 it cannot),
# and a year outside them is a typing slip, not a date the plan could use.
DATE_YEARS = (1900, 2200)

MONTH_TEXT_FORMATS = (
    "%b-%y",
    "%b %y",
    "%b-%Y",
    "%b %Y",
    "%B %Y",
    "%B-%Y",
    "%Y-%m",
    "%Y/%m",
    "%m/%Y",
    "%m-%Y",
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%d.%m.%Y",
)
DATE_TEXT_FORMATS = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%d/%m/%Y",
    "%d.%m.%Y",
    "%d %b %Y",
    "%d %B %Y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%d-%b-%Y",
    "%d-%b-%y",
)

_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_GROUPED_NUMBER = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")
# A whole-number column (a horizon, a lead time in days) holds a 64-bit integer; well before that, a float no
# longer counts every whole number, so anything from here up is refused as a typing slip.
_LARGEST_WHOLE = 1e15

# The sheets and columns the cross-template checks use, looked up once so that a schema change fails loudly.
_PRODUCTS = schema.DEMAND.sheet("Products")
_FORECAST = schema.DEMAND.sheet("Forecast")
_PRICES = schema.DEMAND.sheet("Prices")
_COMMITMENTS = schema.DEMAND.sheet("Commitments")
_LAUNCHES = schema.DEMAND.sheet("Launches")
_BUDGET = schema.DEMAND.sheet("Budget")
_RESOURCES = schema.CAPACITY.sheet("Resources")
_CAPACITY = schema.CAPACITY.sheet("Capacity")
_ROUTINGS = schema.CAPACITY.sheet("Routings")
_COSTS = schema.CAPACITY.sheet("Costs")
_SUBCONTRACT = schema.CAPACITY.sheet("Subcontract")
_INVENTORY = schema.CAPACITY.sheet("Inventory")
_READINESS = schema.CAPACITY.sheet("Launch readiness")
SKU, CUSTOMER, RESOURCE, FAMILY = "SKU", "Customer", "Resource", "Family"
for _sheet, _header in (
    (_PRODUCTS, SKU),
    (_PRODUCTS, FAMILY),
    (_PRODUCTS, "Status"),
    (_FORECAST, CUSTOMER),
    (_FORECAST, "Scenario"),
    (_PRICES, "Valid from"),
    (_COMMITMENTS, "Quantity"),
    (_COMMITMENTS, "Requested date"),
    (_LAUNCHES, "Launch month"),
    (_BUDGET, FAMILY),
    (_CAPACITY, "Kind"),
    (_RESOURCES, RESOURCE),
    (_INVENTORY, SKU),
    (_COSTS, SKU),
    (_ROUTINGS, SKU),
    (_SUBCONTRACT, SKU),
    (_READINESS, SKU),
):
    _sheet.column(_header)


def read(demand_path: str | Path, capacity_path: str | Path) -> Inputs:
    """Read and validate both templates.

    Never raises for a bad input: every problem, including a file that is not an .xlsx at all, is a finding in
    `Inputs.findings`; tables of a file that cannot be read are empty.

    Args:
        demand_path: The demand template filled in by Sales.
        capacity_path: The capacity template filled in by Operations.

    Returns:
        The inputs, with every finding (errors and warnings) sorted by file, sheet and row, and the SHA-256 of
        each file read.
    """
    with _cyclic_gc_paused():
        return _read(Path(demand_path), Path(capacity_path))


def _read(demand_path: Path, capacity_path: Path) -> Inputs:
    """`read`, run with the cycle collector paused."""
    demand, capacity = files = [_File(demand_path, schema.DEMAND), _File(capacity_path, schema.CAPACITY)]
    # The demand file's largest sheet (a large plan's Forecast: 2-3 s of parsing at 20,000 SKUs, most of the
    # floor) is the one the reading waits for. It is parsed from the moment its size is checked, before the
    # demand file's other sheets are, and its cells are checked last, so that its parse runs beside the opening
    # of both files and the checks of every other sheet. The other sheets are parsed in the order they are
    # checked, each file's from the moment it is open: the demand file's while the capacity file is opened,
    # which would otherwise leave a core idle. Each file's checks see only that file, and the findings are
    # sorted, so the order changes no finding.
    ahead = _Ahead()
    finished = False
    try:
        demand.open(checked=lambda name: ahead.add([(demand, name)]))  # the largest sheet, before the others' checks
        demand.read_cycle()
        largest = demand.largest_table_sheet()
        ahead.budget = demand.xml_size(largest) if largest else 0
        ahead.add([(demand, name) for name in sorted(demand.table_sheets(), key=lambda name: name != largest)])
        capacity.open()
        capacity.read_cycle()
        cycle = _agree_cycle(demand, capacity)
        ahead.add([(capacity, name) for name in capacity.table_sheets()])
        # Both files' month columns are checked against the one agreed cycle: a capacity template with another
        # cycle month is then one finding on its Cycle sheet, not one per month column.
        months = cycle if demand.cycle is not None or capacity.cycle is not None else None
        demand.ahead = capacity.ahead = ahead
        demand.read_sheets(months, skip=largest)
        capacity.read_sheets(months)
        capacity.check_keys_and_lookups(cycle)
        if largest:
            demand.read_sheets(months, only=largest)
        demand.check_keys_and_lookups(cycle)
        demand.ahead = capacity.ahead = None
        finished = True
    finally:
        ahead.close(wait=finished)  # on Ctrl-C, not after a sheet still being parsed
    _check_across(demand, capacity, cycle)
    findings = [finding for file in files for finding in file.findings]
    tables = {}
    for file in files:
        tables.update(file.tables(cycle))
    sources = [
        SourceFile(kind=f.template.kind, path=str(f.path), name=f.name, sha256=f.sha256) for f in files if f.sha256
    ]
    return build_inputs(cycle, findings=findings, sources=sources, copy=False, **tables)


def _parse(data: bytes, sheet_name: str, books: threading.local) -> list[list]:
    """A sheet's cell values from A1, one list per row, parsed by this thread's own calamine workbook of the
    file's bytes (kept in `books`): one workbook is not to be used by two threads at once."""
    opened = books.__dict__.setdefault("opened", {})
    workbook = opened.get(id(data))
    if workbook is None:
        # Once per file and thread: calamine copies the bytes in from the Python file object a piece at a time,
        # and this thread waits for the interpreter lock for each piece while the checks hold it.
        workbook = opened[id(data)] = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return workbook.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)


class _Ahead:
    """The sheets to be read, parsed ahead on two other threads while this one checks the sheet before.

    calamine parses without holding Python's interpreter lock, so the parse of one sheet (a 5,000-SKU Forecast
    sheet takes half a second) runs beside the checks of another and beside the parse of a third. Sheets are
    parsed in the order they are queued and should be taken in that order, except the first, which may be
    taken last (`_read`'s largest sheet). Besides it, the sheets parsed and not yet taken come from at most
    `budget` bytes of XML (at least one sheet), so reading holds at most about twice the largest sheet's grid.
    A sheet not parsed ahead (no thread could be started, under a memory limit) is parsed when it is asked for,
    as it would be without this; a parse that failed raises its error where the grid is taken, as it would have
    there.
    """

    def __init__(self, budget: int = 0):
        self.budget = budget
        self.sheets: list[tuple[_File, str]] = []  # (file, sheet name) in the order they are parsed
        self.queued: set[tuple[int, str]] = set()
        self.submitted = 0
        self.futures: dict[tuple[int, str], tuple[Future, int]] = {}  # → (parse, XML bytes counted)
        self.pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sop-read")
        self.books = threading.local()

    def add(self, sheets: list[tuple[_File, str]]) -> None:
        """Queue more sheets, to be parsed after those queued before (a sheet queued already stays where it is)."""
        for file, name in sheets:
            if (id(file), name) not in self.queued:
                self.queued.add((id(file), name))
                self.sheets.append((file, name))
        self._fill()

    def _fill(self) -> None:
        # Submit the next sheets while those parsed or being parsed and not yet taken stay within the budget.
        while self.submitted < len(self.sheets):
            file, name = self.sheets[self.submitted]
            size = file.xml_size(name) if self.submitted else 0  # the first sheet is not counted
            held = sum(counted for _, counted in self.futures.values())
            if held and held + size > self.budget:
                return
            self.submitted += 1
            try:
                self.futures[(id(file), name)] = (self.pool.submit(_parse, file.data, name, self.books), size)
            except RuntimeError:  # "can't start new thread": the sheet is parsed when it is asked for
                pass

    def take(self, file: _File, sheet_name: str) -> list[list] | None:
        """The sheet's grid if it was parsed ahead (waiting for it if need be), else None."""
        future, _ = self.futures.pop((id(file), sheet_name), (None, 0))
        self._fill()
        return None if future is None else future.result()

    def close(self, wait: bool) -> None:
        """Drop what was not taken; with `wait`, also wait for the threads to end."""
        self.pool.shutdown(wait=wait, cancel_futures=True)
        self.futures.clear()


@contextlib.contextmanager
def _cyclic_gc_paused():
    """Pause Python's cycle collector while the templates are read.

    A large template becomes millions of cell values and hundreds of thousands of lists, dicts and rows, which
    reference counting frees: hardly any form a cycle. The collector cannot know that, and as the heap grows it
    walks all of it again and again, which cost a tenth of a 5,000-SKU read. It is switched back on (if it was
    on) however reading ends, and collects then whatever cycles there are.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def validate(demand_path: str | Path, capacity_path: str | Path) -> list[Finding]:
    """Check both templates and return every problem found.

    Args:
        demand_path: The demand template filled in by Sales.
        capacity_path: The capacity template filled in by Operations.

    Returns:
        Every finding, errors and warnings, sorted by file, sheet and row; empty when both files are clean.
    """
    return read(demand_path, capacity_path).findings


# ----------------------------------------------------------------------------------------------------------------
# Cells


def column_letter(index: int) -> str:
    """The column letters of a 0-based column index (0 → "A", 27 → "AB").

    Args:
        index: The column's 0-based index.

    Returns:
        The letters Excel shows above the column.
    """
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def month_label(month: pd.Timestamp) -> str:
    """A month as the templates show it.

    Args:
        month: Any date in the month.

    Returns:
        The month as mmm-yy, for example "Jan-27".
    """
    return month.strftime("%b-%y")


def _blank(raw) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _shown(raw) -> str:
    """A cell value as quoted in a message: text in quotes, numbers plainly."""
    if isinstance(raw, str):
        return f"'{raw}'"
    if isinstance(raw, float):
        return _number_text(raw)
    if isinstance(raw, (dt.datetime, dt.date)):
        return raw.strftime("%Y-%m-%d")
    return f"'{raw}'"


def _number_text(value: float) -> str:
    value = float(value)
    if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}"


def _first_of_month(value) -> pd.Timestamp:
    return pd.Timestamp(value.year, value.month, 1)


def _serial_date(value: float) -> pd.Timestamp | None:
    if SERIAL_RANGE[0] <= value <= SERIAL_RANGE[1]:
        return pd.Timestamp(EXCEL_EPOCH + dt.timedelta(days=value)).normalize()
    return None


def _text_date(text: str, formats: tuple[str, ...]) -> pd.Timestamp | None:
    for fmt in formats:
        try:
            return pd.Timestamp(dt.datetime.strptime(text, fmt))
        except ValueError:
            continue
    return None


@dataclass(frozen=True)
class _Parsed:
    """A cell's value as read, and what is wrong with it (severity None when nothing)."""

    value: object
    severity: str | None = None
    message: str = ""


def parse_number(raw, noun: str, minimum: float | None = 0.0, whole: bool = False) -> _Parsed:
    """Read a number cell: a number, or a number typed as text (accepted with a warning).

    Args:
        raw: The cell value as calamine returns it.
        noun: What the number is, for the message ("units", "unit price").
        minimum: The least allowed value; None allows any.
        whole: Whether the number must be a whole number.

    Returns:
        The value as a float (None on an error), with the problem if any.
    """
    severity, message = None, ""
    if isinstance(raw, bool) or isinstance(raw, (dt.date, dt.datetime, dt.time, dt.timedelta)):
        return _Parsed(None, ERROR, f"{_shown(raw)} is not a number; type the {noun} as a number")
    if isinstance(raw, (int, float)):
        value = float(raw)
    else:
        text = str(raw).strip().replace("\u00a0", "").replace(" ", "")
        if _PLAIN_NUMBER.fullmatch(text):
            value = float(text)
        elif _GROUPED_NUMBER.fullmatch(text):
            value = float(text.replace(",", ""))
        else:
            hint = " (use a point for decimals)" if re.fullmatch(r"[+-]?\d+,\d+", text) else ""
            return _Parsed(None, ERROR, f"{_shown(raw)} is not a number; type the {noun} as a number{hint}")
        severity = WARNING
        message = f"{_shown(raw)} is a number typed as text; read as {_number_text(value)}"
    if not math.isfinite(value):
        return _Parsed(None, ERROR, f"{_shown(raw)} is not a finite number; type the {noun} as a number")
    if whole and not value.is_integer():
        return _Parsed(None, ERROR, f"{_number_text(value)} is not a whole number; type the {noun} as a whole number")
    if whole and abs(value) >= _LARGEST_WHOLE:
        return _Parsed(
            None,
            ERROR,
            f"{_number_text(value)} is too large; type the {noun} as a whole number below {_LARGEST_WHOLE:,.0f}",
        )
    if minimum is not None and value < minimum:
        if minimum == 0:
            return _Parsed(None, ERROR, f"{_number_text(value)} is negative; the {noun} cannot be below 0")
        return _Parsed(
            None,
            ERROR,
            f"{_number_text(value)} is below {_number_text(minimum)}; the {noun} must "
            f"be at least {_number_text(minimum)}",
        )
    return _Parsed(value, severity, message)


def parse_percent(raw, noun: str) -> _Parsed:
    """Read a percentage cell as a fraction: 35% (0.35) stays 0.35; 35 typed into it is read as 0.35.

    Args:
        raw: The cell value as calamine returns it.
        noun: What the percentage is, for the message.

    Returns:
        The fraction (None on an error), with the problem if any.
    """
    text_percent = isinstance(raw, str) and raw.strip().endswith("%")
    parsed = parse_number(raw.strip()[:-1] if text_percent else raw, noun)
    if parsed.value is None:
        return _Parsed(
            None,
            ERROR,
            parsed.message.replace(_shown(raw.strip()[:-1]), _shown(raw), 1) if text_percent else parsed.message,
        )
    value = parsed.value
    if text_percent:
        return _check_percent(
            value / 100,
            raw,
            noun,
            WARNING,
            f"{_shown(raw)} is a percentage typed as text; read as {_number_text(value)}%",
        )
    if value > 1:
        # A planner typing 35 into a cell formatted as % gets 3500% in Excel; 35 can only mean 35 %.
        return _check_percent(
            value / 100,
            raw,
            noun,
            WARNING,
            f"{_shown(raw)} read as {_number_text(value)}%; type percentages with a % sign "
            f"(35%) or as a fraction (0.35)",
        )
    return _Parsed(value, parsed.severity, parsed.message)


def _check_percent(fraction: float, raw, noun: str, severity: str, message: str) -> _Parsed:
    if fraction > 1:
        return _Parsed(None, ERROR, f"{_shown(raw)} is more than 100%; type the {noun} as a percentage up to 100%")
    return _Parsed(fraction, severity, message)


def parse_date(raw, noun: str, month: bool) -> _Parsed:
    """Read a date cell (a month when `month`: the first of the date's month).

    Args:
        raw: The cell value as calamine returns it.
        noun: What the date is, for the message.
        month: True for a month (first of month), False for a calendar date.

    Returns:
        The Timestamp (None on an error), with the problem if any.
    """
    example = "Mar-27" if month else "2027-03-15"
    year = raw.year if isinstance(raw, (dt.datetime, dt.date)) else None
    if isinstance(raw, str):
        stamp = _text_date(raw.strip(), MONTH_TEXT_FORMATS if month else DATE_TEXT_FORMATS)
        year = None if stamp is None else stamp.year
    if year is not None and not DATE_YEARS[0] <= year <= DATE_YEARS[1]:
        return _Parsed(
            None,
            ERROR,
            f"{_shown(raw)} is not a date the plan can use; type the {noun} as a date "
            f"between {DATE_YEARS[0]} and {DATE_YEARS[1]}, for example {example}",
        )
    if isinstance(raw, (dt.datetime, dt.date)):
        stamp = pd.Timestamp(raw).normalize()
        return _Parsed(_first_of_month(stamp) if month else stamp)
    shown_as = "%b-%y" if month else "%Y-%m-%d"
    if isinstance(raw, str):
        if stamp is not None:
            stamp = _first_of_month(stamp) if month else stamp
            return _Parsed(stamp, WARNING, f"{_shown(raw)} is a date typed as text; read as {stamp.strftime(shown_as)}")
    elif isinstance(raw, (int, float)) and not isinstance(raw, bool):
        stamp = _serial_date(float(raw))
        if stamp is not None:
            stamp = _first_of_month(stamp) if month else stamp
            return _Parsed(
                stamp,
                WARNING,
                f"{_shown(raw)} is a number in a date cell; read as "
                f"{stamp.strftime(shown_as)} — format the cell as a date",
            )
    return _Parsed(None, ERROR, f"{_shown(raw)} is not a date; type the {noun} as a date, for example {example}")


def parse_choice(raw, column: Column) -> _Parsed:
    """Read a cell that must hold one of the column's choices (case and stray spaces forgiven, with a warning).

    Args:
        raw: The cell value as calamine returns it.
        column: The column, with its choices.

    Returns:
        The canonical choice (None on an error), with the problem if any.
    """
    text = _text(raw)
    if text in column.choices:
        return _Parsed(text)
    for choice in column.choices:
        if choice.casefold() == text.casefold():
            return _Parsed(choice, WARNING, f"{_shown(raw)} read as '{choice}'")
    return _Parsed(None, ERROR, f"{_shown(raw)} is not one of {', '.join(column.choices)}; pick one from the list")


def _text(raw) -> str:
    if isinstance(raw, float):
        # A code like 1001 typed into a cell Excel formatted as a number comes back as 1001.0.
        return _number_text(raw)
    if isinstance(raw, (dt.datetime, dt.date)):
        return raw.strftime("%Y-%m-%d")
    return " ".join(str(raw).split()) if isinstance(raw, str) else str(raw)


def parse_cell(raw, column: Column, noun: str | None = None) -> _Parsed:
    """Read one non-blank cell by its column's kind.

    Args:
        raw: The cell value as calamine returns it.
        column: The schema column.
        noun: What the value is, for messages (default: the header in lower case).

    Returns:
        The value, with the problem if any.
    """
    noun = noun or column.header.lower()
    if column.kind == schema.TEXT:
        return _Parsed(_text(raw))
    if column.kind == schema.CHOICE:
        return parse_choice(raw, column)
    if column.kind == schema.NUMBER:
        return parse_number(raw, noun, column.minimum)
    if column.kind == schema.INTEGER:
        parsed = parse_number(raw, noun, column.minimum, whole=True)
        return _Parsed(None if parsed.value is None else int(parsed.value), parsed.severity, parsed.message)
    if column.kind == schema.PERCENT:
        return parse_percent(raw, noun)
    if column.kind in (schema.MONTH, schema.DATE):
        return parse_date(raw, noun, month=column.kind == schema.MONTH)
    raise ValueError(f"unknown column kind {column.kind!r}")


def _header_month(raw) -> tuple[pd.Timestamp | None, bool]:
    """A month column header: (its month, whether it was typed as text or a bare number rather than a date)."""
    if isinstance(raw, (dt.datetime, dt.date)):
        return _first_of_month(raw), False
    if isinstance(raw, str):
        stamp = _text_date(raw.strip(), MONTH_TEXT_FORMATS)
        return (None, False) if stamp is None else (_first_of_month(stamp), True)
    if isinstance(raw, float):
        stamp = _serial_date(raw)
        return (None, False) if stamp is None else (_first_of_month(stamp), True)
    return None, False


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


# ----------------------------------------------------------------------------------------------------------------
# Files


def _file_problem(path: Path, data: bytes, sheets: dict[str, bytes] | None = None) -> str | None:
    """Why the bytes of `path` are not an .xlsx workbook the reader can open, or None when they look like one.

    `sheets`, when given, receives the worksheet parts' XML as they are unpacked for the checks, so that they
    need not be unpacked again.
    """
    suffix = path.suffix.lower()
    if suffix == ".xlsm":
        return (
            "is a macro-enabled workbook (.xlsm); save it as an Excel Workbook (.xlsx) without macros and "
            "read that file"
        )
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        # An OLE compound file: either a password-protected .xlsx (Excel wraps the encrypted package in one)
        # or a legacy .xls.
        if "EncryptionInfo".encode("utf-16-le") in data:
            return (
                "is password-protected; remove the password (File > Info > Protect Workbook) and save it again as .xlsx"
            )
        return "is an old Excel 97-2003 workbook (.xls); open it in Excel and save it as an Excel Workbook (.xlsx)"
    if data.startswith(b"%PDF"):
        return "is a PDF, not an Excel workbook; use the .xlsx template"
    if not data:
        return "is empty; save the template again from Excel"
    if not data.startswith(b"PK"):
        return (
            "is not an Excel workbook (.xlsx) — perhaps a CSV or text file renamed; open it in Excel and save "
            "it as an Excel Workbook (.xlsx)"
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            problem = _archive_problem(archive, sheets, data)
            if problem:
                return problem
            if "mimetype" in names and b"opendocument" in archive.read("mimetype"):
                return (
                    "is an OpenDocument spreadsheet (.ods); save it as an Excel 2007-365 workbook (.xlsx) and "
                    "read that file"
                )
            if "xl/workbook.xml" not in names:
                return "is a zip file but not an Excel workbook; use the .xlsx template"
            if "xl/vbaProject.bin" in names:
                return (
                    "contains macros (an .xlsm renamed to .xlsx); save it as an Excel Workbook (.xlsx) without macros"
                )
    except (zipfile.BadZipFile, EOFError, OSError, RuntimeError, NotImplementedError, ValueError):
        # RuntimeError: a zip member encrypted with a zip password; NotImplementedError: a compression method
        # Excel never uses.
        return "is damaged or incomplete (perhaps truncated while copying); save it again from Excel or copy it again"
    return None


def _archive_problem(
    archive: zipfile.ZipFile, sheets: dict[str, bytes] | None = None, data: bytes | None = None
) -> str | None:
    """Why the parts of an .xlsx must not be parsed, from the zip directory and the parts' first bytes.

    Checked before calamine or any XML parser sees the file: a part that unpacks to more than MAX_PART_BYTES or
    parts that together pass MAX_TOTAL_BYTES (a "zip bomb"), and an XML part with a document type declaration
    (entity expansion, "billion laughs"; Excel never writes one). The worksheet parts that pass are put in
    `sheets` (part name → XML) when it is given. With the archive's bytes (`data`), its largest XML part is
    inflated on another thread meanwhile: zlib lets go of the interpreter lock while it inflates.
    """
    infos = archive.infolist()
    biggest = max(infos, key=lambda info: info.file_size, default=None)
    total = sum(info.file_size for info in infos)
    if biggest is not None and (biggest.file_size > MAX_PART_BYTES or total > MAX_TOTAL_BYTES):
        return (
            f"would unpack to {total / 2**20:,.0f} MB ({biggest.filename} alone {biggest.file_size / 2**20:,.0f} "
            f"MB), more than the {MAX_PART_BYTES // 2**20} MB a template may hold; it was not opened (it may "
            f"be a 'zip bomb'). Save the template again from Excel, without extra rows, columns or pictures"
        )
    parts = [info for info in infos if info.filename.endswith((".xml", ".rels", ".vml"))]
    largest = max(parts, key=lambda info: info.file_size, default=None)
    beside = None
    if data is not None and largest is not None and largest.file_size >= _INFLATE_BESIDE:
        beside = _inflate_beside(data, largest)
    # The largest part, when it is inflated beside, is checked last; the problem reported is still the first in
    # the archive's order.
    problems = {}
    for position, info in enumerate(parts):
        if info is largest and beside is not None:
            continue
        problems[position] = _part_problem(info, _inflated(archive, info), sheets)
        if problems[position]:
            break
    if beside is not None:
        problems[parts.index(largest)] = _part_problem(largest, beside.result(), sheets)
    return next((problems[position] for position in sorted(problems) if problems[position]), None)


def _inflate_beside(data: bytes, info: zipfile.ZipInfo) -> Future | None:
    """`_inflated` of one part, on a thread of its own over an archive of its own (None if no thread starts)."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sop-inflate")
    try:
        return pool.submit(_inflated_apart, data, info)
    except RuntimeError:  # "can't start new thread": the part is inflated in its turn
        return None
    finally:
        pool.shutdown(wait=False)  # the thread ends when its part is inflated


def _inflated_apart(data: bytes, info: zipfile.ZipInfo) -> bytes | None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:  # no file position shared with the caller's archive
        return _inflated(archive, info)


def _inflated(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes | None:
    """A part's bytes, allowing one byte more than the directory declares; None if the part is damaged.

    calamine reads a part to its end before it compares the size, so a directory that understates a part (1 GB
    declared as 64 KB) would otherwise cost gigabytes of memory before any error.
    """
    probe = copy.copy(info)
    probe.file_size = info.file_size + 1
    del probe.CRC  # the checksum of the declared bytes would fail first and hide the extra ones
    try:
        with archive.open(probe) as part:
            # In one read: the part's bytes are then one object, neither copied from chunks nor joined.
            return part.read(probe.file_size)
    except (zipfile.BadZipFile, zlib.error, EOFError):
        return None


def _part_problem(info: zipfile.ZipInfo, xml: bytes | None, sheets: dict[str, bytes] | None) -> str | None:
    """Why an inflated XML part must not be parsed (None when it may be); a sound worksheet goes into `sheets`."""
    if xml is None:
        return None  # a damaged part: reported on its own sheet when it is read, the others still are
    if len(xml) > info.file_size:
        return (
            f"is not a sound .xlsx: the part {info.filename} holds more than the {info.file_size:,} bytes its "
            f"directory declares; it was not opened (it may be a 'zip bomb'). Save the template again from "
            f"Excel"
        )
    # A DTD must come before the root element, so the first bytes are enough to find one.
    start = xml[:65536]
    if b"<!DOCTYPE" in start or b"<!ENTITY" in start:
        return (
            f"contains an XML document type declaration (in {info.filename}), which Excel never writes; it was "
            f"not opened, because its entities could expand to gigabytes ('billion laughs'). Save the template "
            f"again from Excel"
        )
    if sheets is not None and info.filename.startswith("xl/worksheets/"):
        if zlib.crc32(xml) == info.CRC:  # else left to be read, and reported, where the sheet is read
            sheets[info.filename] = xml
    return None


_DIMENSION = re.compile(rb'<dimension ref="(?:[A-Z]+\d+:)?([A-Z]{1,3})(\d+)"')


def _fits_grid(xml: bytes) -> bool:
    """Whether a sheet's grid is surely within MAX_GRID_CELLS, settled in a few fast passes over its XML.

    `_sheet_extent` finds the exact bound, but its passes over every cell reference cost more than calamine's
    own parse of a large sheet. For a sheet as Excel and the template writer save it, a bound is enough: take the
    first letter and digit of the `<dimension>`'s last cell (BK29545: columns up to BZ, rows up to 29999); if
    that grid is within the limit and no cell or row reference lies outside it, `_sheet_extent` could only find
    a grid as small. The conditions `_sheet_extent` requires for its own quick count are checked too, so that
    True here means it would find the sheet within the limit; False only means "not proven", and the exact
    bound is computed.

    Args:
        xml: The sheet's XML.

    Returns:
        True when the sheet's grid is surely within MAX_GRID_CELLS.
    """
    dimension = _DIMENSION.search(xml[:65536])
    if dimension is None or len(dimension.group(1)) > 2 or re.search(rb":(?:c|row) ", xml):
        return False
    letters, digits = dimension.group(1).decode(), dimension.group(2).decode()
    if len(letters) == 1:
        columns, last_column = "[A-Z]", 26
    else:
        columns, last_column = f"[A-{letters[0]}]?[A-Z]", 26 * (_column_index(letters[0]) + 2)
    if len(digits) == 1:
        rows, last_row = r"\d", 9
    else:
        rows = f"[0-{digits[0]}]?\\d{{1,{len(digits) - 1}}}"
        last_row = (int(digits[0]) + 1) * 10 ** (len(digits) - 1) - 1
    if last_row * last_column > MAX_GRID_CELLS:
        return False
    # Every cell and row element names its place first (as `_sheet_extent`'s quick count needs), inside the grid:
    # `<c` or `<row`, a space and the reference. Followed by any other letter, they begin another element (<col>).
    stray_cell = f'<c(?! r="{columns}{rows}"|[^\\s>/])'.encode()
    stray_row = f'<row(?! r="{rows}"|[^\\s>/])'.encode()
    return re.search(stray_row, xml) is None and re.search(stray_cell, xml) is None


def _sheet_extent(xml: bytes) -> tuple[int, int]:
    """The last row and column (1-based) of the dense grid calamine would build for a sheet's XML: a bound.

    Exact for sheets as Excel, LibreOffice, openpyxl and xlsxwriter write them: every cell and row carries
    its `r` reference and the `<dimension>` element names the used range. Then a few passes of a fast search
    suffice: the rows' numbers, then any cell right of the dimension's last column or below the last row.
    Other sheets (cells without references, whose place calamine counts) are bounded from every reference
    and the number of cells and rows.

    Args:
        xml: The sheet's XML.

    Returns:
        (last row, last column), each an upper bound.
    """
    cells = xml.count(b"<c ") + xml.count(b"<c>")
    rows = xml.count(b"<row ") + xml.count(b"<row>")
    dimension = _DIMENSION.search(xml[:65536])
    if (
        dimension is not None
        and cells == xml.count(b'<c r="')
        and rows == xml.count(b'<row r="')
        and b":c " not in xml
        and b":row " not in xml
    ):
        letters = dimension.group(1).decode()
        last_column = _column_index(letters) + 1
        last_row = max((int(r) for r in re.findall(rb'<row r="(\d+)"', xml)), default=0)
        # The dimension is only a claim: trusted to narrow the search when the grid it allows is small.
        if last_row * last_column <= MAX_GRID_CELLS:
            # Cells beyond it: a column of more letters, or as many letters but later; a row of more digits,
            # or as many digits but a larger number.
            digits = str(last_row)
            columns = "|".join([f"[A-Z]{{{len(letters) + 1},}}"] + _after(letters, "A", "Z"))
            rows_after = "|".join([f"\\d{{{len(digits) + 1},}}"] + _after(digits, "0", "9"))
            beyond = f'<c r="((?:{columns})\\d+|[A-Z]+(?:{rows_after}))"'.encode()
            for ref in re.findall(beyond, xml):
                match = re.fullmatch(rb"([A-Z]+)(\d+)", ref)
                last_column = max(last_column, _column_index(match.group(1).decode()) + 1)
                last_row = max(last_row, int(match.group(2)))
            return last_row, last_column
        # Too big by the quick bound, perhaps only by empty formatted cells and rows (<c r="Z1000000" s="3"/>),
        # which calamine leaves out: look at the cells that hold something. Slower, but only for such sheets.
        held = re.findall(rb'<c r="([A-Z]{1,3})(\d{1,9})"[^>/]*>', xml)
        return (
            max((int(r) for _, r in held), default=0),
            max((_column_index(c.decode()) + 1 for c, _ in held), default=0),
        )
    refs = re.findall(rb'\br\s*=\s*["\']\$?([A-Z]{0,3})(\d{1,9})', xml)
    cell_refs = sum(1 for c, _ in refs if c)
    # A cell or row without a reference is placed after the previous one: count each as one more place.
    last_row = max((int(r) for _, r in refs), default=0) + max(rows - (len(refs) - cell_refs), 0)
    last_column = max((_column_index(c.decode()) + 1 for c, _ in refs if c), default=0) + max(cells - cell_refs, 0)
    return last_row, last_column


def _after(text: str, low: str, high: str) -> list[str]:
    """Regular expressions for the strings of text's length, over low..high, that sort after text ("BK" → C-Z then
    any letter, or B then L-Z)."""
    return [
        text[:i] + f"[{chr(ord(text[i]) + 1)}-{high}]" + f"[{low}-{high}]" * (len(text) - i - 1)
        for i in range(len(text))
        if text[i] != high
    ]


def _sheet_xml_paths(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → the path of its XML part inside the .xlsx."""
    workbook = archive.read("xl/workbook.xml").decode("utf-8", "replace")
    rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    targets = {}
    for rel in re.finditer(r"<Relationship\b[^>]*>", rels):
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', rel.group(0)))
        if "Id" in attrs and "Target" in attrs:
            target = attrs["Target"]
            target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            targets[attrs["Id"]] = target
    paths = {}
    for sheet in re.finditer(r"<(?:\w+:)?sheet\b[^>]*>", workbook):
        name = re.search(r'\bname="([^"]*)"', sheet.group(0))
        rid = re.search(r'\br:id="([^"]*)"|\b\w+:id="([^"]*)"', sheet.group(0))
        if name and rid:
            key = rid.group(1) or rid.group(2)
            text = (
                name.group(1)
                .replace("&amp;", "&")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", '"')
                .replace("&apos;", "'")
            )
            if key in targets:
                paths[text] = targets[key]
    return paths


_CELL_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_CELL_VALUE = re.compile(rb"<v>([^<]*)</v>")
_CELL_TYPE = re.compile(rb'\bt="(\w+)"')
_FORMULA = re.compile(rb"<f(?:[ >]|/>)")
_ERROR_TYPE = re.compile(rb't="e"')  # a regular expression scans for it faster than bytes.find does


def _unusable_cells(xml: bytes) -> dict[tuple[int, int], str]:
    """Cells of one sheet whose value calamine cannot give: formulas without a cached value, and error values.

    Only the cells around a `<f` or `t="e"` are looked at, so a sheet without formulas costs one substring
    search.

    Args:
        xml: The sheet's XML.

    Returns:
        (Excel row, 0-based column) → what is wrong, as the start of a sentence.
    """
    found: dict[tuple[int, int], str] = {}
    # Data validations hold <formula1>, so look for the formula element itself: one scan for its three forms.
    hits = [match.start() for match in _FORMULA.finditer(xml)]
    hits.extend(match.start() for match in _ERROR_TYPE.finditer(xml))
    seen = set()
    for hit in sorted(hits):
        start = xml.rfind(b"<c ", 0, hit)
        if start < 0 or start in seen:
            continue
        seen.add(start)
        end = xml.find(b"</c>", hit)
        cell = xml[start : end if end >= 0 else hit + 8]
        opening = cell[: cell.find(b">") + 1]
        ref = _CELL_REF.search(opening)
        if not ref:
            continue
        key = (int(ref.group(2)), _column_index(ref.group(1).decode()))
        kind = _CELL_TYPE.search(opening)
        value = _CELL_VALUE.search(cell)
        if kind and kind.group(1) == b"e":
            error = value.group(1).decode() if value else "an error"
            found[key] = f"holds the error {error}; fix the formula or type the value"
        elif b"<f" in cell and not (value and value.group(1)) and not (kind and kind.group(1) == b"str"):
            found[key] = (
                "holds a formula with no saved result; open the file in Excel or LibreOffice and save it "
                "so the result is stored, or type the value"
            )
    return found


class _Unusable(Mapping):
    """A sheet's unusable cells (`_unusable_cells`), searched for in its XML only when first asked about.

    calamine gives such a cell (an error, a formula without a saved result) as blank, so it is asked about only
    for a blank cell where a value is looked for. A sheet without one, as a Forecast sheet usually is, costs no
    search: the 500-SKU company's sheets took 0.7 ms of searching instead of 5.6.
    """

    def __init__(self, find: Callable[[], dict[tuple[int, int], str]]):
        self._find = find

    @functools.cached_property
    def _cells(self) -> dict[tuple[int, int], str]:
        return self._find()

    def __getitem__(self, key: tuple[int, int]) -> str:
        return self._cells[key]

    def __contains__(self, key: object) -> bool:
        return key in self._cells

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return iter(self._cells)

    def __len__(self) -> int:
        return len(self._cells)


def _plain_values(raws: list, column: Column) -> tuple[list, list[bool]]:
    """The values of one column's cells that need no check, and which cells those are.

    A cell is plain when calamine gives it in the form the column wants: clean text, one of the choices, a
    non-negative number (whole, or a fraction up to 1, where the column asks), a date. Every other cell, blank
    ones included, is marked not taken and goes through `parse_cell`; its value here is a placeholder.
    """
    kind = column.kind
    if kind == schema.TEXT:
        taken = [type(v) is str and v != "" and v == v.strip() and "  " not in v for v in raws]
        return raws, taken
    if kind == schema.CHOICE:
        choices = frozenset(column.choices)
        return raws, [type(v) is str and v in choices for v in raws]
    if kind in (schema.NUMBER, schema.INTEGER, schema.PERCENT) and column.minimum == 0.0:
        taken = [type(v) is float and 0.0 <= v < math.inf for v in raws]
        if kind == schema.INTEGER:
            taken = [ok and v < _LARGEST_WHOLE and v.is_integer() for ok, v in zip(taken, raws)]
            return [int(v) if ok else None for ok, v in zip(taken, raws)], taken
        if kind == schema.PERCENT:
            taken = [ok and v <= 1.0 for ok, v in zip(taken, raws)]
        return raws, taken
    if kind in (schema.MONTH, schema.DATE):
        # Dates repeat (a price list's Valid from, an order book's dates): each distinct one is read once.
        taken = [type(v) is dt.date or type(v) is dt.datetime for v in raws]
        read_once: dict = {}
        month = kind == schema.MONTH
        values = []
        for ok, v in zip(taken, raws):
            if ok:
                if v not in read_once:
                    read_once[v] = parse_date(v, "", month).value
                values.append(read_once[v])
            else:
                values.append(None)
        # A date parse_date refuses (a year out of range) goes through the per-cell checks, which report it.
        return values, [ok and value is not None for ok, value in zip(taken, values)]
    return raws, [False] * len(raws)


def _filled(raw) -> bool:
    """Whether a cell as calamine gives it holds something (not blank, not only spaces)."""
    return raw != "" and raw is not None and not (type(raw) is str and raw.isspace())


def _row_holds(r: int, raw_row: list, used: list[int], unusable: Mapping) -> bool:
    """Whether Excel row `r` has a cell in the `used` columns that holds something or cannot be read."""
    return any(_filled(raw_row[i]) for i in used) or any((r, i) in unusable for i in used)


def _reraise_interrupts(exc: BaseException) -> None:
    """Re-raise Ctrl-C and exits; any other failure of calamine is a finding.

    calamine's Rust panics (a date cell out of range, say) reach Python as pyo3's PanicException, which derives
    from BaseException rather than Exception, so the reader catches BaseException and lets only these through.
    """
    if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
        raise exc


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


class _Row:
    """One data row of a sheet as read: values by header (None when blank or wrong).

    Its month values are row `k` of the table's `month_matrix()`, `k` its position in the table's rows.
    """

    __slots__ = ("number", "values", "bad")  # one per row of every sheet: made by the ten thousand

    def __init__(self, number: int, values: dict[str, object], bad: bool = False):
        self.number = number
        self.values = values
        self.bad = bad


@dataclass
class _Table:
    """One template sheet as found in a file."""

    spec: Sheet
    name: str = ""  # the sheet's name in the file ("" when absent)
    columns: dict[str, int] = field(default_factory=dict)  # header → 0-based column index
    months: list[tuple[pd.Timestamp, int]] = field(default_factory=list)  # month → column index, in date order
    rows: list[_Row] = field(default_factory=list)
    matrix: np.ndarray | None = None  # the rows' month values (rows × months), in the order of `months`
    _values: dict[str, set] = field(default_factory=dict, repr=False)

    def month_matrix(self) -> np.ndarray:
        """The rows' month values as one (rows × months) array (zeros when none were read)."""
        if self.matrix is None or len(self.matrix) != len(self.rows):
            self.matrix = np.zeros((len(self.rows), len(self.months)))
        return self.matrix

    @property
    def present(self) -> bool:
        return bool(self.name)

    def cell(self, header: str, row: int) -> str:
        """The A1 reference of a column's cell in an Excel row ("" when the column is absent)."""
        index = self.columns.get(header)
        return "" if index is None else f"{column_letter(index)}{row}"

    def month_cell(self, month: pd.Timestamp, row: int) -> str:
        """The A1 reference of a month's cell in an Excel row."""
        for stamp, index in self.months:
            if stamp == month:
                return f"{column_letter(index)}{row}"
        return ""

    def values(self, header: str) -> set:
        """The readable values of a column, over all rows (asked for after reading, when rows no longer change)."""
        if header not in self._values:
            self._values[header] = {row.values.get(header) for row in self.rows} - {None}
        return self._values[header]


class _File:
    """One template file being read: its workbook, its findings and its sheets."""

    def __init__(self, path: Path, template: Template):
        self.path = path
        self.name = file_name(path)
        self.template = template
        self.findings: list[Finding] = []
        self.workbook: CalamineWorkbook | None = None
        self.data = b""
        self.sha256 = ""
        self.sheet_names: dict[str, str] = {}  # schema name → name in the file
        self.xml_paths: dict[str, str] = {}
        self.xml: dict[str, bytes] = {}  # worksheet part → its XML, unpacked once by the checks in `open`
        self.cycle: Cycle | None = None
        self.cycle_cells: dict[str, tuple[object, int]] = {}  # key → (value, Excel row)
        # In the template's order, whatever the reading order; those absent from the file stay without a name.
        self.sheets = {spec.name: _Table(spec) for spec in template.sheets if not spec.key_value}
        self.ahead: _Ahead | None = None  # the sheets parsed ahead, while the table sheets are read

    # Findings -------------------------------------------------------------------------------------------------

    def add(self, severity: str, sheet: str, row: int, cell: str, message: str) -> None:
        """Record a finding in this file."""
        self.findings.append(Finding(self.name, sheet, row, cell, severity, message))

    def error(self, sheet: str, row: int, cell: str, message: str) -> None:
        """Record an error in this file."""
        self.add(ERROR, sheet, row, cell, message)

    def warning(self, sheet: str, row: int, cell: str, message: str) -> None:
        """Record a warning in this file."""
        self.add(WARNING, sheet, row, cell, message)

    # Opening --------------------------------------------------------------------------------------------------

    def open(self, checked: Callable[[str], None] | None = None) -> None:
        """Open the workbook read-only, or record why it cannot be read.

        `checked`, when given, is called with the name of the largest table sheet as soon as its cells are found
        to fit in memory, before the other sheets are checked: its parse may begin then.
        """
        if not self.path.exists():
            self.error("", 0, "", f"{self.name} was not found at {self.path}; check the path")
            return
        if self.path.is_dir():
            self.error("", 0, "", f"{self.name} is a folder, not a file; give the path of the .xlsx file")
            return
        if not self.path.is_file():
            # A pipe or a device (/dev/zero) would block the read or never end it.
            self.error(
                "",
                0,
                "",
                f"{self.name} is not a regular file (a pipe, socket or device); give the path of the .xlsx file",
            )
            return
        if self.path.stat().st_size > MAX_TOTAL_BYTES:
            self.error(
                "",
                0,
                "",
                f"{self.name} is {self.path.stat().st_size / 2**20:,.0f} MB, more than the "
                f"{MAX_TOTAL_BYTES // 2**20} MB a template may be; it was not read. Give the "
                f"template, saved from Excel without extra sheets or pictures",
            )
            return
        try:
            # One read of the bytes serves the hash, the checks and calamine, and cannot write to the file.
            self.data = self.path.read_bytes()
        except OSError as exc:
            self.error(
                "", 0, "", f"{self.name} cannot be read ({exc.strerror}); close it in Excel or check its permissions"
            )
            return
        self.sha256 = hashlib.sha256(self.data).hexdigest()
        problem = _file_problem(self.path, self.data, self.xml)
        if problem:
            self.error("", 0, "", f"{self.name} {problem}")
            return
        try:
            self.workbook = CalamineWorkbook.from_filelike(io.BytesIO(self.data))
            with zipfile.ZipFile(io.BytesIO(self.data)) as archive:
                self.xml_paths = _sheet_xml_paths(archive)
        except BaseException as exc:  # calamine's errors are not one class; any of them means "cannot be read"
            _reraise_interrupts(exc)
            self.workbook = None
            self.error(
                "", 0, "", f"{self.name} is damaged and cannot be read ({type(exc).__name__}); save it again from Excel"
            )
            return
        if self.path.suffix.lower() != ".xlsx":
            self.warning(
                "", 0, "", f"{self.name} is an Excel workbook but its name does not end in .xlsx; rename it to .xlsx"
            )
        self._match_sheet_names()
        if self.workbook is not None:
            self._check_sheet_sizes(checked)

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
            close = [n for n in names if _normal(n) == _normal(sheet.name) and n not in expected]
            if close:
                self.sheet_names[sheet.name] = close[0]
                self.warning(close[0], 0, "", f"sheet '{close[0]}' read as '{sheet.name}'; rename it to '{sheet.name}'")
            elif sheet.required:
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

    def _check_sheet_sizes(self, checked: Callable[[str], None] | None = None) -> None:
        """Refuse the template's sheets whose cells reach so far that calamine's grid would not fit in memory;
        the largest table sheet first, calling `checked` with its name when it fits."""
        largest = self.largest_table_sheet()
        for sheet, name in sorted(self.sheet_names.items(), key=lambda item: item[1] != largest):
            part = self.xml_paths.get(name)
            if not part:
                continue
            try:
                xml = self._sheet_xml(part)
            except (zipfile.BadZipFile, zlib.error, EOFError, KeyError):
                continue  # a damaged or missing part: reported on its sheet when it is read
            if not _fits_grid(xml):
                rows, columns = _sheet_extent(xml)
                if rows * columns > MAX_GRID_CELLS:
                    self.error(
                        name,
                        0,
                        "",
                        f"the sheet has cells as far as row {rows:,} and column "
                        f"{column_letter(max(columns, 1) - 1)} ({rows * columns:,} cells, more "
                        f"than the {MAX_GRID_CELLS:,} a template may use); it was not read. "
                        f"Delete the rows below and the columns right of the data, and save",
                    )
                    del self.sheet_names[sheet]
                    continue
            if name == largest and checked is not None:
                checked(name)

    def xml_size(self, sheet_name: str) -> int:
        """The bytes of a sheet's XML as unpacked by the checks in `open` (0 if it was not kept)."""
        return len(self.xml.get(self.xml_paths.get(sheet_name), b""))

    def grid(self, sheet_name: str) -> list[list]:
        """The cell values of a sheet from A1, one list per row."""
        grid = self.ahead.take(self, sheet_name) if self.ahead is not None else None
        if grid is None:
            grid = self.workbook.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
        return grid

    def unusable(self, sheet_name: str) -> dict[tuple[int, int], str]:
        """The cells of a sheet whose formula has no saved result or holds an error."""
        part = self.xml_paths.get(sheet_name)
        if not part:
            return {}
        if part in self.xml:
            return _unusable_cells(self.xml.pop(part))  # the last use of the sheet's XML: free it
        with zipfile.ZipFile(io.BytesIO(self.data)) as archive:
            return _unusable_cells(archive.read(part))

    def _sheet_xml(self, part: str) -> bytes:
        """A worksheet part's XML: as unpacked by the checks in `open`, else from the file (which may raise)."""
        if part in self.xml:
            return self.xml[part]
        with zipfile.ZipFile(io.BytesIO(self.data)) as archive:  # only then: each opening reads the directory again
            return archive.read(part)

    # The Cycle sheet ------------------------------------------------------------------------------------------

    def read_cycle(self) -> None:
        """Read the Cycle sheet's Key / Value rows into `cycle` (None when it cannot be made)."""
        if self.workbook is None or schema.CYCLE.name not in self.sheet_names:
            return
        name = self.sheet_names[schema.CYCLE.name]
        try:
            grid = self.grid(name)
            unusable = self.unusable(name)
        except BaseException as exc:  # a sheet calamine cannot parse: say so; the other file may still give the cycle
            _reraise_interrupts(exc)
            self.error(
                name, 0, "", f"the sheet cannot be read ({type(exc).__name__}: {exc}); save the file again from Excel"
            )
            return
        keys = {_normal(c.header): c for c in schema.CYCLE.columns}
        for r, row in enumerate(grid[1:], start=2):
            raw_key = row[0] if row else None
            if _blank(raw_key):
                continue
            column = keys.get(_normal(_text(raw_key)))
            if column is None:
                self.warning(name, r, f"A{r}", f"{_shown(raw_key)} is not a key of the Cycle sheet; it is ignored")
                continue
            if column.header in self.cycle_cells:
                first = self.cycle_cells[column.header][1]
                self.error(name, r, f"A{r}", f"'{column.header}' appears again (first in row {first}); keep one")
                continue
            if _text(raw_key) != column.header:
                self.warning(name, r, f"A{r}", f"{_shown(raw_key)} read as '{column.header}'")
            raw = row[1] if len(row) > 1 else None
            if (r, 1) in unusable:
                self.error(name, r, f"B{r}", f"{column.header} {unusable[(r, 1)]}")
                self.cycle_cells[column.header] = (None, r)
                continue
            value = None
            if _blank(raw):
                if column.required:
                    self.error(name, r, f"B{r}", f"{column.header} is blank; type it in B{r}")
            else:
                parsed = parse_cell(raw, column)
                if parsed.severity:
                    self.add(parsed.severity, name, r, f"B{r}", f"{column.header}: {parsed.message}")
                value = parsed.value
                if column.header == "Horizon (months)" and value is not None and value > MAX_HORIZON:
                    self.error(
                        name,
                        r,
                        f"B{r}",
                        f"a horizon of {value} months is more than {MAX_HORIZON}; type 1 to {MAX_HORIZON}",
                    )
                    value = None
            self.cycle_cells[column.header] = (value, r)
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

    # Table sheets ---------------------------------------------------------------------------------------------

    def table_sheets(self) -> list[str]:
        """The names in the file of the template's table sheets it has, in the template's order."""
        if self.workbook is None:
            return []
        return [
            self.sheet_names[spec.name]
            for spec in self.template.sheets
            if not spec.key_value and spec.name in self.sheet_names
        ]

    def largest_table_sheet(self) -> str | None:
        """The name of the table sheet with the most XML (None when there is none)."""
        return max(self.table_sheets(), key=self.xml_size, default=None)

    def read_sheets(self, cycle: Cycle | None, skip: str | None = None, only: str | None = None) -> None:
        """Read the template's table sheets in its order, checking their month columns against `cycle` (if
        known): every one, or all but the one named `skip`, or only the one named `only` (names in the file)."""
        for table in self.sheets.values():
            spec = table.spec
            if self.workbook is None or spec.name not in self.sheet_names:
                continue
            if self.sheet_names[spec.name] == skip or only is not None and self.sheet_names[spec.name] != only:
                continue
            table.name = self.sheet_names[spec.name]
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

    def _read_table(self, table: _Table, cycle: Cycle | None) -> None:
        spec, name = table.spec, table.name
        grid = self.grid(name)
        unusable = _Unusable(lambda: self.unusable(name))
        header = grid[0] if grid else []
        extras = self._read_header(table, header, unusable)
        self._check_months(table, header, extras, cycle)
        # Each column's header, schema column, index and letters, worked out once: the loop below runs for
        # every cell of sheets with hundreds of thousands of cells.
        mapped = [
            (header_text, spec.column(header_text), i, column_letter(i)) for header_text, i in table.columns.items()
        ]
        months = [(month, i, column_letter(i)) for month, i in table.months]
        used = sorted({i for _, _, i, _ in mapped} | {i for _, i, _ in months})
        noun = MONTH_NOUNS.get(spec.month_value or "", "values")
        needed = max(used, default=-1) + 1
        rows = grid[1:]
        if rows and min(map(len, rows)) < needed:
            rows = [
                list(raw_row) + [""] * (needed - len(raw_row)) if len(raw_row) < needed else raw_row for raw_row in rows
            ]
        # A row is kept when a cell of the template's columns holds something or cannot be read. The first of the
        # columns settles nearly every row in one pass; only the rows blank there are looked at cell by cell.
        firsts = list(map(_filled, map(operator.itemgetter(used[0]), rows))) if used else [False] * len(rows)
        if all(firsts):
            kept = list(zip(itertools.count(2), rows))
        else:
            kept = [
                (r, raw_row)
                for r, raw_row, first in zip(itertools.count(2), rows, firsts)
                if first or _row_holds(r, raw_row, used, unusable)
            ]
        matrix, bad_rows = self._month_values(table, kept, unusable, noun)
        numbers = [r for r, _ in kept]
        # Column by column: the common cells are taken in one comprehension each, and only the others (blank,
        # unusable, typed as text, wrong) go through the per-cell checks below, in row order as before.
        columns, slow = [], []
        kept_rows = [raw_row for _, raw_row in kept]
        for j, (_header, column, i, _letters) in enumerate(mapped):
            raws = list(map(operator.itemgetter(i), kept_rows))
            values, taken = _plain_values(raws, column)
            columns.append(values)
            not_taken = itertools.compress(range(len(taken)), map(operator.not_, taken))  # positions, in C
            slow.extend(zip(not_taken, itertools.repeat(j)))
        headers = [header_text for header_text, _, _, _ in mapped]
        table.matrix = matrix if months else None
        by_row = zip(*columns) if columns else [()] * len(kept)
        bad = [k in bad_rows for k in range(len(kept))] if bad_rows else itertools.repeat(False)
        table.rows = list(map(_Row, numbers, map(dict, map(zip, itertools.repeat(headers), by_row)), bad))
        for k, j in sorted(set(slow)):
            header_text, column, i, letters = mapped[j]
            row, raw = table.rows[k], kept[k][1][i]
            r = row.number
            if raw == "" and (r, i) in unusable:  # calamine gives an unusable cell as blank, never taken plain
                self.error(name, r, f"{letters}{r}", f"{header_text} {unusable[(r, i)]}")
                row.values[header_text], row.bad = None, True
            elif raw == "" or raw is None or (type(raw) is str and raw.isspace()):
                if column.required:
                    self.error(name, r, f"{letters}{r}", f"{header_text} is blank; fill it in or delete the row")
                    row.bad = True
                row.values[header_text] = None
            else:
                parsed = parse_cell(raw, column)
                if parsed.severity:
                    self.add(parsed.severity, name, r, f"{letters}{r}", parsed.message)
                row.values[header_text] = parsed.value
                row.bad = row.bad or parsed.value is None
        used = set(used)
        for i in sorted(set(range(len(header))) - used):
            if not _blank(header[i]):
                continue  # a header that is not the template's was warned about with the header row
            if any(i < len(raw_row) and not _blank(raw_row[i]) for raw_row in grid[1:]):
                self.warning(
                    name,
                    1,
                    f"{column_letter(i)}1",
                    f"column {column_letter(i)} has values but no header; they are ignored",
                )
        if spec.required and not table.rows:
            self.error(name, 2, "A2", f"the sheet {spec.name} has no rows; it is required")
        self.xml.pop(self.xml_paths.get(name), None)  # the sheet's XML, if it was not searched

    def _month_values(
        self, table: _Table, kept: list[tuple[int, list]], unusable: Mapping, noun: str
    ) -> tuple[np.ndarray, set[int]]:
        """The month cells of the kept rows as a (rows × months) array; blank and wrong cells are 0.

        Month sheets hold most of the cells, so they are checked with numpy: only the cells that are not a plain
        non-negative number or blank go through `parse_number`, one by one.

        Returns:
            The values, and the positions in `kept` of the rows with a wrong month cell.
        """
        indexes = [i for _, i in table.months]
        if not kept or not indexes:
            return np.zeros((len(kept), len(indexes))), set()
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
            check = ~((values >= 0.0) & np.isfinite(values))  # NaN fails the comparison
        else:
            cells = np.array(flat, dtype=object)
            is_float = np.array([kind is float for kind in types], dtype=bool)
            values = np.zeros(len(flat))
            values[is_float] = cells[is_float].astype("float64")
            plain = is_float & (values >= 0.0) & np.isfinite(values)
            blank = cells == ""
            check = ~plain & ~blank
            if blank.any():  # calamine gives an unusable cell as blank: only then may a month cell be one
                numbers = [r for r, _ in kept]
                for r, i in unusable:
                    if i in indexes:
                        position = bisect.bisect_left(numbers, r)
                        if position < len(numbers) and numbers[position] == r:
                            check[position * len(indexes) + indexes.index(i)] = True
        bad_rows = set()
        for position in np.flatnonzero(check):
            k, j = divmod(int(position), len(indexes))
            r, i = kept[k][0], indexes[j]
            ref = f"{column_letter(i)}{r}"
            values[position] = 0.0
            raw = flat[position]
            if raw == "" and (r, i) in unusable:
                self.error(table.name, r, ref, f"{month_label(table.months[j][0])} {unusable[(r, i)]}")
                bad_rows.add(k)
                continue
            if _blank(raw):
                continue
            parsed = parse_number(raw, noun)
            if parsed.severity:
                self.add(parsed.severity, table.name, r, ref, parsed.message)
            if parsed.value is None:
                bad_rows.add(k)
            else:
                values[position] = parsed.value
        return values.reshape(len(kept), len(indexes)), bad_rows

    def _read_header(self, table: _Table, header: list, unusable: Mapping) -> dict[int, object]:
        """Map the header row to the schema's columns and months; return the unmatched header cells."""
        spec, name = table.spec, table.name
        exact = {c.header: c for c in spec.columns}
        close = {_normal(c.header): c for c in spec.columns}
        extras: dict[int, object] = {}
        for i, raw in enumerate(header):
            ref = f"{column_letter(i)}1"
            if _blank(raw):
                if (1, i) in unusable:  # calamine gives an unusable cell as blank
                    self.error(name, 1, ref, f"the header {unusable[(1, i)]}")
                continue
            if isinstance(raw, str):
                column = exact.get(raw) or close.get(_normal(raw))
                if column is not None:
                    if column.header in table.columns:
                        first = column_letter(table.columns[column.header])
                        self.error(
                            name,
                            1,
                            ref,
                            f"the header '{column.header}' appears twice (also in {first}1); "
                            f"delete one of the two columns",
                        )
                        continue
                    table.columns[column.header] = i
                    if raw != column.header:
                        self.warning(
                            name,
                            1,
                            ref,
                            f"header {_shown(raw)} read as '{column.header}'; type it exactly as '{column.header}'",
                        )
                    continue
            extras[i] = raw
        for position, column in enumerate(spec.columns):
            if column.header in table.columns:
                continue
            ref = f"{column_letter(position)}1"
            severity = ERROR if column.required else WARNING
            consequence = "" if column.required else "; its values are read as blank"
            held = extras.get(position)
            if isinstance(held, str) and (not spec.months or _header_month(held)[0] is None):
                del extras[position]
                self.add(
                    severity,
                    name,
                    1,
                    ref,
                    f"the header {_shown(held)} should be '{column.header}'; rename it "
                    f"back to '{column.header}'{consequence}",
                )
            else:
                self.add(
                    severity,
                    name,
                    1,
                    ref,
                    f"the column '{column.header}' is missing; add a column headed "
                    f"'{column.header}' (column {column_letter(position)} in the "
                    f"template){consequence}",
                )
        return extras

    def _check_months(self, table: _Table, header: list, extras: dict[int, object], cycle: Cycle | None) -> None:
        """Take the month columns out of `extras` and check them against the horizon; warn about the rest.

        Without a cycle (neither Cycle sheet could be read, which is an error already) the months found are read
        as they are, rather than reported once per column against a horizon nobody gave.
        """
        spec, name = table.spec, table.name
        found: dict[pd.Timestamp, int] = {}
        if spec.months:
            for i, raw in sorted(extras.items()):
                month, typed = _header_month(raw)
                if month is None:
                    continue
                del extras[i]
                ref = f"{column_letter(i)}1"
                if not DATE_YEARS[0] <= month.year <= DATE_YEARS[1]:
                    # As for date cells: such a month would pass numpy's datetime64 range unnoticed (3132 becomes
                    # 1963) in a sheet read without a cycle to check it against.
                    self.error(
                        name,
                        1,
                        ref,
                        f"{_shown(raw)} is not a month the plan can use; type the month as a "
                        f"date between {DATE_YEARS[0]} and {DATE_YEARS[1]}, for example Mar-27",
                    )
                    continue
                if month in found:
                    self.error(
                        name,
                        1,
                        ref,
                        f"the month {month_label(month)} appears twice (also in "
                        f"{column_letter(found[month])}1); delete one of the two columns",
                    )
                    continue
                found[month] = i
                if typed:
                    self.warning(
                        name,
                        1,
                        ref,
                        f"the month header {_shown(raw)} is not a date; read as "
                        f"{month_label(month)} — type it as a date (first of the month)",
                    )
        for i, raw in sorted(extras.items()):
            self.warning(
                name,
                1,
                f"{column_letter(i)}1",
                f"the column {_shown(raw)} is not part of the {spec.name} sheet; it is ignored",
            )
        if not spec.months:
            return
        if cycle is None:
            table.months = sorted(found.items())
            return
        expected = _cycle_months(cycle.cycle_month, cycle.horizon, spec.months)
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
        else:
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
                    f"the month columns are not in date order "
                    f"({month_label(month)} comes after "
                    f"{month_label(earlier)}); they are read by their "
                    f"dates",
                )
                break

    # Checks within the file -----------------------------------------------------------------------------------

    def check_keys_and_lookups(self, cycle: Cycle) -> None:
        """Fill the defaults of blank cells, then report duplicate keys and codes not defined in this file."""
        for table in self.sheets.values():
            optional = [
                (c.header, _blank_value(c, cycle))
                for c in table.spec.columns
                if not c.required and c.header in table.columns
            ]
            for header, blank in optional:
                for values in [row.values for row in table.rows if row.values[header] is None]:
                    values[header] = blank
            self._check_keys(table)
        for table in self.sheets.values():
            for column in table.spec.columns:
                if column.lookup and column.header in table.columns:
                    self._check_lookup(table, column)

    def _check_keys(self, table: _Table) -> None:
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
                described = " and ".join(f"{k} {_described(v)}" for k, v in zip(key, values))
                self.error(
                    table.name,
                    row.number,
                    table.cell(key[0], row.number),
                    f"{described} is already on row {seen[values]}; keep one row for it",
                )
                row.bad = True
            else:
                seen[values] = row.number

    def _check_lookup(self, table: _Table, column: Column) -> None:
        source = self.sheets.get(column.lookup[0])
        if source is None or not source.present or column.lookup[1] not in source.columns:
            return  # the missing sheet or column is reported already; naming every code again would be noise
        defined = source.values(column.lookup[1])
        if defined.issuperset(map(operator.itemgetter(column.header), [row.values for row in table.rows])):
            return  # every code is defined (blanks are None, never defined): the common case, in one pass
        # History of a SKU since discontinued is normal; the other sheets plan with the code, so it must exist.
        severity = WARNING if table.spec.months == schema.PAST else ERROR
        for row in table.rows:
            value = row.values.get(column.header)
            if value is not None and value not in defined:
                self.add(
                    severity,
                    table.name,
                    row.number,
                    table.cell(column.header, row.number),
                    f"{column.header} '{value}' is not on {source.spec.name}; add it there or correct the code",
                )

    # Tables for Inputs ----------------------------------------------------------------------------------------

    def tables(self, cycle: Cycle) -> dict[str, pd.DataFrame]:
        """The DataFrames of this file's sheets, by `Inputs` attribute (long form for month sheets)."""
        out = {}
        for spec in self.template.sheets:
            if spec.key_value:
                continue
            table = self.sheets.get(spec.name) or _Table(spec)
            attribute = SHEET_ATTRIBUTES[(self.template.kind, spec.name)]
            out[attribute] = _frame(table, cycle)
        return out


@functools.lru_cache(maxsize=8)
def _cycle_months(cycle_month: pd.Timestamp, horizon: int, months: str) -> tuple[pd.Timestamp, ...]:
    """The months a month sheet's columns are for: the horizon, or the 12 months before it (`months` is the
    sheet's `schema.HORIZON` or `schema.PAST`). Worked out once per cycle: pandas takes a millisecond each time."""
    cycle = Cycle(company="", cycle_month=cycle_month, horizon=horizon, currency="")
    return tuple(cycle.months if months == schema.HORIZON else cycle.past_months)


def _blank_value(column: Column, cycle: Cycle):
    """The value of a blank optional cell: the schema's default, else blank of the column's kind."""
    if column.default is not None:
        return column.default
    if column.kind in (schema.TEXT, schema.CHOICE):
        return ""
    if column.kind == schema.MONTH and column.header == "Valid from":
        return cycle.cycle_month  # SPEC: a blank Valid from means the cycle month
    return None


def _described(value) -> str:
    if isinstance(value, pd.Timestamp):
        return month_label(value)
    if value == "":
        return "(blank)"
    return f"'{value}'"


def _frame(table: _Table, cycle: Cycle) -> pd.DataFrame:
    """One sheet's rows as the DataFrame `Inputs` holds (month sheets in long form: each row once per month)."""
    spec = table.spec
    stamps = [month for month, _ in table.months]
    repeat = len(stamps) if spec.months else 1
    columns = {}
    values = [row.values for row in table.rows]
    for column in spec.columns:
        blank = _blank_value(column, cycle)
        if column.header in table.columns:
            per_row = list(map(operator.itemgetter(column.header), values))
        else:
            per_row = [blank] * len(table.rows)
        # The frame is made from arrays, not Series: Series would each carry an index that pandas must align,
        # which for these small tables costs more than the values themselves.
        if column.kind in (schema.MONTH, schema.DATE):
            array = pd.DatetimeIndex(per_row).astype("datetime64[ns]").array  # to_datetime takes 7 times longer
        elif column.kind in (schema.NUMBER, schema.PERCENT):
            array = np.array([math.nan if v is None else v for v in per_row], dtype="float64")
        elif column.kind == schema.INTEGER:
            series = pd.Series(per_row, dtype=object)
            array = (series.astype("int64") if series.notna().all() else series.astype("float64")).array
        else:
            array = pd.array(["" if v is None else v for v in per_row], dtype="str")
        columns[column.header] = array.repeat(repeat) if repeat != 1 else array
    numbers = [row.number for row in table.rows]
    if spec.months:
        # Long form: row-major, so row k's month j is at k * len(stamps) + j, as the values are appended below.
        columns[MONTH] = np.tile(np.array(stamps, dtype="datetime64[ns]"), len(table.rows))
        columns[spec.month_value] = table.month_matrix().reshape(-1)
    columns[SOURCE_ROW] = np.repeat(np.array(numbers, dtype="int64"), repeat)
    return pd.DataFrame(columns, copy=False)  # nothing else keeps these arrays once reading ends


# ----------------------------------------------------------------------------------------------------------------
# Checks across the two files


def _agree_cycle(demand: _File, capacity: _File) -> Cycle:
    """The cycle of the plan (the demand template's, else the capacity template's), after checking they agree."""
    if demand.cycle_cells and capacity.cycle_cells:
        name = capacity.sheet_names[schema.CYCLE.name]
        # Company only labels the pack, so a difference is a warning; the rest changes the plan itself.
        for key, severity in (
            ("Cycle month", ERROR),
            ("Horizon (months)", ERROR),
            ("Currency", ERROR),
            ("Company", WARNING),
        ):
            theirs = demand.cycle_cells.get(key, (None, 0))[0]
            ours, row = capacity.cycle_cells.get(key, (None, 0))
            if theirs is None or ours is None or theirs == ours:
                continue  # a blank or wrong value is reported already
            shown = [month_label(v) if isinstance(v, pd.Timestamp) else str(v) for v in (ours, theirs)]
            capacity.add(
                severity,
                name,
                row,
                f"B{row}",
                f"{key} is '{shown[0]}' here but '{shown[1]}' in {demand.name}; both templates must be "
                f"for the same cycle",
            )
    chosen = demand.cycle or capacity.cycle
    if chosen is None:
        # Neither file says which cycle it is; the errors already say why. Inputs needs a cycle all the same:
        # the current month stands in (the errors stop any planning with it).
        today = pd.Timestamp.today()
        chosen = Cycle(
            company="",
            cycle_month=pd.Timestamp(today.year, today.month, 1),
            horizon=schema.DEFAULT_HORIZON,
            currency="",
        )
    prepared = {}
    for file in (demand, capacity):
        if file.cycle:
            prepared.update(file.cycle.prepared_by)
    return Cycle(
        company=chosen.company,
        cycle_month=chosen.cycle_month,
        horizon=chosen.horizon,
        currency=chosen.currency,
        prepared_by=prepared,
    )


def _check_across(demand: _File, capacity: _File, cycle: Cycle) -> None:
    """The checks that need both templates: every SKU with demand can be priced, made or bought, and launched."""
    products = demand.sheets[_PRODUCTS.name]
    forecast = demand.sheets[_FORECAST.name]
    commitments = demand.sheets[_COMMITMENTS.name]
    launches = demand.sheets[_LAUNCHES.name]
    inventory = capacity.sheets[_INVENTORY.name]
    costs = capacity.sheets[_COSTS.name]
    routings = capacity.sheets[_ROUTINGS.name]
    subcontract = capacity.sheets[_SUBCONTRACT.name]
    readiness = capacity.sheets[_READINESS.name]

    _check_base_scenario(demand, forecast)
    _check_order_dates(demand, commitments, cycle)
    _check_prices(demand, forecast, commitments, cycle)
    _check_launches(demand, products, forecast, commitments, launches, readiness, capacity)
    _check_budget_families(demand, products)
    _check_capacity_rows(capacity)

    positive = (forecast.month_matrix() > 0).any(axis=1) if forecast.months else np.zeros(len(forecast.rows), bool)
    with_demand = {row.values.get(SKU) for row, some in zip(forecast.rows, positive.tolist()) if some}
    with_demand |= {row.values.get(SKU) for row in commitments.rows if (row.values.get("Quantity") or 0) > 0}
    if capacity.workbook is not None and products.present:
        made = routings.values(SKU) | subcontract.values(SKU)
        for row in products.rows:
            sku = row.values.get(SKU)
            if sku is None or sku not in with_demand:
                continue
            no_inventory = inventory.present and sku not in inventory.values(SKU)
            no_costs = costs.present and sku not in costs.values(SKU)
            not_made = routings.present and sku not in made
            if not (no_inventory or no_costs or not_made):
                continue
            ref = products.cell(SKU, row.number)
            if no_inventory:
                demand.error(
                    products.name,
                    row.number,
                    ref,
                    f"SKU '{sku}' has demand but no row on Inventory in {capacity.name}; add one",
                )
            if no_costs:
                demand.error(
                    products.name,
                    row.number,
                    ref,
                    f"SKU '{sku}' has demand but no row on Costs in {capacity.name}; add one",
                )
            if not_made:
                demand.error(
                    products.name,
                    row.number,
                    ref,
                    f"SKU '{sku}' has demand but no routing and no "
                    f"subcontractor in {capacity.name}; add a row on "
                    f"Routings or Subcontract",
                )
    if demand.workbook is not None and products.present and inventory.present:
        known = products.values(SKU)
        priced = costs.values(SKU)
        for row in inventory.rows:
            sku = row.values.get(SKU)
            if sku is None:
                continue
            if sku not in known:
                capacity.warning(
                    inventory.name,
                    row.number,
                    inventory.cell(SKU, row.number),
                    f"SKU '{sku}' is not on Products in {demand.name}; it has no demand and no family",
                )
            elif sku not in with_demand and costs.present and sku not in priced:
                capacity.warning(
                    inventory.name,
                    row.number,
                    inventory.cell(SKU, row.number),
                    f"SKU '{sku}' has no row on Costs; add one before it is planned",
                )


def _check_base_scenario(demand: _File, forecast: _Table) -> None:
    if (
        forecast.rows
        and "Scenario" in forecast.columns
        and not any(row.values.get("Scenario") == "Base" for row in forecast.rows)
    ):
        first = forecast.rows[0].number
        demand.error(
            forecast.name,
            first,
            forecast.cell("Scenario", first),
            "no row has the scenario Base; the Base forecast is required",
        )


def _check_order_dates(demand: _File, commitments: _Table, cycle: Cycle) -> None:
    """Orders dated outside the horizon are planned differently from what the date says: tell the planner."""
    months = _cycle_months(cycle.cycle_month, cycle.horizon, schema.HORIZON)
    first, last = months[0], months[-1]
    after = last + pd.DateOffset(months=1)  # worked out once: date arithmetic is slow next to a comparison
    for row in commitments.rows:
        date = row.values.get("Requested date")
        if date is None:
            continue
        if date < first:
            demand.warning(
                commitments.name,
                row.number,
                commitments.cell("Requested date", row.number),
                f"the order was requested for {date:%Y-%m-%d}, before the cycle month "
                f"{month_label(first)}; it is planned as overdue, due in {month_label(first)}",
            )
        elif date >= after:
            demand.warning(
                commitments.name,
                row.number,
                commitments.cell("Requested date", row.number),
                f"the order is requested for {date:%Y-%m-%d}, after the horizon ends in "
                f"{month_label(last)}; it is left out of the plan",
            )


def _check_prices(demand: _File, forecast: _Table, commitments: _Table, cycle: Cycle) -> None:
    """Every SKU and customer with forecast must have a price valid from its first month of demand; every order a
    price for its customer."""
    prices = demand.sheets[_PRICES.name]
    if not prices.present or not forecast.present:
        return
    valid_from: dict[tuple[str, str], pd.Timestamp] = {}
    for row in prices.rows:
        # A price row with a wrong price or date is reported already; it still counts as the SKU's price here.
        sku, customer, start = row.values.get(SKU), row.values.get(CUSTOMER), row.values.get("Valid from")
        if sku is None:
            continue
        start = start if start is not None else cycle.cycle_month
        key = (sku, customer or "")
        valid_from[key] = min(valid_from.get(key, start), start)
    reported = set()
    months = [m for m, _ in forecast.months]
    products = demand.sheets[_PRODUCTS.name]
    known = products.values(SKU) if products.present and SKU in products.columns else None
    # Each row's first month with demand, found for all rows at once (-1: none).
    matrix = forecast.month_matrix() > 0 if months else np.zeros((len(forecast.rows), 0), bool)
    firsts = (
        np.where(matrix.any(axis=1), matrix.argmax(axis=1), -1).tolist() if matrix.size else [-1] * len(forecast.rows)
    )
    earliest: dict[tuple[str, str], pd.Timestamp | None] = {}  # (SKU, customer) → its first price (None: none)
    for row, first_at in zip(forecast.rows, firsts):
        if first_at < 0:
            continue
        sku, customer = row.values.get(SKU), row.values.get(CUSTOMER)
        if sku is None or customer is None or (sku, customer) in reported or (known is not None and sku not in known):
            continue  # an unknown SKU is reported as such; asking for its price too would be noise
        first = months[first_at]
        if (sku, customer) not in earliest:
            # The same SKU and customer come once per scenario: their prices are looked up once.
            starts = [valid_from[k] for k in ((sku, customer), (sku, "")) if k in valid_from]
            earliest[(sku, customer)] = min(starts) if starts else None
        start = earliest[(sku, customer)]
        if start is None:
            reported.add((sku, customer))
            demand.error(
                forecast.name,
                row.number,
                forecast.cell(SKU, row.number),
                f"SKU '{sku}' has forecast for customer '{customer}' but no price; add a row on Prices",
            )
        elif start > first:
            reported.add((sku, customer))
            demand.error(
                forecast.name,
                row.number,
                forecast.month_cell(first, row.number),
                f"SKU '{sku}' has forecast for customer '{customer}' in {month_label(first)} but no price "
                f"valid before {month_label(start)}; add a price valid from {month_label(first)}",
            )
    for row in commitments.rows:
        sku, customer = row.values.get(SKU), row.values.get(CUSTOMER)
        if sku is None or customer is None or (sku, customer) in reported or (known is not None and sku not in known):
            continue
        if (sku, customer) not in valid_from and (sku, "") not in valid_from:
            reported.add((sku, customer))
            demand.error(
                commitments.name,
                row.number,
                commitments.cell(SKU, row.number),
                f"SKU '{sku}' is ordered by '{customer}' but has no price; add a row on Prices",
            )


def _check_launches(
    demand: _File,
    products: _Table,
    forecast: _Table,
    commitments: _Table,
    launches: _Table,
    readiness: _Table,
    capacity: _File,
) -> None:
    """No demand before a SKU's launch month; each launch listed on Launches and on Launch readiness."""
    launch_month = {}
    launch_row = {}
    for row in launches.rows:
        sku, month = row.values.get(SKU), row.values.get("Launch month")
        if sku is not None and month is not None and sku not in launch_month:
            launch_month[sku], launch_row[sku] = month, row.number
    matrix = forecast.month_matrix()
    for k, row in enumerate(forecast.rows):
        sku = row.values.get(SKU)
        if sku not in launch_month:
            continue
        for (month, i), value in zip(forecast.months, matrix[k].tolist()):
            if value > 0 and month < launch_month[sku]:
                demand.error(
                    forecast.name,
                    row.number,
                    f"{column_letter(i)}{row.number}",
                    f"forecast of {_number_text(value)} in {month_label(month)} is before SKU '{sku}' "
                    f"launches in {month_label(launch_month[sku])} (Launches row {launch_row[sku]}); move "
                    f"it to the launch month or later",
                )
    for row in commitments.rows:
        sku, date = row.values.get(SKU), row.values.get("Requested date")
        if sku in launch_month and date is not None and date < launch_month[sku]:
            demand.error(
                commitments.name,
                row.number,
                commitments.cell("Requested date", row.number),
                f"the order is requested on {date:%Y-%m-%d}, before SKU '{sku}' launches in "
                f"{month_label(launch_month[sku])}; agree a date in the launch month or later",
            )
    if products.present and launches.present and "Status" in products.columns:
        for row in products.rows:
            sku = row.values.get(SKU)
            if row.values.get("Status") == "Launch" and sku is not None and sku not in launch_month:
                demand.warning(
                    products.name,
                    row.number,
                    products.cell("Status", row.number),
                    f"SKU '{sku}' has the status Launch but is not on Launches; add its launch month",
                )
    if capacity.workbook is not None and readiness.present:
        ready = readiness.values(SKU)
        for sku, number in launch_row.items():
            if sku not in ready:
                demand.warning(
                    launches.name,
                    number,
                    launches.cell(SKU, number),
                    f"launch SKU '{sku}' is not on Launch readiness in {capacity.name}; Operations has "
                    f"not said when it can be made",
                )
    elif capacity.workbook is not None and launch_row:
        for sku, number in launch_row.items():
            demand.warning(
                launches.name,
                number,
                launches.cell(SKU, number),
                f"launch SKU '{sku}' is not on Launch readiness in {capacity.name}; Operations has not "
                f"said when it can be made",
            )


def _check_budget_families(demand: _File, products: _Table) -> None:
    budget = demand.sheets[_BUDGET.name]
    if not budget.present or not products.present or FAMILY not in budget.columns or FAMILY not in products.columns:
        return
    families = products.values(FAMILY)
    for row in budget.rows:
        family = row.values.get(FAMILY)
        if family is not None and family not in families:
            demand.error(
                budget.name,
                row.number,
                budget.cell(FAMILY, row.number),
                f"Family '{family}' is not a family on Products; correct it or add the family there",
            )


def _check_capacity_rows(capacity: _File) -> None:
    """A resource without a Regular capacity row has no hours: say so rather than plan it at zero silently."""
    resources = capacity.sheets[_RESOURCES.name]
    hours = capacity.sheets[_CAPACITY.name]
    if not resources.present or not hours.present:
        return
    regular = {row.values.get(RESOURCE) for row in hours.rows if row.values.get("Kind") == "Regular"}
    for row in resources.rows:
        resource = row.values.get(RESOURCE)
        if resource is not None and resource not in regular:
            capacity.warning(
                resources.name,
                row.number,
                resources.cell(RESOURCE, row.number),
                f"Resource '{resource}' has no Regular row on Capacity; it has no hours to plan with",
            )
