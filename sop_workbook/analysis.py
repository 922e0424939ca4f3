"""Plan → the analyses the meeting needs: gaps, margin, capacity, commitments, launches, scenarios.

CONTRACT (filled in by the planning-engine work; the workbook writer reads only `Results`).
Every DataFrame has a "Scenario" column (Base, Upside, Downside) unless said otherwise. Months are
first-of-month Timestamps in a column "Month". Money is in the cycle currency. Column names are the planners'
words and are used unchanged as the workbook's labels and Plan Data's measures.

`analyse` turns the planner's solutions into `Results`; `plan` is the one call that solves and analyses. Every
figure here is derived from the solutions by arithmetic that reconciles: family totals are sums of SKUs, the
summary is a sum of details, margin = revenue − costs, and the SKU margins add up to the planner's contribution
margin. The only further solves are the priced levers of the largest gaps and the check of Requested orders,
each a re-solve of the same model with one change applied.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from . import parallel
from .errors import InputError, SopError
from .inputs import Inputs

EPS = 1e-6  # units, hours and money below this are solver noise, not a gap
SCENARIO_ORDER = ("Base", "Upside", "Downside")

# Days of supply = closing inventory / average daily demand of the next DAYS_OF_SUPPLY_MONTHS months (the
# month's own demand at the horizon end), capped at DAYS_OF_SUPPLY_CAP when there is stock but no demand ahead.
DAYS_OF_SUPPLY_MONTHS = 3
DAYS_OF_SUPPLY_CAP = 999.0

# Re-solves are the expensive part: only the largest Base gaps get levers priced by re-solving the model; the
# rest get estimates priced from the plan's shadow prices and unit costs (their Description says so).
RESOLVED_GAPS = 15
# Each Requested order is checked by re-solving the Base plan with the order confirmed.
CHECKED_ORDERS = 20
# How many re-solves a model may have: RESOLVE_WORK / nonzeros^1.5, because the solve time grows faster than the
# model (0.1 s at 7,600 nonzeros, 3 s at 73,000, 45 s at 147,000 on the reference machine). A re-solve solves
# only the independent blocks of the LP a change touches (planner.solve with a warm start), so the nonzeros are
# those of the largest block: the sample company (one block) gets 59; 500 SKUs (blocks of up to 43,000 nonzeros)
# get 4; 5,000 SKUs (up to 57,000) get 2. A count, unlike a time limit, keeps the results the same from run to
# run. A block re-solve from the plan's basis took 0.05-0.3 s at 500 SKUs, well under this cold-solve estimate.
RESOLVE_WORK = 40e6
# Above this many columns in the Base model (500 SKUs: 53,000) Upside's and Downside's analyses are made in child
# processes beside Base's (`parallel.Forked`); below it they are quicker made one after the other.
PARALLEL_ANALYSIS_ABOVE = 30_000
# The first months of a launch whose demand must be covered for the launch to be green; amber when some of it is
# unmet, red from this share on (the launch would mostly miss its market).
LAUNCH_MONTHS = 3
LAUNCH_UNCOVERED_RED = 0.5

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


# ----------------------------------------------------------------------------------------------------------------
# The two public entry points


def plan(inputs: Inputs) -> Results:
    """Solve every scenario and analyse the solutions.

    Args:
        inputs: The validated inputs.

    Returns:
        The results for every scenario, Base first.

    Raises:
        InputError: when the inputs carry errors (planning on them would mislead).
        PlanError: when a scenario cannot be planned.
    """
    if inputs.errors:
        raise InputError(inputs.findings)
    from .planner import solve, solve_all

    solutions = solve_all(inputs)

    def resolve(inputs: Inputs, scenario: str, adjustments):
        # A lever or an order changes one limit or one line: only the blocks of the LP it touches are solved
        # again, from the scenario's own plan. The analyses read no shadow price of a re-solve.
        return solve(inputs, scenario, adjustments, warm_start=solutions.get(scenario), money_duals=False)

    return analyse(inputs, solutions, solver=resolve)


def analyse(
    inputs: Inputs,
    solutions: dict,
    *,
    solver: Callable | None = None,
    resolved_gaps: int = RESOLVED_GAPS,
    checked_orders: int = CHECKED_ORDERS,
    resolve_limit: int | None = None,
) -> Results:
    """Turn the planner's solutions into the analyses of the meeting pack.

    Args:
        inputs: The inputs the solutions were made from.
        solutions: Solution per scenario name (planner.Solution or anything with the same fields).
        solver: Re-solves the model with a change, called as solver(inputs, scenario, adjustments) like
            `planner.solve`; default `planner.solve`. Used for the levers of the largest Base gaps and the
            check of Requested orders.
        resolved_gaps: How many Base gaps (largest revenue at risk first) get levers priced by re-solving;
            0 prices every lever by estimate and never re-solves for them.
        checked_orders: How many Requested orders are checked by re-solving; 0 checks none.
        resolve_limit: The most re-solves in all (orders first, then levers); default from the Base model's
            size (Solution.statistics["largest block nonzeros"], else "nonzeros"; see RESOLVE_WORK), unlimited
            when the size is unknown.

    Returns:
        The Results.
    """
    if "Base" not in solutions:
        raise ValueError("analyse needs the Base scenario's solution")
    scenarios = [s for s in SCENARIO_ORDER if s in solutions] + [s for s in solutions if s not in SCENARIO_ORDER]
    if solver is None and (resolved_gaps > 0 or checked_orders > 0):
        from .planner import solve as solver
    ctx = _Context(inputs)

    statistics = getattr(solutions["Base"], "statistics", None)
    solutions = {scenario: _normalised(solutions[scenario]) for scenario in scenarios}
    # The other scenarios' analyses (Upside's and Downside's), levers included (theirs are estimates, with no
    # re-solve), are made one after the other in a child process while this one makes Base's and its order checks
    # and re-solved levers, when the plan is large enough to be worth it. One child, not one per scenario: the
    # two sides then take about as long, on two cores (500 SKUs: `analyse` 0.93-1.16 s, median 1.03, against
    # 1.01-1.37 s, median 1.19, with a child per scenario; 5,000 SKUs: 4.46-5.34 s against 5.10-6.21 s).
    size = (statistics or {}).get("columns", 0)
    others = {scenario: solutions[scenario] for scenario in scenarios[1:]}
    child = (
        parallel.Forked(_other_scenarios, ctx, others)
        if others and size > PARALLEL_ANALYSIS_ABOVE and parallel.possible()
        else None
    )
    if resolve_limit is None:
        nonzeros = (statistics or {}).get("largest block nonzeros") or (statistics or {}).get("nonzeros")
        resolve_limit = int(RESOLVE_WORK / float(nonzeros) ** 1.5) if nonzeros else None
    resolver = _Resolver(solver, resolve_limit)
    try:
        duals = _Duals(solutions["Base"])
        unmet = _unmet(ctx, solutions["Base"].customer_month)
        analysed = {"Base": (_scenario_frames(ctx, "Base", solutions["Base"], duals, unmet), None)}
        # What needs only Base's gaps (the order checks, Base's re-solved levers, the launches) is done before
        # waiting for the child, so that both cores stay busy.
        base_gaps = analysed["Base"][0][-1]
        base_gap_frame = _concat([base_gaps], GAP_COLUMNS)
        commitments = _commitments(ctx, solutions["Base"], base_gap_frame, resolver, checked_orders)
        lever_rows = _scenario_levers(ctx, "Base", solutions["Base"], duals, unmet, base_gaps, resolver, resolved_gaps)
        launches = _launches(ctx, solutions["Base"], base_gap_frame)
        done, answers = child.result() if child is not None else (False, None)
        analysed.update(answers if done else _other_scenarios(ctx, others))
    finally:
        if child is not None:
            child.cancel()
    plans, customer_plans, capacities, materials, margins, customer_margins, gaps = (
        list(frames) for frames in zip(*(analysed[scenario][0] for scenario in scenarios))
    )

    plan_frame = _concat(plans, PLAN_COLUMNS)
    capacity_frame = _concat(capacities, CAPACITY_COLUMNS)
    gap_frame = _concat(gaps, GAP_COLUMNS)
    margin_frame = _concat(margins, MARGIN_COLUMNS)
    for scenario in scenarios[1:]:
        lever_rows += analysed[scenario][1]
    levers = (
        pd.DataFrame(lever_rows, columns=LEVER_COLUMNS)
        if len(gap_frame)
        else pd.DataFrame({c: pd.Series(dtype=object) for c in LEVER_COLUMNS})
    )
    scenarios_summary = _scenarios_summary(scenarios, plan_frame, margin_frame, gap_frame, capacity_frame)
    budget = _budget(ctx, plan_frame, margin_frame)
    results = Results(
        inputs=inputs,
        scenarios=scenarios,
        plan=plan_frame,
        customer_plan=_concat(customer_plans, CUSTOMER_PLAN_COLUMNS),
        capacity=capacity_frame,
        materials=_concat(materials, MATERIAL_COLUMNS),
        margin=margin_frame,
        customer_margin=_concat(customer_margins, CUSTOMER_MARGIN_COLUMNS),
        gaps=gap_frame,
        levers=levers,
        inventory=_inventory(plan_frame),
        commitments=commitments,
        launches=launches,
        scenarios_summary=scenarios_summary,
        budget=budget,
        forecast_accuracy=forecast_accuracy(inputs.forecast, inputs.actuals, inputs.products),
    )
    results.summary = _summary(results)
    return results


def forecast_accuracy(forecast_long: pd.DataFrame, actuals_long: pd.DataFrame, products: pd.DataFrame) -> pd.DataFrame:
    """Forecast accuracy of a forecast against actual shipments, by family and by SKU.

    Only months present in both are compared: a cycle's Actuals are the past months and its forecast the
    future ones, so pass the forecast of an earlier pack to measure how good it was. Customers are summed first,
    then MAPE = Σ|Forecast − Actual| / Σ Actual over the months (volume-weighted, so a month without sales does
    not divide by zero) and Bias = Σ(Forecast − Actual) / Σ Actual (positive = over-forecast).

    Args:
        forecast_long: SKU, Customer, Month, Forecast, and optionally Scenario (only Base rows are used).
        actuals_long: SKU, Customer, Month, Actual.
        products: SKU, Family.

    Returns:
        Level ("Family" or "SKU"), Family, SKU ("" on family rows), Months, Forecast, Actual, MAPE, Bias;
        family rows first. Empty when no month overlaps or nothing was sold.
    """
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in ACCURACY_COLUMNS})
    if forecast_long is None or actuals_long is None or not len(forecast_long) or not len(actuals_long):
        return empty
    forecast = forecast_long
    if "Scenario" in forecast.columns:
        forecast = forecast[forecast["Scenario"].astype(str) == "Base"]
    forecast = _by(forecast.assign(Forecast=_num(forecast["Forecast"])), ["SKU", "Month"], ["Forecast"])
    actuals = _by(actuals_long.assign(Actual=_num(actuals_long["Actual"])), ["SKU", "Month"], ["Actual"])
    both = forecast.merge(actuals, on=["SKU", "Month"], how="inner")
    if both.empty:
        return empty
    both["Family"] = both["SKU"].map(_family_map(products)).fillna("")
    rows = []
    for level, keys in (("Family", ["Family"]), ("SKU", ["Family", "SKU"])):
        frame = both if level == "SKU" else _by(both, ["Family", "Month"], ["Forecast", "Actual"])
        for key, group in frame.groupby(keys, sort=True):
            key = key if isinstance(key, tuple) else (key,)
            actual = group["Actual"].sum()
            if actual <= EPS:
                continue  # nothing sold: a percentage error is undefined
            error = group["Forecast"] - group["Actual"]
            rows.append(
                {
                    "Level": level,
                    "Family": key[0],
                    "SKU": key[1] if level == "SKU" else "",
                    "Months": int(group["Month"].nunique()),
                    "Forecast": group["Forecast"].sum(),
                    "Actual": actual,
                    "MAPE": error.abs().sum() / actual,
                    "Bias": error.sum() / actual,
                }
            )
    return pd.DataFrame(rows, columns=ACCURACY_COLUMNS) if rows else empty


# ----------------------------------------------------------------------------------------------------------------
# Inputs as lookups


class _Context:
    """The inputs as the lookups the analyses need (unit costs, routings, readiness), built once."""

    def __init__(self, inputs: Inputs):
        self.inputs = inputs
        self.months = list(inputs.months)
        self.currency = inputs.cycle.currency
        self.family = _family_map(inputs.products)
        products = inputs.products.drop_duplicates("SKU")
        self.floor = dict(zip(products["SKU"], pd.to_numeric(products["Margin floor %"], errors="coerce")))
        costs = inputs.costs.drop_duplicates("SKU")
        self.material_cost = dict(zip(costs["SKU"], _num(costs["Material cost per unit"])))
        self.other_cost = dict(zip(costs["SKU"], _num(costs["Other variable cost per unit"])))
        self.holding_cost = dict(zip(costs["SKU"], _num(costs["Holding cost per unit-month"])))
        self.backlog_cost = dict(zip(costs["SKU"], _num(costs["Backlog cost per unit-month"])))
        self.unmet_kind = dict(zip(costs["SKU"], costs["Unmet demand"].astype(str)))
        self.routing: dict[str, list[tuple[str, float]]] = {}
        for sku, resource, hours in zip(
            inputs.routings["SKU"], inputs.routings["Resource"], _num(inputs.routings["Hours per unit"])
        ):
            self.routing.setdefault(sku, []).append((resource, float(hours)))
        self.bom: dict[str, list[tuple[str, float]]] = {}
        for sku, material, quantity in zip(
            inputs.bill_of_materials["SKU"],
            inputs.bill_of_materials["Material"],
            _num(inputs.bill_of_materials["Quantity per unit"]),
        ):
            self.bom.setdefault(sku, []).append((material, float(quantity)))
        # Who uses each resource and material: (kind, name) → [(SKU, hours or quantity per unit)].
        self.users: dict[tuple[str, str], list[tuple[str, float]]] = {}
        for kind, table in ((RESOURCE, self.routing), (MATERIAL, self.bom)):
            for sku, lines in table.items():
                for name, per in lines:
                    self.users.setdefault((kind, name), []).append((sku, per))
        resources = inputs.resources.drop_duplicates("Resource")
        self.regular_rate = dict(zip(resources["Resource"], _num(resources["Regular cost per hour"])))
        self.overtime_rate = dict(zip(resources["Resource"], _num(resources["Overtime cost per hour"])))
        readiness = inputs.launch_readiness.drop_duplicates("SKU")
        self.readiness = {row["SKU"]: row for _, row in readiness.iterrows()}
        self.ready = {sku: _month_start(row["Ready from month"]) for sku, row in self.readiness.items()}
        subcontract = inputs.subcontract.drop_duplicates(["SKU", "Subcontractor"])
        self.subcontract_cost: dict[str, tuple[str, float]] = {}  # the cheapest subcontractor per SKU
        for sku, name, cost in zip(
            subcontract["SKU"], subcontract["Subcontractor"], _num(subcontract["Cost per unit"])
        ):
            if sku not in self.subcontract_cost or cost < self.subcontract_cost[sku][1]:
                self.subcontract_cost[sku] = (name, float(cost))
        inventory = inputs.inventory.drop_duplicates("SKU")
        self.max_stock = dict(zip(inventory["SKU"], pd.to_numeric(inventory["Max stock"], errors="coerce")))

    def variable_cost(self, sku: str) -> float:
        """Material plus other variable cost of making one unit (regular hours are already paid for)."""
        return self.material_cost.get(sku, 0.0) + self.other_cost.get(sku, 0.0)

    def label(self, month) -> str:
        """A month as the planners write it: Mar-27."""
        return pd.Timestamp(month).strftime("%b-%y")

    def money(self, amount: float) -> str:
        """An amount with the cycle currency: 42.10 USD."""
        return f"{amount:,.2f} {self.currency}"


# ----------------------------------------------------------------------------------------------------------------
# Plan, capacity, materials


def _plan(ctx: _Context, scenario: str, solution) -> pd.DataFrame:
    frame = solution.sku_month.copy()
    frame.insert(0, "Scenario", scenario)
    frame["Family"] = _families(ctx, frame["SKU"])
    frame = frame.sort_values(["SKU", "Month"], kind="stable").reset_index(drop=True)
    frame["Days of supply"] = _days_of_supply(frame)
    return _columns(frame, PLAN_COLUMNS)


def _days_of_supply(frame: pd.DataFrame) -> pd.Series:
    """Closing inventory / average daily demand of the next months, per row of a frame sorted by SKU, Month."""
    demand = _num(frame["Demand"])
    days = pd.Series(pd.DatetimeIndex(frame["Month"]).days_in_month, index=frame.index, dtype=float)
    by_sku = frame["SKU"].to_numpy()
    ahead_demand = pd.Series(0.0, index=frame.index)
    ahead_days = pd.Series(0.0, index=frame.index)
    for step in range(1, DAYS_OF_SUPPLY_MONTHS + 1):
        ahead_demand += demand.groupby(by_sku).shift(-step).fillna(0.0)
        ahead_days += days.groupby(by_sku).shift(-step).fillna(0.0)
    # The horizon end has no month ahead: its own month is the best guess of what follows.
    last = ahead_days == 0
    ahead_demand = ahead_demand.where(~last, demand)
    ahead_days = ahead_days.where(~last, days)
    rate = ahead_demand / ahead_days
    closing = _num(frame["Closing inventory"])
    days_of_supply = (closing / rate.where(rate > EPS, 1.0)).clip(upper=DAYS_OF_SUPPLY_CAP)
    days_of_supply = days_of_supply.where(rate > EPS, DAYS_OF_SUPPLY_CAP)
    return days_of_supply.where(closing > EPS, 0.0).astype(float)


def _customer_plan(ctx: _Context, scenario: str, solution) -> pd.DataFrame:
    frame = solution.customer_month.copy()
    frame.insert(0, "Scenario", scenario)
    frame["Family"] = _families(ctx, frame["SKU"])
    frame = frame.sort_values(["SKU", "Customer", "Month"], kind="stable").reset_index(drop=True)
    return _columns(frame, CUSTOMER_PLAN_COLUMNS)


def _sku_resource_hours(ctx: _Context, sku_month: pd.DataFrame, quantity: str) -> pd.DataFrame:
    """Hours per SKU × Resource × Month for a quantity column of sku_month (Production or Demand)."""
    routings = ctx.inputs.routings[["SKU", "Resource", "Hours per unit"]].copy()
    routings["Hours per unit"] = _num(routings["Hours per unit"])
    frame = sku_month[["SKU", "Month", quantity]].merge(routings, on="SKU", how="inner")
    frame["Hours"] = frame["Hours per unit"] * _num(frame[quantity])
    return frame[["SKU", "Resource", "Month", "Hours"]]


def _capacity(ctx: _Context, scenario: str, solution) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The capacity frame, and the labour each SKU absorbs (SKU, Month, Overtime cost, Regular labour cost)."""
    frame = solution.resource_month.copy()
    for column in (
        "Available hours",
        "Overtime limit",
        "Overtime hours",
        "Used hours",
        "Regular cost per hour",
        "Overtime cost per hour",
        "Shadow price",
    ):
        frame[column] = _num(frame[column])
    # Required hours = Σ routing hours × demand: what full demand would load, made in its own month.
    required = _by(_sku_resource_hours(ctx, solution.sku_month, "Demand"), ["Resource", "Month"], ["Hours"])
    frame = frame.merge(required.rename(columns={"Hours": "Required hours"}), on=["Resource", "Month"], how="left")
    frame["Required hours"] = frame["Required hours"].fillna(0.0)
    available, used = frame["Available hours"], frame["Used hours"]
    # Utilisation = used / regular hours; a resource without regular hours is 0 when idle, 1 when working.
    frame["Utilisation"] = np.where(
        available > EPS, used / available.where(available > EPS, 1.0), np.where(used > EPS, 1.0, 0.0)
    )
    frame["Regular used"] = (used - frame["Overtime hours"]).clip(lower=0.0).clip(upper=available)
    regular_used = frame["Regular used"]
    frame["Regular labour cost"] = available * frame["Regular cost per hour"]
    frame["Overtime cost"] = frame["Overtime hours"] * frame["Overtime cost per hour"]
    # Unabsorbed labour = idle regular hours × regular rate: the fixed cost no SKU carries.
    frame["Unabsorbed labour"] = (available - regular_used) * frame["Regular cost per hour"]
    frame.insert(0, "Scenario", scenario)
    frame = frame.sort_values(["Resource", "Month"], kind="stable").reset_index(drop=True)

    # Each SKU absorbs the resource's used regular hours and overtime in proportion to the hours it used.
    hours = _sku_resource_hours(ctx, solution.sku_month, "Production")
    total = _by(hours, ["Resource", "Month"], ["Hours"]).rename(columns={"Hours": "Total"})
    hours = (
        hours.merge(total, on=["Resource", "Month"])
        .merge(
            frame[
                [
                    "Resource",
                    "Month",
                    "Regular used",
                    "Regular cost per hour",
                    "Overtime hours",
                    "Overtime cost per hour",
                ]
            ],
            on=["Resource", "Month"],
            how="left",
        )
        .fillna(0.0)
    )
    share = np.where(hours["Total"] > EPS, hours["Hours"] / hours["Total"].where(hours["Total"] > EPS, 1.0), 0.0)
    hours["Regular labour cost"] = share * hours["Regular used"] * hours["Regular cost per hour"]
    hours["Overtime cost"] = share * hours["Overtime hours"] * hours["Overtime cost per hour"]
    absorbed = _by(hours, ["SKU", "Month"], ["Regular labour cost", "Overtime cost"])
    return _columns(frame, CAPACITY_COLUMNS), absorbed


