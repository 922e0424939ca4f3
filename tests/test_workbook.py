"""The meeting pack: sheets, figures that add up, text that stays text, identical bytes, atomic writes,
and what LibreOffice computes and prints from it.

The pack is written from the real pipeline (the sample company → the planner → the analysis), cut to a few
months and families so that it is quick to plan and to open in LibreOffice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import math
import os
import re
import subprocess
import zipfile
from pathlib import Path

import libreoffice
import openpyxl
import pandas as pd
import pytest
import xlsxwriter
from xlsxwriter.worksheet import Worksheet as XlsxWorksheet

from sop_workbook import analysis, sample
from sop_workbook.changes import read_previous
from sop_workbook.errors import OutputError
from sop_workbook.inputs import SourceFile
from sop_workbook.reconcile import compare_with_previous
from sop_workbook.workbook import SHEET_NAMES, layout, plan_data_frame, seam, write_pack, writer
from sop_workbook.workbook import plan_data as plan_data_sheet
from sop_workbook.workbook.text import header_text, write_text

RUN_TIME = dt.datetime(2027, 1, 5, 9, 30)
SPEC_SHEETS = (
    "Executive Summary",
    "Decisions",
    "Consensus Plan",
    "Gaps",
    "Capacity",
    "Margin",
    "Inventory",
    "Commitments",
    "Launches",
    "Scenarios",
    "Changes",
    "Forecast Accuracy",
    "Assumptions & Risks",
    "Plan Data",
    "Inputs",
)
# Planner text that a careless writer would turn into a formula, a link or a number.
TRAPS = {
    "Kitchen & Co": '=HYPERLINK("http://example.com","Kitchen & Co")',
    "Nordic Distribution": "http://nordic.example.com",
}
TOPIC_TRAP = "=1+1"
SOURCES = [
    SourceFile("demand", "/in/demand.xlsx", "demand.xlsx", "a" * 64),
    SourceFile("capacity", "/in/capacity.xlsx", "capacity.xlsx", "b" * 64),
]


def _cut(inputs, horizon: int, families: tuple[str, ...]):
    """The inputs cut to the first `horizon` months and some families (every table that names them)."""
    cycle = dataclasses.replace(inputs.cycle, horizon=horizon)
    end = pd.Timestamp(cycle.cycle_month) + pd.DateOffset(months=horizon)
    products = inputs.products[inputs.products["Family"].isin(families)].reset_index(drop=True)
    skus = set(products["SKU"])
    changes = {"cycle": cycle, "products": products}
    for name in (
        "forecast",
        "prices",
        "commitments",
        "launches",
        "actuals",
        "routings",
        "costs",
        "subcontract",
        "inventory",
        "bill_of_materials",
        "launch_readiness",
    ):
        frame = getattr(inputs, name)
        changes[name] = frame[frame["SKU"].isin(skus)]
    changes["budget"] = inputs.budget[inputs.budget["Family"].isin(families)]
    for name in ("forecast", "budget", "capacity", "subcontract", "materials"):
        frame = changes.get(name, getattr(inputs, name))
        changes[name] = frame[pd.to_datetime(frame["Month"]) < end]
    changes["commitments"] = changes["commitments"][pd.to_datetime(changes["commitments"]["Requested date"]) < end]
    for name, frame in changes.items():
        if isinstance(frame, pd.DataFrame):
            frame = frame.reset_index(drop=True)
            if "Customer" in frame.columns:
                frame["Customer"] = frame["Customer"].replace(TRAPS)
            changes[name] = frame
    assumptions = inputs.assumptions.copy()
    assumptions.loc[0, "Topic"] = TOPIC_TRAP
    changes["assumptions"] = assumptions
    changes["sources"] = SOURCES
    return dataclasses.replace(inputs, **changes)


@pytest.fixture(scope="module")
def results():
    """The sample company planned over 6 months for two families, with trap customer names."""
    inputs = _cut(sample.sample_inputs(), horizon=6, families=("Blenders", "Coffee makers"))
    return analysis.plan(inputs)


@pytest.fixture(scope="module")
def pack(results, tmp_path_factory) -> Path:
    """The meeting pack of `results`, written once for the tests that only read it.

    xlsxwriter warns (and writes on) when it has to drop or change something, e.g. a string too long for a
    cell or a header too long for Excel: the pack must be written without a single warning.
    """
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path = write_pack(results, tmp_path_factory.mktemp("pack") / "pack.xlsx", run_time=RUN_TIME)
    assert [str(w.message) for w in caught] == []
    return path


@pytest.fixture(scope="module")
def book(pack):
    """The pack opened with openpyxl: formulas as written."""
    return openpyxl.load_workbook(pack)


@pytest.fixture(scope="module")
def cached(pack):
    """The pack opened with openpyxl: the values cached with every formula."""
    return openpyxl.load_workbook(pack, data_only=True)


@pytest.fixture(scope="module")
def empty_book(results, tmp_path_factory):
    """A pack of the Base scenario alone, without launches, gaps, actuals, orders or risks."""
    empty = {
        name: getattr(results, name).iloc[0:0]
        for name in ("launches", "gaps", "levers", "forecast_accuracy", "commitments")
    }
    base_only = dataclasses.replace(
        results,
        scenarios=["Base"],
        **empty,
        inputs=dataclasses.replace(
            results.inputs, risks=results.inputs.risks.iloc[0:0], actuals=results.inputs.actuals.iloc[0:0]
        ),
    )
    path = write_pack(base_only, tmp_path_factory.mktemp("empty") / "pack.xlsx", run_time=RUN_TIME)
    return openpyxl.load_workbook(path)


def _plan_data(cached_book) -> pd.DataFrame:
    rows = list(cached_book["Plan Data"].iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def _rows(ws) -> dict[tuple, list]:
    """Rows of a sheet keyed by their text cells in columns A to C, values from column D on."""
    found = {}
    for row in ws.iter_rows(values_only=True):
        key = tuple(v for v in row[:3])
        found.setdefault(key, list(row[3:]))
    return found


def _close(a: float, b: float, tolerance: float = 1e-6) -> bool:
    return math.isclose(float(a or 0), float(b or 0), rel_tol=tolerance, abs_tol=1e-6)


# ------------------------------------------------------------------------------------------------------------
# Sheets


def test_every_sheet_of_the_spec_in_order(book):
    assert tuple(book.sheetnames) == SPEC_SHEETS == SHEET_NAMES


@pytest.mark.parametrize(
    "sheet, line",
    [
        ("Changes", "No previous pack given"),
        ("Scenarios", "Only the Base scenario was planned"),
        ("Launches", "No launches"),
        ("Gaps", "No gaps"),
        ("Forecast Accuracy", "No actuals given"),
        ("Commitments", "No commitments"),
        ("Decisions", "Nothing needs a decision"),
    ],
)
def test_a_sheet_with_nothing_to_show_says_so(empty_book, sheet, line):
    ws = empty_book[sheet]
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(text.startswith(line) for text in texts), texts
    # One line: the title, the subtitle and the sentence.
    assert len(texts) == 3


def test_executive_summary_has_four_charts_and_the_lineage(pack, book, results):
    with zipfile.ZipFile(pack) as archive:
        drawing = archive.read("xl/drawings/drawing1.xml").decode()
        charts = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
    assert drawing.count("<c:chart ") == 4
    assert len(charts) == 4
    ws = book["Executive Summary"]
    texts = {c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert "sop-workbook 0.1.0" in texts or any(t.startswith("sop-workbook ") for t in texts)
    assert ws.sheet_view.showGridLines is False
    run_times = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, dt.datetime)]
    assert RUN_TIME in run_times


def test_lineage_names_each_input_file_and_its_sha256(book):
    ws = book["Executive Summary"]
    texts = {c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert {"demand.xlsx", "capacity.xlsx", "a" * 64, "b" * 64} <= texts


def test_tiles_are_coloured_by_rag(book, results):
    ws = book["Executive Summary"]
    fills = {}
    for row in ws.iter_rows(min_row=4, max_row=12):
        for c in row:
            if isinstance(c.value, str) and c.value in results.summary:
                below = ws.cell(row=c.row + 1, column=c.column)
                fills[c.value] = below.fill.fgColor.rgb
    # Peak utilisation of the cut sample: its colour follows the thresholds of the summary.
    peak = results.summary["Peak utilisation"]
    expected = "FFC6EFCE" if peak <= 0.85 else "FFFFEB9C" if peak <= 1.0 else "FFFFC7CE"
    assert fills["Peak utilisation"] == expected
    at_risk = results.summary["Commitments at risk"]
    assert fills["Commitments at risk"] == ("FFC6EFCE" if at_risk == 0 else "FFFFEB9C" if at_risk <= 2 else "FFFFC7CE")


# ------------------------------------------------------------------------------------------------------------
# Figures add up


def test_plan_data_has_the_spec_columns_and_measures(cached):
    table = _plan_data(cached)
    assert list(table.columns) == [
        "Scenario",
        "Family",
        "SKU",
        "Customer",
        "Channel",  # issue 24: the customer master's channel and region on every customer's figure
        "Region",
        "Resource",
        "Material",
        "Month",
        "Measure",
        "Value",
    ]
    measures = set(table["Measure"])
    assert {
        "Demand",
        "Shipments",
        "Production",
        "Subcontract",
        "Closing inventory",
        "Backlog",
        "Lost sales",
        "Revenue",
        "Material cost",
        "Other variable cost",
        "Regular labour cost",
        "Overtime cost",
        "Subcontract cost",
        "Holding cost",
        "Backlog cost",
        "Contribution margin",
        "Available hours",
        "Overtime hours",
        "Used hours",
        "Required hours",
        "Shadow price",
        "Material used",
        "Material available",
    } <= measures
    # No subtotal rows: each (scenario, grain, month, measure) appears once.
    keys = ["Scenario", "Family", "SKU", "Customer", "Resource", "Material", "Month", "Measure"]
    assert not table.fillna("").duplicated(keys).any()


def test_plan_data_adds_up_to_the_executive_summary(cached, results):
    table = _plan_data(cached)
    base = table[table["Scenario"] == "Base"]
    ws = cached["Executive Summary"]
    tiles = {}
    for row in ws.iter_rows(min_row=4, max_row=12):
        for c in row:
            if isinstance(c.value, str):
                tiles[c.value] = ws.cell(row=c.row + 1, column=c.column).value
    for measure in ("Demand", "Shipments", "Revenue", "Contribution margin"):
        total = base.loc[base["Measure"] == measure, "Value"].sum()
        assert _close(total, tiles[measure]), measure
        assert _close(total, results.summary[measure]), measure


def test_plan_data_adds_up_to_the_family_totals_of_the_consensus_plan(cached):
    table = _plan_data(cached)
    base = table[table["Scenario"] == "Base"]
    rows = _rows(cached["Consensus Plan"])
    families = sorted(set(base["Family"].dropna()))
    assert families
    for family in families:
        for measure in ("Demand", "Shipments", "Production", "Revenue"):
            expected = base[(base["Family"] == family) & (base["Measure"] == measure)]
            by_month = expected.groupby("Month")["Value"].sum()
            shown = rows[(family, None, measure)]
            assert _close(shown[len(by_month)], by_month.sum()), (family, measure)  # the Horizon column
            for index, value in enumerate(by_month.tolist()):
                assert _close(shown[index], value), (family, measure, index)


def test_plan_data_adds_up_to_the_margin_sheet(cached):
    table = _plan_data(cached)
    base = table[table["Scenario"] == "Base"]
    ws = cached["Margin"]
    header = None
    shown = {}
    for row in ws.iter_rows(values_only=True):
        if row[0] == "Family" and header is None:
            header = list(row)
            continue
        if header and row[0] and row[1] is None and row[0] != "By SKU":
            shown[row[0]] = dict(zip(header, row))
        if row[0] == "By SKU":
            break
    for family in set(base["Family"].dropna()):
        money = base[base["Family"] == family]
        revenue = money.loc[money["Measure"] == "Revenue", "Value"].sum()
        costs = money[
            money["Measure"].isin(
                [
                    "Material cost",
                    "Other variable cost",
                    "Overtime cost",
                    "Subcontract cost",
                    "Holding cost",
                    "Backlog cost",
                ]
            )
        ]["Value"].sum()
        margin = money.loc[money["Measure"] == "Contribution margin", "Value"].sum()
        assert _close(shown[family]["Revenue"], revenue)
        assert _close(shown[family]["Contribution margin"], margin)
        # Margin = revenue − costs, from Plan Data alone.
        assert _close(revenue - costs, margin, 1e-9)
    assert _close(shown["All families"]["Revenue"], base.loc[base["Measure"] == "Revenue", "Value"].sum())


def test_closing_inventory_is_a_live_formula_with_the_planned_value(book, cached, results):
    ws, values = book["Consensus Plan"], cached["Consensus Plan"]
    plan = results.plan[results.plan["Scenario"] == "Base"]
    checked = 0
    for row in ws.iter_rows(min_row=5):
        if row[2].value == "Closing inventory" and row[1].value:
            sku = row[1].value
            expected = plan[plan["SKU"] == sku].sort_values("Month")["Closing inventory"].tolist()
            for index, c in enumerate(row[3 : 3 + len(expected)]):
                assert isinstance(c.value, str) and c.value.startswith("=")
                assert _close(values.cell(row=c.row, column=c.column).value, expected[index])
                checked += 1
    assert checked >= 6


def test_sku_rows_fold_one_outline_level_below_their_family(book):
    ws = book["Consensus Plan"]
    levels = {
        row[1].value is not None: ws.row_dimensions[row[0].row].outlineLevel
        for row in ws.iter_rows(min_row=5)
        if row[2].value
    }
    assert levels == {True: 1, False: 0}


def test_every_formula_has_a_cached_value(pack):
    with zipfile.ZipFile(pack) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/sheet"):
                xml = archive.read(name).decode()
                formulas = re.findall(r"<c [^>]*>(<f>.*?</f>)(.*?)</c>", xml)
                assert all(v.startswith("<v>") for _, v in formulas), name


def test_the_decision_column_is_blank_with_the_levers_to_pick_from(book, results):
    ws = book["Decisions"]
    header = {c.value: c.column_letter for c in ws[4]}
    decisions = [
        ws[f"{header['Decision']}{row}"]
        for row in range(5, ws.max_row + 1)
        if ws[f"{header['Gap or risk']}{row}"].value
    ]
    assert decisions and all(c.value is None for c in decisions)
    validated = {}
    for validation in ws.data_validations.dataValidation:
        for cell_range in validation.sqref.ranges:
            validated[cell_range.coord] = validation.formula1.strip('"').split(",")
    for c in decisions:
        assert {"Accept the gap", *results.levers["Lever"]} <= set(validated[c.coordinate]), c.coordinate


# ------------------------------------------------------------------------------------------------------------
# Text stays text


def test_planner_text_never_becomes_a_formula_or_a_link(pack, book):
    with zipfile.ZipFile(pack) as archive:
        sheets = {n: archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/")}
        strings = archive.read("xl/sharedStrings.xml").decode()
    assert not any("<hyperlink" in xml for xml in sheets.values())
    assert not any(re.search(r"<f>[^<]*(HYPERLINK|nordic)", xml) for xml in sheets.values())
    assert '<t>=HYPERLINK("http://example.com",' in strings
    found = {}
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.value in set(TRAPS.values()) | {TOPIC_TRAP}:
                    found.setdefault(c.value, set()).add(c.data_type)
    assert set(found) == set(TRAPS.values()) | {TOPIC_TRAP}
    assert all(kinds == {"s"} for kinds in found.values()), found


# Texts that xlsxwriter would not store as typed (raw rich-text XML, Excel escapes, over-long text), each written
# through text.write_text, a comment and a page header, and read back with calamine, openpyxl and the XML itself.
EXACT_TEXTS = [
    "<r><t>a</t></r></si><si><r><t>X</t></r>",
    '<r><t>=HYPERLINK("http://evil.example","click")</t></r>',
    "<r>_x0041_ and _x005F_x0041_ and _x0041_x0042_</r>",
    "<r> spaced </r>",
    "_x0041_",
    "_x000D_ _x005F_",
    "a\x01b\x1bc",
    "Smith & Co <b>",
    "=1+1",
    "  two ends  ",
    "line\nbreak",
    "\U0001f600 \u00e9",
]


@pytest.mark.parametrize("text", EXACT_TEXTS)
def test_write_text_stores_exactly_the_text_given(tmp_path, text):
    import python_calamine

    path = tmp_path / "text.xlsx"
    workbook = xlsxwriter.Workbook(path, writer.WORKBOOK_OPTIONS)
    ws = workbook.add_worksheet("S")
    bold = workbook.add_format({"bold": True})
    write_text(ws, 0, 0, text, bold)
    write_text(ws, 1, 0, text)
    write_text(ws, 2, 0, "after")  # a later text is not shifted by an earlier one
    layout.comment(ws, 0, 0, text)
    ws.set_header(f"&L{header_text(text)}")
    workbook.close()
    rows = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert [row[0] for row in rows] == [text, text, "after"]
    book = openpyxl.load_workbook(path)
    cell = book["S"]["A1"]
    assert cell.data_type == "s" and cell.hyperlink is None
    if "\x01" not in text and "_x" not in text:  # openpyxl decodes no _xHHHH_ escape but _x005F_
        assert cell.value == text and cell.comment.text == text
        assert book["S"].oddHeader.left.text == header_text(text)


def test_a_text_longer_than_a_cell_holds_is_cut_with_a_note_not_silently(tmp_path):
    import python_calamine

    path = tmp_path / "long.xlsx"
    workbook = xlsxwriter.Workbook(path, writer.WORKBOOK_OPTIONS)
    ws = workbook.add_worksheet("S")
    long = "\U0001f600" * 20_000  # 40,000 UTF-16 units
    write_text(ws, 0, 0, long)
    write_text(ws, 1, 0, "<r>" + "x" * 40_000 + "</r>")
    layout.comment(ws, 0, 0, long)
    workbook.close()
    rows = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    for value, length in zip((rows[0][0], rows[1][0]), ("40,000", "40,007")):
        assert len(value.encode("utf-16-le")) // 2 <= 32_767
        assert value.endswith(f"… [cut: the text has {length} characters, more than the 32,767 a cell holds]")
    assert rows[0][0].startswith("\U0001f600" * 16_000)
    assert openpyxl.load_workbook(path)["S"]["A1"].comment.text.endswith("a cell holds]")


def test_rich_text_markup_in_planner_text_does_not_shift_or_inject_into_the_pack(results, tmp_path):
    # Issue 20: xlsxwriter took a text that starts with <r> and ends with </r> as raw XML; this topic shifted every
    # later text of the pack, and the description put a live HYPERLINK into the Inputs sheet.
    shift = "<r><t>a</t></r></si><si><r><t>X</t></r>"
    link = '<r><t>x</t></r><r><f>HYPERLINK("http://evil.example","y")</f></r>'
    assumptions = results.inputs.assumptions.copy()
    assumptions.loc[0, "Topic"] = shift
    products = results.inputs.products.copy()
    products.loc[0, "Description"] = link
    inputs = dataclasses.replace(results.inputs, assumptions=assumptions, products=products)
    path = write_pack(dataclasses.replace(results, inputs=inputs), tmp_path / "pack.xlsx", run_time=RUN_TIME)
    book = openpyxl.load_workbook(path)  # refused the pack before the fix
    texts = {c.value: c for ws in book.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert shift in texts and link in texts
    assert all(texts[value].data_type == "s" for value in (shift, link))
    assert "Assumptions & Risks" in texts  # a later text, in its own cell
    assert not any(c.data_type == "f" and "evil" in str(c.value) for ws in book.worksheets for r in ws for c in r)


# ------------------------------------------------------------------------------------------------------------
# Comments


def test_header_cells_define_their_figure_and_gap_cells_explain_the_cause(book, results):
    ws = book["Gaps"]
    headers = {c.value: c for c in ws[4]}
    assert headers["Revenue at risk"].comment.text.startswith("Revenue at risk: Unmet units × unit price")
    gaps = results.gaps[results.gaps["Scenario"] == "Base"]
    assert len(gaps)
    column = list(headers).index("Unmet units")
    explained = [row[column].comment.text for row in ws.iter_rows(min_row=5) if row[column].comment]
    assert set(gaps["Explanation"]) <= set(explained)


# ------------------------------------------------------------------------------------------------------------
# Print


def test_every_sheet_prints_landscape_fit_to_width_with_header_and_footer(pack, book, results):
    company = results.inputs.cycle.company
    for ws in book.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.page_setup.fitToWidth in (None, 1), ws.title
        assert company in ws.oddHeader.left.text, ws.title
        assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text, ws.title
    assert book["Consensus Plan"].print_title_rows == "$4:$4"
    # The summary is one page (1 is the default, left out of the file); the others run to as many as needed.
    assert book["Executive Summary"].page_setup.fitToHeight in (None, 1)
    assert book["Consensus Plan"].page_setup.fitToHeight == 0


# ------------------------------------------------------------------------------------------------------------
# Identical bytes


def test_source_date_epoch_fixes_the_run_time(results, pack, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(RUN_TIME.replace(tzinfo=dt.UTC).timestamp())))
    # A second run, from the clock of SOURCE_DATE_EPOCH, gives the bytes of the first.
    first = write_pack(results, tmp_path / "a.xlsx")
    assert first.read_bytes() == pack.read_bytes()
    with zipfile.ZipFile(first) as archive:
        core = archive.read("docProps/core.xml").decode()
    assert '<dcterms:created xsi:type="dcterms:W3CDTF">2027-01-05T09:30:00Z</dcterms:created>' in core


def test_another_process_with_another_hash_seed_gives_the_same_bytes(results, pack, tmp_path):
    # Set and dict orders of strings change with the hash seed: a second process is the honest second run.
    import pickle
    import sys

    (tmp_path / "results.pickle").write_bytes(pickle.dumps(results))
    script = (
        "import pickle, sys, datetime as dt; from sop_workbook.workbook import write_pack; "
        "write_pack(pickle.load(open(sys.argv[1], 'rb')), sys.argv[2], run_time=dt.datetime(2027, 1, 5, 9, 30))"
    )
    environment = dict(os.environ, PYTHONHASHSEED="12345", PYTHONPATH=str(Path(__file__).parents[1]))
    subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "results.pickle"), str(tmp_path / "again.xlsx")],
        check=True,
        env=environment,
        timeout=300,
    )
    assert (tmp_path / "again.xlsx").read_bytes() == pack.read_bytes()


def test_an_aware_run_time_is_recorded_in_utc():
    aware = dt.datetime(2027, 1, 5, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert writer.resolve_run_time(aware) == RUN_TIME


# ------------------------------------------------------------------------------------------------------------
# Atomic writes


def test_refuses_to_overwrite_without_force(results, tmp_path):
    target = tmp_path / "pack.xlsx"
    target.write_bytes(b"last month")
    with pytest.raises(OutputError, match="exists already.*--force"):
        write_pack(results, target, run_time=RUN_TIME)
    assert target.read_bytes() == b"last month"
    write_pack(results, target, run_time=RUN_TIME, force=True)
    assert zipfile.is_zipfile(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pack.xlsx"]


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda tmp: tmp / "missing" / "pack.xlsx", "does not exist"),
        (lambda tmp: tmp, "is a folder"),
    ],
)
def test_a_target_that_cannot_be_written_is_an_output_error(results, tmp_path, make, message):
    with pytest.raises(OutputError, match=message):
        write_pack(results, make(tmp_path), run_time=RUN_TIME)


def test_a_read_only_folder_is_an_output_error(results, tmp_path, monkeypatch):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    if os.access(folder, os.W_OK):  # root may write anywhere: make the folder read-only to the check
        monkeypatch.setattr(writer.os, "access", lambda path, mode: Path(path) != folder)
    try:
        with pytest.raises(OutputError, match="read-only"):
            write_pack(results, folder / "pack.xlsx", run_time=RUN_TIME)
    finally:
        folder.chmod(0o700)
    assert list(folder.iterdir()) == []


def _raise_in_a_sheet(monkeypatch):
    def broken(pack, ws):
        ws.write_string(0, 0, "half a sheet")
        raise RuntimeError("the writer broke mid-sheet")

    sheets = tuple((name, broken if name == "Margin" else function) for name, function in writer.SHEETS)
    monkeypatch.setattr(writer, "SHEETS", sheets)
    return RuntimeError


def _fail_to_sync(monkeypatch):
    def full_disk(descriptor):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writer.os, "fsync", full_disk)
    return OutputError


@pytest.mark.parametrize(
    "break_it, existing",
    [
        (_raise_in_a_sheet, b"last month"),
        (_fail_to_sync, b"last month"),
        (_fail_to_sync, None),
    ],
)
def test_a_failed_write_leaves_no_partial_file_and_the_old_file_untouched(
    results, tmp_path, monkeypatch, break_it, existing
):
    target = tmp_path / "pack.xlsx"
    if existing is not None:
        target.write_bytes(existing)
    error = break_it(monkeypatch)
    with pytest.raises(error):
        write_pack(results, target, run_time=RUN_TIME, force=True)
    if existing is None:
        assert list(tmp_path.iterdir()) == []
    else:
        assert target.read_bytes() == existing
        assert sorted(p.name for p in tmp_path.iterdir()) == ["pack.xlsx"]


# ------------------------------------------------------------------------------------------------------------
# Plan Data as a file, and above the row limit


def test_plan_data_file_holds_the_whole_table(results, cached, tmp_path):
    write_pack(results, tmp_path / "pack.xlsx", run_time=RUN_TIME, plan_data=tmp_path / "plan.csv")
    written = pd.read_csv(tmp_path / "plan.csv")
    in_sheet = _plan_data(cached)
    assert len(written) == len(in_sheet) == len(plan_data_frame(results))
    assert list(written.columns) == list(in_sheet.columns)
    for measure in ("Demand", "Revenue", "Used hours"):
        assert _close(
            written.loc[written["Measure"] == measure, "Value"].sum(),
            in_sheet.loc[in_sheet["Measure"] == measure, "Value"].sum(),
        )


@pytest.mark.parametrize(
    "name, message",
    [
        ("plan.txt", r"\.csv or \.parquet"),
        ("missing/plan.csv", "does not exist"),
    ],
)
def test_a_bad_plan_data_target_stops_before_anything_is_written(results, tmp_path, name, message):
    with pytest.raises(OutputError, match=message):
        write_pack(results, tmp_path / "pack.xlsx", run_time=RUN_TIME, plan_data=tmp_path / name)
    assert not (tmp_path / "pack.xlsx").exists()


def test_parquet_without_pyarrow_is_a_clear_error(results, tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_pyarrow(name, *args, **kwargs):
        if name == "pyarrow":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    with pytest.raises(OutputError, match="pyarrow"):
        write_pack(results, tmp_path / "pack.xlsx", run_time=RUN_TIME, plan_data=tmp_path / "plan.parquet")


@pytest.fixture(scope="module")
def small_pack(results, tmp_path_factory) -> Path:
    """The pack with a row limit of 10 for every sheet of detail, so that Plan Data and the SKU sheets say
    they are too big."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(layout, "MAX_ROWS", 10)
        return write_pack(results, tmp_path_factory.mktemp("small") / "pack.xlsx", run_time=RUN_TIME)


