"""Inputs → a cost-optimal consensus plan: one linear program per scenario, solved with HiGHS.

The model (SPEC.md, "Reconciliation (engine)"), for SKU s, customer c, month t, resource r, material m and
subcontractor k:

    maximise  Σ price·ship − Σ (material + other variable)·make − Σ cost_k·sub − Σ OT rate·ot
              − Σ holding·inv − Σ backlog cost·bl
              − steering penalties (safety stock, closing target) − commitment penalty
    inventory   inv[s,t] = inv[s,t-1] + make[s,t] + Σk sub[s,k,t] − Σc ship[s,c,t],  inv[s,0] = opening stock
    backlog     bl[s,c,t] = bl[s,c,t-1] + d[s,c,t] − ship[s,c,t]          (SKUs whose unmet demand waits)
    lost        ship[s,c,t] ≤ d[s,c,t]                                    (SKUs whose unmet demand is lost)
    capacity    Σs hours[s,r]·make[s,t] − ot[r,t] ≤ regular[r,t],  0 ≤ ot[r,t] ≤ overtime limit[r,t]
    materials   Σs qty[s,m]·make[s,t] ≤ available[m,t]
    storage     inv[s,t] ≤ max stock
    safety      inv[s,t] + ss[s,t] ≥ safety stock[s]                      (soft)
    target      inv[s,H] + short[s] ≥ target closing stock[s]             (soft)
    confirmed   ship[s,c,t] + late[s,c,t] ≥ confirmed orders[s,c,t]       (soft, heavily penalised)

Demand is forecast consumption: d[s,c,t] = max(forecast, confirmed orders due in t); a commitment is due in the
month of its Requested date (before the horizon: the first month; after it: ignored). No demand before a launch
month; no production or subcontract before the Ready from month. Backlog left at the horizon end is lost.
Priorities: confirmed orders, then stock policy (safety stock, closing target), then money (see `_penalties`).

As solved, the model is smaller but equivalent: the soft rows become split columns (see `_build`), and the
customers of a SKU that share a price path share one shipment column per month (and one confirmed-shipment
column per month with confirmed orders), split back over customers afterwards (`_split_shipments`). SKUs that
share no resource or material (the sites of a company, say) are independent blocks of the LP, solved one by one
and on every core (`_solve_tasks`); a re-solve of a small change solves only the blocks it touches (`_resolve`).
The inputs are read into arrays once for all scenarios and re-solves (`_common`). The constraint matrix is built
from index arrays (one numpy operation per block of variables), never one Python call per variable. HiGHS runs
single-threaded with a fixed seed, so the same inputs give the same plan to the last digit.
"""

from __future__ import annotations

import ctypes
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import highspy
import numpy as np
import pandas as pd

from .errors import PlanError
from .inputs import Inputs

__all__ = ["Adjustments", "Solution", "solve", "solve_all", "HIGHS_OPTIONS"]

# Fixed solver options: determinism (one thread, one seed) comes before speed.
HIGHS_OPTIONS: dict[str, object] = {
    "output_flag": False,
    "threads": 1,
    "random_seed": 1234,
    "presolve": "on",
    "primal_feasibility_tolerance": 1e-7,
    "dual_feasibility_tolerance": 1e-7,
    # Forced equilibration scaling: the simplex solves of the 500-SKU benchmark's three scenarios took 1.4-1.5
    # CPU-s instead of 1.9-2.2 with HiGHS's default choice (5,823 iterations instead of 7,396), and those of the
    # 5,000-SKU one 12.4 instead of 15.8; the other scaling strategies were no quicker than the default.
    "simplex_scale_strategy": 3,
}
# Dual simplex is quickest for small models, interior point (then crossover to a vertex, for exact duals) for
# large ones. On bench/planner_bench.py (18 months, one thread): 300 SKUs (23k columns) simplex 1.6 s, interior
# point 2.3 s; 500 SKUs (39k) both ~6 s; 1,000 SKUs (78k) simplex 34 s, interior point 8 s; 5,000 SKUs (389k)
# simplex over 10 minutes, interior point 2-2.5 minutes. The solver is chosen by each block's number of columns
# (see `_blocks`); on a 29,000-column block of 5,000 SKUs simplex takes 1.9 s, interior point 2.7 s.
_INTERIOR_POINT_ABOVE = 40_000
# Above that size a cold block is still tried by the simplex from the lot-for-lot basis (`_start_basis`) when it
# has up to this many columns and few capacity and material rows (at most this share of its rows), with at most
# this many iterations per row; only if it has not finished then is it solved by interior point. The simplex's
# work from that basis grows with the rows that tie SKUs together: about 6-17 iterations per capacity or material
# row on both kinds of block measured. The blocks of one site have few: at 20,000 SKUs, Base's 24 blocks of
# 40,000-76,000 columns have 144 such rows (0.6-1.0% of their rows) and took 916-2,448 iterations (17.6 s in
# all; an 81,000-column block 0.84 s where interior point took 11.0 s). A block of 1,000 SKUs over 50 shared
# resources (bench/planner_bench.py) has 1,260 (5%) and needed 15,000 iterations, 25 s against 8 s by interior
# point: it is not tried (tried with the iteration limit, it took 12.7 s instead of 6.5).
_SIMPLEX_TRY_COLUMNS = 100_000
_SIMPLEX_TRY_COUPLING = 0.02
_SIMPLEX_TRY_ITERATIONS_PER_ROW = 0.2
_SIMPLEX_TRY_ITERATIONS_AT_LEAST = 1_000
# The kinds of row key (`_build`) of the capacity and the material rows.
_CAPACITY_KEY, _MATERIAL_KEY = 2, 3
# An option key of the tasks, not HiGHS's: the solver to fall back on when the simplex hits its iteration limit.
_FALLBACK = "sop_fallback_solver"
# SKUs that share no resource and no material (directly or through other SKUs) form independent blocks of the LP;
# each block is solved on its own (`_solve_tasks`), which is exact and, the solve time growing faster than the
# model, much quicker than one solve of the whole. Blocks smaller than this many columns are solved together,
# several to one solver call, so that thousands of one-SKU blocks do not cost thousands of calls.
_BLOCK_COLUMNS = 4_000
# Each backlogged unit-month costs this fraction of its unit price on top of the backlog cost, in the LP only, so
# that among plans of the same money the higher-priced demand waits less (see `_build`). The largest price is 1 in
# the LP's units, so this is 100 × the solver's dual tolerance there; money moves by at most this fraction of
# the prices of the units that wait.
_TIE_BREAK = 1e-5

# Quantities closer to zero than this are solver noise, not a plan; they are reported as exact zeros.
_NOISE = 1e-7
# Reported figures are rounded to this many decimals so that reruns and reports agree to the last digit.
_DECIMALS = 9

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
class Adjustments:
    """What-if changes to the inputs of one solve (the levers the analysis prices).

    Attributes:
        extra_hours: {(Resource, Month): hours added to regular capacity}.
        extra_overtime: {(Resource, Month): hours added to the overtime limit}.
        extra_material: {(Material, Month): units added to what is available}.
        extra_subcontract: {(SKU, Month): units of extra subcontract capacity, at the cost of the SKU's
            cheapest subcontractor}.
        extra_demand: {(SKU, Customer, Month): units of extra demand on top of the scenario's demand, treated
            as a confirmed order (it is added to both Demand and Confirmed orders)}.
        price_change: {SKU: new unit price for all customers and months}.
        confirm_orders: Order refs of commitments to plan as Confirmed whatever their status (a Requested order
            checked against the plan).
    """

    extra_hours: dict[tuple[str, pd.Timestamp], float] = field(default_factory=dict)
    extra_overtime: dict[tuple[str, pd.Timestamp], float] = field(default_factory=dict)
    extra_material: dict[tuple[str, pd.Timestamp], float] = field(default_factory=dict)
    extra_subcontract: dict[tuple[str, pd.Timestamp], float] = field(default_factory=dict)
    extra_demand: dict[tuple[str, str, pd.Timestamp], float] = field(default_factory=dict)
    price_change: dict[str, float] = field(default_factory=dict)
    confirm_orders: set[str] = field(default_factory=set)


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
        statistics: The model's size and timings: rows, columns, nonzeros, build seconds (of the first
            scenario's model: `solve_all` builds the others while that one's blocks are solved), solve seconds (of
            all the scenarios together: `solve_all` solves their blocks side by side), iterations, solver (of
            the largest block), blocks (independent parts of the LP solved one by one), blocks solved (fewer
            than blocks in a re-solve that reuses untouched blocks), largest block nonzeros, and the penalties
            used (commitment penalty, largest steering penalty).
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


# ----------------------------------------------------------------------------------------------------------
# Reading the inputs into arrays
# ----------------------------------------------------------------------------------------------------------


def _numbers(values, default: float = 0.0) -> np.ndarray:
    """Numbers as floats; blanks (None, NaN, "") become `default`."""
    out = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return np.where(np.isnan(out), default, out)


def _texts(values) -> np.ndarray:
    """Text keys as plain Python strings; blanks become ""."""
    series = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    if isinstance(series.dtype, pd.StringDtype):
        # A forecast has hundreds of thousands of rows but only thousands of distinct keys: strip each key once.
        codes, distinct = pd.factorize(series)
        stripped = np.array([str(key).strip() for key in distinct] + [""], dtype=object)
        return stripped[codes]  # code -1 (blank) picks the "" at the end
    series = series.astype(object)
    blank = series.isna().to_numpy()
    text = np.asarray(series.astype(str).str.strip().to_numpy(dtype=object), dtype=object)
    text[blank] = ""
    return text


def _month_offsets(values, cycle_month: pd.Timestamp) -> np.ndarray:
    """Months after the cycle month (0 = the cycle month) of dates; NaN where there is no date."""
    if isinstance(values, pd.Series) and pd.api.types.is_datetime64_any_dtype(values.dtype):
        stamps = values  # the reader's dates: no conversion through Python objects
    else:
        stamps = pd.to_datetime(pd.Series(values, dtype=object), errors="coerce")
    number = (stamps.dt.year * 12 + stamps.dt.month).to_numpy(dtype=float, na_value=np.nan)
    return number - (cycle_month.year * 12 + cycle_month.month)


def _ordered_unique(*columns) -> list[str]:
    """Distinct non-blank keys in order of first appearance, so the model's order follows the templates."""
    keys = pd.unique(np.concatenate([_texts(column) for column in columns] or [np.array([], dtype=object)]))
    return [key for key in keys if key]


def _lookup(keys: list[str], values: np.ndarray) -> np.ndarray:
    """Positions of `values` in `keys`; -1 where absent."""
    return pd.Index(keys, dtype=object).get_indexer(pd.Index(list(values), dtype=object))


