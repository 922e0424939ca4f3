"""Every workbook the tool opens, checked before any parser sees it.

`guard` is the one door: the two templates (`reader.py`), last month's pack (`changes.read_previous`) and the
templates copied by `sop validate --annotate` (`annotate.py`) all come through it, and each parser then reads the
bytes the guard read, never the path again. It refuses, with a message that names the file, its role and the fix:

- a path that is not a regular file (a pipe would block a read for ever, a device never end it), or a file larger
  than MAX_FILE_BYTES on disk;
- a file that is not an .xlsx: empty, a PDF, a CSV renamed, an .xls, a password-protected workbook, an .ods, a
  zip of something else, a workbook with macros;
- a "zip bomb": a part that would unpack to more than MAX_PART_BYTES, or parts that together would pass
  MAX_TOTAL_BYTES, judged from the zip directory before anything is unpacked; and a part that holds more than
  its directory declares, found by unpacking at most one byte more than it declares;
- an XML part with a document type declaration (entity expansion, "billion laughs"; Excel never writes one).

It also measures how far each sheet's cells reach. calamine holds a sheet as one dense grid from A1 to its last
cell, so one value typed in XFD1048576 would ask it for 17 billion cells and end the process. A sheet whose grid
would pass MAX_GRID_CELLS is not refused with the whole file: `Archive.sheet_problem` says why it must not be
parsed, and the reader reports it on that sheet and reads the others.
"""

from __future__ import annotations

import copy
import hashlib
import io
import os
import posixpath
import re
import stat
import zipfile
import zlib
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import ParseError
from xml.parsers import expat

from defusedxml import ElementTree as SafeElementTree

from .cells import column_index, column_letter
from .errors import TemplateError

# A template of 10,000 forecast lines over 60 months unpacks to well under 100 MB, and the meeting pack's sheets
# that are read back (Plan Data, Decisions) stay below these as well.
MAX_FILE_BYTES = 512 * 2**20
MAX_PART_BYTES = 256 * 2**20
MAX_TOTAL_BYTES = 512 * 2**20
MAX_GRID_CELLS = 10_000_000

_XML_PARTS = (".xml", ".rels", ".vml")
# What opening a damaged zip can raise. RuntimeError: a part encrypted with a zip password; NotImplementedError: a
# compression method Excel never uses; ParseError: a workbook part or its relationships that are not XML.
_UNREADABLE = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    RuntimeError,
    NotImplementedError,
    ValueError,
    ParseError,
)
_DAMAGED = "is damaged or incomplete (perhaps truncated while copying); save it again from Excel or copy it again"
_WORKBOOK = "xl/workbook.xml"
_WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"


@dataclass(frozen=True)
class Role:
    """What a file is to the tool, as messages name it.

    Attributes:
        name: The file's role, as the subject of a sentence: "the demand template", "last month's pack".
        noun: What such a file is called in advice: "template" ("save the template again from Excel").
    """

    name: str
    noun: str


class FileRefused(TemplateError):
    """A file the guard lets no parser open.

    Attributes:
        file: The file's name.
        role: What the file is to the tool.
        problem: What is wrong and how to fix it, said of the file: "is empty; save the template again from Excel".
        sha256: The SHA-256 of the bytes read, in hex ("" when none were read).
    """

    def __init__(self, path: Path, role: Role, problem: str, sha256: str = ""):
        super().__init__(path.name, f"{role.name} {problem}")
        self.role = role
        self.problem = problem
        self.sha256 = sha256