def test_above_the_row_limit_plan_data_is_one_line_and_the_summary_holds_numbers(small_pack):
    book = openpyxl.load_workbook(small_pack)
    texts = [c.value for row in book["Plan Data"].iter_rows() for c in row if isinstance(c.value, str)]
    assert len(texts) == 3 and "--plan-data" in texts[2]
    summary = book["Executive Summary"]
    assert not any(
        isinstance(c.value, str) and "Plan Data" in c.value and c.value.startswith("=")
        for row in summary.iter_rows()
        for c in row
    )


def test_the_seam_writes_the_bytes_xlsxwriter_itself_writes(results, pack, tmp_path, monkeypatch):
    # workbook/seam.py makes the commonest cells' XML itself: the pack must be byte for byte what xlsxwriter's own
    # worksheet writes, on the xlsxwriter version installed.
    assert xlsxwriter.__version__ in seam.CHECKED, (
        f"xlsxwriter {xlsxwriter.__version__} is not among the versions workbook/seam.py was checked against "
        f"({', '.join(seam.CHECKED)}): compare its cell XML with this xlsxwriter's Worksheet._write_cell, then add "
        f"the version to seam.CHECKED"
    )
    assert seam.Worksheet is seam.FastCells
    monkeypatch.setattr(seam, "Worksheet", XlsxWorksheet)
    own = write_pack(results, tmp_path / "own.xlsx", run_time=RUN_TIME)
    assert own.read_bytes() == pack.read_bytes()


