"""Tests of reconcile.py and `sop reconcile`: the main job on the sample company, one month and the next."""

import hashlib

import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from sop_workbook.changes import read_previous
from sop_workbook.cli import main
from sop_workbook.sample import write_sample

RUN_TIME = "2027-01-05T09:00:00"


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def two_months(tmp_path_factory):
    """The sample company's January pack and its February pack made with --previous January."""
    root = tmp_path_factory.mktemp("cycles")
    jan_in, feb_in = write_sample(root / "jan", month=0), write_sample(root / "feb", month=1)
    before = {path: _sha(path) for path in (*jan_in, *feb_in)}
    runner = CliRunner()
    jan = runner.invoke(main, ["reconcile", *map(str, jan_in), "-o", str(root / "jan.xlsx"), "--run-time", RUN_TIME])
    feb = runner.invoke(
        main,
        [
            "reconcile",
            *map(str, feb_in),
            "-o",
            str(root / "feb.xlsx"),
            "--run-time",
            RUN_TIME,
            "--previous",
            str(root / "jan.xlsx"),
        ],
    )
    return {"root": root, "jan": jan, "feb": feb, "inputs": before}


def test_reconcile_writes_the_pack_and_prints_a_summary(two_months):
    result = two_months["jan"]
    assert result.exit_code == 0, result.output
    assert "Fill rate" in result.output and "Revenue at risk" in result.output and "Top gaps:" in result.output
    assert f"Wrote {two_months['root'] / 'jan.xlsx'}" in result.output


def test_reconcile_never_touches_its_inputs(two_months):
    assert {path: _sha(path) for path in two_months["inputs"]} == two_months["inputs"]


def test_reconcile_refuses_to_overwrite_without_force(two_months):
    root = two_months["root"]
    before = _sha(root / "jan.xlsx")
    demand, capacity = root / "jan" / "demand.xlsx", root / "jan" / "capacity.xlsx"
    result = CliRunner().invoke(main, ["reconcile", str(demand), str(capacity), "-o", str(root / "jan.xlsx")])
    assert result.exit_code == 1
    assert "exists already; choose another name or pass --force" in result.output
    assert _sha(root / "jan.xlsx") == before


def test_bridge_adds_up_and_matches_both_packs_plan_data(two_months):
    assert two_months["feb"].exit_code == 0, two_months["feb"].output
    root = two_months["root"]
    rows = CalamineWorkbook.from_path(str(root / "feb.xlsx")).get_sheet_by_name("Changes").to_python()
    header = next(i for i, r in enumerate(rows) if r[:3] == ["Family", "Measure", "Last month"])
    bridge = []
    for row in rows[header + 1 :]:
        if not row[0]:
            break
        bridge.append(row[:8])
    assert {b[1] for b in bridge} == {"Revenue", "Contribution margin"}
    jan, feb = read_previous(root / "jan.xlsx").plan_data, read_previous(root / "feb.xlsx").plan_data
    common = sorted(set(jan["Month"]) & set(feb["Month"]))
    assert len(common) == 17  # Feb-27 to Jun-28: January's 18 months less the first

    def total(plan_data, family, measure):
        rows = plan_data[
            (plan_data["Scenario"] == "Base")
            & (plan_data["Family"] == family)
            & (plan_data["Measure"] == measure)
            & plan_data["Month"].isin(common)
        ]
        return rows["Value"].sum()

    for family, measure, last, demand, capacity, price, cost, this in bridge:
        assert last + demand + capacity + price + cost == pytest.approx(this, abs=0.01)
        assert last == pytest.approx(total(jan, family, measure), abs=0.01)
        assert this == pytest.approx(total(feb, family, measure), abs=0.01)


def test_an_unreadable_previous_pack_is_a_clear_error(two_months):
    root = two_months["root"]
    demand, capacity = root / "feb" / "demand.xlsx", root / "feb" / "capacity.xlsx"
    result = CliRunner().invoke(
        main, ["reconcile", str(demand), str(capacity), "-o", str(root / "x.xlsx"), "--previous", str(demand)]
    )
    assert result.exit_code == 1
    assert "has no 'Plan Data' sheet; give a pack written by `sop reconcile`" in result.output
    assert not (root / "x.xlsx").exists()


def test_a_decision_taken_last_month_is_carried_into_the_next_pack(two_months):
    import openpyxl

    root = two_months["root"]
    workbook = openpyxl.load_workbook(root / "jan.xlsx")
    sheet = workbook["Decisions"]
    header = next(r for r in range(1, 20) if sheet.cell(row=r, column=1).value == "Ref")
    columns = {sheet.cell(row=header, column=c).value: c for c in range(1, sheet.max_column + 1)}
    first = header + 1
    gap = sheet.cell(row=first, column=columns["Gap or risk"]).value
    sheet.cell(row=first, column=columns["Decision"]).value = "Approved: Sales to move the order to June"
    workbook.save(root / "jan-decided.xlsx")
    demand, capacity = root / "feb" / "demand.xlsx", root / "feb" / "capacity.xlsx"
    result = CliRunner().invoke(
        main,
        [
            "reconcile",
            str(demand),
            str(capacity),
            "-o",
            str(root / "feb-2.xlsx"),
            "--previous",
            str(root / "jan-decided.xlsx"),
            "--run-time",
            RUN_TIME,
        ],
    )
    assert result.exit_code == 0, result.output
    rows = CalamineWorkbook.from_path(str(root / "feb-2.xlsx")).get_sheet_by_name("Decisions").to_python()
    start = next(i for i, r in enumerate(rows) if r[0] == "Carried forward from the previous pack")
    carried = [r for r in rows[start + 1 :] if r[1] == gap]
    assert len(carried) == 1
    assert "Approved: Sales to move the order to June" in carried[0]
    statuses = {"Still open", "Still open, overdue", "Closed or changed: not on this month's list as it was"}
    assert len(statuses & set(carried[0])) == 1


def test_an_output_that_is_an_input_is_refused_before_any_work(tmp_path):
    from sop_workbook.errors import OutputError
    from sop_workbook.reconcile import reconcile

    demand, capacity = tmp_path / "demand.xlsx", tmp_path / "capacity.xlsx"
    demand.write_text("not a workbook: reading it would be an InputError")
    capacity.write_text("")
    for output, plan_data, message in [
        (demand, None, "is the demand template"),
        (tmp_path / "pack.csv", tmp_path / "pack.csv", "is the meeting pack"),
    ]:
        with pytest.raises(OutputError, match=message):
            reconcile(demand, capacity, output, plan_data=plan_data, force=True)
    assert demand.read_text() == "not a workbook: reading it would be an InputError"


def test_a_run_keeps_its_scratch_files_in_one_folder_of_its_own_and_removes_it(tmp_path, monkeypatch):
    import os
    import tempfile

    from sop_workbook.reconcile import reconcile

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    seen = []
    jan = write_sample(tmp_path / "jan", month=0)
    reconcile(*jan, tmp_path / "pack.xlsx", progress=lambda stage: seen.append(sorted(os.listdir(scratch))))
    assert len(seen) == 3 and all(len(names) == 1 and names[0].startswith(f"sop-{os.getpid()}-") for names in seen)
    assert os.listdir(scratch) == []