def _materials(ctx: _Context, scenario: str, solution) -> pd.DataFrame:
    frame = solution.material_month.copy()
    for column in ("Available", "Used", "Shadow price"):
        frame[column] = _num(frame[column])
    bom = ctx.inputs.bill_of_materials[["SKU", "Material", "Quantity per unit"]].copy()
    bom["Quantity per unit"] = _num(bom["Quantity per unit"])
    # Required = Σ quantity per unit × demand: what full demand would use, made in its own month.
    required = solution.sku_month[["SKU", "Month", "Demand"]].merge(bom, on="SKU", how="inner")
    required["Required"] = required["Quantity per unit"] * _num(required["Demand"])
    frame = frame.merge(_by(required, ["Material", "Month"], ["Required"]), on=["Material", "Month"], how="left")
    frame["Required"] = frame["Required"].fillna(0.0)
    frame.insert(0, "Scenario", scenario)
    frame = frame.sort_values(["Material", "Month"], kind="stable").reset_index(drop=True)
    return _columns(frame, MATERIAL_COLUMNS)


# ----------------------------------------------------------------------------------------------------------------
# Margin


def _margin(ctx: _Context, scenario: str, solution, absorbed: pd.DataFrame) -> pd.DataFrame:
    frame = solution.sku_month[["SKU", "Month", "Production", "Shipments", "Closing inventory", "Backlog"]].copy()
    for column in ("Production", "Shipments", "Closing inventory", "Backlog"):
        frame[column] = _num(frame[column])
    revenue = _by(
        solution.customer_month.assign(Revenue=_num(solution.customer_month["Revenue"])), ["SKU", "Month"], ["Revenue"]
    )
    subcontract = solution.subcontract.copy()
    subcontract["Subcontract cost"] = _num(subcontract["Units"]) * _num(subcontract["Cost per unit"])
    subcontract = _by(subcontract, ["SKU", "Month"], ["Subcontract cost"])
    for extra in (revenue, subcontract, absorbed):
        frame = frame.merge(extra, on=["SKU", "Month"], how="left")
    for column in ("Revenue", "Subcontract cost", "Regular labour cost", "Overtime cost"):
        frame[column] = frame[column].fillna(0.0)
    sku = frame["SKU"]
    # Material and other variable cost fall on units made, not on subcontracted ones (their price is all-in).
    frame["Material cost"] = frame["Production"] * _map(sku, ctx.material_cost).fillna(0.0)
    frame["Other variable cost"] = frame["Production"] * _map(sku, ctx.other_cost).fillna(0.0)
    frame["Holding cost"] = frame["Closing inventory"] * _map(sku, ctx.holding_cost).fillna(0.0)
    frame["Backlog cost"] = frame["Backlog"] * _map(sku, ctx.backlog_cost).fillna(0.0)
    # Contribution margin = Revenue − (Material + Other variable + Overtime + Subcontract + Holding + Backlog).
    frame["Contribution margin"] = frame["Revenue"] - frame[COST_COLUMNS].sum(axis=1)
    frame["Contribution margin %"] = _ratio(frame["Contribution margin"], frame["Revenue"])
    frame["Margin after labour"] = frame["Contribution margin"] - frame["Regular labour cost"]
    frame["Margin floor %"] = _map(sku, ctx.floor).astype(float)

    # The floor is a horizon-level promise per SKU: (Σ revenue − Σ costs) / Σ revenue ≥ floor. The price that
    # meets it with the same shipments and costs solves (S·p − C) / (S·p) = floor: p = C / (S · (1 − floor)).
    totals = frame.groupby("SKU", sort=False).agg(
        revenue=("Revenue", "sum"), margin=("Contribution margin", "sum"), shipments=("Shipments", "sum")
    )
    totals["costs"] = totals["revenue"] - totals["margin"]
    totals["floor"] = totals.index.map(ctx.floor).astype(float)
    totals["percent"] = _ratio(totals["margin"], totals["revenue"])
    totals["below"] = totals["floor"].notna() & (totals["revenue"] > EPS) & (totals["percent"] < totals["floor"] - 1e-9)
    can_price = totals["below"] & (totals["shipments"] > EPS) & (totals["floor"] < 1)
    totals["price"] = (
        totals["costs"] / (totals["shipments"].where(can_price) * (1 - totals["floor"].where(can_price)))
    ).where(can_price)
    frame["Horizon margin %"] = _map(sku, totals["percent"]).astype(float)
    frame["Below floor"] = _map(sku, totals["below"]).astype(bool)
    frame["Price to meet floor"] = _map(sku, totals["price"]).astype(float)
    frame.insert(0, "Scenario", scenario)
    frame["Family"] = _families(ctx, sku)
    frame = frame.sort_values(["SKU", "Month"], kind="stable").reset_index(drop=True)
    return _columns(frame, MARGIN_COLUMNS)


