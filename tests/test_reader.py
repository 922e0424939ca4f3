"""Tests for sop_workbook.reader: templates filled the way planners fill them, read back, valid and invalid."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from sop_workbook import schema
from sop_workbook.archive import Role, guard
from sop_workbook.cells import unusable_cells
from sop_workbook.errors import ERROR, WARNING
from sop_workbook.inputs import MONTH, SHEET_ATTRIBUTES, SOURCE_FILE, SOURCE_ROW, Cycle, build_inputs
from sop_workbook.reader import column_letter, parse_cell, parse_number, read, validate
from sop_workbook.templates import write_filled, write_templates

CYCLE = Cycle("Acme", pd.Timestamp("2027-01-01"), 6, "EUR", {"demand": "Sam Sales", "capacity": "Olga Ops"})
MONTHS = CYCLE.months  # Jan-27 … Jun-27


def _long(keys, value_name, values):
    rows = []
    for key, per_month in zip(keys, values):
        per_month = per_month if isinstance(per_month, list) else [per_month] * len(MONTHS)
        rows += [{**key, MONTH: month, value_name: float(v)} for month, v in zip(MONTHS, per_month)]
    return pd.DataFrame(rows)


def small_inputs():
    """A small, valid company: three SKUs (one launching in Mar-27), one line, one subcontractor, one material.

    Rows are written in this order, so Products rows 2-4 are A-100, B-200, N-300 and Forecast rows 2-6 are
    A-100/Retail/Base, A-100/Online/Base, B-200/Retail/Base, N-300/Retail/Base, A-100/Retail/Upside.
    """
    products = pd.DataFrame(
        [
            {
                "SKU": "A-100",
                "Description": "Widget",
                "Family": "Widgets",
                "Unit": "each",
                "Status": "Active",
                "Margin floor %": 0.2,
            },
            {
                "SKU": "B-200",
                "Description": "Gadget",
                "Family": "Gadgets",
                "Unit": "each",
                "Status": "Active",
                "Margin floor %": None,
            },
            {
                "SKU": "N-300",
                "Description": "New gadget",
                "Family": "Gadgets",
                "Unit": "case",
                "Status": "Launch",
                "Margin floor %": None,
            },
        ]
    )
    forecast = _long(
        [
            {"SKU": "A-100", "Customer": "Retail", "Scenario": "Base"},
            {"SKU": "A-100", "Customer": "Online", "Scenario": "Base"},
            {"SKU": "B-200", "Customer": "Retail", "Scenario": "Base"},
            {"SKU": "N-300", "Customer": "Retail", "Scenario": "Base"},
            {"SKU": "A-100", "Customer": "Retail", "Scenario": "Upside"},
        ],
        "Forecast",
        [100, 50, 80, [0, 0, 30, 30, 40, 40], 120],
    )
    prices = pd.DataFrame(
        [
            {"SKU": "A-100", "Customer": "", "Unit price": 10.0, "Valid from": MONTHS[0]},
            {"SKU": "A-100", "Customer": "Online", "Unit price": 11.0, "Valid from": MONTHS[0]},
            {"SKU": "B-200", "Customer": "", "Unit price": 20.0, "Valid from": MONTHS[0]},
            {"SKU": "N-300", "Customer": "", "Unit price": 30.0, "Valid from": MONTHS[0]},
        ]
    )
    commitments = pd.DataFrame(
        [
            {
                "Order ref": "SO-1",
                "Customer": "Retail",
                "SKU": "A-100",
                "Quantity": 40.0,
                "Requested date": pd.Timestamp("2027-02-15"),
                "Status": "Confirmed",
                "Notes": "rush",
            }
        ]
    )
    launches = pd.DataFrame([{"SKU": "N-300", "Launch month": MONTHS[2], "Notes": "spring range"}])
    budget = _long([{"Family": "Widgets", "Measure": "Revenue"}], "Budget", [1500])
    assumptions = pd.DataFrame([{"Topic": "Market", "Assumption": "Grows 5%", "Impact": "High", "Owner": "Ann"}])
    resources = pd.DataFrame(
        [{"Resource": "Line 1", "Site": "North", "Regular cost per hour": 40.0, "Overtime cost per hour": 60.0}]
    )
    capacity = _long(
        [{"Resource": "Line 1", "Kind": "Regular"}, {"Resource": "Line 1", "Kind": "Overtime"}], "Hours", [300, 50]
    )
    routings = pd.DataFrame([{"SKU": sku, "Resource": "Line 1", "Hours per unit": 0.5} for sku in ("A-100", "N-300")])
    costs = pd.DataFrame(
        [
            {
                "SKU": sku,
                "Material cost per unit": 3.0,
                "Other variable cost per unit": 1.0,
                "Holding cost per unit-month": 0.1,
                "Unmet demand": "Backlog",
                "Backlog cost per unit-month": 0.5,
            }
            for sku in ("A-100", "B-200", "N-300")
        ]
    )
    subcontract = _long([{"SKU": "B-200", "Subcontractor": "Subco", "Cost per unit": 12.0}], "Max units", [100])
    inventory = pd.DataFrame(
        [
            {
                "SKU": sku,
                "Opening stock": 10.0,
                "Safety stock": 5.0,
                "Target closing stock": 5.0,
                "Max stock": float("nan"),
                "Lead time (days)": 7,
            }
            for sku in ("A-100", "B-200", "N-300")
        ]
    )
    materials = _long(
        [{"Material": "Steel", "Supplier": "SteelCo", "Qualified": "Yes", "Lead time (days)": 30}], "Available", [1000]
    )
    bill = pd.DataFrame([{"SKU": "A-100", "Material": "Steel", "Quantity per unit": 2.0}])
    readiness = pd.DataFrame(
        [
            {
                "SKU": "N-300",
                "Supplier qualified": "Yes",
                "Process validated": "No",
                "Ready from month": MONTHS[1],
                "Notes": "",
            }
        ]
    )
    risks = pd.DataFrame(
        [{"Risk": "Line 1 overhaul", "Affects": "Resource", "Impact": "Medium", "Mitigation": "", "Owner": "Bob"}]
    )
    customers = pd.DataFrame(
        [
            {"Customer": "Retail", "Channel": "Stores", "Region": "North", "Priority": 1, "Owner": "Ann"},
            {"Customer": "Online", "Channel": "Web", "Region": "", "Priority": None, "Owner": ""},
        ]
    )
    return build_inputs(
        CYCLE,
        products=products,
        customers=customers,
        forecast=forecast,
        prices=prices,
        commitments=commitments,
        launches=launches,
        budget=budget,
        assumptions=assumptions,
        resources=resources,
        capacity=capacity,
        routings=routings,
        costs=costs,
        subcontract=subcontract,
        inventory=inventory,
        materials=materials,
        bill_of_materials=bill,
        launch_readiness=readiness,
        risks=risks,
    )


def _planner_rows(kind: str, sheet: schema.Sheet, frame: pd.DataFrame) -> list[dict]:
    """The rows a planner types on a sheet: {header or month datetime: value}, long forms back to months."""
    headers = [c.header for c in sheet.columns]
    rows = []
    if sheet.months:
        for key, group in frame.groupby(headers, sort=False, dropna=False):
            row = dict(zip(headers, key))
            row.update({m.to_pydatetime(): v for m, v in zip(group[MONTH], group[sheet.month_value])})
            rows.append(row)
    else:
        rows = frame[headers].to_dict("records")
    out = []
    for row in rows:
        typed = {}
        for key, value in row.items():
            if value is None or (not isinstance(value, str) and pd.isna(value)) or value == "":
                continue
            typed[key] = value.to_pydatetime() if isinstance(value, pd.Timestamp) else value
        out.append(typed)
    return out


def type_rows(ws, rows: list[dict], first_row: int = 2) -> None:
    """Type rows under the header row of an openpyxl sheet, finding each column by its header (as a planner)."""
    columns = {cell.value: cell.column for cell in ws[1] if cell.value is not None}
    for r, row in enumerate(rows, start=first_row):
        for key, value in row.items():
            ws.cell(row=r, column=columns[key], value=value)


def fill_like_a_planner(directory: Path, inputs) -> tuple[Path, Path]:
    """Blank templates from `write_templates`, filled in with openpyxl the way planners type into them."""
    demand, capacity = write_templates(directory, cycle_month=inputs.cycle.cycle_month, horizon=inputs.cycle.horizon)
    for path, tmpl in ((demand, schema.DEMAND), (capacity, schema.CAPACITY)):
        workbook = openpyxl.load_workbook(path)
        cycle_ws = workbook["Cycle"]
        values = {
            "Company": inputs.cycle.company,
            "Currency": inputs.cycle.currency,
            "Prepared by": inputs.cycle.prepared_by.get(tmpl.kind),
        }
        for row in cycle_ws.iter_rows(min_row=2):
            if row[0].value in values:
                row[1].value = values[row[0].value]
        for sheet in tmpl.sheets:
            if sheet.key_value:
                continue
            frame = getattr(inputs, SHEET_ATTRIBUTES[(tmpl.kind, sheet.name)])
            type_rows(workbook[sheet.name], _planner_rows(tmpl.kind, sheet, frame))
        workbook.save(path)
    return demand, capacity


def _trim_styled_blank_rows(path: Path) -> None:
    """Drop the template's pre-styled empty rows below the data: only to make the many edits below quick."""
    workbook = openpyxl.load_workbook(path)
    for ws in workbook.worksheets:
        last = max((cell.row for row in ws.iter_rows() for cell in row if cell.value is not None), default=1)
        if ws.max_row > last:
            ws.delete_rows(last + 1, ws.max_row - last)
    workbook.save(path)


