"""Tests of the planner (sop_workbook/planner/): hand-worked optima for each constraint and cost term, invariants
over random inputs, a greedy plan the optimum must beat, and shadow prices against re-solving with one more hour or
unit."""

from __future__ import annotations

import os
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from builders import month, tiny_inputs
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sop_workbook.errors import PlanError
from sop_workbook.planner import Adjustments, Solution, blocks, highs, lp, model, solve, solve_all
from sop_workbook.planner import data as planner_data

M0, M1, M2 = month(0), month(1), month(2)


def column(frame: pd.DataFrame, name: str, **where) -> list[float]:
    """One column of a Solution table as a list, filtered by equality on other columns."""
    mask = np.ones(len(frame), dtype=bool)
    for key, value in where.items():
        mask &= (frame[key] == value).to_numpy()
    return [float(v) for v in frame.loc[mask, name]]


# ----------------------------------------------------------------------------------------------------------
# Hand-worked optima: one case per constraint and cost term.
# Each case: inputs, the contribution margin worked out by hand, and figures of the plan to check.
# ----------------------------------------------------------------------------------------------------------

ONE_LINE = {"resources": {"L1": (20.0, 4.0)}, "routings": {("A", "L1"): 1.0}}

HAND_CASES = [
    pytest.param(
        # Revenue only: 100 in stock, no routing; ship all 10 + 10 at 50 → 1,000. Stock falls 100 → 90 → 80.
        dict(
            horizon=2,
            forecast={("A", "C1"): [10, 10]},
            prices={("A", ""): 50},
            costs={"A": {}},
            inventory={"A": {"opening": 100}},
        ),
        1000.0,
        {"Shipments": [10, 10], "Closing inventory": [90, 80], "Production": [0, 0]},
        id="revenue",
    ),
    pytest.param(
        # Material 20 + other 5 per unit made: 10 × (50 − 25) = 250.
        dict(
            horizon=1,
            forecast={("A", "C1"): [10]},
            prices={("A", ""): 50},
            costs={"A": {"material": 20, "other": 5}},
            inventory={"A": {}},
            capacity={"L1": [100]},
            **ONE_LINE,
        ),
        250.0,
        {"Production": [10], "Shipments": [10]},
        id="material-and-other-cost",
    ),
    pytest.param(
        # Capacity: 2 h/unit, 10 h a month → 5 units a month of 10 wanted (Lost): 10 × (50 − 20) = 300.
        dict(
            horizon=2,
            forecast={("A", "C1"): [10, 10]},
            prices={("A", ""): 50},
            costs={"A": {"material": 20}},
            inventory={"A": {}},
            capacity={"L1": [10, 10]},
            resources={"L1": (20.0, 4.0)},
            routings={("A", "L1"): 2.0},
        ),
        300.0,
        {"Production": [5, 5], "Shipments": [5, 5], "Lost sales": [5, 5]},
        id="capacity",
    ),
    pytest.param(
        # Overtime: 6 regular + 3 overtime hours (limit) at 4/h → 9 units: 9 × 30 − 3 × 4 = 258; 1 unit lost.
        dict(
            horizon=1,
            forecast={("A", "C1"): [10]},
            prices={("A", ""): 50},
            costs={"A": {"material": 20}},
            inventory={"A": {}},
            capacity={"L1": [6]},
            overtime={"L1": [3]},
            **ONE_LINE,
        ),
        258.0,
        {"Production": [9], "Lost sales": [1]},
        id="overtime",
    ),
    pytest.param(
        # Overtime dearer than the margin (60/h > 30/unit) is not worked: 6 × 30 = 180.
        dict(
            horizon=1,
            forecast={("A", "C1"): [10]},
            prices={("A", ""): 50},
            costs={"A": {"material": 20}},
            inventory={"A": {}},
            capacity={"L1": [6]},
            overtime={"L1": [3]},
            resources={"L1": (20.0, 60.0)},
            routings={("A", "L1"): 1.0},
        ),
        180.0,
        {"Production": [6]},
        id="overtime-not-worth-it",
    ),
    pytest.param(
        # Subcontract, cheapest first: S1 4 units at 30, S2 6 units at 35, S3 at 60 (> price) unused:
        # 500 − 120 − 210 = 170.
        dict(
            horizon=1,
            forecast={("A", "C1"): [10]},
            prices={("A", ""): 50},
            costs={"A": {}},
            inventory={"A": {}},
            subcontract={("A", "S1"): (30, [4]), ("A", "S2"): (35, [10]), ("A", "S3"): (60, [10])},
        ),
        170.0,
        {"Subcontract": [10], "Production": [0]},
        id="subcontract",
    ),
    pytest.param(
        # Build ahead and hold: hours only in month 1, demand only in month 2; holding 3 for one month:
        # 10 × (50 − 20) − 10 × 3 = 270.
        dict(
            horizon=2,
            forecast={("A", "C1"): [0, 10]},
            prices={("A", ""): 50},
            costs={"A": {"material": 20, "holding": 3}},
            inventory={"A": {}},
            capacity={"L1": [10, 0]},
            **ONE_LINE,
        ),
        270.0,
        {"Production": [10, 0], "Closing inventory": [10, 0]},
        id="holding",
    ),
    pytest.param(
        # Backlog: demand in month 1, hours only in month 2; 10 units wait one month at 2: 300 − 20 = 280.
        dict(
            horizon=2,
            forecast={("A", "C1"): [10, 0]},
            prices={("A", ""): 50},
            costs={"A": {"material": 20, "unmet": "Backlog", "backlog": 2}},
            inventory={"A": {}},
            capacity={"L1": [0, 10]},
            **ONE_LINE,
        ),
        280.0,
        {"Shipments": [0, 10], "Backlog": [10, 0], "Lost sales": [0, 0]},
        id="backlog",
    ),
    pytest.param(
        # The same with Lost: month 1's demand is gone, month 2 has none: nothing to sell.
        dict(
            horizon=2,
            forecast={("A", "C1"): [10, 0]},
            prices={("A", ""): 50},
            costs={"A": {"material": 20, "unmet": "Lost"}},
            inventory={"A": {}},
            capacity={"L1": [0, 10]},
            **ONE_LINE,
        ),
        0.0,
        {"Shipments": [0, 0], "Backlog": [0, 0], "Lost sales": [10, 0]},
        id="lost",
    ),
    pytest.param(
        # Backlog left at the horizon end is lost (and still waited a month-end: 10 × 2 = 20 backlog cost).
        dict(
            horizon=2,
            forecast={("A", "C1"): [0, 10]},
            prices={("A", ""): 50},
            costs={"A": {"material": 20, "unmet": "Backlog", "backlog": 2}},
            inventory={"A": {}},
            capacity={"L1": [0, 0]},
            **ONE_LINE,
        ),
        -20.0,
        {"Backlog": [0, 10], "Lost sales": [0, 10]},
        id="backlog-lost-at-horizon-end",
    ),
    pytest.param(
        # Storage: max stock 5 limits building ahead; month 2 makes 10 more: 15 × 30 = 450, 5 lost.
        dict(
            horizon=2,
            forecast={("A", "C1"): [0, 20]},
            prices={("A", ""): 50},
            costs={"A": {"material": 20}},
            inventory={"A": {"max": 5}},
            capacity={"L1": [20, 10]},
            **ONE_LINE,
        ),
        450.0,
        {"Production": [5, 10], "Closing inventory": [5, 0], "Lost sales": [0, 5]},
        id="storage",
    ),
    pytest.param(
        # Storage below opening stock: the plan sells down as fast as demand allows (no infeasibility).
        dict(
            horizon=2,
            forecast={("A", "C1"): [10, 10]},
            prices={("A", ""): 50},
            costs={"A": {}},
            inventory={"A": {"opening": 30, "max": 5}},
        ),
        1000.0,
        {"Closing inventory": [20, 10]},
        id="storage-below-opening-stock",
    ),
    pytest.param(
        # Material: 2 units of M1 per unit, 8 available → 4 units: 4 × 30 = 120.
        dict(
            horizon=1,
            forecast={("A", "C1"): [10]},
            prices={("A", ""): 50},
            costs={"A": {"material": 20}},
            inventory={"A": {}},
            capacity={"L1": [100]},
            materials={"M1": [8]},
            bom={("A", "M1"): 2},
            **ONE_LINE,
        ),
        120.0,
        {"Production": [4]},
        id="material",
    ),
    pytest.param(
        # Launch in month 2: month 1's forecast is dropped; 100 in stock ship 10 + 10 = 20 × 50 = 1,000.
        dict(
            horizon=3,
            forecast={("A", "C1"): [10, 10, 10]},
            prices={("A", ""): 50},
            costs={"A": {}},
            inventory={"A": {"opening": 20}},
            launches={"A": M1},
        ),
        1000.0,
        {"Demand": [0, 10, 10], "Shipments": [0, 10, 10]},
        id="launch",
    ),
    pytest.param(
        # Ready from month 3: no production before it; only month 3's 10 units ship: 10 × 30 = 300.
        dict(
            horizon=3,
            forecast={("A", "C1"): [10, 10, 10]},
            prices={("A", ""): 50},
            costs={"A": {"material": 20}},
            inventory={"A": {}},
            capacity={"L1": [100, 100, 100]},
            readiness={"A": M2},
            **ONE_LINE,
        ),
        300.0,
        {"Production": [0, 0, 10], "Lost sales": [10, 10, 0]},
        id="readiness",
    ),
    pytest.param(
        # Safety stock 5, hours to spare: build 15 then 10 and keep 5 at each month end (the steering penalty
        # outweighs building and holding): 1,000 − 25 × 20 − (5 + 5) × 1 = 490.
        dict(
            horizon=2,
            forecast={("A", "C1"): [10, 10]},
            prices={("A", ""): 50},
            costs={"A": {"material": 20, "holding": 1}},
            inventory={"A": {"safety": 5}},
            capacity={"L1": [100, 100]},
            **ONE_LINE,
        ),
        490.0,
        {"Production": [15, 10], "Closing inventory": [5, 5], "Safety stock shortfall": [0, 0]},
        id="safety-stock",
    ),
    pytest.param(
        # Safety stock before sales: 10 hours a month; month 1 makes 10, ships 5 and keeps 5 (5 sales lost),
        # month 2 makes 10 and ships 10: 15 × 50 − 20 × 20 − (5 + 5) × 1 = 340.
        dict(
            horizon=2,
            forecast={("A", "C1"): [10, 10]},
            prices={("A", ""): 50},
            costs={"A": {"material": 20, "holding": 1}},
            inventory={"A": {"safety": 5}},
            capacity={"L1": [10, 10]},
            **ONE_LINE,
        ),
        340.0,
        {"Shipments": [5, 10], "Closing inventory": [5, 5], "Lost sales": [5, 0], "Safety stock shortfall": [0, 0]},
        id="safety-stock-before-sales",
    ),
    pytest.param(
        # Safety stock 5 that cannot be reached: 3 in stock, no hours, no demand; 2 short each month; holding
        # 1 × 3 × 2 months = 6 (the shortfall penalty is not money).
        dict(
            horizon=2,
            forecast={("A", "C1"): [0, 0]},
            prices={("A", ""): 50},
            costs={"A": {"material": 20, "holding": 1}},
            inventory={"A": {"safety": 5, "opening": 3}},
            capacity={"L1": [0, 0]},
            **ONE_LINE,
        ),
        -6.0,
        {"Closing inventory": [3, 3], "Safety stock shortfall": [2, 2]},
        id="safety-stock-short",
    ),
    pytest.param(
        # Closing target before sales: 10 hours, 10 wanted, target 4: make 10, ship 6, keep 4:
        # 6 × 50 − 10 × 20 = 100.
        dict(
            horizon=1,
            forecast={("A", "C1"): [10]},
            prices={("A", ""): 50},
            costs={"A": {"material": 20}},
            inventory={"A": {"target": 4}},
            capacity={"L1": [10]},
            **ONE_LINE,
        ),
        100.0,
        {"Production": [10], "Shipments": [6], "Closing inventory": [4]},
        id="closing-target-before-sales",
    ),
    pytest.param(
        # Target closing stock 5: make 15, keep 5 at the end: 500 − 15 × 20 = 200.
        dict(
            horizon=1,
            forecast={("A", "C1"): [10]},
            prices={("A", ""): 50},
            costs={"A": {"material": 20}},
            inventory={"A": {"target": 5}},
            capacity={"L1": [100]},
            **ONE_LINE,
        ),
        200.0,
        {"Production": [15], "Closing inventory": [5]},
        id="closing-target",
    ),
    pytest.param(
        # Forecast consumption: a confirmed order of 15 above a forecast of 10 makes demand 15: 15 × 50 = 750.
        dict(
            horizon=1,
            forecast={("A", "C1"): [10]},
            prices={("A", ""): 50},
            costs={"A": {}},
            inventory={"A": {"opening": 100}},
            commitments=[("O1", "C1", "A", 15, "2027-01-20", "Confirmed")],
        ),
        750.0,
        {"Demand": [15], "Confirmed orders": [15], "Shipments": [15]},
        id="forecast-consumption",
    ),
    pytest.param(
        # A Requested order does not raise demand; an order before the horizon is due in month 1; one after the
        # horizon is ignored: demand [10 + 3 (late order), 0] → 13 × 50 = 650.
        dict(
            horizon=2,
            forecast={("A", "C1"): [10, 0]},
            prices={("A", ""): 50},
            costs={"A": {}},
            inventory={"A": {"opening": 100}},
            commitments=[
                ("O1", "C1", "A", 30, "2027-01-20", "Requested"),
                ("O2", "C1", "A", 13, "2026-11-03", "Confirmed"),
                ("O3", "C1", "A", 40, "2027-05-01", "Confirmed"),
            ],
        ),
        650.0,
        {"Demand": [13, 0], "Confirmed orders": [13, 0]},
        id="commitment-months",
    ),
]