@dataclass
class Archive:
    """A workbook the guard let through: its bytes, and how far each of its sheets reaches.

    Attributes:
        path: Where it was read from.
        role: What it is to the tool.
        data: Its bytes, as read once: every parser reads these.
        sha256: The SHA-256 of `data`, in hex.
        sheet_parts: Sheet name (as the workbook names it) → the path of its XML part.
        extents: Sheet name → (last row, last column) of the grid calamine would build from it, or None when
            its part is damaged; only for the sheets checked.
        sheet_xml: Sheet name → its XML, for the sound sheets checked, when `guard` was asked to keep it.
    """

    path: Path
    role: Role
    data: bytes
    sha256: str
    sheet_parts: dict[str, str] = field(default_factory=dict)
    extents: dict[str, tuple[int, int] | None] = field(default_factory=dict)
    sheet_xml: dict[str, bytes] = field(default_factory=dict)

    def sheet_problem(self, name: str) -> str | None:
        """Why a sheet must not be parsed, said of "the sheet"; None when it may be.

        Args:
            name: The sheet's name, as the workbook names it.

        Returns:
            For example "has cells as far as row 1,048,576 and column XFD (...), so it was not read; ...".
        """
        if name not in self.extents:
            return "cannot be read: the workbook lists no part for it; save the file again from Excel"
        extent = self.extents[name]
        if extent is None:
            return (
                f"cannot be read: its part {self.sheet_parts[name]} is damaged; save the file again from Excel or "
                f"copy it again"
            )
        rows, columns = extent
        if rows * columns <= MAX_GRID_CELLS:
            return None
        return (
            f"has cells as far as row {rows:,} and column {column_letter(max(columns, 1) - 1)} ({rows * columns:,} "
            f"cells, more than the {MAX_GRID_CELLS:,} a {self.role.noun} may use), so it was not read; delete the "
            f"rows below and the columns right of the data, and save"
        )

    def check_sheets(self, names: Collection[str] | None = None) -> None:
        """Refuse the whole file when a sheet that will be parsed must not be.

        For an opener that cannot leave one sheet out (openpyxl parses them all), or that needs each of them.

        Args:
            names: The sheets that will be parsed, by the names the parser gives them (default: every sheet the
                workbook lists).

        Raises:
            FileRefused: naming the first such sheet and why.
        """
        for name in self.sheet_parts if names is None else names:
            problem = self.sheet_problem(name)
            if problem:
                raise FileRefused(self.path, self.role, f"has a sheet, '{name}', that {problem}", self.sha256)


def guard(path: str | Path, role: Role, sheets: Collection[str] | None = None, keep_xml: bool = False) -> Archive:
    """Read a workbook once and check it before any parser sees it.

    Args:
        path: The file.
        role: What the file is to the tool, for the messages.
        sheets: The names of the sheets that will be parsed; the other sheets' parts are neither unpacked nor
            counted. Default: every part (for a parser that reads them all).
        keep_xml: Keep the XML of the sound sheets checked in `Archive.sheet_xml`.

    Returns:
        The Archive: the bytes every parser must read, and each checked sheet's extent.

    Raises:
        FileRefused: when the file must not be opened at all (why, and what to do, in its `problem`).
    """
    path = Path(path)
    data = _read_regular_file(path, role)
    sha256 = hashlib.sha256(data).hexdigest()

    def refuse(problem: str) -> FileRefused:
        return FileRefused(path, role, problem, sha256)

    problem = _not_a_workbook(path, data, role)
    if problem:
        raise refuse(problem)
    archive = Archive(path, role, data, sha256)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as opened:
            problem = _not_an_xlsx(opened, role) or _checked_parts(opened, archive, sheets, keep_xml)
    except _UNREADABLE:
        problem = _DAMAGED
    if problem:
        raise refuse(problem)
    return archive


def _read_regular_file(path: Path, role: Role) -> bytes:
    """The bytes of a regular file of at most MAX_FILE_BYTES (FileRefused otherwise)."""
    try:
        problem = _file_kind_problem(path.stat(), role)
    except FileNotFoundError:
        problem = f"was not found at {path}; check the path"
    except OSError as exc:
        problem = f"cannot be read ({exc.strerror}); close it in Excel or check its permissions"
    if problem:
        raise FileRefused(path, role, problem)
    try:
        # Without blocking: should the path have become a pipe since, opening it must not wait for a writer.
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(descriptor, "rb") as file:
            # Checked again on the file opened: the path may have been replaced since, or the file grown.
            status = os.fstat(file.fileno())
            problem = _file_kind_problem(status, role)
            # As many bytes as the file holds, not the limit: a read allocates what it is asked for.
            data = b"" if problem else file.read(status.st_size + 1)
            if len(data) > status.st_size:  # it grew meanwhile: on to the limit
                data += file.read(MAX_FILE_BYTES + 1 - len(data))
    except OSError as exc:
        problem = f"cannot be read ({exc.strerror}); close it in Excel or check its permissions"
    if not problem and len(data) > MAX_FILE_BYTES:
        problem = _too_big(len(data), role)
    if problem:
        raise FileRefused(path, role, problem)
    return data


def _file_kind_problem(status: os.stat_result, role: Role) -> str | None:
    if stat.S_ISDIR(status.st_mode):
        return "is a folder, not a file; give the path of the .xlsx file"
    if not stat.S_ISREG(status.st_mode):
        return "is not a regular file (a pipe, socket or device); give the path of the .xlsx file"
    return _too_big(status.st_size, role) if status.st_size > MAX_FILE_BYTES else None