@pytest.fixture(scope="module")
def base_pair(tmp_path_factory) -> tuple[Path, Path]:
    paths = fill_like_a_planner(tmp_path_factory.mktemp("base"), small_inputs())
    for path in paths:
        _trim_styled_blank_rows(path)
    return paths


@pytest.fixture
def pair(base_pair, tmp_path) -> tuple[Path, Path]:
    """A fresh copy of the valid pair, to edit."""
    copies = []
    for path in base_pair:
        copies.append(tmp_path / path.name)
        shutil.copy(path, copies[-1])
    return copies[0], copies[1]


def _comparable(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.drop(columns=[SOURCE_ROW]).copy()
    for column in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            frame[column] = frame[column].astype("datetime64[ns]")
        elif pd.api.types.is_numeric_dtype(frame[column]):
            frame[column] = frame[column].astype("float64")
        else:
            frame[column] = frame[column].astype(object).where(frame[column].notna(), "")
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


# ---------------------------------------------------------------------------------------------------------------
# Valid inputs


def test_planner_filled_templates_read_back_without_findings(base_pair):
    inputs = read(*base_pair)
    assert inputs.findings == []
    assert inputs.cycle == CYCLE
    expected = small_inputs()
    for attribute in SHEET_ATTRIBUTES.values():
        pd.testing.assert_frame_equal(
            _comparable(getattr(inputs, attribute)),
            _comparable(getattr(expected, attribute)),
            check_dtype=False,
            obj=attribute,
        )


def test_write_filled_templates_read_back_without_findings(tmp_path):
    expected = small_inputs()
    inputs = read(*write_filled(tmp_path, expected))
    assert inputs.findings == []
    for attribute in ("forecast", "prices", "capacity", "inventory", "subcontract", "materials"):
        got = getattr(inputs, attribute)
        if attribute == "forecast":
            # write_filled writes every SKU × Customer × Scenario combination (zero rows for those without
            # forecast); the rows of the expected keys must read back exactly.
            got = got.merge(expected.forecast[["SKU", "Customer", "Scenario"]].drop_duplicates())
        pd.testing.assert_frame_equal(
            _comparable(got), _comparable(getattr(expected, attribute)), check_dtype=False, obj=attribute
        )


def test_read_gives_long_forms_source_rows_and_defaults(base_pair):
    inputs = read(*base_pair)
    forecast = inputs.forecast
    assert list(forecast.columns) == ["SKU", "Customer", "Scenario", MONTH, "Forecast", SOURCE_ROW, SOURCE_FILE]
    assert set(forecast[SOURCE_FILE]) == {"demand.xlsx"}
    assert len(forecast) == 5 * len(MONTHS)
    launch = forecast[(forecast["SKU"] == "N-300")]
    assert launch["Forecast"].tolist() == [0, 0, 30, 30, 40, 40]
    assert set(launch[SOURCE_ROW]) == {5}
    # A blank customer on Prices means all customers: "".
    assert inputs.prices.loc[0, "Customer"] == ""
    # Max stock blank = no limit (NaN); margin floor 20 % is the fraction 0.2.
    assert inputs.inventory["Max stock"].isna().all()
    assert inputs.products.loc[0, "Margin floor %"] == pytest.approx(0.2)


def test_sources_carry_each_files_sha256(base_pair):
    inputs = read(*base_pair)
    assert [(s.kind, s.name) for s in inputs.sources] == [("demand", "demand.xlsx"), ("capacity", "capacity.xlsx")]
    for source, path in zip(inputs.sources, base_pair):
        assert source.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_inputs_are_never_modified(pair):
    before = [hashlib.sha256(p.read_bytes()).hexdigest() for p in pair]
    stamps = [p.stat().st_mtime_ns for p in pair]
    read(*pair)
    validate(*pair)
    assert [hashlib.sha256(p.read_bytes()).hexdigest() for p in pair] == before
    assert [p.stat().st_mtime_ns for p in pair] == stamps


def _edit(path: Path, change) -> None:
    workbook = openpyxl.load_workbook(path)
    change(workbook)
    workbook.save(path)


def test_rows_below_the_table_are_read_and_blank_rows_skipped(pair):
    demand, capacity = pair

    def add_far_below(workbook):
        type_rows(
            workbook["Assumptions"], [{"Topic": "Price", "Assumption": "No increase", "Impact": "Low"}], first_row=40
        )

    _edit(demand, add_far_below)
    inputs = read(demand, capacity)
    assert inputs.findings == []
    assert inputs.assumptions["Topic"].tolist() == ["Market", "Price"]
    assert inputs.assumptions[SOURCE_ROW].tolist() == [2, 40]


def test_reordered_columns_read_the_same(pair):
    demand, capacity = pair

    def swap_sku_and_customer(workbook):
        ws = workbook["Forecast"]
        for row in ws.iter_rows(min_row=1, max_row=ws.max_row, max_col=2):
            row[0].value, row[1].value = row[1].value, row[0].value

    _edit(demand, swap_sku_and_customer)
    inputs = read(demand, capacity)
    assert inputs.findings == []
    pd.testing.assert_frame_equal(_comparable(inputs.forecast), _comparable(small_inputs().forecast), check_dtype=False)


def test_numbers_typed_as_text_are_read_with_a_warning(pair):
    demand, capacity = pair
    _edit(demand, lambda wb: wb["Forecast"].__setitem__("D2", " 1,200 "))
    inputs = read(demand, capacity)
    assert [(f.sheet, f.cell, f.severity) for f in inputs.findings] == [("Forecast", "D2", WARNING)]
    value = inputs.forecast.loc[(inputs.forecast[SOURCE_ROW] == 2) & (inputs.forecast[MONTH] == MONTHS[0]), "Forecast"]
    assert value.tolist() == [1200.0]


def test_percent_typed_as_a_whole_number_is_read_as_a_fraction(pair):
    demand, capacity = pair
    _edit(demand, lambda wb: wb["Products"].__setitem__("F2", 35))
    inputs = read(demand, capacity)
    assert inputs.products.loc[0, "Margin floor %"] == pytest.approx(0.35)
    assert [(f.cell, f.severity) for f in inputs.findings] == [("F2", WARNING)]


def test_missing_optional_sheet_is_fine(pair):
    demand, capacity = pair
    _edit(demand, lambda wb: wb.remove(wb["Budget"]))
    inputs = read(demand, capacity)
    assert inputs.findings == []
    assert inputs.budget.empty and list(inputs.budget.columns)[-2:] == [SOURCE_ROW, SOURCE_FILE]


def test_findings_are_sorted_and_collected_from_both_files(pair):
    demand, capacity = pair
    _edit(demand, lambda wb: (wb["Forecast"].__setitem__("E3", "x"), wb["Products"].__setitem__("E2", "Old")))
    _edit(capacity, lambda wb: wb["Routings"].__setitem__("C2", "y"))
    findings = validate(demand, capacity)
    assert findings == sorted(findings)
    assert [(f.file, f.sheet, f.cell) for f in findings] == [
        ("capacity.xlsx", "Routings", "C2"),
        ("demand.xlsx", "Forecast", "E3"),
        ("demand.xlsx", "Products", "E2"),
    ]


# ---------------------------------------------------------------------------------------------------------------
# Invalid inputs: one edit, one exact finding.


def put(kind, sheet, cell, value):
    def change(books):
        books[kind][sheet][cell] = value

    return change


def clear_row(kind, sheet, row):
    def change(books):
        for cell in books[kind][sheet][row]:
            cell.value = None

    return change


def delete_sheet(kind, sheet):
    return lambda books: books[kind].remove(books[kind][sheet])


def delete_column(kind, sheet, index):
    return lambda books: books[kind][sheet].delete_cols(index)


def add_row(kind, sheet, row, values):
    return lambda books: type_rows(books[kind][sheet], [values], first_row=row)


def rename_cycle_key(kind, row, value):
    return put(kind, "Cycle", f"A{row}", value)


class _Books(dict):
    """The two workbooks, each loaded with openpyxl only when an edit touches it."""

    def __init__(self, paths: dict[str, Path]):
        super().__init__()
        self.paths = paths

    def __missing__(self, kind: str):
        self[kind] = openpyxl.load_workbook(self.paths[kind])
        return self[kind]

    def save(self) -> None:
        for kind, workbook in self.items():
            workbook.save(self.paths[kind])


JAN, FEB, MAR, MAY, JUL = (dt.datetime(2027, m, 1) for m in (1, 2, 3, 5, 7))

CASES = [
    # id, edit, (file, sheet, cell, severity, distinctive part of the message)
    (
        "text in a forecast cell",
        put("demand", "Forecast", "E3", "twelve"),
        ("demand.xlsx", "Forecast", "E3", ERROR, "'twelve' is not a number; type the units as a number"),
    ),
    (
        "text in hours",
        put("capacity", "Capacity", "D2", "TBD"),
        ("capacity.xlsx", "Capacity", "D2", ERROR, "'TBD' is not a number; type the hours as a number"),
    ),
    (
        "decimal comma",
        put("demand", "Prices", "C2", "12,5"),
        ("demand.xlsx", "Prices", "C2", ERROR, "use a point for decimals"),
    ),
    (
        "number typed as text",
        put("demand", "Forecast", "D2", " 1,200 "),
        ("demand.xlsx", "Forecast", "D2", WARNING, "' 1,200 ' is a number typed as text; read as 1200"),
    ),
    (
        "hours typed as text",
        put("capacity", "Capacity", "C2", " 35 "),
        ("capacity.xlsx", "Capacity", "C2", WARNING, "is a number typed as text; read as 35"),
    ),
    (
        "negative forecast",
        put("demand", "Forecast", "D2", -5),
        ("demand.xlsx", "Forecast", "D2", ERROR, "-5 is negative; the units cannot be below 0"),
    ),
    (
        "negative price",
        put("demand", "Prices", "C2", -1.5),
        ("demand.xlsx", "Prices", "C2", ERROR, "-1.5 is negative; the unit price cannot be below 0"),
    ),
    (
        "infinity typed",
        put("capacity", "Costs", "B2", "inf"),
        ("capacity.xlsx", "Costs", "B2", ERROR, "'inf' is not a number"),
    ),
    (
        "NaN typed",
        put("capacity", "Inventory", "B2", "NaN"),
        ("capacity.xlsx", "Inventory", "B2", ERROR, "'NaN' is not a number"),
    ),
    (
        "blank required price",
        put("demand", "Prices", "C3", None),
        ("demand.xlsx", "Prices", "C3", ERROR, "Unit price is blank; fill it in or delete the row"),
    ),
    (
        "blank required customer",
        put("demand", "Forecast", "B2", "  "),
        ("demand.xlsx", "Forecast", "B2", ERROR, "Customer is blank"),
    ),
    (
        "text in hours per unit",
        put("capacity", "Routings", "C2", "half"),
        ("capacity.xlsx", "Routings", "C2", ERROR, "'half' is not a number; type the hours per unit as a number"),
    ),
    (
        "fractional lead time",
        put("capacity", "Inventory", "F2", 2.5),
        ("capacity.xlsx", "Inventory", "F2", ERROR, "2.5 is not a whole number"),
    ),
    (
        "lead time too large to hold",
        put("capacity", "Inventory", "F2", 1e300),
        (
            "capacity.xlsx",
            "Inventory",
            "F2",
            ERROR,
            "1e+300 is too large; type the lead time (days) as a whole number below 1,000,000,000,000,000",
        ),
    ),
    (
        "percent over 100",
        put("demand", "Products", "F2", 150),
        ("demand.xlsx", "Products", "F2", ERROR, "more than 100%"),
    ),
    (
        "percent typed as 35",
        put("demand", "Products", "F2", 35),
        ("demand.xlsx", "Products", "F2", WARNING, "35 read as 35%"),
    ),
    (
        "choice not allowed",
        put("demand", "Products", "E2", "Retired"),
        ("demand.xlsx", "Products", "E2", ERROR, "'Retired' is not one of Active, Launch, Phase-out"),
    ),
    (
        "choice in lower case",
        put("demand", "Forecast", "C2", "base"),
        ("demand.xlsx", "Forecast", "C2", WARNING, "'base' read as 'Base'"),
    ),
    (
        "unknown SKU on Forecast",
        put("demand", "Forecast", "A4", "Z-999"),
        ("demand.xlsx", "Forecast", "A4", ERROR, "SKU 'Z-999' is not on Products; add it there or correct the code"),
    ),
    (
        "unknown SKU on Routings",
        put("capacity", "Routings", "A2", "Q-1"),
        ("capacity.xlsx", "Routings", "A2", ERROR, "SKU 'Q-1' is not on Inventory"),
    ),
    (
        "unknown resource",
        put("capacity", "Routings", "B2", "Line 9"),
        ("capacity.xlsx", "Routings", "B2", ERROR, "Resource 'Line 9' is not on Resources"),
    ),
    (
        "unknown material",
        put("capacity", "Bill of materials", "B2", "Copper"),
        ("capacity.xlsx", "Bill of materials", "B2", ERROR, "Material 'Copper' is not on Materials"),
    ),
    (
        "duplicate SKU",
        put("demand", "Products", "A3", "A-100"),
        ("demand.xlsx", "Products", "A3", ERROR, "SKU 'A-100' is already on row 2; keep one row for it"),
    ),
    (
        "duplicate forecast key",
        put("demand", "Forecast", "B3", "Retail"),
        (
            "demand.xlsx",
            "Forecast",
            "A3",
            ERROR,
            "SKU 'A-100' and Customer 'Retail' and Scenario 'Base' is already on row 2",
        ),
    ),
    (
        "duplicate resource",
        add_row(
            "capacity",
            "Resources",
            3,
            {"Resource": "Line 1", "Site": "South", "Regular cost per hour": 1, "Overtime cost per hour": 2},
        ),
        ("capacity.xlsx", "Resources", "A3", ERROR, "Resource 'Line 1' is already on row 2"),
    ),
    (
        "duplicate material",
        add_row("capacity", "Materials", 3, {"Material": "Steel", "Supplier": "Other", "Qualified": "No"}),
        ("capacity.xlsx", "Materials", "A3", ERROR, "Material 'Steel' is already on row 2"),
    ),
    (
        "renamed header",
        put("demand", "Forecast", "B1", "Client"),
        ("demand.xlsx", "Forecast", "B1", ERROR, "the header 'Client' should be 'Customer'; rename it back"),
    ),
    (
        "header with stray spaces",
        put("demand", "Prices", "C1", "  unit  Price "),
        ("demand.xlsx", "Prices", "C1", WARNING, "read as 'Unit price'"),
    ),
    (
        "deleted required column",
        delete_column("demand", "Products", 3),
        ("demand.xlsx", "Products", "C1", ERROR, "the column 'Family' is missing"),
    ),
    (
        "deleted optional column",
        delete_column("demand", "Commitments", 7),
        ("demand.xlsx", "Commitments", "G1", WARNING, "the column 'Notes' is missing"),
    ),
    (
        "duplicated header",
        put("demand", "Products", "G1", "SKU"),
        ("demand.xlsx", "Products", "G1", ERROR, "the header 'SKU' appears twice (also in A1)"),
    ),
    (
        "extra column",
        put("demand", "Products", "G1", "Colour"),
        (
            "demand.xlsx",
            "Products",
            "G1",
            WARNING,
            "the column 'Colour' is not part of the Products sheet; it is ignored",
        ),
    ),
    (
        "values without a header",
        put("demand", "Products", "H3", "note"),
        ("demand.xlsx", "Products", "H1", WARNING, "column H has values but no header"),
    ),
    (
        "deleted required sheet",
        delete_sheet("capacity", "Routings"),
        ("capacity.xlsx", "Routings", "", ERROR, "the sheet 'Routings' is missing"),
    ),
    (
        "deleted cycle sheet",
        delete_sheet("demand", "Cycle"),
        ("demand.xlsx", "Cycle", "", ERROR, "the sheet 'Cycle' is missing"),
    ),
    (
        "extra sheet",
        lambda books: books["demand"].create_sheet("My notes"),
        ("demand.xlsx", "My notes", "", WARNING, "is not part of the demand template; it is ignored"),
    ),
    (
        "month before the horizon",
        put("demand", "Forecast", "D1", dt.datetime(2026, 12, 1)),
        ("demand.xlsx", "Forecast", "D1", ERROR, "Dec-26 is not a month of the 6-month horizon Jan-27 to Jun-27"),
    ),
    (
        "horizon month missing",
        put("demand", "Forecast", "D1", dt.datetime(2026, 12, 1)),
        ("demand.xlsx", "Forecast", "D1", ERROR, "the column for Jan-27 is missing"),
    ),
    (
        "horizon month deleted",
        lambda books: books["capacity"]["Capacity"].delete_cols(5),
        ("capacity.xlsx", "Capacity", "E1", ERROR, "the column for Mar-27 is missing"),
    ),
    (
        "month beyond the horizon",
        put("capacity", "Capacity", "I1", JUL),
        ("capacity.xlsx", "Capacity", "I1", ERROR, "Jul-27 is not a month of the 6-month horizon"),
    ),
    (
        "month twice",
        put("capacity", "Subcontract", "E1", JAN),
        ("capacity.xlsx", "Subcontract", "E1", ERROR, "the month Jan-27 appears twice (also in D1)"),
    ),
    (
        "months out of order",
        lambda books: (
            books["demand"]["Budget"].__setitem__("C1", FEB),
            books["demand"]["Budget"].__setitem__("D1", JAN),
        ),
        ("demand.xlsx", "Budget", "D1", WARNING, "the month columns are not in date order (Jan-27 comes after Feb-27)"),
    ),
    (
        "month header in a year no plan holds",
        put("demand", "Forecast", "D1", dt.datetime(3132, 7, 1)),
        (
            "demand.xlsx",
            "Forecast",
            "D1",
            ERROR,
            "3132-07-01 is not a month the plan can use; type the month as a date between 1900 and 2200",
        ),
    ),
    (
        "month header typed as text",
        put("demand", "Forecast", "D1", "Jan-27"),
        ("demand.xlsx", "Forecast", "D1", WARNING, "the month header 'Jan-27' is not a date; read as Jan-27"),
    ),
    (
        "horizon month on Actuals",
        put("demand", "Actuals", "N1", JAN),
        (
            "demand.xlsx",
            "Actuals",
            "N1",
            ERROR,
            "Jan-27 is not a month of the 12 months before the cycle month (Jan-26 to Dec-26)",
        ),
    ),
    (
        "no month columns",
        lambda books: books["demand"]["Budget"].delete_cols(3, 6),
        ("demand.xlsx", "Budget", "C1", ERROR, "the sheet has no month columns"),
    ),
    (
        "cycle month differs",
        put("capacity", "Cycle", "B3", FEB),
        ("capacity.xlsx", "Cycle", "B3", ERROR, "Cycle month is 'Feb-27' here but 'Jan-27' in demand.xlsx"),
    ),
    (
        "horizon differs",
        put("capacity", "Cycle", "B4", 12),
        ("capacity.xlsx", "Cycle", "B4", ERROR, "Horizon (months) is '12' here but '6' in demand.xlsx"),
    ),
    (
        "currency differs",
        put("capacity", "Cycle", "B5", "USD"),
        ("capacity.xlsx", "Cycle", "B5", ERROR, "Currency is 'USD' here but 'EUR' in demand.xlsx"),
    ),
    (
        "company differs",
        put("capacity", "Cycle", "B2", "Acme Ltd"),
        ("capacity.xlsx", "Cycle", "B2", WARNING, "Company is 'Acme Ltd' here but 'Acme'"),
    ),
    (
        "cycle month not a date",
        put("demand", "Cycle", "B3", "soon"),
        ("demand.xlsx", "Cycle", "B3", ERROR, "'soon' is not a date; type the cycle month as a date"),
    ),
    ("horizon zero", put("demand", "Cycle", "B4", 0), ("demand.xlsx", "Cycle", "B4", ERROR, "0 is below 1")),
    ("horizon too long", put("demand", "Cycle", "B4", 72), ("demand.xlsx", "Cycle", "B4", ERROR, "more than 60")),
    (
        "cycle key missing",
        clear_row("capacity", "Cycle", 5),
        ("capacity.xlsx", "Cycle", "A5", ERROR, "the key 'Currency' is missing"),
    ),
    (
        "cycle currency blank",
        put("capacity", "Cycle", "B5", None),
        ("capacity.xlsx", "Cycle", "B5", ERROR, "Currency is blank"),
    ),
    (
        "unknown cycle key",
        rename_cycle_key("demand", 6, "Approved by"),
        ("demand.xlsx", "Cycle", "A6", WARNING, "'Approved by' is not a key of the Cycle sheet"),
    ),
    (
        "no routing and no subcontractor",
        clear_row("capacity", "Subcontract", 2),
        ("demand.xlsx", "Products", "A3", ERROR, "SKU 'B-200' has demand but no routing and no subcontractor"),
    ),
    (
        "demand but no costs",
        clear_row("capacity", "Costs", 3),
        ("demand.xlsx", "Products", "A3", ERROR, "SKU 'B-200' has demand but no row on Costs in capacity.xlsx"),
    ),
    (
        "demand but no inventory row",
        clear_row("capacity", "Inventory", 3),
        ("demand.xlsx", "Products", "A3", ERROR, "SKU 'B-200' has demand but no row on Inventory"),
    ),
    (
        "planned SKU not on Products",
        add_row("capacity", "Inventory", 5, {"SKU": "X-1", "Opening stock": 0}),
        ("capacity.xlsx", "Inventory", "A5", WARNING, "SKU 'X-1' is not on Products in demand.xlsx"),
    ),
    (
        "forecast without a price",
        clear_row("demand", "Prices", 4),
        ("demand.xlsx", "Forecast", "A4", ERROR, "SKU 'B-200' has forecast for customer 'Retail' but no price"),
    ),
    (
        "order without a price",
        lambda books: (
            clear_row("demand", "Prices", 4)(books),
            clear_row("demand", "Forecast", 4)(books),
            books["demand"]["Commitments"].__setitem__("C2", "B-200"),
        ),
        ("demand.xlsx", "Commitments", "C2", ERROR, "SKU 'B-200' is ordered by 'Retail' but has no price"),
    ),
    (
        "price valid too late",
        put("demand", "Prices", "D5", MAY),
        ("demand.xlsx", "Forecast", "F5", ERROR, "in Mar-27 but no price valid before May-27"),
    ),
    (
        "demand before launch",
        put("demand", "Forecast", "E5", 10),
        ("demand.xlsx", "Forecast", "E5", ERROR, "forecast of 10 in Feb-27 is before SKU 'N-300' launches in Mar-27"),
    ),
    (
        "order before launch",
        lambda books: (
            books["demand"]["Commitments"].__setitem__("C2", "N-300"),
            books["demand"]["Commitments"].__setitem__("E2", FEB),
        ),
        ("demand.xlsx", "Commitments", "E2", ERROR, "before SKU 'N-300' launches in Mar-27"),
    ),
    (
        "launch not on readiness",
        clear_row("capacity", "Launch readiness", 2),
        ("demand.xlsx", "Launches", "A2", WARNING, "launch SKU 'N-300' is not on Launch readiness"),
    ),
    (
        "launch status without launch row",
        clear_row("demand", "Launches", 2),
        ("demand.xlsx", "Products", "E4", WARNING, "has the status Launch but is not on Launches"),
    ),
    (
        "order before the cycle",
        put("demand", "Commitments", "E2", dt.datetime(2026, 12, 20)),
        ("demand.xlsx", "Commitments", "E2", WARNING, "before the cycle month Jan-27; it is planned as overdue"),
    ),
    (
        "order after the horizon",
        put("demand", "Commitments", "E2", dt.datetime(2027, 7, 1)),
        ("demand.xlsx", "Commitments", "E2", WARNING, "after the horizon ends in Jun-27; it is left out of the plan"),
    ),
    (
        "date that is not a date",
        put("demand", "Commitments", "E2", "next week"),
        ("demand.xlsx", "Commitments", "E2", ERROR, "'next week' is not a date; type the requested date as a date"),
    ),
    (
        "date in a year no plan holds (fuzz-found: an OutOfBoundsDatetime traceback)",
        put("demand", "Commitments", "E2", dt.datetime(3132, 7, 29)),
        (
            "demand.xlsx",
            "Commitments",
            "E2",
            ERROR,
            "3132-07-29 is not a date the plan can use; type the requested date as a date between 1900 and 2200",
        ),
    ),
    (
        "such a date typed as text",
        put("demand", "Commitments", "E2", "3132-07-29"),
        ("demand.xlsx", "Commitments", "E2", ERROR, "'3132-07-29' is not a date the plan can use"),
    ),
    (
        "month typed as text",
        put("demand", "Launches", "B2", "2027-03"),
        ("demand.xlsx", "Launches", "B2", WARNING, "'2027-03' is a date typed as text; read as Mar-27"),
    ),
    (
        "budget family unknown",
        put("demand", "Budget", "A2", "Gizmos"),
        ("demand.xlsx", "Budget", "A2", ERROR, "Family 'Gizmos' is not a family on Products"),
    ),
    (
        "resource without regular hours",
        add_row(
            "capacity",
            "Resources",
            3,
            {"Resource": "Line 2", "Site": "S", "Regular cost per hour": 1, "Overtime cost per hour": 2},
        ),
        ("capacity.xlsx", "Resources", "A3", WARNING, "Resource 'Line 2' has no Regular row on Capacity"),
    ),
    (
        "no base scenario",
        lambda books: [books["demand"]["Forecast"].__setitem__(f"C{r}", "Downside") for r in range(2, 6)],
        ("demand.xlsx", "Forecast", "C2", ERROR, "no row has the scenario Base"),
    ),
    (
        "formula without a saved result",
        put("demand", "Forecast", "D2", "=40+60"),
        ("demand.xlsx", "Forecast", "D2", ERROR, "holds a formula with no saved result"),
    ),
    (
        "error value",
        put("capacity", "Capacity", "C2", "#DIV/0!"),
        ("capacity.xlsx", "Capacity", "C2", ERROR, "holds the error #DIV/0!"),
    ),
    (
        "error value in a text column",
        put("demand", "Products", "B2", "#N/A"),
        ("demand.xlsx", "Products", "B2", ERROR, "Description holds the error #N/A"),
    ),
    (
        "formula without a saved result in a number column",
        put("capacity", "Costs", "B3", "=1+1"),
        ("capacity.xlsx", "Costs", "B3", ERROR, "Material cost per unit holds a formula with no saved result"),
    ),
    (
        "header formula without a saved result",
        put("demand", "Prices", "D1", "=1+1"),
        ("demand.xlsx", "Prices", "D1", ERROR, "the header holds a formula with no saved result"),
    ),
    (
        "error value alone on a row",
        put("capacity", "Costs", "B8", "#DIV/0!"),
        ("capacity.xlsx", "Costs", "B8", ERROR, "Material cost per unit holds the error #DIV/0!"),
    ),
    (
        "sheet renamed in lower case",
        lambda books: setattr(books["demand"]["Assumptions"], "title", "Assumptions "),
        ("demand.xlsx", "Assumptions ", "", WARNING, "sheet 'Assumptions ' read as 'Assumptions'"),
    ),
    (
        "required sheet emptied",
        clear_row("capacity", "Resources", 2),
        ("capacity.xlsx", "Resources", "A2", ERROR, "the sheet Resources has no rows; it is required"),
    ),
    # Magnitudes: every number has a bound (schema.py); beyond it is an error on its cell, never a traceback later.
    (
        "forecast of 1e300",
        put("demand", "Forecast", "D2", 1e300),
        (
            "demand.xlsx",
            "Forecast",
            "D2",
            ERROR,
            "1e+300 is more than 1,000,000,000,000, the most the units can be; check the value",
        ),
    ),
    (
        "price of 1e300",
        put("demand", "Prices", "C2", 1e300),
        ("demand.xlsx", "Prices", "C2", ERROR, "1e+300 is more than 1,000,000,000, the most the unit price can be"),
    ),
    (
        "hours per unit of 1e300",
        put("capacity", "Routings", "C2", 1e300),
        ("capacity.xlsx", "Routings", "C2", ERROR, "is more than 1,000,000, the most the hours per unit can be"),
    ),
    (
        "hours typed as text beyond the bound",
        put("capacity", "Capacity", "C2", "2e12"),
        ("capacity.xlsx", "Capacity", "C2", ERROR, "2000000000000 is more than 1,000,000,000,000"),
    ),
    (
        "lead time of 5,000 days",
        put("capacity", "Inventory", "F2", 5000),
        ("capacity.xlsx", "Inventory", "F2", ERROR, "5000 is more than 3,650, the most the lead time (days) can be"),
    ),
    (
        "budget of 1e16",
        put("demand", "Budget", "C2", 1e16),
        ("demand.xlsx", "Budget", "C2", ERROR, "is more than 1,000,000,000,000,000, the most the budget figure can be"),
    ),
    # Text with two readings is an error naming both; with one reading, a warning as before.
    (
        "price with a point between thousands",
        put("demand", "Prices", "C2", "1.200"),
        ("demand.xlsx", "Prices", "C2", ERROR, "'1.200' could be 1.2 or 1,200 (a point between thousands)"),
    ),
    (
        "date with two readings",
        put("demand", "Commitments", "E2", "03/04/2027"),
        ("demand.xlsx", "Commitments", "E2", ERROR, "'03/04/2027' could be 3 April 2027 or 4 March 2027"),
    ),
    (
        "date with one reading typed as text",
        put("demand", "Commitments", "E2", "13/02/2027"),
        ("demand.xlsx", "Commitments", "E2", WARNING, "'13/02/2027' is a date typed as text; read as 2027-02-13"),
    ),
    (
        "month header with two readings",
        put("demand", "Budget", "D1", "01/02/2027"),
        ("demand.xlsx", "Budget", "D1", ERROR, "the month header '01/02/2027' could be Feb-27 or Jan-27"),
    ),
    # Codes spelled two ways are one code: an error naming both spellings and cells.
    (
        "customer spelled two ways",
        put("demand", "Prices", "B3", "ONLINE"),
        (
            "demand.xlsx",
            "Prices",
            "B3",
            ERROR,
            "Customer 'ONLINE' and 'Online' (Customers!A3) differ only in case, so they would count as two "
            "customers; spell it 'Online'",
        ),
    ),
    (
        "SKU on Products twice, in two cases",
        add_row("demand", "Products", 5, {"SKU": "a-100", "Family": "Widgets", "Status": "Active"}),
        (
            "demand.xlsx",
            "Products",
            "A5",
            ERROR,
            "SKU 'a-100' and 'A-100' (Products!A2) differ only in case, so they would count as two SKUs; keep one "
            "row for it",
        ),
    ),
    (
        "SKU with a zero-width space",
        put("demand", "Forecast", "A4", "B-200\u200b"),
        (
            "demand.xlsx",
            "Forecast",
            "A4",
            ERROR,
            "SKU 'B-200⟨U+200B⟩' and 'B-200' (Products!A3) differ only in a zero-width space (U+200B), which Excel "
            "does not show, so they would count as two SKUs; spell it 'B-200'",
        ),
    ),
    (
        "family spelled two ways on Products",
        put("demand", "Products", "C3", "gadgets"),
        (
            "demand.xlsx",
            "Products",
            "C4",
            ERROR,
            "Family 'Gadgets' and 'gadgets' (Products!C3) differ only in case, so they would count as two families; "
            "spell it 'gadgets'",
        ),
    ),
    (
        "resource in capitals on Routings",
        put("capacity", "Routings", "B2", "LINE 1"),
        ("capacity.xlsx", "Routings", "B2", ERROR, "Resource 'LINE 1' and 'Line 1' (Resources!A2) differ only in case"),
    ),
    (
        "SKU spelled another way in the other template",
        put("capacity", "Inventory", "A3", "b-200"),
        (
            "capacity.xlsx",
            "Inventory",
            "A3",
            ERROR,
            "SKU 'b-200' and 'B-200' (Products!A3 in demand.xlsx) differ only in case, so they would count as two "
            "SKUs; spell it 'B-200'",
        ),
    ),
]


# Edits whose finding rightly brings others (a month header replaced is both a stray month and a missing one; a
# SKU renamed leaves the old one without its rows). Every other edit must give its one finding and nothing else.
FOLLOW_ON = {
    "unknown SKU on Routings",
    "duplicate SKU",
    "month before the horizon",
    "horizon month missing",
    "month header in a year no plan holds",
    "month twice",
    "horizon month on Actuals",
    "demand but no inventory row",
    "required sheet emptied",
    "header formula without a saved result",
    "error value alone on a row",
    "month header with two readings",
}


@pytest.mark.parametrize("case, change, expected", CASES, ids=[c[0] for c in CASES])
def test_bad_cell_gives_the_exact_finding(pair, case, change, expected):
    demand, capacity = pair
    books = _Books({"demand": demand, "capacity": capacity})
    change(books)
    books.save()
    file, sheet, cell, severity, message = expected
    findings = validate(demand, capacity)
    matches = [
        f
        for f in findings
        if (f.file, f.sheet, f.cell, f.severity) == (file, sheet, cell, severity) and message in f.message
    ]
    assert matches, "\n".join(str(f) for f in findings)
    if case not in FOLLOW_ON:
        assert len(findings) == 1, "\n".join(str(f) for f in findings)


def test_a_month_header_out_of_range_never_reaches_the_tables_without_a_cycle(pair):
    # Without a cycle (both Cycle sheets unreadable) the month columns are read as they are. A header in the year
    # 3132 became 1963-05-23 in the Forecast table, with no finding of its own.
    demand, capacity = pair
    books = _Books({"demand": demand, "capacity": capacity})
    for kind in ("demand", "capacity"):
        for row in range(2, 8):
            books[kind]["Cycle"].cell(row=row, column=2).value = "garbage"
    books["demand"]["Forecast"]["D1"] = dt.datetime(3132, 7, 1)
    books.save()
    inputs = read(demand, capacity)
    assert any(
        (f.sheet, f.cell) == ("Forecast", "D1") and "3132-07-01 is not a month the plan can use" in f.message
        for f in inputs.findings
    )
    months = inputs.forecast["Month"]
    assert len(months) and months.dt.year.between(2027, 2027).all()


def test_calamine_gives_every_unusable_cell_as_blank(tmp_path):
    # The reader searches a sheet's XML for unusable cells only where calamine gives a blank cell: that is sound only
    # while calamine gives every cell `_unusable_cells` finds as blank, whatever its type and formula.
    workbook = openpyxl.Workbook()
    workbook.active.title = "Sheet"
    workbook.save(tmp_path / "plain.xlsx")
    with zipfile.ZipFile(tmp_path / "plain.xlsx") as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    cells = [
        b'<c r="A1" t="e"><v>#DIV/0!</v></c>',
        b'<c r="B1" t="e"><f>NA()</f><v>#N/A</v></c>',
        b'<c r="C1"><f>1/0</f></c>',
        b'<c r="D1"><f>1+1</f><v></v></c>',
        b'<c r="E1" t="n"><f>1+1</f><v></v></c>',
        b'<c r="F1" t="b"><f>TRUE()</f><v></v></c>',
        b'<c r="G1" t="s"><f>A1</f></c>',
        b'<c r="H1" t="d"><f>TODAY()</f><v></v></c>',
        b'<c r="I1"><v>2</v></c>',
    ]
    xml = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
        + b"".join(cells)
        + b"</row></sheetData></worksheet>"
    )
    parts["xl/worksheets/sheet1.xml"] = xml
    with zipfile.ZipFile(tmp_path / "unusable.xlsx", "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    grid = (
        CalamineWorkbook.from_path(str(tmp_path / "unusable.xlsx"))
        .get_sheet_by_name("Sheet")
        .to_python(skip_empty_area=False)
    )
    unusable = unusable_cells(xml)
    assert sorted(unusable) == [(1, i) for i in range(8)]
    assert grid == [["", "", "", "", "", "", "", "", 2.0]]


