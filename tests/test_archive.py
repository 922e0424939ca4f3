"""Tests of archive.py: the guard every opened workbook goes through, on real files written here."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import openpyxl
import pytest

from sop_workbook.archive import MAX_GRID_CELLS, FileRefused, Role, guard

PACK = Role("last month's pack", "pack")
SOUND = b'<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData></worksheet>'
DOCTYPE = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><worksheet/>'


def workbook(path: Path, sheets: list[str]) -> Path:
    """A workbook with these sheets, one value in each, saved by openpyxl."""
    book = openpyxl.Workbook()
    book.active.title = sheets[0]
    for name in sheets[1:]:
        book.create_sheet(name)
    for sheet in book.worksheets:
        sheet["A1"] = 1
    book.save(path)
    return path


def with_parts(source: Path, target: Path, parts: dict[str, bytes]) -> Path:
    """A copy of a workbook with some parts replaced, in the archive's order."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in original.infolist():
            copy.writestr(info.filename, parts.get(info.filename, original.read(info.filename)))
    return target


@pytest.mark.parametrize(
    "bad, first",
    [
        ({"xl/worksheets/sheet2.xml": DOCTYPE + b" " * 5000, "xl/worksheets/sheet3.xml": DOCTYPE}, "sheet2.xml"),
        ({"xl/worksheets/sheet1.xml": DOCTYPE, "xl/worksheets/sheet3.xml": DOCTYPE}, "sheet1.xml"),
    ],
)
def test_the_first_bad_part_in_the_archive_is_named(tmp_path, bad, first):
    clean = workbook(tmp_path / "clean.xlsx", ["One", "Two", "Three"])
    with pytest.raises(FileRefused) as refused:
        guard(with_parts(clean, tmp_path / "pack.xlsx", bad), PACK)
    assert f"document type declaration (in xl/worksheets/{first})" in refused.value.problem
    assert str(refused.value).startswith("pack.xlsx: last month's pack contains an XML document type declaration")
    assert "Save the pack again from Excel" in refused.value.problem


def test_a_sound_workbook_gives_its_bytes_sheets_and_extents(tmp_path):
    path = workbook(tmp_path / "pack.xlsx", ["Plan Data", "Decisions"])
    archive = guard(path, PACK, keep_xml=True)
    assert archive.data == path.read_bytes() and len(archive.sha256) == 64
    assert archive.sheet_parts == {"Plan Data": "xl/worksheets/sheet1.xml", "Decisions": "xl/worksheets/sheet2.xml"}
    assert archive.extents == {"Plan Data": (1, 1), "Decisions": (1, 1)}
    assert set(archive.sheet_xml) == {"Plan Data", "Decisions"}
    assert archive.sheet_problem("Plan Data") is None
    archive.check_sheets()


def test_sheet_names_are_read_as_xml_decodes_them(tmp_path):
    # A name written with character references is the name calamine and openpyxl give: its extent is the one
    # checked, never left unchecked for want of a match.
    path = workbook(tmp_path / "book.xlsx", ["Products"])
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/workbook.xml").replace(b'name="Products"', b'name="Pro&#100;ucts &amp; more"')
    archive = guard(with_parts(path, tmp_path / "named.xlsx", {"xl/workbook.xml": xml}), PACK)
    assert archive.sheet_parts == {"Products & more": "xl/worksheets/sheet1.xml"}
    assert archive.sheet_problem("Products & more") is None
    assert "lists no part for it" in archive.sheet_problem("Products")


def test_only_the_sheets_asked_for_are_unpacked(tmp_path):
    clean = workbook(tmp_path / "clean.xlsx", ["Plan Data", "Inputs"])
    path = with_parts(clean, tmp_path / "pack.xlsx", {"xl/worksheets/sheet2.xml": DOCTYPE})
    archive = guard(path, PACK, sheets=["Plan Data"])  # the sheet nobody parses is neither unpacked nor refused
    assert set(archive.extents) == {"Plan Data"}
    with pytest.raises(FileRefused, match="has a sheet, 'Inputs', that cannot be read: the workbook lists no part"):
        archive.check_sheets(["Inputs"])
    with pytest.raises(FileRefused, match=r"document type declaration \(in xl/worksheets/sheet2.xml\)"):
        guard(path, PACK)


