"""Inputs → the arrays of the model: parameters over SKUs, lines (SKU × customer), months, resources, materials
and subcontract arcs (docs/model.md, "Sets and parameters").

The sheets are read into arrays once for all scenarios and re-solves (`common`); each scenario's demand, confirmed
orders and what-if changes are applied on copies (`prepare`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from ..errors import PlanError
from ..inputs import Inputs


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
class Data:
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
class Common:
    """What every scenario and every re-solve of one Inputs share, read from the sheets once (`common`).

    `data` has every field of `Data` that no scenario changes; its demand, confirmed orders and orders are empty,
    and its prices and limits are before any Adjustments. The forecast of every scenario is kept as arrays (line,
    month offset, value, scenario) and every commitment with its status, for `prepare`.
    """

    inputs: Inputs
    data: Data
    line_keys: set[tuple[str, str]]
    forecast_scenario: np.ndarray
    forecast_line: np.ndarray
    forecast_month: np.ndarray
    forecast_value: np.ndarray
    sellable: np.ndarray  # l × t: demand allowed (on or after the launch month)
    commitments: pd.DataFrame  # Order ref, line, t, Quantity, Requested date, Status: every row of the sheet
    arc_keys: list[str]


# ----------------------------------------------------------------------------------------------------------
# Cells into arrays
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


def _pivot(rows: np.ndarray, months: np.ndarray, values: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Sum long-form values into a rows × months matrix, skipping unknown keys and months off the horizon."""
    out = np.zeros(shape)
    keep = (rows >= 0) & ~np.isnan(months) & (months >= 0) & (months < shape[1])
    np.add.at(out, (rows[keep], months[keep].astype(int)), values[keep])
    return out


def _from_month(skus: list[str], table: pd.DataFrame, column: str, cycle: pd.Timestamp) -> np.ndarray:
    """Each SKU's month offset in a column of a per-SKU sheet (a launch or a ready month); −inf without one."""
    first = np.full(len(skus), -np.inf)
    rows = _lookup(skus, _texts(table["SKU"]))
    months = _month_offsets(table[column], cycle)
    ok = (rows >= 0) & ~np.isnan(months)
    first[rows[ok]] = months[ok]
    return first


def _month_position(month, months: list[pd.Timestamp], what: str) -> int:
    """The position of `month` (any date in it) in the horizon; a PlanError naming `what` when outside it."""
    stamp = pd.Timestamp(month)
    stamp = pd.Timestamp(year=stamp.year, month=stamp.month, day=1)
    if stamp not in months:
        raise PlanError(
            f"{what}: {stamp:%b-%y} is not a month of the horizon ({months[0]:%b-%y} to {months[-1]:%b-%y})."
        )
    return months.index(stamp)


def _known(keys: list[str], key: str, what: str) -> int:
    """The position of `key` in `keys`; a PlanError naming `what` when it is not there."""
    if key not in keys:
        raise PlanError(f"{what}: {key!r} is not in the inputs.")
    return keys.index(key)


# ----------------------------------------------------------------------------------------------------------
# The arrays every scenario shares
# ----------------------------------------------------------------------------------------------------------