def case(name: str) -> dict:
    """The inputs of the hand-worked case with this id."""
    return next(param.values[0] for param in HAND_CASES if param.id == name)


@pytest.mark.parametrize("spec, margin, expected", HAND_CASES)
def test_hand_worked_optimum(spec, margin, expected):
    solution = solve(tiny_inputs(**spec))
    assert solution.contribution_margin == pytest.approx(margin, abs=1e-6)
    for name, values in expected.items():
        assert column(solution.sku_month, name, SKU="A") == pytest.approx(values, abs=1e-6), name


def test_objective_is_margin_less_steering_penalties():
    # The safety-stock-short case: the objective counts 2 units short in 2 months, the contribution margin does
    # not. The steering penalty is 100 × the largest price (50).
    spec = case("safety-stock-short")
    solution = solve(tiny_inputs(**spec))
    assert solution.statistics["largest steering penalty"] == pytest.approx(5000.0)
    assert solution.contribution_margin == pytest.approx(-6.0)
    assert solution.objective == pytest.approx(-6.0 - 2 * 2 * 5000.0)


def test_confirmed_orders_come_first():
    # One 10-hour line, A sells at 100, B at 50, 1 h/unit each. Without orders: 10 A = 1,000. A confirmed order
    # of 6 B takes 6 hours: 6 × 50 + 4 × 100 = 700.
    spec = dict(
        horizon=1,
        forecast={("A", "C1"): [10], ("B", "C2"): [10]},
        prices={("A", ""): 100, ("B", ""): 50},
        costs={"A": {}, "B": {}},
        inventory={"A": {}, "B": {}},
        capacity={"L1": [10]},
        resources={"L1": (20.0, 4.0)},
        routings={("A", "L1"): 1.0, ("B", "L1"): 1.0},
    )
    assert solve(tiny_inputs(**spec)).contribution_margin == pytest.approx(1000.0)
    solution = solve(tiny_inputs(**spec, commitments=[("O1", "C2", "B", 6, "2027-01-15", "Confirmed")]))
    assert solution.contribution_margin == pytest.approx(700.0)
    assert column(solution.sku_month, "Shipments") == pytest.approx([4, 6])
    assert solution.commitment_shortfall.empty


def test_commitment_shortfall_names_the_latest_orders():
    # 10 hours make 10 B; confirmed orders of 5 (O1, the 3rd), 5 (O2, the 10th) and 2 (O3, the 20th) in
    # month 1: the earliest are shipped, O3 is 2 short. An order before the launch month is short in full.
    spec = dict(
        horizon=2,
        forecast={("B", "C2"): [0, 0]},
        prices={("B", ""): 50},
        costs={"B": {}},
        inventory={"B": {}},
        capacity={"L1": [10, 10]},
        resources={"L1": (20.0, 4.0)},
        routings={("B", "L1"): 1.0},
        commitments=[
            ("O3", "C2", "B", 2, "2027-01-20", "Confirmed"),
            ("O2", "C2", "B", 5, "2027-01-10", "Confirmed"),
            ("O1", "C2", "B", 5, "2027-01-03", "Confirmed"),
        ],
    )
    solution = solve(tiny_inputs(**spec))
    assert solution.commitment_shortfall.to_dict("records") == [{"Order ref": "O3", "Month": M0, "Units short": 2.0}]
    launched = solve(tiny_inputs(**spec, launches={"B": M1}))
    assert sorted(launched.commitment_shortfall["Order ref"]) == ["O1", "O2", "O3"]
    assert launched.commitment_shortfall["Units short"].sum() == pytest.approx(12.0)