def _customer_margin(ctx: _Context, scenario: str, solution, margin: pd.DataFrame) -> pd.DataFrame:
    """Whole-horizon margin per SKU × Customer; each SKU's costs are shared out by its shipments."""
    customers = solution.customer_month.copy()
    for column in ("Shipments", "Demand", "Revenue"):
        customers[column] = _num(customers[column]).to_numpy()
    customers = _by(customers, ["SKU", "Customer"], ["Shipments", "Demand", "Revenue"])
    allocated = COST_COLUMNS + ["Regular labour cost"]
    sku_totals = _by(margin, ["SKU"], allocated)
    # Costs of a SKU with no customer (stock built for the closing target) stay on one row so totals still add.
    orphans = sku_totals.loc[~sku_totals["SKU"].isin(customers["SKU"]), ["SKU"]]
    if len(orphans):
        customers = pd.concat(
            [customers, orphans.assign(Customer="(no customer)", Shipments=0.0, Demand=0.0, Revenue=0.0)],
            ignore_index=True,
        )
    # Share by shipments; by demand where a SKU shipped nothing; evenly where it had no demand either.
    by_sku = customers.groupby("SKU")
    shipped, wanted = by_sku["Shipments"].transform("sum"), by_sku["Demand"].transform("sum")
    count = by_sku["SKU"].transform("size").astype(float)
    share = np.where(
        shipped > EPS,
        customers["Shipments"] / shipped.where(shipped > EPS, 1.0),
        np.where(wanted > EPS, customers["Demand"] / wanted.where(wanted > EPS, 1.0), 1.0 / count),
    )
    frame = customers.merge(sku_totals, on="SKU", how="left")
    for column in allocated:
        frame[column] = frame[column].fillna(0.0) * share
    frame["Contribution margin"] = frame["Revenue"] - frame[COST_COLUMNS].sum(axis=1)
    frame["Contribution margin %"] = _ratio(frame["Contribution margin"], frame["Revenue"])
    frame["Margin after labour"] = frame["Contribution margin"] - frame["Regular labour cost"]
    frame.insert(0, "Scenario", scenario)
    frame["Family"] = _families(ctx, frame["SKU"])
    frame = frame.sort_values(["SKU", "Customer"], kind="stable")
    return _columns(frame, CUSTOMER_MARGIN_COLUMNS)


