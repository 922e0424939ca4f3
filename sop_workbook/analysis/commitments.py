"""Commitments and launches: each customer order checked against the Base plan (Requested ones by re-solving
with the order confirmed), and each launch's readiness with its reasons."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import SopError
from .common import EPS, Context, empty, month_start, numbers, planner_adjustments
from .levers import Resolver
from .results import AT_RISK, COMMITMENT_COLUMNS, LATE, LAUNCH_COLUMNS, ON_TIME

# The first months of a launch whose demand must be covered for the launch to be green; amber when some of it is
# unmet, red from this share on (the launch would mostly miss its market).
LAUNCH_MONTHS = 3
LAUNCH_UNCOVERED_RED = 0.5


def _promise_month(customer_month: pd.DataFrame, sku: str, customer: str, month) -> pd.Timestamp | None:
    """The first month by which everything the customer was owed up to `month` has shipped (oldest first)."""
    own = customer_month[(customer_month["SKU"] == sku) & (customer_month["Customer"] == customer)]
    own = own.sort_values("Month")
    demand = numbers(own["Demand"]).cumsum()
    shipped = numbers(own["Shipments"]).cumsum()
    owed = demand[own["Month"] <= month]
    if owed.empty:
        return None
    target = float(owed.iloc[-1])
    later = own[(own["Month"] >= month) & (shipped >= target - EPS)]
    return None if later.empty else pd.Timestamp(later["Month"].iloc[0])


def commitments(ctx: Context, base, gaps: pd.DataFrame, resolver: Resolver, checked_orders: int) -> pd.DataFrame:
    """Each order checked against the Base plan (COMMITMENT_COLUMNS); the first `checked_orders` Requested
    orders by re-solving the plan with the order confirmed (docs/model.md, "Commitments and promises")."""
    orders = ctx.inputs.commitments
    if orders.empty:
        return empty(COMMITMENT_COLUMNS)
    shortfall = base.commitment_shortfall
    short = (
        numbers(shortfall["Units short"]).groupby(shortfall["Order ref"].to_numpy()).sum()
        if len(shortfall)
        else pd.Series(dtype=float)
    )
    base_gaps = gaps[gaps["Scenario"] == "Base"] if len(gaps) else gaps
    dates = orders["Requested date"]
    requested_dates = (
        list(dates)
        if pd.api.types.is_datetime64_any_dtype(dates.dtype)
        else [pd.to_datetime(value, errors="coerce") for value in dates]
    )
    rows, checked = [], 0
    for order, quantity, requested in zip(
        orders.to_dict("records"), numbers(orders["Quantity"]).tolist(), requested_dates
    ):
        row = {c: order.get(c) for c in ("Order ref", "Customer", "SKU", "Status")}
        row.update(
            {
                "Quantity": quantity,
                "Requested date": requested,
                "Planned on time": np.nan,
                "Check": AT_RISK,
                "Promise date": pd.NaT,
                "Days late": np.nan,
                "Note": _unplannable(ctx, requested),
            }
        )
        rows.append(row)
        if row["Note"]:
            continue
        if str(order["Status"]) != "Requested":
            _check(ctx, row, base, float(short.get(order["Order ref"], 0.0)), "", base_gaps)
            continue
        key = ("Confirm", str(order["Order ref"]))
        if checked >= checked_orders or not resolver.can(key):
            row["Note"] = (
                "Not checked: only the first Requested orders are checked by re-solving the plan"
                if resolver.solver is not None
                else "Not checked: no re-solve"
            )
            continue
        checked += 1
        try:
            solution = resolver.solve(
                key, ctx.inputs, "Base", planner_adjustments(confirm_orders={str(order["Order ref"]).strip()})
            )
        except SopError as error:
            row["Note"] = f"The plan could not be re-solved with this order confirmed: {error}"
            continue
        shortfall = solution.commitment_shortfall
        missing = float(numbers(shortfall.loc[shortfall["Order ref"] == order["Order ref"], "Units short"]).sum())
        _check(ctx, row, solution, missing, _displaced(ctx, solution, base), base_gaps)
    return pd.DataFrame(rows, columns=COMMITMENT_COLUMNS)


def _unplannable(ctx: Context, requested) -> str:
    """Why an order cannot be checked against the plan (no date, a date outside the horizon); "" when it can."""
    if pd.isna(requested):
        return "No requested date: the order cannot be checked"
    month = requested.to_period("M").to_timestamp()
    first, last = ctx.months[0], ctx.months[-1]
    if month < first or month > last:
        return f"Requested for {ctx.label(month)}, outside the plan ({ctx.label(first)} to {ctx.label(last)})"
    return ""


def _displaced(ctx: Context, solution, base) -> str:
    """What confirming an order displaces, as it shows in the margin: other demand served later or not at all."""
    change = solution.contribution_margin - base.contribution_margin
    if abs(change) <= 0.005:
        return ""
    if change > 0:
        return f"; confirming it raises the contribution margin by {ctx.money(change)}"
    return f"; confirming it lowers the contribution margin by {ctx.money(-change)}, the demand it displaces"


def _check(ctx: Context, row: dict, solution, missing: float, displaced: str, base_gaps: pd.DataFrame) -> None:
    """Fill in an order's check from the plan it is checked against and its units short in its month: on time,
    late with the month all of it ships by, or at risk, with the cause from the Base gaps."""
    quantity, requested = row["Quantity"], row["Requested date"]
    month = requested.to_period("M").to_timestamp()
    row["Planned on time"] = max(0.0, quantity - missing)
    if missing <= EPS:
        row.update({"Check": ON_TIME, "Promise date": requested, "Days late": 0.0})
        row["Note"] = (
            f"Can be promised as requested{displaced}" if displaced or str(row["Status"]) == "Requested" else ""
        )
        return
    cause = base_gaps[(base_gaps["SKU"] == row["SKU"]) & (base_gaps["Month"] == month)] if len(base_gaps) else base_gaps
    because = f": {cause['Explanation'].iloc[0]}" if len(cause) else ""
    promise = _promise_month(solution.customer_month, row["SKU"], row["Customer"], month)
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


def launches(ctx: Context, base, gaps: pd.DataFrame) -> pd.DataFrame:
    """Readiness of each launch: red for blockers, amber for risks, green when ready and covered."""
    table = ctx.inputs.launches
    if table.empty:
        return empty(LAUNCH_COLUMNS)
    demand = base.sku_month[["SKU", "Month", "Demand"]]
    demand = demand[demand["SKU"].isin(table["SKU"])]  # the launches' own rows, searched once per launch
    base_gaps = gaps[gaps["Scenario"] == "Base"] if len(gaps) else gaps
    rows = []
    for _, launch in table.iterrows():
        sku = launch["SKU"]
        launch_month = month_start(launch["Launch month"])
        readiness = ctx.readiness.get(sku)
        red, amber = [], []
        if readiness is None:
            ready, qualified, validated = pd.NaT, "", ""
            red.append("Operations has given no launch readiness")
        else:
            ready = month_start(readiness["Ready from month"])
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
            wanted = float(numbers(demand[(demand["SKU"] == sku) & demand["Month"].isin(window)]["Demand"]).sum())
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
