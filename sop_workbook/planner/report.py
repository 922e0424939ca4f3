"""The solver's values → the Solution's tables (docs/model.md, "From the LP to the plan").

Every balance is recomputed from cleaned figures (solver noise dropped, fixed decimals) so that the tables
reconcile exactly: inventory, backlog, hours and revenue.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .data import Data
from .model import Model

# Quantities closer to zero than this are solver noise, not a plan; they are reported as exact zeros.
NOISE = 1e-7
# Reported figures are rounded to this many decimals so that reruns and reports agree to the last digit.
DECIMALS = 9

SKU_MONTH_COLUMNS = [
    "SKU",
    "Month",
    "Demand",
    "Confirmed orders",
    "Production",
    "Subcontract",
    "Shipments",
    "Opening inventory",
    "Closing inventory",
    "Backlog",
    "Lost sales",
    "Safety stock",
    "Safety stock shortfall",
    "Max stock",
]
CUSTOMER_MONTH_COLUMNS = [
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
SUBCONTRACT_COLUMNS = ["SKU", "Subcontractor", "Month", "Units", "Cost per unit", "Max units"]
RESOURCE_MONTH_COLUMNS = [
    "Resource",
    "Site",
    "Month",
    "Available hours",
    "Overtime limit",
    "Overtime hours",
    "Used hours",
    "Regular cost per hour",
    "Overtime cost per hour",
    "Shadow price",
]
MATERIAL_MONTH_COLUMNS = ["Material", "Supplier", "Month", "Available", "Used", "Shadow price"]
COMMITMENT_SHORTFALL_COLUMNS = ["Order ref", "Month", "Units short"]


@dataclass
class Solution:
    """The optimal plan of one scenario.

    Attributes:
        scenario: "Base", "Upside" or "Downside".
        objective: The LP objective: contribution margin minus the steering and commitment penalties.
        contribution_margin: Money only: revenue − (material + other variable + overtime + subcontract +
            holding + backlog cost). Penalties are never counted here.
        sku_month: SKU, Month, Demand, Confirmed orders, Production, Subcontract, Shipments, Opening inventory,
            Closing inventory, Backlog, Lost sales, Safety stock, Safety stock shortfall, Max stock (NaN = none).
        customer_month: SKU, Customer, Month, Demand, Confirmed orders, Shipments, Backlog, Lost sales,
            Unit price, Revenue (= Shipments × Unit price).
        subcontract: SKU, Subcontractor, Month, Units, Cost per unit, Max units.
        resource_month: Resource, Site, Month, Available hours, Overtime limit, Overtime hours, Used hours,
            Regular cost per hour, Overtime cost per hour, Shadow price (currency per extra regular hour, ≥ 0).
        material_month: Material, Supplier, Month, Available, Used, Shadow price (currency per extra unit, ≥ 0).
        commitment_shortfall: Order ref, Month, Units short: confirmed orders the plan cannot ship in their
            month (orders due before a launch month included).
        statistics: The model's size and timings: rows, columns, nonzeros, build seconds, solve seconds (of all
            the scenarios together: `solve_all` solves their blocks side by side), report seconds, iterations,
            solver (of the largest block), blocks (independent parts of the LP solved one by one), blocks solved
            (fewer than blocks in a re-solve that reuses untouched blocks), largest block nonzeros, and the
            penalties used (commitment penalty, largest steering penalty).
        basis: The solver's optimal basis of each block, to warm-start the solve of a small change or of another
            scenario (`solve(warm_start=...)`).
        state: The model as solved and each block's answer, so that a small change re-solves only the blocks it
            touches (`solve(warm_start=...)`); None on the Solution of such a re-solve.
    """

    scenario: str
    objective: float
    contribution_margin: float
    sku_month: pd.DataFrame
    customer_month: pd.DataFrame
    subcontract: pd.DataFrame
    resource_month: pd.DataFrame
    material_month: pd.DataFrame
    commitment_shortfall: pd.DataFrame
    statistics: dict[str, float | str] = field(default_factory=dict)
    basis: object = field(default=None, repr=False, compare=False)
    state: object = field(default=None, repr=False, compare=False)


def clean(values: np.ndarray) -> np.ndarray:
    """Drop solver noise: tiny values become 0 and every figure is rounded to fixed decimals."""
    values = np.where(np.abs(values) < NOISE, 0.0, values)
    return np.round(values, DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0


def _sum_by(index: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Rows of `values` summed into `n` rows by `index` (lines into SKUs, arcs into SKUs)."""
    out = np.zeros((n, values.shape[1]))
    np.add.at(out, index, values)
    return out


