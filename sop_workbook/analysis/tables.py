"""The plan's tables: consensus plan, capacity, materials, margin, inventory, scenarios side by side, the
budget bridge, the headline summary and forecast accuracy. Each figure is derived from a solution by
arithmetic that reconciles (family totals are sums of SKUs, margin = revenue − costs)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .common import EPS, Context, empty, families, family_map, lookup, numbers, ratio, sum_by, with_columns
from .results import (
    ACCURACY_COLUMNS,
    BUDGET_COLUMNS,
    CAPACITY_COLUMNS,
    COST_COLUMNS,
    CUSTOMER_MARGIN_COLUMNS,
    CUSTOMER_PLAN_COLUMNS,
    INVENTORY_COLUMNS,
    MARGIN_COLUMNS,
    MATERIAL_COLUMNS,
    ON_TIME,
    PLAN_COLUMNS,
    SCENARIO_COLUMNS,
    Results,
)

# Days of supply = closing inventory / average daily demand of the next DAYS_OF_SUPPLY_MONTHS months (the
# month's own demand at the horizon end), capped at DAYS_OF_SUPPLY_CAP when there is stock but no demand ahead.
DAYS_OF_SUPPLY_MONTHS = 3
DAYS_OF_SUPPLY_CAP = 999.0


def plan(ctx: Context, scenario: str, solution) -> pd.DataFrame:
    """The consensus plan per SKU × month (PLAN_COLUMNS), with days of supply."""
    frame = solution.sku_month.copy()
    frame.insert(0, "Scenario", scenario)
    frame["Family"] = families(ctx, frame["SKU"])
    frame = frame.sort_values(["SKU", "Month"], kind="stable").reset_index(drop=True)
    frame["Days of supply"] = days_of_supply(frame)
    return with_columns(frame, PLAN_COLUMNS)


def days_of_supply(frame: pd.DataFrame) -> pd.Series:
    """Closing inventory / average daily demand of the next months, per row of a frame sorted by SKU, Month."""
    demand = numbers(frame["Demand"])
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
    closing = numbers(frame["Closing inventory"])
    supply = (closing / rate.where(rate > EPS, 1.0)).clip(upper=DAYS_OF_SUPPLY_CAP)
    supply = supply.where(rate > EPS, DAYS_OF_SUPPLY_CAP)
    return supply.where(closing > EPS, 0.0).astype(float)


def customer_plan(ctx: Context, scenario: str, solution) -> pd.DataFrame:
    """The plan per SKU × customer × month (CUSTOMER_PLAN_COLUMNS)."""
    frame = solution.customer_month.copy()
    frame.insert(0, "Scenario", scenario)
    frame["Family"] = families(ctx, frame["SKU"])
    frame = frame.sort_values(["SKU", "Customer", "Month"], kind="stable").reset_index(drop=True)
    return with_columns(frame, CUSTOMER_PLAN_COLUMNS)


def _sku_resource_hours(ctx: Context, sku_month: pd.DataFrame, quantity: str) -> pd.DataFrame:
    """Hours per SKU × Resource × Month for a quantity column of sku_month (Production or Demand)."""
    routings = ctx.inputs.routings[["SKU", "Resource", "Hours per unit"]].copy()
    routings["Hours per unit"] = numbers(routings["Hours per unit"])
    frame = sku_month[["SKU", "Month", quantity]].merge(routings, on="SKU", how="inner")
    frame["Hours"] = frame["Hours per unit"] * numbers(frame[quantity])
    return frame[["SKU", "Resource", "Month", "Hours"]]


def capacity(ctx: Context, scenario: str, solution) -> tuple[pd.DataFrame, pd.DataFrame]:
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
        frame[column] = numbers(frame[column])
    # Required hours = Σ routing hours × demand: what full demand would load, made in its own month.
    required = sum_by(_sku_resource_hours(ctx, solution.sku_month, "Demand"), ["Resource", "Month"], ["Hours"])
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
    total = sum_by(hours, ["Resource", "Month"], ["Hours"]).rename(columns={"Hours": "Total"})
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
    absorbed = sum_by(hours, ["SKU", "Month"], ["Regular labour cost", "Overtime cost"])
    return with_columns(frame, CAPACITY_COLUMNS), absorbed


def materials(ctx: Context, scenario: str, solution) -> pd.DataFrame:
    """Materials per material × month (MATERIAL_COLUMNS), with what full demand would require."""
    frame = solution.material_month.copy()
    for column in ("Available", "Used", "Shadow price"):
        frame[column] = numbers(frame[column])
    bom = ctx.inputs.bill_of_materials[["SKU", "Material", "Quantity per unit"]].copy()
    bom["Quantity per unit"] = numbers(bom["Quantity per unit"])
    # Required = Σ quantity per unit × demand: what full demand would use, made in its own month.
    required = solution.sku_month[["SKU", "Month", "Demand"]].merge(bom, on="SKU", how="inner")
    required["Required"] = required["Quantity per unit"] * numbers(required["Demand"])
    frame = frame.merge(sum_by(required, ["Material", "Month"], ["Required"]), on=["Material", "Month"], how="left")
    frame["Required"] = frame["Required"].fillna(0.0)
    frame.insert(0, "Scenario", scenario)
    frame = frame.sort_values(["Material", "Month"], kind="stable").reset_index(drop=True)
    return with_columns(frame, MATERIAL_COLUMNS)


def margin(ctx: Context, scenario: str, solution, absorbed: pd.DataFrame) -> pd.DataFrame:
    """Margin per SKU × month (MARGIN_COLUMNS), the labour each SKU `absorbed` (`capacity`) included, and the
    margin floor checked over the horizon."""
    frame = solution.sku_month[["SKU", "Month", "Production", "Shipments", "Closing inventory", "Backlog"]].copy()
    for column in ("Production", "Shipments", "Closing inventory", "Backlog"):
        frame[column] = numbers(frame[column])
    revenue = sum_by(
        solution.customer_month.assign(Revenue=numbers(solution.customer_month["Revenue"])),
        ["SKU", "Month"],
        ["Revenue"],
    )
    subcontract = solution.subcontract.copy()
    subcontract["Subcontract cost"] = numbers(subcontract["Units"]) * numbers(subcontract["Cost per unit"])
    subcontract = sum_by(subcontract, ["SKU", "Month"], ["Subcontract cost"])
    for extra in (revenue, subcontract, absorbed):
        frame = frame.merge(extra, on=["SKU", "Month"], how="left")
    for column in ("Revenue", "Subcontract cost", "Regular labour cost", "Overtime cost"):
        frame[column] = frame[column].fillna(0.0)
    sku = frame["SKU"]
    # Material and other variable cost fall on units made, not on subcontracted ones (their price is all-in).
    frame["Material cost"] = frame["Production"] * lookup(sku, ctx.material_cost).fillna(0.0)
    frame["Other variable cost"] = frame["Production"] * lookup(sku, ctx.other_cost).fillna(0.0)
    frame["Holding cost"] = frame["Closing inventory"] * lookup(sku, ctx.holding_cost).fillna(0.0)
    frame["Backlog cost"] = frame["Backlog"] * lookup(sku, ctx.backlog_cost).fillna(0.0)
    # Contribution margin = Revenue − (Material + Other variable + Overtime + Subcontract + Holding + Backlog).
    frame["Contribution margin"] = frame["Revenue"] - frame[COST_COLUMNS].sum(axis=1)
    frame["Contribution margin %"] = ratio(frame["Contribution margin"], frame["Revenue"])
    frame["Margin after labour"] = frame["Contribution margin"] - frame["Regular labour cost"]
    frame["Margin floor %"] = lookup(sku, ctx.floor).astype(float)

    # The floor is a horizon-level promise per SKU: (Σ revenue − Σ costs) / Σ revenue ≥ floor. The price that
    # meets it with the same shipments and costs solves (S·p − C) / (S·p) = floor: p = C / (S · (1 − floor)).
    totals = frame.groupby("SKU", sort=False).agg(
        revenue=("Revenue", "sum"), margin=("Contribution margin", "sum"), shipments=("Shipments", "sum")
    )
    totals["costs"] = totals["revenue"] - totals["margin"]
    totals["floor"] = totals.index.map(ctx.floor).astype(float)
    totals["percent"] = ratio(totals["margin"], totals["revenue"])
    totals["below"] = totals["floor"].notna() & (totals["revenue"] > EPS) & (totals["percent"] < totals["floor"] - 1e-9)
    can_price = totals["below"] & (totals["shipments"] > EPS) & (totals["floor"] < 1)
    totals["price"] = (
        totals["costs"] / (totals["shipments"].where(can_price) * (1 - totals["floor"].where(can_price)))
    ).where(can_price)
    frame["Horizon margin %"] = lookup(sku, totals["percent"]).astype(float)
    frame["Below floor"] = lookup(sku, totals["below"]).astype(bool)
    frame["Price to meet floor"] = lookup(sku, totals["price"]).astype(float)
    frame.insert(0, "Scenario", scenario)
    frame["Family"] = families(ctx, sku)
    frame = frame.sort_values(["SKU", "Month"], kind="stable").reset_index(drop=True)
    return with_columns(frame, MARGIN_COLUMNS)


def customer_margin(ctx: Context, scenario: str, solution, margin: pd.DataFrame) -> pd.DataFrame:
    """Whole-horizon margin per SKU × Customer; each SKU's costs are shared out by its shipments."""
    customers = solution.customer_month.copy()
    for column in ("Shipments", "Demand", "Revenue"):
        customers[column] = numbers(customers[column]).to_numpy()
    customers = sum_by(customers, ["SKU", "Customer"], ["Shipments", "Demand", "Revenue"])
    allocated = COST_COLUMNS + ["Regular labour cost"]
    sku_totals = sum_by(margin, ["SKU"], allocated)
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
    frame["Contribution margin %"] = ratio(frame["Contribution margin"], frame["Revenue"])
    frame["Margin after labour"] = frame["Contribution margin"] - frame["Regular labour cost"]
    frame.insert(0, "Scenario", scenario)
    frame["Family"] = families(ctx, frame["SKU"])
    frame = frame.sort_values(["SKU", "Customer"], kind="stable")
    return with_columns(frame, CUSTOMER_MARGIN_COLUMNS)