def common(inputs: Inputs, extra_lines: list[tuple[str, str]] = ()) -> Common:
    """Read the Inputs' tables into the arrays every scenario shares (see `Common`).

    Args:
        inputs: The validated inputs.
        extra_lines: (SKU, Customer) lines to plan besides those of the forecast and commitments: the lines of
            extra demand (`Adjustments.extra_demand`), whose SKUs are known.
    """
    cycle, months = inputs.cycle.cycle_month, inputs.months
    forecast, commitments = inputs.forecast, inputs.commitments
    forecast_sku, forecast_customer = _texts(forecast["SKU"]), _texts(forecast["Customer"])
    skus = _ordered_unique(
        inputs.products["SKU"], inputs.inventory["SKU"], inputs.costs["SKU"], forecast["SKU"], commitments["SKU"]
    )
    for sku, _ in extra_lines:
        _known(skus, sku, "Extra demand")
    line_sku, line_customer = _lines(skus, inputs, extra_lines)
    line_pairs = (np.array([skus[s] for s in line_sku], dtype=object), np.array(line_customer, dtype=object))
    arcs = _arcs(inputs, skus, len(months))
    arc_keys = [f"{skus[s]}\x1f{k}" for s, k in zip(arcs["arc_sku"], arcs["arc_name"])]
    n_l, n_t = len(line_sku), len(months)
    orders = _commitments(inputs, line_pairs)
    data = Data(
        months=months,
        skus=skus,
        line_sku=line_sku,
        line_customer=line_customer,
        demand=np.zeros((n_l, n_t)),
        confirmed=np.zeros((n_l, n_t)),
        price=_prices(inputs, skus, line_sku, line_pairs, n_t),
        ready=np.arange(n_t)[None, :] >= _from_month(skus, inputs.launch_readiness, "Ready from month", cycle)[:, None],
        **_stock_policy(inputs, skus),
        **_costs(inputs, skus),
        **_resources(inputs, skus, n_t),
        **_materials(inputs, skus, n_t),
        **arcs,
        orders=orders.iloc[:0],
    )
    launch = _from_month(skus, inputs.launches, "Launch month", cycle)
    return Common(
        inputs=inputs,
        data=data,
        line_keys=set(zip(*line_pairs)),
        forecast_scenario=_texts(forecast["Scenario"]),
        forecast_line=_lookup_pairs(line_pairs, (forecast_sku, forecast_customer)),
        forecast_month=_month_offsets(forecast["Month"], cycle),
        forecast_value=_numbers(forecast["Forecast"]),
        sellable=np.arange(n_t)[None, :] >= launch[line_sku][:, None],  # nothing is sold before the launch month
        commitments=orders,
        arc_keys=arc_keys,
    )


def _lines(skus: list[str], inputs: Inputs, extra_lines) -> tuple[np.ndarray, list[str]]:
    """The lines: every SKU × customer with a forecast in any scenario, a commitment or extra demand, so that the
    customer tables of all scenarios have the same rows; in SKU order."""
    forecast, commitments = inputs.forecast, inputs.commitments
    line_frame = pd.DataFrame(
        {
            "SKU": np.concatenate(
                [
                    _texts(forecast["SKU"]),
                    _texts(commitments["SKU"]),
                    np.array([k[0] for k in extra_lines], dtype=object),
                ]
            ),
            "Customer": np.concatenate(
                [
                    _texts(forecast["Customer"]),
                    _texts(commitments["Customer"]),
                    np.array([str(k[1]) for k in extra_lines], dtype=object),
                ]
            ),
        },
        dtype=object,
    ).drop_duplicates()
    line_frame = line_frame[line_frame["SKU"] != ""]
    line_frame["s"] = _lookup(skus, line_frame["SKU"].to_numpy())
    line_frame = line_frame.sort_values("s", kind="stable")
    return line_frame["s"].to_numpy(dtype=int), list(line_frame["Customer"])


def _commitments(inputs: Inputs, line_pairs) -> pd.DataFrame:
    """Every commitment with its line and month offset; `prepare` keeps the confirmed ones that can be planned."""
    commitments, cycle = inputs.commitments, inputs.cycle.cycle_month
    return pd.DataFrame(
        {
            "Order ref": _texts(commitments["Order ref"]),
            "line": _lookup_pairs(line_pairs, (_texts(commitments["SKU"]), _texts(commitments["Customer"]))),
            "t": _month_offsets(commitments["Requested date"], cycle),
            "Quantity": _numbers(commitments["Quantity"]),
            "Requested date": pd.to_datetime(
                pd.Series(commitments["Requested date"], dtype=object), errors="coerce"
            ).to_numpy(),
            "Status": _texts(commitments["Status"]),
        }
    )


