"""Tests of changes.py: the comparison of two packs and a bridge whose parts add up, worked by hand; last month's
pack read through the guards."""

import datetime as dt
import os
import signal
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from sop_workbook.archive import FileRefused, Role, guard
from sop_workbook.changes import PLAN_DATA_COLUMNS, PLAN_DATA_SHEET, compare, read_previous
from sop_workbook.errors import TemplateError

JAN, FEB, MAR = pd.Timestamp("2027-01-01"), pd.Timestamp("2027-02-01"), pd.Timestamp("2027-03-01")


def _plan_data(rows):
    """Plan Data rows (Family, SKU, Month, Measure, Value) for the Base scenario, one customer."""
    return pd.DataFrame(
        [
            {
                "Scenario": "Base",
                "Family": f,
                "SKU": s,
                "Customer": "C1",
                "Resource": "",
                "Material": "",
                "Month": m,
                "Measure": measure,
                "Value": v,
            }
            for f, s, m, measure, v in rows
        ]
    )


def _sku(family, sku, month, demand, shipments, price, unit_cost):
    revenue = shipments * price
    return [
        (family, sku, month, "Demand", demand),
        (family, sku, month, "Shipments", shipments),
        (family, sku, month, "Revenue", revenue),
        (family, sku, month, "Contribution margin", revenue - shipments * unit_cost),
    ]


def test_bridge_attributes_each_cause_as_worked_by_hand():
    # Last month: demand 100, shipped 80 at 10, unit cost 6 → revenue 800, margin 320.
    # This month: demand 120, shipped 90 at 11, unit cost 7 → revenue 990, margin 360.
    # Revenue: demand +20·10 = 200; capacity −(30−20)·10 = −100; price 90·1 = 90; total 190 = 990 − 800.
    # Margin: demand 20·4 = 80; capacity −10·4 = −40; price 90; cost −90·1 = −90; total 40 = 360 − 320.
    previous = _plan_data(_sku("Pumps", "P1", FEB, 100, 80, 10, 6))
    current = _plan_data(_sku("Pumps", "P1", FEB, 120, 90, 11, 7))
    changes = compare(previous, current)
    bridge = changes.bridge.set_index(["Measure", "Cause"])["Value"]
    assert bridge[("Revenue", "Demand")] == pytest.approx(200)
    assert bridge[("Revenue", "Capacity")] == pytest.approx(-100)
    assert bridge[("Revenue", "Price")] == pytest.approx(90)
    assert bridge[("Revenue", "Cost")] == pytest.approx(0)
    assert bridge[("Contribution margin", "Demand")] == pytest.approx(80)
    assert bridge[("Contribution margin", "Capacity")] == pytest.approx(-40)
    assert bridge[("Contribution margin", "Price")] == pytest.approx(90)
    assert bridge[("Contribution margin", "Cost")] == pytest.approx(-90)


def test_bridge_parts_add_up_to_the_change_per_family():
    previous = _plan_data(
        _sku("Pumps", "P1", FEB, 100, 80, 10, 6)
        + _sku("Pumps", "P2", FEB, 50, 50, 20, 15)
        + _sku("Valves", "V1", FEB, 10, 0, 30, 0)
    )
    current = _plan_data(
        _sku("Pumps", "P1", FEB, 90, 90, 9.5, 6.5)
        + _sku("Pumps", "P3", FEB, 40, 35, 12, 8)
        + _sku("Valves", "V1", FEB, 15, 12, 31, 20)
    )
    changes = compare(previous, current)
    totals = changes.comparison.groupby(["Family", "Measure"])["Change"].sum()
    for (family, measure), value in changes.bridge.groupby(["Family", "Measure"])["Value"].sum().items():
        assert value == pytest.approx(totals[(family, measure)])
    assert set(changes.bridge["Cause"]) == {"Demand", "Capacity", "Price", "Cost"}


