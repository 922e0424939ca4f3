"""Tests of rollforward.py: next cycle's templates from this cycle's, on the sample company and tiny cases."""

from __future__ import annotations

import pandas as pd
import pytest
from builders import month, tiny_inputs
from click.testing import CliRunner

from sop_workbook.cli import main
from sop_workbook.errors import ERROR, OutputError, PlanError
from sop_workbook.reader import read
from sop_workbook.rollforward import roll, rollforward
from sop_workbook.sample import sample_inputs, write_sample

FEB = pd.Timestamp("2027-02-01")


@pytest.fixture(scope="module")
def january(tmp_path_factory):
    folder = tmp_path_factory.mktemp("january")
    return write_sample(folder)


@pytest.fixture(scope="module")
def february(january, tmp_path_factory):
    out = tmp_path_factory.mktemp("february")
    rolled = rollforward(*january, out)
    return rolled, read(*rolled.paths), read(*january)


def test_the_sample_rolled_forward_validates_and_starts_a_month_later(february):
    rolled, new, _ = february
    assert [f for f in new.findings if f.severity == ERROR] == []
    assert rolled.cycle_month == FEB and new.cycle.cycle_month == FEB
    assert new.cycle.horizon == 18 and new.cycle.company == "Brightwell Home Appliances"
    assert [p.name for p in rolled.paths] == ["demand.xlsx", "capacity.xlsx"]


@pytest.mark.parametrize("attribute", ["forecast", "budget", "capacity", "subcontract", "materials"])
def test_every_month_sheet_drops_the_closed_month_and_adds_a_blank_one(february, attribute):
    _, new, old = february
    value = {"forecast": "Forecast", "budget": "Budget", "capacity": "Hours"}.get(attribute)
    value = value or {"subcontract": "Max units", "materials": "Available"}[attribute]
    months = sorted(getattr(new, attribute)["Month"].unique())
    assert months[0] == FEB and months[-1] == pd.Timestamp("2028-07-01") and len(months) == 18
    after, before = getattr(new, attribute), getattr(old, attribute)
    # The months both cycles cover keep their values; the new month is blank (read as 0).
    keys = [c for c in after.columns if c not in ("Month", value, "Source row", "Source file")]
    both = after.merge(before, on=keys + ["Month"], suffixes=("", " before"))
    assert len(both) == len(before[before["Month"] >= FEB])
    assert (both[value] == both[f"{value} before"]).all()
    assert (after[after["Month"] == pd.Timestamp("2028-07-01")][value] == 0).all()


def test_the_actuals_window_moves_a_month_the_closed_month_blank(february):
    rolled, new, old = february
    months = sorted(new.actuals["Month"].unique())
    assert (months[0], months[-1], len(months)) == (pd.Timestamp("2026-02-01"), pd.Timestamp("2027-01-01"), 12)
    assert (new.actuals[new.actuals["Month"] == pd.Timestamp("2027-01-01")]["Actual"] == 0).all()
    december = pd.Timestamp("2026-12-01")
    assert new.actuals[new.actuals["Month"] == december]["Actual"].sum() == pytest.approx(
        old.actuals[old.actuals["Month"] == december]["Actual"].sum()
    )
    [warning] = [f for f in rolled.findings if f.sheet == "Actuals"]
    assert (warning.cell, warning.message) == (
        "N1",
        "Jan-27 has closed and its actuals are blank; fill in the units shipped",
    )


def test_master_data_is_carried_and_what_to_fill_is_listed(february):
    rolled, new, old = february
    for attribute in ("products", "customers", "prices", "resources", "routings", "costs", "bill_of_materials"):
        columns = [c for c in getattr(old, attribute).columns if c not in ("Source row", "Source file")]
        pd.testing.assert_frame_equal(
            getattr(new, attribute)[columns].reset_index(drop=True),
            getattr(old, attribute)[columns].reset_index(drop=True),
            check_dtype=False,
        )
    # Opening stock is carried, with the warning that it must be updated.
    assert (new.inventory["Opening stock"].to_numpy() == old.inventory["Opening stock"].to_numpy()).all()
    stock = [f for f in rolled.findings if f.sheet == "Inventory"]
    assert [(f.file, f.cell) for f in stock] == [("capacity.xlsx", "B1")] and "Feb-27" in stock[0].message
    new_months = {(f.file, f.sheet) for f in rolled.findings if "Jul-28 is a new month" in f.message}
    assert new_months == {
        ("demand.xlsx", "Forecast"),
        ("demand.xlsx", "Budget"),
        ("capacity.xlsx", "Capacity"),
        ("capacity.xlsx", "Subcontract"),
        ("capacity.xlsx", "Materials"),
    }


