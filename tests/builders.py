"""A small builder of tiny `Inputs` for tests, from plain Python values instead of DataFrames.

Every argument is optional; what is left out is absent (an empty sheet). Month lists start at the cycle month.
Other test modules may import `tiny_inputs`; its arguments are kept stable.
"""

from __future__ import annotations

import pandas as pd

from sop_workbook.inputs import Cycle, build_inputs

CYCLE_MONTH = pd.Timestamp("2027-01-01")


def month(i: int, cycle_month: pd.Timestamp = CYCLE_MONTH) -> pd.Timestamp:
    """The i-th month of the horizon (0 = the cycle month)."""
    return cycle_month + pd.DateOffset(months=i)


def _long(rows: list[dict], values: list[float], value_name: str, horizon: int, cycle_month) -> list[dict]:
    return [
        {**row, "Month": month(i, cycle_month), value_name: float(v)}
        for row in rows
        for i, v in enumerate(values[:horizon])
    ]


def tiny_inputs(
    *,
    horizon: int = 3,
    cycle_month=CYCLE_MONTH,
    families: dict[str, str] | None = None,
    forecast: dict | None = None,
    prices: dict | list | None = None,
    resources: dict[str, tuple[float, float]] | None = None,
    capacity: dict[str, list] | None = None,
    overtime: dict[str, list] | None = None,
    routings: dict[tuple[str, str], float] | None = None,
    costs: dict[str, dict] | None = None,
    inventory: dict[str, dict] | None = None,
    subcontract: dict[tuple[str, str], tuple[float, list]] | None = None,
    materials: dict[str, list] | None = None,
    bom: dict[tuple[str, str], float] | None = None,
    commitments: list[tuple] | None = None,
    launches: dict[str, pd.Timestamp] | None = None,
    readiness: dict[str, pd.Timestamp] | None = None,
):
    """Build an `Inputs` from plain values.

    Args:
        horizon: Months planned.
        cycle_month: The first month.
        families: {SKU: Family}; by default every SKU of forecast/costs/inventory, in family "F".
        forecast: {(SKU, Customer): [units per month]} (Base) or {(SKU, Customer, Scenario): [...]}.
        prices: {(SKU, Customer or ""): price} valid from the cycle month, or a list of
            (SKU, Customer, price, Valid from) tuples.
        resources: {Resource: (regular cost per hour, overtime cost per hour)}; site "Plant".
        capacity: {Resource: [regular hours per month]}.
        overtime: {Resource: [overtime limit per month]}.
        routings: {(SKU, Resource): hours per unit}.
        costs: {SKU: {"material", "other", "holding", "unmet" ("Backlog"/"Lost"), "backlog"}}; missing keys 0 /
            "Lost".
        inventory: {SKU: {"opening", "safety", "target", "max" (None = no limit)}}; missing keys 0 / None.
        subcontract: {(SKU, Subcontractor): (cost per unit, [max units per month])}.
        materials: {Material: [units available per month]}; supplier "Supplier", qualified.
        bom: {(SKU, Material): quantity per unit}.
        commitments: [(Order ref, Customer, SKU, Quantity, Requested date, Status)].
        launches: {SKU: Launch month}.
        readiness: {SKU: Ready from month}.

    Returns:
        The Inputs.
    """
    cycle_month = pd.Timestamp(cycle_month)
    forecast = forecast or {}
    costs = costs or {}
    inventory = inventory or {}
    skus = list(
        dict.fromkeys([k[0] for k in forecast] + list(costs) + list(inventory) + [k[0] for k in (routings or {})])
    )
    families = families or {}
    tables = {}
    tables["products"] = pd.DataFrame(
        [
            {
                "SKU": s,
                "Description": s,
                "Family": families.get(s, "F"),
                "Unit": "each",
                "Status": "Launch" if s in (launches or {}) else "Active",
                "Margin floor %": float("nan"),
            }
            for s in skus
        ],
        columns=["SKU", "Description", "Family", "Unit", "Status", "Margin floor %"],
    )
    rows = []
    for key, values in forecast.items():
        sku, customer, scenario = (key + ("Base",))[:3]
        rows += _long(
            [{"SKU": sku, "Customer": customer, "Scenario": scenario}], values, "Forecast", horizon, cycle_month
        )
    tables["forecast"] = pd.DataFrame(rows, columns=["SKU", "Customer", "Scenario", "Month", "Forecast"])
    if isinstance(prices, dict):
        prices = [(s, c, p, cycle_month) for (s, c), p in prices.items()]
    tables["prices"] = pd.DataFrame(
        [
            {"SKU": s, "Customer": c, "Unit price": float(p), "Valid from": pd.Timestamp(v)}
            for s, c, p, v in (prices or [])
        ],
        columns=["SKU", "Customer", "Unit price", "Valid from"],
    )
    resources = resources or {}
    tables["resources"] = pd.DataFrame(
        [
            {"Resource": r, "Site": "Plant", "Regular cost per hour": float(a), "Overtime cost per hour": float(b)}
            for r, (a, b) in resources.items()
        ],
        columns=["Resource", "Site", "Regular cost per hour", "Overtime cost per hour"],
    )
    rows = []
    for kind, table in (("Regular", capacity or {}), ("Overtime", overtime or {})):
        for r, values in table.items():
            rows += _long([{"Resource": r, "Kind": kind}], values, "Hours", horizon, cycle_month)
    tables["capacity"] = pd.DataFrame(rows, columns=["Resource", "Kind", "Month", "Hours"])
    tables["routings"] = pd.DataFrame(
        [{"SKU": s, "Resource": r, "Hours per unit": float(h)} for (s, r), h in (routings or {}).items()],
        columns=["SKU", "Resource", "Hours per unit"],
    )
    tables["costs"] = pd.DataFrame(
        [
            {
                "SKU": s,
                "Material cost per unit": float(c.get("material", 0.0)),
                "Other variable cost per unit": float(c.get("other", 0.0)),
                "Holding cost per unit-month": float(c.get("holding", 0.0)),
                "Unmet demand": c.get("unmet", "Lost"),
                "Backlog cost per unit-month": float(c.get("backlog", 0.0)),
            }
            for s, c in costs.items()
        ],
        columns=[
            "SKU",
            "Material cost per unit",
            "Other variable cost per unit",
            "Holding cost per unit-month",
            "Unmet demand",
            "Backlog cost per unit-month",
        ],
    )
    tables["inventory"] = pd.DataFrame(
        [
            {
                "SKU": s,
                "Opening stock": float(v.get("opening", 0.0)),
                "Safety stock": float(v.get("safety", 0.0)),
                "Target closing stock": float(v.get("target", 0.0)),
                "Max stock": float("nan") if v.get("max") is None else float(v["max"]),
                "Lead time (days)": 0,
            }
            for s, v in inventory.items()
        ],
        columns=["SKU", "Opening stock", "Safety stock", "Target closing stock", "Max stock", "Lead time (days)"],
    )
    rows = []
    for (s, k), (cost, values) in (subcontract or {}).items():
        rows += _long(
            [{"SKU": s, "Subcontractor": k, "Cost per unit": float(cost)}], values, "Max units", horizon, cycle_month
        )
    tables["subcontract"] = pd.DataFrame(rows, columns=["SKU", "Subcontractor", "Cost per unit", "Month", "Max units"])
    rows = []
    for m, values in (materials or {}).items():
        rows += _long(
            [{"Material": m, "Supplier": "Supplier", "Qualified": "Yes", "Lead time (days)": 0}],
            values,
            "Available",
            horizon,
            cycle_month,
        )
    tables["materials"] = pd.DataFrame(
        rows, columns=["Material", "Supplier", "Qualified", "Lead time (days)", "Month", "Available"]
    )
    tables["bill_of_materials"] = pd.DataFrame(
        [{"SKU": s, "Material": m, "Quantity per unit": float(q)} for (s, m), q in (bom or {}).items()],
        columns=["SKU", "Material", "Quantity per unit"],
    )
    tables["commitments"] = pd.DataFrame(
        [
            {
                "Order ref": ref,
                "Customer": c,
                "SKU": s,
                "Quantity": float(q),
                "Requested date": pd.Timestamp(d),
                "Status": status,
                "Notes": "",
            }
            for ref, c, s, q, d, status in (commitments or [])
        ],
        columns=["Order ref", "Customer", "SKU", "Quantity", "Requested date", "Status", "Notes"],
    )
    tables["launches"] = pd.DataFrame(
        [{"SKU": s, "Launch month": pd.Timestamp(m), "Notes": ""} for s, m in (launches or {}).items()],
        columns=["SKU", "Launch month", "Notes"],
    )
    tables["launch_readiness"] = pd.DataFrame(
        [
            {
                "SKU": s,
                "Supplier qualified": "Yes",
                "Process validated": "Yes",
                "Ready from month": pd.Timestamp(m),
                "Notes": "",
            }
            for s, m in (readiness or {}).items()
        ],
        columns=["SKU", "Supplier qualified", "Process validated", "Ready from month", "Notes"],
    )
    # Every customer named anywhere is on the customer master, as in a template filled in full.
    named = [key[1] for key in forecast] + [row[1] for row in commitments or []] + [row[1] for row in prices or []]
    tables["customers"] = pd.DataFrame(
        [
            {"Customer": c, "Channel": "", "Region": "", "Priority": None, "Owner": ""}
            for c in dict.fromkeys(named)
            if c
        ],
        columns=["Customer", "Channel", "Region", "Priority", "Owner"],
    )
    cycle = Cycle(company="Test Co", cycle_month=cycle_month, horizon=horizon, currency="EUR")
    return build_inputs(cycle, **tables)