def test_a_case_table_of_at_least_forty():
    assert len(CASES) >= 40


# ---------------------------------------------------------------------------------------------------------------
# Files that are not templates: one clear finding, never a traceback.


def _ole(extra: bytes) -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + extra


FILE_CASES = [
    (
        "csv renamed",
        "demand.xlsx",
        lambda p, good: p.write_text("SKU,Customer\nA-100,Retail\n"),
        "is not an Excel workbook (.xlsx) — perhaps a CSV",
    ),
    ("pdf renamed", "demand.xlsx", lambda p, good: p.write_bytes(b"%PDF-1.7\n..."), "is a PDF"),
    ("truncated", "demand.xlsx", lambda p, good: p.write_bytes(good.read_bytes()[:3000]), "is damaged or incomplete"),
    ("legacy xls", "demand.xls", lambda p, good: p.write_bytes(_ole(b"Workbook")), "Excel 97-2003 workbook (.xls)"),
    (
        "password protected",
        "demand.xlsx",
        lambda p, good: p.write_bytes(_ole("EncryptionInfo".encode("utf-16-le"))),
        "is password-protected",
    ),
    ("macro workbook", "demand.xlsm", lambda p, good: shutil.copy(good, p), "is a macro-enabled workbook (.xlsm)"),
    ("empty file", "demand.xlsx", lambda p, good: p.write_bytes(b""), "is empty"),
    (
        "zip that is not a workbook",
        "demand.xlsx",
        lambda p, good: zipfile.ZipFile(p, "w").writestr("notes.txt", "hello"),
        "is a zip file but not an Excel",
    ),
    ("missing file", "demand.xlsx", lambda p, good: None, "was not found"),
]