def _lookup_pairs(keys: tuple[np.ndarray, np.ndarray], values: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Positions of the (first, second) pairs `values` among the distinct pairs `keys`; -1 where absent."""
    if len(values[0]) == 0:
        return np.zeros(0, dtype=int)
    if len(keys[0]) == 0:
        return np.full(len(values[0]), -1)
    index = pd.MultiIndex.from_arrays([np.asarray(k, dtype=object) for k in keys])
    return index.get_indexer(pd.MultiIndex.from_arrays([np.asarray(v, dtype=object) for v in values]))


@dataclass
class _Data:
    """The inputs of one scenario as arrays over SKUs (s), lines (l = SKU × customer), months (t), resources
    (r), materials (m) and subcontract arcs (k = SKU × subcontractor)."""

    months: list[pd.Timestamp]
    skus: list[str]
    line_sku: np.ndarray
    line_customer: list[str]
    demand: np.ndarray  # l × t, after forecast consumption and launches
    confirmed: np.ndarray  # l × t, confirmed orders that can be shipped (due in the horizon, after launch)
    price: np.ndarray  # l × t
    opening: np.ndarray
    safety: np.ndarray
    target: np.ndarray
    max_stock: np.ndarray  # inf = no limit
    unit_cost: np.ndarray  # material + other variable, per produced unit
    material_cost: np.ndarray
    other_cost: np.ndarray
    holding: np.ndarray
    backlog_cost: np.ndarray
    waits: np.ndarray  # True where unmet demand is backlogged, False where it is lost
    ready: np.ndarray  # s × t: production and subcontracting allowed
    makeable: np.ndarray  # SKU has a routing
    resources: list[str]
    sites: list[str]
    regular_rate: np.ndarray
    overtime_rate: np.ndarray
    regular: np.ndarray  # r × t
    overtime_limit: np.ndarray  # r × t
    routing_sku: np.ndarray
    routing_resource: np.ndarray
    routing_hours: np.ndarray
    materials: list[str]
    suppliers: list[str]
    available: np.ndarray  # m × t
    bom_sku: np.ndarray
    bom_material: np.ndarray
    bom_quantity: np.ndarray
    arc_sku: np.ndarray
    arc_name: list[str]
    arc_cost: np.ndarray
    arc_max: np.ndarray  # k × t
    orders: pd.DataFrame  # confirmed orders: Order ref, line, t, Quantity, Requested date, plannable


@dataclass
class _Common:
    """What every scenario and every re-solve of one Inputs share, read from the sheets once (`_common`).

    `data` has every field of `_Data` that no scenario changes; its demand, confirmed orders and orders are
    empty, and its prices and limits are before any Adjustments. The forecast of every scenario is kept as
    arrays (line, month offset, value, scenario) and every commitment with its status, for `_prepare`.
    """

    inputs: Inputs
    data: _Data
    line_keys: set[tuple[str, str]]
    forecast_scenario: np.ndarray
    forecast_line: np.ndarray
    forecast_month: np.ndarray
    forecast_value: np.ndarray
    sellable: np.ndarray  # l × t: demand allowed (on or after the launch month)
    commitments: pd.DataFrame  # Order ref, line, t, Quantity, Requested date, Status: every row of the sheet
    arc_keys: list[str]


def _pivot(rows: np.ndarray, months: np.ndarray, values: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Sum long-form values into a rows × months matrix, skipping unknown keys and months off the horizon."""
    out = np.zeros(shape)
    keep = (rows >= 0) & ~np.isnan(months) & (months >= 0) & (months < shape[1])
    np.add.at(out, (rows[keep], months[keep].astype(int)), values[keep])
    return out


def _month_position(month, months: list[pd.Timestamp], what: str) -> int:
    """The position of `month` (any date in it) in the horizon; a PlanError naming `what` when outside it."""
    stamp = pd.Timestamp(month)
    stamp = pd.Timestamp(year=stamp.year, month=stamp.month, day=1)
    if stamp not in months:
        raise PlanError(
            f"{what}: {stamp:%b-%y} is not a month of the horizon ({months[0]:%b-%y} to {months[-1]:%b-%y})."
        )
    return months.index(stamp)


def _common(inputs: Inputs, extra_lines: list[tuple[str, str]] = ()) -> _Common:
    """Read the Inputs' tables into the arrays every scenario shares (see `_Common`).

    Args:
        inputs: The validated inputs.
        extra_lines: (SKU, Customer) lines to plan besides those of the forecast and commitments: the lines of
            extra demand (`Adjustments.extra_demand`), whose SKUs are known.
    """
    cycle = inputs.cycle.cycle_month
    months = inputs.months
    n_t = len(months)
    forecast = inputs.forecast
    commitments = inputs.commitments
    forecast_sku, forecast_customer = _texts(forecast["SKU"]), _texts(forecast["Customer"])
    commitment_sku, commitment_customer = _texts(commitments["SKU"]), _texts(commitments["Customer"])
    skus = _ordered_unique(
        inputs.products["SKU"], inputs.inventory["SKU"], inputs.costs["SKU"], forecast["SKU"], commitments["SKU"]
    )
    n_s = len(skus)
    for sku, _ in extra_lines:
        _known(skus, sku, "Extra demand")

    # Lines: every SKU × customer with a forecast in any scenario, a commitment or extra demand, so that the
    # customer tables of all scenarios have the same rows.
    line_frame = pd.DataFrame(
        {
            "SKU": np.concatenate([forecast_sku, commitment_sku, np.array([k[0] for k in extra_lines], dtype=object)]),
            "Customer": np.concatenate(
                [forecast_customer, commitment_customer, np.array([str(k[1]) for k in extra_lines], dtype=object)]
            ),
        },
        dtype=object,
    ).drop_duplicates()
    line_frame = line_frame[line_frame["SKU"] != ""]
    line_frame["s"] = _lookup(skus, line_frame["SKU"].to_numpy())
    line_frame = line_frame.sort_values("s", kind="stable")
    line_sku = line_frame["s"].to_numpy(dtype=int)
    line_customer = list(line_frame["Customer"])
    line_pairs = (np.array([skus[s] for s in line_sku], dtype=object), np.array(line_customer, dtype=object))
    n_l = len(line_sku)

    # Launches: nothing can be sold before the launch month.
    launch_t = np.full(n_s, -np.inf)
    launch_s = _lookup(skus, _texts(inputs.launches["SKU"]))
    launch_m = _month_offsets(inputs.launches["Launch month"], cycle)
    ok = (launch_s >= 0) & ~np.isnan(launch_m)
    launch_t[launch_s[ok]] = launch_m[ok]
    sellable = np.arange(n_t)[None, :] >= launch_t[line_sku][:, None]  # l × t

    # Every commitment; `_prepare` keeps the confirmed ones that can be planned.
    orders = pd.DataFrame(
        {
            "Order ref": _texts(commitments["Order ref"]),
            "line": _lookup_pairs(line_pairs, (commitment_sku, commitment_customer)),
            "t": _month_offsets(commitments["Requested date"], cycle),
            "Quantity": _numbers(commitments["Quantity"]),
            "Requested date": pd.to_datetime(
                pd.Series(commitments["Requested date"], dtype=object), errors="coerce"
            ).to_numpy(),
            "Status": _texts(commitments["Status"]),
        }
    )

    # Prices: SKU & customer first, else SKU & all customers; the latest Valid from on or before the month.
    prices = inputs.prices
    p_customer = _texts(prices["Customer"])
    p_keys = np.array([f"{s}\x1f{c}" for s, c in zip(_texts(prices["SKU"]), p_customer)], dtype=object)
    p_from = _month_offsets(prices["Valid from"], cycle)
    p_from = np.where(np.isnan(p_from), 0.0, np.maximum(p_from, 0.0))
    p_table = pd.DataFrame(
        {
            "key": p_keys,
            "t": p_from,
            "price": _numbers(prices["Unit price"]),
            "when": pd.to_datetime(pd.Series(prices["Valid from"], dtype=object), errors="coerce")
            .fillna(cycle)
            .to_numpy(),
        }
    )
    p_table = p_table[p_table["t"] < n_t].sort_values(["key", "when"], kind="stable")
    p_table = p_table.drop_duplicates(["key", "t"], keep="last")
    price_keys = list(dict.fromkeys(p_table["key"]))
    price_matrix = np.full((len(price_keys), n_t), np.nan)
    price_matrix[_lookup(price_keys, p_table["key"].to_numpy()), p_table["t"].to_numpy(dtype=int)] = p_table[
        "price"
    ].to_numpy()
    price_matrix = pd.DataFrame(price_matrix).ffill(axis=1).to_numpy()
    price_matrix = np.vstack([price_matrix, np.full((1, n_t), np.nan)])  # row -1: no price
    line_keys = np.array([f"{s}\x1f{c}" for s, c in zip(*line_pairs)], dtype=object)
    own_price = price_matrix[_lookup(price_keys, line_keys)]
    all_price = price_matrix[_lookup(price_keys, np.array([f"{skus[s]}\x1f" for s in line_sku], dtype=object))]
    price = np.where(np.isnan(own_price), all_price, own_price)
    price = np.nan_to_num(price, nan=0.0)

    # Inventory policy.
    inv = inputs.inventory
    inv_s = _lookup(skus, _texts(inv["SKU"]))
    opening, safety, target = np.zeros(n_s), np.zeros(n_s), np.zeros(n_s)
    max_stock = np.full(n_s, np.inf)
    ok = inv_s >= 0
    opening[inv_s[ok]] = _numbers(inv["Opening stock"])[ok]
    safety[inv_s[ok]] = _numbers(inv["Safety stock"])[ok]
    target[inv_s[ok]] = _numbers(inv["Target closing stock"])[ok]
    max_stock[inv_s[ok]] = _numbers(inv["Max stock"], default=np.inf)[ok]

    # Costs; a SKU without a Costs row costs nothing to make or hold and loses unmet demand.
    costs = inputs.costs
    cost_s = _lookup(skus, _texts(costs["SKU"]))
    ok = cost_s >= 0
    material_cost, other_cost, holding, backlog_cost = (np.zeros(n_s) for _ in range(4))
    waits = np.zeros(n_s, dtype=bool)
    material_cost[cost_s[ok]] = _numbers(costs["Material cost per unit"])[ok]
    other_cost[cost_s[ok]] = _numbers(costs["Other variable cost per unit"])[ok]
    holding[cost_s[ok]] = _numbers(costs["Holding cost per unit-month"])[ok]
    backlog_cost[cost_s[ok]] = _numbers(costs["Backlog cost per unit-month"])[ok]
    waits[cost_s[ok]] = _texts(costs["Unmet demand"])[ok] == "Backlog"

    # Launch readiness: no production or subcontracting before the Ready from month.
    ready_t = np.full(n_s, -np.inf)
    lr = inputs.launch_readiness
    lr_s = _lookup(skus, _texts(lr["SKU"]))
    lr_m = _month_offsets(lr["Ready from month"], cycle)
    ok = (lr_s >= 0) & ~np.isnan(lr_m)
    ready_t[lr_s[ok]] = lr_m[ok]
    ready = np.arange(n_t)[None, :] >= ready_t[:, None]

    # Resources and capacity.
    res = inputs.resources
    resources = _ordered_unique(res["Resource"], inputs.capacity["Resource"], inputs.routings["Resource"])
    n_r = len(resources)
    res_r = _lookup(resources, _texts(res["Resource"]))
    sites = [""] * n_r
    regular_rate, overtime_rate = np.zeros(n_r), np.zeros(n_r)
    for r, site, reg, ot in zip(
        res_r, _texts(res["Site"]), _numbers(res["Regular cost per hour"]), _numbers(res["Overtime cost per hour"])
    ):
        sites[r], regular_rate[r], overtime_rate[r] = site, reg, ot
    cap = inputs.capacity
    cap_r = _lookup(resources, _texts(cap["Resource"]))
    cap_m = _month_offsets(cap["Month"], cycle)
    cap_h = _numbers(cap["Hours"])
    kind = _texts(cap["Kind"])
    regular = _pivot(np.where(kind == "Regular", cap_r, -1), cap_m, cap_h, (n_r, n_t))
    overtime_limit = _pivot(np.where(kind == "Overtime", cap_r, -1), cap_m, cap_h, (n_r, n_t))

    rt = inputs.routings
    routing_sku = _lookup(skus, _texts(rt["SKU"]))
    routing_resource = _lookup(resources, _texts(rt["Resource"]))
    routing_hours = _numbers(rt["Hours per unit"])
    ok = (routing_sku >= 0) & (routing_resource >= 0)
    routing_sku, routing_resource, routing_hours = routing_sku[ok], routing_resource[ok], routing_hours[ok]
    makeable = np.zeros(n_s, dtype=bool)
    makeable[routing_sku] = True

    # Materials and the bill of materials.
    mat = inputs.materials
    materials = _ordered_unique(mat["Material"])
    n_m = len(materials)
    mat_m = _lookup(materials, _texts(mat["Material"]))
    suppliers = [""] * n_m
    for m, supplier in zip(mat_m, _texts(mat["Supplier"])):
        suppliers[m] = suppliers[m] or supplier
    available = _pivot(mat_m, _month_offsets(mat["Month"], cycle), _numbers(mat["Available"]), (n_m, n_t))
    bom = inputs.bill_of_materials
    bom_sku = _lookup(skus, _texts(bom["SKU"]))
    bom_material = _lookup(materials, _texts(bom["Material"]))
    bom_quantity = _numbers(bom["Quantity per unit"])
    # A material that is not on the Materials sheet is not constrained.
    ok = (bom_sku >= 0) & (bom_material >= 0)
    bom_sku, bom_material, bom_quantity = bom_sku[ok], bom_material[ok], bom_quantity[ok]

    # Subcontract arcs (SKU × subcontractor).
    sc = inputs.subcontract
    sc_frame = pd.DataFrame(
        {"SKU": _texts(sc["SKU"]), "Subcontractor": _texts(sc["Subcontractor"]), "cost": _numbers(sc["Cost per unit"])},
        dtype=object,
    )
    arcs = sc_frame.drop_duplicates(["SKU", "Subcontractor"])
    arcs = arcs.assign(s=_lookup(skus, arcs["SKU"].to_numpy()))
    arcs = arcs[arcs["s"] >= 0].sort_values("s", kind="stable")
    arc_sku = arcs["s"].to_numpy(dtype=int)
    arc_name = list(arcs["Subcontractor"])
    arc_cost = arcs["cost"].to_numpy(dtype=float)
    arc_keys = [f"{skus[s]}\x1f{k}" for s, k in zip(arc_sku, arc_name)]
    sc_arc = _lookup(
        arc_keys, np.array([f"{s}\x1f{k}" for s, k in zip(sc_frame["SKU"], sc_frame["Subcontractor"])], dtype=object)
    )
    arc_max = _pivot(sc_arc, _month_offsets(sc["Month"], cycle), _numbers(sc["Max units"]), (len(arc_sku), n_t))

    data = _Data(
        months=months,
        skus=skus,
        line_sku=line_sku,
        line_customer=line_customer,
        demand=np.zeros((n_l, n_t)),
        confirmed=np.zeros((n_l, n_t)),
        price=price,
        opening=opening,
        safety=safety,
        target=target,
        max_stock=max_stock,
        unit_cost=material_cost + other_cost,
        material_cost=material_cost,
        other_cost=other_cost,
        holding=holding,
        backlog_cost=backlog_cost,
        waits=waits,
        ready=ready,
        makeable=makeable,
        resources=resources,
        sites=sites,
        regular_rate=regular_rate,
        overtime_rate=overtime_rate,
        regular=regular,
        overtime_limit=overtime_limit,
        routing_sku=routing_sku,
        routing_resource=routing_resource,
        routing_hours=routing_hours,
        materials=materials,
        suppliers=suppliers,
        available=available,
        bom_sku=bom_sku,
        bom_material=bom_material,
        bom_quantity=bom_quantity,
        arc_sku=arc_sku,
        arc_name=arc_name,
        arc_cost=arc_cost,
        arc_max=arc_max,
        orders=orders.iloc[:0],
    )
    return _Common(
        inputs=inputs,
        data=data,
        line_keys=set(zip(*line_pairs)),
        forecast_scenario=_texts(forecast["Scenario"]),
        forecast_line=_lookup_pairs(line_pairs, (forecast_sku, forecast_customer)),
        forecast_month=_month_offsets(forecast["Month"], cycle),
        forecast_value=_numbers(forecast["Forecast"]),
        sellable=sellable,
        commitments=orders,
        arc_keys=arc_keys,
    )


def _prepare(common: _Common, scenario: str, adjustments: Adjustments) -> _Data:
    """The arrays of one scenario's model: the shared arrays of `common` with the scenario's demand, the
    confirmed orders and the adjustments applied (on copies: `common` is never changed)."""
    base = common.data
    months, skus, line_sku = base.months, base.skus, base.line_sku
    n_l, n_t = len(line_sku), len(months)
    scenario_names = common.forecast_scenario
    if scenario != "Base" and scenario not in set(scenario_names):
        raise PlanError(f"There is no {scenario} scenario in the Forecast sheet of the demand template.")
    for key in adjustments.extra_demand:
        _known(skus, key[0], "Extra demand")

    # Forecast of the scenario; a line without a row in a non-Base scenario keeps its Base forecast.
    f_line, f_month, f_value = common.forecast_line, common.forecast_month, common.forecast_value
    base_rows = scenario_names == "Base"
    demand = _pivot(f_line[base_rows], f_month[base_rows], f_value[base_rows], (n_l, n_t))
    if scenario != "Base":
        own_rows = scenario_names == scenario
        own = _pivot(f_line[own_rows], f_month[own_rows], f_value[own_rows], (n_l, n_t))
        has_own = np.zeros(n_l, dtype=bool)
        has_own[f_line[own_rows][f_line[own_rows] >= 0]] = True
        demand[has_own] = own[has_own]
    demand = np.maximum(demand, 0.0)  # the reader rejects negative forecasts; never plan negative demand
    sellable = common.sellable
    demand = np.where(sellable, demand, 0.0)

    # Confirmed orders: the month of the Requested date; earlier ones are due now, later ones are ignored.
    # Orders named in the adjustments are planned as confirmed whatever their status.
    orders = common.commitments
    status = orders["Status"].to_numpy()
    if adjustments.confirm_orders:
        status = np.where(orders["Order ref"].isin(list(adjustments.confirm_orders)).to_numpy(), "Confirmed", status)
    orders = orders[
        (status == "Confirmed")
        & (orders["line"].to_numpy() >= 0)
        & orders["t"].notna()
        & (orders["t"] < n_t)
        & (orders["Quantity"] > 0)
    ].drop(columns="Status")
    orders["t"] = orders["t"].clip(lower=0).astype(int)
    orders["plannable"] = sellable[orders["line"].to_numpy(dtype=int), orders["t"].to_numpy(dtype=int)]
    plannable = orders[orders["plannable"]]
    confirmed = _pivot(
        plannable["line"].to_numpy(dtype=int),
        plannable["t"].to_numpy(dtype=float),
        plannable["Quantity"].to_numpy(dtype=float),
        (n_l, n_t),
    )
    if adjustments.extra_demand:
        line_index = {(skus[s], c): line for line, (s, c) in enumerate(zip(line_sku, base.line_customer))}
    for (sku, customer, month), units in adjustments.extra_demand.items():
        t = _month_position(month, months, f"Extra demand for {sku} / {customer}")
        line = line_index[(sku, str(customer))]
        confirmed[line, t] += float(units)
        demand[line, t] += float(units)
    confirmed = np.maximum(confirmed, 0.0)
    demand = np.maximum(np.maximum(demand, 0.0), confirmed)

    price = base.price
    if adjustments.price_change:
        price = price.copy()
    for sku, new_price in adjustments.price_change.items():
        if sku not in skus:
            raise PlanError(f"Price change for {sku}: no such SKU in the inputs.")
        price[line_sku == skus.index(sku)] = float(new_price)

    regular, overtime_limit = base.regular.copy(), base.overtime_limit.copy()
    resources, materials = base.resources, base.materials
    for (resource, month), hours in adjustments.extra_hours.items():
        regular[_known(resources, resource, "Extra hours"), _month_position(month, months, resource)] += hours
    for (resource, month), hours in adjustments.extra_overtime.items():
        overtime_limit[_known(resources, resource, "Extra overtime"), _month_position(month, months, resource)] += hours
    available = base.available.copy()
    for (material, month), units in adjustments.extra_material.items():
        available[_known(materials, material, "Extra material"), _month_position(month, months, material)] += units
    arc_max = base.arc_max.copy()
    for (sku, month), units in adjustments.extra_subcontract.items():
        s = _known(skus, sku, "Extra subcontract")
        own_arcs = np.flatnonzero(base.arc_sku == s)
        if own_arcs.size == 0:
            raise PlanError(
                f"Extra subcontract for {sku}: the SKU has no subcontractor on the Subcontract sheet, "
                "so there is no cost per unit to price it at."
            )
        cheapest = own_arcs[np.argmin(base.arc_cost[own_arcs])]
        arc_max[cheapest, _month_position(month, months, sku)] += units

    unit_costs = {
        "material cost per unit": base.material_cost,
        "other variable cost per unit": base.other_cost,
        "holding cost per unit-month": base.holding,
        "backlog cost per unit-month": base.backlog_cost,
    }
    _check_signs(
        skus,
        resources,
        materials,
        common.arc_keys,
        months,
        regular,
        overtime_limit,
        available,
        arc_max,
        base.opening,
        base.max_stock,
        unit_costs,
    )
    return replace(
        base,
        demand=demand,
        confirmed=confirmed,
        price=price,
        regular=regular,
        overtime_limit=overtime_limit,
        available=available,
        arc_max=arc_max,
        orders=orders.reset_index(drop=True),
    )


def _known(keys: list[str], key: str, what: str) -> int:
    """The position of `key` in `keys`; a PlanError naming `what` when it is not there."""
    if key not in keys:
        raise PlanError(f"{what}: {key!r} is not in the inputs.")
    return keys.index(key)


def _check_signs(
    skus,
    resources,
    materials,
    arc_keys,
    months,
    regular,
    overtime_limit,
    available,
    arc_max,
    opening,
    max_stock,
    unit_costs,
) -> None:
    """Negative limits make the model infeasible and negative costs can make it unbounded; the reader rejects
    both, but inputs built in code are checked here too, and named in the planners' words."""
    problems = []
    for label, names, matrix in (
        ("regular hours (capacity.xlsx, Capacity) of resource", resources, regular),
        ("overtime limit (capacity.xlsx, Capacity) of resource", resources, overtime_limit),
        ("units available (capacity.xlsx, Materials) of material", materials, available),
        ("maximum units (capacity.xlsx, Subcontract) of", [k.replace("\x1f", " / ") for k in arc_keys], arc_max),
    ):
        for i, t in zip(*np.nonzero(matrix < 0)):
            problems.append(f"the {label} {names[i]} in {months[t]:%b-%y} is negative ({matrix[i, t]:g})")
    for s in np.flatnonzero((opening < 0) | (max_stock < 0)):
        problems.append(f"the opening stock or max stock (capacity.xlsx, Inventory) of SKU {skus[s]} is negative")
    for label, values in unit_costs.items():
        for s in np.flatnonzero(values < 0):
            problems.append(f"the {label} (capacity.xlsx, Costs) of SKU {skus[s]} is negative ({values[s]:g})")
    if problems:
        raise PlanError(
            "The plan cannot be made: "
            + "; ".join(problems[:10])
            + (f"; and {len(problems) - 10} more" if len(problems) > 10 else "")
            + "."
        )


# ----------------------------------------------------------------------------------------------------------
# The linear program
# ----------------------------------------------------------------------------------------------------------


def _penalties(data: _Data) -> tuple[float, np.ndarray, float]:
    """The commitment penalty (per unit short) and each SKU's steering penalty (per unit-month of safety-stock
    shortfall, and per unit of closing-stock shortfall).

    The order of priority is: confirmed orders, then stock policy (safety stock and closing target), then money.
    Soft constraints are there so that the plan always exists, not so that money can buy them off.

    Steering penalty = 100 × the money scale (the largest unit price, or unit cost of supply with overtime or
    subcontract, of any SKU). A shortfall must cost more than the margin the same hours or material could earn
    elsewhere, which can be several units of another SKU (a SKU that takes 10 times the hours of another gives
    up 10 of its units); 100 covers hour ratios up to 100. Stock is therefore kept even at the cost of a sale,
    as planners keep safety stock they are told to keep. Steering penalties are never counted as money.

    Commitment penalty = 10 × horizon × the steering penalty: one confirmed unit outweighs a unit of safety stock
    missing in every month of the horizon, ten times over. It stays below ~1e4 × horizon × the money scale so
    that, for the prices and costs of a real business, the objective's coefficients span less than ~1e9 and the
    simplex's tolerances (1e-7, on scaled values) still resolve small costs such as holding.

    A binding soft constraint shows in the shadow prices: when stock policy or a confirmed order is short
    because a resource is full, one more hour of it is worth a share of these penalties, not of money; compare a
    shadow price with the penalties in `Solution.statistics` to tell them apart.
    """
    n_s = len(data.skus)
    ot_per_unit = np.zeros(n_s)
    np.add.at(ot_per_unit, data.routing_sku, data.routing_hours * data.overtime_rate[data.routing_resource])
    dearest_sub = np.zeros(n_s)
    np.maximum.at(dearest_sub, data.arc_sku, data.arc_cost)
    dearest = np.maximum(data.unit_cost + ot_per_unit, dearest_sub) + data.holding + data.backlog_cost
    money_scale = max(1.0, float(np.max(data.price, initial=0.0)), float(np.max(dearest, initial=0.0)))
    steering = np.full(n_s, 100.0 * money_scale)
    commitment = 10.0 * len(data.months) * 100.0 * money_scale
    return commitment, steering, money_scale


@dataclass
class _Model:
    """Where the plan's figures are among the LP's columns, and where the reported duals are among its rows.

    Lines of a SKU that share one price in every month are planned as one shipment group (their customers are
    interchangeable to the plan); `line_group` maps each line to its group.
    """

    make: int
    ship: int
    ship_confirmed: int
    sub: int
    line_group: np.ndarray
    confirmed_group: np.ndarray  # the group of each confirmed-shipment column
    confirmed_t: np.ndarray  # and its month
    capacity_row: int
    material_row: int
    n_col: int
    n_row: int
    nnz: int
    # For the money-only duals (see `_money_duals`): the objective without penalties, the columns whose value
    # may not fall below the plan's (confirmed shipments, safety stock kept) and those that may not rise above
    # it (closing-stock shortfall).
    money_cost: np.ndarray = None
    keep_at_least: np.ndarray = None
    keep_at_most: np.ndarray = None
    matrix: _Matrix = None  # the constraint matrix, for splitting the LP into blocks
    # The LP as HiGHS gets it, block by block (`_sub_lp`): the objective in units of the money scale.
    cost: np.ndarray = None
    lower: np.ndarray = None
    upper: np.ndarray = None
    row_lower: np.ndarray = None
    row_upper: np.ndarray = None
    offset: float = 0.0
    # What each column and row stands for, as one integer: kind, item (SKU, line, resource, ...) and month. Two
    # models of the same inputs give the same key to the same quantity, so a re-solve can tell which blocks a
    # change touched and start the others' simplex where it was (`_resolve`).
    col_key: np.ndarray = None
    row_key: np.ndarray = None
    # The tie-break part of `cost` (`_TIE_BREAK`), in the same units, taken out of the reported objective.
    tie_break: np.ndarray = None
    # Where the simplex starts when no earlier basis fits (`_start_basis`), as `_basis_codes` arrays.
    start: tuple[np.ndarray, np.ndarray] = None


@dataclass
class _Matrix:
    """A sparse matrix stored by columns (CSC): column j holds the rows indices[indptr[j]:indptr[j + 1]], in
    increasing order, with the values data[indptr[j]:indptr[j + 1]]. HiGHS takes the same three arrays.

    Made with numpy alone: the planner needs only these few operations, and scipy.sparse took 0.22 s to import
    (with its graph routines), a twentieth of the whole 500-SKU job, on one core while the other waited.
    """

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    shape: tuple[int, int]  # (rows, columns)

    @classmethod
    def from_entries(cls, rows: np.ndarray, cols: np.ndarray, values: np.ndarray, shape: tuple[int, int]) -> _Matrix:
        """The matrix with these entries; entries at the same place are summed."""
        n_row, n_col = shape
        place = cols.astype(np.int64) * n_row + rows
        order = np.argsort(place)
        in_order = place[order]
        if np.any(in_order[1:] == in_order[:-1]):
            # Entries to sum: in the order they were given (a stable sort), so that the sum is the same on every
            # machine. The plan's models have none, and the unstable sort is 2-3 times quicker.
            order = np.argsort(place, kind="stable")
            in_order = place[order]
            first = np.flatnonzero(np.r_[True, in_order[1:] != in_order[:-1]])
            place, values = in_order[first], np.add.reduceat(values[order], first)
        else:
            place, values = in_order, values[order]
        indptr = np.zeros(n_col + 1, dtype=np.int64)
        np.cumsum(np.bincount(place // n_row, minlength=n_col), out=indptr[1:])
        return cls(indptr, place % n_row, values, shape)

    @property
    def nnz(self) -> int:
        """The number of entries."""
        return len(self.indices)

    def entry_columns(self) -> np.ndarray:
        """The column of each entry."""
        return np.repeat(np.arange(self.shape[1]), np.diff(self.indptr))

    def entries(self, cols: np.ndarray) -> np.ndarray:
        """Where the entries of these columns are (in `indices` and `data`), column after column."""
        counts = np.diff(self.indptr)[cols]
        # Each column's start repeated for each of its entries, plus the entry's place within the column.
        within = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        return np.repeat(self.indptr[cols], counts) + within

    def block(self, cols: np.ndarray, rows: np.ndarray) -> _Matrix:
        """The submatrix of these columns and rows (each in increasing order)."""
        counts = np.diff(self.indptr)[cols]
        entries = self.entries(cols)
        position = np.full(self.shape[0], -1)
        position[rows] = np.arange(len(rows))
        new_rows = position[self.indices[entries]]
        kept = new_rows >= 0
        indptr = np.zeros(len(cols) + 1, dtype=np.int64)
        np.cumsum(np.bincount(np.repeat(np.arange(len(cols)), counts)[kept], minlength=len(cols)), out=indptr[1:])
        return _Matrix(indptr, new_rows[kept], self.data[entries[kept]], (len(rows), len(cols)))


def _components(matrix: _Matrix) -> tuple[int, np.ndarray]:
    """The connected components of the graph whose nodes are the matrix's columns and rows (rows numbered after
    the columns) and whose edges are its entries: how many, and each node's component (0, 1, ...).

    Each node holds a label, at first its own number; a label always names a node of the same component. Each
    round, for every edge, the nodes its two ends' labels name take the lesser of those labels; then every node
    takes its label's label until no label changes (so every label names a node labelled with itself, a root).
    The rounds stop when the two ends of every edge have the same label: then each component has one root. The
    jumps make a few rounds enough where passing the least label from neighbour to neighbour would take one
    round per link of the longest path (3 rounds at 500 and at 5,000 SKUs).
    """
    n_col, n_row = matrix.shape[1], matrix.shape[0]
    ends = (matrix.entry_columns(), matrix.indices.astype(np.int64) + n_col)
    label = np.arange(n_col + n_row)
    while True:
        first, second = label[ends[0]], label[ends[1]]
        least = np.minimum(first, second)
        np.minimum.at(label, first, least)
        np.minimum.at(label, second, least)
        while True:
            jumped = label[label]
            if np.array_equal(jumped, label):
                break
            label = jumped
        if np.array_equal(label[ends[0]], label[ends[1]]):
            break
    # Every label is now a root (a node labelled with itself): the components are numbered in order of their roots.
    root = label == np.arange(n_col + n_row)
    number = np.cumsum(root) - 1
    return int(root.sum()), number[label]


def _groups(data: _Data) -> np.ndarray:
    """Shipment group of each line: one per SKU and price path.

    This is exact: a group's shipments can always be split back over its lines within each line's demand and
    backlog, its confirmed shipments within each line's confirmed orders (see `_split_shipments`), and every
    line of a group earns the same price and backlog cost. It also leaves the plan no choice between customers
    that the money cannot tell apart: the split decides, in proportion. (When lines with confirmed orders were
    groups of their own, which of two customers at the same price waited was the solver's pick, and with it the
    gaps and the revenue at risk the meeting reads.)
    """
    n_l = len(data.line_sku)
    if n_l == 0:
        return np.zeros(0, dtype=int)
    keys = np.column_stack([data.price, data.line_sku]).astype(float)
    # Distinct rows, numbered in order of first appearance.
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=int)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    return rank[inverse.ravel()]


def _build(data: _Data, commitment_penalty: float, steering: np.ndarray, objective_scale: float) -> _Model:
    """Assemble the LP in HiGHS's column-wise form from index arrays; minimise −(profit − penalties).

    Two soft constraints are written as split columns rather than rows, which keeps the model small:
    safety stock — inventory is inv_low (up to the safety stock, holding − penalty per unit-month) plus inv
    (the rest, holding), since penalty × (safety stock − inv_low) = constant − penalty × inv_low; and confirmed
    orders — shipments are ship_confirmed (up to the confirmed orders, −price − commitment penalty) plus ship.
    The cheaper part always fills first, so both are exact; the constants go to the objective's offset.
    """
    n_s, n_t = len(data.skus), len(data.months)
    n_r, n_m, n_k = len(data.resources), len(data.materials), len(data.arc_sku)
    T = np.arange(n_t)
    inf = highspy.kHighsInf

    line_group = _groups(data)
    n_g = int(line_group.max()) + 1 if len(line_group) else 0
    first_line = np.zeros(n_g, dtype=int)
    first_line[line_group[::-1]] = np.arange(len(line_group))[::-1]
    group_sku = data.line_sku[first_line]
    group_price = data.price[first_line]
    group_demand = np.zeros((n_g, n_t))
    np.add.at(group_demand, line_group, data.demand)
    group_confirmed = np.zeros((n_g, n_t))
    np.add.at(group_confirmed, line_group, data.confirmed)
    group_waits = data.waits[group_sku]
    backlog_groups = np.flatnonzero(group_waits)
    n_b = len(backlog_groups)
    confirmed_group, confirmed_t = np.nonzero(group_confirmed > 0)
    ss_skus = np.flatnonzero(data.safety > 0)
    target_skus = np.flatnonzero(data.target > 0)

    # Storage: inv ≤ max stock, but never below what opening stock less all demand leaves, so that a plan
    # that starts overstocked stays feasible and sells down as fast as demand allows.
    cum_demand = np.zeros((n_s, n_t))
    np.add.at(cum_demand, data.line_sku, np.cumsum(data.demand, axis=1))
    stock_limit = np.maximum(data.max_stock[:, None], data.opening[:, None] - cum_demand)
    low_limit = np.minimum(data.safety[ss_skus][:, None], stock_limit[ss_skus])
    high_limit = stock_limit.copy()
    high_limit[ss_skus] -= low_limit

    # Column blocks, each laid out item-major, month-minor (except the one-per-item blocks).
    sizes = {
        "make": n_s * n_t,
        "inv": n_s * n_t,
        "inv_low": len(ss_skus) * n_t,
        "ship": n_g * n_t,
        "ship_confirmed": len(confirmed_group),
        "sub": n_k * n_t,
        "ot": n_r * n_t,
        "bl": n_b * n_t,
        "short": len(target_skus),
    }
    offset, start = {}, 0
    for name, size in sizes.items():
        offset[name] = start
        start += size
    n_col = start

    def col(block: str, item, t=0):
        per_item = 1 if block in ("short", "ship_confirmed") else n_t
        return offset[block] + np.asarray(item) * per_item + t

    def block(name):
        return slice(offset[name], offset[name] + sizes[name])

    cost = np.zeros(n_col)
    lower = np.zeros(n_col)
    upper = np.full(n_col, inf)
    # Objective (minimised): costs positive, revenue negative.
    cost[block("make")] = np.repeat(data.unit_cost, n_t)
    upper[block("make")] = np.where((data.ready & data.makeable[:, None]).ravel(), inf, 0.0)
    cost[block("inv")] = np.repeat(data.holding, n_t)
    upper[block("inv")] = high_limit.ravel()
    cost[block("inv_low")] = np.repeat(data.holding[ss_skus] - steering[ss_skus], n_t)
    upper[block("inv_low")] = low_limit.ravel()
    cost[block("ship")] = -group_price.ravel()
    # A backlogged group never ships more than its demand so far (backlog ≥ 0 implies it). Saying so changes no
    # plan, and it gives every column with a negative cost a finite upper bound: the dual simplex then starts
    # dual feasible at the slack basis and skips its phase 1, which took 40% of the iterations of a cold solve
    # (500 SKUs: Base's three blocks 2.8 s → 1.8 s, to the same objective).
    upper[block("ship")] = np.where(
        group_waits[:, None], np.cumsum(group_demand, axis=1), group_demand - group_confirmed
    ).ravel()
    cost[block("ship_confirmed")] = -group_price[confirmed_group, confirmed_t] - commitment_penalty
    upper[block("ship_confirmed")] = group_confirmed[confirmed_group, confirmed_t]
    cost[block("sub")] = np.repeat(data.arc_cost, n_t)
    upper[block("sub")] = np.where(data.ready[data.arc_sku], data.arc_max, 0.0).ravel()
    cost[block("ot")] = np.repeat(data.overtime_rate, n_t)
    upper[block("ot")] = data.overtime_limit.ravel()
    cost[block("bl")] = np.repeat(data.backlog_cost[group_sku[backlog_groups]], n_t)
    # Which of a SKU's customers waits is a tie when they pay different prices: the margin is the same whoever
    # ships late, so the solver's path would pick, and with it the gaps and the revenue at risk the meeting reads.
    # A backlogged unit-month also costs a hair of its price in the LP (`_TIE_BREAK`): the lower-priced demand
    # waits. It is left out of the objective the solution reports and of the money-only duals.
    tie_break = np.zeros(n_col)
    tie_break[block("bl")] = _TIE_BREAK * group_price[backlog_groups].ravel()
    cost += tie_break
    cost[block("short")] = steering[target_skus]
    upper[block("short")] = data.target[target_skus]
    # The penalties' constants: penalty × safety stock every month, commitment penalty × confirmed units.
    offset_value = float(
        np.sum(steering[ss_skus] * data.safety[ss_skus]) * n_t + commitment_penalty * group_confirmed.sum()
    )

    rows, cols, vals, row_lower, row_upper = [], [], [], [], []
    n_row = 0

    def add_rows(count, lo, hi):
        nonlocal n_row
        row_lower.append(np.broadcast_to(np.asarray(lo, dtype=float), (count,)))
        row_upper.append(np.broadcast_to(np.asarray(hi, dtype=float), (count,)))
        first = n_row
        n_row += count
        return first

    def add(r, c, v):
        r, c = np.broadcast_arrays(np.asarray(r), np.asarray(c))
        rows.append(r.ravel())
        cols.append(c.ravel())
        vals.append(np.broadcast_to(np.asarray(v, dtype=float), r.shape).ravel())

    # inv[s,t] − inv[s,t-1] − make[s,t] − Σk sub[s,k,t] + Σc ship[s,c,t] = opening (t = 0) or 0,
    # with inv = inv + inv_low and ship = ship + ship_confirmed.
    rhs = np.zeros((n_s, n_t))
    rhs[:, 0] = data.opening
    inventory_row = add_rows(n_s * n_t, rhs.ravel(), rhs.ravel())
    S = np.arange(n_s)[:, None]
    add(inventory_row + S * n_t + T, col("inv", S, T), 1.0)
    add(inventory_row + S * n_t + T[1:], col("inv", S, T[:-1]), -1.0)
    Q = np.arange(len(ss_skus))[:, None]
    add(inventory_row + ss_skus[:, None] * n_t + T, col("inv_low", Q, T), 1.0)
    add(inventory_row + ss_skus[:, None] * n_t + T[1:], col("inv_low", Q, T[:-1]), -1.0)
    add(inventory_row + S * n_t + T, col("make", S, T), -1.0)
    K = np.arange(n_k)[:, None]
    add(inventory_row + data.arc_sku[:, None] * n_t + T, col("sub", K, T), -1.0)
    G = np.arange(n_g)[:, None]
    add(inventory_row + group_sku[:, None] * n_t + T, col("ship", G, T), 1.0)
    J = np.arange(len(confirmed_group))
    add(inventory_row + group_sku[confirmed_group] * n_t + confirmed_t, col("ship_confirmed", J), 1.0)

    # bl[g,t] − bl[g,t-1] + ship[g,t] = d[g,t]   (backlogged SKUs only).
    d = group_demand[backlog_groups].ravel()
    backlog_row = add_rows(n_b * n_t, d, d)
    B = np.arange(n_b)[:, None]
    add(backlog_row + B * n_t + T, col("bl", B, T), 1.0)
    add(backlog_row + B * n_t + T[1:], col("bl", B, T[:-1]), -1.0)
    add(backlog_row + B * n_t + T, col("ship", backlog_groups[:, None], T), 1.0)
    backlog_position = np.full(n_g, -1)
    backlog_position[backlog_groups] = np.arange(n_b)
    waiting = backlog_position[confirmed_group] >= 0
    add(
        backlog_row + backlog_position[confirmed_group[waiting]] * n_t + confirmed_t[waiting],
        col("ship_confirmed", J[waiting]),
        1.0,
    )

    # Σs hours[s,r]·make[s,t] − ot[r,t] ≤ regular[r,t].
    capacity_row = add_rows(n_r * n_t, -inf, data.regular.ravel())
    add(
        capacity_row + data.routing_resource[:, None] * n_t + T,
        col("make", data.routing_sku[:, None], T),
        data.routing_hours[:, None],
    )
    R = np.arange(n_r)[:, None]
    add(capacity_row + R * n_t + T, col("ot", R, T), -1.0)

    # Σs qty[s,m]·make[s,t] ≤ available[m,t].
    material_row = add_rows(n_m * n_t, -inf, data.available.ravel())
    add(
        material_row + data.bom_material[:, None] * n_t + T,
        col("make", data.bom_sku[:, None], T),
        data.bom_quantity[:, None],
    )

    # inv[s,H] + short[s] ≥ target closing stock[s].
    target_row = add_rows(len(target_skus), data.target[target_skus], inf)
    Z = np.arange(len(target_skus))
    add(target_row + Z, col("inv", target_skus, n_t - 1), 1.0)
    low_position = np.full(n_s, -1)
    low_position[ss_skus] = np.arange(len(ss_skus))
    has_low = low_position[target_skus] >= 0
    add(target_row + Z[has_low], col("inv_low", low_position[target_skus[has_low]], n_t - 1), 1.0)
    add(target_row + Z, col("short", Z), 1.0)

    matrix = _Matrix.from_entries(np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), (n_row, n_col))

    # The objective is passed in units of `objective_scale` (the money scale), so that prices are about 1 and
    # the penalties at most ~1e4: HiGHS then sees no "excessively large costs". The plan is the same; the
    # objective and the duals are scaled back in `solve`.
    model = _Model(
        make=offset["make"],
        ship=offset["ship"],
        ship_confirmed=offset["ship_confirmed"],
        sub=offset["sub"],
        line_group=line_group,
        confirmed_group=confirmed_group,
        confirmed_t=confirmed_t,
        capacity_row=capacity_row,
        material_row=material_row,
        n_col=n_col,
        n_row=n_row,
        nnz=int(matrix.nnz),
        cost=cost / objective_scale,
        lower=lower,
        upper=upper,
        row_lower=np.concatenate(row_lower),
        row_upper=np.concatenate(row_upper),
        offset=offset_value / objective_scale,
    )

    # Keys: kind × 2^40 + item × 2^10 + month. A shipment group is known by its first line, a safety-stock or
    # target column by its SKU, a confirmed shipment by its group and month.
    def key(kind: int, item, t=0) -> np.ndarray:
        item, t = np.broadcast_arrays(np.asarray(item, dtype=np.int64), np.asarray(t, dtype=np.int64))
        return (np.int64(kind) << 40) + (item.ravel() << 10) + t.ravel()

    group_line = first_line
    model.col_key = np.concatenate(
        [
            key(0, S, T),
            key(1, S, T),
            key(2, ss_skus[:, None], T),
            key(3, group_line[:, None], T),
            key(4, group_line[confirmed_group], confirmed_t),
            key(5, K, T),
            key(6, R, T),
            key(7, group_line[backlog_groups][:, None], T),
            key(8, target_skus),
        ]
    )
    model.row_key = np.concatenate(
        [
            key(0, S, T),
            key(1, group_line[backlog_groups][:, None], T),
            key(_CAPACITY_KEY, R, T),
            key(_MATERIAL_KEY, np.arange(n_m)[:, None], T),
            key(4, target_skus),
        ]
    )
    money_cost = cost - tie_break
    model.tie_break = tie_break / objective_scale
    money_cost[block("ship_confirmed")] += commitment_penalty
    money_cost[block("inv_low")] += steering[np.repeat(ss_skus, n_t)]
    money_cost[block("short")] = 0.0
    model.money_cost = money_cost
    model.keep_at_least = np.r_[
        np.arange(offset["ship_confirmed"], offset["ship_confirmed"] + sizes["ship_confirmed"]),
        np.arange(offset["inv_low"], offset["inv_low"] + sizes["inv_low"]),
    ]
    model.keep_at_most = np.arange(offset["short"], offset["short"] + sizes["short"])
    model.matrix = matrix
    model.start = _start_basis(
        cost,
        upper,
        n_row,
        block("make"),
        col("ship", backlog_groups[:, None], T).ravel(),
        (inventory_row, backlog_row + n_b * n_t),
    )
    return model


def _start_basis(
    cost: np.ndarray,
    upper: np.ndarray,
    n_row: int,
    make: slice,
    backlog_ship: np.ndarray,
    balance_rows: tuple[int, int],
) -> tuple[np.ndarray, np.ndarray]:
    """The basis a cold simplex starts from: every SKU makes and every backlogged group ships its demand, month
    by month (lot for lot), as `_basis_codes` arrays.

    Production is basic in each SKU's stock balance and shipments in each group's backlog balance; stock,
    backlog, overtime and subcontracting are nonbasic at zero, and every other column at the bound its cost
    favours (a shipment at its demand, safety stock held). For costs and prices as they are in a business
    (holding and backlog costs ≥ 0, prices above unit costs) this basis is dual feasible, and it is near the
    optimum: the dual simplex only has to move demand the resources cannot make in its month. From the slack
    basis it starts from otherwise, it first has to bring a column into every balance row: at 500 SKUs Base's
    three blocks took 12,253, 7,652 and 15,048 iterations (2.1 s) from there and 638, 710 and 1,978 (0.9 s) from
    here, to the same objectives. The balance rows are `balance_rows` (first, end), stock balances then backlog
    balances, one basic column each, so the basis has as many basic variables as rows.
    """
    col_status = np.where((cost < 0) & np.isfinite(upper), _AT_UPPER, _AT_LOWER).astype(np.int8)
    col_status[make] = _BASIC
    col_status[backlog_ship] = _BASIC
    row_status = np.full(n_row, _BASIC, dtype=np.int8)
    row_status[balance_rows[0] : balance_rows[1]] = _AT_LOWER
    return col_status, row_status


def _split_shipments(
    data: _Data, line_group: np.ndarray, group_ship: np.ndarray, group_confirmed_ship: np.ndarray
) -> np.ndarray:
    """Share each group's shipments over its lines, month by month.

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


_banner_silenced = False


def _new_highs() -> highspy.Highs:
    """A HiGHS instance. The first one made in a process prints a banner straight to the C stdout, before any
    option can switch it off; that would land in the middle of the CLI's output, so it goes to /dev/null."""
    global _banner_silenced
    if _banner_silenced:
        return highspy.Highs()
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        highs = highspy.Highs()
        try:
            ctypes.CDLL(None).fflush(None)
        except (OSError, AttributeError):  # no C library to flush (not on Linux or macOS): nothing buffered
            pass
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
        _banner_silenced = True
    return highs


# HiGHS's codes for a matrix stored column by column and for minimising (passModel with arrays).
_COLUMN_WISE, _MINIMIZE = int(highspy.MatrixFormat.kColwise), int(highspy.ObjSense.kMinimize)


def _run(block: dict, scenario: str, options: dict[str, object], basis=None, *, give_up: bool = False):
    """Solve a block's LP (`_sub_lp`) with fixed options, from `basis` when it fits; return column values, row
    duals, the objective, the iteration count and the HiGHS instance (which holds the optimal basis). With
    `give_up`, None when the simplex reached its iteration limit."""
    highs = _new_highs()
    for name, value in options.items():
        highs.setOptionValue(name, value)
    n_col, n_row = len(block["cost"]), len(block["row_lower"])
    # The arrays go to HiGHS as they are; set one by one on a HighsLp, each element was converted on its own
    # (12 ms instead of 1.5 ms for a 20,000-column block). Every column is continuous.
    highs.passModel(
        n_col,
        n_row,
        len(block["value"]),
        _COLUMN_WISE,
        _MINIMIZE,
        0.0,
        block["cost"],
        block["lower"],
        block["upper"],
        block["row_lower"],
        block["row_upper"],
        block["start"],
        block["index"],
        block["value"],
        np.zeros(n_col, dtype=np.int32),
    )
    if basis is not None and len(basis.col_status) == n_col and len(basis.row_status) == n_row:
        highs.setOptionValue("solver", "simplex")
        highs.setBasis(basis)
    highs.run()
    if give_up and highs.getModelStatus() == highspy.HighsModelStatus.kIterationLimit:
        return None
    return (*_optimum(highs, scenario), highs)


def _optimum(highs: highspy.Highs, scenario: str) -> tuple[np.ndarray, np.ndarray, float, int]:
    """The optimum HiGHS found (column values, row duals, objective, iterations); PlanError if it found none."""
    status = highs.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        text = highs.modelStatusToString(status)
        raise PlanError(
            f"The {scenario} plan cannot be made: the solver reports '{text}'. Every plan may ship "
            "nothing, so this points to inconsistent inputs: check for negative or non-finite hours, "
            "material availability, subcontract limits, prices or costs in the templates."
        )
    solution = highs.getSolution()
    info = highs.getInfo()
    iterations = int(info.simplex_iteration_count) + int(info.ipm_iteration_count) + int(info.crossover_iteration_count)
    return (
        np.asarray(solution.col_value),
        np.asarray(solution.row_dual),
        float(info.objective_function_value),
        iterations,
    )


def _money_duals(
    highs: highspy.Highs, block: dict, x: np.ndarray, row_dual: np.ndarray, scenario: str, money_scale: float
) -> np.ndarray:
    """Row duals in money only, when a confirmed order or a stock policy is short in the plan.

    A short confirmed order puts its penalty into the shadow prices: one more unit of the scarce material would
    "save" the penalty, and the material would read as worth millions a unit. The meeting needs the money an
    extra hour or unit brings. So the LP is solved again without penalties, with every penalised quantity held
    at least as good as in the plan (confirmed shipments and safety stock not below it, closing shortfall not
    above it). The plan stays optimal for that LP — a plan with more money and no worse penalties would have
    been better in the first place — and its duals are the money value of one more unit, given that orders and
    stock policy are not served worse. Without any shortfall the first duals already are in money.

    `highs` is the instance that solved the block's LP (`_sub_lp`), holding its optimal basis: the costs and
    bounds are changed there and the simplex goes on from that basis, which took half the time of a new instance
    started from the same basis (0.15 s instead of 0.32 s for the nine blocks of the 500-SKU benchmark, to the
    same duals within 1e-12). The block's `money_cost` is the objective without penalties; `keep_at_least` the
    columns that may not fall below the plan's value, `keep_at_most` those that may not rise above it.
    """
    tolerance = 1e-7
    at_least, at_most = block["keep_at_least"], block["keep_at_most"]
    upper = block["upper"]
    short = (np.any(x[at_least] < upper[at_least] - tolerance) if len(at_least) else False) or (
        np.any(x[at_most] > tolerance) if len(at_most) else False
    )
    if not short:
        return row_dual
    lower = block["lower"].copy()
    upper = upper.copy()
    lower[at_least] = np.minimum(x[at_least], upper[at_least])
    upper[at_most] = np.maximum(x[at_most], lower[at_most])
    n_col = len(upper)
    every = np.arange(n_col, dtype=np.int32)
    # From the basis, by the simplex and without an iteration limit, whichever solver found the plan.
    highs.setOptionValue("solver", "simplex")
    highs.setOptionValue("simplex_iteration_limit", highspy.kHighsIInf)
    highs.changeColsCost(n_col, every, block["money_cost"] / money_scale)
    highs.changeColsBounds(n_col, every, lower, upper)
    highs.run()
    return _optimum(highs, scenario)[1]


@dataclass
class _BlockBases:
    """The optimal basis of each block of a solve (`_basis_codes`), to warm-start the blocks of a re-solve with
    the same shape."""

    n_col: int
    n_row: int
    bases: list


def _blocks(model: _Model) -> list[tuple[np.ndarray, np.ndarray]]:
    """The LP's independent blocks as (columns, rows), each in increasing order, blocks in order of first column.

    Columns and rows are the nodes of a graph whose edges are the matrix's nonzeros; its connected components
    share no row, so the LP is the sum of the components' LPs. Components are packed in order into blocks of at
    least `_BLOCK_COLUMNS` columns (a large component is a block of its own).
    """
    n_col, n_row = model.n_col, model.n_row
    count, label = _components(model.matrix)
    size = np.bincount(label[:n_col], minlength=count)
    # Components in order of their first node (column 0 first), packed by cumulative columns.
    first = np.full(count, n_col + n_row)
    np.minimum.at(first, label, np.arange(n_col + n_row))
    order = np.argsort(first, kind="stable")
    packed = np.empty(count, dtype=int)
    packed[order] = (np.cumsum(size[order]) - size[order]) // _BLOCK_COLUMNS
    _, packed = np.unique(packed, return_inverse=True)
    n_blocks = int(packed.max()) + 1 if count else 0
    col_block, row_block = packed[label[:n_col]], packed[label[n_col:]]
    col_order = np.argsort(col_block, kind="stable")
    row_order = np.argsort(row_block, kind="stable")
    col_split = np.cumsum(np.bincount(col_block, minlength=n_blocks))[:-1]
    row_split = np.cumsum(np.bincount(row_block, minlength=n_blocks))[:-1]
    return list(zip(np.split(col_order, col_split), np.split(row_order, row_split)))


def _sub_lp(model: _Model, cols: np.ndarray, rows: np.ndarray) -> dict:
    """The LP of one block as plain arrays (they cross to a worker process): its columns and rows of the model,
    without the objective's offset, and where its money-only columns are (see `_money_duals`)."""
    matrix = model.matrix.block(cols, rows)
    position = np.full(model.n_col, -1)
    position[cols] = np.arange(len(cols))
    at_least = position[model.keep_at_least]
    at_most = position[model.keep_at_most]
    return {
        "cost": model.cost[cols],
        "lower": model.lower[cols],
        "upper": model.upper[cols],
        "row_lower": model.row_lower[rows],
        "row_upper": model.row_upper[rows],
        "start": matrix.indptr.astype(np.int32),
        "index": matrix.indices.astype(np.int32),
        "value": matrix.data,
        "money_cost": model.money_cost[cols],
        "keep_at_least": at_least[at_least >= 0],
        "keep_at_most": at_most[at_most >= 0],
    }


def _solve_block(task: tuple) -> tuple:
    """Solve one block and its money-only duals (unless the task says not to); the unit of work of
    `_solve_tasks`, in this process or a worker. Returns column values, row duals, objective, iterations, the
    solver and the basis as status codes."""
    block, scenario, options, basis, money_scale, money_duals = task
    fallback = options.get(_FALLBACK)
    options = {name: value for name, value in options.items() if name != _FALLBACK}
    answer = _run(block, scenario, options, _basis_from_codes(basis), give_up=fallback is not None)
    if answer is None:  # the simplex's try hit its iteration limit: solve with the fallback from scratch
        options.pop("simplex_iteration_limit", None)
        options["solver"], basis = fallback, None
        answer = _run(block, scenario, options)
    x, dual, objective, iterations, highs = answer
    codes = _basis_codes(highs.getBasis())  # the plan's basis, before the money-only solve moves it
    if money_duals:
        dual = _money_duals(highs, block, x, dual, scenario, money_scale)
    solver = "simplex" if basis is not None else str(options["solver"])
    return x, dual, objective, iterations, solver, codes


# Every HiGHS basis status by its code: looking one up is much quicker than making it.
_STATUSES = [highspy.HighsBasisStatus(code) for code in range(5)]


def _basis_codes(basis) -> tuple[np.ndarray, np.ndarray] | None:
    """A HiGHS basis as two arrays of status codes (columns, rows), which can cross between processes."""
    if basis is None or not basis.valid:
        return None
    # Each read of col_status or row_status copies the whole list out of HiGHS: read each once.
    col_status, row_status = basis.col_status, basis.row_status
    return (
        np.fromiter(map(int, col_status), dtype=np.int8, count=len(col_status)),
        np.fromiter(map(int, row_status), dtype=np.int8, count=len(row_status)),
    )


def _basis_from_codes(codes):
    """The HiGHS basis of `_basis_codes`' arrays; None stays None."""
    if codes is None:
        return None
    basis = highspy.HighsBasis()
    basis.col_status = [_STATUSES[v] for v in codes[0].tolist()]
    basis.row_status = [_STATUSES[v] for v in codes[1].tolist()]
    basis.valid = True
    return basis


# Models above this many columns, in more than one block, are solved on every core the process may use (one
# worker process each, forked); the blocks are the same and each is solved the same way, so the plan is
# identical to a solve in this process. Smaller models are quicker without starting workers.
_PARALLEL_ABOVE = 30_000
# A block is warm-started from another scenario's basis only up to this many columns. The demand of another
# scenario differs in every month of every SKU: from Base's basis the simplex of a 29,000-column block takes
# 0.6 s instead of 3 s from scratch, but on a 389,000-column model (5,000 SKUs all linked by shared resources)
# it had not finished after 10 minutes where interior point from scratch takes about 2. The blocks of one site at
# 20,000 SKUs are up to 81,000 columns: Upside from Base's basis 3.1 s against 11.5 s by interior point from
# scratch (68,600 columns: 4.5 s against 8.5 s), to the same objective.
_WARM_SCENARIO_COLUMNS = 100_000


def _workers(n_col: int, n_tasks: int) -> int:
    """How many worker processes to solve the blocks of an `n_col`-column model in; 1 = in this process."""
    import multiprocessing

    if (
        n_col <= _PARALLEL_ABOVE
        or n_tasks < 2
        or "fork" not in multiprocessing.get_all_start_methods()
        or multiprocessing.current_process().daemon
    ):  # a daemonic process may not start workers
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cores, n_tasks))


