"""Tests of promise.py on small cases whose answers are worked out by hand.

One line with 100 regular hours a month, 1 hour per unit. SKU A sells at 50 with material 20 (margin 30 a unit);
SKU B at 25 with material 20 (margin 5). Overtime, where allowed, costs 10 an hour on top.
"""

import json

import pandas as pd
import pytest
from builders import month, tiny_inputs
from click.testing import CliRunner

from sop_workbook.cli import main
from sop_workbook.errors import PlanError
from sop_workbook.promise import promise
from sop_workbook.reader import read
from sop_workbook.templates import write_filled


def _company(forecast_a=(80, 80, 80), forecast_b=(0, 0, 0), overtime=(0, 0, 0)):
    return tiny_inputs(
        horizon=3,
        forecast={("A", "C1"): list(forecast_a), ("B", "C2"): list(forecast_b)},
        prices={("A", ""): 50.0, ("B", ""): 25.0},
        resources={"Line": (30.0, 10.0)},
        capacity={"Line": [100, 100, 100]},
        overtime={"Line": list(overtime)},
        routings={("A", "Line"): 1.0, ("B", "Line"): 1.0},
        costs={"A": {"material": 20.0}, "B": {"material": 20.0}},
        inventory={"A": {}, "B": {}},
    )


def test_an_order_that_fits_in_free_capacity():
    # Jan has 100 - 80 = 20 free hours: 20 more units of A ship in Jan, worth 20 × 30 = 600 of margin.
    answer = promise(_company(), "A", 20, "2027-01-20")
    assert (answer.answer, answer.quantity_by_date) == ("yes", pytest.approx(20))
    # The plan is monthly: the 20th is answered for the month's end, from free capacity alone.
    assert answer.earliest_full_date == answer.earliest_free_date == pd.Timestamp("2027-01-31")
    assert (answer.free_quantity_by_date, answer.needs_allocation) == (pytest.approx(20), False)
    assert "YES from free capacity" in answer.reason and "2027-01-31" in answer.reason
    assert answer.displaced == [] and answer.delayed == []
    assert answer.margin_effect == pytest.approx(600)


def test_an_order_that_needs_overtime():
    # 80 + 50 = 130 units in Jan (the first month: nothing can be built ahead): 30 overtime hours at 10.
    # Margin effect: 50 × 30 − 30 × 10 = 1,200.
    answer = promise(_company(overtime=(50, 50, 50)), "A", 50, "2027-01-31")
    assert (answer.answer, answer.quantity_by_date) == ("yes", pytest.approx(50))
    assert answer.displaced == []
    assert answer.margin_effect == pytest.approx(1200)


def test_an_order_that_fits_only_later():
    # No other demand: Jan can make 100 of the 150; by Feb, 100 made in Jan + 50 in Feb ship all 150.
    answer = promise(_company(forecast_a=(0, 0, 0)), "A", 150, "2027-01-31")
    assert (answer.answer, answer.quantity_by_date) == ("partly", pytest.approx(100))
    assert answer.earliest_full_date == month(1) + pd.offsets.MonthEnd(0)
    # Nothing else is planned: all of it is free capacity, and nobody waits.
    assert (answer.free_quantity_by_date, answer.earliest_free_date) == (pytest.approx(100), pd.Timestamp("2027-02-28"))
    # The margin effect is of the order as asked (due in Jan, A's unmet demand is lost): 100 × 30.
    assert answer.margin_effect == pytest.approx(100 * 30)


def test_an_order_that_displaces_a_lower_margin_sku():
    # B fills Jan (100 units, margin 5 each). 40 units of A (margin 30) take 40 of B's hours:
    # displaced 40 units of B, 40 × 25 = 1,000 of revenue; margin effect 40 × 30 − 40 × 5 = 1,000.
    answer = promise(_company(forecast_a=(0, 0, 0), forecast_b=(100, 0, 0)), "A", 40, "2027-01-15")
    # B's unmet demand is Lost (the builder's default): its 40 units are lost, not delayed; Jan has no free hour.
    assert (answer.answer, answer.needs_allocation, answer.free_quantity_by_date) == ("yes", True, pytest.approx(0))
    assert answer.delayed == []
    assert "YES if 40 units of B for C2 are not delivered" in answer.reason
    assert answer.displaced == [
        {"sku": "B", "customers": ["C2"], "units": pytest.approx(40), "revenue": pytest.approx(1000)}
    ]
    assert answer.margin_effect == pytest.approx(1000)


def test_the_answer_agrees_with_replanning_with_the_order_added(tmp_path):
    # Writing the order into the templates as a confirmed commitment and planning again ships the same units.
    from sop_workbook.planner import solve

    inputs = _company()
    answer = promise(inputs, "A", 20, "2027-01-20", customer="C1")
    with_order = _company()
    with_order.commitments = pd.DataFrame(
        [
            {
                "Order ref": "NEW-1",
                "Customer": "C1",
                "SKU": "A",
                "Quantity": 100.0,
                "Requested date": pd.Timestamp("2027-01-20"),
                "Status": "Confirmed",
                "Notes": "",
                "Source row": 2,
            }
        ]
    )
    # Forecast consumption: the order of 100 replaces C1's Jan forecast of 80, i.e. 20 more units.
    replanned = solve(with_order)
    before = solve(inputs)
    jan = replanned.customer_month["Month"] == month(0)
    gained = (
        replanned.customer_month[jan]["Shipments"].sum()
        - before.customer_month[before.customer_month["Month"] == month(0)]["Shipments"].sum()
    )
    assert gained == pytest.approx(answer.quantity_by_date)
    assert replanned.contribution_margin - before.contribution_margin == pytest.approx(answer.margin_effect)


