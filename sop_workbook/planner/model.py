"""The arrays of one scenario → its linear program: variable blocks, constraint families and the objective, as
docs/model.md states them ("Variables", "Constraints", "Objective", "The LP as solved").

HiGHS minimises, so the objective here is −(contribution margin − penalties): costs positive, revenue negative.
Each constraint family is built by one function whose docstring names its equation.
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np

from .data import Data
from .lp import INFINITY, LinearProgram, Matrix

# Each backlogged unit-month costs this fraction of its unit price on top of the backlog cost, in the LP only, so
# that among plans of the same money the higher-priced demand waits less (docs/model.md, "Ties"). The largest
# price is 1 in the LP's units, so this is 100 × the solver's dual tolerance there; money moves by at most this
# fraction of the prices of the units that wait.
TIE_BREAK = 1e-5

# HiGHS's basis status codes, for the basis a cold simplex starts from (`_lot_for_lot_basis`).
AT_LOWER, BASIC, AT_UPPER = (
    int(highspy.HighsBasisStatus.kLower),
    int(highspy.HighsBasisStatus.kBasic),
    int(highspy.HighsBasisStatus.kUpper),
)


@dataclass
class Penalties:
    """The penalties of the soft constraints (docs/model.md, "Penalties"): never money, they set priorities.

    Attributes:
        commitment: Per unit of a confirmed order not shipped in its month.
        steering: Per SKU, per unit-month of safety-stock shortfall and per unit of closing-stock shortfall.
        money_scale: The largest unit price or unit cost of supply: the LP's objective is in this unit.
    """

    commitment: float
    steering: np.ndarray
    money_scale: float


def penalties(data: Data) -> Penalties:
    """The penalties of a scenario's model: confirmed orders first, then stock policy, then money.

    Steering penalty = 100 × the money scale (the largest unit price, or unit cost of supply with overtime or
    subcontract, of any SKU): a shortfall costs more than the margin the same hours or material could earn
    elsewhere, for hour ratios between SKUs up to 100. Commitment penalty = 10 × horizon × the steering penalty:
    one confirmed unit outweighs a unit of safety stock missing in every month of the horizon, ten times over,
    while the objective's coefficients still span less than ~1e9 for the prices and costs of a real business.
    A binding soft constraint shows in the shadow prices as a share of these penalties; the analysis reads the
    money-only duals instead (docs/model.md, "Shadow prices").
    """
    n_s = len(data.skus)
    overtime_per_unit = np.zeros(n_s)
    np.add.at(overtime_per_unit, data.routing_sku, data.routing_hours * data.overtime_rate[data.routing_resource])
    dearest_subcontract = np.zeros(n_s)
    np.maximum.at(dearest_subcontract, data.arc_sku, data.arc_cost)
    dearest = np.maximum(data.unit_cost + overtime_per_unit, dearest_subcontract) + data.holding + data.backlog_cost
    money_scale = max(1.0, float(np.max(data.price, initial=0.0)), float(np.max(dearest, initial=0.0)))
    steering = np.full(n_s, 100.0 * money_scale)
    return Penalties(
        commitment=10.0 * len(data.months) * 100.0 * money_scale, steering=steering, money_scale=money_scale
    )


@dataclass
class ShipmentGroups:
    """The lines (SKU × customer) of a SKU that pay the same price in every month, planned as one group g
    (docs/model.md, "The LP as solved"); `report.split_shipments` shares each group's shipments over its lines.

    Attributes:
        line_group: The group of each line.
        first_line: Each group's first line, which names it (the same in two models of the same inputs).
        sku: Each group's SKU.
        price, demand, confirmed: g × t: the group's unit price, and its lines' demand and confirmed orders summed.
        backlogged: The groups whose unmet demand waits (their SKU's is backlogged), in order.
        confirmed_group, confirmed_month: The (group, month) of each shipment column of confirmed orders.
    """

    line_group: np.ndarray
    first_line: np.ndarray
    sku: np.ndarray
    price: np.ndarray
    demand: np.ndarray
    confirmed: np.ndarray
    backlogged: np.ndarray
    confirmed_group: np.ndarray
    confirmed_month: np.ndarray


def shipment_groups(data: Data) -> ShipmentGroups:
    """One group per SKU and price path, numbered in order of first line.

    This is exact: a group's shipments can always be split back over its lines within each line's demand and
    backlog, and every line of a group earns the same price and backlog cost. It also leaves the plan no choice
    between customers that the money cannot tell apart: the split decides, in proportion.
    """
    n_l, n_t = len(data.line_sku), len(data.months)
    line_group = np.zeros(0, dtype=int)
    if n_l:
        keys = np.column_stack([data.price, data.line_sku]).astype(float)
        _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
        rank = np.empty(len(first), dtype=int)
        rank[np.argsort(first, kind="stable")] = np.arange(len(first))
        line_group = rank[inverse.ravel()]
    n_g = int(line_group.max()) + 1 if n_l else 0
    first_line = np.zeros(n_g, dtype=int)
    first_line[line_group[::-1]] = np.arange(n_l)[::-1]
    demand, confirmed = np.zeros((n_g, n_t)), np.zeros((n_g, n_t))
    np.add.at(demand, line_group, data.demand)
    np.add.at(confirmed, line_group, data.confirmed)
    sku = data.line_sku[first_line]
    confirmed_group, confirmed_month = np.nonzero(confirmed > 0)
    return ShipmentGroups(
        line_group=line_group,
        first_line=first_line,
        sku=sku,
        price=data.price[first_line],
        demand=demand,
        confirmed=confirmed,
        backlogged=np.flatnonzero(data.waits[sku]),
        confirmed_group=confirmed_group,
        confirmed_month=confirmed_month,
    )


@dataclass
class Model:
    """One scenario's LP as HiGHS gets it, and what its columns and rows stand for.

    Attributes:
        lp: The variable blocks and constraint families (`lp.variables["make"]`, `lp.constraints["hours"]`): what
            the columns and rows stand for.
        groups: The shipment groups the shipment columns are planned in.
        matrix: The constraint matrix.
        cost, lower, upper, row_lower, row_upper: The LP as passed to HiGHS; the objective `cost` (money,
            penalties and tie-break) in units of the money scale, so that prices are about 1.
        offset: The objective's constant (the penalties of shortfalls at zero), in the same units.
        tie_break: The tie-break part of `cost`, left out of the reported objective.
        money_cost: The objective without penalties or tie-break, in currency, for the money-only duals.
        keep_at_least, keep_at_most: The penalised columns the money-only solve may not make worse: those it may
            not lower (confirmed shipments, safety stock held) and those it may not raise (closing shortfall).
        coupling: Whether each row is a capacity or material row, the rows that tie SKUs together.
        start: The lot-for-lot basis a cold simplex starts from, as (column, row) status codes.
    """

    lp: LinearProgram
    groups: ShipmentGroups
    matrix: Matrix
    cost: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    offset: float
    tie_break: np.ndarray
    money_cost: np.ndarray
    keep_at_least: np.ndarray
    keep_at_most: np.ndarray
    coupling: np.ndarray
    start: tuple[np.ndarray, np.ndarray] | None

    @property
    def n_col(self) -> int:
        """How many columns the LP has."""
        return self.lp.n_col

    @property
    def n_row(self) -> int:
        """How many rows the LP has."""
        return self.lp.n_row

    @property
    def nnz(self) -> int:
        """How many nonzeros the constraint matrix has."""
        return self.matrix.nnz


def build(data: Data, penalty: Penalties) -> Model:
    """The LP of one scenario (docs/model.md): its variables, the five constraint families and the objective.

    Args:
        data: The scenario's arrays (`data.prepare`).
        penalty: Its penalties (`penalties`).

    Returns:
        The Model, its objective in units of the money scale.
    """
    groups = shipment_groups(data)
    lp = LinearProgram()
    _variables(lp, data, groups, penalty)
    _stock_balance(lp, data, groups)
    _backlog_balance(lp, data, groups)
    _hours(lp, data)
    _materials(lp, data)
    _closing_target(lp, data)

    arrays = lp.finish()
    scale = penalty.money_scale
    cost = arrays.cost + arrays.penalty + arrays.tie_break
    held = np.flatnonzero(data.safety > 0)
    # The penalties' constants: the steering penalty × safety stock every month, the commitment penalty × every
    # confirmed unit; the shortfall columns then take them back where stock or shipments fall short.
    offset = float(
        np.sum(penalty.steering[held] * data.safety[held]) * len(data.months)
        + penalty.commitment * groups.confirmed.sum()
    )
    v = lp.variables
    return Model(
        lp=lp,
        groups=groups,
        matrix=arrays.matrix,
        cost=cost / scale,
        lower=arrays.lower,
        upper=arrays.upper,
        row_lower=arrays.row_lower,
        row_upper=arrays.row_upper,
        offset=offset / scale,
        tie_break=arrays.tie_break / scale,
        money_cost=arrays.cost,
        keep_at_least=np.r_[v["ship_confirmed"][:], v["safety_held"][:, :].ravel()],
        keep_at_most=v["closing_shortfall"][:],
        coupling=lp.rows_of("hours", "materials"),
        start=_lot_for_lot_basis(lp, cost, arrays.upper, groups),
    )


def _variables(lp: LinearProgram, data: Data, groups: ShipmentGroups, penalty: Penalties) -> None:
    """The variable blocks with their costs and bounds (docs/model.md, "Variables").

    Two soft constraints are written as split columns rather than rows, which keeps the model small and exact
    (the cheaper part always fills first): the inventory of a SKU with a safety stock is inventory (holding cost)
    plus safety_held (up to the safety stock, holding cost − steering penalty); shipments are ship plus
    ship_confirmed (up to the confirmed orders, −price − commitment penalty).
    """
    sku, month = np.arange(len(data.skus))[:, None], np.arange(len(data.months))
    held, target = np.flatnonzero(data.safety > 0), np.flatnonzero(data.target > 0)
    stock_limit, held_limit = _stock_limits(data, held)
    g, cg, ct = groups, groups.confirmed_group, groups.confirmed_month
    waits = data.waits[g.sku][:, None]

    lp.add_variables(
        "make",
        (sku, month),
        cost=data.unit_cost[:, None],
        upper=np.where(data.ready & data.makeable[:, None], INFINITY, 0),
    )
    lp.add_variables("inventory", (sku, month), cost=data.holding[:, None], upper=stock_limit)
    lp.add_variables(
        "safety_held",
        (held[:, None], month),
        cost=data.holding[held][:, None],
        penalty=-penalty.steering[held][:, None],
        upper=held_limit,
    )
    # A backlogged group never ships more than its demand so far (backlog ≥ 0 implies it). Saying so changes no
    # plan, and it gives every column with a negative cost a finite upper bound, so that the dual simplex can
    # start dual feasible at the slack basis and skip its phase 1.
    lp.add_variables(
        "ship",
        (g.first_line[:, None], month),
        cost=-g.price,
        upper=np.where(waits, np.cumsum(g.demand, axis=1), g.demand - g.confirmed),
    )
    lp.add_variables(
        "ship_confirmed",
        (g.first_line[cg], ct),
        cost=-g.price[cg, ct],
        penalty=-penalty.commitment,
        upper=g.confirmed[cg, ct],
    )
    lp.add_variables(
        "subcontract",
        (np.arange(len(data.arc_sku))[:, None], month),
        cost=data.arc_cost[:, None],
        upper=np.where(data.ready[data.arc_sku], data.arc_max, 0.0),
    )
    lp.add_variables(
        "overtime",
        (np.arange(len(data.resources))[:, None], month),
        cost=data.overtime_rate[:, None],
        upper=data.overtime_limit,
    )
    # Which of a SKU's customers waits is a tie when they pay different prices (the margin is the same whoever
    # ships late): a backlogged unit-month also costs a hair of its price, so the lower-priced demand waits.
    lp.add_variables(
        "backlog",
        (g.first_line[g.backlogged][:, None], month),
        cost=data.backlog_cost[g.sku[g.backlogged]][:, None],
        tie_break=TIE_BREAK * g.price[g.backlogged],
    )
    lp.add_variables("closing_shortfall", (target,), penalty=penalty.steering[target], upper=data.target[target])


def _stock_limits(data: Data, held: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Storage (docs/model.md, "Variables"): inventory + safety_held ≤ max stock, but never below what opening
    stock less all demand leaves, so that a plan that starts overstocked stays feasible and sells down as fast as
    demand allows. Returns the upper bounds of inventory (s × t) and of safety_held (SKUs `held` × t): the
    safety stock, within the limit, and the rest of the limit."""
    cumulative_demand = np.zeros((len(data.skus), len(data.months)))
    np.add.at(cumulative_demand, data.line_sku, np.cumsum(data.demand, axis=1))
    stock_limit = np.maximum(data.max_stock[:, None], data.opening[:, None] - cumulative_demand)
    held_limit = np.minimum(data.safety[held][:, None], stock_limit[held])
    stock_limit[held] -= held_limit
    return stock_limit, held_limit


def _stock_balance(lp: LinearProgram, data: Data, groups: ShipmentGroups) -> None:
    """Stock balance (docs/model.md, "Stock balance"):
    inventory[s,t−1] + make[s,t] + Σk subcontract[k,t] − Σg ship[g,t] = inventory[s,t],
    with inventory = inventory + safety_held, ship = ship + ship_confirmed, and inventory[s,−1] the opening stock,
    which goes to the right-hand side."""
    v = lp.variables
    n_s, n_t = len(data.skus), len(data.months)
    month = np.arange(n_t)
    opening = np.zeros((n_s, n_t))
    opening[:, 0] = data.opening
    balance = lp.add_constraints("stock balance", (np.arange(n_s)[:, None], month), lower=opening, upper=opening)
    held = v["safety_held"].coords[0]
    balance.add(1.0, v["inventory"][:, :])
    balance.add(-1.0, v["inventory"].shift())
    balance.add(1.0, v["safety_held"][:, :], rows=(held, month))
    balance.add(-1.0, v["safety_held"].shift(), rows=(held, month))
    balance.add(-1.0, v["make"][:, :])
    balance.add(-1.0, v["subcontract"][:, :], rows=(data.arc_sku[:, None], month))
    balance.add(1.0, v["ship"][:, :], rows=(groups.sku[:, None], month))
    balance.add(1.0, v["ship_confirmed"][:], rows=(groups.sku[groups.confirmed_group], groups.confirmed_month))


def _backlog_balance(lp: LinearProgram, data: Data, groups: ShipmentGroups) -> None:
    """Backlog balance, backlogged groups only (docs/model.md, "Backlog balance"):
    backlog[g,t−1] + demand[g,t] − ship[g,t] = backlog[g,t],
    with ship = ship + ship_confirmed and no backlog before the horizon."""
    v = lp.variables
    g = groups.backlogged
    month = np.arange(len(data.months))
    demand = groups.demand[g]
    balance = lp.add_constraints("backlog balance", (groups.first_line[g][:, None], month), lower=demand, upper=demand)
    balance.add(1.0, v["backlog"][:, :])
    balance.add(-1.0, v["backlog"].shift())
    balance.add(1.0, v["ship"][g])
    position = np.full(len(groups.first_line), -1)
    position[g] = np.arange(len(g))
    waiting = np.flatnonzero(position[groups.confirmed_group] >= 0)
    balance.add(
        1.0,
        v["ship_confirmed"][waiting],
        rows=(position[groups.confirmed_group[waiting]], groups.confirmed_month[waiting]),
    )


def _hours(lp: LinearProgram, data: Data) -> None:
    """Hours (docs/model.md, "Hours"): Σs hours per unit[s,r] · make[s,t] ≤ regular hours[r,t] + overtime[r,t]."""
    v = lp.variables
    month = np.arange(len(data.months))
    hours = lp.add_constraints("hours", (np.arange(len(data.resources))[:, None], month), upper=data.regular)
    hours.add(data.routing_hours[:, None], v["make"][data.routing_sku], rows=(data.routing_resource[:, None], month))
    hours.add(-1.0, v["overtime"][:, :])


def _materials(lp: LinearProgram, data: Data) -> None:
    """Materials (docs/model.md, "Materials"): Σs quantity per unit[s,m] · make[s,t] ≤ available[m,t]."""
    month = np.arange(len(data.months))
    materials = lp.add_constraints("materials", (np.arange(len(data.materials))[:, None], month), upper=data.available)
    materials.add(
        data.bom_quantity[:, None], lp.variables["make"][data.bom_sku], rows=(data.bom_material[:, None], month)
    )


def _closing_target(lp: LinearProgram, data: Data) -> None:
    """Closing target, SKUs with one (docs/model.md, "Closing target"):
    inventory[s,H−1] + closing_shortfall[s] ≥ target closing stock[s], with inventory = inventory + safety_held."""
    v = lp.variables
    target = np.flatnonzero(data.target > 0)
    closing = lp.add_constraints("closing target", (target,), lower=data.target[target])
    closing.add(1.0, v["inventory"][target, -1])
    held = np.full(len(data.skus), -1)
    held[v["safety_held"].coords[0].ravel()] = np.arange(v["safety_held"].shape[0])
    with_held = np.flatnonzero(held[target] >= 0)
    closing.add(1.0, v["safety_held"][held[target[with_held]], -1], rows=(with_held,))
    closing.add(1.0, v["closing_shortfall"][:])


def _lot_for_lot_basis(
    lp: LinearProgram, cost: np.ndarray, upper: np.ndarray, groups: ShipmentGroups
) -> tuple[np.ndarray, np.ndarray]:
    """The basis a cold simplex starts from: every SKU makes and every backlogged group ships its demand, month
    by month (lot for lot), as HiGHS status codes (columns, rows).

    Production is basic in each SKU's stock balance and shipments in each group's backlog balance; stock,
    backlog, overtime and subcontracting are nonbasic at zero, and every other column at the bound its cost
    favours (a shipment at its demand, safety stock held). For costs and prices as they are in a business
    (holding and backlog costs ≥ 0, prices above unit costs) this basis is dual feasible, and it is near the
    optimum: the dual simplex only has to move demand the resources cannot make in its month, where from the
    slack basis it would first have to bring a column into every balance row. One basic column per balance row,
    every other row's slack basic: as many basic variables as rows.
    """
    v = lp.variables
    col_status = np.where((cost < 0) & np.isfinite(upper), AT_UPPER, AT_LOWER).astype(np.int8)
    col_status[v["make"].span] = BASIC
    col_status[v["ship"][groups.backlogged].ravel()] = BASIC
    row_status = np.full(lp.n_row, BASIC, dtype=np.int8)
    row_status[lp.rows_of("stock balance", "backlog balance")] = AT_LOWER
    return col_status, row_status