@pytest.mark.parametrize("name, make, message", [c[1:] for c in FILE_CASES], ids=[c[0] for c in FILE_CASES])
def test_a_file_that_is_not_a_template_gives_one_clear_error(base_pair, tmp_path, name, make, message):
    path = tmp_path / name
    make(path, base_pair[0])
    inputs = read(path, base_pair[1])
    about_file = [f for f in inputs.findings if f.file == name]
    assert len(about_file) == 1, about_file
    assert (about_file[0].sheet, about_file[0].cell, about_file[0].severity) == ("", "", ERROR)
    assert message in about_file[0].message and name in about_file[0].message
    # The readable capacity file is still read, and the plan's cycle comes from it.
    assert inputs.cycle.cycle_month == CYCLE.cycle_month
    assert len(inputs.resources) == 1
    assert inputs.products.empty


# ---------------------------------------------------------------------------------------------------------------
# Cells


@pytest.mark.parametrize(
    "raw, value, severity",
    [
        (12.0, 12.0, None),
        (" 35 ", 35.0, WARNING),
        ("1,200", 1200.0, WARNING),
        ("1,200.5", 1200.5, WARNING),
        ("1 200", 1200.0, WARNING),
        ("-3", None, ERROR),
        ("twelve", None, ERROR),
        ("1,20", None, ERROR),
        (True, None, ERROR),
        (dt.date(2027, 1, 1), None, ERROR),
        (float("inf"), None, ERROR),
        (float("nan"), None, ERROR),
        ("nan", None, ERROR),
        ("1e3", 1000.0, WARNING),
    ],
)
def test_parse_number(raw, value, severity):
    parsed = parse_number(raw, "units")
    assert (parsed.value, parsed.severity) == (value, severity)


