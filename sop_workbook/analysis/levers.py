"""Levers: the priced menu of ways to close each gap (docs/model.md, "Levers"), each priced by re-solving the
model with the lever applied (the largest Base gaps, as far as the re-solves allowed for the model's size go) or
estimated from the plan's shadow prices and unit costs."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..errors import SopError
from ..inputs import Inputs
from .common import EPS, Context, index_keys, normalised, numbers, planner_adjustments
from .gaps import Duals, unmet
from .results import (
    BUILD_AHEAD,
    EXPEDITE,
    MARGIN,
    MATERIAL,
    OVERTIME,
    PRICE_DEMAND,
    READINESS,
    REALLOCATE,
    RESOURCE,
    SUBCONTRACT_LEVER,
)


class Resolver:
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
                self.answers[key] = normalised(self.solver(inputs, scenario, adjustments))
            except SopError as error:
                self.answers[key] = error
        answer = self.answers[key]
        if isinstance(answer, SopError):
            raise answer
        return answer


def scenario_levers(
    ctx: Context,
    scenario: str,
    solution,
    duals: Duals,
    unmet_units: pd.DataFrame,
    gaps: pd.DataFrame,
    resolver: Resolver | None,
    resolved_gaps: int,
) -> list[dict]:
    """The priced menu of levers for every gap of one scenario (rows of LEVER_COLUMNS); the largest Base gaps
    are priced by re-solving when a resolver is given.

    Args:
        ctx: The inputs as lookups.
        scenario: The scenario's name.
        solution: Its solution.
        duals: Its shadow prices and loads.
        unmet_units: Its unmet units (`gaps.unmet`).
        gaps: Its gaps (`gaps.gaps`).
        resolver: Re-solves the model with a lever applied; None prices every lever by estimate.
        resolved_gaps: How many of the largest gaps (Base only) get levers priced by re-solving.
    """
    rows: list[dict] = []
    if gaps.empty:
        return rows
    base_unmet = _sku_month_totals(unmet_units)
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


def _sku_month_totals(unmet_units: pd.DataFrame) -> dict:
    """Unmet units per (SKU, Month), all customers, from `unmet`'s frame."""
    totals = unmet_units.groupby(["SKU", "Month"])["Unmet units"].sum()
    return dict(zip(index_keys(totals.index), totals.tolist()))


def _total_costs(solution) -> dict:
    """The plan's money: revenue, total costs (revenue − contribution margin), overtime and subcontract cost."""
    revenue = float(numbers(solution.customer_month["Revenue"]).sum())
    resources = solution.resource_month
    subcontract = solution.subcontract
    return {
        "revenue": revenue,
        "costs": revenue - float(solution.contribution_margin),
        OVERTIME: float((numbers(resources["Overtime hours"]) * numbers(resources["Overtime cost per hour"])).sum()),
        SUBCONTRACT_LEVER: float((numbers(subcontract["Units"]) * numbers(subcontract["Cost per unit"])).sum()),
    }


def _resolved(ctx: Context, resolver: Resolver, key: tuple, solution, base_unmet: dict, gap, lever: dict) -> dict:
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
    new_unmet = _sku_month_totals(unmet(ctx, customers[customers["SKU"] == gap["SKU"]])).get(sku_month, 0.0)
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