def test_open_orders_are_carried_and_past_due_ones_flagged(february):
    rolled, new, old = february
    assert list(new.commitments["Order ref"]) == list(old.commitments["Order ref"])
    # The sample's two January orders (due 18 and 25 January) are past due in February's cycle.
    flagged = new.commitments[new.commitments["Notes"].str.startswith("PAST DUE")]
    assert list(flagged["Order ref"]) == ["SO-27-0104", "SO-27-0109"]
    assert flagged["Notes"].iloc[0] == "PAST DUE since 2027-01-18; January replenishment, DC Leeds"
    assert [f.cell for f in rolled.findings if f.sheet == "Commitments"] == ["E2", "E3"]


def test_assumptions_and_risks_carry_where_they_come_from(february):
    _, new, old = february
    assert len(new.assumptions) == len(old.assumptions) and len(new.risks) == len(old.risks)
    assert new.assumptions["Assumption"].str.endswith("(carried from the Jan-27 cycle)").all()
    assert new.risks["Risk"].str.endswith("(carried from the Jan-27 cycle)").all()


def test_a_second_rollforward_keeps_the_first_note(february, tmp_path):
    rolled, _, _ = february
    again = rollforward(*rolled.paths, tmp_path)
    risks = read(*again.paths).risks["Risk"]
    assert risks.str.endswith("(carried from the Jan-27 cycle)").all()
    assert again.cycle_month == pd.Timestamp("2027-03-01")


def test_an_actuals_window_of_any_length_moves_by_the_months_closed():
    # Three months of history before Jan-27 (Oct to Dec), rolled two months on to Mar-27: Dec-26 stays,
    # Jan-27 and Feb-27 are added blank, Oct and Nov drop off.
    inputs = tiny_inputs(horizon=3, forecast={("A", "C"): [1, 2, 3]}, prices={("A", ""): 5.0})
    inputs.actuals = pd.DataFrame(
        {
            "SKU": "A",
            "Customer": "C",
            "Month": [month(-3), month(-2), month(-1)],
            "Actual": [10.0, 20.0, 30.0],
        }
    )
    new, findings = roll(inputs, month(2), ["demand.xlsx", "capacity.xlsx"])
    actuals = new.actuals.sort_values("Month")
    assert list(actuals["Month"]) == [month(-1), month(0), month(1)]
    assert actuals["Actual"].iloc[0] == 30 and actuals["Actual"].iloc[1:].isna().all()
    assert [f.cell for f in findings if f.sheet == "Actuals"] == ["D1", "E1"]
    assert list(new.forecast.sort_values("Month")["Month"]) == [month(2), month(3), month(4)]
    assert list(new.forecast.sort_values("Month")["Forecast"].fillna(-1)) == [3, -1, -1]


def test_never_over_an_existing_file_without_force_nor_backwards(january, february):
    rolled, _, _ = february
    with pytest.raises(OutputError, match="exists"):
        rollforward(*january, rolled.paths[0].parent)
    rollforward(*january, rolled.paths[0].parent, force=True)
    with pytest.raises(PlanError, match="must be after"):
        rollforward(*january, rolled.paths[0].parent, "2026-12", force=True)
    with pytest.raises(OutputError):  # the new templates may not replace the inputs, even with force
        rollforward(*january, january[0].parent, force=True)


def test_cli_rollforward_lists_what_to_fill(january, tmp_path):
    result = CliRunner().invoke(
        main, ["rollforward", *map(str, january), str(tmp_path / "mar"), "--cycle-month", "2027-03"]
    )
    assert result.exit_code == 0, result.output
    assert "Rolled forward to the cycle of Mar-27" in result.output
    assert "Opening stock is carried from Jan-27" in result.output
    assert read(tmp_path / "mar" / "demand.xlsx", tmp_path / "mar" / "capacity.xlsx").cycle.cycle_month == month(2)


def test_the_sample_next_month_matches_in_shape():
    # The sample's own next cycle (sop sample --month 1) and a rollforward agree on the window they cover.
    rolled, _ = roll(sample_inputs(), FEB, ["demand.xlsx", "capacity.xlsx"])
    nxt = sample_inputs(month=1)
    assert sorted(rolled.forecast["Month"].unique()) == sorted(nxt.forecast["Month"].unique())
    assert sorted(rolled.actuals["Month"].unique()) == sorted(nxt.actuals["Month"].unique())
