"""Tests of workbook/package.py: the threaded zip gives the bytes of zipfile's own, for any parts and any pack."""

import functools
import os
import random
import time
import zipfile
import zlib

import pytest
import xlsxwriter

from sop_workbook.workbook.package import LEVEL, ThreadedZipFile, threaded_zip


def _parts(folder):
    """Files of the sizes a pack has: empty, tiny, a few chunks of compressible XML and incompressible bytes."""
    rng = random.Random(7)
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{rng.random():.6f}</v></c></row>' for r in range(60_000))
    contents = {
        "empty.xml": b"",
        "tiny.xml": b"<a/>",
        "sheet.xml": rows.encode(),
        "image.bin": bytes(rng.getrandbits(8) for _ in range(300_000)),
        "more.xml": rows[:5000].encode(),
    }
    paths = []
    for name, data in contents.items():
        path = folder / name
        path.write_bytes(data)
        stamp = time.mktime((1980, 1, 31, 0, 0, 0, 0, 0, -1))
        os.utime(path, (stamp, stamp))
        paths.append(path)
    return paths


def _zip(cls, target, paths, remove):
    with cls(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in paths:
            archive.write(path, f"xl/{path.name}")
            if remove:  # as xlsxwriter does, at once
                os.remove(path)


def test_the_zip_is_byte_for_byte_zipfiles_own_even_when_parts_are_removed_at_once(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    _zip(zipfile.ZipFile, tmp_path / "plain.zip", _parts(tmp_path / "a"), remove=False)
    _zip(ThreadedZipFile, tmp_path / "threaded.zip", _parts(tmp_path / "b"), remove=True)
    assert (tmp_path / "threaded.zip").read_bytes() == (tmp_path / "plain.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "threaded.zip") as archive:
        assert archive.testzip() is None
        assert archive.read("xl/tiny.xml") == b"<a/>"
        assert archive.namelist() == ["xl/empty.xml", "xl/tiny.xml", "xl/sheet.xml", "xl/image.bin", "xl/more.xml"]


def test_an_xlsxwriter_workbook_is_the_same_file_through_the_threaded_zip(tmp_path):
    def book(path):
        workbook = xlsxwriter.Workbook(path)
        sheet = workbook.add_worksheet("Plan")
        for row in range(3000):
            sheet.write_row(row, 0, [f"SKU-{row}", row * 1.5, f"=B{row + 1}*2"])
        sheet.write_comment(0, 0, "a note")
        chart = workbook.add_chart({"type": "line"})
        chart.add_series({"values": "=Plan!$B$1:$B$50"})
        sheet.insert_chart("E2", chart)
        workbook.set_properties({"created": __import__("datetime").datetime(2027, 1, 1)})
        return workbook

    # xlsxwriter's own zip at the pack's level: the threaded one must give the same bytes.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(xlsxwriter.workbook, "ZipFile", functools.partial(zipfile.ZipFile, compresslevel=LEVEL))
        book(tmp_path / "plain.xlsx").close()
    with threaded_zip():
        book(tmp_path / "threaded.xlsx").close()
    assert xlsxwriter.workbook.ZipFile is zipfile.ZipFile  # put back after the block
    assert (tmp_path / "threaded.xlsx").read_bytes() == (tmp_path / "plain.xlsx").read_bytes()
    # And the level is zlib's fastest: the sheet's part is the raw deflate of its XML at level 1.
    with zipfile.ZipFile(tmp_path / "threaded.xlsx") as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
        xml = archive.read(info)
        raw = (tmp_path / "threaded.xlsx").read_bytes()
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    compressor = zlib.compressobj(1, zlib.DEFLATED, -15)
    assert LEVEL == 1
    assert raw[start : start + info.compress_size] == compressor.compress(xml) + compressor.flush()


def test_a_part_that_cannot_be_read_fails_the_write_and_leaves_no_thread(tmp_path):
    import threading

    archive = ThreadedZipFile(tmp_path / "x.zip", "w", compression=zipfile.ZIP_DEFLATED)
    with pytest.raises(FileNotFoundError):
        archive.write(tmp_path / "missing.xml", "xl/missing.xml")
    archive.close()
    assert not [thread for thread in threading.enumerate() if thread.name.startswith("sop-deflate")]