@dataclass
class _Flows:
    """The plan's quantities per SKU, line, arc, resource and material × month, cleaned and reconciled."""

    make: np.ndarray
    subcontract: np.ndarray
    ship: np.ndarray
    closing: np.ndarray
    backlog: np.ndarray
    lost: np.ndarray
    used: np.ndarray
    overtime: np.ndarray
    material_used: np.ndarray


def _flows(data: Data, model: Model, x: np.ndarray) -> _Flows:
    """The plan's quantities from the solver's column values; balances recomputed from the cleaned flows."""
    v = model.lp.variables
    groups = model.groups
    make = clean(v["make"].values(x))
    subcontract = clean(v["subcontract"].values(x))
    confirmed_ship = np.zeros(groups.demand.shape)
    confirmed_ship[groups.confirmed_group, groups.confirmed_month] = v["ship_confirmed"].values(x)
    ship = clean(split_shipments(data, groups.line_group, clean(v["ship"].values(x)), clean(confirmed_ship)))
    n_s = len(data.skus)
    # Closing inventory = opening + production + subcontract − shipments, month after month.
    closing = data.opening[:, None] + np.cumsum(
        make + _sum_by(data.arc_sku, subcontract, n_s) - _sum_by(data.line_sku, ship, n_s), axis=1
    )
    closing = np.round(closing, DECIMALS) + 0.0
    closing = np.where(np.abs(closing) < NOISE, 0.0, closing)
    waits = data.waits[data.line_sku][:, None]
    backlog = np.where(waits, np.cumsum(data.demand - ship, axis=1), 0.0)
    backlog = np.where(np.abs(backlog) < NOISE, 0.0, np.round(backlog, DECIMALS)) + 0.0
    lost = np.where(waits, 0.0, np.round(data.demand - ship, DECIMALS))
    lost[:, -1] += backlog[:, -1] * waits[:, 0]  # backlog left at the horizon end is lost
    lost = np.where(np.abs(lost) < NOISE, 0.0, lost) + 0.0
    used = np.zeros(data.regular.shape)
    np.add.at(used, data.routing_resource, data.routing_hours[:, None] * make[data.routing_sku])
    used = np.round(used, DECIMALS)
    material_used = np.zeros(data.available.shape)
    np.add.at(material_used, data.bom_material, data.bom_quantity[:, None] * make[data.bom_sku])
    return _Flows(
        make=make,
        subcontract=subcontract,
        ship=ship,
        closing=closing,
        backlog=backlog,
        lost=lost,
        used=used,
        overtime=np.maximum(0.0, np.round(used - data.regular, DECIMALS)),
        material_used=np.round(material_used, DECIMALS),
    )


def report(data: Data, model: Model, x: np.ndarray, row_dual: np.ndarray, objective: float, scenario: str) -> Solution:
    """The Solution's tables from the solver's column values `x`, row duals (in currency) and objective."""
    flows = _flows(data, model, x)
    # Shadow prices (docs/model.md, "Shadow prices"): HiGHS minimises, so the dual of a ≤ row is ≤ 0 where the
    # row binds; the value of one more hour (unit) to the plan is its negation.
    hour_value = np.maximum(clean(-model.lp.constraints["hours"].values(row_dual)), 0.0)
    unit_value = np.maximum(clean(-model.lp.constraints["materials"].values(row_dual)), 0.0)
    revenue = flows.ship * data.price
    # Money only, from the reported figures: revenue − material − other − overtime − subcontract − holding −
    # backlog cost.
    margin = (
        revenue.sum()
        - float(np.sum(data.unit_cost[:, None] * flows.make))
        - float(np.sum(data.overtime_rate[:, None] * flows.overtime))
        - float(np.sum(data.arc_cost[:, None] * flows.subcontract))
        - float(np.sum(data.holding[:, None] * flows.closing))
        - float(np.sum(data.backlog_cost[data.line_sku][:, None] * flows.backlog))
    )
    return Solution(
        scenario=scenario,
        objective=float(objective),
        contribution_margin=float(margin),
        sku_month=_sku_month(data, flows),
        customer_month=_customer_month(data, flows, revenue),
        subcontract=_subcontract(data, flows),
        resource_month=_resource_month(data, flows, hour_value),
        material_month=_material_month(data, flows, unit_value),
        commitment_shortfall=_commitment_shortfall(data, flows.ship),
    )