def _solve_tasks(
    n_col: int,
    tasks: list[tuple],
    starts_from: dict[int, int] | None = None,
    later: Callable[[], tuple[list[tuple], dict[int, int]]] | None = None,
    n_tasks: int | None = None,
) -> list[tuple]:
    """Solve blocks (`_solve_block` tasks) of models of `n_col` columns in all, on every core when that is
    large; answers in task order.

    `starts_from` maps a task to the earlier task whose optimal basis it starts from (a scenario's block from
    Base's same block): it is solved as soon as that one is, while other blocks are still being solved, so no
    core waits for the slowest block of the first scenario. Workers take the largest blocks first, so that no
    core is left with one big block at the end; the answers do not depend on which worker solved what or when.

    `later`, when given, makes more tasks and their sources (numbered after `tasks`); it is called once the
    first tasks are with the workers, so that the other scenarios' models are built while Base's blocks are
    solved. `n_tasks` is then how many tasks there will be in all, for the number of workers.
    """
    given, given_starts = tasks, starts_from or {}
    tasks, starts_from, answers = [], {}, []
    waiting: dict[int, list[int]] = {}

    def add(new_tasks: list[tuple], new_starts: dict[int, int]) -> list[int]:
        # Record tasks numbered after those there are; return the ones that start from scratch, largest first.
        first = len(tasks)
        tasks.extend(new_tasks)
        starts_from.update(new_starts)
        answers.extend([None] * len(new_tasks))
        for task, source in new_starts.items():
            waiting.setdefault(source, []).append(task)
        return sorted(
            (task for task in range(first, len(tasks)) if task not in new_starts),
            key=lambda task: -len(tasks[task][0]["cost"]),
        )

    def started(task: int) -> tuple:
        # The task with the basis its source ended at.
        if task not in starts_from:
            return tasks[task]
        block, scenario, options, _, money_scale, money_duals = tasks[task]
        return block, scenario, options, answers[starts_from[task]][5], money_scale, money_duals

    free = add(given, given_starts)
    workers = _workers(n_col, n_tasks or len(tasks))
    if workers == 1:
        if later is not None:
            add(*later())
        for task in range(len(tasks)):  # a task's source comes before it
            answers[task] = _solve_block(started(task))
        return answers
    import multiprocessing
    import queue

    done: queue.SimpleQueue = queue.SimpleQueue()
    with multiprocessing.get_context("fork").Pool(workers) as pool:

        def submit(task: int) -> None:
            pool.apply_async(
                _solve_block,
                (started(task),),
                callback=lambda answer: done.put((task, answer)),
                error_callback=lambda error: done.put((task, error)),
            )

        for task in free:
            submit(task)
        if later is not None:
            for task in add(*later()):
                submit(task)
        for _ in range(len(tasks)):
            task, answer = done.get()
            if isinstance(answer, BaseException):
                raise answer
            answers[task] = answer
            for follower in sorted(waiting.get(task, ()), key=lambda other: -len(tasks[other][0]["cost"])):
                submit(follower)
    return answers


