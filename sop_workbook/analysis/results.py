"""The analyses' contract: `Results`, the columns of each of its tables, and the words that name binding
constraints, levers and commitment checks.

Every DataFrame has a "Scenario" column (Base, Upside, Downside) unless said otherwise. Months are first-of-month
Timestamps in a column "Month". Money is in the cycle currency. Column names are the planners' words and are used
unchanged as the workbook's labels and Plan Data's measures.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..inputs import Inputs

SCENARIO_ORDER = ("Base", "Upside", "Downside")

# Binding constraint kinds of a gap.
RESOURCE, MATERIAL, LAUNCH, READINESS, SUBCONTRACT, MARGIN = (
    "Resource",
    "Material",
    "Launch",
    "Readiness",
    "Subcontract",
    "Margin",
)
# Levers.
OVERTIME, SUBCONTRACT_LEVER, BUILD_AHEAD, REALLOCATE, PRICE_DEMAND, EXPEDITE = (
    "Overtime",
    "Subcontract",
    "Build ahead",
    "Reallocate",
    "Price/demand",
    "Expedite material",
)
# Commitment checks.
ON_TIME, LATE, AT_RISK = "On time", "Late", "At risk"

COST_COLUMNS = [
    "Material cost",
    "Other variable cost",
    "Overtime cost",
    "Subcontract cost",
    "Holding cost",
    "Backlog cost",
]

PLAN_COLUMNS = [
    "Scenario",
    "Family",
    "SKU",
    "Month",
    "Demand",
    "Confirmed orders",
    "Shipments",
    "Production",
    "Subcontract",
    "Opening inventory",
    "Closing inventory",
    "Backlog",
    "Lost sales",
    "Safety stock",
    "Safety stock shortfall",
    "Max stock",
    "Days of supply",
]
CUSTOMER_PLAN_COLUMNS = [
    "Scenario",
    "Family",
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
CAPACITY_COLUMNS = [
    "Scenario",
    "Resource",
    "Site",
    "Month",
    "Available hours",
    "Overtime limit",
    "Overtime hours",
    "Used hours",
    "Required hours",
    "Utilisation",
    "Shadow price",
    "Regular cost per hour",
    "Overtime cost per hour",
    "Regular labour cost",
    "Overtime cost",
    "Unabsorbed labour",
]
MATERIAL_COLUMNS = ["Scenario", "Material", "Supplier", "Month", "Available", "Used", "Required", "Shadow price"]
MARGIN_COLUMNS = [
    "Scenario",
    "Family",
    "SKU",
    "Month",
    "Shipments",
    "Revenue",
    *COST_COLUMNS,
    "Contribution margin",
    "Contribution margin %",
    "Regular labour cost",
    "Margin after labour",
    "Margin floor %",
    "Horizon margin %",
    "Below floor",
    "Price to meet floor",
]
CUSTOMER_MARGIN_COLUMNS = [
    "Scenario",
    "Family",
    "SKU",
    "Customer",
    "Shipments",
    "Revenue",
    *COST_COLUMNS,
    "Contribution margin",
    "Contribution margin %",
    "Regular labour cost",
    "Margin after labour",
]
GAP_COLUMNS = [
    "Scenario",
    "Gap id",
    "Family",
    "SKU",
    "Customer",
    "Month",
    "Unmet units",
    "Units lost",
    "Unit price",
    "Revenue at risk",
    "Revenue lost",
    "Binding constraint",
    "Constraint",
    "Constraint month",
    "Shadow price",
    "Explanation",
]
LEVER_COLUMNS = ["Scenario", "Gap id", "Lever", "Description", "Units closed", "Cost", "Margin effect", "Priced by"]
INVENTORY_COLUMNS = [
    "Scenario",
    "Family",
    "SKU",
    "Month",
    "Closing inventory",
    "Safety stock",
    "Max stock",
    "Below safety stock",
    "Days of supply",
]
COMMITMENT_COLUMNS = [
    "Order ref",
    "Customer",
    "SKU",
    "Quantity",
    "Requested date",
    "Status",
    "Planned on time",
    "Check",
    "Promise date",
    "Days late",
    "Note",
]
LAUNCH_COLUMNS = ["SKU", "Launch month", "Ready from month", "Supplier qualified", "Process validated", "RAG", "Reason"]
SCENARIO_COLUMNS = [
    "Scenario",
    "Demand",
    "Shipments",
    "Fill rate",
    "Revenue",
    "Contribution margin",
    "Contribution margin %",
    "Revenue at risk",
    "Peak utilisation",
]
BUDGET_COLUMNS = ["Family", "Month", "Measure", "Budget", "Plan", "Variance"]
ACCURACY_COLUMNS = ["Level", "Family", "SKU", "Months", "Forecast", "Actual", "MAPE", "Bias"]


@dataclass
class Results:
    """Everything the meeting pack shows, for every scenario.

    Attributes:
        inputs: The validated inputs the plan was made from.
        scenarios: The scenarios planned, Base first.
        plan: The consensus plan, one row per Scenario × SKU × Month: Scenario, Family, SKU, Month, Demand,
            Confirmed orders, Shipments, Production, Subcontract, Opening inventory, Closing inventory,
            Backlog, Lost sales, Safety stock, Max stock, Days of supply.
            Closing inventory = Opening inventory + Production + Subcontract − Shipments.
            Days of supply = Closing inventory / average daily demand of the next 3 months (the month's own at
            the horizon end); 0 without stock, 999 with stock but no demand ahead.
        customer_plan: One row per Scenario × SKU × Customer × Month: Scenario, Family, SKU, Customer, Month,
            Demand, Shipments, Backlog, Lost sales, Unit price, Revenue (= Shipments × Unit price).
        capacity: One row per Scenario × Resource × Month: Scenario, Resource, Site, Month, Available hours,
            Overtime limit, Overtime hours, Used hours, Required hours (for full demand), Utilisation
            (Used / Available, regular hours), Shadow price (value of one more hour, currency per hour),
            Regular labour cost, Overtime cost, Unabsorbed labour (idle regular hours × regular rate).
        materials: One row per Scenario × Material × Month: Scenario, Material, Supplier, Month, Available,
            Used, Required (for full demand), Shadow price (value of one more unit).
        margin: One row per Scenario × SKU × Month: Scenario, Family, SKU, Month, Revenue, Material cost,
            Other variable cost, Overtime cost, Subcontract cost, Holding cost, Backlog cost,
            Contribution margin, Contribution margin %, Regular labour cost, Margin after labour,
            Margin floor %, Below floor (bool), Price to meet floor (NaN when not below).
            Contribution margin = Revenue − (Material + Other variable + Overtime + Subcontract + Holding +
            Backlog cost). Regular labour is absorbed by the regular hours each SKU uses.
            The floor is checked per SKU over the whole horizon (Horizon margin %); Below floor and Price to
            meet floor are that SKU-level result, repeated on each of the SKU's months.
        customer_margin: One row per Scenario × SKU × Customer (whole horizon): Revenue, costs allocated by
            shipments, Contribution margin; totals equal `margin`'s per SKU.
        gaps: One row per unmet demand, Scenario × SKU × Customer × Month with unmet units > 0: Scenario, Gap id
            (stable, e.g. "G01"), Family, SKU, Customer, Month, Unmet units, Revenue at risk,
            Binding constraint (kind: "Resource"/"Material"/"Launch"/"Readiness"/"Subcontract"/"Margin"),
            Constraint (the resource or material name), Explanation (a sentence: "Line 2 is full in Mar-27;
            one more hour is worth 42.10 USD"), sorted by Revenue at risk, largest first.
            Unmet units of a month = that month's demand not shipped in the month (oldest owed units ship
            first); Units lost = those of them never shipped in the horizon (Revenue lost = Units lost × Unit
            price; the rest of the revenue at risk ships late). Also: Unit price, Constraint month
            (the month the constraint binds, or the Ready from month), Shadow price (of that constraint).
        levers: The priced menu per gap: Scenario, Gap id, Lever ("Overtime", "Subcontract", "Build ahead",
            "Reallocate", "Price/demand", and "Expedite material" for a material gap), Description,
            Units closed, Cost, Margin effect, Priced by: "Re-solve" (the model solved again with the lever
            applied: Margin effect = its contribution margin − the plan's; Units closed = the drop in the SKU's
            unmet units that month, at most the gap's; Cost = the added overtime or subcontract bill, else the
            added costs) or "Estimate" (from shadow prices and unit costs, for the smaller gaps, for levers no
            re-solve can force — Build ahead, Reallocate, whose Cost is the margin given up — and when the
            re-solves allowed for the model's size are used up). The Description says which.
        inventory: Scenario, Family, SKU, Month, Closing inventory, Safety stock, Max stock, Below safety stock
            (bool), Days of supply.
        commitments: One row per order (Base scenario): Order ref, Customer, SKU, Quantity, Requested date,
            Status, Planned on time, Check ("On time", "Late", "At risk"), Promise date, Days late, Note.
        launches: One row per launch: SKU, Launch month, Ready from month, Supplier qualified,
            Process validated, RAG ("Green", "Amber", "Red"), Reason.
        scenarios_summary: One row per scenario: Scenario, Demand, Shipments, Fill rate, Revenue,
            Contribution margin, Contribution margin %, Revenue at risk, Peak utilisation.
        budget: Family, Month, Measure, Budget, Plan, Variance (Base scenario; empty without a Budget).
        forecast_accuracy: Family, SKU, Months, MAPE, Bias (empty without Actuals); also Level ("Family" rows
            with a blank SKU first, then "SKU" rows), Forecast, Actual. See `forecast_accuracy`.
        summary: The Base headline figures as a dict: Demand, Shipments, Fill rate, Revenue,
            Contribution margin, Contribution margin %, Revenue at risk, Revenue vs budget,
            Peak utilisation, Commitments at risk, Launches not ready; also Revenue lost, Regular labour cost,
            Unabsorbed labour and Margin after labour (contribution margin − all regular labour).
            Revenue vs budget is None without a Budget. Commitments at risk counts Confirmed orders not on time.
        changes: With a previous pack, the `changes.Changes` since it (comparison by family and month, the
            bridge by cause, notes on how they were compared); None without one.
        previous_decisions: The previous pack's Decisions rows, to carry forward; None without one.
        previous_accuracy: The previous pack's Base demand against this cycle's Actuals for the months both
            cover (columns as forecast_accuracy); None without a previous pack.
    """

    inputs: Inputs
    scenarios: list[str]
    plan: pd.DataFrame
    customer_plan: pd.DataFrame
    capacity: pd.DataFrame
    materials: pd.DataFrame
    margin: pd.DataFrame
    customer_margin: pd.DataFrame
    gaps: pd.DataFrame
    levers: pd.DataFrame
    inventory: pd.DataFrame
    commitments: pd.DataFrame
    launches: pd.DataFrame
    scenarios_summary: pd.DataFrame
    budget: pd.DataFrame
    forecast_accuracy: pd.DataFrame
    summary: dict = field(default_factory=dict)
    changes: object = None
    previous_decisions: pd.DataFrame | None = None
    previous_accuracy: pd.DataFrame | None = None