def _month_values(data: Data) -> np.ndarray:
    """The months in the unit of the inputs' own dates (pandas 3: microseconds), so that tables merge cleanly."""
    return pd.DatetimeIndex(data.months).to_numpy()


def _names(names, n_t: int, index=None) -> np.ndarray:
    """Names repeated for each month (of the items `index` picks, when given)."""
    names = np.array(names, dtype=object)
    return np.repeat(names if index is None else names[np.asarray(index, dtype=int)], n_t)


def _sku_month(data: Data, flows: _Flows) -> pd.DataFrame:
    """The plan per SKU × month (SKU_MONTH_COLUMNS)."""
    n_s, n_t = len(data.skus), len(data.months)
    month_col = np.tile(_month_values(data), max(n_s, 1))[: n_s * n_t]
    opening = np.hstack([data.opening[:, None], flows.closing[:, :-1]])
    return pd.DataFrame(
        {
            "SKU": _names(data.skus, n_t),
            "Month": month_col,
            "Demand": _sum_by(data.line_sku, data.demand, n_s).ravel(),
            "Confirmed orders": _sum_by(data.line_sku, data.confirmed, n_s).ravel(),
            "Production": flows.make.ravel(),
            "Subcontract": _sum_by(data.arc_sku, flows.subcontract, n_s).ravel(),
            "Shipments": _sum_by(data.line_sku, flows.ship, n_s).ravel(),
            "Opening inventory": opening.ravel(),
            "Closing inventory": flows.closing.ravel(),
            "Backlog": _sum_by(data.line_sku, flows.backlog, n_s).ravel(),
            "Lost sales": _sum_by(data.line_sku, flows.lost, n_s).ravel(),
            "Safety stock": np.repeat(data.safety, n_t),
            "Safety stock shortfall": clean(np.maximum(0.0, data.safety[:, None] - flows.closing)).ravel(),
            "Max stock": np.repeat(np.where(np.isinf(data.max_stock), np.nan, data.max_stock), n_t),
        },
        columns=SKU_MONTH_COLUMNS,
    )


def _customer_month(data: Data, flows: _Flows, revenue: np.ndarray) -> pd.DataFrame:
    """The plan per line (SKU × customer) × month (CUSTOMER_MONTH_COLUMNS)."""
    n_t = len(data.months)
    return pd.DataFrame(
        {
            "SKU": _names(data.skus, n_t, data.line_sku),
            "Customer": _names(data.line_customer, n_t),
            "Month": np.tile(_month_values(data), len(data.line_sku)),
            "Demand": data.demand.ravel(),
            "Confirmed orders": data.confirmed.ravel(),
            "Shipments": flows.ship.ravel(),
            "Backlog": flows.backlog.ravel(),
            "Lost sales": flows.lost.ravel(),
            "Unit price": data.price.ravel(),
            "Revenue": revenue.ravel(),
        },
        columns=CUSTOMER_MONTH_COLUMNS,
    )


def _subcontract(data: Data, flows: _Flows) -> pd.DataFrame:
    """Subcontracting per arc (SKU × subcontractor) × month (SUBCONTRACT_COLUMNS)."""
    n_t = len(data.months)
    return pd.DataFrame(
        {
            "SKU": _names(data.skus, n_t, data.arc_sku),
            "Subcontractor": _names(data.arc_name, n_t),
            "Month": np.tile(_month_values(data), len(data.arc_sku)),
            "Units": flows.subcontract.ravel(),
            "Cost per unit": np.repeat(data.arc_cost, n_t),
            "Max units": data.arc_max.ravel(),
        },
        columns=SUBCONTRACT_COLUMNS,
    )


def _resource_month(data: Data, flows: _Flows, hour_value: np.ndarray) -> pd.DataFrame:
    """Hours and shadow prices per resource × month (RESOURCE_MONTH_COLUMNS)."""
    n_t = len(data.months)
    return pd.DataFrame(
        {
            "Resource": _names(data.resources, n_t),
            "Site": _names(data.sites, n_t),
            "Month": np.tile(_month_values(data), len(data.resources)),
            "Available hours": data.regular.ravel(),
            "Overtime limit": data.overtime_limit.ravel(),
            "Overtime hours": flows.overtime.ravel(),
            "Used hours": flows.used.ravel(),
            "Regular cost per hour": np.repeat(data.regular_rate, n_t),
            "Overtime cost per hour": np.repeat(data.overtime_rate, n_t),
            "Shadow price": hour_value.ravel(),
        },
        columns=RESOURCE_MONTH_COLUMNS,
    )


