"""Tests of templates.py: the blank templates follow the schema and the committed ones do not drift."""

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from sop_workbook import schema
from sop_workbook.errors import OutputError
from sop_workbook.inputs import Cycle, build_inputs
from sop_workbook.reader import read
from sop_workbook.templates import default_cycle_month, write_filled, write_templates

COMMITTED = Path(__file__).resolve().parent.parent / "templates"
COMMITTED_CYCLE_MONTH = "2027-01"


def _parts(path: Path) -> dict[str, bytes]:
    """Every part of an .xlsx but the document properties, which carry the time it was saved."""
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist() if name != "docProps/core.xml"}


@pytest.mark.parametrize("name", ["demand.xlsx", "capacity.xlsx"])
def test_committed_templates_are_what_the_generator_writes(tmp_path, name):
    write_templates(tmp_path, COMMITTED_CYCLE_MONTH, 18)
    committed, fresh = _parts(COMMITTED / name), _parts(tmp_path / name)
    drifted = sorted(part for part in set(committed) | set(fresh) if committed.get(part) != fresh.get(part))
    assert not drifted, (
        f"templates/{name} differs from what `sop templates templates "
        f"--cycle-month {COMMITTED_CYCLE_MONTH}` writes in {drifted}; regenerate it"
    )


@pytest.mark.parametrize("tmpl", schema.TEMPLATES, ids=lambda t: t.kind)
def test_every_schema_sheet_and_header_is_in_the_template(tmp_path, tmpl):
    write_templates(tmp_path, "2027-03", 6)
    workbook = openpyxl.load_workbook(tmp_path / tmpl.filename)
    assert workbook.sheetnames == [schema.INSTRUCTIONS_SHEET] + [s.name for s in tmpl.sheets]
    for sheet in tmpl.sheets:
        ws = workbook[sheet.name]
        headers = [c.value for c in ws[1]]
        if sheet.key_value:
            assert [ws.cell(row=r, column=1).value for r in range(2, 2 + len(sheet.columns))] == [
                c.header for c in sheet.columns
            ]
            continue
        fixed = [c.header for c in sheet.columns]
        assert headers[: len(fixed)] == fixed
        months = headers[len(fixed) :]
        if sheet.months == schema.HORIZON:
            assert months == [dt.datetime(2027, m, 1) for m in range(3, 9)]
        elif sheet.months == schema.PAST:
            assert months[0] == dt.datetime(2026, 3, 1) and months[-1] == dt.datetime(2027, 2, 1)
            assert len(months) == 12
        else:
            assert months == []
        for cell in ws[1][len(fixed) :]:
            assert cell.number_format == "mmm-yy"
        assert ws.freeze_panes is not None
        assert len(ws.tables) == 1


def test_dropdowns_offer_the_schema_choices_and_lookups(tmp_path):
    write_templates(tmp_path, "2027-01", 18)
    workbook = openpyxl.load_workbook(tmp_path / "demand.xlsx")
    forecast = {str(v.sqref): v.formula1 for v in workbook["Forecast"].data_validations.dataValidation}
    assert forecast["A2:A5001"] == "'Products'!$A$2:$A$5001"
    assert forecast["C2:C5001"] == '"Base,Upside,Downside"'
    capacity = openpyxl.load_workbook(tmp_path / "capacity.xlsx")
    costs = {str(v.sqref): v.formula1 for v in capacity["Costs"].data_validations.dataValidation}
    assert costs["E2:E5001"] == '"Backlog,Lost"'
    routings = {str(v.sqref): v.formula1 for v in capacity["Routings"].data_validations.dataValidation}
    assert routings["B2:B5001"] == "'Resources'!$A$2:$A$5001"


def test_cycle_sheet_holds_the_cycle(tmp_path):
    write_templates(tmp_path, "2027-05", 12)
    ws = openpyxl.load_workbook(tmp_path / "capacity.xlsx")["Cycle"]
    values = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=2).value for r in range(2, 7)}
    assert values["Cycle month"] == dt.datetime(2027, 5, 1)
    assert values["Horizon (months)"] == 12


def test_default_cycle_month_is_next_month():
    assert default_cycle_month(dt.date(2026, 12, 15)) == pd.Timestamp("2027-01-01")
    assert default_cycle_month(dt.date(2026, 11, 26)) == pd.Timestamp("2026-12-01")