def _options(options: dict[str, object], columns: int) -> dict[str, object]:
    """The HiGHS options of a block of this many columns: its size picks the solver unless `options` names one."""
    return {"solver": "ipm" if columns > _INTERIOR_POINT_ABOVE else "simplex", **options}


def _block_tasks(
    model: _Model,
    blocks: list,
    scenario: str,
    options: dict[str, object],
    warm_start: _BlockBases | None,
    money_scale: float,
    warm_columns: float,
) -> list[tuple]:
    """The `_solve_block` task of each block of the LP (see `_blocks`).

    Each block gets the solver its size calls for (unless `options` names one), the money-only duals of its own
    shortfalls (`_money_duals`: the money LP is block by block too), and the basis of the same block of
    `warm_start` when the model has the same shape and the block has at most `warm_columns` columns.
    """
    fits = (
        warm_start is not None
        and warm_start.n_col == model.n_col
        and warm_start.n_row == model.n_row
        and len(warm_start.bases) == len(blocks)
    )
    tasks = []
    for number, (cols, rows) in enumerate(blocks):
        if fits and len(cols) <= warm_columns:
            basis, chosen = warm_start.bases[number], _options(options, len(cols))
        else:
            basis, chosen = _cold_start(model, cols, rows, options)
        tasks.append((_sub_lp(model, cols, rows), scenario, chosen, basis, money_scale, True))
    return tasks


