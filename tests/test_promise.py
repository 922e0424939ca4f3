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
    assert answer.earliest_full_date == pd.Timestamp("2027-01-20")
    assert answer.displaced == []
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
    assert answer.earliest_full_date == month(1)
    # The margin effect is of the order as asked (due in Jan, A's unmet demand is lost): 100 × 30.
    assert answer.margin_effect == pytest.approx(100 * 30)


def test_an_order_that_displaces_a_lower_margin_sku():
    # B fills Jan (100 units, margin 5 each). 40 units of A (margin 30) take 40 of B's hours:
    # displaced 40 units of B, 40 × 25 = 1,000 of revenue; margin effect 40 × 30 − 40 × 5 = 1,000.
    answer = promise(_company(forecast_a=(0, 0, 0), forecast_b=(100, 0, 0)), "A", 40, "2027-01-15")
    assert answer.answer == "yes"
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
    assert answer["earliest_full_date"] == "2027-02-01"
    assert answer["displaced"][0]["sku"] == "A" and answer["displaced"][0]["customers"] == ["C1"]
    assert set(answer) >= {"answer", "quantity_by_date", "earliest_full_date", "displaced"}


def test_an_unknown_sku_is_a_clear_error(tmp_path):
    demand, capacity = write_filled(tmp_path, _company())
    result = CliRunner().invoke(
        main, ["promise", str(demand), str(capacity), "--sku", "ZZZ", "--quantity", "5", "--date", "2027-01-31"]
    )
    assert result.exit_code == 1
    assert "'ZZZ' is not on the demand template's Products sheet" in result.output