def _prices(inputs: Inputs, skus: list[str], line_sku: np.ndarray, line_pairs, n_t: int) -> np.ndarray:
    """Each line's price per month (l × t): the SKU & customer's, else the SKU & all customers'; the latest Valid
    from on or before the month; 0 without a price."""
    prices, cycle = inputs.prices, inputs.cycle.cycle_month
    keys = np.array([f"{s}\x1f{c}" for s, c in zip(_texts(prices["SKU"]), _texts(prices["Customer"]))], dtype=object)
    valid_from = _month_offsets(prices["Valid from"], cycle)
    valid_from = np.where(np.isnan(valid_from), 0.0, np.maximum(valid_from, 0.0))
    table = pd.DataFrame(
        {
            "key": keys,
            "t": valid_from,
            "price": _numbers(prices["Unit price"]),
            "when": pd.to_datetime(pd.Series(prices["Valid from"], dtype=object), errors="coerce")
            .fillna(cycle)
            .to_numpy(),
        }
    )
    table = table[table["t"] < n_t].sort_values(["key", "when"], kind="stable")
    table = table.drop_duplicates(["key", "t"], keep="last")
    price_keys = list(dict.fromkeys(table["key"]))
    matrix = np.full((len(price_keys), n_t), np.nan)
    matrix[_lookup(price_keys, table["key"].to_numpy()), table["t"].to_numpy(dtype=int)] = table["price"].to_numpy()
    matrix = pd.DataFrame(matrix).ffill(axis=1).to_numpy()
    matrix = np.vstack([matrix, np.full((1, n_t), np.nan)])  # row -1: no price
    line_keys = np.array([f"{s}\x1f{c}" for s, c in zip(*line_pairs)], dtype=object)
    own_price = matrix[_lookup(price_keys, line_keys)]
    all_price = matrix[_lookup(price_keys, np.array([f"{skus[s]}\x1f" for s in line_sku], dtype=object))]
    return np.nan_to_num(np.where(np.isnan(own_price), all_price, own_price), nan=0.0)


def _stock_policy(inputs: Inputs, skus: list[str]) -> dict[str, np.ndarray]:
    """Opening stock, safety stock, target closing stock and max stock (inf = none) per SKU."""
    n_s = len(skus)
    inventory = inputs.inventory
    rows = _lookup(skus, _texts(inventory["SKU"]))
    ok = rows >= 0
    policy = {"opening": np.zeros(n_s), "safety": np.zeros(n_s), "target": np.zeros(n_s)}
    policy["max_stock"] = np.full(n_s, np.inf)
    for name, column, default in (
        ("opening", "Opening stock", 0.0),
        ("safety", "Safety stock", 0.0),
        ("target", "Target closing stock", 0.0),
        ("max_stock", "Max stock", np.inf),
    ):
        policy[name][rows[ok]] = _numbers(inventory[column], default=default)[ok]
    return policy


def _costs(inputs: Inputs, skus: list[str]) -> dict[str, np.ndarray]:
    """Unit costs per SKU; a SKU without a Costs row costs nothing to make or hold and loses unmet demand."""
    n_s = len(skus)
    costs = inputs.costs
    rows = _lookup(skus, _texts(costs["SKU"]))
    ok = rows >= 0
    out = {}
    for name, column in (
        ("material_cost", "Material cost per unit"),
        ("other_cost", "Other variable cost per unit"),
        ("holding", "Holding cost per unit-month"),
        ("backlog_cost", "Backlog cost per unit-month"),
    ):
        out[name] = np.zeros(n_s)
        out[name][rows[ok]] = _numbers(costs[column])[ok]
    out["waits"] = np.zeros(n_s, dtype=bool)
    out["waits"][rows[ok]] = _texts(costs["Unmet demand"])[ok] == "Backlog"
    out["unit_cost"] = out["material_cost"] + out["other_cost"]
    return out