def _material_month(data: Data, flows: _Flows, unit_value: np.ndarray) -> pd.DataFrame:
    """Use and shadow prices per material × month (MATERIAL_MONTH_COLUMNS)."""
    n_t = len(data.months)
    return pd.DataFrame(
        {
            "Material": _names(data.materials, n_t),
            "Supplier": _names(data.suppliers, n_t),
            "Month": np.tile(_month_values(data), len(data.materials)),
            "Available": data.available.ravel(),
            "Used": flows.material_used.ravel(),
            "Shadow price": unit_value.ravel(),
        },
        columns=MATERIAL_MONTH_COLUMNS,
    )


def split_shipments(
    data: Data, line_group: np.ndarray, group_ship: np.ndarray, group_confirmed_ship: np.ndarray
) -> np.ndarray:
    """Share each group's shipments over its lines, month by month (docs/model.md, "Ties").

    Confirmed shipments go to the lines in proportion to their confirmed orders (each gets its own orders when
    the group ships all of them). The other shipments go to what each line is still owed (Lost lines: the
    month's demand; backlogged lines: backlog + the month's demand; less its confirmed share), in proportion. So
    no line ships more than it is owed, and the group's backlog is the sum of its lines'.
    """
    n_l, n_t = data.demand.shape
    n_g = group_ship.shape[0]
    ship = np.zeros((n_l, n_t))
    owed_before = np.zeros(n_l)
    waits = data.waits[data.line_sku]

    def share(weights: np.ndarray, amount: np.ndarray) -> np.ndarray:
        # `amount` of each group over its lines in proportion to `weights`.
        total = np.zeros(n_g)
        np.add.at(total, line_group, weights)
        total = total[line_group]
        return amount[line_group] * np.divide(weights, total, out=np.zeros(n_l), where=total > 0)

    for t in range(n_t):
        owed = np.where(waits, owed_before, 0.0) + data.demand[:, t]
        confirmed = np.minimum(share(data.confirmed[:, t], group_confirmed_ship[:, t]), owed)
        rest = owed - confirmed
        ship[:, t] = confirmed + np.minimum(share(rest, group_ship[:, t]), rest)
        owed_before = owed - ship[:, t]
    return ship


def _commitment_shortfall(data: Data, ship: np.ndarray) -> pd.DataFrame:
    """Confirmed orders not shipped in their month, order by order.

    Shipments of a SKU × customer × month cover its confirmed orders earliest Requested date first (then by
    Order ref), so what is short falls on the latest orders. Orders due before a SKU's launch month cannot be
    shipped at all and are short in full.
    """
    orders = data.orders.sort_values(["line", "t", "Requested date", "Order ref"], kind="stable")
    if orders.empty:
        return pd.DataFrame(
            {
                "Order ref": pd.Series(dtype=object),
                "Month": pd.Series(dtype=pd.DatetimeIndex(data.months).dtype),
                "Units short": pd.Series(dtype=float),
            },
            columns=COMMITMENT_SHORTFALL_COLUMNS,
        )
    line = orders["line"].to_numpy(dtype=int)
    t = orders["t"].to_numpy(dtype=int)
    quantity = orders["Quantity"].to_numpy(dtype=float)
    shippable = np.where(orders["plannable"].to_numpy(dtype=bool), ship[line, t], 0.0)
    # Units of the bucket's shipments used by the orders before this one in the same bucket.
    bucket = pd.Series(line * len(data.months) + t)
    before = pd.Series(quantity).groupby(bucket.to_numpy()).cumsum().to_numpy() - quantity
    short = quantity - np.clip(shippable - before, 0.0, quantity)
    short = np.where(short < 1e-6, 0.0, np.round(short, DECIMALS))
    result = pd.DataFrame(
        {
            "Order ref": orders["Order ref"].to_numpy(dtype=object),
            "Month": pd.DatetimeIndex(data.months).to_numpy()[t],
            "Units short": short,
        },
        columns=COMMITMENT_SHORTFALL_COLUMNS,
    )
    return result[result["Units short"] > 0].reset_index(drop=True)
