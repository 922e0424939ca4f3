"""Tests of output.py: files written together or not at all, never over a file that appeared meanwhile, working
folders of killed runs removed, and text that stays text in CSV files and in cells written with openpyxl."""

from __future__ import annotations

import errno
import fcntl
import os
import signal
import time
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from sop_workbook.errors import OutputError
from sop_workbook.output import (
    check_distinct,
    check_target,
    csv_safe,
    remove_stale,
    working_folder,
    write_plan_data,
    write_together,
    xlsx_text,
)


def _writes(text: str):
    def write(name: str) -> None:
        Path(name).write_text(text)

    return write


def _listing(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


# ----------------------------------------------------------------------------------------------------------------
# Written together, or not at all


def test_files_written_together_are_all_in_place_and_nothing_else_is_left(tmp_path):
    (tmp_path / "other").mkdir()
    written = write_together(
        [(tmp_path / "pack.xlsx", _writes("pack")), (tmp_path / "other" / "plan.csv", _writes("csv"))], force=False
    )
    assert written == [tmp_path / "pack.xlsx", tmp_path / "other" / "plan.csv"]
    assert (tmp_path / "pack.xlsx").read_text() == "pack" and (tmp_path / "other" / "plan.csv").read_text() == "csv"
    assert _listing(tmp_path) == ["other", "pack.xlsx"] and _listing(tmp_path / "other") == ["plan.csv"]
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "pack.xlsx").stat().st_mode & 0o777 == 0o666 & ~umask


def test_a_file_that_appears_meanwhile_is_not_replaced_and_neither_file_is_placed(tmp_path):
    # Another run writes plan.csv while this one is still writing: without force, this run must give way.
    def write_while_another_run_finishes(name: str) -> None:
        Path(name).write_text("this run's csv")
        (tmp_path / "plan.csv").write_text("the other run's csv")

    with pytest.raises(OutputError, match="plan.csv: exists already .*another run"):
        write_together(
            [(tmp_path / "pack.xlsx", _writes("pack")), (tmp_path / "plan.csv", write_while_another_run_finishes)],
            force=False,
        )
    assert (tmp_path / "plan.csv").read_text() == "the other run's csv"
    assert _listing(tmp_path) == ["plan.csv"]


def test_when_the_second_file_cannot_be_put_in_place_the_first_is_taken_back(tmp_path):
    (tmp_path / "pack.xlsx").write_text("last month's pack")
    # A folder (with a file in it) where the second file goes: the rename over it fails after the pack's succeeded.
    (tmp_path / "plan.csv").mkdir()
    (tmp_path / "plan.csv" / "keep").write_text("")
    with pytest.raises(OutputError, match="plan.csv: cannot be written: Is a directory"):
        write_together([(tmp_path / "pack.xlsx", _writes("new")), (tmp_path / "plan.csv", _writes("csv"))], force=True)
    assert (tmp_path / "pack.xlsx").read_text() == "last month's pack"
    assert _listing(tmp_path) == ["pack.xlsx", "plan.csv"]


@pytest.mark.parametrize(
    "failure, raised",
    [(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), OutputError), (KeyboardInterrupt(), KeyboardInterrupt)],
    ids=["disk-full", "ctrl-c"],
)
def test_a_failure_while_writing_the_second_file_leaves_both_targets_as_they_were(tmp_path, failure, raised):
    (tmp_path / "pack.xlsx").write_text("last month's pack")

    def fail(name: str) -> None:
        Path(name).write_text("half")
        raise failure

    with pytest.raises(raised):
        write_together([(tmp_path / "pack.xlsx", _writes("new")), (tmp_path / "plan.csv", fail)], force=True)
    assert (tmp_path / "pack.xlsx").read_text() == "last month's pack"
    assert _listing(tmp_path) == ["pack.xlsx"]