# ----------------------------------------------------------------------------------------------------------------
# Gaps and what binds them


def _unmet(ctx: _Context, customer_month: pd.DataFrame) -> pd.DataFrame:
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
        frame[column] = _num(frame[column]).to_numpy()
    frame = frame.sort_values(["SKU", "Customer", "Month"], kind="stable").reset_index(drop=True)
    lines = frame.groupby(["SKU", "Customer"], sort=False)
    is_last = lines.cumcount(ascending=False).to_numpy() == 0
    waits = _map(frame["SKU"], ctx.unmet_kind).fillna("Backlog").to_numpy() != "Lost"
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


def _gaps(ctx: _Context, scenario: str, unmet: pd.DataFrame, duals: _Duals) -> pd.DataFrame:
    """The scenario's gaps from its unmet units (`_unmet`), each with what binds it (`_binding`)."""
    frame = unmet[unmet["Unmet units"] > EPS].copy()
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in GAP_COLUMNS})
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
    frame["Family"] = _families(ctx, frame["SKU"])
    frame = frame.sort_values(
        ["Revenue at risk", "SKU", "Customer", "Month"], ascending=[False, True, True, True], kind="stable"
    ).reset_index(drop=True)
    width = max(2, len(str(len(frame))))
    frame["Gap id"] = [f"G{i:0{width}d}" for i in range(1, len(frame) + 1)]
    return _columns(frame, GAP_COLUMNS)


class _Duals:
    """A solution's shadow prices and loads as dictionaries keyed by (name, month), built once per scenario and
    shared by the gaps and their levers."""

    def __init__(self, solution):
        resources = solution.resource_month
        keys = list(zip(resources["Resource"].tolist(), _stamps(resources["Month"])))
        self.hour_value = dict(zip(keys, _num(resources["Shadow price"])))
        self.resource = _records(keys, resources, ["Available hours", "Overtime limit", "Overtime hours", "Used hours"])
        # Idle regular hours = available − regular hours used (used less overtime).
        regular_used = np.maximum(
            0.0, _num(resources["Used hours"]).to_numpy() - _num(resources["Overtime hours"]).to_numpy()
        )
        self.idle_hours = dict(
            zip(keys, np.maximum(0.0, _num(resources["Available hours"]).to_numpy() - regular_used).tolist())
        )
        materials = solution.material_month
        keys = list(zip(materials["Material"].tolist(), _stamps(materials["Month"])))
        self.unit_value = dict(zip(keys, _num(materials["Shadow price"])))
        self.material = _records(keys, materials, ["Supplier", "Available", "Used"])
        self.unused_material = dict(
            zip(
                keys,
                np.maximum(0.0, _num(materials["Available"]).to_numpy() - _num(materials["Used"]).to_numpy()).tolist(),
            )
        )
        # What each SKU makes in a month, where it makes anything (`_reallocate` looks at no other).
        sku_month = solution.sku_month
        made = _num(sku_month["Production"]).to_numpy()
        making = sku_month[made > EPS]
        self.production = dict(zip(zip(making["SKU"].tolist(), _stamps(making["Month"])), made[made > EPS]))
        self.prices = _sku_prices(solution)
        customers = solution.customer_month
        self.shipped = _num(customers["Shipments"]).groupby(customers["SKU"].to_numpy()).sum().to_dict()
        self.revenue = _num(customers["Revenue"]).groupby(customers["SKU"].to_numpy()).sum().to_dict()
        # A subcontractor explains a gap only when it delivers its most (`_binding`): keep those rows only.
        subcontract = solution.subcontract
        full = subcontract[_num(subcontract["Units"]).to_numpy() >= _num(subcontract["Max units"]).to_numpy() - EPS]
        self.full_subcontract: dict[tuple, list] = {}
        for key, row in zip(
            zip(full["SKU"].tolist(), _stamps(full["Month"])),
            _records(range(len(full)), full, ["Subcontractor", "Max units"]).values(),
        ):
            self.full_subcontract.setdefault(key, []).append(row)
        self.cheapest_users: dict[tuple, list] = {}  # filled by _reallocate, per constraint and month

    def spare_hours(self, resource: str, month) -> float:
        """Idle regular hours of a resource in a month."""
        return self.idle_hours.get((resource, month), 0.0)

    def spare_material(self, material: str, month) -> float:
        """Unused units of a material in a month."""
        return self.unused_material.get((material, month), 0.0)


