"""Tests for sop_workbook.annotate: findings written back into copies of the planners' templates."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook
from test_reader import small_inputs

from sop_workbook.annotate import FILLS, annotate, annotated_name
from sop_workbook.errors import ERROR, WARNING, Finding, OutputError
from sop_workbook.reader import validate
from sop_workbook.templates import write_filled


@pytest.fixture(scope="module")
def clean_pair(tmp_path_factory) -> tuple[Path, Path]:
    return write_filled(tmp_path_factory.mktemp("clean"), small_inputs())


@pytest.fixture(scope="module")
def flagged(clean_pair, tmp_path_factory) -> tuple[Path, Path, list[Finding]]:
    """A filled pair with one error (text in a forecast cell) and one warning (hours typed as text)."""
    directory = tmp_path_factory.mktemp("flagged")
    demand, capacity = (Path(shutil.copy(path, directory)) for path in clean_pair)
    workbook = openpyxl.load_workbook(demand)
    workbook["Forecast"]["E3"] = "twelve"
    workbook.save(demand)
    workbook = openpyxl.load_workbook(capacity)
    workbook["Capacity"]["C2"] = " 35 "
    workbook.save(capacity)
    return demand, capacity, validate(demand, capacity)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def annotated(flagged, tmp_path_factory) -> list[Path]:
    demand, capacity, findings = flagged
    return annotate(findings, demand, capacity, tmp_path_factory.mktemp("checked"))


def test_annotate_writes_copies_and_leaves_inputs_untouched(flagged, tmp_path):
    demand, capacity, findings = flagged
    before = [_sha(demand), _sha(capacity)]
    written = annotate(findings, demand, capacity, tmp_path / "checked")
    assert written == [tmp_path / "checked" / "demand-findings.xlsx", tmp_path / "checked" / "capacity-findings.xlsx"]
    assert all(path.is_file() for path in written)
    assert [_sha(demand), _sha(capacity)] == before


@pytest.mark.parametrize(
    "index, sheet, cell, severity, text",
    [
        (0, "Forecast", "E3", ERROR, "'twelve' is not a number"),
        (1, "Capacity", "C2", WARNING, "' 35 ' is a number typed as text"),
    ],
)
def test_flagged_cell_is_filled_and_commented(annotated, index, sheet, cell, severity, text):
    written = annotated
    target = openpyxl.load_workbook(written[index])[sheet][cell]
    assert target.fill.fgColor.rgb.endswith(FILLS[severity].fgColor.rgb[-6:])
    assert text in target.comment.text
    assert target.comment.text.startswith(severity.capitalize())


def test_findings_sheet_lists_each_finding_with_a_link(flagged, annotated):
    findings, written = flagged[2], annotated
    workbook = openpyxl.load_workbook(written[0])
    assert workbook.sheetnames[0] == "Findings"
    ws = workbook["Findings"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    own = [f for f in findings if f.file == "demand.xlsx"]
    assert [(r[0], r[1], r[2], r[4]) for r in rows] == [(f.severity, f.sheet, f.cell, f.message) for f in own]
    assert ws["C2"].hyperlink.location == "'Forecast'!E3"
    assert ws["C2"].hyperlink.target is None  # internal, not a link to a file


def test_unflagged_cells_keep_their_look(flagged, annotated):
    demand, written = flagged[0], annotated
    original = openpyxl.load_workbook(demand)["Forecast"]["D3"]
    copy = openpyxl.load_workbook(written[0])["Forecast"]["D3"]
    assert copy.fill.fgColor.rgb == original.fill.fgColor.rgb
    assert copy.comment is None


def test_clean_inputs_get_a_findings_sheet_saying_so(clean_pair, tmp_path):
    demand, capacity = clean_pair
    written = annotate(validate(demand, capacity), demand, capacity, tmp_path / "checked")
    ws = openpyxl.load_workbook(written[1])["Findings"]
    assert ws["A2"].value == "No problems found."


def test_a_file_that_is_not_a_workbook_gets_no_copy(clean_pair, tmp_path):
    demand, capacity = tmp_path / "demand.xlsx", clean_pair[1]
    demand.write_text("SKU,Customer\n")
    findings = validate(demand, capacity)
    written = annotate(findings, demand, capacity, tmp_path / "checked")
    assert [p.name for p in written] == ["capacity-findings.xlsx"]


def test_annotating_into_the_inputs_folder_never_overwrites_them(flagged, tmp_path):
    demand, capacity = (Path(shutil.copy(path, tmp_path)) for path in flagged[:2])
    findings = flagged[2]
    before = [_sha(demand), _sha(capacity)]
    written = annotate(findings, demand, capacity, tmp_path)
    assert [p.name for p in written] == [annotated_name(demand), annotated_name(capacity)]
    assert [_sha(demand), _sha(capacity)] == before


def test_message_that_looks_like_a_formula_stays_text(clean_pair, tmp_path):
    demand, capacity = clean_pair
    finding = Finding("demand.xlsx", "Forecast", 2, "B2", ERROR, '=HYPERLINK("http://x") is not a customer')
    written = annotate([finding], demand, capacity, tmp_path / "checked")
    cell = openpyxl.load_workbook(written[0])["Findings"]["E2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_every_text_of_a_finding_is_written_as_exactly_that_text(clean_pair, tmp_path):
    # A sheet name and a cell comment quoting planner text: "=" makes a formula, "#N/A" an error value and ESC an
    # illegal character for openpyxl, unless each is written as a string in its escaped form.
    demand, capacity = clean_pair
    findings = [
        Finding("demand.xlsx", "=SUM(1)", 0, "", WARNING, "the sheet '=SUM(1)' is not one of the template; ignored"),
        Finding("demand.xlsx", "Forecast", 2, "D2", ERROR, "'\x1b]0;owned\x07' is not a number"),
        Finding("demand.xlsx", "#N/A", 0, "", WARNING, "#N/A"),
    ]
    written = annotate(findings, demand, capacity, tmp_path / "checked")
    sheet = openpyxl.load_workbook(written[0])["Findings"]
    assert all(cell.data_type in ("s", "n") for row in sheet.iter_rows() for cell in row if cell.value is not None)
    rows = CalamineWorkbook.from_path(str(written[0])).get_sheet_by_name("Findings").to_python()
    assert sorted((row[1], row[4]) for row in rows[1:]) == sorted((f.sheet, f.message) for f in findings)
    comments = openpyxl.load_workbook(written[0])["Forecast"]["D2"].comment.text
    assert comments.startswith("Error: '_x001B_]0;owned_x0007_' is not a number")


def test_a_copy_is_never_written_through_a_link_and_both_copies_or_neither_are_written(flagged, tmp_path):
    demand, capacity, findings = flagged
    checked = tmp_path / "checked"
    checked.mkdir()
    victim = tmp_path / "victim.xlsx"
    victim.write_bytes(b"someone's workbook")
    (checked / "demand-findings.xlsx").symlink_to(victim)
    written = annotate(findings, demand, capacity, checked)
    assert victim.read_bytes() == b"someone's workbook"
    assert [path.is_symlink() for path in written] == [False, False]
    assert sorted(p.name for p in checked.iterdir()) == ["capacity-findings.xlsx", "demand-findings.xlsx"]


def test_unwritable_folder_is_an_output_error(flagged, tmp_path):
    demand, capacity, findings = flagged
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(OutputError):
        annotate(findings, demand, capacity, blocker / "sub")


def test_copy_of_a_planner_file_opens_and_reads_back(flagged, annotated, tmp_path):
    findings, written = flagged[2], annotated
    # The annotated copies are still templates: renamed back, they give the same findings plus the extra sheet.
    again = tmp_path / "again"
    again.mkdir()
    shutil.copy(written[0], again / "demand.xlsx")
    shutil.copy(written[1], again / "capacity.xlsx")
    refound = validate(again / "demand.xlsx", again / "capacity.xlsx")
    assert [f for f in refound if f.sheet != "Findings"] == findings


def test_libreoffice_opens_the_copy_with_its_marks(annotated, tmp_path):
    libreoffice = pytest.importorskip("libreoffice")
    converted = libreoffice.convert(annotated[0], "xlsx", tmp_path / "lo", tmp_path / "work")
    workbook = openpyxl.load_workbook(converted)
    assert workbook.sheetnames[0] == "Findings"
    assert "'twelve' is not a number" in workbook["Forecast"]["E3"].comment.text
    assert workbook["Forecast"]["E3"].fill.fgColor.rgb.endswith("FFC7CE")
    assert workbook["Findings"]["C2"].hyperlink.location.replace("'", "") == "Forecast!E3"