def test_shifted_horizons_compare_the_months_both_cover_and_say_so():
    previous = _plan_data(_sku("Pumps", "P1", JAN, 100, 100, 10, 6) + _sku("Pumps", "P1", FEB, 100, 100, 10, 6))
    current = _plan_data(_sku("Pumps", "P1", FEB, 110, 100, 10, 6) + _sku("Pumps", "P1", MAR, 100, 100, 10, 6))
    changes = compare(previous, current, previous_company="Acme", current_company="Other Co")
    assert changes.months == [FEB]
    demand = changes.comparison[changes.comparison["Measure"] == "Demand"]
    assert demand[["Previous", "Current", "Change"]].values.tolist() == [[100, 110, 10]]
    assert any("Feb-27 to Feb-27" in note for note in changes.notes)
    assert any("Acme" in note and "Other Co" in note for note in changes.notes)


# ----------------------------------------------------------------------------------------------------------------
# Reading last month's pack: through the same guards as the templates


def small_pack(path: Path) -> Path:
    """A pack of one Plan Data row and one open decision, as `read_previous` reads it (written with openpyxl)."""
    book = openpyxl.Workbook()
    book.active.title = "Executive Summary"
    book.active["A1"] = "Summary"
    data = book.create_sheet(PLAN_DATA_SHEET)
    data.append(PLAN_DATA_COLUMNS)
    data.append(["Base", "Pumps", "P1", "C1", "", "", dt.datetime(2027, 2, 1), "Demand", 100])
    decisions = book.create_sheet("Decisions")
    decisions.append(["Gap or risk", "Decision"])
    decisions.append(["P1 short in Feb-27", ""])
    book.save(path)
    return path


def with_far_cell(pack: Path, sheet: str, target: Path) -> Path:
    """The pack with one more value, in XFD1048576 of `sheet`: a 17-billion-cell grid to calamine."""
    part = guard(pack, Role("a pack", "pack")).sheet_parts[sheet]
    with zipfile.ZipFile(pack) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in original.infolist():
            data = original.read(info.filename)
            if info.filename == part:
                data = data.replace(
                    b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
                )
            copy.writestr(info.filename, data)
    return target


def test_read_previous_reads_plan_data_and_decisions(tmp_path):
    previous = read_previous(small_pack(tmp_path / "jan.xlsx"))
    assert previous.plan_data[["SKU", "Measure", "Value"]].values.tolist() == [["P1", "Demand", 100.0]]
    assert previous.plan_data["Month"].tolist() == [FEB]
    assert previous.decisions["Gap or risk"].tolist() == ["P1 short in Feb-27"]


def test_a_pack_with_a_value_in_xfd1048576_is_refused_not_parsed(tmp_path):
    pack = with_far_cell(small_pack(tmp_path / "clean.xlsx"), PLAN_DATA_SHEET, tmp_path / "jan.xlsx")
    assert pack.stat().st_size < 10_000
    with pytest.raises(FileRefused) as refused:
        read_previous(pack)
    assert str(refused.value).startswith(
        "jan.xlsx: last month's pack has a sheet, 'Plan Data', that has cells as far as row 1,048,576 and column XFD"
    )


def test_a_far_cell_on_a_sheet_read_previous_does_not_parse_is_no_obstacle(tmp_path):
    pack = with_far_cell(small_pack(tmp_path / "clean.xlsx"), "Executive Summary", tmp_path / "jan.xlsx")
    assert len(read_previous(pack).plan_data) == 1


def test_a_pipe_named_as_the_previous_pack_is_refused_at_once(tmp_path):
    pipe = tmp_path / "jan.xlsx"
    os.mkfifo(pipe)
    signal.alarm(10)  # a read that waits for a writer would fail the test here instead of hanging it
    try:
        with pytest.raises(FileRefused, match="last month's pack is not a regular file"):
            read_previous(pipe)
    finally:
        signal.alarm(0)


def test_a_pack_with_a_figure_no_plan_makes_is_refused(tmp_path):
    book = openpyxl.load_workbook(small_pack(tmp_path / "jan.xlsx"))
    book[PLAN_DATA_SHEET]["I2"] = 1e300
    book.save(tmp_path / "jan.xlsx")
    with pytest.raises(TemplateError, match="its 'Plan Data' sheet holds 1e\\+300, a figure no plan makes"):
        read_previous(tmp_path / "jan.xlsx")