@pytest.mark.parametrize(
    "kind, raw, value, severity",
    [
        (schema.MONTH, dt.date(2027, 3, 15), pd.Timestamp("2027-03-01"), None),
        (schema.MONTH, "Mar-27", pd.Timestamp("2027-03-01"), WARNING),
        (schema.MONTH, "March 2027", pd.Timestamp("2027-03-01"), WARNING),
        (schema.MONTH, 46447.0, pd.Timestamp("2027-03-01"), WARNING),
        (schema.MONTH, 12.0, None, ERROR),
        (schema.DATE, dt.datetime(2027, 3, 15, 10, 30), pd.Timestamp("2027-03-15"), None),
        (schema.DATE, "2027-03-15", pd.Timestamp("2027-03-15"), WARNING),
        (schema.DATE, "someday", None, ERROR),
        (schema.PERCENT, 0.35, 0.35, None),
        (schema.PERCENT, "35%", 0.35, WARNING),
        (schema.PERCENT, 35.0, 0.35, WARNING),
        (schema.INTEGER, 7.0, 7, None),
        (schema.TEXT, 1001.0, "1001", None),
        (schema.TEXT, "  two   words ", "two words", None),
    ],
)
def test_parse_cell_by_kind(kind, raw, value, severity):
    parsed = parse_cell(raw, schema.Column("X", kind))
    assert parsed.severity == severity
    assert parsed.value == pytest.approx(value) if isinstance(value, float) else parsed.value == value