def test_customers_sharing_a_price_are_served_in_proportion_to_what_they_are_owed():
    # Backlog SKU, one price, 10 units a month for 20 + 10 wanted (C1 20 then 0, C2 10 then 0): month 1 ships
    # 10 split 2:1 (6.667 / 3.333), month 2 ships 10 of the 20 owed split 13.333:6.667 in proportion again;
    # 10 units are still owed at the end and lost (C1 6.667, C2 3.333).
    spec = dict(
        horizon=2,
        forecast={("A", "C1"): [20, 0], ("A", "C2"): [10, 0]},
        prices={("A", ""): 50},
        costs={"A": {"unmet": "Backlog"}},
        inventory={"A": {}},
        capacity={"L1": [10, 10]},
        **ONE_LINE,
    )
    frame = solve(tiny_inputs(**spec)).customer_month
    assert column(frame, "Shipments", Customer="C1") == pytest.approx([20 / 3, 20 / 3])
    assert column(frame, "Shipments", Customer="C2") == pytest.approx([10 / 3, 10 / 3])
    assert column(frame, "Backlog", Customer="C1") == pytest.approx([40 / 3, 20 / 3])
    assert column(frame, "Lost sales", Customer="C2") == pytest.approx([0, 10 / 3])


def test_prices_by_customer_and_valid_from():
    # C1 takes the all-customer price: 10, then 11 from month 2; C2 has its own price 12 throughout.
    spec = dict(
        horizon=3,
        forecast={("A", "C1"): [1, 1, 1], ("A", "C2"): [1, 1, 1]},
        costs={"A": {}},
        inventory={"A": {"opening": 10}},
        prices=[("A", "", 10, M0), ("A", "C2", 12, "2026-06-01"), ("A", "", 11, M1)],
    )
    solution = solve(tiny_inputs(**spec))
    frame = solution.customer_month
    assert column(frame, "Unit price", Customer="C1") == [10, 11, 11]
    assert column(frame, "Unit price", Customer="C2") == [12, 12, 12]
    assert column(frame, "Revenue", Customer="C1") == [10, 11, 11]
    changed = solve(tiny_inputs(**spec), adjustments=Adjustments(price_change={"A": 7}))
    assert column(changed.customer_month, "Unit price") == [7] * 6


# ----------------------------------------------------------------------------------------------------------
# Shadow prices: by hand, and against re-solving with one more hour or unit.
# ----------------------------------------------------------------------------------------------------------

SHADOW_CASES = [
    # Capacity binds, Lost: one more hour makes half a unit worth 30 → 15 per hour, both months.
    pytest.param(case("capacity"), "L1", [15.0, 15.0], id="capacity"),
    # Overtime at its limit: an hour more makes a unit more: 30.
    pytest.param(case("overtime"), "L1", [30.0], id="overtime-at-limit"),
    # Build ahead: a month-2 hour saves a month's holding (3); month 1's spare hour is worth nothing.
    pytest.param(case("holding"), "L1", [0.0, 3.0], id="holding"),
    # Storage binds in month 1, so its hours are worth nothing; month 2's hour makes a unit: 30.
    pytest.param(case("storage"), "L1", [0.0, 30.0], id="storage"),
]


@pytest.mark.parametrize("spec, resource, prices", SHADOW_CASES)
def test_shadow_price_by_hand_and_by_resolving(spec, resource, prices):
    inputs = tiny_inputs(**spec)
    solution = solve(inputs)
    assert column(solution.resource_month, "Shadow price", Resource=resource) == pytest.approx(prices)
    for t, price in enumerate(prices):
        more = solve(inputs, adjustments=Adjustments(extra_hours={(resource, month(t)): 1.0}))
        assert more.objective - solution.objective == pytest.approx(price, abs=1e-6)


def test_material_shadow_price():
    # 2 units of M1 per unit, margin 30 → 15 per unit of M1; re-solving with one more unit adds 15.
    inputs = tiny_inputs(**case("material"))
    solution = solve(inputs)
    assert column(solution.material_month, "Shadow price") == pytest.approx([15.0])
    more = solve(inputs, adjustments=Adjustments(extra_material={("M1", M0): 1.0}))
    assert more.objective - solution.objective == pytest.approx(15.0)


def test_adjustments_extra_overtime_subcontract_and_demand():
    spec = dict(case("overtime"))  # 6 regular + 3 overtime hours, 10 wanted, margin 30, OT 4/h.
    inputs = tiny_inputs(**spec)
    # One more overtime hour: one more unit, 30 − 4 = 26.
    more = solve(inputs, adjustments=Adjustments(extra_overtime={("L1", M0): 1.0}))
    assert more.contribution_margin == pytest.approx(258.0 + 26.0)
    # Extra demand of 5 for C9 is a confirmed order: it is served first (5 of the 9 units).
    extra = solve(inputs, adjustments=Adjustments(extra_demand={("A", "C9", M0): 5.0}))
    assert column(extra.customer_month, "Shipments", Customer="C9") == [5.0]
    assert column(extra.customer_month, "Confirmed orders", Customer="C9") == [5.0]
    # Extra subcontract goes to the cheapest subcontractor (S1 at 30, not S2 at 35).
    spec_sub = dict(case("subcontract"))
    sub = solve(tiny_inputs(**spec_sub), adjustments=Adjustments(extra_subcontract={("A", M0): 6.0}))
    assert column(sub.subcontract, "Max units", Subcontractor="S1") == [10.0]
    assert sub.contribution_margin == pytest.approx(500.0 - 10 * 30.0)


def test_scenarios_fall_back_to_base_per_line():
    spec = dict(
        horizon=1,
        forecast={("A", "C1"): [10], ("A", "C2"): [10], ("A", "C1", "Upside"): [14]},
        prices={("A", ""): 1},
        costs={"A": {}},
        inventory={"A": {"opening": 100}},
    )
    solutions = solve_all(tiny_inputs(**spec))
    assert list(solutions) == ["Base", "Upside"]
    assert column(solutions["Upside"].customer_month, "Demand") == [14.0, 10.0]
    assert all(isinstance(s, Solution) for s in solutions.values())
    with pytest.raises(PlanError, match="Downside"):
        solve(tiny_inputs(**spec), "Downside")


def test_tables_have_the_contract_columns():
    solution = solve(tiny_inputs(**case("subcontract")))
    assert list(solution.sku_month.columns) == [
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
    ]
    assert list(solution.customer_month.columns) == [
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
    ]
    assert list(solution.subcontract.columns) == [
        "SKU",
        "Subcontractor",
        "Month",
        "Units",
        "Cost per unit",
        "Max units",
    ]
    assert list(solution.resource_month.columns) == [
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
    ]
    assert list(solution.material_month.columns) == [
        "Material",
        "Supplier",
        "Month",
        "Available",
        "Used",
        "Shadow price",
    ]
    assert list(solution.commitment_shortfall.columns) == ["Order ref", "Month", "Units short"]
    # Months come in the unit of the inputs' own dates, so that tables merge with them.
    assert solution.sku_month["Month"].dtype == tiny_inputs(**case("subcontract")).forecast["Month"].dtype


@pytest.mark.parametrize(
    "spec, message",
    [
        (
            dict(
                horizon=1,
                forecast={("A", "C1"): [1]},
                costs={"A": {}},
                inventory={"A": {}},
                capacity={"L1": [-5]},
                **ONE_LINE,
            ),
            r"regular hours \(capacity.xlsx, Capacity\) of resource L1 in Jan-27 is negative \(-5\)",
        ),
        (
            dict(horizon=1, forecast={("A", "C1"): [1]}, costs={"A": {}}, inventory={"A": {}}, materials={"M1": [-1]}),
            r"units available \(capacity.xlsx, Materials\) of material M1 in Jan-27 is negative",
        ),
        (
            dict(horizon=1, forecast={("A", "C1"): [1]}, costs={"A": {"holding": -1}}, inventory={"A": {}}),
            r"holding cost per unit-month \(capacity.xlsx, Costs\) of SKU A is negative \(-1\)",
        ),
    ],
)
def test_plan_error_names_the_input(spec, message):
    with pytest.raises(PlanError, match=message):
        solve(tiny_inputs(**spec))


def test_adjustment_with_unknown_key_is_a_plan_error():
    inputs = tiny_inputs(**case("overtime"))
    with pytest.raises(PlanError, match="Line 9"):
        solve(inputs, adjustments=Adjustments(extra_hours={("Line 9", M0): 1.0}))
    with pytest.raises(PlanError, match="no subcontractor"):
        solve(inputs, adjustments=Adjustments(extra_subcontract={("A", M0): 1.0}))


# ----------------------------------------------------------------------------------------------------------
# Random small inputs: invariants, determinism, a greedy plan to beat, duals against re-solving.
# ----------------------------------------------------------------------------------------------------------