def test_a_sheet_too_large_is_named_and_the_whole_file_refused_where_every_sheet_is_parsed(tmp_path):
    clean = workbook(tmp_path / "clean.xlsx", ["Plan Data", "Decisions"])
    far = SOUND.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>')
    archive = guard(with_parts(clean, tmp_path / "pack.xlsx", {"xl/worksheets/sheet2.xml": far}), PACK)
    assert archive.extents["Decisions"] == (1_048_576, 16_384) and 1_048_576 * 16_384 > MAX_GRID_CELLS
    assert "has cells as far as row 1,048,576 and column XFD" in archive.sheet_problem("Decisions")
    assert "more than the 10,000,000 a pack may use" in archive.sheet_problem("Decisions")
    archive.check_sheets(["Plan Data"])
    with pytest.raises(FileRefused, match="last month's pack has a sheet, 'Decisions', that has cells as far as"):
        archive.check_sheets()


def test_a_damaged_sheet_is_named_and_a_damaged_workbook_part_refuses_the_file(tmp_path):
    clean = workbook(tmp_path / "clean.xlsx", ["One", "Two"])
    data = bytearray(clean.read_bytes())
    with zipfile.ZipFile(clean) as archive:
        info = archive.getinfo("xl/worksheets/sheet2.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start, start + info.compress_size):
        data[i] ^= 0x5A
    (tmp_path / "damaged.xlsx").write_bytes(bytes(data))
    archive = guard(tmp_path / "damaged.xlsx", PACK)
    assert archive.extents["Two"] is None and "its part xl/worksheets/sheet2.xml is damaged" in archive.sheet_problem(
        "Two"
    )
    not_xml = with_parts(clean, tmp_path / "not-xml.xlsx", {"xl/workbook.xml": b"<workbook><sheets>"})
    with pytest.raises(FileRefused, match="is damaged or incomplete"):
        guard(not_xml, PACK)


def test_a_part_in_another_encoding_is_refused(tmp_path):
    # A declaration spelt in UTF-16 would pass a search for its UTF-8 bytes; Excel writes UTF-8 only.
    clean = workbook(tmp_path / "clean.xlsx", ["One"])
    utf16 = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x><worksheet/>'.encode("utf-16")
    with pytest.raises(FileRefused, match="is not UTF-8 text"):
        guard(with_parts(clean, tmp_path / "utf16.xlsx", {"xl/worksheets/sheet1.xml": utf16}), PACK)


@pytest.mark.parametrize(
    "make, problem",
    [
        (lambda path: os.mkfifo(path), "is not a regular file (a pipe, socket or device)"),
        (lambda path: path.mkdir(), "is a folder, not a file"),
        (lambda path: None, "was not found at"),
        (lambda path: path.write_bytes(b""), "is empty; save the pack again from Excel"),
        (lambda path: path.write_bytes(b"%PDF-1.7"), "is a PDF, not an Excel workbook; give the .xlsx pack instead"),
        (lambda path: path.write_text("a,b\n1,2\n"), "perhaps a CSV or text file renamed"),
    ],
    ids=["pipe", "folder", "missing", "empty", "pdf", "csv"],
)
def test_what_is_not_a_workbook_is_refused_before_any_parser_sees_it(tmp_path, make, problem):
    path = tmp_path / "jan.xlsx"
    make(path)
    with pytest.raises(FileRefused) as refused:
        guard(path, PACK)
    assert problem in refused.value.problem
    assert str(refused.value) == f"jan.xlsx: last month's pack {refused.value.problem}"
