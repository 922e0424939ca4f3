"""Between meetings: can we promise Q more units of a SKU by a date, on top of the current plan?

The answer is a re-plan: the Base plan is solved again with the new order added as a confirmed order (so it is
honoured before forecast), and the two plans are compared. What the new plan ships of the order by the date is
the quantity possible; the first month in which the whole order ships on time is the earliest full date; what
the new plan ships less of than the current one is what the order displaces.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .errors import PlanError
from .inputs import Inputs
from .planner import Adjustments, Solution, solve

YES, PARTLY, NO = "yes", "partly", "no"
# Shipments below this are solver noise, not a promise or a displacement.
TOLERANCE = 1e-6
NEW_ORDER = "(new order)"


@dataclass
class Promise:
    """The answer to "can we deliver Q more of SKU by D?".

    Attributes:
        sku: The SKU asked for.
        customer: The customer the order is for ("" when not given).
        quantity: The units asked for.
        date: The date asked for.
        answer: "yes" (all by the date), "partly" (some by the date) or "no" (none by the date).
        quantity_by_date: Units the plan can deliver by the date.
        earliest_full_date: The first date the whole quantity can be delivered, or None within the horizon.
        displaced: What the order takes from other demand: one dict per SKU whose shipments over the horizon
            fall (sku, customers, units, revenue).
        margin_effect: Contribution margin of the plan with the order minus without it (currency).
        reason: A sentence for the coordinator.
    """

    sku: str
    customer: str
    quantity: float
    date: pd.Timestamp
    answer: str
    quantity_by_date: float
    earliest_full_date: pd.Timestamp | None
    displaced: list[dict] = field(default_factory=list)
    margin_effect: float = 0.0
    reason: str = ""

    def to_dict(self) -> dict:
        """The answer as JSON-ready values (dates as YYYY-MM-DD)."""
        return {
            "sku": self.sku,
            "customer": self.customer or None,
            "quantity": self.quantity,
            "date": f"{self.date:%Y-%m-%d}",
            "answer": self.answer,
            "quantity_by_date": round(self.quantity_by_date, 6),
            "earliest_full_date": None if self.earliest_full_date is None else f"{self.earliest_full_date:%Y-%m-%d}",
            "displaced": self.displaced,
            "margin_effect": round(self.margin_effect, 2),
            "reason": self.reason,
        }


def promise(inputs: Inputs, sku: str, quantity: float, date, customer: str | None = None) -> Promise:
    """Check whether `quantity` more units of `sku` can be delivered by `date`, on top of the Base plan.

    Args:
        inputs: Validated inputs.
        sku: A SKU of the Products sheet.
        quantity: Units wanted (> 0).
        date: The delivery date asked for (anything pandas reads as a date).
        customer: The customer; the customer's price applies when it has one. None for no particular customer.

    Returns:
        The Promise.

    Raises:
        PlanError: when the SKU is unknown, the quantity is not positive or the date is outside the horizon.
    """
    date = pd.Timestamp(date)
    month = pd.Timestamp(date.year, date.month, 1)
    months = inputs.months
    if sku not in set(inputs.products["SKU"]):
        raise PlanError(f"SKU {sku!r} is not on the demand template's Products sheet")
    if not quantity > 0:
        raise PlanError(f"the quantity must be more than 0 units, not {quantity}")
    if month < months[0] or month > months[-1]:
        raise PlanError(f"{date:%Y-%m-%d} is outside the plan's horizon, {months[0]:%b-%y} to {months[-1]:%b-%y}")
    line = customer or NEW_ORDER
    base = solve(inputs, "Base")

    by_date, with_order = _ship_in_month(inputs, base, sku, line, quantity, month)
    # Lead time: units made after the order arrives are available only lead-time days later; before that, only
    # the stock the current plan does not need can go.
    lead_days = _lead_time_days(inputs, sku)
    available_from = months[0] + pd.Timedelta(days=lead_days)
    if date < available_from:
        by_date = min(by_date, _free_stock(base, sku))

    earliest = None
    if by_date >= quantity - TOLERANCE:
        earliest = date
    else:
        for later in months[months.index(month) + 1 :]:
            shipped, _ = _ship_in_month(inputs, base, sku, line, quantity, later)
            month_end = later + pd.offsets.MonthEnd(0)
            if shipped >= quantity - TOLERANCE and month_end >= available_from:
                # Within a month the plan does not say which day; the lead time can still push the date.
                earliest = max(later, available_from.normalize())
                break

    answer = YES if by_date >= quantity - TOLERANCE else PARTLY if by_date > TOLERANCE else NO
    displaced = _displaced(base, with_order, sku, line)
    margin_effect = with_order.contribution_margin - base.contribution_margin
    reason = _reason(answer, sku, quantity, by_date, date, earliest, displaced, inputs.cycle.currency)
    return Promise(
        sku=sku,
        customer=customer or "",
        quantity=float(quantity),
        date=date,
        answer=answer,
        quantity_by_date=float(by_date),
        earliest_full_date=earliest,
        displaced=displaced,
        margin_effect=float(margin_effect),
        reason=reason,
    )


def _ship_in_month(
    inputs: Inputs, base: Solution, sku: str, line: str, quantity: float, month: pd.Timestamp
) -> tuple[float, Solution]:
    """Re-plan with the order due in `month`; return the units of it shipped in that month and the plan."""
    solution = solve(inputs, "Base", Adjustments(extra_demand={(sku, line, month): float(quantity)}))
    rows = solution.customer_month
    shipped = rows[(rows["SKU"] == sku) & (rows["Customer"] == line) & (rows["Month"] == month)]["Shipments"].sum()
    if line != NEW_ORDER:
        # The order shares its line with the customer's own forecast: count only what ships beyond the
        # current plan's shipments to that customer in that month.
        base_rows = base.customer_month
        before = base_rows[(base_rows["SKU"] == sku) & (base_rows["Customer"] == line) & (base_rows["Month"] == month)][
            "Shipments"
        ].sum()
        shipped = min(max(shipped - before, 0.0), quantity)
    return float(min(shipped, quantity)), solution


def _lead_time_days(inputs: Inputs, sku: str) -> int:
    rows = inputs.inventory[inputs.inventory["SKU"] == sku]["Lead time (days)"]
    return int(rows.iloc[0]) if len(rows) and pd.notna(rows.iloc[0]) else 0


def _free_stock(base: Solution, sku: str) -> float:
    """Stock of the SKU that the current plan keeps through the first month and could ship at once."""
    rows = base.sku_month[base.sku_month["SKU"] == sku].sort_values("Month")
    return float(rows["Closing inventory"].iloc[0]) if len(rows) else 0.0


def _displaced(base: Solution, new: Solution, sku: str, line: str) -> list[dict]:
    """Net shipments lost per SKU over the horizon, with the customers whose shipments fell.

    Compared over the whole horizon, not month by month: the LP has many equally good plans, and a re-plan may
    ship the same units a month earlier or to another customer at the same price; only a net loss is displaced.
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