def _resources(inputs: Inputs, skus: list[str], n_t: int) -> dict:
    """Resources with their site and rates, regular hours and overtime limits (r × t), and the routings."""
    cycle = inputs.cycle.cycle_month
    table = inputs.resources
    resources = _ordered_unique(table["Resource"], inputs.capacity["Resource"], inputs.routings["Resource"])
    n_r = len(resources)
    sites = [""] * n_r
    regular_rate, overtime_rate = np.zeros(n_r), np.zeros(n_r)
    for r, site, regular, overtime in zip(
        _lookup(resources, _texts(table["Resource"])),
        _texts(table["Site"]),
        _numbers(table["Regular cost per hour"]),
        _numbers(table["Overtime cost per hour"]),
    ):
        sites[r], regular_rate[r], overtime_rate[r] = site, regular, overtime
    capacity = inputs.capacity
    rows = _lookup(resources, _texts(capacity["Resource"]))
    months, hours, kind = (
        _month_offsets(capacity["Month"], cycle),
        _numbers(capacity["Hours"]),
        _texts(capacity["Kind"]),
    )
    routings = inputs.routings
    routing_sku = _lookup(skus, _texts(routings["SKU"]))
    routing_resource = _lookup(resources, _texts(routings["Resource"]))
    routing_hours = _numbers(routings["Hours per unit"])
    ok = (routing_sku >= 0) & (routing_resource >= 0)
    makeable = np.zeros(len(skus), dtype=bool)
    makeable[routing_sku[ok]] = True
    return {
        "resources": resources,
        "sites": sites,
        "regular_rate": regular_rate,
        "overtime_rate": overtime_rate,
        "regular": _pivot(np.where(kind == "Regular", rows, -1), months, hours, (n_r, n_t)),
        "overtime_limit": _pivot(np.where(kind == "Overtime", rows, -1), months, hours, (n_r, n_t)),
        "routing_sku": routing_sku[ok],
        "routing_resource": routing_resource[ok],
        "routing_hours": routing_hours[ok],
        "makeable": makeable,
    }


def _materials(inputs: Inputs, skus: list[str], n_t: int) -> dict:
    """Materials with their supplier and units available (m × t), and the bill of materials."""
    table = inputs.materials
    materials = _ordered_unique(table["Material"])
    rows = _lookup(materials, _texts(table["Material"]))
    suppliers = [""] * len(materials)
    for m, supplier in zip(rows, _texts(table["Supplier"])):
        suppliers[m] = suppliers[m] or supplier
    months = _month_offsets(table["Month"], inputs.cycle.cycle_month)
    bom = inputs.bill_of_materials
    bom_sku = _lookup(skus, _texts(bom["SKU"]))
    bom_material = _lookup(materials, _texts(bom["Material"]))
    ok = (bom_sku >= 0) & (bom_material >= 0)  # a material that is not on the Materials sheet is not constrained
    return {
        "materials": materials,
        "suppliers": suppliers,
        "available": _pivot(rows, months, _numbers(table["Available"]), (len(materials), n_t)),
        "bom_sku": bom_sku[ok],
        "bom_material": bom_material[ok],
        "bom_quantity": _numbers(bom["Quantity per unit"])[ok],
    }


def _arcs(inputs: Inputs, skus: list[str], n_t: int) -> dict:
    """Subcontract arcs (SKU × subcontractor, in SKU order): cost per unit and most units per month (k × t)."""
    table = inputs.subcontract
    frame = pd.DataFrame(
        {
            "SKU": _texts(table["SKU"]),
            "Subcontractor": _texts(table["Subcontractor"]),
            "cost": _numbers(table["Cost per unit"]),
        },
        dtype=object,
    )
    arcs = frame.drop_duplicates(["SKU", "Subcontractor"])
    arcs = arcs.assign(s=_lookup(skus, arcs["SKU"].to_numpy()))
    arcs = arcs[arcs["s"] >= 0].sort_values("s", kind="stable")
    arc_sku = arcs["s"].to_numpy(dtype=int)
    arc_name = list(arcs["Subcontractor"])
    arc_keys = [f"{skus[s]}\x1f{k}" for s, k in zip(arc_sku, arc_name)]
    rows = _lookup(
        arc_keys, np.array([f"{s}\x1f{k}" for s, k in zip(frame["SKU"], frame["Subcontractor"])], dtype=object)
    )
    months = _month_offsets(table["Month"], inputs.cycle.cycle_month)
    return {
        "arc_sku": arc_sku,
        "arc_name": arc_name,
        "arc_cost": arcs["cost"].to_numpy(dtype=float),
        "arc_max": _pivot(rows, months, _numbers(table["Max units"]), (len(arc_sku), n_t)),
    }