def inventory(plan_frame: pd.DataFrame) -> pd.DataFrame:
    """The inventory projection against safety stock and storage limit (INVENTORY_COLUMNS)."""
    frame = plan_frame.copy()
    frame["Below safety stock"] = numbers(frame["Closing inventory"]) < numbers(frame["Safety stock"]) - EPS
    return with_columns(frame, INVENTORY_COLUMNS)


def scenarios_summary(scenarios, plan_frame, margin_frame, gap_frame, capacity_frame) -> pd.DataFrame:
    """One row per scenario of headline figures (SCENARIO_COLUMNS), from the scenarios' tables."""
    rows = []
    for scenario in scenarios:
        plan_rows = plan_frame[plan_frame["Scenario"] == scenario]
        margin_rows = margin_frame[margin_frame["Scenario"] == scenario]
        demand, shipments = float(numbers(plan_rows["Demand"]).sum()), float(numbers(plan_rows["Shipments"]).sum())
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


def budget(ctx: Context, plan_frame: pd.DataFrame, margin_frame: pd.DataFrame) -> pd.DataFrame:
    """Plan against budget by family and month (Base): Revenue from the margin, Volume from shipments."""
    budget = ctx.inputs.budget
    if budget.empty:
        return empty(BUDGET_COLUMNS)
    base_margin = margin_frame[margin_frame["Scenario"] == "Base"]
    base_plan = plan_frame[plan_frame["Scenario"] == "Base"]
    revenue = sum_by(base_margin, ["Family", "Month"], ["Revenue"]).rename(columns={"Revenue": "Plan"})
    revenue["Measure"] = "Revenue"
    volume = sum_by(
        base_plan.assign(Shipments=numbers(base_plan["Shipments"])), ["Family", "Month"], ["Shipments"]
    ).rename(columns={"Shipments": "Plan"})
    volume["Measure"] = "Volume"
    frame = budget[["Family", "Measure", "Month", "Budget"]].copy()
    frame["Budget"] = numbers(frame["Budget"])
    frame["Measure"] = frame["Measure"].astype(str)
    frame = frame.merge(pd.concat([revenue, volume], ignore_index=True), on=["Family", "Measure", "Month"], how="left")
    frame["Plan"] = frame["Plan"].fillna(0.0)
    frame["Variance"] = frame["Plan"] - frame["Budget"]
    frame = frame.sort_values(["Family", "Measure", "Month"], kind="stable").reset_index(drop=True)
    return with_columns(frame, BUDGET_COLUMNS)


def summary(results: Results) -> dict:
    """The Base headline figures (`Results.summary`)."""
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
    nothing = empty(ACCURACY_COLUMNS)
    if forecast_long is None or actuals_long is None or not len(forecast_long) or not len(actuals_long):
        return nothing
    forecast = forecast_long
    if "Scenario" in forecast.columns:
        forecast = forecast[forecast["Scenario"].astype(str) == "Base"]
    forecast = sum_by(forecast.assign(Forecast=numbers(forecast["Forecast"])), ["SKU", "Month"], ["Forecast"])
    actuals = sum_by(actuals_long.assign(Actual=numbers(actuals_long["Actual"])), ["SKU", "Month"], ["Actual"])
    both = forecast.merge(actuals, on=["SKU", "Month"], how="inner")
    if both.empty:
        return nothing
    both["Family"] = both["SKU"].map(family_map(products)).fillna("")
    rows = []
    for level, keys in (("Family", ["Family"]), ("SKU", ["Family", "SKU"])):
        frame = both if level == "SKU" else sum_by(both, ["Family", "Month"], ["Forecast", "Actual"])
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
    return pd.DataFrame(rows, columns=ACCURACY_COLUMNS) if rows else nothing