def _reason(
    answer: str,
    sku: str,
    quantity: float,
    by_date: float,
    date: pd.Timestamp,
    earliest: pd.Timestamp | None,
    displaced: list[dict],
    currency: str,
) -> str:
    text = {
        YES: f"All {quantity:,.0f} units of {sku} can be delivered by {date:%Y-%m-%d}.",
        PARTLY: f"{by_date:,.0f} of {quantity:,.0f} units of {sku} can be delivered by {date:%Y-%m-%d}.",
        NO: f"None of the {quantity:,.0f} units of {sku} can be delivered by {date:%Y-%m-%d}.",
    }[answer]
    if answer != YES:
        text += (
            f" The whole quantity can be delivered by {earliest:%Y-%m-%d}."
            if earliest is not None
            else " The whole quantity cannot be delivered within the horizon."
        )
    if displaced:
        units = sum(d["units"] for d in displaced)
        revenue = sum(d["revenue"] for d in displaced)
        text += f" It displaces {units:,.0f} units of other demand ({revenue:,.0f} {currency} of revenue)."
    return text


def promise_from_files(
    demand_path, capacity_path, sku: str, quantity: float, date, customer: str | None = None
) -> Promise:
    """Read both templates and answer the promise question (see `promise`).

    Args:
        demand_path: The demand template.
        capacity_path: The capacity template.
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
    from .errors import InputError
    from .reader import read

    inputs = read(demand_path, capacity_path)
    if inputs.errors:
        raise InputError(inputs.findings)
    return promise(inputs, sku, quantity, date, customer)