@st.composite
def small_inputs(draw, steering: bool = True):
    """Random valid inputs: 1-3 SKUs, 1-2 customers, 1-2 resources, up to one material, 1-4 months."""
    horizon = draw(st.integers(1, 4))
    n_skus = draw(st.integers(1, 3))
    skus = ["A", "B", "C"][:n_skus]
    resources = ["L1", "L2"][: draw(st.integers(1, 2))]
    qty = st.integers(0, 30)
    money = st.integers(0, 60)
    hours = st.sampled_from([0.5, 1.0, 2.0, 3.0])
    months_of = lambda values: st.lists(values, min_size=horizon, max_size=horizon)  # noqa: E731
    forecast, prices, costs, inventory, routings, subcontract, bom = {}, {}, {}, {}, {}, {}, {}
    commitments = []
    for s in skus:
        # Customers often share a SKU's price: the planner then ships to them from one column, split afterwards.
        shared = draw(st.one_of(st.none(), st.integers(10, 100)))
        for c in ["C1", "C2"][: draw(st.integers(1, 2))]:
            forecast[(s, c)] = draw(months_of(qty))
            prices[(s, c)] = shared if shared is not None else draw(st.integers(10, 100))
            if steering and draw(st.booleans()):
                commitments.append(
                    (
                        f"O{len(commitments)}",
                        c,
                        s,
                        draw(st.integers(1, 40)),
                        month(draw(st.integers(0, horizon - 1))) + pd.Timedelta(days=9),
                        "Confirmed",
                    )
                )
        costs[s] = {
            "material": draw(money),
            "other": draw(st.integers(0, 10)),
            "holding": draw(st.integers(0, 5)),
            "unmet": draw(st.sampled_from(["Lost", "Backlog"])),
            "backlog": draw(st.integers(0, 5)),
        }
        inventory[s] = {
            "opening": draw(qty),
            "safety": draw(qty) if steering else 0,
            "target": draw(qty) if steering else 0,
            "max": draw(st.one_of(st.none(), st.integers(0, 60))),
        }
        for r in resources:
            if draw(st.booleans()) or r == "L1":
                routings[(s, r)] = draw(hours)
        if draw(st.booleans()):
            subcontract[(s, "Sub")] = (draw(st.integers(20, 120)), draw(months_of(st.integers(0, 10))))
        if draw(st.booleans()):
            bom[(s, "M1")] = draw(st.sampled_from([1.0, 2.0]))
    return tiny_inputs(
        horizon=horizon,
        forecast=forecast,
        prices=prices,
        costs=costs,
        inventory=inventory,
        routings=routings,
        resources={r: (20.0, float(draw(st.integers(0, 40)))) for r in resources},
        capacity={r: draw(months_of(st.integers(0, 40))) for r in resources},
        overtime={r: draw(months_of(st.integers(0, 10))) for r in resources},
        subcontract=subcontract,
        materials={"M1": draw(months_of(st.integers(0, 40)))} if bom else {},
        bom=bom,
        commitments=commitments,
    )


def check_invariants(inputs, solution: Solution):
    tol = 1e-6
    plan = solution.sku_month
    # Inventory balance: closing = opening + production + subcontract − shipments, each month, chained.
    balance = plan["Opening inventory"] + plan["Production"] + plan["Subcontract"] - plan["Shipments"]
    assert np.allclose(balance, plan["Closing inventory"], atol=tol)
    for _, group in plan.groupby("SKU", sort=False):
        assert np.allclose(group["Opening inventory"].iloc[1:], group["Closing inventory"].iloc[:-1], atol=tol)
    assert (plan["Closing inventory"] >= -tol).all()
    opening = inputs.inventory.set_index("SKU")["Opening stock"]
    firsts = plan.groupby("SKU", sort=False).first()
    assert np.allclose(firsts["Opening inventory"], opening.reindex(firsts.index).fillna(0.0), atol=tol)
    # Storage: within max stock unless opening stock less all demand is already above it.
    cum_demand = plan.groupby("SKU", sort=False)["Demand"].cumsum()
    limit = np.maximum(plan["Max stock"].fillna(np.inf), plan["SKU"].map(opening) - cum_demand)
    assert (plan["Closing inventory"] <= limit + tol).all()
    # Backlog balance per customer: backlog = previous backlog + demand − shipments; Lost: shipments ≤ demand.
    lines = solution.customer_month
    unmet = inputs.costs.set_index("SKU")["Unmet demand"]
    for (sku, _), group in lines.groupby(["SKU", "Customer"], sort=False):
        owed = np.cumsum(group["Demand"] - group["Shipments"])
        if unmet[sku] == "Backlog":
            assert np.allclose(group["Backlog"], owed, atol=tol)
            assert (group["Backlog"] >= -tol).all()
            assert group["Lost sales"].iloc[-1] == pytest.approx(group["Backlog"].iloc[-1], abs=tol)
        else:
            assert (group["Shipments"] <= group["Demand"] + tol).all()
            assert np.allclose(group["Lost sales"], group["Demand"] - group["Shipments"], atol=tol)
            assert (group["Backlog"] == 0).all()
    # Revenue = shipments × price; SKU shipments = sum of customers.
    assert np.allclose(lines["Revenue"], lines["Shipments"] * lines["Unit price"], atol=tol)
    by_sku = lines.groupby(["SKU", "Month"], sort=False)["Shipments"].sum()
    assert np.allclose(by_sku.to_numpy(), plan.set_index(["SKU", "Month"])["Shipments"].loc[by_sku.index], atol=tol)
    # Capacity and overtime.
    res = solution.resource_month
    assert (res["Used hours"] <= res["Available hours"] + res["Overtime hours"] + tol).all()
    assert (res["Overtime hours"] <= res["Overtime limit"] + tol).all()
    assert (res["Shadow price"] >= 0).all()
    # Subcontract and material limits.
    assert (solution.subcontract["Units"] <= solution.subcontract["Max units"] + tol).all()
    mat = solution.material_month
    assert (mat["Used"] <= mat["Available"] + tol).all()
    assert (plan[["Production", "Subcontract", "Shipments"]] >= -tol).all().all()
    # Contribution margin is money only, recomputed from the tables: revenue − material − other − overtime −
    # subcontract − holding − backlog cost; the steering and commitment penalties are not in it.
    costs = inputs.costs.set_index("SKU")
    per_sku = plan.join(costs, on="SKU")
    waiting = lines.join(costs, on="SKU")
    money = (
        lines["Revenue"].sum()
        - (per_sku["Production"] * (per_sku["Material cost per unit"] + per_sku["Other variable cost per unit"])).sum()
        - (res["Overtime hours"] * res["Overtime cost per hour"]).sum()
        - (solution.subcontract["Units"] * solution.subcontract["Cost per unit"]).sum()
        - (per_sku["Closing inventory"] * per_sku["Holding cost per unit-month"]).sum()
        - (waiting["Backlog"] * waiting["Backlog cost per unit-month"]).sum()
    )
    assert solution.contribution_margin == pytest.approx(money, abs=1e-5)
    assert solution.objective <= solution.contribution_margin + 1e-6 * max(1.0, abs(solution.objective))


