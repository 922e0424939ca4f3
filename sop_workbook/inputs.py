"""The validated inputs: the reader's output and the planner's input.

Every table is a pandas DataFrame whose column names are the template's headers (see `schema.py`). Sheets with
month columns are in long form: one row per key and month, the month in a column "Month" (a first-of-month
Timestamp) and the value in the column the schema names (`Sheet.month_value`: "Forecast", "Hours", ...).
Every DataFrame also has a column "Source row": the Excel row the values came from, and a column "Source file":
the name of the file it came from (one side may be a folder of files), for the Inputs sheet of the meeting pack
and for findings raised after reading. Optional sheets that are absent are empty DataFrames with
the same columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .errors import ERROR, Finding
from .schema import template

SOURCE_ROW = "Source row"
SOURCE_FILE = "Source file"
MONTH = "Month"


@dataclass(frozen=True)
class Cycle:
    """The planning cycle, from the Cycle sheets.

    Attributes:
        company: The company's name.
        cycle_month: The first month of the plan (a first-of-month Timestamp).
        horizon: The number of months planned.
        currency: The currency code of every price and cost.
        prepared_by: Who prepared the demand and the capacity template, as {"demand": ..., "capacity": ...}.
    """

    company: str
    cycle_month: pd.Timestamp
    horizon: int
    currency: str
    prepared_by: dict[str, str] = field(default_factory=dict)

    @property
    def months(self) -> list[pd.Timestamp]:
        """The months of the horizon, first of month, in order."""
        return list(pd.date_range(self.cycle_month, periods=self.horizon, freq="MS"))

    @property
    def past_months(self) -> list[pd.Timestamp]:
        """The 12 months before the cycle month (the Actuals columns), in order."""
        return list(pd.date_range(self.cycle_month - pd.DateOffset(months=12), periods=12, freq="MS"))


@dataclass(frozen=True)
class SourceFile:
    """An input file as read: for the lineage of the meeting pack.

    Attributes:
        kind: "demand" or "capacity".
        path: The path it was read from.
        name: Its file name.
        sha256: The SHA-256 of its bytes, in hex.
        rows: The data rows read from it, by sheet ({"Forecast": 120, ...}); a side given as a folder lists one
            SourceFile per file.
    """

    kind: str
    path: str
    name: str
    sha256: str
    rows: dict[str, int] = field(default_factory=dict)


@dataclass
class Inputs:
    """Both templates, read and validated.

    Attributes (DataFrames; columns as in the templates, plus "Source row"):
        cycle: The planning cycle.
        products: SKU, Description, Family, Unit, Status, Margin floor % (a fraction, NaN when none).
        customers: Customer, Channel, Region, Priority (a whole number, 1 the highest; NaN when blank = lowest),
            Owner. Empty when the demand template lists no customers (they are then taken as written).
        forecast: SKU, Customer, Scenario, Month, Forecast (long form).
        prices: SKU, Customer ("" = all customers), Unit price, Valid from (Timestamp; the cycle month when
            blank).
        commitments: Order ref, Customer, SKU, Quantity, Requested date, Status, Notes.
        launches: SKU, Launch month, Notes.
        budget: Family, Measure, Month, Budget (long form).
        actuals: SKU, Customer, Month, Actual (long form; the 12 months before the cycle month).
        assumptions: Topic, Assumption, Impact, Owner.
        resources: Resource, Site, Regular cost per hour, Overtime cost per hour.
        capacity: Resource, Kind, Month, Hours (long form).
        routings: SKU, Resource, Hours per unit.
        costs: SKU, Material cost per unit, Other variable cost per unit, Holding cost per unit-month,
            Unmet demand, Backlog cost per unit-month.
        subcontract: SKU, Subcontractor, Cost per unit, Month, Max units (long form).
        inventory: SKU, Opening stock, Safety stock, Target closing stock, Max stock (NaN = no limit),
            Lead time (days).
        materials: Material, Supplier, Qualified, Lead time (days), Month, Available (long form).
        bill_of_materials: SKU, Material, Quantity per unit.
        launch_readiness: SKU, Supplier qualified, Process validated, Ready from month, Notes.
        risks: Risk, Affects, Impact, Mitigation, Owner.
        findings: Every finding of the reader (errors and warnings), sorted by file, sheet and row.
        sources: The two files read, for the lineage.
    """

    cycle: Cycle
    products: pd.DataFrame
    customers: pd.DataFrame
    forecast: pd.DataFrame
    prices: pd.DataFrame
    commitments: pd.DataFrame
    launches: pd.DataFrame
    budget: pd.DataFrame
    actuals: pd.DataFrame
    assumptions: pd.DataFrame
    resources: pd.DataFrame
    capacity: pd.DataFrame
    routings: pd.DataFrame
    costs: pd.DataFrame
    subcontract: pd.DataFrame
    inventory: pd.DataFrame
    materials: pd.DataFrame
    bill_of_materials: pd.DataFrame
    launch_readiness: pd.DataFrame
    risks: pd.DataFrame
    findings: list[Finding] = field(default_factory=list)
    sources: list[SourceFile] = field(default_factory=list)

    @property
    def months(self) -> list[pd.Timestamp]:
        """The months of the horizon."""
        return self.cycle.months

    @property
    def scenarios(self) -> list[str]:
        """The scenarios present in the forecast, Base first, then Upside and Downside."""
        # unique() first: a set of a pandas string column would walk every row in Python.
        present = set(self.forecast["Scenario"].unique()) if len(self.forecast) else set()
        return [s for s in ("Base", "Upside", "Downside") if s in present or s == "Base"]

    @property
    def errors(self) -> list[Finding]:
        """The findings that stop planning."""
        return [f for f in self.findings if f.severity == ERROR]


# The attribute of Inputs that holds each template sheet, by (template kind, sheet name).
SHEET_ATTRIBUTES = {
    ("demand", "Products"): "products",
    ("demand", "Customers"): "customers",
    ("demand", "Forecast"): "forecast",
    ("demand", "Prices"): "prices",
    ("demand", "Commitments"): "commitments",
    ("demand", "Launches"): "launches",
    ("demand", "Budget"): "budget",
    ("demand", "Actuals"): "actuals",
    ("demand", "Assumptions"): "assumptions",
    ("capacity", "Resources"): "resources",
    ("capacity", "Capacity"): "capacity",
    ("capacity", "Routings"): "routings",
    ("capacity", "Costs"): "costs",
    ("capacity", "Subcontract"): "subcontract",
    ("capacity", "Inventory"): "inventory",
    ("capacity", "Materials"): "materials",
    ("capacity", "Bill of materials"): "bill_of_materials",
    ("capacity", "Launch readiness"): "launch_readiness",
    ("capacity", "Risks"): "risks",
}


def table_columns(kind: str, sheet_name: str) -> list[str]:
    """The DataFrame columns of one template sheet as held in `Inputs` (long form for month sheets).

    Args:
        kind: "demand" or "capacity".
        sheet_name: The sheet's name, as in the schema.

    Returns:
        The column names, "Source row" and "Source file" last.
    """
    sheet = template(kind).sheet(sheet_name)
    columns = [c.header for c in sheet.columns]
    if sheet.months:
        columns += [MONTH, sheet.month_value]
    return columns + [SOURCE_ROW, SOURCE_FILE]


def build_inputs(
    cycle: Cycle,
    findings: list[Finding] | None = None,
    sources: list[SourceFile] | None = None,
    **tables: pd.DataFrame,
) -> Inputs:
    """Assemble an `Inputs` from tables given by attribute name; absent tables become empty DataFrames.

    A table without a "Source row" column gets one numbered from 2 (the first row under the header), and one
    without a "Source file" the template's file name (demand.xlsx, capacity.xlsx), so that inputs built in code
    (tests, generators) look like inputs read from a file.

    Args:
        cycle: The planning cycle.
        findings: The reader's findings, if any.
        sources: The files read, if any.
        **tables: DataFrames keyed by the attribute names of `Inputs` (products=..., forecast=...).

    Returns:
        The Inputs, with every table holding at least the schema's columns.
    """
    unknown = set(tables) - set(SHEET_ATTRIBUTES.values())
    if unknown:
        raise TypeError(f"unknown tables: {sorted(unknown)}")
    built = {}
    for (kind, sheet_name), attribute in SHEET_ATTRIBUTES.items():
        columns = table_columns(kind, sheet_name)
        frame = tables.get(attribute)
        if frame is None:
            frame = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
        else:
            frame = frame.reset_index(drop=True).copy()  # the caller's frames stay the caller's
            if SOURCE_ROW not in frame.columns:
                frame[SOURCE_ROW] = range(2, len(frame) + 2)
            if SOURCE_FILE not in frame.columns:
                frame[SOURCE_FILE] = template(kind).filename
            defaults = {c.header: c.default for c in template(kind).sheet(sheet_name).columns}
            for column in columns:
                if column not in frame.columns:
                    # A column left out takes the schema's default for a blank cell, as the reader would.
                    frame[column] = pd.Series([defaults.get(column)] * len(frame), dtype=object)
        built[attribute] = frame
    return Inputs(cycle=cycle, findings=sorted(findings or []), sources=list(sources or []), **built)