def _cold_start(
    model: _Model, cols: np.ndarray, rows: np.ndarray, options: dict[str, object]
) -> tuple[tuple[np.ndarray, np.ndarray] | None, dict[str, object]]:
    """How a block without an earlier basis is solved: its starting basis (`_basis_codes` arrays) and options.

    The simplex starts from the model's lot-for-lot basis (`_start_basis`). A block large enough for interior
    point tries the simplex from there first, with an iteration limit and interior point to fall back on (see
    `_SIMPLEX_TRY_COLUMNS`). A solver named in `options` is used as named; interior point then from scratch.
    """
    chosen = _options(options, len(cols))
    if model.start is None or (chosen["solver"] != "simplex" and "solver" in options):
        return None, chosen
    start = (model.start[0][cols], model.start[1][rows])
    if chosen["solver"] == "simplex":
        return start, chosen
    coupling = np.count_nonzero(np.isin(model.row_key[rows] >> 40, (_CAPACITY_KEY, _MATERIAL_KEY)))
    if len(cols) > _SIMPLEX_TRY_COLUMNS or coupling > _SIMPLEX_TRY_COUPLING * len(rows):
        return None, chosen
    limit = max(_SIMPLEX_TRY_ITERATIONS_AT_LEAST, int(_SIMPLEX_TRY_ITERATIONS_PER_ROW * len(rows)))
    return start, {**chosen, "solver": "simplex", "simplex_iteration_limit": limit, _FALLBACK: chosen["solver"]}