def greedy_margin(inputs) -> float:
    """The contribution margin of a simple feasible plan made without the solver.

    Month by month: ship the month's demand from stock first; then, SKU by SKU, make what is still wanted
    with regular hours and material that are left, when the price covers material and other cost. No overtime,
    subcontract or building ahead; unmet demand of Backlog SKUs waits (and costs) to the end.
    """
    months = inputs.months
    skus = list(inputs.inventory["SKU"])
    costs = inputs.costs.set_index("SKU")
    stock = inputs.inventory.set_index("SKU")["Opening stock"].astype(float).to_dict()
    routing = inputs.routings.groupby("SKU")
    bom = inputs.bill_of_materials.set_index("SKU")["Quantity per unit"].to_dict()
    cap = inputs.capacity
    regular = {
        (r, m): h
        for r, m, h, kind in zip(cap["Resource"], cap["Month"], cap["Hours"], cap["Kind"])
        if kind == "Regular"
    }
    material = {m: a for m, a in zip(inputs.materials["Month"], inputs.materials["Available"])}
    forecast = inputs.forecast.set_index(["SKU", "Customer", "Month"])["Forecast"]
    price = inputs.prices.set_index(["SKU", "Customer"])["Unit price"]
    margin = 0.0
    backlog = {}
    for t in months:
        for s in skus:
            lines = [(c, max(forecast.get((s, c, t), 0.0), 0.0)) for (s2, c) in price.index if s2 == s]
            unit_cost = costs.loc[s, "Material cost per unit"] + costs.loc[s, "Other variable cost per unit"]
            for c, wanted in sorted(lines, key=lambda line: -price[(s, line[0])]):
                from_stock = min(stock[s], wanted)
                stock[s] -= from_stock
                made = 0.0
                if price[(s, c)] > unit_cost and s in routing.groups:
                    steps = routing.get_group(s)
                    made = wanted - from_stock
                    for r, h in zip(steps["Resource"], steps["Hours per unit"]):
                        made = min(made, regular.get((r, t), 0.0) / h)
                    if s in bom:
                        made = min(made, material.get(t, 0.0) / bom[s])
                    for r, h in zip(steps["Resource"], steps["Hours per unit"]):
                        regular[(r, t)] = regular.get((r, t), 0.0) - made * h
                    if s in bom:
                        material[t] = material.get(t, 0.0) - made * bom[s]
                margin += (from_stock + made) * price[(s, c)] - made * unit_cost
                if costs.loc[s, "Unmet demand"] == "Backlog":
                    backlog[(s, c)] = backlog.get((s, c), 0.0) + wanted - from_stock - made
                    margin -= backlog[(s, c)] * costs.loc[s, "Backlog cost per unit-month"]
            margin -= stock[s] * costs.loc[s, "Holding cost per unit-month"]
    return margin


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_inputs())
def test_plan_invariants_hold(inputs):
    solution = solve(inputs)
    check_invariants(inputs, solution)
    again = solve(inputs)
    # Determinism: the same inputs give the same plan to the last digit.
    pd.testing.assert_frame_equal(solution.sku_month, again.sku_month, check_exact=True)
    pd.testing.assert_frame_equal(solution.resource_month, again.resource_month, check_exact=True)
    assert solution.objective == again.objective


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_inputs(steering=False))
def test_plan_beats_a_greedy_plan(inputs):
    # Without safety stock, targets or orders the objective is the margin, and no feasible plan earns more.
    solution = solve(inputs)
    assert solution.objective == pytest.approx(solution.contribution_margin, abs=1e-6)
    assert solution.contribution_margin >= greedy_margin(inputs) - 1e-6


def _penalised(inputs, solution: Solution) -> bool:
    """Whether the plan leaves a confirmed order, a safety stock or a closing-stock target short."""
    if len(solution.commitment_shortfall) or (solution.sku_month["Safety stock shortfall"] > 1e-9).any():
        return True
    last = solution.sku_month[solution.sku_month["Month"] == inputs.months[-1]].set_index("SKU")
    target = inputs.inventory.set_index("SKU")["Target closing stock"].astype(float)
    return bool((last["Closing inventory"].reindex(target.index).fillna(0.0) < target - 1e-9).any())


def test_shadow_price_is_money_when_a_confirmed_order_is_short():
    # A confirmed order of 100 units in Jan, 50 chips available, 1 chip a unit: 50 units short. One more chip
    # lets one more unit of the order ship: its worth is the unit margin 40 − 10 = 30, not the penalty for a
    # missed confirmed unit (which is thousands).
    inputs = tiny_inputs(
        horizon=1,
        forecast={("A", "C1"): [100]},
        prices={("A", ""): 40.0},
        resources={"L": (0.0, 0.0)},
        capacity={"L": [1000]},
        routings={("A", "L"): 1.0},
        costs={"A": {"material": 10.0}},
        inventory={"A": {}},
        materials={"Chip": [50]},
        bom={("A", "Chip"): 1.0},
        commitments=[("SO-1", "C1", "A", 100, "2027-01-10", "Confirmed")],
    )
    solution = solve(inputs)
    assert solution.commitment_shortfall["Units short"].sum() == pytest.approx(50)
    assert solution.material_month["Shadow price"].iloc[0] == pytest.approx(30.0)
    more = solve(inputs, adjustments=Adjustments(extra_material={("Chip", month(0)): 1.0}))
    assert more.contribution_margin - solution.contribution_margin == pytest.approx(30.0)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_inputs(), st.data())
def test_shadow_price_brackets_resolving(inputs, data):
    # The plan's value is concave in the hours (or material units), so any correct shadow price p of a
    # resource-month lies between the gain of one more hour and the loss of one fewer: v(+1) − v ≤ p ≤ v − v(−1).
    # Shadow prices are money: where an order or a stock policy is short, an extra hour's worth to the objective
    # includes a penalty, so the bracket is checked on plans without a shortfall (the money duals with a
    # shortfall are checked by hand in test_shadow_price_is_money_when_a_confirmed_order_is_short).
    solution = solve(inputs)
    assume(not _penalised(inputs, solution))
    tables = [("extra_hours", solution.resource_month, "Resource", "Available hours")]
    if len(solution.material_month):
        tables.append(("extra_material", solution.material_month, "Material", "Available"))
    lever, table, key, available = data.draw(st.sampled_from(tables))
    i = data.draw(st.integers(0, len(table) - 1))
    name, when, price = table[key].iloc[i], table["Month"].iloc[i], table["Shadow price"].iloc[i]
    more = solve(inputs, adjustments=Adjustments(**{lever: {(name, when): 1.0}}))
    tol = 1e-6 * max(1.0, solution.statistics["commitment penalty"])
    assert more.objective - solution.objective <= price + tol
    if table[available].iloc[i] >= 1.0:
        fewer = solve(inputs, adjustments=Adjustments(**{lever: {(name, when): -1.0}}))
        assert solution.objective - fewer.objective >= price - tol


def reference_margin(inputs) -> float:
    """The optimum of the same LP written independently, straight from docs/model.md, one variable at a time, and
    solved with scipy's linprog (no safety stock, targets or orders, as `small_inputs(steering=False)` makes)."""
    from scipy.optimize import linprog

    months = inputs.months
    n_t = len(months)
    names: dict[tuple, int] = {}
    cost, bounds = [], []

    def var(key, c, ub=None):
        names[key] = len(cost)
        cost.append(c)
        bounds.append((0, ub))
        return names[key]

    inv_rows = inputs.inventory.set_index("SKU")
    costs = inputs.costs.set_index("SKU")
    lines = inputs.prices[["SKU", "Customer", "Unit price"]].itertuples(index=False)
    forecast = inputs.forecast.set_index(["SKU", "Customer", "Month"])["Forecast"]
    eq_rows, eq_rhs, ub_rows, ub_rhs = [], [], [], []
    routed = set(inputs.routings["SKU"])
    for s in inv_rows.index:
        c = costs.loc[s]
        opening = inv_rows.loc[s, "Opening stock"]
        cap = inv_rows.loc[s, "Max stock"]
        monthly = inputs.forecast[inputs.forecast["SKU"] == s].groupby("Month")["Forecast"].sum()
        cum = np.cumsum([monthly.get(t, 0.0) for t in months])
        for t in range(n_t):
            var(
                ("make", s, t),
                c["Material cost per unit"] + c["Other variable cost per unit"],
                None if s in routed else 0,
            )
            limit = None if pd.isna(cap) else max(cap, opening - cum[t])
            var(("inv", s, t), c["Holding cost per unit-month"], limit)
    for s, cu, price in lines:
        waits = costs.loc[s, "Unmet demand"] == "Backlog"
        for t, when in enumerate(months):
            d = forecast.get((s, cu, when), 0.0)
            var(("ship", s, cu, t), -price, None if waits else d)
            if waits:
                var(("bl", s, cu, t), costs.loc[s, "Backlog cost per unit-month"])
    for s, k, unit_cost, when, most in inputs.subcontract[
        ["SKU", "Subcontractor", "Cost per unit", "Month", "Max units"]
    ].itertuples(index=False):
        var(("sub", s, k, months.index(when)), unit_cost, most)
    ot_rate = inputs.resources.set_index("Resource")["Overtime cost per hour"]
    for r, kind, when, hours in inputs.capacity[["Resource", "Kind", "Month", "Hours"]].itertuples(index=False):
        if kind == "Overtime":
            var(("ot", r, months.index(when)), ot_rate[r], hours)

    def row(entries):
        out = np.zeros(len(cost))
        for key, coefficient in entries:
            if key in names:
                out[names[key]] += coefficient
        return out

    for s in inv_rows.index:
        for t in range(n_t):
            entries = [(("inv", s, t), 1.0), (("inv", s, t - 1), -1.0), (("make", s, t), -1.0)]
            entries += [(key, -1.0) for key in names if key[0] == "sub" and key[1] == s and key[3] == t]
            entries += [(key, 1.0) for key in names if key[0] == "ship" and key[1] == s and key[3] == t]
            eq_rows.append(row(entries))
            eq_rhs.append(inv_rows.loc[s, "Opening stock"] if t == 0 else 0.0)
    for key in [k for k in names if k[0] == "bl"]:
        _, s, cu, t = key
        eq_rows.append(row([(key, 1.0), (("bl", s, cu, t - 1), -1.0), (("ship", s, cu, t), 1.0)]))
        eq_rhs.append(forecast.get((s, cu, months[t]), 0.0))
    regular = inputs.capacity[inputs.capacity["Kind"] == "Regular"].set_index(["Resource", "Month"])["Hours"]
    for (r, when), hours in regular.items():
        t = months.index(when)
        entries = [
            (("make", s, t), h)
            for s, r2, h in inputs.routings[["SKU", "Resource", "Hours per unit"]].itertuples(index=False)
            if r2 == r
        ]
        ub_rows.append(row(entries + [(("ot", r, t), -1.0)]))
        ub_rhs.append(hours)
    for m, when, available in inputs.materials[["Material", "Month", "Available"]].itertuples(index=False):
        t = months.index(when)
        entries = [
            (("make", s, t), q)
            for s, m2, q in inputs.bill_of_materials[["SKU", "Material", "Quantity per unit"]].itertuples(index=False)
            if m2 == m
        ]
        ub_rows.append(row(entries))
        ub_rhs.append(available)
    result = linprog(
        cost,
        A_ub=np.array(ub_rows) if ub_rows else None,
        b_ub=ub_rhs or None,
        A_eq=np.array(eq_rows),
        b_eq=eq_rhs,
        bounds=bounds,
        method="highs",
    )
    assert result.status == 0, result.message
    return -result.fun


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_inputs(steering=False))
def test_plan_matches_an_independent_lp(inputs):
    solution = solve(inputs)
    assert solution.contribution_margin == pytest.approx(reference_margin(inputs), rel=1e-7, abs=1e-6)


