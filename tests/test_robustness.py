"""Nothing breaks it, nothing is lost: hostile and broken input, failures mid-write, degenerate plans (issue 6).

The case tables here (HOSTILE_FILES, OUTPUT_TARGETS, MID_WRITE_FAILURES, DEGENERATE_PLANS, INJECTIONS, FUZZ_VALUES)
are the source of docs/robustness.md: `python tools/robustness_doc.py` renders them, and
`test_the_robustness_doc_is_up_to_date` fails when the committed doc no longer matches.

Hostile files are read in a forked child with an address-space limit and an alarm: a reader that tried to build a
17-billion-cell grid or to read /dev/zero to the end would kill only the child, and the test would say so.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import io
import math
import os
import pickle
import re
import resource
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import traceback
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import libreoffice
import openpyxl
import pandas as pd
import pytest
from builders import month, tiny_inputs
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook
from test_changes import small_pack

from sop_workbook import schema
from sop_workbook.analysis import plan
from sop_workbook.cli import main
from sop_workbook.errors import ERROR, WARNING, OutputError
from sop_workbook.inputs import Cycle, build_inputs
from sop_workbook.output import xlsx_text
from sop_workbook.reader import MAX_PART_BYTES, read
from sop_workbook.templates import write_filled
from sop_workbook.workbook import write_pack
from sop_workbook.workbook import writer as pack_writer

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "robustness.md"
NOBODY = 65534


# ----------------------------------------------------------------------------------------------------------------
# A small valid company, written once


def small_company(**overrides):
    """Two SKUs, two customers, one line, a material, a subcontractor, an order: every sheet has a row."""
    arguments = dict(
        forecast={("A", "North"): [10, 20, 30], ("B", "South"): [5, 5, 5]},
        prices={("A", ""): 100, ("B", ""): 80},
        resources={"Line": (10, 20)},
        capacity={"Line": [100, 100, 100]},
        overtime={"Line": [10, 10, 10]},
        routings={("A", "Line"): 1.0, ("B", "Line"): 2.0},
        costs={"A": {"material": 5}, "B": {"material": 4, "unmet": "Backlog", "backlog": 1}},
        inventory={"A": {"opening": 5}, "B": {"opening": 0}},
        subcontract={("A", "Sub"): (50, [5, 5, 5])},
        materials={"M": [1000, 1000, 1000]},
        bom={("A", "M"): 1},
        commitments=[("PO1", "North", "A", 5, month(1), "Confirmed")],
    )
    arguments.update(overrides)
    return tiny_inputs(**arguments)


@pytest.fixture(scope="module")
def clean_pair(tmp_path_factory):
    """The small company's two templates, written once; copy them before changing them."""
    return write_filled(tmp_path_factory.mktemp("clean"), small_company())


@pytest.fixture
def pair(clean_pair, tmp_path):
    """Fresh copies of the clean templates in this test's folder."""
    return tuple(Path(shutil.copy(path, tmp_path / path.name)) for path in clean_pair)


def _sheet_part(path: Path, sheet: str) -> str:
    with zipfile.ZipFile(path) as archive:
        rels = archive.read("xl/_rels/workbook.xml.rels").decode()
        workbook = archive.read("xl/workbook.xml").decode()
    rid = re.search(rf'<sheet name="{re.escape(sheet)}"[^>]*r:id="(\w+)"', workbook).group(1)
    target = re.search(rf'Target="/?(?:xl/)?([^"]+)" Id="{rid}"|Id="{rid}"[^>]*Target="/?(?:xl/)?([^"]+)"', rels)
    return "xl/" + (target.group(1) or target.group(2))