@dataclass
class _Solved:
    """A scenario's model as solved, with each block's answer (`_solve_block`), kept on its Solution so that a
    small change re-solves only the blocks it touches (`_resolve`)."""

    common: _Common
    model: _Model
    blocks: list[tuple[np.ndarray, np.ndarray]]
    answers: list[tuple]


def _merge(model: _Model, blocks: list, answers: list) -> tuple[np.ndarray, np.ndarray, float, int, str]:
    """Put the blocks' answers together: column values, row duals (money only), the objective (offset
    included, in the model's units), iterations and the solver used on the largest block."""
    x = np.zeros(model.n_col)
    row_dual = np.zeros(model.n_row)
    objective = float(model.offset)
    iterations, solver, largest = 0, "simplex", -1
    for (cols, rows), (block_x, block_dual, block_objective, block_iterations, block_solver, _) in zip(blocks, answers):
        x[cols] = block_x
        row_dual[rows] = block_dual
        objective += block_objective
        iterations += block_iterations
        if len(cols) > largest:
            largest, solver = len(cols), block_solver
    # Not `tie_break @ x`: a dot product goes to numpy's BLAS, whose thread then spins for a while after it (0.3
    # CPU-s of the 500-SKU job's main process), taking a core from the other processes.
    objective -= float((model.tie_break * x).sum())
    return x, row_dual, objective, iterations, solver