@pytest.mark.parametrize("block_columns", [blocks.BLOCK_COLUMNS, 1], ids=["blocks as packed", "every part a block"])
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_inputs(), st.data())
def test_warm_start_reaches_the_optimum_of_the_whole_lp(block_columns, inputs, data):
    # With one column per block, every independent part is its own block: a warm start re-solves only the
    # changed block and must still reach the optimum of the whole LP solved from scratch.
    blocks.BLOCK_COLUMNS, saved = block_columns, blocks.BLOCK_COLUMNS
    try:
        solution = solve(inputs)
        res = solution.resource_month
        i = data.draw(st.integers(0, len(res) - 1))
        change = Adjustments(extra_hours={(res["Resource"].iloc[i], res["Month"].iloc[i]): 2.0})
        cold = solve(inputs, adjustments=change)
        warm = solve(inputs, adjustments=change, warm_start=solution)
    finally:
        blocks.BLOCK_COLUMNS = saved
    assert warm.statistics["solver"] == "simplex"
    assert warm.objective == pytest.approx(cold.objective, rel=1e-9, abs=1e-6)


# ----------------------------------------------------------------------------------------------------------
# Re-solving only the blocks a change touches
# ----------------------------------------------------------------------------------------------------------

# Two sites that share nothing: A (margin 50 − 20 = 30) on L1, 1 h a unit, 10 h a month, 15 wanted (Lost);
# B (margin 40 − 10 = 30) on L2, 2 h a unit, 10 h a month (5 units), 8 wanted (Lost); holding either costs 1 a
# unit-month, so nothing is built ahead. Base: 3 × (10 + 5) × 30 = 1,350. C2's Requested order for 3 units of A
# in Mar-27 displaces 3 of C1's units at the same price.
TWO_SITES = dict(
    horizon=3,
    forecast={("A", "C1"): [15, 15, 15], ("B", "C1"): [8, 8, 8]},
    prices={("A", ""): 50, ("B", ""): 40},
    costs={"A": {"material": 20, "holding": 1}, "B": {"material": 10, "holding": 1}},
    inventory={"A": {}, "B": {}},
    resources={"L1": (20.0, 4.0), "L2": (20.0, 4.0)},
    capacity={"L1": [10, 10, 10], "L2": [10, 10, 10]},
    overtime={"L2": [0, 0, 0]},
    routings={("A", "L1"): 1.0, ("B", "L2"): 2.0},
    subcontract={("B", "S1"): (35.0, [0, 0, 0])},
    materials={"M1": [100, 100, 100]},
    bom={("A", "M1"): 1.0},
    commitments=[("SO-1", "C2", "A", 3.0, M2, "Requested")],
)

BLOCK_CASES = [
    # 3 more hours on L1 in Feb-27: 3 more units of A, 3 × 30 (13 of 15 wanted, so L1 is still worth 30 an hour).
    pytest.param(Adjustments(extra_hours={("L1", M1): 3.0}), 1350.0 + 90.0, 1, id="extra-hours"),
    # 4 overtime hours on L2 in Jan-27: 2 more units of B at 30 − 2 × 4.
    pytest.param(Adjustments(extra_overtime={("L2", M0): 4.0}), 1350.0 + 44.0, 1, id="extra-overtime"),
    # M1 is not short: more of it changes nothing, but the block is re-solved.
    pytest.param(Adjustments(extra_material={("M1", M0): 5.0}), 1350.0, 1, id="extra-material"),
    # 2 units of B from S1 in Feb-27 at 40 − 35.
    pytest.param(Adjustments(extra_subcontract={("B", M1): 2.0}), 1350.0 + 10.0, 1, id="extra-subcontract"),
    # C2's order ships; C1 gets 3 fewer of A's 10 units in Mar-27 at the same price.
    pytest.param(Adjustments(confirm_orders={"SO-1"}), 1350.0, 1, id="confirm-order"),
    # B at 45 earns 35 a unit: 15 × 5 more. The money scale (largest price) is unchanged.
    pytest.param(Adjustments(price_change={"B": 45.0}), 1350.0 + 75.0, 1, id="price-change"),
    # B at 60 raises the money scale, which rescales every block's objective: both are re-solved.
    pytest.param(Adjustments(price_change={"B": 60.0}), 900.0 + 15 * 50.0, 2, id="price-change-rescales"),
]


@pytest.mark.parametrize("change, margin, blocks_solved", BLOCK_CASES)
def test_block_resolve_agrees_with_solving_the_whole_lp(monkeypatch, change, margin, blocks_solved):
    monkeypatch.setattr(blocks, "BLOCK_COLUMNS", 1)  # one block per site, however small
    inputs = tiny_inputs(**TWO_SITES)
    base = solve(inputs)
    assert base.statistics["blocks"] == 2
    assert base.contribution_margin == pytest.approx(1350.0)
    resolved = solve(inputs, adjustments=change, warm_start=base)
    if change.confirm_orders:  # the whole LP of the inputs with the order's status changed, from scratch
        commitments = inputs.commitments.copy()
        commitments["Status"] = "Confirmed"
        whole = solve(replace(inputs, commitments=commitments))
    else:
        whole = solve(inputs, adjustments=change)
    assert resolved.statistics["blocks solved"] == blocks_solved
    assert resolved.contribution_margin == pytest.approx(margin, abs=1e-6)
    assert whole.contribution_margin == pytest.approx(margin, abs=1e-6)
    assert resolved.objective == pytest.approx(whole.objective, rel=1e-12)
    for name in (
        "sku_month",
        "customer_month",
        "subcontract",
        "resource_month",
        "material_month",
        "commitment_shortfall",
    ):
        pd.testing.assert_frame_equal(
            getattr(resolved, name), getattr(whole, name), check_exact=False, rtol=1e-9, atol=1e-9
        )


def test_block_resolve_of_an_order_ships_it():
    inputs = tiny_inputs(**TWO_SITES)
    resolved = solve(inputs, adjustments=Adjustments(confirm_orders={"SO-1"}), warm_start=solve(inputs))
    assert column(resolved.customer_month, "Shipments", SKU="A", Customer="C2") == [0.0, 0.0, 3.0]
    assert column(resolved.customer_month, "Shipments", SKU="A", Customer="C1") == [10.0, 10.0, 7.0]
    assert resolved.commitment_shortfall.empty


def test_scenarios_solved_on_every_core_as_soon_as_base_blocks_are_give_the_serial_plans(monkeypatch):
    # Upside's and Downside's blocks start from Base's same block as soon as it is solved, in worker processes;
    # the plans must be those of solving every block in turn in this process.
    spec = dict(TWO_SITES)
    spec["forecast"] = {
        **{(sku, customer, "Base"): units for (sku, customer), units in TWO_SITES["forecast"].items()},
        ("A", "C1", "Upside"): [18, 20, 22],
        ("B", "C1", "Upside"): [9, 9, 12],
        ("A", "C1", "Downside"): [10, 9, 8],
        ("B", "C1", "Downside"): [5, 5, 5],
    }
    inputs = tiny_inputs(**spec)
    monkeypatch.setattr(blocks, "BLOCK_COLUMNS", 1)  # one block per site
    serial = solve_all(inputs)
    pools = []
    workers = highs.workers
    monkeypatch.setattr(highs, "workers", lambda *args: pools.append(workers(*args)) or pools[-1])
    monkeypatch.setattr(highs, "PARALLEL_ABOVE", 0)
    on_every_core = solve_all(inputs)
    assert pools == [min(2, len(os.sched_getaffinity(0)))]  # one pool for the 6 blocks of the 3 scenarios
    assert list(on_every_core) == list(serial) == ["Base", "Upside", "Downside"]
    for scenario, solution in on_every_core.items():
        assert solution.statistics["blocks"] == 2
        assert solution.objective == serial[scenario].objective
        for name in ("sku_month", "customer_month", "resource_month", "material_month"):
            pd.testing.assert_frame_equal(getattr(solution, name), getattr(serial[scenario], name), check_exact=True)
    # L1 and L2 are full in Base, so Upside can sell no more; Downside sells less.
    assert on_every_core["Upside"].contribution_margin == on_every_core["Base"].contribution_margin
    assert on_every_core["Downside"].contribution_margin < on_every_core["Base"].contribution_margin