def test_a_symbolic_link_at_the_target_is_replaced_not_followed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("someone's file")
    (tmp_path / "pack.xlsx").symlink_to(victim)
    write_together([(tmp_path / "pack.xlsx", _writes("pack"))], force=True)
    assert victim.read_text() == "someone's file"
    assert not (tmp_path / "pack.xlsx").is_symlink() and (tmp_path / "pack.xlsx").read_text() == "pack"


# ----------------------------------------------------------------------------------------------------------------
# Checks before the work


@pytest.mark.parametrize(
    "make, clash",
    [
        (lambda f: f / "demand.xlsx", True),
        (lambda f: f / "sub" / ".." / "demand.xlsx", True),
        (lambda f: (f / "link.xlsx").symlink_to(f / "demand.xlsx") or f / "link.xlsx", True),
        (lambda f: os.link(f / "demand.xlsx", f / "hard.xlsx") or f / "hard.xlsx", True),
        (lambda f: f / "pack.xlsx", False),
    ],
    ids=["same-path", "other-spelling", "symbolic-link", "hard-link", "distinct"],
)
def test_an_output_that_is_an_input_is_refused_however_it_is_named(tmp_path, make, clash):
    (tmp_path / "demand.xlsx").write_text("Sales' template")
    (tmp_path / "sub").mkdir()
    output = make(tmp_path)
    if clash:
        with pytest.raises(OutputError, match=r"is the demand template \(.*demand.xlsx\); choose another name"):
            check_distinct({"the meeting pack": output}, {"the demand template": tmp_path / "demand.xlsx"})
    else:
        check_distinct({"the meeting pack": output}, {"the demand template": tmp_path / "demand.xlsx"})


def test_two_outputs_at_one_path_are_refused(tmp_path):
    with pytest.raises(OutputError, match="is the meeting pack"):
        check_distinct({"the meeting pack": tmp_path / "x.csv", "the Plan Data file": tmp_path / "x.csv"}, {})


def test_a_name_longer_than_the_file_system_takes_is_a_clear_error(tmp_path):
    assert check_target(tmp_path / ("p" * 250 + ".xlsx"), force=False).name == "p" * 250 + ".xlsx"
    with pytest.raises(OutputError, match="longer than the 255 bytes the file system takes"):
        check_target(tmp_path / ("p" * 251 + ".xlsx"), force=False)


# ----------------------------------------------------------------------------------------------------------------
# Working folders of killed runs


