"""Gaps: demand the plan does not meet, each with the constraint that binds it (docs/model.md, "Gaps and their
binding constraint"), and the plan's shadow prices and loads as lookups (`Duals`) for the gaps and their levers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .common import EPS, Context, empty, families, index_keys, lookup, numbers, records, stamps, with_columns
from .results import GAP_COLUMNS, MARGIN, MATERIAL, READINESS, RESOURCE, SUBCONTRACT


def unmet(ctx: Context, customer_month: pd.DataFrame) -> pd.DataFrame:
    """Unmet units per SKU × Customer × Month: that month's demand not shipped in the month, and how much of it
    is never shipped in the horizon.

    Lost SKUs: unmet = demand − shipments, all lost. Backlog SKUs: owed units ship oldest first, so of month t's
    demand d[t] the units still owed at its end are min(d[t], backlog[t]); the backlog left at the horizon end is
    the newest demand, which is lost.
    """
    frame = customer_month[
        ["SKU", "Customer", "Month", "Demand", "Shipments", "Backlog", "Lost sales", "Unit price"]
    ].copy()
    for column in ("Demand", "Shipments", "Backlog", "Lost sales", "Unit price"):
        frame[column] = numbers(frame[column]).to_numpy()
    frame = frame.sort_values(["SKU", "Customer", "Month"], kind="stable").reset_index(drop=True)
    lines = frame.groupby(["SKU", "Customer"], sort=False)
    is_last = lines.cumcount(ascending=False).to_numpy() == 0
    waits = lookup(frame["SKU"], ctx.unmet_kind).fillna("Backlog").to_numpy() != "Lost"
    # The planner may report the horizon-end remainder as Backlog, as Lost sales, or both.
    backlog = np.clip(frame["Backlog"].to_numpy(), 0.0, None)
    backlog = np.where(is_last, np.maximum(backlog, frame["Lost sales"].to_numpy()), backlog)
    demand = frame["Demand"].to_numpy()
    owed = np.minimum(demand, backlog)
    # The remainder at the end is the newest owed units: month t loses what is left of it after later months.
    remainder = (
        pd.Series(np.where(is_last, backlog, 0.0))
        .groupby([frame["SKU"], frame["Customer"]], sort=False)
        .transform("sum")
        .to_numpy()
    )
    owed_later = (
        pd.Series(owed[::-1])
        .groupby([frame["SKU"].to_numpy()[::-1], frame["Customer"].to_numpy()[::-1]], sort=False)
        .cumsum()
        .to_numpy()[::-1]
        - owed
    )
    backlog_lost = np.clip(remainder - owed_later, 0.0, owed)
    short = np.clip(demand - frame["Shipments"].to_numpy(), 0.0, None)
    frame["Unmet units"] = np.where(waits, owed, short)
    frame["Units lost"] = np.where(waits, backlog_lost, short)
    return frame


def gaps(ctx: Context, scenario: str, unmet_units: pd.DataFrame, duals: Duals) -> pd.DataFrame:
    """The scenario's gaps (GAP_COLUMNS) from its unmet units (`unmet`), each with what binds it (`_binding`),
    largest revenue at risk first."""
    frame = unmet_units[unmet_units["Unmet units"] > EPS].copy()
    if frame.empty:
        return empty(GAP_COLUMNS)
    frame["Revenue at risk"] = frame["Unmet units"] * frame["Unit price"]
    frame["Revenue lost"] = frame["Units lost"] * frame["Unit price"]
    found = [
        _binding(ctx, duals, sku, customer, month, price)
        for sku, customer, month, price in zip(frame["SKU"], frame["Customer"], frame["Month"], frame["Unit price"])
    ]
    frame["Binding constraint"] = [f[0] for f in found]
    frame["Constraint"] = [f[1] for f in found]
    frame["Constraint month"] = [f[2] for f in found]
    frame["Shadow price"] = [f[3] for f in found]
    frame["Explanation"] = [f[4] for f in found]
    frame.insert(0, "Scenario", scenario)
    frame["Family"] = families(ctx, frame["SKU"])
    frame = frame.sort_values(
        ["Revenue at risk", "SKU", "Customer", "Month"], ascending=[False, True, True, True], kind="stable"
    ).reset_index(drop=True)
    width = max(2, len(str(len(frame))))
    frame["Gap id"] = [f"G{i:0{width}d}" for i in range(1, len(frame) + 1)]
    return with_columns(frame, GAP_COLUMNS)


class Duals:
    """A solution's shadow prices and loads as dictionaries keyed by (name, month), built once per scenario and
    shared by the gaps and their levers."""

    def __init__(self, solution):
        resources = solution.resource_month
        keys = list(zip(resources["Resource"].tolist(), stamps(resources["Month"])))
        self.hour_value = dict(zip(keys, numbers(resources["Shadow price"])))
        self.resource = records(keys, resources, ["Available hours", "Overtime limit", "Overtime hours", "Used hours"])
        # Idle regular hours = available − regular hours used (used less overtime).
        regular_used = np.maximum(
            0.0, numbers(resources["Used hours"]).to_numpy() - numbers(resources["Overtime hours"]).to_numpy()
        )
        self.idle_hours = dict(
            zip(keys, np.maximum(0.0, numbers(resources["Available hours"]).to_numpy() - regular_used).tolist())
        )
        materials = solution.material_month
        keys = list(zip(materials["Material"].tolist(), stamps(materials["Month"])))
        self.unit_value = dict(zip(keys, numbers(materials["Shadow price"])))
        self.material = records(keys, materials, ["Supplier", "Available", "Used"])
        self.unused_material = dict(
            zip(
                keys,
                np.maximum(
                    0.0, numbers(materials["Available"]).to_numpy() - numbers(materials["Used"]).to_numpy()
                ).tolist(),
            )
        )
        # What each SKU makes in a month, where it makes anything (`_reallocate` looks at no other).
        sku_month = solution.sku_month
        made = numbers(sku_month["Production"]).to_numpy()
        making = sku_month[made > EPS]
        self.production = dict(zip(zip(making["SKU"].tolist(), stamps(making["Month"])), made[made > EPS]))
        self.prices = _sku_prices(solution)
        customers = solution.customer_month
        self.shipped = numbers(customers["Shipments"]).groupby(customers["SKU"].to_numpy()).sum().to_dict()
        self.revenue = numbers(customers["Revenue"]).groupby(customers["SKU"].to_numpy()).sum().to_dict()
        # A subcontractor explains a gap only when it delivers its most (`_binding`): keep those rows only.
        subcontract = solution.subcontract
        full = subcontract[
            numbers(subcontract["Units"]).to_numpy() >= numbers(subcontract["Max units"]).to_numpy() - EPS
        ]
        self.full_subcontract: dict[tuple, list] = {}
        for key, row in zip(
            zip(full["SKU"].tolist(), stamps(full["Month"])),
            records(range(len(full)), full, ["Subcontractor", "Max units"]).values(),
        ):
            self.full_subcontract.setdefault(key, []).append(row)
        self.cheapest_users: dict[tuple, list] = {}  # filled by _reallocate, per constraint and month

    def spare_hours(self, resource: str, month) -> float:
        """Idle regular hours of a resource in a month."""
        return self.idle_hours.get((resource, month), 0.0)

    def spare_material(self, material: str, month) -> float:
        """Unused units of a material in a month."""
        return self.unused_material.get((material, month), 0.0)


def _sku_prices(solution) -> dict:
    """The average realised price per (SKU, Month), shipments-weighted (the mean listed price where nothing
    ships)."""
    frame = solution.customer_month[["SKU", "Month"]].copy()
    frame["shipped"] = numbers(solution.customer_month["Shipments"]).to_numpy()
    frame["price"] = numbers(solution.customer_month["Unit price"]).to_numpy()
    frame["revenue"] = frame["shipped"] * frame["price"]
    grouped = frame.groupby(["SKU", "Month"]).agg(
        shipped=("shipped", "sum"), revenue=("revenue", "sum"), listed=("price", "mean")
    )
    average = np.where(
        grouped["shipped"] > EPS,
        grouped["revenue"] / grouped["shipped"].where(grouped["shipped"] > EPS, 1.0),
        grouped["listed"],
    )
    return dict(zip(index_keys(grouped.index), average.tolist()))


def _binding(ctx: Context, duals: Duals, sku: str, customer: str, month, price: float):
    """Why demand of a SKU in a month is unmet: (kind, constraint, constraint month, shadow price, sentence)
    (docs/model.md, "Gaps and their binding constraint").

    In order: production not allowed yet (readiness); a price below the cost of supplying a unit (margin); the
    routing resource or BOM material whose shadow price, per unit of this SKU, is largest in this month or an
    earlier month that could build for it; a subcontractor used to its limit; otherwise the plan judged more
    supply not worth its cost (margin).
    """
    month = pd.Timestamp(month)
    ready = ctx.ready.get(sku)
    if ready is not None and not pd.isna(ready) and month < ready:
        return (
            READINESS,
            sku,
            ready,
            0.0,
            f"{sku} cannot be made before {ctx.label(ready)} (Launch readiness), so demand in "
            f"{ctx.label(month)} is more than the stock on hand",
        )
    routing = ctx.routing.get(sku, [])
    supply_costs = []
    if routing:
        supply_costs.append(ctx.variable_cost(sku))
    if sku in ctx.subcontract_cost:
        supply_costs.append(ctx.subcontract_cost[sku][1])
    if supply_costs and price < min(supply_costs) - EPS:
        return (
            MARGIN,
            sku,
            month,
            0.0,
            f"{sku} sells to {customer} at {ctx.money(price)}, below the {ctx.money(min(supply_costs))} it "
            f"costs to supply a unit; supplying it would lose money",
        )
    scarcest = _scarcest(ctx, duals, sku, month, ready)
    if scarcest is not None:
        return _scarce(ctx, duals, month, price, *scarcest)
    for row in duals.full_subcontract.get((sku, month), []):
        reason = "" if routing else f" and {sku} has no routing to make it in-house"
        return (
            SUBCONTRACT,
            str(row["Subcontractor"]),
            month,
            0.0,
            f"{row['Subcontractor']} delivers its most of {float(row['Max units']):,.0f} units of {sku} in "
            f"{ctx.label(month)}{reason}",
        )
    return (
        MARGIN,
        sku,
        month,
        0.0,
        f"Supplying more {sku} in {ctx.label(month)} would cost more than it earns (overtime, subcontract "
        f"and holding costs included)",
    )


def _scarcest(ctx: Context, duals: Duals, sku: str, month: pd.Timestamp, ready):
    """The routing resource or BOM material of a SKU whose shadow price per unit of the SKU is largest, in this
    month or an earlier one that could build for it (the latest of equals): (value per unit of the SKU, kind,
    name, month, shadow price); None when none is scarce."""
    best = None
    for earlier in (m for m in ctx.months if m <= month and (ready is None or pd.isna(ready) or m >= ready)):
        for resource, hours in ctx.routing.get(sku, []):
            value = duals.hour_value.get((resource, earlier), 0.0)
            if value > EPS and (best is None or value * hours > best[0] + EPS):
                best = (value * hours, RESOURCE, resource, earlier, value)
        for material, quantity in ctx.bom.get(sku, []):
            value = duals.unit_value.get((material, earlier), 0.0)
            if value > EPS and (best is None or value * quantity > best[0] + EPS):
                best = (value * quantity, MATERIAL, material, earlier, value)
    return best


def _scarce(ctx: Context, duals: Duals, month, price: float, per_unit: float, kind: str, name: str, when, value):
    """The binding constraint of `_binding` for a scarce resource or material, with its sentence."""
    building = "" if when == month else f", when it would have to build for {ctx.label(month)}"
    # A value per unit far above the price comes from the penalty on a late confirmed order, not margin.
    worth = (
        f"one more {'hour' if kind == RESOURCE else 'unit'} would let a confirmed order ship on time"
        if per_unit > max(price, EPS) * 2
        else None
    )
    if kind == RESOURCE:
        row = duals.resource.get((name, when))
        overtime = ""
        if (
            row is not None
            and float(row["Overtime limit"]) > EPS
            and float(row["Overtime hours"]) >= float(row["Overtime limit"]) - EPS
        ):
            overtime = ", overtime included"
        sentence = (
            f"{name} is full in {ctx.label(when)}{overtime}{building}; "
            f"{worth or 'one more hour is worth ' + ctx.money(value)}"
        )
    else:
        row = duals.material.get((name, when))
        supplier = f" from {row['Supplier']}" if row is not None and str(row["Supplier"]) else ""
        sentence = (
            f"{name}{supplier} is short in {ctx.label(when)}{building}; "
            f"{worth or 'one more unit is worth ' + ctx.money(value)}"
        )
    return kind, name, when, value, sentence
