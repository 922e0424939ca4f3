"""Plan → the analyses the meeting needs: gaps, margin, capacity, commitments, launches, scenarios.

`analyse` turns the planner's solutions into `Results` (the workbook writer reads only `Results`); `plan` is the
one call that solves and analyses. Every figure is derived from the solutions by arithmetic that reconciles:
family totals are sums of SKUs, the summary is a sum of details, margin = revenue − costs, and the SKU margins add
up to the planner's contribution margin. The only further solves are the priced levers of the largest gaps and the
check of Requested orders, each a re-solve of the same model with one change applied (docs/model.md, "Levers" and
"Commitments and promises").

    results     the contract: `Results`, its tables' columns, the words for constraints, levers and checks
    common      the inputs as lookups, small frame helpers
    tables      plan, capacity, materials, margin, inventory, scenarios, budget, summary, forecast accuracy
    gaps        unmet demand and the constraint that binds it; the plan's shadow prices as lookups
    levers      the priced menu of levers of each gap
    commitments each order checked against the plan; each launch's readiness
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from ..errors import InputError
from ..inputs import Inputs
from . import tables
from .commitments import commitments, launches
from .common import Context, concat, empty, normalised
from .gaps import Duals, gaps, unmet
from .levers import Resolver, scenario_levers
from .results import (
    ACCURACY_COLUMNS,
    BUDGET_COLUMNS,
    CAPACITY_COLUMNS,
    COMMITMENT_COLUMNS,
    COST_COLUMNS,
    CUSTOMER_MARGIN_COLUMNS,
    CUSTOMER_PLAN_COLUMNS,
    GAP_COLUMNS,
    INVENTORY_COLUMNS,
    LAUNCH_COLUMNS,
    LEVER_COLUMNS,
    MARGIN_COLUMNS,
    MATERIAL_COLUMNS,
    PLAN_COLUMNS,
    SCENARIO_COLUMNS,
    SCENARIO_ORDER,
    Results,
)
from .tables import forecast_accuracy

__all__ = [
    "Results",
    "analyse",
    "forecast_accuracy",
    "plan",
    "ACCURACY_COLUMNS",
    "BUDGET_COLUMNS",
    "CAPACITY_COLUMNS",
    "COMMITMENT_COLUMNS",
    "COST_COLUMNS",
    "CUSTOMER_MARGIN_COLUMNS",
    "CUSTOMER_PLAN_COLUMNS",
    "GAP_COLUMNS",
    "INVENTORY_COLUMNS",
    "LAUNCH_COLUMNS",
    "LEVER_COLUMNS",
    "MARGIN_COLUMNS",
    "MATERIAL_COLUMNS",
    "PLAN_COLUMNS",
    "SCENARIO_COLUMNS",
]

# Re-solves are the expensive part: only the largest Base gaps get levers priced by re-solving the model; the
# rest get estimates priced from the plan's shadow prices and unit costs (their Description says so).
RESOLVED_GAPS = 15
# Each Requested order is checked by re-solving the Base plan with the order confirmed.
CHECKED_ORDERS = 20
# How many re-solves a model may have: RESOLVE_WORK / nonzeros^1.5, because the solve time grows faster than the
# model. A re-solve solves only the independent blocks of the LP a change touches, so the nonzeros are those of the
# largest block. A count, unlike a time limit, keeps the results the same from run to run.
RESOLVE_WORK = 40e6

# The tables made per scenario, by their name in `Results`, with their columns.
_SCENARIO_TABLES = {
    "plan": PLAN_COLUMNS,
    "customer_plan": CUSTOMER_PLAN_COLUMNS,
    "capacity": CAPACITY_COLUMNS,
    "materials": MATERIAL_COLUMNS,
    "margin": MARGIN_COLUMNS,
    "customer_margin": CUSTOMER_MARGIN_COLUMNS,
    "gaps": GAP_COLUMNS,
}


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
    from ..planner import solve, solve_all

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
        from ..planner import solve as solver
    statistics = getattr(solutions["Base"], "statistics", None) or {}
    if resolve_limit is None:
        nonzeros = statistics.get("largest block nonzeros") or statistics.get("nonzeros")
        resolve_limit = int(RESOLVE_WORK / float(nonzeros) ** 1.5) if nonzeros else None
    resolver = Resolver(solver, resolve_limit)
    ctx = Context(inputs)
    solutions = {scenario: normalised(solutions[scenario]) for scenario in scenarios}
    analysed, lever_rows = {}, []
    for scenario in scenarios:  # Base first
        solution = solutions[scenario]
        duals, unmet_units = Duals(solution), unmet(ctx, solution.customer_month)
        analysed[scenario] = _scenario_tables(ctx, scenario, solution, duals, unmet_units)
        if scenario == "Base":
            # The order checks come before the levers: they have the first call on the re-solves allowed.
            base_gaps = concat([analysed["Base"]["gaps"]], GAP_COLUMNS)
            order_checks = commitments(ctx, solution, base_gaps, resolver, checked_orders)
        # Only Base's largest gaps get levers priced by re-solving; the other scenarios' levers are estimates.
        lever_rows += scenario_levers(
            ctx, scenario, solution, duals, unmet_units, analysed[scenario]["gaps"], resolver, resolved_gaps
        )
    frames = {
        name: concat([analysed[scenario][name] for scenario in scenarios], columns)
        for name, columns in _SCENARIO_TABLES.items()
    }
    results = Results(
        inputs=inputs,
        scenarios=scenarios,
        **frames,
        levers=pd.DataFrame(lever_rows, columns=LEVER_COLUMNS) if len(frames["gaps"]) else empty(LEVER_COLUMNS),
        inventory=tables.inventory(frames["plan"]),
        commitments=order_checks,
        launches=launches(ctx, solutions["Base"], base_gaps),
        scenarios_summary=tables.scenarios_summary(
            scenarios, frames["plan"], frames["margin"], frames["gaps"], frames["capacity"]
        ),
        budget=tables.budget(ctx, frames["plan"], frames["margin"]),
        forecast_accuracy=forecast_accuracy(inputs.forecast, inputs.actuals, inputs.products),
    )
    results.summary = tables.summary(results)
    return results


def _scenario_tables(ctx: Context, scenario: str, solution, duals: Duals, unmet_units) -> dict[str, pd.DataFrame]:
    """One scenario's tables, by their name in `Results` (`_SCENARIO_TABLES`)."""
    capacity, absorbed = tables.capacity(ctx, scenario, solution)
    margin = tables.margin(ctx, scenario, solution, absorbed)
    return {
        "plan": tables.plan(ctx, scenario, solution),
        "customer_plan": tables.customer_plan(ctx, scenario, solution),
        "capacity": capacity,
        "materials": tables.materials(ctx, scenario, solution),
        "margin": margin,
        "customer_margin": tables.customer_margin(ctx, scenario, solution, margin),
        "gaps": gaps(ctx, scenario, unmet_units, duals),
    }