@pytest.mark.parametrize("index, letters", [(0, "A"), (25, "Z"), (26, "AA"), (27, "AB"), (701, "ZZ"), (702, "AAA")])
def test_column_letter(index, letters):
    assert column_letter(index) == letters
    assert letters == openpyxl.utils.get_column_letter(index + 1)


def test_without_any_cycle_only_the_missing_cycle_sheets_are_reported(pair):
    demand, capacity = pair
    for path in pair:
        _edit(path, lambda wb: wb.remove(wb["Cycle"]))
    findings = validate(demand, capacity)
    assert [(f.file, f.sheet, f.severity) for f in findings] == [
        ("capacity.xlsx", "Cycle", ERROR),
        ("demand.xlsx", "Cycle", ERROR),
    ]


def test_hidden_helper_sheet_is_not_reported(pair):
    demand, capacity = pair

    def add_hidden(workbook):
        workbook.create_sheet("Lists").sheet_state = "hidden"

    _edit(demand, add_hidden)
    assert validate(demand, capacity) == []


def test_file_saved_by_libreoffice_reads_back_with_formula_results(pair, tmp_path):
    libreoffice = pytest.importorskip("libreoffice")
    demand, capacity = pair
    # A planner's formula: LibreOffice calculates it and saves the result, which the reader takes.
    _edit(demand, lambda wb: wb["Forecast"].__setitem__("D2", "=40+60+10"))
    saved = [libreoffice.convert(path, "xlsx", tmp_path / "saved", tmp_path / "work") for path in (demand, capacity)]
    inputs = read(*saved)
    assert inputs.findings == []
    first = inputs.forecast[(inputs.forecast[SOURCE_ROW] == 2) & (inputs.forecast[MONTH] == MONTHS[0])]
    assert first["Forecast"].tolist() == [110.0]
    pd.testing.assert_frame_equal(_comparable(inputs.capacity), _comparable(small_inputs().capacity), check_dtype=False)