# ----------------------------------------------------------------------------------------------------------
# Who waits: customers the money cannot tell apart, and where the simplex starts
# ----------------------------------------------------------------------------------------------------------

# A, backlogged at 1 a unit-month, 1 hour a unit; 10 hours in month 1 and 20 in month 2; C1 and C2 want 10 each
# in month 1. Every unit ships, 10 of them a month late: 20 × price − 10 × 1, whoever waits.
WAITING = dict(
    horizon=2,
    forecast={("A", "C1"): [10, 0], ("A", "C2"): [10, 0]},
    costs={"A": {"unmet": "Backlog", "backlog": 1}},
    inventory={"A": {}},
    capacity={"L1": [10, 20]},
    **ONE_LINE,
)


def test_customers_at_one_price_share_the_wait_in_proportion_after_confirmed_orders():
    # C2 has a confirmed order of 4 in month 1: it ships first. The other 6 units go in proportion to what each
    # is still owed, C1 10 and C2 6: C1 3.75, C2 2.25. So C1 ships 3.75 then 6.25, C2 6.25 then 3.75.
    solution = solve(
        tiny_inputs(**WAITING, prices={("A", ""): 50}, commitments=[("O1", "C2", "A", 4, "2027-01-15", "Confirmed")])
    )
    assert solution.contribution_margin == pytest.approx(20 * 50 - 10 * 1)
    plan = solution.customer_month
    assert column(plan, "Shipments", Customer="C1") == pytest.approx([3.75, 6.25])
    assert column(plan, "Shipments", Customer="C2") == pytest.approx([6.25, 3.75])
    assert column(plan, "Backlog", Customer="C1") == pytest.approx([6.25, 0])
    assert solution.commitment_shortfall.empty


def test_the_lower_priced_customer_waits():
    # C1 pays 50, C2 40: the margin is 20 × 45 − 10 either way; C2's 10 units wait.
    solution = solve(tiny_inputs(**WAITING, prices={("A", "C1"): 50, ("A", "C2"): 40}))
    assert solution.contribution_margin == pytest.approx(10 * 50 + 10 * 40 - 10 * 1)
    assert solution.objective == pytest.approx(solution.contribution_margin)
    plan = solution.customer_month
    assert column(plan, "Shipments", Customer="C1") == pytest.approx([10, 0])
    assert column(plan, "Shipments", Customer="C2") == pytest.approx([0, 10])


def test_the_plan_does_not_depend_on_where_the_simplex_starts(monkeypatch):
    # The sample company from the lot-for-lot basis and from the slack basis (HiGHS's own start): the same
    # shipments and backlog for every customer and month of every scenario.
    from sop_workbook.sample import sample_inputs

    inputs = sample_inputs()
    lot_for_lot = solve_all(inputs)
    monkeypatch.setattr(model, "_lot_for_lot_basis", lambda *args: None)
    slack = solve_all(inputs)
    # Base starts cold (Upside and Downside start from Base's basis either way).
    assert lot_for_lot["Base"].statistics["iterations"] < slack["Base"].statistics["iterations"]
    for scenario, solution in lot_for_lot.items():
        assert solution.contribution_margin == pytest.approx(slack[scenario].contribution_margin, rel=1e-12)
        for measure in ("Shipments", "Backlog", "Lost sales"):
            np.testing.assert_allclose(
                solution.customer_month[measure],
                slack[scenario].customer_month[measure],
                rtol=1e-9,
                atol=1e-6,
                err_msg=f"{scenario} {measure}",
            )


def test_lot_for_lot_start_is_a_dual_feasible_basis():
    # The sample's Base model: as many basic variables as rows, a nonsingular basis, and every nonbasic column at
    # the bound its reduced cost favours (c − Aᵀy ≥ 0 at lower, ≤ 0 at upper, y from the basic columns).
    from scipy.sparse import csc_matrix
    from scipy.sparse.linalg import spsolve

    from sop_workbook.sample import sample_inputs

    data = planner_data.prepare(planner_data.common(sample_inputs()), "Base", Adjustments())
    lp_model = model.build(data, model.penalties(data))
    col_status, row_status = lp_model.start
    basic = np.flatnonzero(col_status == model.BASIC)
    fixed_rows = np.flatnonzero(row_status != model.BASIC)  # the balance rows; the others' slacks are basic
    assert len(basic) + int(np.sum(row_status == model.BASIC)) == lp_model.n_row
    assert len(basic) == len(fixed_rows)
    matrix = lp_model.matrix
    matrix = csc_matrix((matrix.data, matrix.indices, matrix.indptr), shape=matrix.shape)
    square = matrix[fixed_rows][:, basic].tocsc()
    y = np.zeros(lp_model.n_row)
    y[fixed_rows] = spsolve(square.T.tocsc(), lp_model.cost[basic])
    assert np.all(np.isfinite(y))
    reduced = lp_model.cost - matrix.T @ y
    tolerance = 1e-9
    assert np.all(reduced[col_status == model.AT_LOWER] >= -tolerance)
    assert np.all(reduced[col_status == model.AT_UPPER] <= tolerance)
    assert np.allclose(reduced[basic], 0.0, atol=tolerance)


@pytest.mark.parametrize(
    "coupling, per_row, at_least, solver, tried",
    [(1.0, 0.0, 1, "ipm", True), (1.0, 10.0, 10_000, "simplex", True), (0.0, 10.0, 10_000, "ipm", False)],
    ids=["gives-up", "finishes", "not-tried"],
)
def test_a_large_block_tries_the_simplex_then_falls_back_on_interior_point(
    monkeypatch, coupling, per_row, at_least, solver, tried
):
    # Every block of the sample made "large" (interior point's size): the simplex tries from the lot-for-lot
    # basis; with a limit of 1 iteration it gives up and interior point solves the block from scratch, with room
    # to finish it keeps its plan; with more capacity and material rows than allowed it is not tried (interior
    # point from scratch at once). Either way the optimum is the one the simplex finds without any limit.
    from sop_workbook.sample import sample_inputs

    inputs = sample_inputs()
    plain = solve(inputs)
    monkeypatch.setattr(highs, "INTERIOR_POINT_ABOVE", 10)
    monkeypatch.setattr(highs, "TRY_SIMPLEX_ITERATIONS_PER_ROW", per_row)
    monkeypatch.setattr(highs, "TRY_SIMPLEX_ITERATIONS_AT_LEAST", at_least)
    monkeypatch.setattr(highs, "TRY_SIMPLEX_COUPLING", coupling)
    from_a_basis = []  # whether each solver call started from a basis
    real_run = highs.run
    monkeypatch.setattr(
        highs,
        "run",
        lambda block, scenario, options, basis=None: (
            from_a_basis.append(basis is not None) or real_run(block, scenario, options, basis)
        ),
    )
    result = solve(inputs)
    assert result.statistics["solver"] == solver
    assert from_a_basis[0] is tried  # each block's first call: the simplex's try, or interior point from scratch
    assert result.objective == pytest.approx(plain.objective, rel=1e-9)
    assert result.contribution_margin == pytest.approx(plain.contribution_margin, rel=1e-9)
    # The sample's block has short orders, so its shadow prices come from the money-only solve, which goes on in
    # the instance that found the plan (with its iteration limit lifted, after interior point too): the same
    # prices as the plain solve's (541.05 EUR/h at most).
    for table in ("resource_month", "material_month"):
        np.testing.assert_allclose(
            getattr(result, table)["Shadow price"], getattr(plain, table)["Shadow price"], rtol=1e-9, atol=1e-8
        )


def _dense(matrix) -> np.ndarray:
    out = np.zeros(matrix.shape)
    for j in range(matrix.shape[1]):
        span = slice(matrix.indptr[j], matrix.indptr[j + 1])
        assert np.all(np.diff(matrix.indices[span]) > 0), "rows increase within a column"
        out[matrix.indices[span], j] = matrix.data[span]
    return out