def test_nested_working_folders_are_one_folder_removed_by_the_outermost(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    with working_folder() as outer:
        with working_folder() as inner:
            assert inner == outer
        assert outer.is_dir() and outer.name.startswith(f"sop-{os.getpid()}-")
    assert _listing(tmp_path) == []


def _child(body) -> int:
    pid = os.fork()
    if pid == 0:
        try:
            body()
        finally:
            os._exit(0)
    return pid


def test_a_working_folder_is_removed_by_the_next_run_once_its_process_is_gone(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)

    def killed_mid_run():
        with working_folder() as folder:
            (folder / "rows.xml").write_text("x" * 1000)
            os.kill(os.getpid(), signal.SIGKILL)

    os.waitpid(_child(killed_mid_run), 0)
    (stale,) = tmp_path.iterdir()
    assert (stale / "rows.xml").exists()
    (tmp_path / "sop-notes").mkdir()  # a name of another program's, or the user's: never touched
    with working_folder() as folder:
        assert _listing(tmp_path) == sorted([folder.name, "sop-notes"])
    assert _listing(tmp_path) == ["sop-notes"]


def test_a_working_folder_still_locked_by_a_child_of_a_killed_run_is_kept(tmp_path):
    # The run's process is gone, but a process it forked (a worker still writing a sheet) holds the lock.
    read_end, write_end = os.pipe()

    def run_with_a_worker():
        with working_folder() as folder:
            (tmp_path / "folder").write_text(str(folder))
            if os.fork() == 0:  # the worker: keeps the lock until the test closes the pipe
                os.close(write_end)
                os.read(read_end, 1)
                os._exit(0)
            os.kill(os.getpid(), signal.SIGKILL)

    os.environ["TMPDIR"] = str(tmp_path / "tmp")
    (tmp_path / "tmp").mkdir()
    try:
        import tempfile

        tempfile.tempdir = None
        os.waitpid(_child(run_with_a_worker), 0)
        os.close(read_end)
        folder = Path((tmp_path / "folder").read_text())
        assert remove_stale(folder.parent) == [] and folder.is_dir()
        os.close(write_end)  # the worker ends
        deadline = time.monotonic() + 30
        while folder.is_dir() and time.monotonic() < deadline:
            remove_stale(folder.parent)
            time.sleep(0.05)
        assert not folder.exists()
    finally:
        del os.environ["TMPDIR"]
        tempfile.tempdir = None


def test_a_working_folder_lock_is_held_while_in_use(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    with working_folder() as folder:
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(descriptor)


# ----------------------------------------------------------------------------------------------------------------
# Text stays text


CSV_TEXTS = [
    ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
    ("+1+1", "'+1+1"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("Müller GmbH", "Müller GmbH"),
    ("A=B", "A=B"),
    ("'quoted", "'quoted"),
]


def test_csv_safe_prefixes_formula_text_and_leaves_numbers_dates_and_other_text(tmp_path):
    frame = pd.DataFrame(
        {
            "SKU": pd.array([text for text, _ in CSV_TEXTS] + [None], dtype="string"),
            "Customer": [text for text, _ in CSV_TEXTS] + [None],
            "Month": pd.Timestamp("2027-01-01"),
            "Value": [-1.5] * len(CSV_TEXTS) + [2.0],
        }
    )
    safe = csv_safe(frame)
    expected = [shown for _, shown in CSV_TEXTS]
    assert safe["SKU"].tolist()[:-1] == expected and pd.isna(safe["SKU"].iloc[-1])
    assert safe["Customer"].tolist()[:-1] == expected and pd.isna(safe["Customer"].iloc[-1])
    assert safe["Value"].tolist() == frame["Value"].tolist()
    assert frame["SKU"].iloc[0] == CSV_TEXTS[0][0]  # the table itself is not changed
    clean = frame.iloc[6:8]
    assert csv_safe(clean) is clean


def test_plan_data_parquet_keeps_the_exact_text(tmp_path):
    pytest.importorskip("pyarrow")
    frame = pd.DataFrame({"SKU": pd.array([text for text, _ in CSV_TEXTS], dtype="string"), "Value": 1.0})
    write_plan_data(frame, str(tmp_path / "plan.parquet"), ".parquet")
    assert pd.read_parquet(tmp_path / "plan.parquet")["SKU"].tolist() == [text for text, _ in CSV_TEXTS]


# Text that the reader can give back: any character but lone surrogates, and U+FFFE / U+FFFF, non-characters that
# calamine leaves as their escape (LibreOffice reads them back).
_READABLE = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\ufffe\uffff"), min_size=1, max_size=30
)
_TRICKY = st.sampled_from(["\x1b]0;title\x07", "_x001B_", "_x005F_x0041_", "=1+1", "#N/A", "\r\n", "\x00", " "])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(st.one_of(_READABLE, _TRICKY, st.tuples(_TRICKY, _READABLE).map("".join)), max_size=8))
def test_xlsx_text_written_with_openpyxl_reads_back_as_the_same_text(tmp_path, texts):
    workbook = openpyxl.Workbook()
    for row, text in enumerate(texts, start=1):
        cell = workbook.active.cell(row=row, column=1)
        cell.value = xlsx_text(text)
        cell.data_type = "s"
    workbook.save(tmp_path / "text.xlsx")
    rows = CalamineWorkbook.from_path(str(tmp_path / "text.xlsx")).get_sheet_by_index(0).to_python()
    assert [row[0] for row in rows][: len(texts)] == texts