def test_blank_valid_from_means_the_cycle_month_and_blank_customer_all_customers(pair):
    demand, capacity = pair
    _edit(demand, lambda wb: wb["Prices"].__setitem__("D4", None))
    inputs = read(demand, capacity)
    assert inputs.findings == []
    row = inputs.prices[inputs.prices[SOURCE_ROW] == 4].iloc[0]
    assert (row["SKU"], row["Customer"], row["Valid from"]) == ("B-200", "", CYCLE.cycle_month)


def test_a_damaged_sheet_is_one_finding_and_the_rest_is_read(pair):
    demand, capacity = pair
    data = bytearray(demand.read_bytes())
    part = guard(demand, Role("the demand template", "template")).sheet_parts["Forecast"]
    with zipfile.ZipFile(demand) as archive:
        info = archive.getinfo(part)
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start + info.compress_size // 2, start + info.compress_size // 2 + 50):
        data[i] ^= 0x5A
    demand.write_bytes(bytes(data))
    inputs = read(demand, capacity)
    damaged = [f for f in inputs.findings if f.sheet == "Forecast"]
    assert [(f.severity, f.cell) for f in damaged] == [(ERROR, "")]
    assert "the sheet cannot be read" in damaged[0].message
    assert inputs.forecast.empty and len(inputs.products) == 3


@settings(max_examples=60, deadline=None)
@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_numbers_typed_with_thousands_separators_read_back(number):
    typed = f"{number:,.2f}"
    parsed = parse_number(typed, "units")
    assert parsed.severity == WARNING
    assert parsed.value == pytest.approx(float(number))


def test_files_given_the_wrong_way_round_give_one_error_each(base_pair):
    demand, capacity = base_pair
    findings = validate(capacity, demand)
    assert [(f.file, f.sheet, f.cell, f.severity) for f in findings] == [
        ("capacity.xlsx", "", "", ERROR),
        ("demand.xlsx", "", "", ERROR),
    ]
    assert "capacity.xlsx is the capacity template, not the demand template" in findings[0].message


def test_build_inputs_copies_the_tables_given():
    cycle = Cycle("Co", pd.Timestamp("2027-01-01"), 3, "EUR", {})
    products = pd.DataFrame({"SKU": ["A"], "Family": ["F"]})
    copied = build_inputs(cycle, products=products)
    products.loc[0, "SKU"] = "B"
    assert copied.products.loc[0, "SKU"] == "A"


def test_two_unreadable_files_give_two_findings_and_empty_inputs(tmp_path):
    demand, capacity = tmp_path / "demand.xlsx", tmp_path / "capacity.xlsx"
    demand.write_text("not a workbook")
    inputs = read(demand, capacity)
    assert [(f.file, f.severity) for f in inputs.findings] == [("capacity.xlsx", ERROR), ("demand.xlsx", ERROR)]
    assert inputs.forecast.empty and inputs.sources[0].name == "demand.xlsx" and len(inputs.sources) == 1