def _positions(old_keys: np.ndarray, new_keys: np.ndarray) -> np.ndarray:
    """Where each of `new_keys` is among `old_keys` (which are distinct); -1 where it is new."""
    if len(old_keys) == 0:
        return np.full(len(new_keys), -1)
    order = np.argsort(old_keys, kind="stable")
    in_order = old_keys[order]
    found = np.minimum(np.searchsorted(in_order, new_keys), len(old_keys) - 1)
    return np.where(in_order[found] == new_keys, order[found], -1)


def _changed(old: _Model, new: _Model) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Which columns and rows of `new` differ from `old` (matched by key): new ones, and those whose cost, bounds
    or matrix entries changed.

    Returns:
        The old position of each new column and row (-1 = new), and whether each new column and row changed.
    """
    col_map, row_map = _positions(old.col_key, new.col_key), _positions(old.row_key, new.row_key)
    col_changed, row_changed = col_map < 0, row_map < 0
    kept, oc = np.flatnonzero(~col_changed), col_map[col_map >= 0]
    col_changed[kept] = (
        (old.cost[oc] != new.cost[kept]) | (old.lower[oc] != new.lower[kept]) | (old.upper[oc] != new.upper[kept])
    )
    kept_rows, orow = np.flatnonzero(~row_changed), row_map[row_map >= 0]
    row_changed[kept_rows] = (old.row_lower[orow] != new.row_lower[kept_rows]) | (
        old.row_upper[orow] != new.row_upper[kept_rows]
    )
    # Matrix entries, column by column: the same count, in the same rows (by key, in order), with the same values.
    new_count, old_count = np.diff(new.matrix.indptr), np.diff(old.matrix.indptr)
    same = np.flatnonzero(~col_changed)
    col_changed[same] = new_count[same] != old_count[col_map[same]]
    same = np.flatnonzero(~col_changed)
    if len(same):
        counts = new_count[same]
        new_entry, old_entry = new.matrix.entries(same), old.matrix.entries(col_map[same])  # as many, in order
        differs = (row_map[new.matrix.indices[new_entry]] != old.matrix.indices[old_entry]) | (
            new.matrix.data[new_entry] != old.matrix.data[old_entry]
        )
        col_changed[np.repeat(same, counts)[differs]] = True
    return col_map, row_map, col_changed, row_changed


_PRIMAL_SIMPLEX = 4  # HiGHS's simplex_strategy for the primal simplex
# HiGHS's basis status codes (`_basis_codes`).
_AT_LOWER, _BASIC, _AT_UPPER = (
    int(highspy.HighsBasisStatus.kLower),
    int(highspy.HighsBasisStatus.kBasic),
    int(highspy.HighsBasisStatus.kUpper),
)


def _mapped_basis(
    status: tuple[np.ndarray, np.ndarray],
    cols: np.ndarray,
    rows: np.ndarray,
    col_map: np.ndarray,
    row_map: np.ndarray,
    upper: np.ndarray,
) -> tuple[np.ndarray, np.ndarray] | None:
    """A starting basis for a changed block from the old model's (`status`: every column's and row's code), as
    `_basis_codes` arrays: each column and row keeps its old status; a new column starts at its lower bound (0)
    and a new row's slack is basic. None when that is not a basis (as many basic variables as rows), as when
    columns or rows were dropped."""
    new_cols = np.where(col_map[cols] >= 0, status[0][col_map[cols]], _AT_LOWER).astype(np.int8)
    new_rows = np.where(row_map[rows] >= 0, status[1][row_map[rows]], _BASIC).astype(np.int8)
    # A column at an upper bound that is now infinite starts at its lower bound instead.
    new_cols[(new_cols == _AT_UPPER) & np.isinf(upper)] = _AT_LOWER
    if int(np.sum(new_cols == _BASIC) + np.sum(new_rows == _BASIC)) != len(rows):
        return None
    return new_cols, new_rows


def _resolve(old: _Solved, scenario: str, adjustments: Adjustments, options: dict[str, object], money_duals: bool):
    """Solve the scenario with a change, re-solving only the blocks whose LP the change touched.

    A block whose columns, rows, costs, bounds and matrix entries are all as in `old` has the same optimum, and
    `old`'s answer is reused; every other block is solved from `old`'s basis (mapped by key, `_mapped_basis`),
    with its money-only duals when `money_duals`. The result is the optimum of the whole changed LP, as a solve
    from scratch would find it up to the choice among equally good plans.

    Returns:
        The data, the model, the blocks, their answers and how many blocks were solved.
    """
    data = _prepare(old.common, scenario, adjustments)
    commitment_penalty, steering, money_scale = _penalties(data)
    model = _build(data, commitment_penalty, steering, money_scale)
    blocks = _blocks(model)
    col_map, row_map, col_changed, row_changed = _changed(old.model, model)
    old_block_of_col = np.full(old.model.n_col, -1)
    old_block_of_row = np.full(old.model.n_row, -1)
    for number, (cols, rows) in enumerate(old.blocks):
        old_block_of_col[cols] = number
        old_block_of_row[rows] = number
    answers: list = [None] * len(blocks)
    changed = []
    for number, (cols, rows) in enumerate(blocks):
        owner = -1
        if not (col_changed[cols].any() or row_changed[rows].any()):
            owners = np.concatenate([old_block_of_col[col_map[cols]], old_block_of_row[row_map[rows]]])
            owner = int(owners[0]) if len(owners) else -1
        if (
            owner >= 0
            and np.array_equal(old.blocks[owner][0], col_map[cols])
            and np.array_equal(old.blocks[owner][1], row_map[rows])
        ):
            block_x, block_dual, block_objective, _, block_solver, basis = old.answers[owner]
            answers[number] = (block_x, block_dual, block_objective, 0, block_solver, basis)
        else:
            changed.append(number)
    status = None
    if all(answer[5] is not None for answer in old.answers):
        status = (np.zeros(old.model.n_col, dtype=np.int8), np.zeros(old.model.n_row, dtype=np.int8))
        for (cols, rows), answer in zip(old.blocks, old.answers):
            status[0][cols], status[1][rows] = answer[5]
    tasks = []
    for number in changed:
        cols, rows = blocks[number]
        basis = None if status is None else _mapped_basis(status, cols, rows, col_map, row_map, model.upper[cols])
        chosen = options
        if basis is not None and ((col_map[cols] < 0).any() or (row_map[rows] < 0).any()):
            # New columns or rows (a confirmed order's shipments) at zero leave the old plan feasible: the primal
            # simplex walks on from it. It reached the same optimum as a solve from scratch on every order of the
            # 500-SKU benchmark, where the dual simplex stopped up to 4e-9 short of it (within its tolerances).
            chosen = {"simplex_strategy": _PRIMAL_SIMPLEX, **options}
        if basis is None:
            basis, chosen = _cold_start(model, cols, rows, chosen)
        tasks.append(
            (_sub_lp(model, cols, rows), scenario, _options(chosen, len(cols)), basis, money_scale, money_duals)
        )
    for number, answer in zip(changed, _solve_tasks(model.n_col, tasks)):
        answers[number] = answer
    return data, model, blocks, answers, len(changed)


def _clean(values: np.ndarray) -> np.ndarray:
    """Drop solver noise: tiny values become 0 and every figure is rounded to fixed decimals."""
    values = np.where(np.abs(values) < _NOISE, 0.0, values)
    return np.round(values, _DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0


# ----------------------------------------------------------------------------------------------------------
# Public API
# ----------------------------------------------------------------------------------------------------------


def solve(
    inputs: Inputs,
    scenario: str = "Base",
    adjustments: Adjustments | None = None,
    *,
    options: dict[str, object] | None = None,
    warm_start: Solution | None = None,
    money_duals: bool = True,
) -> Solution:
    """Make the cost-optimal plan of one scenario.

    Args:
        inputs: The validated inputs (`reader.read` or `inputs.build_inputs`).
        scenario: "Base", "Upside" or "Downside". A SKU × customer line without a forecast row in a non-Base
            scenario keeps its Base forecast.
        adjustments: What-if changes (extra hours, material, demand, ...); None plans the inputs as they are.
        options: HiGHS options that override `HIGHS_OPTIONS` (for benchmarks; the defaults are deterministic).
        warm_start: A Solution of the same inputs before a small change (extra hours, overtime, material,
            subcontract, a price or an order to confirm), or of another scenario. A Solution of the same
            scenario and the same, unchanged `inputs` object, solved by `solve` or `solve_all`, re-solves only the
            independent blocks of the LP that the change touches, each from its basis; the other blocks keep
            their plan, which is still optimal for them. Otherwise each block's simplex starts from the
            Solution's basis when the model has the same shape, which makes re-solving fast (a 29,000-column
            block of 5,000 SKUs: 0.6 s instead of 3 s); for another scenario only in blocks up to
            `_WARM_SCENARIO_COLUMNS` columns. The plan is optimal either way, but where several plans are
            optimal the one found may depend on the starting basis.
        money_duals: False skips, in a re-solve from `warm_start`'s blocks, the second solve that takes the
            penalties out of the shadow prices (`_money_duals`): for a caller that reads the plan but not its
            shadow prices, which then carry the penalties of short orders or stock in the blocks re-solved.

    Returns:
        The Solution: the plan per SKU, customer, subcontractor, resource and material and month, the shadow
        prices, the confirmed orders at risk, and the contribution margin.

    Raises:
        PlanError: when the plan cannot be made (negative limits, an unknown scenario or adjustment key, or a
            solver failure), naming the inputs concerned.
    """
    adjustments = adjustments or Adjustments()
    chosen = {**HIGHS_OPTIONS, "run_crossover": "on", **(options or {})}
    state = warm_start.state if warm_start is not None and isinstance(warm_start.state, _Solved) else None
    extra_lines = [(str(key[0]), str(key[1])) for key in adjustments.extra_demand]
    # The inputs read into arrays are reused from the warm start when they are the same object and already
    # have every line of the extra demand.
    common = state.common if state is not None and state.common.inputs is inputs else None
    if common is not None and not all(line in common.line_keys for line in extra_lines):
        common = None
    if common is None:
        common = _common(inputs, extra_lines)
    elif warm_start.scenario == scenario:
        started = time.perf_counter()
        data, model, blocks, answers, solved = _resolve(state, scenario, adjustments, chosen, money_duals)
        return _solution(data, model, blocks, answers, scenario, (started, started, solved), None)
    return _solve(common, [scenario], adjustments, chosen, warm_start)[0]


def _solve(
    common: _Common,
    scenarios: list[str],
    adjustments: Adjustments,
    options: dict[str, object],
    warm_start: Solution | None,
    *,
    chain: bool = False,
) -> list[Solution]:
    """`solve` of one or more scenarios on inputs already read into arrays (`_common`): every block solved,
    from `warm_start`'s basis where it fits. With `chain` (and no `warm_start`), the first scenario is solved
    from scratch and each block of the others starts from the first's same block, as soon as that is solved.
    The blocks of all the scenarios are solved together, so that the cores share them out (`_solve_tasks`);
    each scenario's solve time is that of the whole."""
    started = time.perf_counter()
    models = []
    basis = warm_start.basis if warm_start is not None and isinstance(warm_start.basis, _BlockBases) else None

    def build(scenarios: list[str], first_task: int) -> tuple[list[tuple], dict[int, int]]:
        # The tasks of these scenarios' blocks, numbered from `first_task`, and the tasks they start from.
        tasks, starts_from = [], {}
        for scenario in scenarios:
            data = _prepare(common, scenario, adjustments)
            commitment_penalty, steering, money_scale = _penalties(data)
            model = _build(data, commitment_penalty, steering, money_scale)
            blocks = _blocks(model)
            warm_columns = np.inf if warm_start is None or warm_start.scenario == scenario else _WARM_SCENARIO_COLUMNS
            number = first_task + len(tasks)
            if chain and models:
                _, _, first_model, first_blocks, first = models[0]
                if (first_model.n_col, first_model.n_row, len(first_blocks)) == (model.n_col, model.n_row, len(blocks)):
                    starts_from.update(
                        {
                            number + block: first + block
                            for block, (cols, _) in enumerate(blocks)
                            if len(cols) <= _WARM_SCENARIO_COLUMNS
                        }
                    )
            models.append((scenario, data, model, blocks, number))
            tasks += _block_tasks(model, blocks, scenario, options, basis, money_scale, warm_columns)
        return tasks, starts_from

    # The first scenario's blocks go to the workers while the others' models are built.
    tasks, starts_from = build(scenarios[:1], 0)
    built = time.perf_counter()
    model, blocks = models[0][2], models[0][3]
    later = (lambda: build(scenarios[1:], len(tasks))) if len(scenarios) > 1 else None
    answers = _solve_tasks(model.n_col * len(scenarios), tasks, starts_from, later, len(blocks) * len(scenarios))
    solutions = []
    for scenario, data, model, blocks, first in models:
        own = answers[first : first + len(blocks)]
        state = _Solved(common=common, model=model, blocks=blocks, answers=own)
        solutions.append(_solution(data, model, blocks, own, scenario, (started, built, len(blocks)), state))
    return solutions