def _too_big(size: int, role: Role) -> str:
    return (
        f"is {size / 2**20:,.0f} MB, more than the {MAX_FILE_BYTES // 2**20} MB a {role.noun} may be; it was not "
        f"read. Give the {role.noun}, saved from Excel without extra sheets or pictures"
    )


def _not_a_workbook(path: Path, data: bytes, role: Role) -> str | None:
    """Why the bytes are not an .xlsx at all, from the file's name and first bytes (None when they may be)."""
    if path.suffix.lower() == ".xlsm":
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
        return f"is a PDF, not an Excel workbook; give the .xlsx {role.noun} instead"
    if not data:
        return f"is empty; save the {role.noun} again from Excel"
    if not data.startswith(b"PK"):
        return (
            "is not an Excel workbook (.xlsx) — perhaps a CSV or text file renamed; open it in Excel and save "
            "it as an Excel Workbook (.xlsx)"
        )
    return None


def _not_an_xlsx(archive: zipfile.ZipFile, role: Role) -> str | None:
    """Why a zip is not an .xlsx without macros, from its list of parts (None when it may be)."""
    names = set(archive.namelist())
    if "mimetype" in names:
        with archive.open("mimetype") as part:
            if b"opendocument" in part.read(200):
                return (
                    "is an OpenDocument spreadsheet (.ods); save it as an Excel 2007-365 workbook (.xlsx) and "
                    "read that file"
                )
    if _WORKBOOK not in names:
        return f"is a zip file but not an Excel workbook; give the .xlsx {role.noun} instead"
    if "xl/vbaProject.bin" in names:
        return "contains macros (an .xlsm renamed to .xlsx); save it as an Excel Workbook (.xlsx) without macros"
    return None


def _checked_parts(
    archive: zipfile.ZipFile, checked: Archive, sheets: Collection[str] | None, keep_xml: bool
) -> str | None:
    """Check the parts a parser will read; fill `checked` with the sheets' parts and extents.

    Returns:
        Why the file must not be opened, or None.
    """
    infos = {info.filename: info for info in archive.infolist()}
    # The workbook and its relationships first: they say which part is which sheet.
    index = {}
    for name in (_WORKBOOK, _WORKBOOK_RELS):
        if name not in infos:
            return _DAMAGED
        problem = _too_large([infos[name]], checked.role)
        index[name] = None if problem else _inflated(archive, infos[name])
        problem = problem or _part_problem(infos[name], index[name], checked.role)
        if problem:
            return problem
    checked.sheet_parts = _sheet_parts(index[_WORKBOOK], index[_WORKBOOK_RELS])
    sheet_of = {part: name for name, part in checked.sheet_parts.items() if sheets is None or name in sheets}
    unread = set(checked.sheet_parts.values()) - set(sheet_of)
    wanted = [info for name, info in infos.items() if name not in unread]
    problem = _too_large(wanted, checked.role)
    if problem:
        return problem
    for info in wanted:
        if not info.filename.endswith(_XML_PARTS) or info.filename in index:
            continue  # pictures and printer settings are never parsed as XML; the workbook part was checked
        xml = _inflated(archive, info)
        sheet = sheet_of.get(info.filename)
        if xml is None and sheet is not None:
            checked.extents[sheet] = None  # a damaged sheet: reported on that sheet, the others are read
            continue
        problem = _part_problem(info, xml, checked.role)
        if problem:
            return problem
        if sheet is not None:
            checked.extents[sheet] = sheet_extent(xml)  # None when not well-formed: refused as damaged
            if keep_xml:
                checked.sheet_xml[sheet] = xml
    return None


def _too_large(infos: list[zipfile.ZipInfo], role: Role) -> str | None:
    """Whether parts would unpack to more than the limits, as their zip directory declares (a "zip bomb")."""
    total = sum(info.file_size for info in infos)
    biggest = max(infos, key=lambda info: info.file_size, default=None)
    if biggest is not None and biggest.file_size > MAX_PART_BYTES:
        limit = f"{biggest.filename} alone to {biggest.file_size / 2**20:,.0f} MB, more than the "
        limit += f"{MAX_PART_BYTES // 2**20} MB one part of a {role.noun} may hold"
    elif total > MAX_TOTAL_BYTES:
        limit = f"more than the {MAX_TOTAL_BYTES // 2**20} MB a {role.noun} may hold"
    else:
        return None
    return (
        f"would unpack to {total / 2**20:,.0f} MB, {limit}; it was not opened (it may be a 'zip bomb'). Save the "
        f"{role.noun} again from Excel, without extra rows, columns or pictures"
    )