def test_the_seam_writes_every_kind_of_cell_as_xlsxwriter_does(tmp_path):
    # Each kind of cell, with and without a format, a row format and a column format, in both kinds of worksheet.
    def written(worksheet_class) -> dict[str, bytes]:
        path = tmp_path / f"{worksheet_class.__name__}.xlsx"
        workbook = xlsxwriter.Workbook(path, {"strings_to_formulas": False, "strings_to_numbers": False})
        ws = workbook.add_worksheet("S", worksheet_class=worksheet_class)
        bold = workbook.add_format({"bold": True})
        money = workbook.add_format({"num_format": "#,##0"})
        ws.set_row(3, None, bold)
        ws.set_column(5, 5, 10, money)
        for row, style in ((0, None), (1, bold), (2, money), (3, None)):
            ws.write_number(row, 0, 1234.5678901234567, style)
            ws.write_number(row, 1, -0.0, style)
            ws.write_string(row, 2, "a & <b> _x0041_ \x01 ", style)
            ws.write_formula(row, 3, '=IF(A1<B1,"x&y",A1)', style, 12.5)
            ws.write_formula(row, 4, "=A1", style, "text")
            ws.write_blank(row, 5, None, style)
            ws.write_datetime(row, 6, dt.datetime(2027, 1, 31, 12), style)
            ws.write_boolean(row, 7, True, style)
            ws.write_formula(row, 8, "=A1>0", style, True)
            ws.write_number(row, 9, 10**20, style)
            ws.write_formula(row, 10, "=A1", style, 7)
        workbook.close()
        with zipfile.ZipFile(path) as archive:
            return {name: archive.read(name) for name in archive.namelist()}

    assert written(seam.FastCells) == written(XlsxWorksheet)