def _binding(ctx: _Context, duals: _Duals, sku: str, customer: str, month, price: float):
    """Why demand of a SKU in a month is unmet: (kind, constraint, constraint month, shadow price, sentence).

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

    best = None  # (value per unit of the SKU, kind, name, month, shadow price)
    for earlier in (m for m in ctx.months if m <= month and (ready is None or pd.isna(ready) or m >= ready)):
        for resource, hours in routing:
            value = duals.hour_value.get((resource, earlier), 0.0)
            if value > EPS and (best is None or value * hours > best[0] + EPS):
                best = (value * hours, RESOURCE, resource, earlier, value)
        for material, quantity in ctx.bom.get(sku, []):
            value = duals.unit_value.get((material, earlier), 0.0)
            if value > EPS and (best is None or value * quantity > best[0] + EPS):
                best = (value * quantity, MATERIAL, material, earlier, value)
    if best is not None:
        per_unit, kind, name, when, value = best
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


# ----------------------------------------------------------------------------------------------------------------
# Levers


class _Resolver:
    """Re-solves the model with a change, at most `limit` times, remembering each answer."""

    def __init__(self, solver, limit: int | None):
        self.solver = solver
        self.left = limit
        self.answers: dict[tuple, object] = {}

    def can(self, key: tuple) -> bool:
        """Whether this change has been solved already or another solve is allowed."""
        return key in self.answers or (self.solver is not None and (self.left is None or self.left > 0))

    def solve(self, key: tuple, inputs: Inputs, scenario: str, adjustments):
        """The solution with the change applied (raises the planner's PlanError when it cannot be made)."""
        if key not in self.answers:
            if self.left is not None:
                self.left -= 1
            try:
                self.answers[key] = _normalised(self.solver(inputs, scenario, adjustments))
            except SopError as error:
                self.answers[key] = error
        answer = self.answers[key]
        if isinstance(answer, SopError):
            raise answer
        return answer


def _scenario_frames(ctx: _Context, scenario: str, solution, duals: _Duals, unmet: pd.DataFrame) -> tuple:
    """One scenario's plan, customer plan, capacity, materials, margin, customer margin and gaps."""
    capacity, absorbed = _capacity(ctx, scenario, solution)
    margin = _margin(ctx, scenario, solution, absorbed)
    return (
        _plan(ctx, scenario, solution),
        _customer_plan(ctx, scenario, solution),
        capacity,
        _materials(ctx, scenario, solution),
        margin,
        _customer_margin(ctx, scenario, solution, margin),
        _gaps(ctx, scenario, unmet, duals),
    )


def _other_scenarios(ctx: _Context, solutions: dict) -> dict[str, tuple[tuple, list[dict]]]:
    """`_other_scenario` of each scenario of `solutions` (name: solution), by name."""
    return {scenario: _other_scenario(ctx, scenario, solution) for scenario, solution in solutions.items()}


def _other_scenario(ctx: _Context, scenario: str, solution) -> tuple[tuple, list[dict]]:
    """A scenario other than Base: its frames (`_scenario_frames`) and its levers, all estimates."""
    duals = _Duals(solution)
    unmet = _unmet(ctx, solution.customer_month)
    frames = _scenario_frames(ctx, scenario, solution, duals, unmet)
    return frames, _scenario_levers(ctx, scenario, solution, duals, unmet, frames[-1], None, 0)


def _scenario_levers(
    ctx: _Context,
    scenario: str,
    solution,
    duals: _Duals,
    unmet: pd.DataFrame,
    gaps: pd.DataFrame,
    resolver: _Resolver | None,
    resolved_gaps: int,
) -> list[dict]:
    """The priced menu of levers for every gap of one scenario (rows of LEVER_COLUMNS); the largest Base gaps
    are priced by re-solving when a resolver is given."""
    rows: list[dict] = []
    if gaps.empty:
        return rows
    base_unmet = _sku_month_totals(unmet)
    for position, gap in enumerate(gaps.to_dict("records")):
        wanted = (
            scenario == "Base" and position < resolved_gaps and resolver is not None and resolver.solver is not None
        )
        for lever in _lever_menu(ctx, duals, gap):
            row = {
                "Scenario": scenario,
                "Gap id": gap["Gap id"],
                "Lever": lever["lever"],
                "Description": lever["description"],
            }
            key = (scenario, repr(lever["adjustments"]))
            if wanted and lever["adjustments"] is not None and resolver.can(key):
                row.update(_resolved(ctx, resolver, key, solution, base_unmet, gap, lever))
                rows.append(row)
                continue
            row.update(
                {
                    "Units closed": lever["units"],
                    "Cost": lever["cost"],
                    "Margin effect": lever["margin"],
                    "Priced by": "Estimate",
                }
            )
            if wanted and lever["adjustments"] is None:
                row["Description"] += " (estimate from the plan's unit costs; no re-solve can force it)"
            elif wanted:
                row["Description"] += (
                    " (estimate from shadow prices and unit costs: the re-solves allowed "
                    "for a model this size are used up)"
                )
            else:
                row["Description"] += " (estimate from shadow prices and unit costs)"
            rows.append(row)
    return rows


def _sku_month_totals(unmet: pd.DataFrame) -> dict:
    """Unmet units per (SKU, Month), all customers, from `_unmet`'s frame."""
    totals = unmet.groupby(["SKU", "Month"])["Unmet units"].sum()
    return dict(zip(_keys(totals.index), totals.tolist()))


def _total_costs(solution) -> dict:
    """The plan's money: revenue, total costs (revenue − contribution margin), overtime and subcontract cost."""
    revenue = float(_num(solution.customer_month["Revenue"]).sum())
    resources = solution.resource_month
    subcontract = solution.subcontract
    return {
        "revenue": revenue,
        "costs": revenue - float(solution.contribution_margin),
        OVERTIME: float((_num(resources["Overtime hours"]) * _num(resources["Overtime cost per hour"])).sum()),
        SUBCONTRACT_LEVER: float((_num(subcontract["Units"]) * _num(subcontract["Cost per unit"])).sum()),
    }


def _resolved(ctx: _Context, resolver: _Resolver, key: tuple, solution, base_unmet: dict, gap, lever: dict) -> dict:
    """Re-solve with the lever's adjustments: units closed of the gap's SKU-month, cost, margin effect."""
    try:
        new = resolver.solve(key, ctx.inputs, gap["Scenario"], lever["adjustments"])
    except SopError as error:
        return {
            "Units closed": lever["units"],
            "Cost": lever["cost"],
            "Margin effect": lever["margin"],
            "Priced by": "Estimate",
            "Description": f"{lever['description']} (estimate: the re-solve failed: {error})",
        }
    sku_month = (gap["SKU"], gap["Month"])
    # Unmet units are worked out line by line, so the gap's SKU alone gives its figure.
    customers = new.customer_month
    new_unmet = _sku_month_totals(_unmet(ctx, customers[customers["SKU"] == gap["SKU"]])).get(sku_month, 0.0)
    closed = min(float(gap["Unmet units"]), max(0.0, base_unmet.get(sku_month, 0.0) - new_unmet))
    before, after = _total_costs(solution), _total_costs(new)
    # Cost = what the lever itself spends: the added overtime or subcontract bill; for a price change, the
    # plan's added costs. Margin effect = the re-solved contribution margin − the plan's.
    cost_key = lever["lever"] if lever["lever"] in (OVERTIME, SUBCONTRACT_LEVER) else "costs"
    return {
        "Units closed": closed,
        "Cost": after[cost_key] - before[cost_key],
        "Margin effect": float(new.contribution_margin) - float(solution.contribution_margin),
        "Priced by": "Re-solve",
    }


def _adjustments(**changes):
    from .planner import Adjustments

    return Adjustments(**changes)


def _lever_menu(ctx: _Context, duals: _Duals, gap) -> list[dict]:
    """The levers that apply to one gap, each with an estimate and, where the model can apply it, adjustments.

    Estimates value a closed unit at price − variable cost when the unit would be lost, and at one month of
    backlog cost when it would only ship late.
    """
    sku, customer, month = gap["SKU"], gap["Customer"], pd.Timestamp(gap["Month"])
    units, price, kind = float(gap["Unmet units"]), float(gap["Unit price"]), gap["Binding constraint"]
    lost_share = float(gap["Units lost"]) / units if units > EPS else 0.0
    variable = ctx.variable_cost(sku)
    backlog_cost = ctx.backlog_cost.get(sku, 0.0)

    def value(per_unit_cost: float) -> float:
        """Margin per closed unit supplied at this all-in cost: a lost unit earns price − cost; a late unit,
        which the plan would have made later at its variable cost anyway, saves a month of backlog cost and
        pays the difference in cost."""
        return lost_share * (price - per_unit_cost) + (1 - lost_share) * (backlog_cost - (per_unit_cost - variable))

    def months_between(earlier) -> int:
        return (month.year - earlier.year) * 12 + month.month - earlier.month

    levers = []
    routing = ctx.routing.get(sku, [])
    when = pd.Timestamp(gap["Constraint month"]) if not pd.isna(gap["Constraint month"]) else month
    if kind == MATERIAL:
        quantity = dict(ctx.bom.get(sku, [])).get(gap["Constraint"], 0.0)
        holding = ctx.holding_cost.get(sku, 0.0) * months_between(when)
        levers.append(
            {
                "lever": EXPEDITE,
                "description": f"Expedite {units * quantity:,.0f} more units of {gap['Constraint']} for "
                f"{ctx.label(when)} at the usual material cost (any expediting premium "
                f"comes on top)",
                "units": units,
                "cost": units * holding,
                "margin": units * value(variable + holding),
                "adjustments": _adjustments(extra_material={(gap["Constraint"], when): units * quantity}),
            }
        )
    if kind == RESOURCE and routing:
        # Overtime on every routing resource that is full in the constraint month, sized to the gap.
        full = [(r, h) for r, h in routing if duals.hour_value.get((r, when), 0.0) > EPS]
        if full:
            extra = {(r, when): units * h for r, h in full}
            per_unit = sum(h * ctx.overtime_rate.get(r, 0.0) for r, h in full)
            holding = ctx.holding_cost.get(sku, 0.0) * months_between(when)
            names = ", ".join(f"{units * h:,.1f} h on {r}" for r, h in full)
            levers.append(
                {
                    "lever": OVERTIME,
                    "description": f"Add overtime in {ctx.label(when)}: {names}",
                    "units": units,
                    "cost": units * per_unit,
                    "margin": units * value(variable + per_unit + holding),
                    "adjustments": _adjustments(extra_overtime=extra),
                }
            )
    if sku in ctx.subcontract_cost and kind != READINESS:  # nor may a subcontractor supply before readiness
        name, unit_cost = ctx.subcontract_cost[sku]
        levers.append(
            {
                "lever": SUBCONTRACT_LEVER,
                "description": f"Subcontract {units:,.0f} more units of {sku} to {name} in "
                f"{ctx.label(month)} at {ctx.money(unit_cost)} a unit",
                "units": units,
                "cost": units * unit_cost,
                "margin": units * value(unit_cost),
                "adjustments": _adjustments(extra_subcontract={(sku, month): units}),
            }
        )
    if kind in (RESOURCE, MATERIAL) and routing:
        levers.extend(_build_ahead(ctx, duals, gap, routing, value, months_between))
        levers.extend(_reallocate(ctx, duals, gap, value(variable)))
    if kind == READINESS:
        ready = pd.Timestamp(gap["Constraint month"])
        wait = -months_between(ready)  # months from the gap's month to the ready month
        # Units that would be lost are won back, at the backlog cost of the wait; units that would ship late
        # anyway are already in the plan that way, so agreeing the date changes no figure for them.
        cost = units * lost_share * backlog_cost * wait
        levers.append(
            {
                "lever": PRICE_DEMAND,
                "description": f"Agree with {customer} to take these {units:,.0f} units of {sku} from "
                f"{ctx.label(ready)}, when it can be made",
                "units": units,
                "cost": cost,
                "margin": units * lost_share * (price - variable) - cost,
                "adjustments": None,
            }
        )
    levers.extend(_price_lever(ctx, duals, gap, variable, lost_share))
    return levers


def _build_ahead(ctx: _Context, duals: _Duals, gap, routing, value, months_between) -> list[dict]:
    """Build in the latest earlier month whose routing resources and materials have slack; holding is the cost."""
    sku, month, units = gap["SKU"], pd.Timestamp(gap["Month"]), float(gap["Unmet units"])
    ready = ctx.ready.get(sku)
    constraint_month = pd.Timestamp(gap["Constraint month"])
    for earlier in reversed([m for m in ctx.months if m < constraint_month]):
        if ready is not None and not pd.isna(ready) and earlier < ready:
            break
        room = min((duals.spare_hours(r, earlier) / h for r, h in routing if h > 0), default=0.0)
        for material, quantity in ctx.bom.get(sku, []):
            if quantity > 0:
                room = min(room, duals.spare_material(material, earlier) / quantity)
        if room > EPS:
            built = min(units, room)
            per_unit = ctx.holding_cost.get(sku, 0.0) * months_between(earlier)
            limit = ctx.max_stock.get(sku)
            note = (
                f"; the storage limit of {limit:,.0f} units may not allow it"
                if limit is not None and not pd.isna(limit)
                else ""
            )
            return [
                {
                    "lever": BUILD_AHEAD,
                    "description": f"Build {built:,.0f} units of {sku} ahead in {ctx.label(earlier)}, which has "
                    f"spare capacity, and hold them to {ctx.label(month)}{note}",
                    "units": built,
                    "cost": built * per_unit,
                    "margin": built * value(ctx.variable_cost(sku) + per_unit),
                    "adjustments": None,
                }
            ]
    return []


def _reallocate(ctx: _Context, duals: _Duals, gap, unit_value: float) -> list[dict]:
    """Move the constraint's capacity from the SKU earning least per unit of it; the cost is that SKU's margin."""
    sku, kind, name = gap["SKU"], gap["Binding constraint"], gap["Constraint"]
    when, units = pd.Timestamp(gap["Constraint month"]), float(gap["Unmet units"])
    usage = dict(ctx.routing.get(sku, []) if kind == RESOURCE else ctx.bom.get(sku, []))
    need = usage.get(name, 0.0)
    if need <= EPS:
        return []
    key = (kind, name, when)
    if key not in duals.cheapest_users:
        # Every SKU made on this constraint in that month, least margin per unit of the constraint first.
        candidates = []
        for other, per in ctx.users.get((kind, name), []):
            made = duals.production.get((other, when), 0.0)
            if per > EPS and made > EPS:
                margin = duals.prices.get((other, when), 0.0) - ctx.variable_cost(other)
                candidates.append((margin / per, other, per, made, margin))
        duals.cheapest_users[key] = sorted(candidates)
    candidates = [c for c in duals.cheapest_users[key][:2] if c[1] != sku]
    if not candidates:
        return []
    _, other, per, made, margin = candidates[0]
    displaced = min(made, units * need / per)
    closed = displaced * per / need
    given_up = displaced * margin
    unit = "hours" if kind == RESOURCE else "units"
    return [
        {
            "lever": REALLOCATE,
            "description": f"Move {displaced * per:,.1f} {unit} of {name} in {ctx.label(when)} from {other} "
            f"({displaced:,.0f} units, {ctx.money(margin)} margin each) to {sku}",
            "units": closed,
            "cost": given_up,
            "margin": closed * unit_value - given_up,
            "adjustments": None,
        }
    ]


def _price_lever(ctx: _Context, duals: _Duals, gap, variable: float, lost_share: float) -> list[dict]:
    """Raise the SKU's price (all customers, every month, demand assumed unchanged).

    A margin gap needs a price that covers the cost of supply (and the margin floor); a capacity gap prices the
    scarce capacity in: price + the shadow value of the constraint per unit.
    """
    sku, price = gap["SKU"], float(gap["Unit price"])
    kind = gap["Binding constraint"]
    if kind == MARGIN:
        supply = [variable] if ctx.routing.get(sku) else []
        if sku in ctx.subcontract_cost:
            supply.append(ctx.subcontract_cost[sku][1])
        if not supply:
            return []
        floor = ctx.floor.get(sku)
        floor = 0.0 if floor is None or pd.isna(floor) or floor >= 1 else float(floor)
        # At least the price meeting the floor on the cheapest supply; a 5 % mark-up when there is no floor.
        new_price = max(price * 1.05, min(supply) / (1 - floor) if floor else min(supply) * 1.05)
        why = "to cover the cost of supply" + (f" and the {floor:.0%} margin floor" if floor else "")
    elif kind in (RESOURCE, MATERIAL):
        usage = dict(ctx.routing.get(sku, []) if kind == RESOURCE else ctx.bom.get(sku, []))
        uplift = float(gap["Shadow price"]) * usage.get(gap["Constraint"], 0.0)
        if uplift <= EPS or uplift > price:
            # More than doubling the price is no lever: such a shadow price carries the penalty of a late
            # confirmed order, not a market value.
            return []
        new_price = price + uplift
        why = f"the value of the scarce {gap['Constraint']} it uses"
    else:
        return []
    # The same shipments at the new price, less what they earn now.
    uplift_revenue = duals.shipped.get(sku, 0.0) * new_price - duals.revenue.get(sku, 0.0)
    units = float(gap["Unmet units"]) if kind == MARGIN else 0.0
    gained = units * (lost_share * (new_price - variable))
    return [
        {
            "lever": PRICE_DEMAND,
            "description": f"Raise the price of {sku} to {ctx.money(new_price)} for all customers, {why} "
            f"(demand assumed unchanged)",
            "units": units,
            "cost": units * variable * lost_share,
            "margin": uplift_revenue + gained,
            "adjustments": _adjustments(price_change={sku: new_price}),
        }
    ]


def _sku_prices(solution) -> dict:
    """The average realised price per (SKU, Month), shipments-weighted (the mean listed price where nothing
    ships)."""
    frame = solution.customer_month[["SKU", "Month"]].copy()
    frame["shipped"] = _num(solution.customer_month["Shipments"]).to_numpy()
    frame["price"] = _num(solution.customer_month["Unit price"]).to_numpy()
    frame["revenue"] = frame["shipped"] * frame["price"]
    grouped = frame.groupby(["SKU", "Month"]).agg(
        shipped=("shipped", "sum"), revenue=("revenue", "sum"), listed=("price", "mean")
    )
    average = np.where(
        grouped["shipped"] > EPS,
        grouped["revenue"] / grouped["shipped"].where(grouped["shipped"] > EPS, 1.0),
        grouped["listed"],
    )
    return dict(zip(_keys(grouped.index), average.tolist()))


# ----------------------------------------------------------------------------------------------------------------
# Inventory, commitments, launches


def _inventory(plan_frame: pd.DataFrame) -> pd.DataFrame:
    frame = plan_frame.copy()
    frame["Below safety stock"] = _num(frame["Closing inventory"]) < _num(frame["Safety stock"]) - EPS
    return _columns(frame, INVENTORY_COLUMNS)


def _promise_month(customer_month: pd.DataFrame, sku: str, customer: str, month) -> pd.Timestamp | None:
    """The first month by which everything the customer was owed up to `month` has shipped (oldest first)."""
    own = customer_month[(customer_month["SKU"] == sku) & (customer_month["Customer"] == customer)]
    own = own.sort_values("Month")
    demand = _num(own["Demand"]).cumsum()
    shipped = _num(own["Shipments"]).cumsum()
    owed = demand[own["Month"] <= month]
    if owed.empty:
        return None
    target = float(owed.iloc[-1])
    later = own[(own["Month"] >= month) & (shipped >= target - EPS)]
    return None if later.empty else pd.Timestamp(later["Month"].iloc[0])


def _commitments(ctx: _Context, base, gaps: pd.DataFrame, resolver: _Resolver, checked_orders: int) -> pd.DataFrame:
    """Each order checked against the Base plan; Requested orders by re-solving with the order confirmed."""
    orders = ctx.inputs.commitments
    if orders.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in COMMITMENT_COLUMNS})
    shortfall = base.commitment_shortfall
    short = (
        _num(shortfall["Units short"]).groupby(shortfall["Order ref"].to_numpy()).sum()
        if len(shortfall)
        else pd.Series(dtype=float)
    )
    base_gaps = gaps[gaps["Scenario"] == "Base"] if len(gaps) else gaps
    first, last = ctx.months[0], ctx.months[-1]
    rows, checked = [], 0
    quantities = _num(orders["Quantity"]).tolist()
    dates = orders["Requested date"]
    requested_dates = (
        list(dates)
        if pd.api.types.is_datetime64_any_dtype(dates.dtype)
        else [pd.to_datetime(value, errors="coerce") for value in dates]
    )
    for order, quantity, requested in zip(orders.to_dict("records"), quantities, requested_dates):
        row = {c: order.get(c) for c in ("Order ref", "Customer", "SKU", "Status")}
        row.update(
            {
                "Quantity": quantity,
                "Requested date": requested,
                "Planned on time": np.nan,
                "Check": AT_RISK,
                "Promise date": pd.NaT,
                "Days late": np.nan,
                "Note": "",
            }
        )
        if pd.isna(requested):
            row["Note"] = "No requested date: the order cannot be checked"
            rows.append(row)
            continue
        month = requested.to_period("M").to_timestamp()
        if month < first or month > last:
            row["Note"] = (
                f"Requested for {ctx.label(month)}, outside the plan ({ctx.label(first)} to {ctx.label(last)})"
            )
            rows.append(row)
            continue
        solution = base
        if str(order["Status"]) == "Requested":
            key = ("Confirm", str(order["Order ref"]))
            if checked >= checked_orders or not resolver.can(key):
                row["Note"] = (
                    "Not checked: only the first Requested orders are checked by re-solving the plan"
                    if resolver.solver is not None
                    else "Not checked: no re-solve"
                )
                rows.append(row)
                continue
            checked += 1
            try:
                solution = resolver.solve(
                    key, ctx.inputs, "Base", _adjustments(confirm_orders={str(order["Order ref"]).strip()})
                )
            except SopError as error:
                row["Note"] = f"The plan could not be re-solved with this order confirmed: {error}"
                rows.append(row)
                continue
            shortfall = solution.commitment_shortfall
            missing = float(_num(shortfall.loc[shortfall["Order ref"] == order["Order ref"], "Units short"]).sum())
            # What confirming it displaces shows in the margin: other demand served later or not at all.
            change = solution.contribution_margin - base.contribution_margin
            displaced = (
                ""
                if abs(change) <= 0.005
                else f"; confirming it raises the contribution margin by {ctx.money(change)}"
                if change > 0
                else f"; confirming it lowers the contribution margin by {ctx.money(-change)}, the demand it displaces"
            )
        else:
            displaced = ""
            missing = float(short.get(order["Order ref"], 0.0))
        row["Planned on time"] = max(0.0, quantity - missing)
        if missing <= EPS:
            row.update({"Check": ON_TIME, "Promise date": requested, "Days late": 0.0})
            row["Note"] = (
                f"Can be promised as requested{displaced}" if displaced or str(order["Status"]) == "Requested" else ""
            )
            rows.append(row)
            continue
        cause = (
            base_gaps[(base_gaps["SKU"] == order["SKU"]) & (base_gaps["Month"] == month)]
            if len(base_gaps)
            else base_gaps
        )
        because = f": {cause['Explanation'].iloc[0]}" if len(cause) else ""
        promise = _promise_month(solution.customer_month, order["SKU"], order["Customer"], month)
        if promise is None:
            row["Note"] = (
                f"{missing:,.0f} of {quantity:,.0f} units cannot ship in {ctx.label(month)} and are not "
                f"caught up within the plan{because}{displaced}"
            )
        else:
            row.update({"Check": LATE, "Promise date": promise, "Days late": float(max(0, (promise - requested).days))})
            row["Note"] = (
                f"{missing:,.0f} of {quantity:,.0f} units cannot ship in {ctx.label(month)}; all can "
                f"ship by {ctx.label(promise)}{because}{displaced}"
            )
        rows.append(row)
    return pd.DataFrame(rows, columns=COMMITMENT_COLUMNS)