# ----------------------------------------------------------------------------------------------------------
# One scenario
# ----------------------------------------------------------------------------------------------------------


def prepare(common: Common, scenario: str, adjustments: Adjustments) -> Data:
    """The arrays of one scenario's model: the shared arrays of `common` with the scenario's demand, the
    confirmed orders and the adjustments applied (on copies: `common` is never changed)."""
    base = common.data
    if scenario != "Base" and scenario not in set(common.forecast_scenario):
        raise PlanError(f"There is no {scenario} scenario in the Forecast sheet of the demand template.")
    for key in adjustments.extra_demand:
        _known(base.skus, key[0], "Extra demand")
    demand = _scenario_forecast(common, scenario)
    orders, confirmed = _confirmed_orders(common, adjustments)
    if adjustments.extra_demand:
        line_index = {(base.skus[s], c): line for line, (s, c) in enumerate(zip(base.line_sku, base.line_customer))}
    for (sku, customer, month), units in adjustments.extra_demand.items():
        t = _month_position(month, base.months, f"Extra demand for {sku} / {customer}")
        line = line_index[(sku, str(customer))]
        confirmed[line, t] += float(units)
        demand[line, t] += float(units)
    confirmed = np.maximum(confirmed, 0.0)
    # Forecast consumption (docs/model.md, "Demand"): demand = max(forecast, confirmed orders due in the month).
    demand = np.maximum(np.maximum(demand, 0.0), confirmed)
    data = replace(base, demand=demand, confirmed=confirmed, orders=orders, **_limits(base, adjustments))
    _check_signs(data, common.arc_keys)
    return data


def _scenario_forecast(common: Common, scenario: str) -> np.ndarray:
    """The scenario's forecast per line and month (l × t), none before a launch; a line without a row in a
    non-Base scenario keeps its Base forecast."""
    base = common.data
    shape = (len(base.line_sku), len(base.months))
    names, line, month, value = (
        common.forecast_scenario,
        common.forecast_line,
        common.forecast_month,
        common.forecast_value,
    )
    base_rows = names == "Base"
    demand = _pivot(line[base_rows], month[base_rows], value[base_rows], shape)
    if scenario != "Base":
        own_rows = names == scenario
        own = _pivot(line[own_rows], month[own_rows], value[own_rows], shape)
        has_own = np.zeros(shape[0], dtype=bool)
        has_own[line[own_rows][line[own_rows] >= 0]] = True
        demand[has_own] = own[has_own]
    demand = np.maximum(demand, 0.0)  # the reader rejects negative forecasts; never plan negative demand
    return np.where(common.sellable, demand, 0.0)


def _confirmed_orders(common: Common, adjustments: Adjustments) -> tuple[pd.DataFrame, np.ndarray]:
    """The confirmed orders the plan must honour and their units per line and month (l × t).

    An order is due in the month of its Requested date; earlier ones are due now, later ones are ignored. Orders
    named in the adjustments are planned as confirmed whatever their status. Orders due before their SKU's
    launch month are kept (reported short) but not planned.
    """
    n_l, n_t = len(common.data.line_sku), len(common.data.months)
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
    orders["plannable"] = common.sellable[orders["line"].to_numpy(dtype=int), orders["t"].to_numpy(dtype=int)]
    plannable = orders[orders["plannable"]]
    confirmed = _pivot(
        plannable["line"].to_numpy(dtype=int),
        plannable["t"].to_numpy(dtype=float),
        plannable["Quantity"].to_numpy(dtype=float),
        (n_l, n_t),
    )
    return orders.reset_index(drop=True), confirmed