def test_write_filled_pivots_months_back_to_columns(tmp_path):
    cycle = Cycle("Acme", pd.Timestamp("2027-01-01"), 3, "USD")
    forecast = pd.DataFrame(
        {
            "SKU": ["A"] * 3 + ["B"] * 3,
            "Customer": ["X"] * 6,
            "Scenario": ["Base"] * 6,
            "Month": cycle.months * 2,
            "Forecast": [1.0, 2, 3, 4, 5, 6],
        }
    )
    products = pd.DataFrame({"SKU": ["A", "B"], "Family": ["F", "G"], "Status": ["Active", "Launch"]})
    write_filled(tmp_path, build_inputs(cycle, products=products, forecast=forecast))
    workbook = openpyxl.load_workbook(tmp_path / "demand.xlsx")
    rows = [[c.value for c in r] for r in workbook["Forecast"].iter_rows(min_row=2, max_row=3)]
    assert rows == [["A", "X", "Base", 1, 2, 3], ["B", "X", "Base", 4, 5, 6]]
    assert [c.value for c in workbook["Products"][3][:5]] == ["B", None, "G", "each", "Launch"]
    assert workbook["Cycle"]["B2"].value == "Acme"
    assert workbook["Forecast"].tables["Forecast"].ref == "A2:F3"


def test_write_filled_keeps_one_row_per_key_not_every_combination(tmp_path):
    # Two subcontractors of one SKU at different costs are two rows, not the 2 × 2 combinations of the columns.
    cycle = Cycle("Acme", pd.Timestamp("2027-01-01"), 2, "USD")
    subcontract = pd.DataFrame(
        {
            "SKU": ["A", "A", "A", "A"],
            "Subcontractor": ["K1", "K1", "K2", "K2"],
            "Cost per unit": [10.0, 10.0, 12.0, 12.0],
            "Month": cycle.months * 2,
            "Max units": [5.0, 6.0, 7.0, float("nan")],
        }
    )
    write_filled(tmp_path, build_inputs(cycle, subcontract=subcontract))
    ws = openpyxl.load_workbook(tmp_path / "capacity.xlsx")["Subcontract"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2, max_row=4)]
    assert rows == [["A", "K1", 10, 5, 6], ["A", "K2", 12, 7, None], [None] * 5]


def test_templates_that_exist_are_refused_unless_force_and_neither_file_is_written(tmp_path):
    (tmp_path / "capacity.xlsx").write_bytes(b"Operations' filled template")
    with pytest.raises(OutputError, match="capacity.xlsx: exists already; choose another name or pass --force"):
        write_templates(tmp_path, "2027-01", 6)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["capacity.xlsx"]
    assert (tmp_path / "capacity.xlsx").read_bytes() == b"Operations' filled template"
    write_templates(tmp_path, "2027-01", 6, force=True)
    assert openpyxl.load_workbook(tmp_path / "capacity.xlsx")["Cycle"]["B4"].value == 6
    assert sorted(p.name for p in tmp_path.iterdir()) == ["capacity.xlsx", "demand.xlsx"]


# Texts a planner may type that openpyxl would otherwise store as something else: a formula, an error value, an
# escape sequence read back as another character, or a character it refuses.
EXACT_TEXTS = ["=1+1", "#N/A", "#DIV/0!", "x_x0041_y", "_x001B_", "\x1b[31mred\x07", "+cmd", "@SUM(A1)", "-2+3"]


def test_write_filled_writes_every_text_as_exactly_that_text(tmp_path):
    cycle = Cycle("Acme", pd.Timestamp("2027-01-01"), 2, "USD")
    forecast = pd.DataFrame(
        {
            "SKU": "A",
            "Customer": [text for text in EXACT_TEXTS for _ in range(2)],
            "Scenario": "Base",
            "Month": cycle.months * len(EXACT_TEXTS),
            "Forecast": 1.0,
        }
    )
    products = pd.DataFrame({"SKU": ["A"], "Family": ["\x1b]0;family\x07"], "Status": ["Active"]})
    demand, _ = write_filled(tmp_path, build_inputs(cycle, products=products, forecast=forecast))
    sheet = openpyxl.load_workbook(demand)["Forecast"]
    assert [sheet.cell(row=r, column=2).data_type for r in range(2, 2 + len(EXACT_TEXTS))] == ["s"] * len(EXACT_TEXTS)
    read_back = read(demand, tmp_path / "capacity.xlsx")
    assert list(dict.fromkeys(read_back.forecast["Customer"])) == EXACT_TEXTS
    assert read_back.products["Family"].tolist() == ["\x1b]0;family\x07"]