def _inflated(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes | None:
    """A part's bytes, allowing one byte more than the directory declares; None if the part is damaged.

    calamine reads a part to its end before it compares the size, so a directory that understates a part (1 GB
    declared as 64 KB) would otherwise cost gigabytes of memory before any error. A part that unpacks to fewer
    bytes than declared, or to bytes whose checksum is not the declared one, is damaged.
    """
    probe = copy.copy(info)
    probe.file_size = info.file_size + 1
    del probe.CRC  # the checksum of the declared bytes would fail first and hide the extra ones
    try:
        with archive.open(probe) as part:
            data = part.read(probe.file_size)
    except (zipfile.BadZipFile, zlib.error, EOFError):
        return None
    if len(data) < info.file_size or (len(data) == info.file_size and zlib.crc32(data) != info.CRC):
        return None
    return data


def _part_problem(info: zipfile.ZipInfo, xml: bytes | None, role: Role) -> str | None:
    """Why an unpacked XML part must not be parsed (None when it may be; `xml` None: the part is damaged)."""
    if xml is None:
        return _DAMAGED
    if len(xml) > info.file_size:
        return (
            f"is not a sound .xlsx: the part {info.filename} holds more than the {info.file_size:,} bytes its "
            f"directory declares; it was not opened (it may be a 'zip bomb'). Save the {role.noun} again from Excel"
        )
    # Excel writes its XML in UTF-8; a part in another encoding could hide a declaration from the search below.
    if xml.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in xml[:64]:
        return (
            f"is not a sound .xlsx: the part {info.filename} is not UTF-8 text, as Excel writes it; it was not "
            f"opened. Save the {role.noun} again from Excel"
        )
    if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
        return (
            f"contains an XML document type declaration (in {info.filename}), which Excel never writes; it was "
            f"not opened, because its entities could expand to gigabytes ('billion laughs'). Save the "
            f"{role.noun} again from Excel"
        )
    return None


def _sheet_parts(workbook: bytes, rels: bytes) -> dict[str, str]:
    """Sheet name → the path of its XML part, from the workbook part and its relationships (ParseError when they
    are not XML)."""
    targets = {}
    for relation in SafeElementTree.fromstring(rels).iter():
        if relation.tag.rpartition("}")[2] == "Relationship" and relation.get("Id") and relation.get("Target"):
            target = relation.get("Target")
            path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
            targets[relation.get("Id")] = posixpath.normpath(path)
    parts = {}
    for sheet in SafeElementTree.fromstring(workbook).iter():
        if sheet.tag.rpartition("}")[2] != "sheet":
            continue
        # r:id, in whichever namespace the writer used (transitional or strict).
        key = next((value for name, value in sheet.attrib.items() if name.endswith("}id")), None)
        if sheet.get("name") is not None and key in targets:
            parts[sheet.get("name")] = targets[key]
    return parts


# Cells whose place their references alone do not settle: a cell element with a namespace prefix (calamine reads
# elements by their local name), or one that does not begin with its reference (`<c r="B7"`), which may have none.
# Excel, LibreOffice, openpyxl and xlsxwriter never write one.
_PREFIXED_CELL = re.compile(rb":c[\s/>]")
_NOT_REFERENCE_FIRST = re.compile(rb'<c(?=[\s/>])(?! r=")')
_DIMENSION = re.compile(rb'<dimension ref="(?:[A-Z]+\d+:)?([A-Z]{1,3})(\d+)"')


def sheet_extent(xml: bytes) -> tuple[int, int] | None:
    """The last row and column (1-based) of the dense grid calamine would build from a sheet's XML: a bound.

    calamine places a cell by its `r` attribute (the last, should a cell have two; any letter case, single or
    double quotes), or, without one, after the previous cell of its row; a self-closing `<c .../>` holds nothing
    and is left out. When every cell begins with its reference, as the usual writers write them, the `r`
    attributes alone settle it, in a few fast searches: the `<dimension>` names a guess, and only references
    beyond it are looked at. Any other sheet is walked with an XML parser, as calamine would walk it.

    Args:
        xml: The sheet's XML.

    Returns:
        (last row, last column), each an upper bound; None when the XML cannot be walked (it is not well-formed,
        or a reference is not one calamine reads), so the sheet must not be parsed.
    """
    if _PREFIXED_CELL.search(xml) or _NOT_REFERENCE_FIRST.search(xml):
        return _walked_extent(xml)
    dimension = _DIMENSION.search(xml[:65536])
    if dimension is not None:
        letters, digits = dimension.group(1).decode(), dimension.group(2).decode()
        guess = (int(digits), column_index(letters) + 1)
        if guess[0] * guess[1] <= MAX_GRID_CELLS:
            # References beyond the guess: a column of more letters, or as many letters but later; a row of more
            # digits, or as many digits but a larger number.
            columns = "|".join([f"[A-Za-z]{{{len(letters) + 1},}}"] + _after(letters, "A", "Z"))
            rows = "|".join([f"\\d{{{len(digits) + 1},}}"] + _after(digits, "0", "9"))
            return _farthest(re.findall(_held_references(f"(?:{columns})\\d*|[A-Za-z]*(?:{rows})"), xml), guess)
    # No usable guess (none, or one too large to be trusted): every reference of a cell that holds something.
    return _farthest(re.findall(_held_references("[A-Za-z]*\\d*"), xml), (0, 0))


def _held_references(reference: str) -> bytes:
    """A pattern for the `r` attributes (their value matching `reference`) of cell elements that are not
    self-closing.

    Written to start with the literal `r`, which `re` searches for fast, then to look back: an attribute named
    exactly r, not a row's own (rows place only cells without a reference, and every cell of a usual sheet has
    one). A value cannot hold `<`, so a start tag runs to the next `<`; it is self-closing when the last `>`
    before it closes `/>`. That is looked ahead at, not taken, so that a second `r` of one element is found too.
    """
    return b"r(?<=\\sr)(?<!<row r)\\s*=\\s*[\"'](" + reference.encode() + b")[\"'](?=[^<]*(?<!/)>)"


def _farthest(references: list[bytes], start: tuple[int, int]) -> tuple[int, int]:
    """The farthest of a start and references as calamine reads them: letters then digits, each part optional (a
    missing part counts as the first row or column)."""
    last_row, last_column = start
    for reference in references:
        row, column = _place(reference.decode())
        last_row, last_column = max(last_row, row), max(last_column, column)
    return last_row, last_column


def _place(reference: str) -> tuple[int, int]:
    """The 1-based (row, column) of a reference calamine reads ("h40" is H40), ValueError for one it refuses."""
    match = re.fullmatch(r"([A-Za-z]*)(\d*)", reference)
    if match is None:
        raise ValueError(f"an unusual cell reference {reference!r}")
    letters, digits = match.groups()
    return max(int(digits or 1), 1), column_index(letters.upper()) + 1 if letters else 1


def _walked_extent(xml: bytes) -> tuple[int, int] | None:
    """`sheet_extent` by an XML parser's walk, placing cells as calamine does, for sheets written unusually.

    Every cell element counts, self-closing or not, so the bound may be larger than calamine's grid, never
    smaller. An unparsable reference, or XML that is not well-formed, gives None.
    """
    parser = expat.ParserCreate()
    row, column, last = 0, 0, [0, 0]  # 0-based place of the next cell; the farthest cell, 1-based

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal row, column
        local = name.rpartition(":")[2]
        if local not in ("c", "row") or "r" not in attributes:
            if local == "c":
                last[:] = max(last[0], row + 1), max(last[1], column + 1)
            return
        place = _place(attributes["r"])
        if local == "row":
            row = place[0] - 1
        else:  # a cell's reference places it, and the next cells of its row after it; the row stays
            column = place[1] - 1
            last[:] = max(last[0], place[0]), max(last[1], place[1])

    def end(name: str) -> None:
        nonlocal row, column
        local = name.rpartition(":")[2]
        if local == "c":
            column += 1
        elif local == "row":
            row, column = row + 1, 0

    parser.StartElementHandler, parser.EndElementHandler = start, end
    try:
        parser.Parse(xml, True)
    except (expat.ExpatError, ValueError):
        return None
    return last[0], last[1]


def _after(text: str, low: str, high: str) -> list[str]:
    """Regular expressions for the strings of text's length, over low..high, that sort after text ("BK" → C-Z then
    any letter, or B then L-Z; letters in either case, as calamine reads them)."""

    def either(characters: str) -> str:
        return characters if characters.lower() == characters else characters + characters.lower()

    same = ["[" + either(character) + "]" for character in text]
    every = f"[{either(f'{low}-{high}')}]"
    return [
        "".join(same[:i]) + f"[{either(f'{chr(ord(text[i]) + 1)}-{high}')}]" + every * (len(text) - i - 1)
        for i in range(len(text))
        if text[i] != high
    ]