def test_sparse_matrix_sums_entries_at_one_place_and_takes_blocks():
    # Entries as the model adds them, out of order and twice at (0, 0): 1 + 3 = 4.
    rows, cols = np.array([2, 0, 1, 0, 3]), np.array([1, 0, 0, 0, 2])
    values = np.array([5.0, 1.0, 2.0, 3.0, -1.5])
    matrix = lp.Matrix.from_entries(rows, cols, values, (4, 3))
    expected = np.array([[4.0, 0, 0], [2.0, 0, 0], [0, 5.0, 0], [0, 0, -1.5]])
    np.testing.assert_array_equal(_dense(matrix), expected)
    assert matrix.nnz == 4
    np.testing.assert_array_equal(matrix.entry_columns(), [0, 0, 1, 2])
    block = matrix.block(np.array([0, 2]), np.array([1, 3]))
    np.testing.assert_array_equal(_dense(block), [[2.0, 0], [0, -1.5]])


def _components_by_search(n_col: int, n_row: int, edges: list[tuple[int, int]]) -> list[set[int]]:
    """The components by a plain search over the neighbours (columns 0.., rows n_col..)."""
    neighbours = {node: set() for node in range(n_col + n_row)}
    for col, row in edges:
        neighbours[col].add(n_col + row)
        neighbours[n_col + row].add(col)
    seen, found = set(), []
    for start in range(n_col + n_row):
        if start in seen:
            continue
        stack, part = [start], set()
        while stack:
            node = stack.pop()
            if node not in part:
                part.add(node)
                stack.extend(neighbours[node] - part)
        seen |= part
        found.append(part)
    return found


@pytest.mark.parametrize("seed", range(6))
def test_components_of_the_lp_graph_match_a_plain_search(seed):
    rng = np.random.default_rng(seed)
    n_col, n_row = int(rng.integers(1, 60)), int(rng.integers(1, 40))
    edges = {(int(rng.integers(n_col)), int(rng.integers(n_row))) for _ in range(int(rng.integers(0, 70)))}
    if seed == 0:
        # A chain numbered against the label order (column j and j + 1 share row j, highest first), which plain
        # propagation of the least label would cross one link a round.
        n_col, n_row = 40, 39
        edges = {(j, j) for j in range(39)} | {(j + 1, j) for j in range(39)}
    rows, cols = (
        np.array([r for _, r in sorted(edges)], dtype=np.int64),
        np.array([c for c, _ in sorted(edges)], dtype=np.int64),
    )
    matrix = lp.Matrix.from_entries(rows, cols, np.ones(len(edges)), (n_row, n_col))
    count, label = blocks.components(matrix)
    expected = _components_by_search(n_col, n_row, sorted(edges))
    assert count == len(expected)
    assert sorted(
        map(sorted, ({node for node in range(n_col + n_row) if label[node] == k} for k in range(count)))
    ) == sorted(map(sorted, expected))


# ----------------------------------------------------------------------------------------------------------
# The modelling helper: named variable blocks and constraint families
# ----------------------------------------------------------------------------------------------------------


def test_a_stock_balance_written_with_named_blocks_has_the_matrix_worked_out_by_hand():
    # Two SKUs × three months: inventory[s,t−1] + make[s,t] − ship[s,t] = inventory[s,t], opening stock 5 and 7.
    # Columns: make (s0t0, s0t1, s0t2, s1t0, s1t1, s1t2), then inventory, then ship; rows: (s, t) in order.
    program = lp.LinearProgram()
    sku, month = np.arange(2)[:, None], np.arange(3)
    make = program.add_variables("make", (sku, month), cost=np.array([[2.0], [3.0]]), upper=10.0)
    inventory = program.add_variables("inventory", (sku, month), cost=0.5)
    ship = program.add_variables("ship", (sku, month), cost=-9.0, penalty=-1.0, tie_break=0.25)
    opening = np.array([[5.0, 0, 0], [7.0, 0, 0]])
    balance = program.add_constraints("stock balance", (sku, month), lower=opening, upper=opening)
    balance.add(1.0, inventory[:, :])
    balance.add(-1.0, inventory.shift())
    balance.add(-1.0, make[:, :])
    balance.add(1.0, ship[:, :])
    assert (make.span, inventory.span, ship.span) == (slice(0, 6), slice(6, 12), slice(12, 18))
    np.testing.assert_array_equal(inventory.shift(), [[-1, 6, 7], [-1, 9, 10]])
    expected = np.zeros((6, 18))
    for s in range(2):
        for t in range(3):
            row = 3 * s + t
            expected[row, 3 * s + t] = -1.0  # make
            expected[row, 6 + 3 * s + t] = 1.0  # inventory
            if t > 0:
                expected[row, 6 + 3 * s + t - 1] = -1.0  # last month's inventory
            expected[row, 12 + 3 * s + t] = 1.0  # ship
    arrays = program.finish()
    np.testing.assert_array_equal(_dense(arrays.matrix), expected)
    np.testing.assert_array_equal(arrays.cost, [2, 2, 2, 3, 3, 3] + [0.5] * 6 + [-9] * 6)
    np.testing.assert_array_equal(arrays.penalty, [0] * 12 + [-1] * 6)
    np.testing.assert_array_equal(arrays.tie_break, [0] * 12 + [0.25] * 6)
    np.testing.assert_array_equal(arrays.lower, [0] * 18)
    np.testing.assert_array_equal(arrays.upper, [10] * 6 + [np.inf] * 12)
    np.testing.assert_array_equal(arrays.row_lower, arrays.row_upper)
    np.testing.assert_array_equal(arrays.row_lower, [5, 0, 0, 7, 0, 0])
    np.testing.assert_array_equal(balance.values(np.arange(6.0)), [[0, 1, 2], [3, 4, 5]])


def test_terms_sum_into_the_rows_they_name():
    # Hours: Σs hours[s] · make[s,t] ≤ regular[r,t] with SKUs 0 and 2 on resource 1, SKU 1 on resource 0.
    program = lp.LinearProgram()
    month = np.arange(2)
    make = program.add_variables("make", (np.arange(3)[:, None], month))
    hours = program.add_constraints("hours", (np.arange(2)[:, None], month), upper=[[8.0], [9.0]])
    routing_sku, routing_resource, per_unit = np.array([0, 1, 2]), np.array([1, 0, 1]), np.array([1.5, 2.0, 0.5])
    hours.add(per_unit[:, None], make[routing_sku], rows=(routing_resource[:, None], month))
    expected = np.zeros((4, 6))
    expected[0, 2], expected[1, 3] = 2.0, 2.0  # resource 0: SKU 1
    expected[2, 0], expected[3, 1], expected[2, 4], expected[3, 5] = 1.5, 1.5, 0.5, 0.5  # resource 1: SKUs 0, 2
    arrays = program.finish()
    np.testing.assert_array_equal(_dense(arrays.matrix), expected)
    np.testing.assert_array_equal(arrays.row_upper, [8, 8, 9, 9])
    np.testing.assert_array_equal(arrays.row_lower, [-np.inf] * 4)
    np.testing.assert_array_equal(program.rows_of("hours"), [True] * 4)


def test_two_programs_are_matched_by_block_name_and_coordinates():
    # The second program has blocks in another order, a shipment group that is new (coordinate 4) and one that
    # is gone (coordinate 2): matched columns keep their old position, the new one is -1.
    first = lp.LinearProgram()
    first.add_variables("make", (np.arange(2)[:, None], np.arange(2)))  # columns 0-3
    first.add_variables("ship", (np.array([0, 2])[:, None], np.arange(2)))  # columns 4-7
    second = lp.LinearProgram()
    second.add_variables("ship", (np.array([0, 4])[:, None], np.arange(2)))  # columns 0-3
    second.add_variables("make", (np.arange(2)[:, None], np.arange(2)))  # columns 4-7
    second.add_variables("overtime", (np.arange(1)[:, None], np.arange(2)))  # columns 8-9: a new block
    found = lp.match(first.variables, second.variables, second.n_col)
    np.testing.assert_array_equal(found, [4, 5, -1, -1, 0, 1, 2, 3, -1, -1])


def test_every_section_the_planning_code_points_to_is_in_docs_model():
    # The planner's and the analysis' docstrings and comments name sections of docs/model.md as
    # (docs/model.md, "Section"): each must be a heading there, and none points to a spec outside the repository.
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    headings = set(re.findall(r"(?m)^#+ (.+)$", (root / "docs" / "model.md").read_text()))
    package = root / "sop_workbook"
    paths = [*(package / "planner").glob("*.py"), *(package / "analysis").glob("*.py"), package / "promise.py"]
    code = "".join(path.read_text() for path in paths)
    named = {" ".join(name.split()) for name in re.findall(r'docs/model\.md,\s*"([^"]+)"', code)}
    assert len(named) >= 10, named
    assert named <= headings, f"not in docs/model.md: {sorted(named - headings)}"
    assert "SPEC" not in code