@pytest.mark.parametrize("package", ["xlsxwriter", "zipfile"])
def test_no_module_reaches_into_xlsxwriter_or_zipfile_except_the_seam(package):
    # The pack is written through xlsxwriter's public API: no subclass of its classes, no swapped module names, no
    # private method called, except in workbook/seam.py.
    root = Path(__file__).parents[1] / "sop_workbook"
    offenders = []
    for path in sorted(root.rglob("*.py")):
        if path.name == "seam.py" and path.parent.name == "workbook":
            continue
        source = path.read_text()
        if package == "xlsxwriter":
            found = re.findall(
                r"class \w+\((?:Worksheet|Workbook|Format|Chart|Vml|Comments|Packager)\)"
                r"|xlsxwriter\.\w+\.\w+ = |\bws\._\w+\(|\.(?:_write_\w+|_get_xf_index)\(",
                source,
            )
        else:
            found = re.findall(r"class \w+\((?:zipfile\.)?ZipFile\)|zipfile\.\w+ = |\.ZipFile = ", source)
        offenders += [f"{path.relative_to(root)}: {hit}" for hit in found]
    assert offenders == []


def test_every_text_of_a_sheet_goes_through_the_text_module():
    # Text reaches the pack's cells only through text.write_text, which keeps it exactly as typed.
    root = Path(__file__).parents[1] / "sop_workbook" / "workbook"
    calls = {
        path.name: len(re.findall(r"\.write_(?:string|rich_string|row|column)\(|\.write\(", path.read_text()))
        for path in root.glob("*.py")
        if path.name != "seam.py"  # writes XML, not text
    }
    assert {name: count for name, count in calls.items() if count} == {"text.py": 2}


