"""Tests of changes.py: the comparison of two packs and a bridge whose parts add up, worked by hand."""

import pandas as pd
import pytest

from sop_workbook.changes import compare

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