def test_text_longer_than_a_cell_holds_is_an_error_not_cut(pair):
    # Excel, openpyxl and xlsxwriter stop at 32,767 characters, but other programs write more, and calamine reads
    # it all: a description of 40,000 characters would be cut silently in the pack.
    demand, capacity = pair
    part = guard(demand, Role("the demand template", "template")).sheet_parts["Products"]
    with zipfile.ZipFile(demand) as archive:
        parts = {info.filename: archive.read(info.filename) for info in archive.infolist()}
    assert parts[part].count(b"<t>Widget</t>") == 1
    parts[part] = parts[part].replace(b"<t>Widget</t>", b"<t>" + b"w" * 40_000 + b"</t>")
    with zipfile.ZipFile(demand, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    findings = validate(demand, capacity)
    assert [(f.sheet, f.cell, f.severity, f.message) for f in findings] == [
        (
            "Products",
            "B2",
            ERROR,
            "the text is 40,000 characters long, more than the 32,767 a cell can hold; shorten it",
        )
    ]


# --- Issue 24: the customer master, one side alone, one file per team ------------------------------------------


def test_an_unknown_customer_names_the_cell_and_the_closest_known_names(pair):
    demand, capacity = pair
    _edit(demand, lambda wb: wb["Forecast"].__setitem__("B2", "Retial"))
    findings = validate(demand, capacity)
    [finding] = [f for f in findings if f.cell == "B2" and f.sheet == "Forecast"]
    assert (finding.severity, finding.message) == (
        ERROR,
        "Customer 'Retial' is not on Customers (closest: 'Retail'); add it there or correct the name",
    )


def test_without_customers_listed_customers_are_taken_as_written_with_a_warning(pair):
    demand, capacity = pair
    _edit(demand, lambda wb: wb["Customers"].delete_rows(2, 10))
    findings = validate(demand, capacity)
    assert [(f.sheet, f.cell, f.severity) for f in findings] == [("Customers", "A2", WARNING)]
    assert "taken as written" in findings[0].message


def test_a_priority_must_be_a_whole_number_from_1(pair):
    demand, capacity = pair
    _edit(demand, lambda wb: wb["Customers"].__setitem__("D2", 0))
    [finding] = validate(demand, capacity)
    assert (finding.sheet, finding.cell, finding.severity) == ("Customers", "D2", ERROR)


def test_one_side_alone_is_checked_without_the_other(base_pair):
    # Sales checks its own file: no error for the capacity file it does not have.
    assert validate(base_pair[0]) == []
    assert validate(base_pair[1]) == []


def test_one_file_is_recognised_by_its_sheets_and_its_own_errors_found(pair):
    demand, _ = pair
    _edit(demand, lambda wb: wb["Forecast"].__setitem__("A2", "ZZ-9"))
    [finding] = [f for f in validate(demand) if f.severity == ERROR]
    assert (finding.file, finding.sheet, finding.cell) == ("demand.xlsx", "Forecast", "A2")


def test_a_folder_with_another_sides_file_a_pack_and_lock_files(base_pair, tmp_path):
    folder = tmp_path / "sales"
    folder.mkdir()
    shutil.copy(base_pair[0], folder / "north.xlsx")
    shutil.copy(base_pair[1], folder / "plant.xlsx")  # the other side's file: an error naming it
    (folder / "~$north.xlsx").write_bytes(b"lock")  # Excel's lock file: not read
    (folder / ".hidden.xlsx").write_bytes(b"hidden")  # a hidden file: not read
    (folder / "notes.txt").write_text("not a workbook")  # not an .xlsx: not read
    findings = validate(folder, base_pair[1])
    assert [(f.file, f.severity) for f in findings] == [("plant.xlsx", ERROR)]
    assert findings[0].message == (
        "plant.xlsx is a capacity template, not a demand template; move it out of a folder of demand templates"
    )


def _split_forecast(base_pair, folder) -> tuple[Path, Path]:
    """The demand of `base_pair` as two team files: north.xlsx with everything but Forecast row 3 (A-100 for
    Online), south.xlsx with only that row on its Forecast (and its Cycle sheet)."""
    folder.mkdir()
    north, south = folder / "north.xlsx", folder / "south.xlsx"
    shutil.copy(base_pair[0], north)
    shutil.copy(base_pair[0], south)
    _edit(north, lambda wb: wb["Forecast"].delete_rows(3))

    def only_row_3(wb):
        for name in wb.sheetnames:
            if name not in ("Cycle", "Forecast", "Instructions"):
                del wb[name]
        wb["Forecast"].delete_rows(4, 10)
        wb["Forecast"].delete_rows(2)

    _edit(south, only_row_3)
    return north, south


def test_a_folder_of_team_files_reads_as_the_one_file(base_pair, tmp_path):
    _split_forecast(base_pair, tmp_path / "sales")
    whole = read(*base_pair)
    split = read(tmp_path / "sales", base_pair[1])
    assert split.findings == []
    for attribute in SHEET_ATTRIBUTES.values():
        one, many = _comparable(getattr(whole, attribute)), _comparable(getattr(split, attribute))
        pd.testing.assert_frame_equal(one.drop(columns=[SOURCE_FILE]), many.drop(columns=[SOURCE_FILE]))
    # Each row names its own file; the lineage lists each file with the rows it gave.
    online = split.forecast[split.forecast["Customer"] == "Online"]
    assert set(online[SOURCE_FILE]) == {"south.xlsx"} and set(online[SOURCE_ROW]) == {2}
    rows = {source.name: source.rows for source in split.sources}
    assert rows["south.xlsx"] == {"Forecast": 1}
    assert rows["north.xlsx"]["Forecast"] == 4


def test_a_forecast_line_in_two_files_is_refused_naming_both(base_pair, tmp_path):
    north, south = _split_forecast(base_pair, tmp_path / "sales")
    # The south team types the line the north file already has (A-100, Retail, Base on its row 2).
    _edit(
        south, lambda wb: [wb["Forecast"].__setitem__(f"{c}2", v) for c, v in zip("ABC", ("A-100", "Retail", "Base"))]
    )
    findings = validate(tmp_path / "sales", base_pair[1])
    assert [str(f) for f in findings] == [
        "south.xlsx, Forecast!A2: error: SKU 'A-100' and Customer 'Retail' and Scenario 'Base' is also on "
        "Forecast!A2 in north.xlsx; a line in two files would be counted twice: keep it in one file"
    ]


def test_a_reference_row_may_repeat_only_identically(base_pair, tmp_path):
    north, south = _split_forecast(base_pair, tmp_path / "sales")
    master = tmp_path / "sales" / "zz-master.xlsx"
    shutil.copy(north, master)

    def reference_only(wb):
        for name in ("Forecast", "Commitments", "Budget", "Actuals"):
            wb[name].delete_rows(2, 50)

    _edit(master, reference_only)
    # Products, Customers, Prices and Launches again, identically: each row is read once.
    split = read(tmp_path / "sales", base_pair[1])
    assert split.findings == []
    assert len(split.products) == len(read(*base_pair).products)
    assert set(split.products[SOURCE_FILE]) == {"north.xlsx"}
    _edit(north, lambda wb: wb["Customers"].__setitem__("B2", "Outlets"))
    errors = [f for f in validate(tmp_path / "sales", base_pair[1]) if f.severity == ERROR]
    assert [str(f) for f in errors] == [
        "zz-master.xlsx, Customers!A2: error: Customer 'Retail' is also on Customers!A2 in north.xlsx with other "
        "values (Channel 'Outlets' there, 'Stores' here); a row may repeat in several files only as the same row: "
        "make them the same or keep one"
    ]


def test_required_sheets_are_required_across_the_folder_and_cycles_must_agree(base_pair, tmp_path):
    north, south = _split_forecast(base_pair, tmp_path / "sales")
    north.unlink()  # south.xlsx has only a Forecast: Products, required, is on no file
    findings = validate(tmp_path / "sales", base_pair[1])
    products = [f for f in findings if f.sheet == "Products"]
    assert [(f.file, f.severity) for f in products] == [("sales/", ERROR)]
    assert "is missing in every file of the folder" in products[0].message
    _split_forecast(base_pair, tmp_path / "east")
    _edit(tmp_path / "east" / "south.xlsx", lambda wb: wb["Cycle"].__setitem__("B4", 12))
    [finding] = [f for f in validate(tmp_path / "east", base_pair[1]) if f.sheet == "Cycle"]
    assert str(finding) == (
        "south.xlsx, Cycle!B4: error: Horizon (months) is '12' here but '6' in north.xlsx; every file of the "
        "folder east/ must be for the same cycle"
    )