def _solution(
    data: _Data, model: _Model, blocks: list, answers: list, scenario: str, timing: tuple, state: _Solved | None
) -> Solution:
    """The Solution of solved blocks: the tables (`_report`), the statistics and what a re-solve starts from.
    `timing` is (started, built, how many blocks were solved)."""
    started, built, solved_blocks = timing
    solved = time.perf_counter()
    commitment_penalty, steering, money_scale = _penalties(data)
    x, row_dual, objective, iterations, solver = _merge(model, blocks, answers)
    solution = _report(data, model, x, row_dual * money_scale, -objective * money_scale, scenario)
    indptr = model.matrix.indptr
    solution.statistics = {
        "rows": model.n_row,
        "columns": model.n_col,
        "nonzeros": model.nnz,
        "build seconds": built - started,
        "solve seconds": solved - built,
        "report seconds": time.perf_counter() - solved,
        "iterations": iterations,
        "commitment penalty": commitment_penalty,
        "largest steering penalty": float(np.max(steering, initial=0.0)),
        "solver": solver,
        "blocks": len(blocks),
        "blocks solved": solved_blocks,
        "largest block nonzeros": max((int(np.sum(indptr[cols + 1] - indptr[cols])) for cols, _ in blocks), default=0),
    }
    solution.basis = _BlockBases(model.n_col, model.n_row, [answer[5] for answer in answers])
    solution.state = state
    return solution


def solve_all(inputs: Inputs) -> dict[str, Solution]:
    """Make the plan of every scenario in the forecast.

    The inputs are read into arrays once for all scenarios (`_common`). Base is solved from scratch; Upside and
    Downside start, block by block, from Base's optimal basis where the block is small. Warm-starting a whole
    large model was much slower than solving it from scratch (on 5,000 SKUs all linked by shared resources the
    simplex had not finished after 10 minutes where interior point took about 2), but a block of one site is
    small enough for the simplex to walk from Base's plan to the scenario's in a few hundred iterations: on 5,000
    SKUs a block of 29,000 columns takes 0.6 s warm instead of 3.2 s. The plan is optimal either way; where
    several plans are optimal the one found may depend on the starting basis, and it is the same on every run.
    Each block of Upside and Downside is solved as soon as Base's same block is, beside Base's other blocks, so
    that no core waits for Base's slowest block.

    Args:
        inputs: The validated inputs.

    Returns:
        {scenario: Solution}, Base first, then Upside and Downside when present.

    Raises:
        PlanError: when a scenario's plan cannot be made.
    """
    common = _common(inputs)
    chosen = {**HIGHS_OPTIONS, "run_crossover": "on"}
    scenarios = ["Base"] + [scenario for scenario in inputs.scenarios if scenario != "Base"]
    return dict(zip(scenarios, _solve(common, scenarios, Adjustments(), chosen, None, chain=True)))


# ----------------------------------------------------------------------------------------------------------
# The plan as tables
# ----------------------------------------------------------------------------------------------------------


def _report(
    data: _Data, model: _Model, x: np.ndarray, row_dual: np.ndarray, objective: float, scenario: str
) -> Solution:
    """Turn the solver's columns into the Solution's tables, recomputing every balance from cleaned figures so
    that the tables reconcile exactly (inventory, backlog, hours, revenue)."""
    months = data.months
    n_s, n_t, n_l = len(data.skus), len(data.months), len(data.line_sku)
    n_r, n_m, n_k = len(data.resources), len(data.materials), len(data.arc_sku)

    make = _clean(x[model.make : model.make + n_s * n_t]).reshape(n_s, n_t)
    sub = _clean(x[model.sub : model.sub + n_k * n_t]).reshape(n_k, n_t)
    n_g = int(model.line_group.max()) + 1 if n_l else 0
    group_ship = x[model.ship : model.ship + n_g * n_t].reshape(n_g, n_t)
    group_confirmed_ship = np.zeros((n_g, n_t))
    group_confirmed_ship[model.confirmed_group, model.confirmed_t] = x[
        model.ship_confirmed : model.ship_confirmed + len(model.confirmed_group)
    ]
    ship = _clean(_split_shipments(data, model.line_group, _clean(group_ship), _clean(group_confirmed_ship)))

    # Balances from the cleaned flows: opening + production + subcontract − shipments = closing.
    sub_by_sku = np.zeros((n_s, n_t))
    np.add.at(sub_by_sku, data.arc_sku, sub)
    ship_by_sku = np.zeros((n_s, n_t))
    np.add.at(ship_by_sku, data.line_sku, ship)
    closing = np.round(data.opening[:, None] + np.cumsum(make + sub_by_sku - ship_by_sku, axis=1), _DECIMALS) + 0.0
    closing = np.where(np.abs(closing) < _NOISE, 0.0, closing)
    opening = np.hstack([data.opening[:, None], closing[:, :-1]])

    waits = data.waits[data.line_sku][:, None]
    backlog = np.where(waits, np.cumsum(data.demand - ship, axis=1), 0.0)
    backlog = np.where(np.abs(backlog) < _NOISE, 0.0, np.round(backlog, _DECIMALS)) + 0.0
    lost = np.where(waits, 0.0, np.round(data.demand - ship, _DECIMALS))
    lost[:, -1] += backlog[:, -1] * waits[:, 0]
    lost = np.where(np.abs(lost) < _NOISE, 0.0, lost) + 0.0
    revenue = ship * data.price

    used = np.zeros((n_r, n_t))
    np.add.at(used, data.routing_resource, data.routing_hours[:, None] * make[data.routing_sku])
    used = np.round(used, _DECIMALS)
    overtime = np.maximum(0.0, np.round(used - data.regular, _DECIMALS))
    material_used = np.zeros((n_m, n_t))
    np.add.at(material_used, data.bom_material, data.bom_quantity[:, None] * make[data.bom_sku])
    material_used = np.round(material_used, _DECIMALS)

    # Shadow prices: HiGHS minimises, so the dual of a ≤ row is ≤ 0 where the row binds; the value of one
    # more hour (unit) to the plan is its negation.
    capacity_dual = -row_dual[model.capacity_row : model.capacity_row + n_r * n_t].reshape(n_r, n_t)
    material_dual = -row_dual[model.material_row : model.material_row + n_m * n_t].reshape(n_m, n_t)
    capacity_dual = np.maximum(_clean(capacity_dual), 0.0)
    material_dual = np.maximum(_clean(material_dual), 0.0)

    demand_by_sku = np.zeros((n_s, n_t))
    np.add.at(demand_by_sku, data.line_sku, data.demand)
    confirmed_by_sku = np.zeros((n_s, n_t))
    np.add.at(confirmed_by_sku, data.line_sku, data.confirmed)
    backlog_by_sku = np.zeros((n_s, n_t))
    np.add.at(backlog_by_sku, data.line_sku, backlog)
    lost_by_sku = np.zeros((n_s, n_t))
    np.add.at(lost_by_sku, data.line_sku, lost)

    # Months in the unit of the inputs' own dates (pandas 3: microseconds), so that tables merge cleanly.
    month_values = pd.DatetimeIndex(months).to_numpy()
    month_col = np.tile(month_values, max(n_s, 1))[: n_s * n_t]
    sku_month = pd.DataFrame(
        {
            "SKU": np.repeat(np.array(data.skus, dtype=object), n_t),
            "Month": month_col,
            "Demand": demand_by_sku.ravel(),
            "Confirmed orders": confirmed_by_sku.ravel(),
            "Production": make.ravel(),
            "Subcontract": sub_by_sku.ravel(),
            "Shipments": ship_by_sku.ravel(),
            "Opening inventory": opening.ravel(),
            "Closing inventory": closing.ravel(),
            "Backlog": backlog_by_sku.ravel(),
            "Lost sales": lost_by_sku.ravel(),
            "Safety stock": np.repeat(data.safety, n_t),
            "Safety stock shortfall": _clean(np.maximum(0.0, data.safety[:, None] - closing)).ravel(),
            "Max stock": np.repeat(np.where(np.isinf(data.max_stock), np.nan, data.max_stock), n_t),
        },
        columns=SKU_MONTH_COLUMNS,
    )

    customer_month = pd.DataFrame(
        {
            "SKU": np.repeat(np.array([data.skus[s] for s in data.line_sku], dtype=object), n_t),
            "Customer": np.repeat(np.array(data.line_customer, dtype=object), n_t),
            "Month": np.tile(month_values, n_l),
            "Demand": data.demand.ravel(),
            "Confirmed orders": data.confirmed.ravel(),
            "Shipments": ship.ravel(),
            "Backlog": backlog.ravel(),
            "Lost sales": lost.ravel(),
            "Unit price": data.price.ravel(),
            "Revenue": revenue.ravel(),
        },
        columns=CUSTOMER_MONTH_COLUMNS,
    )

    subcontract = pd.DataFrame(
        {
            "SKU": np.repeat(np.array([data.skus[s] for s in data.arc_sku], dtype=object), n_t),
            "Subcontractor": np.repeat(np.array(data.arc_name, dtype=object), n_t),
            "Month": np.tile(month_values, n_k),
            "Units": sub.ravel(),
            "Cost per unit": np.repeat(data.arc_cost, n_t),
            "Max units": data.arc_max.ravel(),
        },
        columns=SUBCONTRACT_COLUMNS,
    )

    resource_month = pd.DataFrame(
        {
            "Resource": np.repeat(np.array(data.resources, dtype=object), n_t),
            "Site": np.repeat(np.array(data.sites, dtype=object), n_t),
            "Month": np.tile(month_values, n_r),
            "Available hours": data.regular.ravel(),
            "Overtime limit": data.overtime_limit.ravel(),
            "Overtime hours": overtime.ravel(),
            "Used hours": used.ravel(),
            "Regular cost per hour": np.repeat(data.regular_rate, n_t),
            "Overtime cost per hour": np.repeat(data.overtime_rate, n_t),
            "Shadow price": capacity_dual.ravel(),
        },
        columns=RESOURCE_MONTH_COLUMNS,
    )

    material_month = pd.DataFrame(
        {
            "Material": np.repeat(np.array(data.materials, dtype=object), n_t),
            "Supplier": np.repeat(np.array(data.suppliers, dtype=object), n_t),
            "Month": np.tile(month_values, n_m),
            "Available": data.available.ravel(),
            "Used": material_used.ravel(),
            "Shadow price": material_dual.ravel(),
        },
        columns=MATERIAL_MONTH_COLUMNS,
    )

    commitment_shortfall = _commitment_shortfall(data, ship)

    # Money only, from the reported figures: revenue − material − other − overtime − subcontract − holding −
    # backlog cost.
    margin = (
        revenue.sum()
        - float(np.sum(data.unit_cost[:, None] * make))
        - float(np.sum(data.overtime_rate[:, None] * overtime))
        - float(np.sum(data.arc_cost[:, None] * sub))
        - float(np.sum(data.holding[:, None] * closing))
        - float(np.sum(data.backlog_cost[data.line_sku][:, None] * backlog))
    )
    return Solution(
        scenario=scenario,
        objective=float(objective),
        contribution_margin=float(margin),
        sku_month=sku_month,
        customer_month=customer_month,
        subcontract=subcontract,
        resource_month=resource_month,
        material_month=material_month,
        commitment_shortfall=commitment_shortfall,
    )


def _commitment_shortfall(data: _Data, ship: np.ndarray) -> pd.DataFrame:
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
    short = np.where(short < 1e-6, 0.0, np.round(short, _DECIMALS))
    result = pd.DataFrame(
        {
            "Order ref": orders["Order ref"].to_numpy(dtype=object),
            "Month": pd.DatetimeIndex(data.months).to_numpy()[t],
            "Units short": short,
        },
        columns=COMMITMENT_SHORTFALL_COLUMNS,
    )
    return result[result["Units short"] > 0].reset_index(drop=True)
