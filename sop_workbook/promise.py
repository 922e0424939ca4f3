"""Between meetings: can we promise Q more units of a SKU by a date, and what would it take from others?

The plan is monthly, so a date inside a month is answered for that month's end: "by 15 March" is "in March".
The answer separates what free capacity gives from what needs an allocation decision:

- **free**: what ships by the date without any other demand shipping less by its month or in total. It is found
  by planning the order alone on what the current plan leaves idle: the regular and overtime hours, material and
  subcontract capacity the current Base plan does not use, month by month, and the stock of the SKU it never
  needs (the least closing stock above safety stock over the horizon). The other demand keeps its plan exactly,
  so nothing of it is delayed or lost. When the full re-plan below delays and loses nothing either, what it
  ships is free as well (it may rearrange others' production without making anyone wait).
- **with displacement**: the Base plan solved again with the order added as a confirmed order (honoured before
  forecast), its shipments compared with the current plan's line by line (SKU and customer). Units another line
  of a SKU whose unmet demand waits (Backlog) ships later than planned are **delayed** (by SKU, customer, the
  month they were planned in, units and months late, first units planned matched with first units shipped);
  units no longer shipped at all are **lost**. A customer's units that move to another customer of the same SKU
  and month (two plans equally good) are not counted: a delay counts only where the SKU as a whole ships less by
  that month.

The earliest dates for the whole quantity, from free capacity alone and with displacement, come from the same
plans with the order due one month later at a time.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import InputError, PlanError
from .inputs import MONTH, Inputs, build_inputs
from .planner import Adjustments, Solution, solve
from .reader import read

YES, PARTLY, NO = "yes", "partly", "no"
# Shipments below this are solver noise, not a promise or a displacement.
TOLERANCE = 1e-6
# Delays smaller than this many units are rounding between two equally good plans, not a decision.
DELAY_TOLERANCE = 0.5
NEW_ORDER = "(new order)"


@dataclass
class Promise:
    """The answer to "can we deliver Q more of SKU by D?".

    Attributes:
        sku: The SKU asked for.
        customer: The customer the order is for ("" when not given).
        quantity: The units asked for.
        date: The date asked for.
        month_end: The end of the date's month: the plan is monthly, so the date is answered for it.
        answer: "yes" (all by the date), "partly" (some by the date) or "no" (none by the date).
        quantity_by_date: Units the plan can deliver by the date, other demand displaced where needed.
        free_quantity_by_date: Units deliverable by the date from free capacity alone.
        earliest_full_date: The first month end by which the whole quantity can be delivered, displacing other
            demand where needed; None within the horizon.
        earliest_free_date: The same from free capacity alone.
        needs_allocation: Whether the answer relies on delaying or losing other demand.
        delayed: Other demand shipped later: dicts of sku, customer, month (YYYY-MM, when it was planned),
            units, months_late.
        displaced: Other demand lost: one dict per SKU whose shipments over the horizon fall (sku, customers,
            units, revenue).
        margin_effect: Contribution margin of the plan with the order minus without it (currency).
        currency: The currency of every amount.
        reason: Sentences for the coordinator.
    """

    sku: str
    customer: str
    quantity: float
    date: pd.Timestamp
    month_end: pd.Timestamp
    answer: str
    quantity_by_date: float
    free_quantity_by_date: float
    earliest_full_date: pd.Timestamp | None
    earliest_free_date: pd.Timestamp | None
    needs_allocation: bool = False
    delayed: list[dict] = field(default_factory=list)
    displaced: list[dict] = field(default_factory=list)
    margin_effect: float = 0.0
    currency: str = ""
    reason: str = ""

    def to_dict(self) -> dict:
        """The answer as JSON-ready values (dates as YYYY-MM-DD)."""

        def day(stamp):
            return None if stamp is None else f"{stamp:%Y-%m-%d}"

        return {
            "sku": self.sku,
            "customer": self.customer or None,
            "quantity": self.quantity,
            "date": day(self.date),
            "answered_for": day(self.month_end),
            "answer": self.answer,
            "needs_allocation": self.needs_allocation,
            "quantity_by_date": round(self.quantity_by_date, 6),
            "free_quantity_by_date": round(self.free_quantity_by_date, 6),
            "earliest_full_date": day(self.earliest_full_date),
            "earliest_free_date": day(self.earliest_free_date),
            "delayed": self.delayed,
            "displaced": self.displaced,
            "margin_effect": round(self.margin_effect, 2),
            "currency": self.currency,
            "reason": self.reason,
        }


def promise(inputs: Inputs, sku: str, quantity: float, date, customer: str | None = None) -> Promise:
    """Check whether `quantity` more units of `sku` can be delivered by `date`, and what it takes from others.

    See the module's docstring for the method: free capacity first (the order planned on what the Base plan
    leaves idle), then a re-plan with the order confirmed, whose delays and losses of other demand are listed.

    Args:
        inputs: Validated inputs.
        sku: A SKU of the Products sheet.
        quantity: Units wanted (> 0).
        date: The delivery date asked for (anything pandas reads as a date); answered for its month's end.
        customer: The customer; the customer's price applies when it has one. None for no particular customer.

    Returns:
        The Promise.

    Raises:
        PlanError: when the SKU or the customer is unknown (with the closest names), the quantity is not
            positive or the date is outside the horizon.
    """
    date = pd.Timestamp(date)
    month = pd.Timestamp(date.year, date.month, 1)
    months = inputs.months
    _check_question(inputs, sku, quantity, month, customer)
    line = customer or NEW_ORDER
    base = solve(inputs, "Base")
    idle = _idle_inputs(inputs, base, sku)

    by_date, with_order = _ship_in_month(inputs, base, sku, line, quantity, month)
    free_by_date, _ = _ship_in_month(idle, None, sku, line, quantity, month)
    # Lead time: units made after the order arrives are available only lead-time days later; before that, only
    # the stock the current plan does not need can go.
    available_from = months[0] + pd.Timedelta(days=_lead_time_days(inputs, sku))
    month_end = month + pd.offsets.MonthEnd(0)
    if month_end < available_from:
        stock = _free_stock(base, inputs, sku)
        by_date, free_by_date = min(by_date, stock), min(free_by_date, stock)
    lost_type = set(inputs.costs.loc[inputs.costs["Unmet demand"] == "Lost", "SKU"])
    delayed = _delayed(base, with_order, sku, line, lost_type)
    displaced = _displaced(base, with_order, sku, line)
    # A re-plan that takes nothing from anyone is all free; otherwise free is what the idle capacity gives.
    free_by_date = by_date if not delayed and not displaced else min(free_by_date, by_date)

    earliest = _earliest(inputs, base, sku, line, quantity, month, by_date, available_from)
    earliest_free = (
        month_end if free_by_date >= quantity - TOLERANCE else _earliest(idle, None, sku, line, quantity, month, 0.0)
    )
    if earliest is not None and earliest_free is not None:
        earliest_free = max(earliest_free, earliest)
    answer = YES if by_date >= quantity - TOLERANCE else PARTLY if by_date > TOLERANCE else NO
    needs_allocation = by_date > free_by_date + TOLERANCE and bool(delayed or displaced)
    result = Promise(
        sku=sku,
        customer=customer or "",
        quantity=float(quantity),
        date=date,
        month_end=month_end,
        answer=answer,
        quantity_by_date=float(by_date),
        free_quantity_by_date=float(free_by_date),
        earliest_full_date=earliest,
        earliest_free_date=earliest_free,
        needs_allocation=needs_allocation,
        delayed=delayed,
        displaced=displaced,
        margin_effect=float(with_order.contribution_margin - base.contribution_margin),
        currency=inputs.cycle.currency,
    )
    result.reason = _reason(result)
    return result


def _check_question(inputs: Inputs, sku: str, quantity: float, month: pd.Timestamp, customer: str | None) -> None:
    months = inputs.months
    skus = set(inputs.products["SKU"])
    if sku not in skus:
        raise PlanError(f"SKU {sku!r} is not on the demand template's Products sheet{_closest(sku, skus)}")
    if customer:
        known = set(inputs.customers["Customer"]) or set(inputs.forecast["Customer"]) | set(
            inputs.commitments["Customer"]
        )
        if customer not in known:
            sheet = "Customers sheet" if len(inputs.customers) else "Forecast or Commitments"
            raise PlanError(
                f"customer {customer!r} is not on the demand template's {sheet}{_closest(customer, known)}; "
                f"give a customer of the template"
            )
    if not quantity > 0:
        raise PlanError(f"the quantity must be more than 0 units, not {quantity}")
    if month < months[0] or month > months[-1]:
        raise PlanError(f"{month:%b-%y} is outside the plan's horizon, {months[0]:%b-%y} to {months[-1]:%b-%y}")


def _closest(value: str, known: set) -> str:
    by_form = {str(k).casefold(): str(k) for k in known if k}
    close = difflib.get_close_matches(value.casefold(), list(by_form), n=3, cutoff=0.5)
    return f" (closest: {', '.join(repr(by_form[c]) for c in close)})" if close else ""


def _ship_in_month(
    inputs: Inputs, base: Solution | None, sku: str, line: str, quantity: float, month: pd.Timestamp
) -> tuple[float, Solution]:
    """Re-plan with the order due in `month`; return the units of it shipped in that month and the plan.

    `base` is the plan without the order, when the order's line has demand of its own there (a customer's own
    forecast): only what ships beyond that plan's shipments to the line in the month counts.
    """
    solution = solve(inputs, "Base", Adjustments(extra_demand={(sku, line, month): float(quantity)}))
    shipped = _line_month(solution, sku, line, month)
    if base is not None and line != NEW_ORDER:
        shipped = max(shipped - _line_month(base, sku, line, month), 0.0)
    return float(min(shipped, quantity)), solution


def _line_month(solution: Solution, sku: str, line: str, month: pd.Timestamp) -> float:
    rows = solution.customer_month
    return float(rows[(rows["SKU"] == sku) & (rows["Customer"] == line) & (rows["Month"] == month)]["Shipments"].sum())


def _earliest(
    inputs: Inputs,
    base: Solution | None,
    sku: str,
    line: str,
    quantity: float,
    month: pd.Timestamp,
    by_date: float,
    available_from: pd.Timestamp | None = None,
) -> pd.Timestamp | None:
    """The first month end by which the whole order ships, the order due that month; None within the horizon."""
    months = inputs.months
    if by_date >= quantity - TOLERANCE:
        return month + pd.offsets.MonthEnd(0)
    for later in months[months.index(month) + 1 :]:
        shipped, _ = _ship_in_month(inputs, base, sku, line, quantity, later)
        month_end = later + pd.offsets.MonthEnd(0)
        if shipped >= quantity - TOLERANCE and (available_from is None or month_end >= available_from):
            return month_end
    return None


def _idle_inputs(inputs: Inputs, base: Solution, sku: str) -> Inputs:
    """The inputs of a company that has only what the Base plan leaves idle, and no demand of its own.

    Hours: regular hours not used, and overtime not used, per resource and month. Material and subcontract
    capacity: what is not used, per month. Stock: of the order's SKU, the least closing stock above safety stock
    over the horizon (never needed by the plan), and the room its storage limit leaves; no other stock, no safety
    or closing targets. Everything else (routings, costs, prices, launch readiness) as it is.
    """
    hours = base.resource_month
    regular = (hours["Available hours"] - hours["Used hours"]).clip(lower=0.0)
    overtime = (hours["Overtime limit"] - hours["Overtime hours"]).clip(lower=0.0)
    capacity = pd.concat(
        [
            pd.DataFrame({"Resource": hours["Resource"], "Kind": "Regular", MONTH: hours["Month"], "Hours": regular}),
            pd.DataFrame({"Resource": hours["Resource"], "Kind": "Overtime", MONTH: hours["Month"], "Hours": overtime}),
        ],
        ignore_index=True,
    )
    materials = _dated(inputs.materials).merge(
        _dated(base.material_month[["Material", "Month", "Used"]].rename(columns={"Month": MONTH})),
        on=["Material", MONTH],
    )
    materials["Available"] = (materials["Available"] - materials["Used"]).clip(lower=0.0)
    subcontract = _dated(inputs.subcontract).merge(
        _dated(base.subcontract[["SKU", "Subcontractor", "Month", "Units"]].rename(columns={"Month": MONTH})),
        on=["SKU", "Subcontractor", MONTH],
        how="left",
    )
    subcontract["Max units"] = (subcontract["Max units"] - subcontract["Units"].fillna(0.0)).clip(lower=0.0)
    inventory = inputs.inventory.copy()
    ours = (inventory["SKU"] == sku).to_numpy()
    plan = base.sku_month[base.sku_month["SKU"] == sku]
    inventory["Opening stock"] = np.where(ours, _free_stock(base, inputs, sku), 0.0)
    room = float((plan["Max stock"] - plan["Closing inventory"]).min()) if len(plan) else np.nan
    inventory["Max stock"] = np.where(ours, max(room, 0.0) if not np.isnan(room) else np.nan, np.nan)
    inventory["Safety stock"] = 0.0
    inventory["Target closing stock"] = 0.0
    tables = {
        name: getattr(inputs, name)
        for name in ("products", "customers", "prices", "launches", "resources", "routings", "costs")
        + ("bill_of_materials", "launch_readiness")
    }
    forecast = inputs.forecast.iloc[:0]
    return build_inputs(
        inputs.cycle,
        forecast=forecast,
        capacity=capacity,
        materials=materials.drop(columns="Used"),
        subcontract=subcontract.drop(columns="Units"),
        inventory=inventory,
        **tables,
    )


def _dated(frame: pd.DataFrame) -> pd.DataFrame:
    """A table whose Month column is of one date type, so that two tables join on it (an empty one is object)."""
    return frame.assign(**{MONTH: pd.to_datetime(frame[MONTH]).astype("datetime64[ns]")})


def _lead_time_days(inputs: Inputs, sku: str) -> int:
    rows = inputs.inventory[inputs.inventory["SKU"] == sku]["Lead time (days)"]
    return int(rows.iloc[0]) if len(rows) and pd.notna(rows.iloc[0]) else 0


def _free_stock(base: Solution, inputs: Inputs, sku: str) -> float:
    """Stock of the SKU the current plan never needs: the least closing stock above safety stock."""
    rows = base.sku_month[base.sku_month["SKU"] == sku]
    if not len(rows):
        return 0.0
    return float(max((rows["Closing inventory"] - rows["Safety stock"]).min(), 0.0))


def _delayed(base: Solution, new: Solution, sku: str, line: str, lost_type: set) -> list[dict]:
    """Other demand the re-plan ships later than the current plan: by SKU, customer, planned month and delay.

    A SKU whose unmet demand is Lost never ships late: what it ships less of in a month is lost (`_displaced`).
    """
    months = sorted(base.customer_month["Month"].unique())
    keys = ["SKU", "Customer"]

    def table(solution):
        rows = solution.customer_month
        rows = rows[~((rows["SKU"] == sku) & (rows["Customer"] == line)) & ~rows["SKU"].isin(lost_type)]
        return rows.pivot_table(index=keys, columns="Month", values="Shipments", aggfunc="sum").reindex(
            columns=months, fill_value=0.0
        )

    before, after = table(base), table(new)
    after = after.reindex(before.index, fill_value=0.0).fillna(0.0)
    # A SKU's own delays, over all its customers: a swap between two customers of one month is no delay.
    sku_late = {
        name: {planned: units for planned, _, units in _late_units(rows_b.sum().to_numpy(), rows_a.sum().to_numpy())}
        for (name, rows_b), (_, rows_a) in zip(before.groupby(level="SKU"), after.groupby(level="SKU"))
    }
    out = []
    for (name, customer), planned_row in before.iterrows():
        pieces = _late_units(planned_row.to_numpy(), after.loc[(name, customer)].to_numpy())
        for planned, late, units in pieces:
            if units >= DELAY_TOLERANCE and sku_late.get(name, {}).get(planned, 0.0) >= DELAY_TOLERANCE:
                out.append(
                    {
                        "sku": name,
                        "customer": customer,
                        "month": f"{pd.Timestamp(months[planned]):%Y-%m}",
                        "units": round(float(units), 6),
                        "months_late": int(late),
                    }
                )
    return out


def _late_units(planned: np.ndarray, shipped: np.ndarray) -> list[tuple[int, int, float]]:
    """(month planned, months late, units) of units shipped later than planned, first planned first shipped.

    Units planned are numbered in the order the plan ships them; the k-th unit ships in the re-plan in the month
    its cumulative shipments first reach k. Units the re-plan never ships are lost, not late.
    """
    before, after = np.cumsum(planned), np.cumsum(shipped)
    points = np.unique(np.concatenate([[0.0], before, after]))
    points = points[points <= before[-1] + TOLERANCE] if len(before) else points
    pieces: dict[tuple[int, int], float] = {}
    for low, high in zip(points[:-1], points[1:]):
        if high - low <= TOLERANCE:
            continue
        was = int(np.searchsorted(before, high - TOLERANCE))
        now = int(np.searchsorted(after, high - TOLERANCE))
        if now < len(after) and now > was:
            pieces[(was, now - was)] = pieces.get((was, now - was), 0.0) + float(high - low)
    return [(was, late, units) for (was, late), units in sorted(pieces.items())]


def _displaced(base: Solution, new: Solution, sku: str, line: str) -> list[dict]:
    """Net shipments lost per SKU over the horizon, with the customers whose shipments fell.

    Compared over the whole horizon, not month by month: the LP has many equally good plans, and a re-plan may
    ship the same units a month earlier or to another customer at the same price; only a net loss is lost.
    """
    keys = ["SKU", "Customer"]
    before = base.customer_month.groupby(keys)[["Shipments", "Revenue"]].sum()
    after = new.customer_month.groupby(keys)[["Shipments", "Revenue"]].sum()
    change = before.sub(after.reindex(before.index).fillna(0.0))
    change = change.drop(index=(sku, line), errors="ignore")
    out = []
    for name, rows in change.groupby(level="SKU", sort=True):
        units, revenue = rows["Shipments"].sum(), rows["Revenue"].sum()
        if units <= TOLERANCE:
            continue
        fell = rows[rows["Shipments"] > TOLERANCE].index.get_level_values("Customer")
        out.append(
            {
                "sku": name,
                "customers": sorted(fell),
                "units": round(float(units), 6),
                "revenue": round(float(revenue), 2),
            }
        )
    return out


def _reason(answer: Promise) -> str:
    """The answer in sentences: which kind of yes, what it takes, the dates, the money."""
    q, sku, currency = answer.quantity, answer.sku, answer.currency
    asked = f"{answer.date:%Y-%m-%d}"
    text = [
        f"The plan is monthly, so {asked} is answered for the end of its month, {answer.month_end:%Y-%m-%d}.",
    ]
    if answer.answer == YES and not answer.needs_allocation:
        text.append(f"YES from free capacity: all {q:,.0f} units of {sku} by {answer.month_end:%Y-%m-%d}.")
    elif answer.answer == YES:
        text.append(f"YES if {_taken(answer)}.")
    elif answer.answer == PARTLY:
        text.append(
            f"PARTLY: {answer.quantity_by_date:,.0f} of {q:,.0f} units of {sku} by {answer.month_end:%Y-%m-%d}, "
            f"{answer.free_quantity_by_date:,.0f} of them from free capacity"
            + (f"; the rest if {_taken(answer)}." if answer.needs_allocation else ".")
        )
    else:
        text.append(f"NO: none of the {q:,.0f} units of {sku} can be delivered by {answer.month_end:%Y-%m-%d}.")
    if answer.answer == YES and answer.needs_allocation:
        text.append(f"Free capacity alone gives {answer.free_quantity_by_date:,.0f} units by then.")
    for label, stamp in (
        ("from free capacity alone", answer.earliest_free_date),
        ("displacing other demand where needed", answer.earliest_full_date),
    ):
        when = f"by {stamp:%Y-%m-%d}" if stamp is not None else "not within the horizon"
        text.append(f"The whole quantity {label}: {when}.")
    text.append(f"Margin effect of taking the order: {answer.margin_effect:,.0f} {currency}.")
    return " ".join(text)


def _taken(answer: Promise) -> str:
    """What the order takes from others, as the condition of a yes."""
    parts = [
        f"{d['units']:,.0f} units of {d['customer']}'s {pd.Timestamp(d['month']):%b-%y} demand for {d['sku']} ship "
        f"in {pd.Timestamp(d['month']) + pd.DateOffset(months=d['months_late']):%b-%y}"
        for d in answer.delayed
    ]
    parts += [
        f"{d['units']:,.0f} units of {d['sku']} for {', '.join(d['customers'])} are not delivered "
        f"({d['revenue']:,.0f} {answer.currency} of revenue lost)"
        for d in answer.displaced
    ]
    if len(parts) > 3:  # the sentence names the first two; the lines listed below the answer name them all
        units = sum(d["units"] for d in answer.delayed) + sum(d["units"] for d in answer.displaced)
        parts = parts[:2] + [
            f"{len(parts) - 2} more lines of other demand wait or are lost ({units:,.0f} units in all)"
        ]
    return " and ".join(parts)


def promise_from_files(
    demand_path, capacity_path, sku: str, quantity: float, date, customer: str | None = None
) -> Promise:
    """Read both templates (files or folders) and answer the promise question (see `promise`).

    Args:
        demand_path: The demand template, or a folder of them.
        capacity_path: The capacity template, or a folder of them.
        sku: The SKU asked for.
        quantity: Units wanted.
        date: The delivery date asked for.
        customer: The customer, if any.

    Returns:
        The Promise.

    Raises:
        InputError: when the templates have errors.
        PlanError: when the question cannot be answered from these inputs.
    """
    inputs = read(demand_path, capacity_path)
    if inputs.errors:
        raise InputError(inputs.findings)
    return promise(inputs, sku, quantity, date, customer)