def test_cli_prints_one_json_object(tmp_path):
    demand, capacity = write_filled(tmp_path, _company())
    assert not read(demand, capacity).errors
    result = CliRunner().invoke(
        main,
        ["promise", str(demand), str(capacity), "--sku", "A", "--quantity", "150", "--date", "2027-01-31", "--json"],
    )
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    # Jan makes 100 units; the order is confirmed, so it takes them all and C1's Jan forecast of 80 is
    # displaced: 100 of the 150 by the date.
    assert answer["answer"] == "partly"
    assert answer["quantity_by_date"] == pytest.approx(100)
    assert answer["earliest_full_date"] == "2027-02-28"
    assert answer["displaced"][0]["sku"] == "A" and answer["displaced"][0]["customers"] == ["C1"]
    # Jan's 20 idle hours are free; C1's Jan forecast is lost (A is Lost), not delayed.
    assert (answer["free_quantity_by_date"], answer["needs_allocation"], answer["delayed"]) == (20, True, [])
    assert answer["currency"] == "EUR"
    assert set(answer) >= {
        "answer",
        "quantity_by_date",
        "earliest_full_date",
        "earliest_free_date",
        "displaced",
        "delayed",
        "needs_allocation",
        "free_quantity_by_date",
        "currency",
    }


def test_an_unknown_sku_is_a_clear_error(tmp_path):
    demand, capacity = write_filled(tmp_path, _company())
    result = CliRunner().invoke(
        main, ["promise", str(demand), str(capacity), "--sku", "ZZZ", "--quantity", "5", "--date", "2027-01-31"]
    )
    assert result.exit_code == 1
    assert "'ZZZ' is not on the demand template's Products sheet" in result.output


def _tiny_backlog_company():
    # One SKU W at 10, material 1, holding 0.1, unmet demand waits (Backlog) at 1 a unit-month; one line of 100
    # hours a month at 1 hour a unit, no overtime, no stock. Customer A wants 80 in Jan and nothing after.
    return tiny_inputs(
        horizon=3,
        forecast={("W", "A"): [80, 0, 0], ("W", "B"): [0, 0, 0]},
        prices={("W", ""): 10.0},
        resources={"Line": (0.0, 0.0)},
        capacity={"Line": [100, 100, 100]},
        routings={("W", "Line"): 1.0},
        costs={"W": {"material": 1.0, "holding": 0.1, "unmet": "Backlog", "backlog": 1.0}},
        inventory={"W": {}},
    )


def test_free_capacity_covers_part_of_the_order_and_the_rest_delays_another_customer():
    # B asks for 50 more W by 20 Jan. The current plan makes A's 80 in Jan: 20 of Jan's 100 hours are idle, so
    # free capacity gives 20 by the end of Jan. Confirmed, the order takes 50 of Jan's 100 units; A gets the other
    # 50 and waits a month for 30 (30 units of its Jan demand ship in Feb, 1 month late).
    # Margin: without the order 80 × (10 − 1) = 720; with it 130 × (10 − 1) − 30 × 1 backlog = 1,140: +420.
    # From free capacity alone the whole 50 comes by the end of Feb (Jan's 20 idle hours and Feb's 100).
    answer = promise(_tiny_backlog_company(), "W", 50, "2027-01-20", customer="B")
    assert (answer.answer, answer.quantity_by_date) == ("yes", pytest.approx(50))
    assert (answer.free_quantity_by_date, answer.needs_allocation) == (pytest.approx(20), True)
    assert answer.delayed == [
        {"sku": "W", "customer": "A", "month": "2027-01", "units": pytest.approx(30), "months_late": 1}
    ]
    assert answer.displaced == []
    assert answer.earliest_full_date == pd.Timestamp("2027-01-31")
    assert answer.earliest_free_date == pd.Timestamp("2027-02-28")
    assert answer.margin_effect == pytest.approx(420)
    assert "YES if 30 units of A's Jan-27 demand for W ship in Feb-27" in answer.reason
    assert "420 EUR" in answer.reason


def test_an_unknown_customer_is_an_error_with_the_closest_names():
    with pytest.raises(
        PlanError, match=r"customer 'Bee' is not on the demand template's Customers sheet \(closest: 'B'"
    ):
        promise(_tiny_backlog_company(), "W", 5, "2027-01-20", customer="Bee")


def test_cli_says_what_the_order_takes(tmp_path):
    demand, capacity = write_filled(tmp_path, _tiny_backlog_company())
    result = CliRunner().invoke(
        main,
        ["promise", str(demand), str(capacity), "--sku", "W", "--quantity", "50", "--date", "2027-01-20"],
    )
    assert result.exit_code == 0, result.output
    assert "Answer: YES." in result.output
    assert "delays 30 units of W for A, planned in 2027-01, by 1 month(s)" in result.output
    assert "Margin effect of taking the order: 420 EUR." in result.output
