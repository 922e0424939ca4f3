"""Tests of the analysis (sop_workbook/analysis/): the plan turned into margin, capacity, gaps, levers,
commitments, launches.

Three kinds of check:
- a plan built by hand (no solver), whose every derived figure is worked out by hand in the comments;
- tiny plans solved by the planner whose optimum is obvious, to price levers and check orders by re-solving;
- invariants on the sample company: margins add up to the planner's contribution margin, customer and family
  totals equal SKU totals, the summary equals the sum of the details.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest
from builders import month, tiny_inputs
from hypothesis import given, settings
from hypothesis import strategies as st

from sop_workbook import planner
from sop_workbook.analysis import analyse, forecast_accuracy, plan
from sop_workbook.planner import blocks as planner_blocks
from sop_workbook.planner import solve

JAN, FEB, MAR = month(0), month(1), month(2)


@dataclass
class HandSolution:
    """A stand-in for planner.Solution with the same fields, filled in by hand."""

    scenario: str
    objective: float
    contribution_margin: float
    sku_month: pd.DataFrame
    customer_month: pd.DataFrame
    subcontract: pd.DataFrame
    resource_month: pd.DataFrame
    material_month: pd.DataFrame
    commitment_shortfall: pd.DataFrame
    statistics: dict = field(default_factory=dict)


def _frame(columns: list[str], rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)


# ----------------------------------------------------------------------------------------------------------------
# A plan worked out by hand
#
# One SKU "A" (family Kettles, Lost when unmet, margin floor 70 %), customers X (price 10) and Y (price 12),
# two months. Material 3, other variable 1, holding 0.5 per unit-month. Line L1: 0.1 h a unit, 10 regular hours
# a month at 20 an hour, overtime 30 an hour (5 h allowed in Jan, none in Feb).
#   Jan: demand X 60 + Y 40 = 100; make 120 (12 h = 10 regular + 2 overtime); ship 100; closing 20.
#   Feb: demand X 50 + Y 80 = 130; make 100 (10 h); ship X 50 + Y 70 = 120; Y loses 10; closing 0.
# L1 is full in Feb with a shadow price of 5.00 an hour.


def hand_inputs():
    inputs = tiny_inputs(
        horizon=2,
        families={"A": "Kettles"},
        forecast={("A", "X"): [60, 50], ("A", "Y"): [40, 80]},
        prices=[("A", "X", 10.0, JAN), ("A", "Y", 12.0, JAN)],
        resources={"L1": (20.0, 30.0)},
        capacity={"L1": [10, 10]},
        overtime={"L1": [5, 0]},
        routings={("A", "L1"): 0.1},
        costs={"A": {"material": 3.0, "other": 1.0, "holding": 0.5, "unmet": "Lost"}},
        inventory={"A": {}},
        commitments=[
            ("O1", "X", "A", 60, "2027-01-15", "Confirmed"),
            ("O2", "Y", "A", 80, "2027-02-10", "Confirmed"),
            ("R1", "Y", "A", 5, "2027-02-20", "Requested"),
        ],
    )
    products = inputs.products.copy()
    products["Margin floor %"] = 0.70
    budget = _frame(
        ["Family", "Measure", "Month", "Budget"],
        [
            ("Kettles", "Revenue", JAN, 1000.0),
            ("Kettles", "Revenue", FEB, 1500.0),
            ("Kettles", "Volume", JAN, 90.0),
            ("Kettles", "Volume", FEB, 120.0),
        ],
    )
    budget["Source row"] = 2
    return dataclasses.replace(inputs, products=products, budget=budget)


def hand_solution() -> HandSolution:
    sku_month = _frame(
        [
            "SKU",
            "Month",
            "Demand",
            "Confirmed orders",
            "Production",
            "Subcontract",
            "Shipments",
            "Opening inventory",
            "Closing inventory",
            "Backlog",
            "Lost sales",
            "Safety stock",
            "Safety stock shortfall",
            "Max stock",
        ],
        [
            ("A", JAN, 100.0, 60.0, 120.0, 0.0, 100.0, 0.0, 20.0, 0.0, 0.0, 0.0, 0.0, np.nan),
            ("A", FEB, 130.0, 80.0, 100.0, 0.0, 120.0, 20.0, 0.0, 0.0, 10.0, 0.0, 0.0, np.nan),
        ],
    )
    customer_month = _frame(
        [
            "SKU",
            "Customer",
            "Month",
            "Demand",
            "Confirmed orders",
            "Shipments",
            "Backlog",
            "Lost sales",
            "Unit price",
            "Revenue",
        ],
        [
            ("A", "X", JAN, 60.0, 60.0, 60.0, 0.0, 0.0, 10.0, 600.0),
            ("A", "X", FEB, 50.0, 0.0, 50.0, 0.0, 0.0, 10.0, 500.0),
            ("A", "Y", JAN, 40.0, 0.0, 40.0, 0.0, 0.0, 12.0, 480.0),
            ("A", "Y", FEB, 80.0, 80.0, 70.0, 0.0, 10.0, 12.0, 840.0),
        ],
    )
    resource_month = _frame(
        [
            "Resource",
            "Site",
            "Month",
            "Available hours",
            "Overtime limit",
            "Overtime hours",
            "Used hours",
            "Regular cost per hour",
            "Overtime cost per hour",
            "Shadow price",
        ],
        [
            ("L1", "Plant", JAN, 10.0, 5.0, 2.0, 12.0, 20.0, 30.0, 0.0),
            ("L1", "Plant", FEB, 10.0, 0.0, 0.0, 10.0, 20.0, 30.0, 5.0),
        ],
    )
    return HandSolution(
        scenario="Base",
        objective=1470.0,
        contribution_margin=1470.0,
        sku_month=sku_month,
        customer_month=customer_month,
        subcontract=_frame(["SKU", "Subcontractor", "Month", "Units", "Cost per unit", "Max units"], []),
        resource_month=resource_month,
        material_month=_frame(["Material", "Supplier", "Month", "Available", "Used", "Shadow price"], []),
        commitment_shortfall=_frame(["Order ref", "Month", "Units short"], [("O2", FEB, 10.0)]),
    )


@pytest.fixture(scope="module")
def by_hand():
    return analyse(hand_inputs(), {"Base": hand_solution()}, resolved_gaps=0, checked_orders=0)


# Revenue: Jan 600 + 480 = 1080; Feb 500 + 840 = 1340.
# Material 3 × make; other 1 × make; overtime 2 h × 30 = 60 in Jan; holding 20 × 0.5 = 10 in Jan.
# Jan CM = 1080 − 360 − 120 − 60 − 10 = 530; Feb CM = 1340 − 300 − 100 = 940.
# Regular labour: 10 regular hours used each month × 20 = 200, all absorbed by A.
@pytest.mark.parametrize(
    "column, jan, feb",
    [
        ("Revenue", 1080.0, 1340.0),
        ("Material cost", 360.0, 300.0),
        ("Other variable cost", 120.0, 100.0),
        ("Overtime cost", 60.0, 0.0),
        ("Subcontract cost", 0.0, 0.0),
        ("Holding cost", 10.0, 0.0),
        ("Backlog cost", 0.0, 0.0),
        ("Contribution margin", 530.0, 940.0),
        ("Contribution margin %", 530 / 1080, 940 / 1340),
        ("Regular labour cost", 200.0, 200.0),
        ("Margin after labour", 330.0, 740.0),
    ],
)
def test_margin_by_hand(by_hand, column, jan, feb):
    margin = by_hand.margin.set_index("Month")
    assert margin.loc[JAN, column] == pytest.approx(jan)
    assert margin.loc[FEB, column] == pytest.approx(feb)


def test_margin_floor_by_hand(by_hand):
    # Horizon: revenue 2420, costs 950, margin 1470 = 60.74 % < 70 %. Shipments 220.
    # Price p with (220 p − 950) / (220 p) = 0.70: p = 950 / (220 × 0.30) = 14.3939...
    margin = by_hand.margin
    assert margin["Below floor"].all()
    assert margin["Horizon margin %"].iloc[0] == pytest.approx(1470 / 2420)
    assert margin["Price to meet floor"].iloc[0] == pytest.approx(950 / (220 * 0.30))


# Costs 950 shared by shipments: X 110 and Y 110 units → 475 each. CM X = 1100 − 475, Y = 1320 − 475.
@pytest.mark.parametrize("customer, revenue, costs, margin", [("X", 1100.0, 475.0, 625.0), ("Y", 1320.0, 475.0, 845.0)])
def test_customer_margin_by_hand(by_hand, customer, revenue, costs, margin):
    row = by_hand.customer_margin.set_index("Customer").loc[customer]
    assert row["Revenue"] == pytest.approx(revenue)
    assert row[["Material cost", "Other variable cost", "Overtime cost", "Holding cost"]].sum() == pytest.approx(costs)
    assert row["Contribution margin"] == pytest.approx(margin)
    assert row["Regular labour cost"] == pytest.approx(200.0)  # 400 shared 50/50


# Required = 0.1 h × demand; utilisation = used / regular; regular labour 10 h × 20; nothing idle.
@pytest.mark.parametrize("when, required, utilisation, overtime_cost", [(JAN, 10.0, 1.2, 60.0), (FEB, 13.0, 1.0, 0.0)])
def test_capacity_by_hand(by_hand, when, required, utilisation, overtime_cost):
    row = by_hand.capacity.set_index("Month").loc[when]
    assert row["Required hours"] == pytest.approx(required)
    assert row["Utilisation"] == pytest.approx(utilisation)
    assert row["Regular labour cost"] == pytest.approx(200.0)
    assert row["Overtime cost"] == pytest.approx(overtime_cost)
    assert row["Unabsorbed labour"] == pytest.approx(0.0)


def test_days_of_supply_by_hand(by_hand):
    # Jan closes with 20; the months ahead (Feb only) need 130 in 28 days: 20 / (130 / 28) = 4.31 days.
    plan_frame = by_hand.plan.set_index("Month")
    assert plan_frame.loc[JAN, "Days of supply"] == pytest.approx(20 / (130 / 28))
    assert plan_frame.loc[FEB, "Days of supply"] == 0.0
    assert by_hand.inventory["Below safety stock"].sum() == 0


def test_gap_by_hand(by_hand):
    gaps = by_hand.gaps
    assert len(gaps) == 1
    gap = gaps.iloc[0]
    assert (gap["Gap id"], gap["SKU"], gap["Customer"], gap["Month"]) == ("G01", "A", "Y", FEB)
    assert gap["Unmet units"] == 10.0 and gap["Units lost"] == 10.0
    assert gap["Revenue at risk"] == pytest.approx(120.0)
    assert (gap["Binding constraint"], gap["Constraint"]) == ("Resource", "L1")
    assert gap["Explanation"] == "L1 is full in Feb-27; one more hour is worth 5.00 EUR"


def test_estimated_levers_by_hand(by_hand):
    levers = by_hand.levers.set_index("Lever")
    assert set(levers.index) == {"Overtime", "Price/demand"}  # no other SKU, no slack earlier, no subcontractor
    assert (levers["Priced by"] == "Estimate").all()
    # Overtime: 10 units × 0.1 h = 1 h at 30 = 30; each unit earns 12 − 4 − 3 = 5 → +50.
    assert levers.loc["Overtime", "Cost"] == pytest.approx(30.0)
    assert levers.loc["Overtime", "Margin effect"] == pytest.approx(50.0)
    # Price: + shadow value 5 × 0.1 = 0.5 → 12.50 for all; 220 units × 12.5 − 2420 revenue = +330.
    assert "12.50 EUR" in levers.loc["Price/demand", "Description"]
    assert levers.loc["Price/demand", "Margin effect"] == pytest.approx(330.0)


@pytest.mark.parametrize(
    "order, check, on_time, promise",
    [
        ("O1", "On time", 60.0, pd.Timestamp("2027-01-15")),
        ("O2", "At risk", 70.0, pd.NaT),  # 10 short of a Lost SKU never ship
        ("R1", "At risk", np.nan, pd.NaT),  # not checked: checked_orders=0
    ],
)
def test_commitments_by_hand(by_hand, order, check, on_time, promise):
    row = by_hand.commitments.set_index("Order ref").loc[order]
    assert row["Check"] == check
    assert row["Planned on time"] == pytest.approx(on_time, nan_ok=True)
    assert (pd.isna(row["Promise date"]) and pd.isna(promise)) or row["Promise date"] == promise


def test_budget_by_hand(by_hand):
    budget = by_hand.budget.set_index(["Measure", "Month"])
    assert budget.loc[("Revenue", JAN), "Variance"] == pytest.approx(80.0)  # 1080 − 1000
    assert budget.loc[("Revenue", FEB), "Variance"] == pytest.approx(-160.0)  # 1340 − 1500
    assert budget.loc[("Volume", JAN), "Variance"] == pytest.approx(10.0)  # 100 − 90
    assert by_hand.summary["Revenue vs budget"] == pytest.approx(-80.0)


@pytest.mark.parametrize(
    "key, value",
    [
        ("Demand", 230.0),
        ("Shipments", 220.0),
        ("Fill rate", 220 / 230),
        ("Revenue", 2420.0),
        ("Contribution margin", 1470.0),
        ("Contribution margin %", 1470 / 2420),
        ("Revenue at risk", 120.0),
        ("Peak utilisation", 1.2),
        ("Commitments at risk", 1),
        ("Launches not ready", 0),
        ("Margin after labour", 1470.0 - 400.0),
    ],
)
def test_summary_by_hand(by_hand, key, value):
    assert by_hand.summary[key] == pytest.approx(value)


# ----------------------------------------------------------------------------------------------------------------
# Forecast accuracy


def test_forecast_accuracy_by_hand():
    products = _frame(["SKU", "Family"], [("A", "F"), ("B", "F")])
    forecast = _frame(
        ["SKU", "Customer", "Scenario", "Month", "Forecast"],
        [
            ("A", "X", "Base", JAN, 100.0),
            ("A", "X", "Base", FEB, 50.0),
            ("A", "X", "Upside", JAN, 999.0),
            ("B", "X", "Base", JAN, 10.0),
            ("B", "X", "Base", FEB, 10.0),
            ("B", "X", "Base", MAR, 70.0),
        ],
    )  # no actual in March: not compared
    actuals = _frame(
        ["SKU", "Customer", "Month", "Actual"],
        [
            ("A", "X", JAN, 50.0),
            ("A", "Y", JAN, 30.0),
            ("A", "X", FEB, 50.0),
            ("B", "X", JAN, 20.0),
            ("B", "X", FEB, 10.0),
        ],
    )
    accuracy = forecast_accuracy(forecast, actuals, products).set_index(["Level", "SKU"])
    # A: forecast 100, 50 vs actual 80, 50: |error| 20 over 130 sold; bias +20 / 130.
    assert accuracy.loc[("SKU", "A"), "MAPE"] == pytest.approx(20 / 130)
    assert accuracy.loc[("SKU", "A"), "Bias"] == pytest.approx(20 / 130)
    # B: 10, 10 vs 20, 10: |error| 10 over 30; bias −10 / 30.
    assert accuracy.loc[("SKU", "B"), "MAPE"] == pytest.approx(10 / 30)
    assert accuracy.loc[("SKU", "B"), "Bias"] == pytest.approx(-10 / 30)
    # Family F: 110, 60 vs 100, 60: |error| 10 over 160.
    assert accuracy.loc[("Family", ""), "MAPE"] == pytest.approx(10 / 160)
    assert accuracy.loc[("Family", ""), "Months"] == 2


def test_forecast_accuracy_without_overlap_is_empty():
    products = _frame(["SKU", "Family"], [("A", "F")])
    forecast = _frame(["SKU", "Customer", "Scenario", "Month", "Forecast"], [("A", "X", "Base", FEB, 1.0)])
    actuals = _frame(["SKU", "Customer", "Month", "Actual"], [("A", "X", JAN, 1.0)])
    assert forecast_accuracy(forecast, actuals, products).empty


# ----------------------------------------------------------------------------------------------------------------
# Levers priced by re-solving
#
# One month. A sells 100 to X at 20; material 5; Lost when unmet. Line L: 1 h a unit, 60 regular hours, no
# overtime allowed (overtime would cost 8 an hour). Subcontractor S at 18 a unit, no capacity booked.
# The optimum makes 60: CM = 60 × 15 = 900; L's shadow price = 20 − 5 = 15; the gap is 40 units, 800 at risk.


def lever_inputs():
    return tiny_inputs(
        horizon=1,
        forecast={("A", "X"): [100]},
        prices={("A", ""): 20.0},
        resources={"L": (10.0, 8.0)},
        capacity={"L": [60]},
        overtime={"L": [0]},
        routings={("A", "L"): 1.0},
        costs={"A": {"material": 5.0, "unmet": "Lost"}},
        inventory={"A": {}},
        subcontract={("A", "S"): (18.0, [0])},
    )


@pytest.fixture(scope="module")
def levered():
    return plan(lever_inputs())


def test_resolved_gap(levered):
    gap = levered.gaps.iloc[0]
    assert gap["Unmet units"] == pytest.approx(40.0)
    assert gap["Revenue at risk"] == pytest.approx(800.0)
    assert gap["Explanation"] == "L is full in Jan-27; one more hour is worth 15.00 EUR"


@pytest.mark.parametrize(
    "lever, closed, cost, effect",
    [
        # 40 overtime hours at 8: 40 more units earn 20 − 5 − 8 = 7 each → +280.
        ("Overtime", 40.0, 320.0, 280.0),
        # 40 units from S at 18: each earns 20 − 18 = 2 → +80.
        ("Subcontract", 40.0, 720.0, 80.0),
        # Price + 15 (the hour's value) = 35: the same 60 units earn 15 more each → +900; no unit closed.
        ("Price/demand", 0.0, 0.0, 900.0),
    ],
)
def test_resolved_levers(levered, lever, closed, cost, effect):
    row = levered.levers.set_index("Lever").loc[lever]
    assert row["Priced by"] == "Re-solve"
    assert row["Units closed"] == pytest.approx(closed, abs=1e-6)
    assert row["Cost"] == pytest.approx(cost, abs=1e-6)
    assert row["Margin effect"] == pytest.approx(effect, abs=1e-6)


def test_reallocation_estimate():
    # A earns 15 an hour on L, B (price 12, material 5) 7 an hour. L has 60 h: A's 40 units, then 20 of B's 30.
    # B's gap of 10 is bound by L (shadow price 7). Moving 10 h from A closes it: it gives up 10 × 15 = 150 and
    # gains 10 × 7 = 70 → −80.
    inputs = tiny_inputs(
        horizon=1,
        forecast={("A", "X"): [40], ("B", "X"): [30]},
        prices={("A", ""): 20.0, ("B", ""): 12.0},
        resources={"L": (10.0, 8.0)},
        capacity={"L": [60]},
        overtime={"L": [0]},
        routings={("A", "L"): 1.0, ("B", "L"): 1.0},
        costs={"A": {"material": 5.0}, "B": {"material": 5.0}},
        inventory={"A": {}, "B": {}},
    )
    results = plan(inputs)
    assert results.gaps["SKU"].tolist() == ["B"]
    row = results.levers.set_index("Lever").loc["Reallocate"]
    assert row["Units closed"] == pytest.approx(10.0)
    assert row["Cost"] == pytest.approx(150.0)
    assert row["Margin effect"] == pytest.approx(-80.0)


# ----------------------------------------------------------------------------------------------------------------
# Commitments checked against a solved plan
#
# A waits when unmet (backlog cost 1 a unit-month), sells at 20, material 5, 1 h a unit on L with 60 h a month,
# no forecast. O1 (confirmed): 100 on 20 Jan. Jan makes 60; the other 40 ship in Feb, 12 days after 20 Jan.
# Requested R1 (50 on 10 Mar) fits in March's idle hours. Requested R3 (500 on 10 Mar) can have at most
# Feb's and Mar's hours: 120 units (Jan's go to O1, already promised).


def order_inputs(*extra):
    return tiny_inputs(
        horizon=3,
        forecast={("A", "X"): [0, 0, 0]},
        prices={("A", ""): 20.0},
        resources={"L": (10.0, 8.0)},
        capacity={"L": [60, 60, 60]},
        overtime={"L": [0, 0, 0]},
        routings={("A", "L"): 1.0},
        costs={"A": {"material": 5.0, "unmet": "Backlog", "backlog": 1.0}},
        inventory={"A": {}},
        commitments=[("O1", "X", "A", 100, "2027-01-20", "Confirmed"), *extra],
    )


@pytest.mark.parametrize(
    "extra, order, check, on_time, promise, days_late",
    [
        ((), "O1", "Late", 60.0, pd.Timestamp("2027-02-01"), 12.0),
        ((("R1", "X", "A", 50, "2027-03-10", "Requested"),), "R1", "On time", 50.0, pd.Timestamp("2027-03-10"), 0.0),
        ((("R3", "X", "A", 500, "2027-03-10", "Requested"),), "R3", "At risk", 120.0, pd.NaT, np.nan),
    ],
)
def test_commitment_checks(extra, order, check, on_time, promise, days_late):
    results = plan(order_inputs(*extra))
    row = results.commitments.set_index("Order ref").loc[order]
    assert row["Check"] == check
    assert row["Planned on time"] == pytest.approx(on_time)
    assert (pd.isna(row["Promise date"]) and pd.isna(promise)) or row["Promise date"] == promise
    assert row["Days late"] == pytest.approx(days_late, nan_ok=True)


def test_commitment_check_re_solves_only_the_orders_site(monkeypatch):
    # order_inputs' site and a second one that shares nothing with it: B on L2 (10 h a month, 1 h a unit), 10
    # wanted a month, all made. Checking R3 re-solves only A's part of the plan and gives the one-site answer.
    monkeypatch.setattr(planner_blocks, "BLOCK_COLUMNS", 1)  # each site its own block, however small
    solved = []

    def spy(*args, **kwargs):
        solution = planner_solve(*args, **kwargs)
        solved.append(solution.statistics["blocks solved"])
        return solution

    planner_solve = planner.solve
    monkeypatch.setattr(planner, "solve", spy)
    inputs = tiny_inputs(
        horizon=3,
        forecast={("A", "X"): [0, 0, 0], ("B", "Y"): [10, 10, 10]},
        prices={("A", ""): 20.0, ("B", ""): 15.0},
        resources={"L": (10.0, 8.0), "L2": (10.0, 8.0)},
        capacity={"L": [60, 60, 60], "L2": [10, 10, 10]},
        overtime={"L": [0, 0, 0]},
        routings={("A", "L"): 1.0, ("B", "L2"): 1.0},
        costs={"A": {"material": 5.0, "unmet": "Backlog", "backlog": 1.0}, "B": {"material": 5.0}},
        inventory={"A": {}, "B": {}},
        commitments=[
            ("O1", "X", "A", 100, "2027-01-20", "Confirmed"),
            ("R3", "X", "A", 500, "2027-03-10", "Requested"),
        ],
    )
    results = plan(inputs)
    assert solved[0] == 1  # the order is checked first; the levers of the gaps come after it
    row = results.commitments.set_index("Order ref").loc["R3"]
    assert row["Check"] == "At risk"
    assert row["Planned on time"] == pytest.approx(120.0)


# ----------------------------------------------------------------------------------------------------------------
# Launch readiness
#
# N launches in Feb-27 with demand 50 a month; 1 h a unit on L, 60 h a month unless said otherwise.


@pytest.mark.parametrize(
    "ready, qualified, validated, hours, rag, reason",
    [
        (FEB, "Yes", "Yes", 60, "Green", "Ready on time and launch demand covered"),
        (
            MAR,
            "Yes",
            "Yes",
            60,
            "Red",
            "Ready from Mar-27, after the launch in Feb-27; launch stock not covered: "
            "50 of 100 units of the first 2 months unmet",
        ),
        (FEB, "No", "Yes", 60, "Red", "Supplier not qualified"),
        (FEB, "Yes", "No", 60, "Amber", "Process not validated"),
        (FEB, "Yes", "Yes", 40, "Amber", "Launch stock not covered: 20 of 100 units of the first 2 months unmet"),
    ],
)
def test_launch_readiness(ready, qualified, validated, hours, rag, reason):
    inputs = tiny_inputs(
        horizon=3,
        forecast={("N", "X"): [0, 50, 50]},
        prices={("N", ""): 20.0},
        resources={"L": (10.0, 8.0)},
        capacity={"L": [0, hours, hours]},
        overtime={"L": [0] * 3},
        routings={("N", "L"): 1.0},
        costs={"N": {"material": 5.0}},
        inventory={"N": {}},
        launches={"N": FEB},
        readiness={"N": ready},
    )
    readiness = inputs.launch_readiness.copy()
    readiness["Supplier qualified"], readiness["Process validated"] = qualified, validated
    results = analyse(
        dataclasses.replace(inputs, launch_readiness=readiness),
        {"Base": solve(inputs)},
        resolved_gaps=0,
        checked_orders=0,
    )
    row = results.launches.iloc[0]
    assert (row["RAG"], row["Reason"]) == (rag, reason)


# ----------------------------------------------------------------------------------------------------------------
# Invariants on the sample company (three scenarios, budget, launches, orders, materials, subcontractors)


@pytest.fixture(scope="module")
def sample():
    from sop_workbook.planner import solve_all
    from sop_workbook.sample import sample_inputs

    inputs = sample_inputs()
    solutions = solve_all(inputs)
    return analyse(inputs, solutions, resolved_gaps=0, checked_orders=0), solutions


MONEY = [
    "Revenue",
    "Material cost",
    "Other variable cost",
    "Overtime cost",
    "Subcontract cost",
    "Holding cost",
    "Backlog cost",
    "Contribution margin",
    "Regular labour cost",
    "Margin after labour",
]


def test_margin_adds_up_to_the_planner(sample):
    results, solutions = sample
    for scenario, solution in solutions.items():
        margin = results.margin[results.margin["Scenario"] == scenario]
        assert margin["Contribution margin"].sum() == pytest.approx(solution.contribution_margin, rel=1e-9)
    costs = results.margin[
        ["Material cost", "Other variable cost", "Overtime cost", "Subcontract cost", "Holding cost", "Backlog cost"]
    ].sum(axis=1)
    assert np.allclose(results.margin["Revenue"] - costs, results.margin["Contribution margin"])


def test_customer_margin_totals_equal_sku_totals(sample):
    results, _ = sample
    by_customer = results.customer_margin.groupby(["Scenario", "SKU"])[MONEY].sum()
    by_sku = results.margin.groupby(["Scenario", "SKU"])[MONEY].sum()
    pd.testing.assert_frame_equal(by_customer.sort_index(), by_sku.sort_index(), rtol=1e-9, atol=1e-6)


def test_labour_is_absorbed_or_unabsorbed(sample):
    results, _ = sample
    capacity = results.capacity.groupby("Scenario")[["Regular labour cost", "Unabsorbed labour", "Overtime cost"]].sum()
    margin = results.margin.groupby("Scenario")[["Regular labour cost", "Overtime cost"]].sum()
    assert np.allclose(capacity["Regular labour cost"], margin["Regular labour cost"] + capacity["Unabsorbed labour"])
    assert np.allclose(capacity["Overtime cost"], margin["Overtime cost"])


def test_plan_balances(sample):
    plan_frame = sample[0].plan
    assert np.allclose(
        plan_frame["Opening inventory"]
        + plan_frame["Production"]
        + plan_frame["Subcontract"]
        - plan_frame["Shipments"],
        plan_frame["Closing inventory"],
        atol=1e-5,
    )
    assert plan_frame["Days of supply"].notna().all()
    assert plan_frame["Family"].ne("").all()


def test_gaps_account_for_every_unmet_unit(sample):
    results, _ = sample
    gaps, customer_plan = results.gaps, results.customer_plan
    for scenario in results.scenarios:
        own = gaps[gaps["Scenario"] == scenario]
        # Every unit never shipped is a lost unit of some gap; every gap's units lost ≤ its unmet units.
        lost = customer_plan.loc[customer_plan["Scenario"] == scenario, "Lost sales"].sum()
        assert own["Units lost"].sum() == pytest.approx(lost, abs=1e-4)
        assert (own["Units lost"] <= own["Unmet units"] + 1e-9).all()
        assert own["Gap id"].is_unique
        assert own["Revenue at risk"].is_monotonic_decreasing
    assert np.allclose(gaps["Revenue at risk"], gaps["Unmet units"] * gaps["Unit price"])
    assert gaps["Explanation"].str.len().gt(20).all()


def test_summary_is_the_sum_of_details(sample):
    results, _ = sample
    base = results.scenarios_summary.set_index("Scenario").loc["Base"]
    summary = results.summary
    for key in ("Demand", "Shipments", "Revenue", "Contribution margin", "Revenue at risk"):
        assert summary[key] == pytest.approx(base[key])
    assert summary["Revenue"] == pytest.approx(results.margin.query("Scenario == 'Base'")["Revenue"].sum())
    assert summary["Revenue at risk"] == pytest.approx(
        results.gaps.query("Scenario == 'Base'")["Revenue at risk"].sum()
    )
    assert summary["Revenue vs budget"] == pytest.approx(results.budget.query("Measure == 'Revenue'")["Variance"].sum())


def test_family_budget_plan_is_the_sum_of_skus(sample):
    results, _ = sample
    revenue = results.budget[results.budget["Measure"] == "Revenue"].set_index(["Family", "Month"])["Plan"]
    by_sku = results.margin[results.margin["Scenario"] == "Base"].groupby(["Family", "Month"])["Revenue"].sum()
    assert np.allclose(revenue, by_sku.reindex(revenue.index).fillna(0.0))


def test_every_gap_has_levers(sample):
    results, _ = sample
    with_levers = set(zip(results.levers["Scenario"], results.levers["Gap id"]))
    assert set(zip(results.gaps["Scenario"], results.gaps["Gap id"])) <= with_levers
    assert set(results.levers["Priced by"]) == {"Estimate"}  # resolved_gaps=0 in this fixture


def test_resolve_limit_falls_back_to_estimates():
    results = analyse(lever_inputs(), {"Base": solve(lever_inputs())}, resolve_limit=1)
    priced = results.levers.set_index("Lever")["Priced by"]
    assert priced.tolist() == ["Re-solve", "Estimate", "Estimate"]
    assert "used up" in results.levers.set_index("Lever").loc["Subcontract", "Description"]


def test_expedite_material_lever():
    # A needs one unit of M a unit; 60 of M, demand 100 at 20, material cost 5: M's shadow price is 15.
    # Expediting 40 more units of M: 40 more sold, +40 × 15 = +600; the plan's costs rise by 40 × 5 = 200.
    inputs = tiny_inputs(
        horizon=1,
        forecast={("A", "X"): [100]},
        prices={("A", ""): 20.0},
        resources={"L": (10.0, 8.0)},
        capacity={"L": [1000]},
        overtime={"L": [0]},
        routings={("A", "L"): 1.0},
        costs={"A": {"material": 5.0}},
        inventory={"A": {}},
        materials={"M": [60]},
        bom={("A", "M"): 1.0},
    )
    results = plan(inputs)
    gap = results.gaps.iloc[0]
    assert (gap["Binding constraint"], gap["Constraint"], gap["Shadow price"]) == ("Material", "M", 15.0)
    row = results.levers.set_index("Lever").loc["Expedite material"]
    assert (row["Units closed"], row["Cost"], row["Margin effect"]) == pytest.approx((40.0, 200.0, 600.0))


@pytest.mark.parametrize(
    "hours, unmet, lost",
    [
        ([60, 60, 60], 40.0, 0.0),  # 40 of O1 wait for February: late, not lost
        ([60, 0, 0], 40.0, 40.0),  # no hours after January: the 40 never ship
    ],
)
def test_backlog_gap_late_or_lost(hours, unmet, lost):
    inputs = order_inputs()
    inputs = dataclasses.replace(inputs, capacity=inputs.capacity.assign(Hours=[float(h) for h in hours] + [0.0] * 3))
    gaps = plan(inputs).gaps
    assert gaps[["Month", "Unmet units", "Units lost"]].values.tolist() == [[JAN, unmet, lost]]
    assert gaps["Revenue at risk"].iloc[0] == pytest.approx(unmet * 20)


def test_subcontract_only_sku_without_resources():
    # A is only bought in: S delivers at most 30 at 8 a unit; 50 wanted at 20. Gap 20, bound by S.
    # More subcontract: 20 more units earn 20 − 8 = 12 each → +240 for 160 more subcontract cost.
    inputs = tiny_inputs(
        horizon=1,
        forecast={("A", "X"): [50]},
        prices={("A", ""): 20.0},
        costs={"A": {}},
        inventory={"A": {}},
        subcontract={("A", "S"): (8.0, [30])},
    )
    results = plan(inputs)
    assert results.capacity.empty and results.materials.empty
    gap = results.gaps.iloc[0]
    assert (gap["Unmet units"], gap["Binding constraint"], gap["Constraint"]) == (20.0, "Subcontract", "S")
    assert (
        gap["Explanation"] == "S delivers its most of 30 units of A in Jan-27 and A has no routing to make it in-house"
    )
    row = results.levers.set_index("Lever").loc["Subcontract"]
    assert (row["Units closed"], row["Cost"], row["Margin effect"]) == pytest.approx((20.0, 160.0, 240.0))
    assert results.summary["Peak utilisation"] == 0.0


# ----------------------------------------------------------------------------------------------------------------
# Invariants on random small companies


@st.composite
def small_companies(draw):
    horizon = draw(st.integers(1, 4))
    skus = ["A", "B", "C"][: draw(st.integers(1, 3))]
    units = st.lists(st.integers(0, 120), min_size=horizon, max_size=horizon)
    forecast = {(sku, customer): draw(units) for sku in skus for customer in ("X", "Y")}
    return tiny_inputs(
        horizon=horizon,
        families={sku: "F1" if sku == "A" else "F2" for sku in skus},
        forecast=forecast,
        prices={(sku, ""): float(draw(st.integers(5, 40))) for sku in skus},
        resources={"L1": (20.0, 30.0), "L2": (15.0, 25.0)},
        capacity={"L1": draw(units), "L2": draw(units)},
        overtime={"L1": [10] * horizon, "L2": [0] * horizon},
        routings={(sku, draw(st.sampled_from(["L1", "L2"]))): draw(st.sampled_from([0.5, 1.0, 2.0])) for sku in skus},
        costs={
            sku: {
                "material": float(draw(st.integers(0, 20))),
                "other": 1.0,
                "holding": 0.5,
                "unmet": draw(st.sampled_from(["Backlog", "Lost"])),
                "backlog": 0.3,
            }
            for sku in skus
        },
        inventory={sku: {"opening": float(draw(st.integers(0, 50))), "safety": 5.0} for sku in skus},
        subcontract={("B", "S"): (30.0, [20] * horizon)} if "B" in skus else None,
    )


@settings(max_examples=15, deadline=None)
@given(small_companies())
def test_figures_reconcile_on_random_companies(inputs):
    solution = solve(inputs)
    results = analyse(inputs, {"Base": solution}, resolved_gaps=0, checked_orders=0)
    margin, capacity = results.margin, results.capacity
    # Margin = revenue − costs, and the SKUs add up to the planner's contribution margin.
    assert margin["Contribution margin"].sum() == pytest.approx(solution.contribution_margin, abs=1e-4)
    # Customers add up to SKUs; regular labour is either absorbed by a SKU or unabsorbed.
    assert results.customer_margin[MONEY].sum().to_numpy() == pytest.approx(margin[MONEY].sum().to_numpy(), abs=1e-4)
    assert capacity["Regular labour cost"].sum() == pytest.approx(
        margin["Regular labour cost"].sum() + capacity["Unabsorbed labour"].sum(), abs=1e-4
    )
    # Every unit never shipped belongs to a gap; revenue at risk sums to the summary.
    lost = results.customer_plan["Lost sales"].sum()
    assert (results.gaps["Units lost"].sum() if len(results.gaps) else 0.0) == pytest.approx(lost, abs=1e-4)
    assert results.summary["Revenue at risk"] == pytest.approx(
        results.gaps["Revenue at risk"].sum() if len(results.gaps) else 0.0
    )
    assert (results.plan["Days of supply"].between(0, 999)).all()


def test_build_ahead_estimate():
    # Jan has 50 idle hours; Feb is 40 short. A unit built in Jan for Feb earns 20 − 5 = 15 but is held a month
    # at 16, so the plan does not: building 40 ahead costs 40 × 16 = 640 in holding and loses 40 × 1 = 40.
    inputs = tiny_inputs(
        horizon=2,
        forecast={("A", "X"): [50, 100]},
        prices={("A", ""): 20.0},
        resources={"L": (10.0, 8.0)},
        capacity={"L": [100, 60]},
        overtime={"L": [0, 0]},
        routings={("A", "L"): 1.0},
        costs={"A": {"material": 5.0, "holding": 16.0}},
        inventory={"A": {}},
    )
    results = plan(inputs)
    assert results.gaps[["Month", "Unmet units"]].values.tolist() == [[FEB, 40.0]]
    row = results.levers.set_index("Lever").loc["Build ahead"]
    assert "ahead in Jan-27" in row["Description"]
    assert (row["Units closed"], row["Cost"], row["Margin effect"]) == pytest.approx((40.0, 640.0, -40.0))


def test_revenue_lost_is_the_part_of_revenue_at_risk_never_shipped(sample):
    results, _ = sample
    gaps = results.gaps
    assert np.allclose(gaps["Revenue lost"], gaps["Units lost"] * gaps["Unit price"])
    assert results.summary["Revenue lost"] == pytest.approx(gaps.query("Scenario == 'Base'")["Revenue lost"].sum())
    assert results.summary["Revenue lost"] <= results.summary["Revenue at risk"]