@dataclass
class _Gap:
    """One gap's figures as the lever estimates use them (docs/model.md, "Levers")."""

    row: dict
    sku: str
    customer: str
    month: pd.Timestamp
    units: float
    price: float
    kind: str
    when: pd.Timestamp  # the month the constraint binds (the gap's month when it has none)
    lost_share: float  # the share of the unmet units never shipped in the horizon
    variable: float  # material + other variable cost of making a unit
    backlog_cost: float

    @classmethod
    def of(cls, ctx: Context, gap: dict) -> _Gap:
        """The figures of a row of the gaps table."""
        units, month = float(gap["Unmet units"]), pd.Timestamp(gap["Month"])
        return cls(
            row=gap,
            sku=gap["SKU"],
            customer=gap["Customer"],
            month=month,
            units=units,
            price=float(gap["Unit price"]),
            kind=gap["Binding constraint"],
            when=pd.Timestamp(gap["Constraint month"]) if not pd.isna(gap["Constraint month"]) else month,
            lost_share=float(gap["Units lost"]) / units if units > EPS else 0.0,
            variable=ctx.variable_cost(gap["SKU"]),
            backlog_cost=ctx.backlog_cost.get(gap["SKU"], 0.0),
        )

    def value(self, per_unit_cost: float) -> float:
        """Margin per closed unit supplied at this all-in cost: a lost unit earns price − cost; a late unit,
        which the plan would have made later at its variable cost anyway, saves a month of backlog cost and
        pays the difference in cost."""
        return self.lost_share * (self.price - per_unit_cost) + (1 - self.lost_share) * (
            self.backlog_cost - (per_unit_cost - self.variable)
        )

    def months_after(self, earlier: pd.Timestamp) -> int:
        """Months from `earlier` to the gap's month."""
        return (self.month.year - earlier.year) * 12 + self.month.month - earlier.month


def _lever_menu(ctx: Context, duals: Duals, gap: dict) -> list[dict]:
    """The levers that apply to one gap, each with an estimate and, where the model can apply it, adjustments.

    Estimates value a closed unit at price − variable cost when the unit would be lost, and at one month of
    backlog cost when it would only ship late.
    """
    g = _Gap.of(ctx, gap)
    routing = ctx.routing.get(g.sku, [])
    levers = []
    if g.kind == MATERIAL:
        levers.extend(_expedite(ctx, g))
    if g.kind == RESOURCE and routing:
        levers.extend(_overtime(ctx, duals, g, routing))
    if g.sku in ctx.subcontract_cost and g.kind != READINESS:  # nor may a subcontractor supply before readiness
        levers.extend(_subcontract(ctx, g))
    if g.kind in (RESOURCE, MATERIAL) and routing:
        levers.extend(_build_ahead(ctx, duals, g, routing))
        levers.extend(_reallocate(ctx, duals, g))
    if g.kind == READINESS:
        levers.extend(_agree_date(ctx, g))
    levers.extend(_price_lever(ctx, duals, g))
    return levers


def _expedite(ctx: Context, g: _Gap) -> list[dict]:
    """More of the scarce material in the constraint month, at the usual material cost; holding is the cost."""
    material = g.row["Constraint"]
    quantity = dict(ctx.bom.get(g.sku, [])).get(material, 0.0)
    holding = ctx.holding_cost.get(g.sku, 0.0) * g.months_after(g.when)
    return [
        {
            "lever": EXPEDITE,
            "description": f"Expedite {g.units * quantity:,.0f} more units of {material} for "
            f"{ctx.label(g.when)} at the usual material cost (any expediting premium "
            f"comes on top)",
            "units": g.units,
            "cost": g.units * holding,
            "margin": g.units * g.value(g.variable + holding),
            "adjustments": planner_adjustments(extra_material={(material, g.when): g.units * quantity}),
        }
    ]


def _overtime(ctx: Context, duals: Duals, g: _Gap, routing) -> list[dict]:
    """Overtime on every routing resource that is full in the constraint month, sized to the gap."""
    full = [(r, h) for r, h in routing if duals.hour_value.get((r, g.when), 0.0) > EPS]
    if not full:
        return []
    per_unit = sum(h * ctx.overtime_rate.get(r, 0.0) for r, h in full)
    holding = ctx.holding_cost.get(g.sku, 0.0) * g.months_after(g.when)
    names = ", ".join(f"{g.units * h:,.1f} h on {r}" for r, h in full)
    return [
        {
            "lever": OVERTIME,
            "description": f"Add overtime in {ctx.label(g.when)}: {names}",
            "units": g.units,
            "cost": g.units * per_unit,
            "margin": g.units * g.value(g.variable + per_unit + holding),
            "adjustments": planner_adjustments(extra_overtime={(r, g.when): g.units * h for r, h in full}),
        }
    ]