def _rewrite(source: Path, target: Path, parts: dict[str, bytes], drop: tuple[str, ...] = ()) -> Path:
    """Copy an .xlsx, replacing (or adding) the given parts."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in original.infolist():
            if info.filename not in drop:
                copy.writestr(info.filename, parts.get(info.filename, original.read(info.filename)))
        for name, data in parts.items():
            if name not in original.namelist():
                copy.writestr(name, data)
    return target


# ----------------------------------------------------------------------------------------------------------------
# Running a reader or the CLI in a child process, bounded


def _virtual_memory() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _fork_baseline_kb() -> int:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    return os.wait4(pid, 0)[2].ru_maxrss


@dataclass
class ChildRun:
    """What a function run in a forked child gave: its result (or the traceback), time and extra memory."""

    result: object
    error: str
    seconds: float
    megabytes: float
    signal: int


def in_child(function: Callable, *args, megabytes: int = 1500, seconds: int = 60, user: int | None = None):
    """Run function(*args) in a forked child with an address-space limit and an alarm.

    Args:
        function: Called in the child; its result must pickle.
        megabytes: Address space the child may add to what it inherits.
        seconds: The child is killed by SIGALRM after this long.
        user: Run as this user id (to meet permissions as a non-root user would).

    Returns:
        A ChildRun; `signal` is non-zero when the child was killed (memory exhausted, alarm).
    """
    baseline = _fork_baseline_kb()
    limit = _virtual_memory() + megabytes * 2**20
    read_end, write_end = os.pipe()
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        os.close(read_end)
        try:
            signal.alarm(seconds)
            if user is not None:
                os.setgid(user)
                os.setuid(user)
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            payload = pickle.dumps((function(*args), ""))
        except BaseException:
            payload = pickle.dumps((None, traceback.format_exc()))
        with os.fdopen(write_end, "wb") as out:
            out.write(payload)
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as incoming:
        data = incoming.read()
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - started
    result, error = pickle.loads(data) if data else (None, "the child died without an answer")
    return ChildRun(
        result,
        error,
        elapsed,
        max(usage.ru_maxrss - baseline, 0) / 1024,
        os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0,
    )


def _findings(demand, capacity):
    return read(demand, capacity).findings


# ----------------------------------------------------------------------------------------------------------------
# Hostile files


def deflate_repeated(head: bytes, chunk: bytes, count: int, tail: bytes) -> bytes:
    """A raw deflate stream of head + chunk * count + tail, built in the time it takes to compress chunk once.

    Each piece ends on a full flush (byte-aligned, no back-references across it), so the compressed chunk can be
    repeated as it is: this is how a zip bomb of gigabytes is made from a few megabytes.
    """
    pieces = []
    for data, last in ((head, False), (chunk, False), (tail, True)):
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        pieces.append(compressor.compress(data) + compressor.flush(zlib.Z_FINISH if last else zlib.Z_FULL_FLUSH))
    return pieces[0] + pieces[1] * count + pieces[2]


def write_zip(path: Path, members: list[tuple[str, bytes, int, int]]) -> Path:
    """Write a zip of already-deflated members: (name, raw deflate data, uncompressed size, CRC-32)."""
    local, central = io.BytesIO(), io.BytesIO()
    for name, data, size, crc in members:
        encoded = name.encode()
        offset = local.tell()
        local.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), size, len(encoded), 0))
        local.write(encoded + data)
        central.write(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0,
                8,
                0,
                0x21,
                crc,
                len(data),
                size,
                len(encoded),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + encoded
        )
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), central.tell(), local.tell(), 0)
    path.write_bytes(local.getvalue() + central.getvalue() + end)
    return path


BOMB_ROW = b"<row><c><v>1</v></c></row>"
BOMB_HEAD = (
    b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
BOMB_TAIL = b"</sheetData></worksheet>"


def zip_bomb(clean: Path, target: Path, sheet: str = "Forecast", gigabytes: float = 3.0, check: bool = False):
    """The clean template with one sheet replaced by rows of cells that inflate to `gigabytes` (below 4 GiB).

    With `check`, the CRC is computed too (slow for gigabytes; used to prove the construction on a small bomb).
    """
    part = _sheet_part(clean, sheet)
    head, tail = BOMB_HEAD, BOMB_TAIL
    chunk = BOMB_ROW * (2**20 // len(BOMB_ROW))
    count = int(gigabytes * 2**30 / len(chunk))
    members = []
    with zipfile.ZipFile(clean) as original:
        for info in original.infolist():
            if info.filename == part:
                size = len(head) + len(chunk) * count + len(tail)
                crc = 0
                if check:
                    crc = zlib.crc32(head)
                    for _ in range(count):
                        crc = zlib.crc32(chunk, crc)
                    crc = zlib.crc32(tail, crc)
                members.append((part, deflate_repeated(head, chunk, count, tail), size, crc))
            else:
                data = original.read(info.filename)
                compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
                members.append(
                    (info.filename, compressor.compress(data) + compressor.flush(), len(data), zlib.crc32(data))
                )
    return write_zip(target, members)


def lying_zip_bomb(clean: Path, target: Path, gigabytes: float = 1.0) -> Path:
    """A zip bomb whose directory declares only its first 64 KB (with their CRC): its sizes cannot warn."""
    part = _sheet_part(clean, "Forecast")
    chunk = BOMB_ROW * (2**20 // len(BOMB_ROW))
    declared = (BOMB_HEAD + chunk)[:65536]
    members = []
    with zipfile.ZipFile(clean) as original:
        for info in original.infolist():
            data = original.read(info.filename)
            compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
            members.append((info.filename, compressor.compress(data) + compressor.flush(), len(data), zlib.crc32(data)))
    members = [
        (
            part,
            deflate_repeated(BOMB_HEAD, chunk, int(gigabytes * 2**30 / len(chunk)), BOMB_TAIL),
            len(declared),
            zlib.crc32(declared),
        )
        if name == part
        else (name, data, size, crc)
        for name, data, size, crc in members
    ]
    return write_zip(target, members)


LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
    + "]>"
)


def _billion_laughs_sheet(clean: Path, target: Path) -> Path:
    part = _sheet_part(clean, "Products")
    with zipfile.ZipFile(clean) as archive:
        xml = archive.read(part).decode()
    xml = LAUGHS + xml.replace("<t>A</t>", "<t>&lol9;</t>", 1)
    return _rewrite(clean, target, {part: xml.encode()})


def _billion_laughs_shared_strings(clean: Path, target: Path) -> Path:
    with zipfile.ZipFile(clean) as archive:
        rels = archive.read("xl/_rels/workbook.xml.rels").decode()
        types = archive.read("[Content_Types].xml").decode()
    rels = rels.replace(
        "</Relationships>",
        '<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>",
    )
    types = types.replace(
        "</Types>",
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    strings = (
        f'<?xml version="1.0"?>{LAUGHS}<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
        f'main" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>'
    )
    return _rewrite(
        clean,
        target,
        {
            "xl/_rels/workbook.xml.rels": rels.encode(),
            "[Content_Types].xml": types.encode(),
            "xl/sharedStrings.xml": strings.encode(),
        },
    )


def _external_entity(clean: Path, target: Path) -> Path:
    part = _sheet_part(clean, "Products")
    with zipfile.ZipFile(clean) as archive:
        xml = archive.read(part).decode()
    xml = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' + xml.replace("<t>A</t>", "<t>&xxe;</t>", 1)
    return _rewrite(clean, target, {part: xml.encode()})


def _ole(marker: str) -> bytes:
    # An OLE compound file starts with this signature; Excel wraps an encrypted workbook in one, with a stream
    # named EncryptionInfo; a legacy .xls has a stream named Workbook.
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + marker.encode("utf-16-le") + bytes(3000)


def _with_sheet_xml(clean: Path, target: Path, sheet: str, change: Callable[[str], str]) -> Path:
    part = _sheet_part(clean, sheet)
    with zipfile.ZipFile(clean) as archive:
        xml = archive.read(part).decode()
    return _rewrite(clean, target, {part: change(xml).encode()})


def _far_cell(reference: str) -> Callable[[str], str]:
    row = re.sub(r"[A-Z]", "", reference)
    return lambda xml: xml.replace("</sheetData>", f'<row r="{row}"><c r="{reference}"><v>1</v></c></row></sheetData>')


def _far_cell_written(row: str, cell: str) -> Callable[[str], str]:
    """One value in XFD1048576, its row and cell elements written as given: forms calamine reads that the usual
    writers never write."""
    return lambda xml: xml.replace("</sheetData>", f"{row}{cell}<v>1</v></c></row></sheetData>")


def _million_formatted_rows(xml: str) -> str:
    # Formatting applied to a million empty rows, as Excel writes it, down to a formatted empty cell in Z1000000.
    rows = "".join(f'<row r="{n}" s="3" customFormat="1"/>' for n in range(300, 1_000_000))
    xml = re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:Z1000000"', xml)
    return xml.replace("</sheetData>", rows + '<row r="1000000"><c r="Z1000000" s="3"/></row></sheetData>')


def _extra_sheets(clean: Path, target: Path) -> Path:
    workbook = openpyxl.load_workbook(clean)
    for i in range(200):
        workbook.create_sheet(f"Notes {i + 1}")["A1"] = "a note"
    workbook.save(target)
    return target


def _with_macros(clean: Path, target: Path) -> Path:
    return _rewrite(clean, target, {"xl/vbaProject.bin": _ole("VBA") + b"Sub AutoOpen()"})


def _sparse(size: int) -> Callable[[Path, Path], Path]:
    def build(clean: Path, target: Path) -> Path:
        with open(target, "wb") as file:
            file.truncate(size)  # sparse: costs no disk
        return target

    return build


def _socket(clean: Path, target: Path) -> Path:
    # A path the reader can stat but not open, even as root.
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(target))
    server.close()
    return target


@dataclass(frozen=True)
class Hostile:
    """One bad file given as the demand template, and the response the reader must give.

    Attributes:
        id: The test id.
        given: What the file is, for the doc.
        response: A part of the one error's message; "" when the file must be read without errors.
        build: (clean demand.xlsx, target path) → the path to read.
        name: The file's name.
        sheet: The sheet the error names ("" for the whole file).
        seconds: Bound on the read's time.
        megabytes: Bound on the memory the read may add.
        warnings: The number of warnings expected from this file (None: not checked).
    """

    id: str
    given: str
    response: str
    build: Callable[[Path, Path], Path]
    name: str = "demand.xlsx"
    sheet: str = ""
    seconds: float = 10.0
    megabytes: int = 300
    warnings: int | None = 0


HOSTILE_FILES = [
    Hostile(
        "zip-bomb",
        "a sheet that inflates from 3 MB to 3 GB (a zip bomb)",
        "it may be a 'zip bomb'",
        lambda clean, target: zip_bomb(clean, target),
    ),
    Hostile(
        "lying-zip-bomb",
        "a zip bomb whose directory declares 64 KB for a sheet that inflates to 1 GB",
        "holds more than the 65,536 bytes its directory declares",
        lying_zip_bomb,
    ),
    Hostile(
        "billion-laughs-sheet",
        "entity expansion ('billion laughs') in a sheet's XML",
        "'billion laughs'",
        _billion_laughs_sheet,
    ),
    Hostile(
        "billion-laughs-shared-strings",
        "entity expansion in the shared strings part",
        "'billion laughs'",
        _billion_laughs_shared_strings,
    ),
    Hostile(
        "external-entity",
        "an external entity (XXE) naming /etc/passwd in a sheet",
        "document type declaration",
        _external_entity,
    ),
    Hostile(
        "far-cell",
        "one value in XFD1048576 (calamine would need a grid of 17 billion cells)",
        "more than the 10,000,000 a template may use",
        lambda c, t: _with_sheet_xml(c, t, "Products", _far_cell("XFD1048576")),
        sheet="Products",
    ),
    Hostile(
        "tall-cell",
        "one value in Z1000000 (26 million cells)",
        "more than the 10,000,000 a template may use",
        lambda c, t: _with_sheet_xml(c, t, "Forecast", _far_cell("Z1000000")),
        sheet="Forecast",
    ),
    Hostile(
        "far-cell-newline",
        "one value in XFD1048576, a newline between the element's name and its reference",
        "more than the 10,000,000 a template may use",
        lambda c, t: _with_sheet_xml(c, t, "Products", _far_cell_written('<row\nr="1048576">', '<c\nr="XFD1048576">')),
        sheet="Products",
    ),
    Hostile(
        "far-cell-second-reference",
        "one value whose cell names A2 first and XFD1048576 second (calamine takes the last)",
        "more than the 10,000,000 a template may use",
        lambda c, t: _with_sheet_xml(c, t, "Products", _far_cell_written('<row r="2">', '<c r="A2" r="XFD1048576">')),
        sheet="Products",
    ),
    Hostile(
        "far-cell-lower-case",
        "one value in xfd1048576, in lower case and single quotes",
        "more than the 10,000,000 a template may use",
        lambda c, t: _with_sheet_xml(c, t, "Products", _far_cell_written("<row r='7'>", "<c r='xfd1048576'>")),
        sheet="Products",
    ),
    Hostile(
        "far-cell-letters-only",
        "one value in column ZZZZZZZ, letters without a row (8 billion columns to calamine)",
        "more than the 10,000,000 a template may use",
        lambda c, t: _with_sheet_xml(c, t, "Products", _far_cell_written('<row r="7">', '<c r="ZZZZZZZ">')),
        sheet="Products",
    ),
    Hostile(
        "million-formatted-rows",
        "a million formatted empty rows, dimension A1:Z1000000",
        "",
        lambda c, t: _with_sheet_xml(c, t, "Products", _million_formatted_rows),
        seconds=30,
        megabytes=600,
    ),
    Hostile(
        "huge-dimension",
        "a dimension claiming A1:XFD1048576 over a few cells",
        "",
        lambda c, t: _with_sheet_xml(
            c, t, "Products", lambda xml: re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:XFD1048576"', xml)
        ),
    ),
    Hostile("extra-sheets", "200 extra sheets", "", _extra_sheets, warnings=200),
    Hostile(
        "encrypted",
        "a password-protected workbook (an OLE file with EncryptionInfo)",
        "is password-protected",
        lambda c, t: t.write_bytes(_ole("EncryptionInfo")) and t,
    ),
    Hostile(
        "legacy-xls",
        "an Excel 97-2003 .xls",
        "old Excel 97-2003 workbook (.xls)",
        lambda c, t: t.write_bytes(_ole("Workbook")) and t,
        name="demand.xls",
    ),
    Hostile(
        "xlsm",
        "a macro-enabled .xlsm (macros never run)",
        "macro-enabled workbook (.xlsm)",
        _with_macros,
        name="demand.xlsm",
    ),
    Hostile("xlsm-renamed", "an .xlsm with macros renamed to .xlsx", "contains macros", _with_macros),
    Hostile("empty", "an empty file", "is empty", lambda c, t: t.write_bytes(b"") or t),
    Hostile(
        "truncated",
        "a file cut to 60% of its bytes",
        "damaged or incomplete",
        lambda c, t: t.write_bytes(c.read_bytes()[: len(c.read_bytes()) * 6 // 10]) and t,
    ),
    Hostile(
        "csv",
        "a CSV renamed .xlsx",
        "perhaps a CSV or text file renamed",
        lambda c, t: t.write_bytes(b"SKU,Customer,Jan-27\nA,North,10\n") and t,
    ),
    Hostile("pdf", "a PDF renamed .xlsx", "is a PDF", lambda c, t: t.write_bytes(b"%PDF-1.7\n%\xe2\xe3\n") and t),
    Hostile(
        "ods",
        "an OpenDocument spreadsheet renamed .xlsx",
        "OpenDocument spreadsheet (.ods)",
        lambda c, t: _rewrite(c, t, {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}),
    ),
    Hostile(
        "other-zip",
        "a zip that is not a workbook",
        "zip file but not an Excel workbook",
        lambda c, t: _rewrite(c, t, {}, drop=("xl/workbook.xml",)),
    ),
    Hostile("too-big", "a 600 MB file", "more than the 512 MB a template may be", _sparse(600 * 2**20)),
    Hostile("directory", "a folder", "is a folder, not a file", lambda c, t: t.mkdir() or t),
    Hostile("missing", "a path that does not exist", "was not found", lambda c, t: t),
    Hostile("device", "/dev/zero (never ends)", "not a regular file", lambda c, t: Path("/dev/zero"), name="zero"),
    Hostile("fifo", "a named pipe (a read would wait for ever)", "not a regular file", lambda c, t: os.mkfifo(t) or t),
    Hostile("socket", "a socket (cannot be opened, even by root)", "not a regular file", _socket),
]


@pytest.mark.parametrize("case", HOSTILE_FILES, ids=[case.id for case in HOSTILE_FILES])
def test_a_hostile_file_gives_one_clear_finding_in_bounded_time_and_memory(case, pair, tmp_path):
    clean_demand, capacity = pair
    folder = tmp_path / "hostile"
    folder.mkdir()
    path = case.build(clean_demand, folder / case.name)
    run = in_child(_findings, path, capacity, megabytes=case.megabytes + 500, seconds=int(case.seconds * 3))
    assert run.signal == 0 and not run.error, f"the reader did not return: signal {run.signal}\n{run.error}"
    mine = [f for f in run.result if f.file == path.name]
    errors = [f for f in mine if f.severity == ERROR]
    if case.response:
        assert len(errors) == 1, errors
        assert case.response in errors[0].message
        assert errors[0].sheet == case.sheet
        # A clear finding says what to do as well as what is wrong.
        assert re.search(
            r"\b(save|give|delete|remove|check|use|open|rename|copy|close)\b", errors[0].message, re.IGNORECASE
        ), errors[0]
    else:
        assert errors == []
    if case.warnings is not None and not case.response:
        assert len([f for f in mine if f.severity == WARNING]) == case.warnings
    assert run.seconds < case.seconds, f"{run.seconds:.1f} s"
    assert run.megabytes < case.megabytes, f"{run.megabytes:.0f} MB"


def test_the_zip_bomb_is_what_it_claims():
    """A small bomb made the same way inflates to exactly what its directory says (so the big one does too)."""
    with tempfile.TemporaryDirectory() as folder:
        clean = write_filled(folder, small_company())[0]
        bomb = zip_bomb(clean, Path(folder) / "bomb.xlsx", gigabytes=0.01, check=True)
        with zipfile.ZipFile(bomb) as archive:
            info = archive.getinfo(_sheet_part(clean, "Forecast"))
            data = archive.read(info)  # checks the CRC too
        assert len(data) == info.file_size > 10_000_000
        assert data.startswith(BOMB_HEAD) and data.endswith(BOMB_TAIL)
        assert data.count(BOMB_ROW) * len(BOMB_ROW) == len(data) - len(BOMB_HEAD) - len(BOMB_TAIL)
        big = zip_bomb(clean, Path(folder) / "big.xlsx")
        with zipfile.ZipFile(big) as archive:
            sizes = {info.filename: info.file_size for info in archive.infolist()}
        assert max(sizes.values()) > 3 * 2**30 - 2**20 > MAX_PART_BYTES
        assert big.stat().st_size < 10 * 2**20


def test_an_unreadable_file_is_one_finding_for_a_user_without_permission(pair):
    """chmod 000 stops everyone but root: the reader runs as 'nobody' in a child to meet it as a planner would."""
    folder = Path(tempfile.mkdtemp())
    try:
        folder.chmod(0o755)
        demand = Path(shutil.copy(pair[0], folder / "demand.xlsx"))
        capacity = Path(shutil.copy(pair[1], folder / "capacity.xlsx"))
        capacity.chmod(0o644)
        demand.chmod(0o000)
        run = in_child(_findings, demand, capacity, user=NOBODY)
    finally:
        shutil.rmtree(folder)
    if "Operation not permitted" in run.error:
        pytest.skip("this system does not let root become another user")
    assert run.signal == 0 and not run.error, run.error
    errors = [f for f in run.result if f.file == "demand.xlsx" and f.severity == ERROR]
    assert [f.message for f in errors] == [
        "demand.xlsx cannot be read (Permission denied); close it in Excel or check its permissions"
    ]


def test_validate_annotate_does_not_open_a_file_the_reader_refused(pair, tmp_path, monkeypatch):
    opened = []
    monkeypatch.setattr("sop_workbook.annotate.load_workbook", lambda path, **kw: opened.append(Path(path).name))
    bomb = zip_bomb(pair[0], tmp_path / "bomb.xlsx")
    result = CliRunner().invoke(main, ["validate", str(bomb), str(pair[1]), "--annotate", str(tmp_path / "out")])
    assert result.exit_code == 1 and "zip bomb" in result.output
    assert "bomb.xlsx" not in opened


EXTENTS = [
    # (sheet XML, the last row and column of the grid calamine would build, as `sheet_extent` bounds it)
    ('<dimension ref="A1:F3"/><sheetData><row r="1"><c r="A1"><v>1</v></c><c r="F3"><v>1</v></c></row>', (3, 6)),
    # Self-closing cells hold nothing: calamine leaves them out, beyond the dimension or not.
    (
        '<dimension ref="A1:BK5"/><sheetData><row r="1"><c r="BK1"><v>1</v></c><c r="BL2"><v>1</v></c><c r="CA3"/>'
        '<c r="AZ9"/></row>',
        (5, 64),
    ),
    (
        '<dimension ref="A1:F200000"/><sheetData><row r="200000"><c r="A200000"><v>1</v></c><c r="B900000"><v>1</v>'
        "</c></row>",
        (900_000, 6),
    ),
    ('<dimension ref="A1:Z9"/><sheetData><row r="9"><c r="Z9"><v>1</v></c><c r="Z10"/><c r="Y8"/></row>', (9, 26)),
    ('<dimension ref="A1:XFD1048576"/><sheetData><row r="2"><c r="C2"><v>1</v></c></row>', (2, 3)),
    # Cells without references are placed after the previous one, and a row without one after the previous row.
    ('<sheetData><row r="300"><c><v>1</v></c><c t="n"><v>0</v></c></row><row><c><v>2</v></c></row>', (301, 2)),
    ('<sheetData><row r = "7"><c s="1" r="D7"><v>1</v></c></row>', (7, 4)),
    ('<dimension ref="A1:B2"/><sheetData><row r="2"><c r="XFD2"><v>1</v></c><c><v>1</v></c></row>', (2, 16385)),
    # Formatted empty rows and cells do not count once the dimension is too big to trust.
    (
        '<dimension ref="A1:Z1000000"/><sheetData><row r="1"><c r="B1"><v>1</v></c></row>'
        + '<row r="999999" s="3" customFormat="1"/><row r="1000000"><c r="Z1000000" s="3"/></row>',
        (1, 2),
    ),
    # References calamine reads that the usual writers never write: each found, not one slips past.
    ('<dimension ref="A1:B2"/><sheetData><row\nr="50"><c\nr="H50"><v>2</v></c></row>', (50, 8)),
    ('<dimension ref="A1:B2"/><sheetData><row r="3"><c r="A3" r="H40"><v>2</v></c></row>', (40, 8)),
    ('<dimension ref="A1:B2"/><sheetData><row r="3"><c r="h40"><v>2</v></c></row>', (40, 8)),
    ("<dimension ref='A1:B2'/><sheetData><row r='3'><c r='H40'><v>2</v></c></row>", (40, 8)),
    ('<dimension ref="A1:B2"/><sheetData><row r="3"><x:c r="H40" xmlns:x="u"><v>1</v></x:c></row>', (40, 8)),
    ('<dimension ref="A1:B2"/><sheetData><row r="3"><c r="H40" t="n" s="0" x="a/b&gt;"><v>1</v></c></row>', (40, 8)),
    ('<dimension ref="A1:B2"/><sheetData><row r="3"><c r="AAAA3"><v>2</v></c></row>', (3, 18279)),
    # Letters alone are a column of the first row to calamine: seven of them would be billions of columns.
    ('<dimension ref="A1:B2"/><sheetData><row r="3"><c r="ZZZZZZZ"><v>2</v></c></row>', (2, 8353082582)),
]


@pytest.mark.parametrize("xml, extent", EXTENTS)
def test_the_sheet_extent_bounds_what_calamine_would_build(xml, extent, tmp_path):
    from python_calamine import CalamineWorkbook

    from sop_workbook.archive import sheet_extent

    sheet = (
        f'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{xml}</sheetData></worksheet>'
    )
    assert sheet_extent(sheet.encode()) == extent
    if extent[0] * extent[1] <= 100_000:  # small enough for calamine to build: the bound holds
        workbook = openpyxl.Workbook()
        workbook.active.title = "Sheet"
        workbook.save(tmp_path / "plain.xlsx")
        target = _rewrite(
            tmp_path / "plain.xlsx", tmp_path / "extent.xlsx", {"xl/worksheets/sheet1.xml": sheet.encode()}
        )
        grid = CalamineWorkbook.from_path(str(target)).get_sheet_by_name("Sheet").to_python(skip_empty_area=False)
        assert len(grid) <= extent[0] and max(map(len, grid), default=0) <= extent[1]


def test_a_sheet_that_is_not_well_formed_xml_has_no_extent():
    from sop_workbook.archive import sheet_extent

    # Unusual (a cell without its reference first), so walked by a parser: it stops at the broken element, or at a
    # reference calamine would refuse too.
    assert sheet_extent(b'<worksheet><sheetData><row><c t="n"><v>1</v></row></sheetData></worksheet>') is None
    assert (
        sheet_extent(b'<worksheet><sheetData><row><c s="0" r="A$1"><v>1</v></c></row></sheetData></worksheet>') is None
    )


def test_openpyxl_parses_xml_through_defusedxml():
    # The annotator and the tests read workbooks with openpyxl; defusedxml refuses entity expansion there.
    assert openpyxl.DEFUSEDXML is True


# ----------------------------------------------------------------------------------------------------------------
# Fuzzing: random values in random cells of valid templates


FUZZ_VALUES = {
    "text": st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=30),
    "negative": st.floats(max_value=-1e-9, allow_nan=False, allow_infinity=False),
    "huge": st.sampled_from([1e15, 1e300, -1e300, 2**63, 10**20, 1.7976931348623157e308]),
    "tiny": st.sampled_from([1e-300, 5e-324, -1e-12]),
    "non-finite": st.sampled_from([math.nan, math.inf, -math.inf]),
    "integer": st.integers(min_value=-(10**6), max_value=10**6),
    "date as text": st.sampled_from(["2027-01-01", "Jan-27", "31/02/2027", "2027-13", "1/1/1900", "00-Jan-00"]),
    "number as text": st.sampled_from(["1,200", " 35 ", "1.200,5", "12e3", "−5", "١٢٣", "1 000", "TBD", ""]),
    "formula": st.sampled_from(["=1/0", "=SUM(A1:A3)", "=NA()", '=HYPERLINK("http://x","y")', "=A1", "=B2*2"]),
    "date": st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(9999, 12, 31)),
    "boolean": st.booleans(),
    "blank": st.none(),
    "unicode": st.sampled_from(["Ünïcødé", "客户", "🙂🙃", "\u200b", "\u00a0", "עברית", "a\u0301"]),
    "very long": st.builds(lambda c, n: c * n, st.sampled_from(["x", "é", "9"]), st.integers(1000, 32767)),
}


class _Editable:
    """A template loaded once with openpyxl; edits are applied, saved to a path, then undone."""

    def __init__(self, path: Path):
        self.path = path
        self.workbook = openpyxl.load_workbook(path)

    def save_with(self, edits: list, target: Path) -> dict[str, tuple[int, int]]:
        old = []
        for sheet_index, row, column, value in edits:
            ws = self.workbook.worksheets[sheet_index % len(self.workbook.worksheets)]
            cell = ws.cell(row=min(row, ws.max_row + 2), column=min(column, ws.max_column + 1))
            old.append((cell, cell.value))
            cell.value = value
        sizes = {ws.title: (ws.max_row, ws.max_column) for ws in self.workbook.worksheets}
        try:
            self.workbook.save(target)
        finally:
            for cell, value in reversed(old):
                cell.value = value
        return sizes


@pytest.fixture(scope="module")
def editable(tmp_path_factory):
    demand, capacity = write_filled(tmp_path_factory.mktemp("fuzz"), small_company())
    return _Editable(demand), _Editable(capacity)


_EDIT = st.tuples(
    st.integers(0, 20),
    st.one_of(st.integers(1, 6), st.integers(1, 210)),
    st.one_of(st.integers(1, 8), st.integers(1, 40)),
    st.one_of(*FUZZ_VALUES.values()),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(which=st.integers(0, 1), edits=st.lists(_EDIT, min_size=1, max_size=8))
def test_random_values_anywhere_give_findings_never_an_exception(editable, which, edits):
    with tempfile.TemporaryDirectory() as folder:
        paths = [Path(folder) / "demand.xlsx", Path(folder) / "capacity.xlsx"]
        shutil.copy(editable[1 - which].path, paths[1 - which])
        sizes = editable[which].save_with(edits, paths[which])
        other = {
            ws.title: (ws.max_row, ws.max_column) for ws in openpyxl.load_workbook(paths[1 - which], read_only=True)
        }
        inputs = read(*paths)
    sheets = {paths[which].name: sizes, paths[1 - which].name: other}
    for finding in inputs.findings:
        assert finding.file in sheets
        if finding.sheet:
            assert finding.sheet in sheets[finding.file], finding
        if finding.cell:
            assert finding.sheet, finding
            match = re.fullmatch(r"([A-Z]{1,3})(\d+)", finding.cell)
            assert match, finding
            rows, columns = sheets[finding.file][finding.sheet]
            column = openpyxl.utils.column_index_from_string(match.group(1))
            assert int(match.group(2)) <= rows + 1 and column <= columns + 1, (finding, rows, columns)
            assert finding.row == int(match.group(2)), finding


# ----------------------------------------------------------------------------------------------------------------
# Nothing lost: atomic output, untouched inputs


def _results():
    return plan(small_company())


@pytest.fixture(scope="module")
def results():
    return _results()


class _FailingZip(zipfile.ZipFile):
    """The ZipFile xlsxwriter writes the pack with, failing after some parts are on disk: a crash half way through
    the file."""

    failure: BaseException = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    calls = 0

    def write(self, *args, **kwargs):
        type(self).calls += 1
        if type(self).calls > 3:
            raise self.failure
        return super().write(*args, **kwargs)

    def writestr(self, *args, **kwargs):
        type(self).calls += 1
        if type(self).calls > 3:
            raise self.failure
        return super().writestr(*args, **kwargs)


def _fail_in_sheet(failure):
    def write(pack, ws):
        ws.write_string(0, 0, "half a sheet")
        raise failure

    return write


@dataclass(frozen=True)
class MidWrite:
    """A failure while the meeting pack is being written.

    Attributes:
        id: The test id.
        given: What fails, for the doc.
        failure: The exception raised.
        where: "zip" (inside xlsxwriter's file writing, after some parts are on disk) or "sheet" (in a sheet writer).
        response: "OutputError: ..." text expected, or the exception that must pass through unchanged.
    """

    id: str
    given: str
    failure: BaseException
    where: str
    response: str


MID_WRITE_FAILURES = [
    MidWrite(
        "disk-full-while-zipping",
        "the disk fills up (ENOSPC) while the .xlsx is being zipped",
        OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)),
        "zip",
        "cannot be written: No space left on device",
    ),
    MidWrite(
        "interrupt-while-zipping",
        "Ctrl-C (KeyboardInterrupt) while the .xlsx is being zipped",
        KeyboardInterrupt(),
        "zip",
        "KeyboardInterrupt passes through",
    ),
    MidWrite(
        "disk-full-in-a-sheet",
        "ENOSPC raised while a sheet is written",
        OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)),
        "sheet",
        "cannot be written: No space left on device",
    ),
    MidWrite(
        "interrupt-in-a-sheet",
        "Ctrl-C while a sheet is written",
        KeyboardInterrupt(),
        "sheet",
        "KeyboardInterrupt passes through",
    ),
]


@pytest.mark.parametrize("case", MID_WRITE_FAILURES, ids=[case.id for case in MID_WRITE_FAILURES])
def test_a_failure_mid_write_leaves_the_previous_pack_untouched_and_no_partial_file(
    case, results, tmp_path, monkeypatch
):
    target = tmp_path / "pack.xlsx"
    target.write_bytes(b"last month's pack")
    if case.where == "zip":
        monkeypatch.setattr(_FailingZip, "calls", 0)
        monkeypatch.setattr(_FailingZip, "failure", case.failure)
        monkeypatch.setattr("xlsxwriter.workbook.ZipFile", _FailingZip)
    else:
        sheets = tuple(
            (name, _fail_in_sheet(case.failure) if name == "Inputs" else write) for name, write in pack_writer.SHEETS
        )
        monkeypatch.setattr(pack_writer, "SHEETS", sheets)
    if isinstance(case.failure, KeyboardInterrupt):
        with pytest.raises(KeyboardInterrupt):
            write_pack(results, target, force=True)
    else:
        with pytest.raises(OutputError, match=case.response):
            write_pack(results, target, force=True)
    assert target.read_bytes() == b"last month's pack"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pack.xlsx"]


def test_disk_full_through_the_cli_is_exit_1_with_a_message_and_no_traceback(pair, tmp_path, monkeypatch):
    monkeypatch.setattr(_FailingZip, "calls", 0)
    monkeypatch.setattr("xlsxwriter.workbook.ZipFile", _FailingZip)
    output = tmp_path / "out"
    output.mkdir()
    result = CliRunner().invoke(main, ["reconcile", str(pair[0]), str(pair[1]), "-o", str(output / "pack.xlsx")])
    assert result.exit_code == 1
    assert "pack.xlsx: cannot be written: No space left on device" in result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    assert list(output.iterdir()) == []


def _digest(paths) -> list[tuple[str, float]]:
    return [(hashlib.sha256(Path(p).read_bytes()).hexdigest(), Path(p).stat().st_mtime_ns) for p in paths]


def test_the_inputs_are_never_modified(pair, tmp_path):
    before = _digest(pair)
    result = CliRunner().invoke(
        main,
        [
            "reconcile",
            str(pair[0]),
            str(pair[1]),
            "-o",
            str(tmp_path / "pack.xlsx"),
            "--plan-data",
            str(tmp_path / "plan.csv"),
        ],
    )
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(main, ["validate", str(pair[0]), str(pair[1]), "--annotate", str(tmp_path / "a")])
    assert result.exit_code == 0, result.output
    assert _digest(pair) == before
    assert (tmp_path / "pack.xlsx").stat().st_size > 0


@dataclass(frozen=True)
class Target:
    """An output path that cannot take the pack.

    Attributes:
        id: The test id.
        given: What the output path is, for the doc.
        build: tmp folder → the -o path.
        response: A part of the message the CLI prints.
        user: Run as this user (a read-only folder stops everyone but root).
        exit_code: 1 when the library refuses, 2 when click's argument check does.
    """

    id: str
    given: str
    build: Callable[[Path], Path]
    response: str
    user: int | None = None
    exit_code: int = 1


def _read_only_folder(folder: Path) -> Path:
    target = folder / "locked"
    target.mkdir()
    target.chmod(0o555)
    return target / "pack.xlsx"


def _existing_pack(folder: Path) -> Path:
    (folder / "pack.xlsx").write_bytes(b"last month")
    return folder / "pack.xlsx"


OUTPUT_TARGETS = [
    Target(
        "missing-folder",
        "-o into a folder that does not exist",
        lambda f: f / "nowhere" / "pack.xlsx",
        "does not exist; create it first",
    ),
    Target(
        "read-only-folder",
        "-o into a read-only folder (as a user who cannot write there)",
        _read_only_folder,
        "is read-only; choose a folder you can write to",
        user=NOBODY,
    ),
    Target(
        "folder",
        "-o naming an existing folder",
        lambda f: (f / "pack.xlsx").mkdir() or f / "pack.xlsx",
        "is a directory",
        exit_code=2,
    ),
    Target(
        "exists",
        "-o naming an existing file, without --force",
        _existing_pack,
        "exists already; choose another name or pass --force",
    ),
]


def _invoke(arguments: list[str]):
    result = CliRunner().invoke(main, arguments)
    return result.exit_code, result.output, result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("case", OUTPUT_TARGETS, ids=[case.id for case in OUTPUT_TARGETS])
def test_an_output_that_cannot_be_written_is_an_exit_code_with_a_clear_message(case, clean_pair, results):
    # A folder any user can read: the read-only case runs as 'nobody' in a forked child.
    folder = Path(tempfile.mkdtemp())
    try:
        folder.chmod(0o755)
        demand, capacity = (Path(shutil.copy(path, folder / path.name)) for path in clean_pair)
        # A whole run first, in this process: every module the command needs is then loaded for the child.
        assert _invoke(["reconcile", str(demand), str(capacity), "-o", str(folder / "warm-up.xlsx")])[0] == 0
        (folder / "warm-up.xlsx").unlink()
        target = case.build(folder)
        before = sorted(p.name for p in folder.rglob("*"))
        run = in_child(_invoke, ["reconcile", str(demand), str(capacity), "-o", str(target)], user=case.user)
        after = sorted(p.name for p in folder.rglob("*"))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if case.user is not None and "Operation not permitted" in run.error:
        pytest.skip("this system does not let root become another user")
    assert run.signal == 0 and not run.error, run.error
    code, output, clean_exit = run.result
    assert code == case.exit_code and clean_exit, output
    assert case.response in output
    assert "Traceback" not in output
    if case.id != "read-only-folder":
        assert after == before


# ----------------------------------------------------------------------------------------------------------------
# Degenerate plans through the whole pipeline


@dataclass(frozen=True)
class Degenerate:
    """A plan at an edge, taken through templates → reader → planner → pack.

    Attributes:
        id: The test id.
        given: What is unusual, for the doc.
        inputs: Builds the Inputs.
        response: "a pack" when the pack must be written, else a part of the message the CLI must print.
    """

    id: str
    given: str
    inputs: Callable
    response: str = "a pack"


def _many_customers():
    customers = {("A", f"Customer {i:05d}"): [1.0] for i in range(10_000)}
    return tiny_inputs(
        horizon=1,
        forecast=customers,
        prices={("A", ""): 10},
        resources={"Line": (1, 2)},
        capacity={"Line": [20_000]},
        routings={("A", "Line"): 1.0},
        costs={"A": {}},
        inventory={"A": {}},
    )


def _long_horizon():
    return small_company(
        horizon=60,
        forecast={("A", "North"): [10] * 60, ("B", "South"): [5] * 60},
        capacity={"Line": [100] * 60},
        overtime={"Line": [10] * 60},
        subcontract={("A", "Sub"): (50, [5] * 60)},
        materials={"M": [1000] * 60},
    )


def _every_sku_a_launch():
    return small_company(
        launches={"A": month(1), "B": month(2)},
        readiness={"A": month(1), "B": month(2)},
        forecast={("A", "North"): [0, 20, 30], ("B", "South"): [0, 0, 5]},
        commitments=[],
    )


DEGENERATE_PLANS = [
    Degenerate(
        "zero-capacity",
        "no hours, no overtime, no subcontractor",
        lambda: small_company(capacity={"Line": [0, 0, 0]}, overtime={"Line": [0, 0, 0]}, subcontract={}),
    ),
    Degenerate(
        "zero-demand",
        "a forecast of 0 everywhere and no orders",
        lambda: small_company(forecast={("A", "North"): [0, 0, 0], ("B", "South"): [0, 0, 0]}, commitments=[]),
    ),
    Degenerate(
        "single-month",
        "a horizon of one month",
        lambda: small_company(horizon=1, commitments=[("PO1", "North", "A", 5, month(0), "Confirmed")]),
    ),
    Degenerate("sixty-months", "a horizon of 60 months", _long_horizon),
    Degenerate(
        "one-sku",
        "one SKU, one customer, one resource",
        lambda: tiny_inputs(
            forecast={("A", "North"): [10, 10, 10]},
            prices={("A", ""): 5},
            resources={"Line": (1, 2)},
            capacity={"Line": [10, 10, 10]},
            routings={("A", "Line"): 1.0},
            costs={"A": {}},
            inventory={"A": {}},
        ),
    ),
    Degenerate("ten-thousand-customers", "1 SKU × 10,000 customers × 1 month (capacity for all)", _many_customers),
    Degenerate(
        "huge-values",
        "demand and hours of 1e12, prices of 1e9: the largest the templates allow",
        lambda: small_company(
            forecast={("A", "North"): [1e12] * 3, ("B", "South"): [1e12] * 3},
            prices={("A", ""): 1e9, ("B", ""): 1e9},
            capacity={"Line": [1e12] * 3},
        ),
    ),
    Degenerate(
        "tiny-values",
        "demand, hours per unit and prices of 1e-9",
        lambda: small_company(
            forecast={("A", "North"): [1e-9] * 3, ("B", "South"): [1e-9] * 3},
            prices={("A", ""): 1e-9, ("B", ""): 1e-9},
            routings={("A", "Line"): 1e-9, ("B", "Line"): 1e-9},
        ),
    ),
    Degenerate("every-sku-a-launch", "every SKU is a launch", _every_sku_a_launch),
    Degenerate(
        "all-subcontracted",
        "no hours on the line: every unit comes from the subcontractors",
        lambda: small_company(
            capacity={"Line": [0, 0, 0]},
            overtime={"Line": [0, 0, 0]},
            subcontract={("A", "Sub"): (50, [100] * 3), ("B", "Sub"): (40, [100] * 3)},
        ),
    ),
    Degenerate(
        "no-routings",
        "no routings at all (the required sheet is empty)",
        lambda: small_company(
            routings={}, bom={}, subcontract={("A", "Sub"): (50, [100] * 3), ("B", "Sub"): (40, [100] * 3)}
        ),
        "the sheet Routings has no rows; it is required",
    ),
]


@pytest.mark.parametrize("case", DEGENERATE_PLANS, ids=[case.id for case in DEGENERATE_PLANS])
def test_a_degenerate_plan_gives_a_pack_or_a_clear_finding(case, tmp_path):
    demand, capacity = write_filled(tmp_path, case.inputs())
    output = tmp_path / "pack.xlsx"
    result = CliRunner().invoke(main, ["reconcile", str(demand), str(capacity), "-o", str(output)])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), "".join(
        traceback.format_exception(result.exception)
    )
    if case.response == "a pack":
        assert result.exit_code == 0, result.output
        assert openpyxl.load_workbook(output, read_only=True).sheetnames[0] == "Executive Summary"
    else:
        assert result.exit_code == 1 and case.response in result.output
        assert not output.exists()


# ----------------------------------------------------------------------------------------------------------------
# Formula and link injection: planner text stays text in the pack


INJECTIONS = ['=HYPERLINK("http://x","y")', "=1+1", "@SUM(A1)", "+cmd", "-2+3", "http://example.com"]


def _injected_inputs():
    """Every planner text field of a small company holds an injection; each field a different one, numbered."""
    payload = iter(f"{text}#{i}" for i in range(1000) for text in INJECTIONS)
    sku, customer, family = next(payload), next(payload), next(payload)
    resource_name, material, subcontractor = next(payload), next(payload), next(payload)
    order = next(payload)
    inputs = tiny_inputs(
        forecast={(sku, customer): [10, 200, 30]},
        prices={(sku, ""): 100},
        families={sku: family},
        resources={resource_name: (10, 20)},
        capacity={resource_name: [50, 50, 50]},
        routings={(sku, resource_name): 1.0},
        costs={sku: {"material": 5}},
        inventory={sku: {"opening": 0}},
        subcontract={(sku, subcontractor): (50, [5, 5, 5])},
        materials={material: [1000, 1000, 1000]},
        bom={(sku, material): 1},
        commitments=[(order, customer, sku, 150, month(1), "Confirmed")],
        launches={sku: month(0)},
        readiness={sku: month(0)},
    )
    tables = {
        name: getattr(inputs, name)
        for name in (
            "products",
            "forecast",
            "prices",
            "commitments",
            "resources",
            "capacity",
            "routings",
            "costs",
            "subcontract",
            "inventory",
            "materials",
            "bill_of_materials",
        )
    }
    description = next(payload)
    tables["products"] = tables["products"].assign(Description=description, Unit=next(payload))
    tables["commitments"] = tables["commitments"].assign(Notes=next(payload))
    tables["launches"] = inputs.launches.assign(Notes=next(payload))
    tables["launch_readiness"] = inputs.launch_readiness.assign(Notes=next(payload))
    tables["resources"] = tables["resources"].assign(Site=next(payload))
    tables["materials"] = tables["materials"].assign(Supplier=next(payload))
    topic, assumption = next(payload), next(payload)
    tables["assumptions"] = pd.DataFrame(
        [{"Topic": topic, "Assumption": assumption, "Impact": "High", "Owner": next(payload)}]
    )
    risk, mitigation = next(payload), next(payload)
    tables["risks"] = pd.DataFrame(
        [{"Risk": risk, "Affects": "SKU", "Impact": "High", "Mitigation": mitigation, "Owner": next(payload)}]
    )
    company = next(payload)
    cycle = Cycle(
        company=company,
        cycle_month=inputs.cycle.cycle_month,
        horizon=3,
        currency="EUR",
        prepared_by={"demand": next(payload), "capacity": next(payload)},
    )
    return build_inputs(cycle, **tables), {
        "sku": sku,
        "customer": customer,
        "family": family,
        "resource": resource_name,
        "material": material,
        "subcontractor": subcontractor,
        "order": order,
        "description": description,
        "topic": topic,
        "assumption": assumption,
        "risk": risk,
        "mitigation": mitigation,
        "company": company,
    }


# The sheets that show each kind of planner text (a sheet may show more).
SHOWN_ON = {
    "sku": ["Consensus Plan", "Gaps", "Margin", "Inventory", "Commitments", "Launches", "Plan Data", "Inputs"],
    "customer": ["Gaps", "Margin", "Commitments", "Plan Data", "Inputs"],
    "family": ["Consensus Plan", "Plan Data", "Inputs"],
    "resource": ["Capacity", "Plan Data", "Inputs"],
    "material": ["Capacity", "Inputs"],
    "subcontractor": ["Decisions", "Inputs"],
    "order": ["Decisions", "Commitments", "Inputs"],
    "description": ["Inputs"],
    "topic": ["Assumptions & Risks"],
    "assumption": ["Assumptions & Risks"],
    "risk": ["Decisions", "Assumptions & Risks"],
    "mitigation": ["Assumptions & Risks"],
    "company": [name for name in pack_writer.SHEET_NAMES if name not in ("Plan Data", "Inputs")],
}


@pytest.fixture(scope="module")
def injected_pack(tmp_path_factory):
    inputs, named = _injected_inputs()
    path = write_pack(plan(inputs), tmp_path_factory.mktemp("injection") / "pack.xlsx")
    return path, named


def test_injected_text_stays_a_string_cell_in_every_sheet(injected_pack):
    path, named = injected_pack
    workbook = openpyxl.load_workbook(path)
    marker = re.compile("|".join(re.escape(text) + r"#\d+" for text in INJECTIONS))
    seen: dict[str, set[str]] = {}
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if isinstance(value, str) and marker.search(value):
                    assert cell.data_type == "s", (ws.title, cell.coordinate, value)
                    seen.setdefault(ws.title, set()).update(marker.findall(value))
                if cell.data_type == "f":
                    assert not marker.search(str(value)), (ws.title, cell.coordinate, value)
                assert cell.hyperlink is None or not marker.search(str(cell.hyperlink.target or "")), cell
    for kind, sheets in SHOWN_ON.items():
        for sheet in sheets:
            assert named[kind] in seen.get(sheet, set()), f"{kind} {named[kind]!r} not shown as text on {sheet}"


def test_injected_text_makes_no_link_relationship(injected_pack):
    path, _ = injected_pack
    with zipfile.ZipFile(path) as archive:
        rels = [archive.read(name).decode() for name in archive.namelist() if name.endswith(".rels")]
    assert not any("example.com" in text or "http://x" in text or 'TargetMode="External"' in text for text in rels)


def test_injected_text_round_trips_through_the_templates_as_text(tmp_path):
    inputs, named = _injected_inputs()
    demand, capacity = write_filled(tmp_path, inputs)
    read_back = read(demand, capacity)
    assert read_back.errors == []
    assert named["customer"] in set(read_back.forecast["Customer"])


# ----------------------------------------------------------------------------------------------------------------
# Any text, exactly: what a planner types reaches the pack as typed

# What the texts are made of: pieces joined at random, any Unicode among them.
EXACT_TEXT_PIECES = [
    "any Unicode character but surrogates and U+FFFE/U+FFFF, control characters included",
    "<r>",
    "</r>",
    "<t>a</t>",
    "</si><si>",
    "_x0041_",
    "_x005F_",
    "_x000D_",
    "=",
    "+",
    "-",
    "@",
    '=HYPERLINK("http://x.example","y")',
    "&",
    "&amp;",
    '"',
    "a text wrapped whole in <r>…</r>",
]
# What the reader does to a text before the pack shows it, and what the pack then shows; the test models each.
TEXT_AS_READ = [
    (
        "stray spaces (whitespace at either end, or two spaces in a row), and any value of the Cycle sheet",
        "every run of whitespace (line breaks, tabs, U+001C–U+001F, no-break spaces) one space, the ends trimmed",
    ),
    ("an `_xHHHH_` escape in the file (Excel's way of storing a control character)", "the character it stands for"),
    ("a control character in a text that starts with `<r>` and ends with `</r>`", "shown as its `_xHHHH_` code"),
]
_PIECES = [piece for piece in EXACT_TEXT_PIECES[1:-1]]
_CHARACTERS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\ufffe\uffff")
_TEXT = st.one_of(
    st.lists(
        st.one_of(st.text(_CHARACTERS, min_size=1, max_size=8), st.sampled_from(_PIECES)), min_size=1, max_size=5
    ).map("".join),
    st.lists(st.one_of(st.text(_CHARACTERS, max_size=6), st.sampled_from(_PIECES)), max_size=3).map(
        lambda parts: "<r>" + "".join(parts) + "</r>"
    ),
)
# The template columns that hold free text, by file and sheet; in the Cycle sheet the row's value.
_TEXT_COLUMNS = {
    (kind, sheet.name): [column.header for column in sheet.columns if column.kind == schema.TEXT]
    for kind in ("demand", "capacity")
    for sheet in schema.template(kind).sheets
}
# Columns left blank when blank (a blank Customer of a price means every customer).
_KEEP_BLANK = {("demand", "Prices", "Customer")}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")


def _as_excel_stores(text: str) -> str:
    """A text as Excel stores it in a file: a typed `_xHHHH_` with its underscore escaped, control characters as
    `_xHHHH_` (what openpyxl writes as given)."""
    text = re.sub(r"(_x[0-9a-fA-F]{4}_)", r"_x005F\1", text)
    return _CONTROL.sub(lambda match: f"_x{ord(match.group()):04X}_", text)


def _as_read(text: str, *, cycle: bool = False) -> str:
    """What the reader makes of a typed text: a text with stray spaces (at either end, or two in a row), and any
    value of the Cycle sheet, has every run of whitespace made one space and its ends trimmed; any other text is
    kept as it is, line breaks included."""
    if not cycle and text == text.strip() and "  " not in text:
        return text
    return " ".join(text.split())


def _as_shown(text: str) -> str:
    """What the pack's cell holds for a text as read: the text, except that in a text that starts with `<r>` and
    ends with `</r>` xlsxwriter escapes a control character twice, so the cell shows its `_xHHHH_` code."""
    if text.startswith("<r>") and text.endswith("</r>"):
        return _CONTROL.sub(lambda match: f"_x{ord(match.group()):04X}_", text)
    return text


def _write_texts(clean_pair, folder: Path, texts: list[str]) -> tuple[tuple[Path, Path], dict]:
    """The clean templates with every text cell (and one assumption and one risk) holding the next of `texts`;
    the same original value gets the same text everywhere, so SKUs, customers and resources still match.
    Returns the two files and {(kind, sheet, column): [typed texts]}."""
    given = iter(texts)
    mapping: dict[str, str] = {}
    typed: dict[tuple, list[str]] = {}
    paths = []
    for path in clean_pair:
        kind = path.stem
        book = openpyxl.load_workbook(path)
        if kind == "demand":
            book["Assumptions"].append(["topic", "assumption", "High", "owner"])
        else:
            book["Risks"].append(["risk", "SKU", "High", "mitigation", "owner"])
        for (file_kind, sheet_name), headers in _TEXT_COLUMNS.items():
            if file_kind != kind or not headers:
                continue
            ws = book[sheet_name]
            if sheet_name == "Cycle":
                cells = [(row[1], row[0].value) for row in ws.iter_rows(min_row=2) if row[0].value in headers]
            else:
                at = {cell.value: cell.column - 1 for cell in ws[1]}
                cells = [
                    (row[at[header]], header)
                    for row in ws.iter_rows(min_row=2)
                    if any(cell.value is not None for cell in row)
                    for header in headers
                    if header in at
                ]
            for cell, header in cells:
                old = cell.value
                if old is None and (kind, sheet_name, header) in _KEEP_BLANK:
                    continue
                if old is None or header in ("Description", "Notes", "Owner", "Prepared by", "Topic", "Assumption"):
                    text = next(given)  # a text of its own
                else:
                    if str(old) not in mapping:
                        mapping[str(old)] = next(given)
                    text = mapping[str(old)]
                cell.value = _as_excel_stores(text)
                cell.data_type = "s"  # as typed, even "=1+1"
                typed.setdefault((kind, sheet_name, header), []).append(text)
        target = folder / path.name
        book.save(target)
        paths.append(target)
    return (paths[0], paths[1]), typed


def _calamine_texts(path: Path, sheet: str) -> dict[str, tuple[int, int]]:
    """Every text of a sheet of the pack, read with calamine (which decodes `_xHHHH_` as Excel does): text →
    (row, column), one-based."""
    import python_calamine

    rows = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()
    return {
        value: (r + 1, c + 1) for r, row in enumerate(rows) for c, value in enumerate(row) if isinstance(value, str)
    }


def test_any_planner_text_reaches_the_pack_exactly_as_typed(clean_pair, tmp_path_factory):
    # Hypothesis writes arbitrary text into every text column of both templates (stored as Excel stores what is
    # typed), reconciles, and checks the pack: it opens in openpyxl, each text comes back exactly (as the reader
    # reads it) on the Inputs and the Assumptions & Risks sheets, in a string cell without a link, and no sheet
    # has a link or a formula the pack did not write. About 20 of the packs then go through LibreOffice.
    packs: list[Path] = []
    counter = iter(range(10**6))

    # No shrinking: each example is a whole reconcile, and a failing one is printed in full anyway.
    @settings(
        max_examples=20,
        deadline=None,
        database=None,
        phases=(Phase.explicit, Phase.generate),
        suppress_health_check=list(HealthCheck),
    )
    @given(st.lists(_TEXT, min_size=60, max_size=60, unique_by=lambda text: " ".join(text.split()).casefold()))
    def check(texts):
        texts = [text for text in texts if text.split()]
        texts += [f"filler {i}" for i in range(60 - len(texts))]
        folder = tmp_path_factory.mktemp(f"texts{next(counter)}")
        (demand, capacity), typed = _write_texts(clean_pair, folder, texts)
        result = CliRunner().invoke(main, ["reconcile", str(demand), str(capacity), "-o", str(folder / "pack.xlsx")])
        assert result.exit_code == 0, result.output
        pack = folder / "pack.xlsx"
        book = openpyxl.load_workbook(pack)
        with zipfile.ZipFile(pack) as archive:
            sheets = [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert not any("<hyperlink" in xml for xml in sheets)
        shown = {sheet: _calamine_texts(pack, sheet) for sheet in ("Inputs", "Assumptions & Risks")}
        expected = {
            key: [_as_shown(_as_read(text)) for text in texts]
            for key, texts in typed.items()
            if key[1] not in ("Cycle",)
        }
        for (kind, sheet, header), values in expected.items():
            places = ["Inputs"] + (["Assumptions & Risks"] if sheet in ("Assumptions", "Risks") else [])
            for value in values:
                for place in places:
                    assert value in shown[place], (kind, sheet, header, value, place)
                    row, col = shown[place][value]
                    cell = book[place].cell(row, col)
                    assert cell.data_type == "s" and cell.hyperlink is None, (place, cell.coordinate, value)
        [company] = {_as_shown(_as_read(text, cycle=True)) for text in typed[("demand", "Cycle", "Company")]}
        assert company in shown["Inputs"]
        packs.append(pack)

    check()
    soffice = libreoffice.require_soffice()
    work = tmp_path_factory.mktemp("libreoffice")
    home = libreoffice.profile(work / "lo-profile")
    # One LibreOffice run converts every pack: the Executive Summary as CSV, which needs the whole file loaded.
    chosen = packs[:20]
    named = []
    for index, pack in enumerate(chosen):
        named.append(Path(shutil.copy(pack, work / f"pack{index}.xlsx")))
    process = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={home.resolve().as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "csv",
            "--outdir",
            str(work / "csv"),
            *map(str, named),
        ],
        capture_output=True,
        text=True,
        timeout=libreoffice.TIMEOUT,
        env=dict(os.environ, HOME=str(work)),
    )
    assert process.returncode == 0, process.stderr
    for pack in named:
        text = (work / "csv" / f"{pack.stem}.csv").read_text(encoding="utf-8", errors="replace")
        assert "S&OP meeting pack" in text, (pack.name, text[:300])


# Every file the tool reads goes through the guards; every value has its bounds (issue 20)


def _pack_with_sheet_xml(change: Callable[[str], str]) -> Callable[[Path, Path], Path]:
    def build(clean: Path, target: Path) -> Path:
        pack = small_pack(target.with_name("clean-pack.xlsx"))
        return _with_sheet_xml(pack, target, "Plan Data", change)

    return build


def _pack_with_figure(value: float) -> Callable[[Path, Path], Path]:
    def build(clean: Path, target: Path) -> Path:
        book = openpyxl.load_workbook(small_pack(target))
        book["Plan Data"]["I2"] = value
        book.save(target)
        return target

    return build


def _pack_bomb(build_bomb: Callable) -> Callable[[Path, Path], Path]:
    def build(clean: Path, target: Path) -> Path:
        pack = small_pack(target.with_name("clean-pack.xlsx"))
        return build_bomb(pack, target, "Plan Data")

    return build


def _lying_bomb(pack: Path, target: Path, sheet: str) -> Path:
    return _lie_about(Path(shutil.copy(pack, target)), _sheet_part(pack, sheet))


def _lie_about(path: Path, part: str) -> Path:
    """Replace one part by a gigabyte that its directory declares as its first 64 KB."""
    chunk = BOMB_ROW * (2**20 // len(BOMB_ROW))
    declared = (BOMB_HEAD + chunk)[:65536]
    members = []
    with zipfile.ZipFile(path) as original:
        for info in original.infolist():
            if info.filename == part:
                data = deflate_repeated(BOMB_HEAD, chunk, 1024, BOMB_TAIL)
                members.append((part, data, len(declared), zlib.crc32(declared)))
            else:
                raw = original.read(info.filename)
                compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
                members.append(
                    (info.filename, compressor.compress(raw) + compressor.flush(), len(raw), zlib.crc32(raw))
                )
    return write_zip(path, members)


PREVIOUS_FILES = [
    Hostile(
        "previous-far-cell",
        "a 5 KB pack with one value in XFD1048576 of Plan Data",
        "last month's pack has a sheet, 'Plan Data', that has cells as far as row 1,048,576 and column XFD",
        _pack_with_sheet_xml(_far_cell("XFD1048576")),
        name="jan.xlsx",
        sheet="Plan Data",
    ),
    Hostile(
        "previous-far-cell-second-reference",
        "a pack whose Plan Data cell names A2 first and XFD1048576 second",
        "more than the 10,000,000 a pack may use",
        _pack_with_sheet_xml(
            lambda xml: xml.replace(
                "</sheetData>", '<row r="2"><c r="A2" r="XFD1048576"><v>1</v></c></row></sheetData>'
            )
        ),
        name="jan.xlsx",
        sheet="Plan Data",
    ),
    Hostile(
        "previous-fifo",
        "a named pipe (a read would wait for ever)",
        "last month's pack is not a regular file",
        lambda c, t: os.mkfifo(t) or t,
        name="jan.xlsx",
    ),
    Hostile(
        "previous-device",
        "/dev/zero (never ends)",
        "last month's pack is not a regular file",
        lambda c, t: Path("/dev/zero"),
        name="zero",
    ),
    Hostile(
        "previous-zip-bomb",
        "a pack whose Plan Data inflates from 3 MB to 3 GB",
        "it may be a 'zip bomb'",
        _pack_bomb(zip_bomb),
        name="jan.xlsx",
    ),
    Hostile(
        "previous-lying-zip-bomb",
        "a pack whose Plan Data declares 64 KB and inflates to 1 GB",
        "holds more than the 65,536 bytes its directory declares",
        _pack_bomb(_lying_bomb),
        name="jan.xlsx",
    ),
    Hostile(
        "previous-billion-laughs",
        "entity expansion in the pack's Plan Data",
        "'billion laughs'",
        _pack_with_sheet_xml(lambda xml: LAUGHS + xml),
        name="jan.xlsx",
    ),
    Hostile(
        "previous-too-big", "a 600 MB file", "more than the 512 MB a pack may be", _sparse(600 * 2**20), name="jan.xlsx"
    ),
    Hostile(
        "previous-truncated",
        "a pack cut to 60% of its bytes",
        "damaged or incomplete",
        lambda c, t: t.write_bytes(small_pack(t).read_bytes()[: t.stat().st_size * 6 // 10]) and t,
        name="jan.xlsx",
    ),
    Hostile(
        "previous-template",
        "the demand template instead of a pack",
        "has no 'Plan Data' sheet",
        lambda c, t: Path(shutil.copy(c, t)),
        name="jan.xlsx",
    ),
    Hostile(
        "previous-huge-figure",
        "a pack whose Plan Data holds 1e300",
        "a figure no plan makes",
        _pack_with_figure(1e300),
        name="jan.xlsx",
    ),
]


@pytest.mark.parametrize("case", PREVIOUS_FILES, ids=[case.id for case in PREVIOUS_FILES])
def test_a_hostile_previous_pack_is_one_clear_error_in_bounded_time_and_memory(case, pair, tmp_path):
    demand, capacity = pair
    folder = tmp_path / "previous"
    folder.mkdir()
    path = case.build(demand, folder / case.name)
    output = tmp_path / "pack.xlsx"
    run = in_child(
        _invoke,
        ["reconcile", str(demand), str(capacity), "-o", str(output), "--previous", str(path)],
        megabytes=case.megabytes + 500,
        seconds=int(case.seconds * 3),
    )
    assert run.signal == 0 and not run.error, f"the command did not return: signal {run.signal}\n{run.error}"
    code, printed, clean_exit = run.result
    assert code == 1 and clean_exit and "Traceback" not in printed, printed
    assert case.response in printed and path.name in printed, printed
    assert re.search(r"\b(save|give|delete|check)\b", printed, re.IGNORECASE), printed
    assert not output.exists()
    assert run.seconds < case.seconds, f"{run.seconds:.1f} s"
    assert run.megabytes < case.megabytes, f"{run.megabytes:.0f} MB"


@dataclass(frozen=True)
class BadValue:
    """A value a planner types, and the finding `sop reconcile` must stop with (exit 1, never a traceback).

    Attributes:
        id: The test id.
        given: What the value is, for the doc.
        kind: "demand" or "capacity": the template edited.
        sheet: The sheet edited.
        cell: The cell edited, which the finding names.
        value: What is typed there.
        response: A part of the finding's message.
    """

    id: str
    given: str
    kind: str
    sheet: str
    cell: str
    value: object
    response: str


BAD_VALUES = [
    BadValue(
        "forecast-1e300",
        "a forecast of 1e300",
        "demand",
        "Forecast",
        "D2",
        1e300,
        "1e+300 is more than 1,000,000,000,000, the most the units can be",
    ),
    BadValue(
        "price-1e300",
        "a price of 1e300",
        "demand",
        "Prices",
        "C2",
        1e300,
        "1e+300 is more than 1,000,000,000, the most the unit price can be",
    ),
    BadValue(
        "hours-per-unit-1e300",
        "1e300 hours per unit",
        "capacity",
        "Routings",
        "C2",
        1e300,
        "1e+300 is more than 1,000,000, the most the hours per unit can be",
    ),
    BadValue(
        "capacity-1e13",
        "1e13 hours of capacity typed as text",
        "capacity",
        "Capacity",
        "C2",
        "1e13",
        "10000000000000 is more than 1,000,000,000,000, the most the hours can be",
    ),
    BadValue(
        "order-1e300",
        "an order of 1e300 units",
        "demand",
        "Commitments",
        "D2",
        1e300,
        "1e+300 is more than 1,000,000,000,000, the most the quantity can be",
    ),
    BadValue(
        "lead-time-1e6",
        "a lead time of a million days",
        "capacity",
        "Inventory",
        "F2",
        1e6,
        "1000000 is more than 3,650, the most the lead time (days) can be",
    ),
    BadValue(
        "customer-case",
        "customer NORTH on an order, North on the customer master",
        "demand",
        "Commitments",
        "B2",
        "NORTH",
        "Customer 'NORTH' and 'North' (Customers!A2) differ only in case, so they would count as two customers; "
        "spell it 'North'",
    ),
    BadValue(
        "sku-case",
        "SKU a on the forecast, A on Products",
        "demand",
        "Forecast",
        "A2",
        "a",
        "SKU 'a' and 'A' (Products!A2) differ only in case",
    ),
    BadValue(
        "sku-zero-width",
        "SKU A followed by a zero-width space on Routings",
        "capacity",
        "Routings",
        "A2",
        "A\u200b",
        "differ only in a zero-width space (U+200B), which Excel does not show",
    ),
    BadValue(
        "price-1.200",
        "a price typed as the text 1.200",
        "demand",
        "Prices",
        "C2",
        "1.200",
        "'1.200' could be 1.2 or 1,200 (a point between thousands)",
    ),
    BadValue(
        "date-03/04",
        "an order date typed as the text 03/04/2027",
        "demand",
        "Commitments",
        "E2",
        "03/04/2027",
        "'03/04/2027' could be 3 April 2027 or 4 March 2027",
    ),
]


@pytest.mark.parametrize("case", BAD_VALUES, ids=[case.id for case in BAD_VALUES])
def test_a_bad_value_stops_reconcile_with_its_finding_never_a_traceback(case, pair, tmp_path):
    demand, capacity = pair
    path = demand if case.kind == "demand" else capacity
    book = openpyxl.load_workbook(path)
    book[case.sheet][case.cell] = case.value
    book.save(path)
    output = tmp_path / "pack.xlsx"
    result = CliRunner().invoke(main, ["reconcile", str(demand), str(capacity), "-o", str(output)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    line = next((line for line in result.output.splitlines() if case.response in line), "")
    assert f"{case.cell}  ERROR" in line.replace("\x1b[31m", "").replace("\x1b[0m", ""), result.output
    assert not output.exists()


def test_validate_annotate_opens_no_template_with_a_sheet_too_large_to_parse(pair, tmp_path):
    # The reader ignores a sheet that is not the template's (a warning), but openpyxl would parse it for the copy:
    # the annotated copy goes through the same guard, so no copy is made of that file.
    demand, capacity = pair
    book = openpyxl.load_workbook(demand)
    book.create_sheet("Notes")["A1"] = "a note"
    book.save(demand)
    _with_sheet_xml(demand, tmp_path / "far.xlsx", "Notes", _far_cell("XFD1048576"))
    shutil.copy(tmp_path / "far.xlsx", demand)
    result = CliRunner().invoke(main, ["validate", str(demand), str(capacity), "--annotate", str(tmp_path / "out")])
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    assert "the sheet 'Notes' is not part of the demand template" in result.output
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == ["capacity-findings.xlsx"]


# ----------------------------------------------------------------------------------------------------------------
# Nothing the user owns is replaced (issue 20): refused targets, links, names


def _state(folder: Path) -> dict[str, str]:
    """Every entry under a folder: a link's target, a file's SHA-256, or "folder"."""
    state = {}
    for path in sorted(folder.rglob("*")):
        name = str(path.relative_to(folder))
        if path.is_symlink():
            state[name] = f"-> {os.readlink(path)}"
        elif path.is_dir():
            state[name] = "folder"
        else:
            state[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return state


@dataclass(frozen=True)
class Kept:
    """A command that would replace a file the user owns, and what it does instead.

    Attributes:
        id: The test id.
        given: What is asked, for the doc.
        command: The folder (holding the filled demand.xlsx and capacity.xlsx, last month's pack.xlsx and
            someone's victim.txt) → the command's arguments; may add links to the folder.
        response: A part of the message the CLI prints.
        exit_code: 1 when refused; 0 when the command writes its own files and leaves the others alone.
    """

    id: str
    given: str
    command: Callable[[Path], list[str]]
    response: str
    exit_code: int = 1


def _link(folder: Path, name: str, to: str, hard: bool = False) -> Path:
    (os.link if hard else os.symlink)(folder / to, folder / name)
    return folder / name


def _inputs(folder: Path) -> list[str]:
    return [str(folder / "demand.xlsx"), str(folder / "capacity.xlsx")]


def _planted_partial(folder: Path) -> list[str]:
    (folder / "new").mkdir()
    _link(folder, "new/.demand.xlsx.partial", "victim.txt")
    return ["templates", str(folder / "new")]


def _copies_collide(folder: Path) -> list[str]:
    (folder / "feb").mkdir()
    shutil.copy(folder / "demand.xlsx", folder / "feb" / "demand.xlsx")
    return ["validate", str(folder / "demand.xlsx"), str(folder / "feb" / "demand.xlsx"), "--annotate", str(folder)]


def _copy_links_to_input(folder: Path) -> list[str]:
    (folder / "checked").mkdir()
    _link(folder, "checked/demand-findings.xlsx", "capacity.xlsx")
    return ["validate", *_inputs(folder), "--annotate", str(folder / "checked")]


KEPT = [
    Kept(
        "templates-over-filled-ones",
        "`sop templates DIR` where DIR holds filled templates",
        lambda f: ["templates", str(f)],
        "demand.xlsx: exists already; choose another name or pass --force",
    ),
    Kept(
        "sample-over-filled-ones",
        "`sop sample DIR` where DIR holds filled templates",
        lambda f: ["sample", str(f)],
        "demand.xlsx: exists already; choose another name or pass --force",
    ),
    Kept(
        "templates-through-a-planted-link",
        "`sop templates NEW` where NEW/.demand.xlsx.partial (the old temporary name) links to someone's file",
        _planted_partial,
        "Wrote",
        exit_code=0,
    ),
    Kept(
        "pack-over-demand",
        "`reconcile ... -o demand.xlsx --force`",
        lambda f: ["reconcile", *_inputs(f), "-o", str(f / "demand.xlsx"), "--force"],
        "is the demand template",
    ),
    Kept(
        "pack-through-a-link-to-capacity",
        "`-o link.xlsx --force`, link.xlsx a symbolic link to capacity.xlsx",
        lambda f: ["reconcile", *_inputs(f), "-o", str(_link(f, "link.xlsx", "capacity.xlsx")), "--force"],
        "is the capacity template",
    ),
    Kept(
        "pack-hard-link-to-demand",
        "`-o copy.xlsx --force`, copy.xlsx a hard link to demand.xlsx",
        lambda f: ["reconcile", *_inputs(f), "-o", str(_link(f, "copy.xlsx", "demand.xlsx", hard=True)), "--force"],
        "is the demand template",
    ),
    Kept(
        "pack-spelled-differently",
        "`-o DIR/sub/../demand.xlsx --force`",
        lambda f: ["reconcile", *_inputs(f), "-o", str(f / "sub" / ".." / "demand.xlsx"), "--force"],
        "is the demand template",
    ),
    Kept(
        "pack-over-previous",
        "`-o pack.xlsx --previous pack.xlsx --force`",
        lambda f: ["reconcile", *_inputs(f), "-o", str(f / "pack.xlsx"), "--previous", str(f / "pack.xlsx"), "--force"],
        "is last month's pack",
    ),
    Kept(
        "plan-data-over-pack",
        "`-o out.csv --plan-data out.csv`",
        lambda f: ["reconcile", *_inputs(f), "-o", str(f / "out.csv"), "--plan-data", str(f / "out.csv")],
        "is the meeting pack",
    ),
    Kept(
        "plan-data-through-a-link-to-demand",
        "`--plan-data plan.csv --force`, plan.csv a symbolic link to demand.xlsx",
        lambda f: [
            "reconcile",
            *_inputs(f),
            "-o",
            str(f / "new.xlsx"),
            "--plan-data",
            str(_link(f, "plan.csv", "demand.xlsx")),
            "--force",
        ],
        "is the demand template",
    ),
    Kept(
        "annotated-copy-links-to-an-input",
        "`validate --annotate DIR`, DIR/demand-findings.xlsx a symbolic link to capacity.xlsx",
        _copy_links_to_input,
        "is the capacity template",
    ),
    Kept(
        "annotated-copies-collide",
        "`validate demand.xlsx feb/demand.xlsx --annotate DIR`: both copies would be DIR/demand-findings.xlsx",
        _copies_collide,
        "is the annotated copy of the demand template",
    ),
    Kept(
        "name-too-long",
        "`-o` a name of 300 characters",
        lambda f: ["reconcile", *_inputs(f), "-o", str(f / ("p" * 296 + ".xlsx"))],
        "the file name is longer than the 255 bytes the file system takes; choose a shorter one",
    ),
]


@pytest.mark.parametrize("case", KEPT, ids=[case.id for case in KEPT])
def test_nothing_the_user_owns_is_replaced(case, pair, tmp_path):
    (tmp_path / "pack.xlsx").write_bytes(b"last month's pack")
    (tmp_path / "victim.txt").write_text("someone's file")
    (tmp_path / "sub").mkdir()
    arguments = case.command(tmp_path)
    before = _state(tmp_path)
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == case.exit_code, result.output
    assert case.response in result.output and "Traceback" not in result.output
    after = _state(tmp_path)
    if case.exit_code:
        assert after == before
    else:
        assert {name: after.get(name) for name in before} == before
    assert (tmp_path / "victim.txt").read_text() == "someone's file"


def test_a_latin_1_file_name_is_read_planned_and_shown(pair, tmp_path):
    latin = tmp_path / os.fsdecode(b"d\xe9mand.xlsx")
    pair[0].rename(latin)
    folder = tmp_path / os.fsdecode(b"caf\xe9")
    folder.mkdir()
    result = CliRunner().invoke(main, ["reconcile", str(latin), str(pair[1]), "-o", str(folder / "pack.xlsx")])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == f"Wrote {tmp_path}/caf\\xe9/pack.xlsx"
    pack = io.BytesIO((folder / "pack.xlsx").read_bytes())  # calamine opens only paths that are UTF-8
    lineage = CalamineWorkbook.from_filelike(pack).get_sheet_by_name("Executive Summary")
    assert ["Demand", "d\\xe9mand.xlsx"] in [row[:2] for row in lineage.to_python()]


def test_a_pack_name_of_250_characters_is_written_with_its_plan_data(pair, tmp_path):
    pack, data = tmp_path / ("p" * 245 + ".xlsx"), tmp_path / ("q" * 246 + ".csv")
    result = CliRunner().invoke(main, ["reconcile", *map(str, pair), "-o", str(pack), "--plan-data", str(data)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([pack.name, data.name, *(p.name for p in pair)])


# ----------------------------------------------------------------------------------------------------------------
# Files written together or not at all: a full disk, a read-only folder, two runs at once


def test_a_plan_data_file_that_does_not_fit_leaves_last_months_pack_in_place(pair, tmp_path, monkeypatch):
    # The disk fills up half way through the CSV, after the pack was written in full.
    def disk_full(frame, path, **options):
        Path(path).write_text("Scenario,Family,SKU")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(pd.DataFrame, "to_csv", disk_full)
    output = tmp_path / "out"
    output.mkdir()
    (output / "pack.xlsx").write_bytes(b"last month's pack")
    arguments = ["reconcile", *map(str, pair), "-o", str(output / "pack.xlsx"), "--force"]
    result = CliRunner().invoke(main, [*arguments, "--plan-data", str(output / "plan.csv")])
    assert result.exit_code == 1
    assert "plan.csv: cannot be written: No space left on device" in result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    assert (output / "pack.xlsx").read_bytes() == b"last month's pack"
    assert sorted(p.name for p in output.iterdir()) == ["pack.xlsx"]


def test_templates_that_do_not_fit_leave_neither_file(tmp_path, monkeypatch):
    # The disk fills up half way through the second template, after the first was written in full.
    save = openpyxl.Workbook.save
    saved = []

    def disk_full_on_the_second(workbook, filename):
        saved.append(filename)
        if len(saved) == 1:
            return save(workbook, filename)
        Path(filename).write_bytes(b"PK\x03\x04")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(openpyxl.Workbook, "save", disk_full_on_the_second)
    result = CliRunner().invoke(main, ["templates", str(tmp_path / "blank"), "--cycle-month", "2027-01"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "capacity.xlsx: cannot be written: No space left on device" in result.output
    assert "Traceback" not in result.output
    assert list((tmp_path / "blank").iterdir()) == []


def test_templates_into_a_read_only_folder_are_a_clear_error(tmp_path):
    folder = Path(tempfile.mkdtemp())
    try:
        folder.chmod(0o755)
        locked = folder / "locked"
        locked.mkdir(mode=0o555)
        _invoke(["templates", str(folder / "warm-up")])  # every module the command needs, loaded for the child
        run = in_child(_invoke, ["templates", str(locked)], user=NOBODY)
        nested = in_child(_invoke, ["templates", str(locked / "cycle")], user=NOBODY)
        after = sorted(p.name for p in locked.iterdir())
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if "Operation not permitted" in run.error:
        pytest.skip("this system does not let root become another user")
    assert run.signal == 0 and not run.error, run.error
    code, output, clean_exit = run.result
    assert code == 1 and clean_exit and "is read-only; choose a folder you can write to" in output, output
    code, output, clean_exit = nested.result
    assert code == 1 and clean_exit and "the folder cannot be created (Permission denied)" in output, output
    assert after == []


def test_two_runs_to_one_new_name_one_writes_it_and_the_other_says_so(pair, tmp_path):
    # Both start at once and find pack.xlsx free; the one that finishes second must not replace the first's pack.
    # (That the last step never replaces a file that appeared meanwhile is tested exactly in test_output.py.)
    target = tmp_path / "out" / "pack.xlsx"
    target.parent.mkdir()
    command = [sys.executable, "-m", "sop_workbook", "reconcile", *map(str, pair), "-o", str(target)]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=600) for run in runs]
    codes = [run.returncode for run in runs]
    assert sorted(codes) == [0, 1], outputs
    wrote, refused = outputs[codes.index(0)], outputs[codes.index(1)]
    assert wrote[0].splitlines()[-1] == f"Wrote {target}"
    assert f"{target}: exists already" in refused[1] and "Wrote" not in refused[0]
    assert [p.name for p in target.parent.iterdir()] == ["pack.xlsx"]
    assert "Executive Summary" in CalamineWorkbook.from_path(str(target)).sheet_names


# ----------------------------------------------------------------------------------------------------------------
# Stopped or killed runs leave nothing behind


@dataclass(frozen=True)
class Stop:
    """A `sop reconcile --plan-data` run (the sample company) stopped by a signal.

    Attributes:
        id: The test id.
        given: What happens, for the doc.
        signal: The signal's name.
        moment: "planning" (sent once the run's working folder exists) or "writing" (once the staging folder beside
            the pack exists, while the pack and the CSV are written).
        exit_code: The process's exit code (negative: killed by the signal).
        message: What it says on stderr ("" when killed).
        seconds: The run must have ended this long after the signal.
    """

    id: str
    given: str
    signal: str
    moment: str
    exit_code: int
    message: str = ""
    seconds: float = 15


STOPS = [
    Stop(
        "sigterm-while-planning",
        "SIGTERM (kill, a service stop) while planning",
        "SIGTERM",
        "planning",
        143,
        "Stopped by SIGTERM; no file was left half-written.",
    ),
    Stop(
        "sigterm-while-writing",
        "SIGTERM while the pack and its Plan Data are written",
        "SIGTERM",
        "writing",
        143,
        "Stopped by SIGTERM; no file was left half-written.",
    ),
    Stop(
        "sighup-while-planning",
        "SIGHUP (the terminal closed) while the plan is made",
        "SIGHUP",
        "planning",
        129,
        "Stopped by SIGHUP; no file was left half-written.",
    ),
    Stop("sigint-while-writing", "SIGINT (Ctrl-C) while the pack is written", "SIGINT", "writing", 1, "Aborted!"),
    Stop("sigkill-while-writing", "SIGKILL while the pack is written, then a second run", "SIGKILL", "writing", -9),
]


@pytest.fixture(scope="module")
def sample_pair(tmp_path_factory):
    """The sample company's templates: a run long enough (seconds) to be stopped while planning or writing."""
    from sop_workbook.sample import write_sample

    return write_sample(tmp_path_factory.mktemp("sample"))


def _start_sop(arguments: list[str], scratch: Path) -> subprocess.Popen:
    """`sop` in a process (and session) of its own, with TMPDIR set to `scratch`."""
    return subprocess.Popen(
        [sys.executable, "-m", "sop_workbook", *arguments],
        env=dict(os.environ, TMPDIR=str(scratch)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _working_folders(folder: Path) -> list[str]:
    return sorted(name for name in os.listdir(folder) if re.fullmatch(r"\.?sop-\d+-\w+", name))


def _group_alive(group: int) -> bool:
    """Whether a process of this process group is still running (zombies not counted)."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == group and fields[0] != "Z":
                return True
    return False


def _until(condition: Callable[[], bool], seconds: float, step: float = 0.002) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


@pytest.mark.parametrize("case", STOPS, ids=[case.id for case in STOPS])
def test_a_stopped_run_cleans_up_and_a_killed_one_is_cleaned_up_by_the_next(case, sample_pair, tmp_path):
    demand, capacity = sample_pair
    scratch, out = tmp_path / "tmp", tmp_path / "out"
    scratch.mkdir()
    out.mkdir()
    arguments = ["reconcile", str(demand), str(capacity), "-o", str(out / "pack.xlsx"), "--force"]
    arguments += ["--plan-data", str(out / "plan.csv")]
    watched = scratch if case.moment == "planning" else out
    process = _start_sop(arguments, scratch)
    try:
        assert _until(lambda: process.poll() is not None or _working_folders(watched), 300)
        assert process.poll() is None, process.communicate()
        sent = time.monotonic()
        process.send_signal(getattr(signal, case.signal))
        _, stderr = process.communicate(timeout=300)
        seconds = time.monotonic() - sent
        assert process.returncode == case.exit_code, stderr
        assert seconds < case.seconds
        if case.signal == "SIGKILL":
            # Nothing could clean up: the run's folders stay until its last process ends and another run comes.
            assert _working_folders(scratch) and _working_folders(out)
            assert _until(lambda: not _group_alive(process.pid), 60, step=0.05)
            again = _start_sop(arguments, scratch)
            _, stderr = again.communicate(timeout=600)
            assert again.returncode == 0, stderr
            assert sorted(os.listdir(out)) == ["pack.xlsx", "plan.csv"]
        else:
            assert case.message in stderr and "Traceback" not in stderr
            # Both files or neither (the signal may come after they were put in place, before the exit).
            assert sorted(os.listdir(out)) in ([], ["pack.xlsx", "plan.csv"])
            assert not _group_alive(process.pid)
        assert os.listdir(scratch) == [] and _working_folders(out) == []
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


# ----------------------------------------------------------------------------------------------------------------
# Text stays text: in the terminal, in the annotated copies, in the Plan Data CSV


# Text a template can hold that a terminal would act on instead of showing (the file holds them as "_x001B_"
# escapes or as line breaks in a cell), each with what `sop` prints instead.
TERMINAL_TEXTS = [
    ("an OSC sequence that retitles the terminal", "\x1b]0;owned\x07", "\\x1b]0;owned\\x07"),
    ("a CSI sequence that clears the screen", "\x1b[2J\x1b[H", "\\x1b[2J\\x1b[H"),
    ("a line break that fakes a line of output", "ok\nWrote /etc/passwd", "ok\\x0aWrote /etc/passwd"),
    ("a carriage return that overwrites the line", "\rError: none", "\\x0dError: none"),
    ("a C1 control (CSI in one byte)", "\x9b2J", "\\x9b2J"),
    ("a right-to-left override", "\u202eevil", "\\u202eevil"),
]
HOSTILE = "".join(text for _, text, _ in TERMINAL_TEXTS)
HOSTILE_SHOWN = "".join(shown for _, _, shown in TERMINAL_TEXTS)
# Raw, these must never reach the terminal (line feeds only as the output's own line breaks).
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _hostile_company():
    """A short line and a customer, a company and a subcontractor whose names carry every TERMINAL_TEXTS."""
    inputs = tiny_inputs(
        forecast={("A", HOSTILE): [100, 100, 100], ("A", "Calm"): [10, 10, 10]},
        prices={("A", ""): 100},
        resources={"Line": (10, 20)},
        capacity={"Line": [60, 60, 60]},
        routings={("A", "Line"): 1.0},
        costs={"A": {"material": 5}},
        inventory={"A": {"opening": 0}},
    )
    inputs.cycle = Cycle(HOSTILE, inputs.cycle.cycle_month, inputs.cycle.horizon, "EUR")
    return inputs


@pytest.fixture(scope="module")
def hostile_pair(tmp_path_factory):
    return write_filled(tmp_path_factory.mktemp("hostile"), _hostile_company())


def _unknown_sku(pair):
    workbook = openpyxl.load_workbook(pair[0])
    cell = workbook["Forecast"]["A2"]
    cell.value, cell.data_type = xlsx_text(HOSTILE), "s"
    workbook.save(pair[0])
    return ["validate", *map(str, pair)]


PRINTED = {
    "validate: an unknown SKU": lambda pair, folder: _unknown_sku(pair),
    "reconcile: the company and the customers of the top gaps": lambda pair, folder: [
        "reconcile",
        *map(str, pair),
        "-o",
        str(folder / "pack.xlsx"),
    ],
    "promise: the customers displaced": lambda pair, folder: [
        "promise",
        *map(str, pair),
        "--sku",
        "A",
        "--quantity",
        "50",
        "--date",
        "2027-01-20",
    ],
    "an error naming a path that holds them": lambda pair, folder: [
        "reconcile",
        *map(str, pair),
        "-o",
        str(folder / HOSTILE.replace("\n", "") / "pack.xlsx"),
    ],
}


@pytest.mark.parametrize("command", PRINTED)
def test_text_from_the_files_is_printed_with_its_control_characters_visible(command, hostile_pair, tmp_path):
    pair = tuple(Path(shutil.copy(path, tmp_path / path.name)) for path in hostile_pair)
    result = CliRunner().invoke(main, PRINTED[command](pair, tmp_path))
    assert result.exit_code in (0, 1) and "Traceback" not in result.output, result.output
    assert not RAW_CONTROL.search(result.output), repr(result.output)
    expected = HOSTILE_SHOWN if "error" not in command else HOSTILE_SHOWN.replace("\\x0a", "")
    assert expected in result.output, result.output


def test_an_annotated_copy_keeps_a_formula_like_sheet_name_and_control_characters_as_text(pair, tmp_path):
    workbook = openpyxl.load_workbook(pair[0])
    workbook.create_sheet("=SUM(1)")  # an extra sheet: a warning on it
    cell = workbook["Forecast"]["D2"]
    cell.value, cell.data_type = xlsx_text("\x1b]0;owned\x07"), "s"  # not a number: an error quoting it
    workbook.save(pair[0])
    result = CliRunner().invoke(main, ["validate", *map(str, pair), "--annotate", str(tmp_path / "checked")])
    assert result.exit_code == 1, result.output
    findings = {(f.sheet, f.message) for f in read(*pair).findings if f.file == "demand.xlsx"}
    copy = tmp_path / "checked" / "demand-findings.xlsx"
    listed = openpyxl.load_workbook(copy)["Findings"]
    assert all(cell.data_type != "f" for row in listed.iter_rows() for cell in row)
    # Read back by the reader's calamine: every finding's sheet and message, exactly.
    rows = CalamineWorkbook.from_path(str(copy)).get_sheet_by_name("Findings").to_python()
    assert {(row[1], row[4]) for row in rows[1:]} == findings
    assert any(sheet == "=SUM(1)" for sheet, _ in findings)
    assert any("\x1b]0;owned\x07" in message for _, message in findings)
    # LibreOffice shows them as text too.
    from libreoffice import convert

    converted = convert(copy, "xlsx", tmp_path / "lo", tmp_path)
    shown = openpyxl.load_workbook(converted)["Findings"]
    assert all(cell.data_type != "f" for row in shown.iter_rows() for cell in row)
    rows = CalamineWorkbook.from_path(str(converted)).get_sheet_by_name("Findings").to_python()
    assert {(row[1], row[4]) for row in rows[1:]} == findings


# Names that a spreadsheet program opening the CSV would run as formulas, each in another column of Plan Data.
CSV_FORMULAS = {
    "SKU": "=1+1",
    "Customer": '=HYPERLINK("http://x","y")',
    "Family": "-3+3",
    "Resource": "@SUM(4)",
    "Material": "+5+5",
}


def _formula_inputs():
    sku, customer = CSV_FORMULAS["SKU"], CSV_FORMULAS["Customer"]
    resource_name, material = CSV_FORMULAS["Resource"], CSV_FORMULAS["Material"]
    return tiny_inputs(
        families={sku: CSV_FORMULAS["Family"]},
        forecast={(sku, customer): [10, 20, 30]},
        prices={(sku, ""): 100},
        resources={resource_name: (10, 20)},
        capacity={resource_name: [100, 100, 100]},
        routings={(sku, resource_name): 1.0},
        costs={sku: {"material": 5}},
        inventory={sku: {"opening": 0}},
        materials={material: [1000, 1000, 1000]},
        bom={(sku, material): 1},
    )


@pytest.fixture(scope="module")
def formula_plan_data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("csv")
    write_pack(plan(_formula_inputs()), folder / "pack.xlsx", plan_data=folder / "plan.csv")
    return folder


def test_plan_data_csv_text_that_would_be_a_formula_starts_with_an_apostrophe(formula_plan_data):
    import csv

    with open(formula_plan_data / "plan.csv", newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    for column, text in CSV_FORMULAS.items():
        assert {row[column] for row in rows} - {""} == {"'" + text}, column
    assert all(float(row["Value"]) == float(row["Value"]) for row in rows)  # every value a number
    assert {row["Measure"] for row in rows} >= {"Demand", "Revenue", "Used hours", "Material used"}


def test_plan_data_csv_opened_in_libreoffice_has_no_formula_and_numbers_stay_numbers(formula_plan_data, tmp_path):
    from libreoffice import convert

    converted = convert(formula_plan_data / "plan.csv", "xlsx", tmp_path / "lo", tmp_path)
    sheet = openpyxl.load_workbook(converted).active
    rows = list(sheet.iter_rows(min_row=2))
    assert rows and all(cell.data_type != "f" for row in rows for cell in row)
    assert all(row[10].data_type == "n" for row in rows)  # Value, after Channel and Region (issue 24)
    assert {row[2].value for row in rows} - {None} == {"'=1+1"}


def test_plan_data_parquet_keeps_the_exact_text(tmp_path):
    pytest.importorskip("pyarrow")
    write_pack(plan(_formula_inputs()), tmp_path / "pack.xlsx", plan_data=tmp_path / "plan.parquet")
    table = pd.read_parquet(tmp_path / "plan.parquet")
    for column, text in CSV_FORMULAS.items():
        assert set(table[column].dropna()) == {text}, column


# ----------------------------------------------------------------------------------------------------------------
# The doc


def test_the_robustness_doc_is_up_to_date():
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "robustness_doc.py"), "--check"], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_folder_file_with_control_characters_in_its_name_is_named_with_them_shown(hostile_pair, tmp_path):
    # Issue 24: a folder of team files; the other side's file in it, under a name that would clear the screen.
    folder = tmp_path / "sales"
    folder.mkdir()
    shutil.copy(hostile_pair[0], folder / "north.xlsx")
    shutil.copy(hostile_pair[1], folder / "pl\x1b[2Jant\n.xlsx")
    result = CliRunner().invoke(main, ["validate", str(folder)])
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert not RAW_CONTROL.search(result.output), repr(result.output)
    assert "pl\\x1b[2Jant\\x0a.xlsx is a capacity template, not a demand template" in result.output