def _launches(ctx: _Context, base, gaps: pd.DataFrame) -> pd.DataFrame:
    """Readiness of each launch: red for blockers, amber for risks, green when ready and covered."""
    launches = ctx.inputs.launches
    if launches.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in LAUNCH_COLUMNS})
    demand = base.sku_month[["SKU", "Month", "Demand"]]
    demand = demand[demand["SKU"].isin(launches["SKU"])]  # the launches' own rows, searched once per launch
    base_gaps = gaps[gaps["Scenario"] == "Base"] if len(gaps) else gaps
    rows = []
    for _, launch in launches.iterrows():
        sku = launch["SKU"]
        launch_month = _month_start(launch["Launch month"])
        readiness = ctx.readiness.get(sku)
        red, amber = [], []
        if readiness is None:
            ready, qualified, validated = pd.NaT, "", ""
            red.append("Operations has given no launch readiness")
        else:
            ready = _month_start(readiness["Ready from month"])
            qualified = str(readiness["Supplier qualified"])
            validated = str(readiness["Process validated"])
            if not pd.isna(ready) and not pd.isna(launch_month) and ready > launch_month:
                red.append(f"ready from {ctx.label(ready)}, after the launch in {ctx.label(launch_month)}")
            if qualified != "Yes":
                red.append("supplier not qualified")
            if validated != "Yes":
                amber.append("process not validated")
        if not pd.isna(launch_month):
            window = [m for m in ctx.months if launch_month <= m][:LAUNCH_MONTHS]
            wanted = float(_num(demand[(demand["SKU"] == sku) & demand["Month"].isin(window)]["Demand"]).sum())
            missing = 0.0
            if len(base_gaps):
                missing = float(
                    base_gaps[(base_gaps["SKU"] == sku) & base_gaps["Month"].isin(window)]["Unmet units"].sum()
                )
            if missing > EPS:
                share = missing / wanted if wanted > EPS else 1.0
                sentence = (
                    f"launch stock not covered: {missing:,.0f} of {wanted:,.0f} units of the first "
                    f"{len(window)} months unmet"
                )
                (red if share >= LAUNCH_UNCOVERED_RED else amber).append(sentence)
        rag = "Red" if red else "Amber" if amber else "Green"
        reasons = red + amber
        reason = "; ".join(reasons) if reasons else "ready on time and launch demand covered"
        rows.append(
            {
                "SKU": sku,
                "Launch month": launch_month,
                "Ready from month": ready,
                "Supplier qualified": qualified,
                "Process validated": validated,
                "RAG": rag,
                "Reason": reason[0].upper() + reason[1:],
            }
        )
    return pd.DataFrame(rows, columns=LAUNCH_COLUMNS)