def test_the_demand_chart_caches_the_consensus_plans_figures(pack, cached, results):
    with zipfile.ZipFile(pack) as archive:
        charts = [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/charts/chart")]
    [chart] = [c for c in charts if "Demand vs shipments" in c]
    plan = results.plan[results.plan["Scenario"] == "Base"]
    demand = plan.groupby(pd.to_datetime(plan["Month"]))["Demand"].sum()
    # The first series' values (its categories are the header's months).
    cache = re.search(
        r"<c:val><c:numRef><c:f>'Consensus Plan'!\$D\$\d+:\$\w+\$\d+</c:f><c:numCache>(.*?)"
        r"</c:numCache>",
        chart,
    )
    points = [float(v) for v in re.findall(r"<c:v>([^<]*)</c:v>", cache.group(1))]
    assert points == pytest.approx(list(demand))


def _excel_value(value):
    """A cell's value as a chart's cache holds it: dates as Excel serial numbers, numbers as floats."""
    if isinstance(value, dt.datetime):
        return (value - dt.datetime(1899, 12, 30)) / dt.timedelta(days=1)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return value


def test_every_chart_caches_the_figures_of_the_cells_it_shows(pack):
    # A chart's cache is made from the cells as xlsxwriter stores them: each point must be its cell's value.
    path = pack
    book = openpyxl.load_workbook(path, data_only=True)
    with zipfile.ZipFile(path) as archive:
        charts = [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/charts/chart")]
    checked = set()
    for chart in charts:
        for ref, cache in re.findall(
            r"<c:(?:num|str)Ref><c:f>(.*?)</c:f><c:(?:num|str)Cache>(.*?)</c:(?:num|str)"
            r"Cache>",
            chart,
        ):
            sheet, cells = ref.rsplit("!", 1)
            sheet = sheet.strip("'").replace("''", "'")
            values = [_excel_value(c.value) for row in book[sheet][cells.replace("$", "")] for c in row]
            points = {i: html.unescape(v) for i, v in re.findall(r'<c:pt idx="(\d+)"><c:v>([^<]*)</c:v>', cache)}
            assert int(re.search(r'<c:ptCount val="(\d+)"/>', cache).group(1)) == len(values), ref
            cached = [points.get(str(i)) for i in range(len(values))]
            assert any(value is not None for value in values), ref
            for value, point in zip(values, cached):
                if isinstance(value, float):
                    assert point is not None and float(point) == pytest.approx(value), ref
                else:
                    assert point == (None if value is None else str(value)), ref
            checked.add(sheet)
    assert checked == {"Executive Summary", "Consensus Plan", "Capacity", "Margin"}


def _texts(ws, needle: str) -> list[str]:
    return [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str) and needle in c.value]


def test_above_the_row_limit_the_consensus_plan_keeps_its_family_rows_and_says_what_it_left_out(results, small_pack):
    sheet = openpyxl.load_workbook(small_pack, data_only=True)["Consensus Plan"]
    plan = results.plan[results.plan["Scenario"] == "Base"]
    skus = plan["SKU"].nunique()
    # 13 rows per SKU: Demand, Shipments, Backlog, Lost sales, Production, Subcontract, Opening inventory,
    # Closing inventory, Safety stock, Days of supply, Revenue, Variable costs, Contribution margin.
    assert _texts(sheet, "left out") == [
        f"{skus * 13:,} SKU rows (one per SKU and measure) left out: more than the 10 rows a sheet holds; every "
        "SKU's figures are in Plan Data: sop reconcile ... --plan-data plan.csv (or .parquet) writes them whole."
    ]
    rows = list(sheet.iter_rows(values_only=True))
    assert not any(row[1] for row in rows[4:]), "no SKU rows"
    # Nothing is dropped from the family rows: each is the sum of its SKUs, month by month.
    months = sorted(pd.to_datetime(plan["Month"]).unique())
    found = {(row[0], row[2]): row[3 : 3 + len(months)] for row in rows[4:] if row[0] and row[2]}
    for measure in ("Demand", "Shipments", "Production", "Closing inventory"):
        for family, figures in plan.groupby("Family"):
            by_month = figures.groupby(pd.to_datetime(figures["Month"]))[measure].sum()
            assert all(
                _close(found[(family, measure)][i], by_month.get(month, 0.0)) for i, month in enumerate(months)
            ), (family, measure)
        total = plan.groupby(pd.to_datetime(plan["Month"]))[measure].sum()
        assert all(_close(found[("All families", measure)][i], total[month]) for i, month in enumerate(months))


def test_above_the_row_limit_inventory_margin_and_gaps_say_how_many_rows_they_left_out(results, small_pack):
    book = openpyxl.load_workbook(small_pack, data_only=True)
    base = results.inventory[results.inventory["Scenario"] == "Base"]
    measures = [m for m in ("Closing inventory", "Safety stock", "Max stock", "Days of supply") if m in base]
    [line] = _texts(book["Inventory"], "left out")
    assert line.startswith(f"{base['SKU'].nunique() * len(measures):,} SKU rows (one per SKU and measure) left out")
    assert "--plan-data" in line
    assert not any(row[1] for row in book["Inventory"].iter_rows(min_row=5, values_only=True))

    margin = results.margin[results.margin["Scenario"] == "Base"]
    lines = _texts(book["Margin"], "left out")
    assert lines[0].startswith(f"{margin['SKU'].nunique():,} SKU rows left out") and "--plan-data" in lines[0]
    # The family rows (the first rows naming a family) still hold every SKU's revenue.
    rows = {}
    for row in book["Margin"].iter_rows(values_only=True):
        rows.setdefault(row[0], row)
    for family, figures in margin.groupby("Family"):
        assert _close(rows[family][2], figures["Revenue"].sum())
    customers = results.customer_margin[results.customer_margin["Scenario"] == "Base"]
    if len(customers) > 10:
        assert any(text.startswith(f"{len(customers):,} rows by sku and customer left out") for text in lines)


def test_above_the_row_limit_gaps_keep_the_top_of_the_ranking_and_say_how_many_they_left_out(
    results, tmp_path, monkeypatch
):
    gaps = results.gaps
    assert len(gaps) >= 3
    monkeypatch.setattr(layout, "MAX_ROWS", 2)
    sheet = openpyxl.load_workbook(write_pack(results, tmp_path / "pack.xlsx", run_time=RUN_TIME))["Gaps"]
    [line] = _texts(sheet, "left out")
    assert line.startswith(f"{len(gaps) - 2:,} gaps at the end of the ranking left out: more than the 2 rows")
    listed = [row for row in sheet.iter_rows(min_row=5, values_only=True) if row[1]]
    base = gaps[gaps["Scenario"] == "Base"]
    largest = sorted(pd.to_numeric(base["Revenue at risk"]), reverse=True)[:2]
    assert [row[10] for row in listed] == pytest.approx(largest)  # Revenue at risk, after Channel and Region


def test_above_the_row_limit_inputs_name_the_file_that_holds_the_rows_left_out(results, small_pack):
    from sop_workbook.inputs import SHEET_ATTRIBUTES, SOURCE_ROW

    rows = list(openpyxl.load_workbook(small_pack, data_only=True)["Inputs"].iter_rows(values_only=True))
    headings = {row[0]: index for index, row in enumerate(rows) if isinstance(row[0], str) and " · " in row[0]}
    names = {source.kind: source.name for source in results.inputs.sources}
    checked = 0
    for (kind, sheet), attribute in SHEET_ATTRIBUTES.items():
        frame = getattr(results.inputs, attribute)
        count = frame[SOURCE_ROW].nunique() if len(frame) else 0
        at = headings[f"{names[kind]} · {sheet}"]
        assert rows[at][3] == f"{count} row(s)"
        if count > 10:
            assert rows[at + 2][0] == (
                f"{count:,} rows of {names[kind]} · {sheet} left out: more than the 10 rows "
                f"a sheet holds; they are in {names[kind]}, sheet {sheet}, the file named "
                "with its SHA-256 in the Executive Summary's lineage."
            )
            checked += 1
        elif count:
            # Small sections stay whole: every source row is there.
            written = [row[2] for row in rows[at + 2 : at + 2 + count]]
            assert sorted(written) == sorted(float(r) for r in frame[SOURCE_ROW].unique())
    assert checked >= 2


def test_plan_data_row_count_is_the_number_of_figures_with_a_value(results):
    # Counted by hand from the results: every measure the table holds, one row per value, planned scenarios only.
    expected = 0
    for attribute, measures in (
        ("customer_plan", ("Demand", "Shipments", "Backlog", "Lost sales", "Revenue")),
        ("plan", ("Production", "Subcontract", "Closing inventory")),
        (
            "margin",
            (
                "Material cost",
                "Other variable cost",
                "Regular labour cost",
                "Overtime cost",
                "Subcontract cost",
                "Holding cost",
                "Backlog cost",
                "Contribution margin",
            ),
        ),
        (
            "capacity",
            ("Available hours", "Overtime hours", "Used hours", "Required hours", "Shadow price", "Unabsorbed labour"),
        ),
        ("materials", ("Used", "Available", "Shadow price")),
    ):
        frame = getattr(results, attribute)
        frame = frame[frame["Scenario"].isin(results.scenarios)]
        expected += sum(int(frame[m].notna().sum()) for m in measures if m in frame.columns)
    assert plan_data_sheet.row_count(results) == expected == len(plan_data_frame(results))


# ------------------------------------------------------------------------------------------------------------
# LibreOffice: what a spreadsheet program computes and prints


def test_libreoffice_recalculates_on_load(tmp_path):
    # Without the profile's setting LibreOffice would show the cached 5 and the test below could not fail.
    import xlsxwriter

    path = tmp_path / "wrong.xlsx"
    workbook = xlsxwriter.Workbook(path)
    workbook.add_worksheet().write_formula(0, 0, "=1+1", None, 5)
    workbook.close()
    converted = libreoffice.convert(path, "xlsx", tmp_path / "out", tmp_path)
    assert openpyxl.load_workbook(converted, data_only=True).active["A1"].value == 2


def test_libreoffice_recalculates_every_formula_to_the_cached_value(next_month, tmp_path):
    # The pack with a previous pack has every kind of formula the pack writes, the Changes sheet's included.
    _, _, cached, formulas, pack = next_month
    converted = libreoffice.convert(pack, "xlsx", tmp_path / "recalculated", tmp_path)
    recalculated = openpyxl.load_workbook(converted, data_only=True)
    compared = 0
    sheets = set()
    mismatches = []
    for ws in formulas.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "s" and c.value.startswith("="):
                    # Planner text that looks like a formula is still that text after LibreOffice's load.
                    assert recalculated[ws.title].cell(row=c.row, column=c.column).value == c.value
                if c.data_type == "f":
                    ours = cached[ws.title].cell(row=c.row, column=c.column).value
                    theirs = recalculated[ws.title].cell(row=c.row, column=c.column).value
                    compared += 1
                    sheets.add(ws.title)
                    if not _close(ours, theirs, 1e-9):
                        mismatches.append((ws.title, c.coordinate, c.value, ours, theirs))
    assert compared > 100
    assert {"Executive Summary", "Consensus Plan", "Margin", "Scenarios", "Changes"} <= sheets
    assert mismatches == []


def test_libreoffice_prints_the_pack(results, small_pack, tmp_path):
    # Plan Data is hundreds of pages of a big plan: the pack without it prints quickly.
    pdf = libreoffice.convert(small_pack, "pdf", tmp_path / "pdf", tmp_path)
    text = (
        subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
        if libreoffice.shutil.which("pdftotext")
        else pdf.read_bytes().decode("latin-1")
    )
    assert pdf.read_bytes().startswith(b"%PDF")
    if libreoffice.shutil.which("pdftotext"):
        pages = text.split("\f")
        company = results.inputs.cycle.company
        assert all(company in page for page in pages if page.strip())
        for sheet in SPEC_SHEETS:
            assert sheet in text, sheet
        assert "Page 1 of" in text


# ------------------------------------------------------------------------------------------------------------
# With last month's pack


@pytest.fixture(scope="module")
def next_month(results, pack, tmp_path_factory):
    """The next cycle's pack, with last month's pack (one decision taken in it) as the previous pack."""
    previous = read_previous(pack)
    items = previous.decisions["Gap or risk"].fillna("").astype(str) != ""
    first = previous.decisions.index[items][0]
    previous.decisions.loc[first, "Decision"] = "Overtime in March"
    inputs = _cut(sample.sample_inputs(month=1), horizon=6, families=("Blenders", "Coffee makers"))
    later = analysis.plan(inputs)
    compare_with_previous(later, previous)
    path = write_pack(later, tmp_path_factory.mktemp("next") / "pack.xlsx", run_time=RUN_TIME)
    return later, previous, openpyxl.load_workbook(path, data_only=True), openpyxl.load_workbook(path), path


def test_changes_bridge_walks_from_last_months_figure_to_this_months(next_month):
    later, previous, cached_book, formula_book, _ = next_month
    ws = cached_book["Changes"]
    rows = list(ws.iter_rows(values_only=True))
    header = rows.index(next(r for r in rows if r[:3] == ("Family", "Measure", "Last month")))
    now = _plan_data(cached_book)
    then = previous.plan_data
    shared = sorted(set(now["Month"]) & set(then["Month"]))
    assert len(shared) == 5
    checked = 0
    for row in rows[header + 1 :]:
        if not row[0]:
            break
        family, measure, before, *causes, after = row[:8]
        expected_before = then[
            (then["Scenario"] == "Base")
            & (then["Family"] == family)
            & (then["Measure"] == measure)
            & then["Month"].isin(shared)
        ]["Value"].sum()
        expected_after = now[
            (now["Scenario"] == "Base")
            & (now["Family"] == family)
            & (now["Measure"] == measure)
            & now["Month"].isin(shared)
        ]["Value"].sum()
        assert _close(before, expected_before) and _close(after, expected_after), (family, measure)
        assert _close(before + sum(causes), after)
        checked += 1
    assert checked == 4  # two families × revenue and margin
    formulas = [c.value for r in formula_book["Changes"].iter_rows() for c in r if c.data_type == "f"]
    assert formulas and all(f.startswith(("=SUM(", "=")) for f in formulas)


def test_decisions_taken_in_last_months_pack_are_carried_forward_with_their_status(next_month):
    _, previous, cached_book, _, _ = next_month
    rows = list(cached_book["Decisions"].iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if row[0] == "Carried forward from the previous pack")
    carried = [row for row in rows[start + 2 :] if row[0]]
    decided = previous.decisions[previous.decisions["Decision"].fillna("").astype(str) != ""]
    assert len(carried) == len(decided) == 1
    (row,) = carried
    assert row[0] == decided.iloc[0]["Ref"] and "Overtime in March" in row
    assert any(str(value).startswith(("Still open", "Closed or changed")) for value in row)


def test_a_pack_that_carried_decisions_forward_passes_on_only_its_own_decisions(next_month, tmp_path):
    # The carried row's decision is in the next pack too, but only the pack's own items are passed on.
    later, _, _, _, path = next_month
    again = dataclasses.replace(later)
    compare_with_previous(again, read_previous(path))
    book = openpyxl.load_workbook(write_pack(again, tmp_path / "pack.xlsx", run_time=RUN_TIME), data_only=True)
    headings = [row[0] for row in book["Decisions"].iter_rows(values_only=True)]
    assert "Carried forward from the previous pack" not in headings


def test_a_malformed_source_date_epoch_is_an_output_error(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(OutputError, match="SOURCE_DATE_EPOCH: 'yesterday' is not a time"):
        writer.resolve_run_time(None)


# ------------------------------------------------------------------------------------------------------------
# A plan small enough to work out by hand
#
# One SKU "A" (family Kettles, Lost when unmet), customers X (price 10) and Y (price 12), two months. Material
# 3, other variable 1, holding 0.5 per unit-month. Line L1: 0.1 h a unit, 10 regular hours a month, overtime 30
# an hour (5 h allowed in Jan, none in Feb).
# February needs 130 but L1 makes only 100 then; a unit built ahead in January earns at least
# 10 − 3 − 1 − 0.1 × 30 − 0.5 = 2.5, so the plan builds the 30 ahead with 3 overtime hours and loses nothing:
#   Jan: demand 60 + 40 = 100; make 130 (13 h = 10 regular + 3 overtime); ship 100; closing 30.
#        revenue 60 × 10 + 40 × 12 = 1,080; margin 1,080 − 130 × 3 − 130 × 1 − 3 × 30 − 30 × 0.5 = 455.
#   Feb: demand 50 + 80 = 130; make 100 (10 h); ship 130; closing 0.
#        revenue 50 × 10 + 80 × 12 = 1,460; margin 1,460 − 100 × 3 − 100 × 1 = 1,060.


@pytest.fixture(scope="module")
def by_hand(tmp_path_factory):
    from builders import tiny_inputs

    january = pd.Timestamp("2027-01-01")
    inputs = tiny_inputs(
        horizon=2,
        families={"A": "Kettles"},
        forecast={("A", "X"): [60, 50], ("A", "Y"): [40, 80]},
        prices=[("A", "X", 10.0, january), ("A", "Y", 12.0, january)],
        resources={"L1": (20.0, 30.0)},
        capacity={"L1": [10, 10]},
        overtime={"L1": [5, 0]},
        routings={("A", "L1"): 0.1},
        costs={"A": {"material": 3.0, "other": 1.0, "holding": 0.5, "unmet": "Lost"}},
        inventory={"A": {}},
    )
    path = write_pack(analysis.plan(inputs), tmp_path_factory.mktemp("hand") / "pack.xlsx", run_time=RUN_TIME)
    return openpyxl.load_workbook(path, data_only=True)


@pytest.mark.parametrize(
    "measure, january, february, horizon",
    [
        ("Demand", 100, 130, 230),
        ("Shipments", 100, 130, 230),
        ("Production", 130, 100, 230),
        ("Lost sales", 0, 0, 0),
        ("Opening inventory", 0, 30, 0),
        ("Closing inventory", 30, 0, 0),
        ("Revenue", 1080, 1460, 2540),
        ("Contribution margin", 455, 1060, 1515),
    ],
)
def test_consensus_plan_shows_the_plan_worked_out_by_hand(by_hand, measure, january, february, horizon):
    rows = _rows(by_hand["Consensus Plan"])
    for key in (("All families", None, measure), ("Kettles", None, measure), ("Kettles", "A", measure)):
        assert [round(v, 6) for v in rows[key][:3]] == [january, february, horizon], key


def test_margin_sheet_shows_the_margin_worked_out_by_hand(by_hand):
    rows = list(by_hand["Margin"].iter_rows(values_only=True))
    header = next(row for row in rows if row[0] == "Family")
    family = dict(zip(header, next(row for row in rows if row[0] == "Kettles")))
    assert family["Revenue"] == pytest.approx(2540)
    assert family["Material cost"] == pytest.approx(690)
    assert family["Other variable cost"] == pytest.approx(230)
    assert family["Overtime cost"] == pytest.approx(90)
    assert family["Holding cost"] == pytest.approx(15)
    assert family["Contribution margin"] == pytest.approx(1515)
    assert family["Contribution margin %"] == pytest.approx(1515 / 2540)