def _limits(base: Data, adjustments: Adjustments) -> dict:
    """Prices, hours, overtime, material and subcontract limits with the what-if changes applied (copies)."""
    months, skus = base.months, base.skus
    price = base.price
    if adjustments.price_change:
        price = price.copy()
    for sku, new_price in adjustments.price_change.items():
        if sku not in skus:
            raise PlanError(f"Price change for {sku}: no such SKU in the inputs.")
        price[base.line_sku == skus.index(sku)] = float(new_price)
    regular, overtime_limit = base.regular.copy(), base.overtime_limit.copy()
    for (resource, month), hours in adjustments.extra_hours.items():
        regular[_known(base.resources, resource, "Extra hours"), _month_position(month, months, resource)] += hours
    for (resource, month), hours in adjustments.extra_overtime.items():
        r = _known(base.resources, resource, "Extra overtime")
        overtime_limit[r, _month_position(month, months, resource)] += hours
    available = base.available.copy()
    for (material, month), units in adjustments.extra_material.items():
        m = _known(base.materials, material, "Extra material")
        available[m, _month_position(month, months, material)] += units
    arc_max = base.arc_max.copy()
    for (sku, month), units in adjustments.extra_subcontract.items():
        own_arcs = np.flatnonzero(base.arc_sku == _known(skus, sku, "Extra subcontract"))
        if own_arcs.size == 0:
            raise PlanError(
                f"Extra subcontract for {sku}: the SKU has no subcontractor on the Subcontract sheet, "
                "so there is no cost per unit to price it at."
            )
        cheapest = own_arcs[np.argmin(base.arc_cost[own_arcs])]
        arc_max[cheapest, _month_position(month, months, sku)] += units
    return {
        "price": price,
        "regular": regular,
        "overtime_limit": overtime_limit,
        "available": available,
        "arc_max": arc_max,
    }


def _check_signs(data: Data, arc_keys: list[str]) -> None:
    """Negative limits make the model infeasible and negative costs can make it unbounded; the reader rejects
    both, but inputs built in code are checked here too, and named in the planners' words."""
    problems = []
    arcs = [k.replace("\x1f", " / ") for k in arc_keys]
    for label, names, matrix in (
        ("regular hours (capacity.xlsx, Capacity) of resource", data.resources, data.regular),
        ("overtime limit (capacity.xlsx, Capacity) of resource", data.resources, data.overtime_limit),
        ("units available (capacity.xlsx, Materials) of material", data.materials, data.available),
        ("maximum units (capacity.xlsx, Subcontract) of", arcs, data.arc_max),
    ):
        for i, t in zip(*np.nonzero(matrix < 0)):
            problems.append(f"the {label} {names[i]} in {data.months[t]:%b-%y} is negative ({matrix[i, t]:g})")
    for s in np.flatnonzero((data.opening < 0) | (data.max_stock < 0)):
        problems.append(f"the opening stock or max stock (capacity.xlsx, Inventory) of SKU {data.skus[s]} is negative")
    for label, values in (
        ("material cost per unit", data.material_cost),
        ("other variable cost per unit", data.other_cost),
        ("holding cost per unit-month", data.holding),
        ("backlog cost per unit-month", data.backlog_cost),
    ):
        for s in np.flatnonzero(values < 0):
            problems.append(f"the {label} (capacity.xlsx, Costs) of SKU {data.skus[s]} is negative ({values[s]:g})")
    if problems:
        raise PlanError(
            "The plan cannot be made: "
            + "; ".join(problems[:10])
            + (f"; and {len(problems) - 10} more" if len(problems) > 10 else "")
            + "."
        )