# ----------------------------------------------------------------------------------------------------------------
# Scenarios, budget, summary


def _scenarios_summary(scenarios, plan_frame, margin_frame, gap_frame, capacity_frame) -> pd.DataFrame:
    rows = []
    for scenario in scenarios:
        plan_rows = plan_frame[plan_frame["Scenario"] == scenario]
        margin_rows = margin_frame[margin_frame["Scenario"] == scenario]
        demand, shipments = float(_num(plan_rows["Demand"]).sum()), float(_num(plan_rows["Shipments"]).sum())
        revenue = float(margin_rows["Revenue"].sum())
        margin = float(margin_rows["Contribution margin"].sum())
        at_risk = (
            float(gap_frame.loc[gap_frame["Scenario"] == scenario, "Revenue at risk"].sum()) if len(gap_frame) else 0.0
        )
        utilisation = capacity_frame.loc[capacity_frame["Scenario"] == scenario, "Utilisation"]
        rows.append(
            {
                "Scenario": scenario,
                "Demand": demand,
                "Shipments": shipments,
                "Fill rate": shipments / demand if demand > EPS else 1.0,
                "Revenue": revenue,
                "Contribution margin": margin,
                "Contribution margin %": margin / revenue if revenue else 0.0,
                "Revenue at risk": at_risk,
                "Peak utilisation": float(utilisation.max()) if len(utilisation) else 0.0,
            }
        )
    return pd.DataFrame(rows, columns=SCENARIO_COLUMNS)