def _subcontract(ctx: Context, g: _Gap) -> list[dict]:
    """The gap's units from the SKU's cheapest subcontractor in the gap's month."""
    name, unit_cost = ctx.subcontract_cost[g.sku]
    return [
        {
            "lever": SUBCONTRACT_LEVER,
            "description": f"Subcontract {g.units:,.0f} more units of {g.sku} to {name} in "
            f"{ctx.label(g.month)} at {ctx.money(unit_cost)} a unit",
            "units": g.units,
            "cost": g.units * unit_cost,
            "margin": g.units * g.value(unit_cost),
            "adjustments": planner_adjustments(extra_subcontract={(g.sku, g.month): g.units}),
        }
    ]


def _agree_date(ctx: Context, g: _Gap) -> list[dict]:
    """Agree with the customer to take the units from the month the SKU can be made."""
    wait = -g.months_after(g.when)  # months from the gap's month to the ready month
    # Units that would be lost are won back, at the backlog cost of the wait; units that would ship late
    # anyway are already in the plan that way, so agreeing the date changes no figure for them.
    cost = g.units * g.lost_share * g.backlog_cost * wait
    return [
        {
            "lever": PRICE_DEMAND,
            "description": f"Agree with {g.customer} to take these {g.units:,.0f} units of {g.sku} from "
            f"{ctx.label(g.when)}, when it can be made",
            "units": g.units,
            "cost": cost,
            "margin": g.units * g.lost_share * (g.price - g.variable) - cost,
            "adjustments": None,
        }
    ]


def _build_ahead(ctx: Context, duals: Duals, g: _Gap, routing) -> list[dict]:
    """Build in the latest earlier month whose routing resources and materials have slack; holding is the cost."""
    sku, month, units = g.sku, g.month, g.units
    ready = ctx.ready.get(sku)
    constraint_month = pd.Timestamp(g.row["Constraint month"])
    for earlier in reversed([m for m in ctx.months if m < constraint_month]):
        if ready is not None and not pd.isna(ready) and earlier < ready:
            break
        room = min((duals.spare_hours(r, earlier) / h for r, h in routing if h > 0), default=0.0)
        for material, quantity in ctx.bom.get(sku, []):
            if quantity > 0:
                room = min(room, duals.spare_material(material, earlier) / quantity)
        if room > EPS:
            built = min(units, room)
            per_unit = ctx.holding_cost.get(sku, 0.0) * g.months_after(earlier)
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
                    "margin": built * g.value(ctx.variable_cost(sku) + per_unit),
                    "adjustments": None,
                }
            ]
    return []


def _reallocate(ctx: Context, duals: Duals, g: _Gap) -> list[dict]:
    """Move the constraint's capacity from the SKU earning least per unit of it; the cost is that SKU's margin."""
    sku, kind, name = g.sku, g.kind, g.row["Constraint"]
    when, units = pd.Timestamp(g.row["Constraint month"]), g.units
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
            "margin": closed * g.value(g.variable) - given_up,
            "adjustments": None,
        }
    ]


def _price_lever(ctx: Context, duals: Duals, g: _Gap) -> list[dict]:
    """Raise the SKU's price (all customers, every month, demand assumed unchanged).

    A margin gap needs a price that covers the cost of supply (and the margin floor); a capacity gap prices the
    scarce capacity in: price + the shadow value of the constraint per unit.
    """
    gap, sku, price, kind, variable, lost_share = g.row, g.sku, g.price, g.kind, g.variable, g.lost_share
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
            "adjustments": planner_adjustments(price_change={sku: new_price}),
        }
    ]