def _budget(ctx: _Context, plan_frame: pd.DataFrame, margin_frame: pd.DataFrame) -> pd.DataFrame:
    """Plan against budget by family and month (Base): Revenue from the margin, Volume from shipments."""
    budget = ctx.inputs.budget
    if budget.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in BUDGET_COLUMNS})
    base_margin = margin_frame[margin_frame["Scenario"] == "Base"]
    base_plan = plan_frame[plan_frame["Scenario"] == "Base"]
    revenue = _by(base_margin, ["Family", "Month"], ["Revenue"]).rename(columns={"Revenue": "Plan"})
    revenue["Measure"] = "Revenue"
    volume = _by(base_plan.assign(Shipments=_num(base_plan["Shipments"])), ["Family", "Month"], ["Shipments"]).rename(
        columns={"Shipments": "Plan"}
    )
    volume["Measure"] = "Volume"
    frame = budget[["Family", "Measure", "Month", "Budget"]].copy()
    frame["Budget"] = _num(frame["Budget"])
    frame["Measure"] = frame["Measure"].astype(str)
    frame = frame.merge(pd.concat([revenue, volume], ignore_index=True), on=["Family", "Measure", "Month"], how="left")
    frame["Plan"] = frame["Plan"].fillna(0.0)
    frame["Variance"] = frame["Plan"] - frame["Budget"]
    frame = frame.sort_values(["Family", "Measure", "Month"], kind="stable").reset_index(drop=True)
    return _columns(frame, BUDGET_COLUMNS)


def _summary(results: Results) -> dict:
    base = results.scenarios_summary.iloc[0]
    margin = results.margin[results.margin["Scenario"] == "Base"]
    capacity = results.capacity[results.capacity["Scenario"] == "Base"]
    budget = results.budget
    revenue_budget = budget[budget["Measure"] == "Revenue"] if len(budget) else budget
    commitments = results.commitments
    at_risk = 0
    if len(commitments):
        confirmed = commitments[commitments["Status"].astype(str) == "Confirmed"]
        at_risk = int((confirmed["Check"] != ON_TIME).sum())
    launches = results.launches
    gaps = results.gaps
    return {
        "Demand": float(base["Demand"]),
        "Shipments": float(base["Shipments"]),
        "Fill rate": float(base["Fill rate"]),
        "Revenue": float(base["Revenue"]),
        "Contribution margin": float(base["Contribution margin"]),
        "Contribution margin %": float(base["Contribution margin %"]),
        "Revenue at risk": float(base["Revenue at risk"]),
        "Revenue lost": float(gaps.loc[gaps["Scenario"] == "Base", "Revenue lost"].sum()) if len(gaps) else 0.0,
        "Revenue vs budget": float(revenue_budget["Variance"].sum()) if len(revenue_budget) else None,
        "Peak utilisation": float(base["Peak utilisation"]),
        "Commitments at risk": at_risk,
        "Launches not ready": int((launches["RAG"] != "Green").sum()) if len(launches) else 0,
        "Regular labour cost": float(capacity["Regular labour cost"].sum()),
        "Unabsorbed labour": float(capacity["Unabsorbed labour"].sum()),
        "Margin after labour": float(margin["Margin after labour"].sum() - capacity["Unabsorbed labour"].sum()),
    }


# ----------------------------------------------------------------------------------------------------------------
# Small helpers


SOLUTION_FRAMES = (
    "sku_month",
    "customer_month",
    "subcontract",
    "resource_month",
    "material_month",
    "commitment_shortfall",
)


def _normalised(solution):
    """A copy of a solution whose Month columns are datetimes, even in empty frames (for merges)."""
    frames = {}
    for name in SOLUTION_FRAMES:
        frame = getattr(solution, name).copy()
        if "Month" in frame.columns:
            frame["Month"] = pd.to_datetime(frame["Month"]).astype("datetime64[ns]")
        frames[name] = frame
    return replace(solution, contribution_margin=float(solution.contribution_margin), **frames)


def _map(keys: pd.Series, mapping) -> pd.Series:
    """keys.map(mapping) (a dict or a Series; NaN where absent), looking up each distinct key once."""
    codes, distinct = pd.factorize(keys)
    if (codes < 0).any():  # blank keys: no shortcut
        return keys.map(mapping)
    values = pd.Series(distinct).map(mapping)
    return pd.Series(values.to_numpy()[codes], index=keys.index, dtype=values.dtype)


def _stamps(months: pd.Series) -> list:
    """A Month column as a list of Timestamps, each distinct month converted once (dictionary keys)."""
    codes, distinct = pd.factorize(pd.DatetimeIndex(months))
    distinct = list(distinct) + [pd.NaT]
    return [distinct[code] for code in codes]


def _keys(index: pd.MultiIndex) -> list[tuple]:
    """The (name, Month) tuples of a two-level index, as dictionary keys."""
    return list(zip(index.get_level_values(0).tolist(), _stamps(index.get_level_values(1))))


def _records(keys, frame: pd.DataFrame, columns: list[str]) -> dict:
    """{key: {column: value}} for the rows of `frame`, with only the columns asked for."""
    values = [frame[column].tolist() for column in columns]
    return {key: dict(zip(columns, row)) for key, row in zip(keys, zip(*values))}


def _num(values) -> pd.Series:
    """Numbers as floats, blanks as 0."""
    return pd.to_numeric(pd.Series(values), errors="coerce").fillna(0.0).astype(float)


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator, 0 where the denominator is 0 (a margin % without revenue)."""
    safe = denominator.where(denominator.abs() > EPS, 1.0)
    return (numerator / safe).where(denominator.abs() > EPS, 0.0).astype(float)


def _by(frame: pd.DataFrame, keys: list[str], values: list[str]) -> pd.DataFrame:
    """Sum of value columns by keys, as a flat frame."""
    if frame.empty:
        # Keep the key dtypes (a datetime Month stays datetime) so that merges on the empty result still work.
        return pd.DataFrame({c: pd.Series(dtype=frame[c].dtype if c in keys else float) for c in keys + values})
    return frame.groupby(keys, as_index=False, sort=True)[values].sum()


def _family_map(products: pd.DataFrame) -> dict:
    return dict(zip(products["SKU"], products["Family"].astype(str)))


def _families(ctx: _Context, skus: pd.Series) -> pd.Series:
    return _map(skus, ctx.family).fillna("").astype(str)


def _month_start(value) -> pd.Timestamp:
    if value is None or (not isinstance(value, str) and pd.isna(value)) or value == "":
        return pd.NaT
    return pd.Timestamp(value).to_period("M").to_timestamp()


def _columns(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The frame with exactly these columns, in this order (a missing column is blank)."""
    for column in columns:
        if column not in frame.columns:
            frame[column] = np.nan
    return frame[columns].reset_index(drop=True)


def _concat(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    return pd.concat(frames, ignore_index=True)[columns]
