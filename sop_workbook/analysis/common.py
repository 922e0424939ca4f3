"""What every analysis uses: the inputs as lookups (`Context`), the solutions with datetime months
(`normalised`), and small frame helpers."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from ..inputs import Inputs
from .results import MATERIAL, RESOURCE

EPS = 1e-6  # units, hours and money below this are solver noise, not a gap


class Context:
    """The inputs as the lookups the analyses need (unit costs, routings, readiness), built once."""

    def __init__(self, inputs: Inputs):
        self.inputs = inputs
        self.months = list(inputs.months)
        self.currency = inputs.cycle.currency
        self.family = family_map(inputs.products)
        products = inputs.products.drop_duplicates("SKU")
        self.floor = dict(zip(products["SKU"], pd.to_numeric(products["Margin floor %"], errors="coerce")))
        costs = inputs.costs.drop_duplicates("SKU")
        self.material_cost = dict(zip(costs["SKU"], numbers(costs["Material cost per unit"])))
        self.other_cost = dict(zip(costs["SKU"], numbers(costs["Other variable cost per unit"])))
        self.holding_cost = dict(zip(costs["SKU"], numbers(costs["Holding cost per unit-month"])))
        self.backlog_cost = dict(zip(costs["SKU"], numbers(costs["Backlog cost per unit-month"])))
        self.unmet_kind = dict(zip(costs["SKU"], costs["Unmet demand"].astype(str)))
        self.routing: dict[str, list[tuple[str, float]]] = {}
        for sku, resource, hours in zip(
            inputs.routings["SKU"], inputs.routings["Resource"], numbers(inputs.routings["Hours per unit"])
        ):
            self.routing.setdefault(sku, []).append((resource, float(hours)))
        self.bom: dict[str, list[tuple[str, float]]] = {}
        for sku, material, quantity in zip(
            inputs.bill_of_materials["SKU"],
            inputs.bill_of_materials["Material"],
            numbers(inputs.bill_of_materials["Quantity per unit"]),
        ):
            self.bom.setdefault(sku, []).append((material, float(quantity)))
        # Who uses each resource and material: (kind, name) → [(SKU, hours or quantity per unit)].
        self.users: dict[tuple[str, str], list[tuple[str, float]]] = {}
        for kind, table in ((RESOURCE, self.routing), (MATERIAL, self.bom)):
            for sku, lines in table.items():
                for name, per in lines:
                    self.users.setdefault((kind, name), []).append((sku, per))
        resources = inputs.resources.drop_duplicates("Resource")
        self.regular_rate = dict(zip(resources["Resource"], numbers(resources["Regular cost per hour"])))
        self.overtime_rate = dict(zip(resources["Resource"], numbers(resources["Overtime cost per hour"])))
        readiness = inputs.launch_readiness.drop_duplicates("SKU")
        self.readiness = {row["SKU"]: row for _, row in readiness.iterrows()}
        self.ready = {sku: month_start(row["Ready from month"]) for sku, row in self.readiness.items()}
        subcontract = inputs.subcontract.drop_duplicates(["SKU", "Subcontractor"])
        self.subcontract_cost: dict[str, tuple[str, float]] = {}  # the cheapest subcontractor per SKU
        for sku, name, cost in zip(
            subcontract["SKU"], subcontract["Subcontractor"], numbers(subcontract["Cost per unit"])
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


def planner_adjustments(**changes):
    """The planner's `Adjustments` with these changes (imported when first needed: the pack's writer and `sop
    validate` use this package without the solver)."""
    from ..planner import Adjustments

    return Adjustments(**changes)


SOLUTION_FRAMES = (
    "sku_month",
    "customer_month",
    "subcontract",
    "resource_month",
    "material_month",
    "commitment_shortfall",
)


def normalised(solution):
    """A copy of a solution whose Month columns are datetimes, even in empty frames (for merges)."""
    frames = {}
    for name in SOLUTION_FRAMES:
        frame = getattr(solution, name).copy()
        if "Month" in frame.columns:
            frame["Month"] = pd.to_datetime(frame["Month"]).astype("datetime64[ns]")
        frames[name] = frame
    return replace(solution, contribution_margin=float(solution.contribution_margin), **frames)


def lookup(keys: pd.Series, mapping) -> pd.Series:
    """keys.map(mapping) (a dict or a Series; NaN where absent), looking up each distinct key once."""
    codes, distinct = pd.factorize(keys)
    if (codes < 0).any():  # blank keys: no shortcut
        return keys.map(mapping)
    values = pd.Series(distinct).map(mapping)
    return pd.Series(values.to_numpy()[codes], index=keys.index, dtype=values.dtype)


def stamps(months: pd.Series) -> list:
    """A Month column as a list of Timestamps, each distinct month converted once (dictionary keys)."""
    codes, distinct = pd.factorize(pd.DatetimeIndex(months))
    distinct = list(distinct) + [pd.NaT]
    return [distinct[code] for code in codes]


def index_keys(index: pd.MultiIndex) -> list[tuple]:
    """The (name, Month) tuples of a two-level index, as dictionary keys."""
    return list(zip(index.get_level_values(0).tolist(), stamps(index.get_level_values(1))))


def records(keys, frame: pd.DataFrame, columns: list[str]) -> dict:
    """{key: {column: value}} for the rows of `frame`, with only the columns asked for."""
    values = [frame[column].tolist() for column in columns]
    return {key: dict(zip(columns, row)) for key, row in zip(keys, zip(*values))}


def numbers(values) -> pd.Series:
    """Numbers as floats, blanks as 0."""
    return pd.to_numeric(pd.Series(values), errors="coerce").fillna(0.0).astype(float)


def ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator, 0 where the denominator is 0 (a margin % without revenue)."""
    safe = denominator.where(denominator.abs() > EPS, 1.0)
    return (numerator / safe).where(denominator.abs() > EPS, 0.0).astype(float)


def sum_by(frame: pd.DataFrame, keys: list[str], values: list[str]) -> pd.DataFrame:
    """Sum of value columns by keys, as a flat frame."""
    if frame.empty:
        # Keep the key dtypes (a datetime Month stays datetime) so that merges on the empty result still work.
        return pd.DataFrame({c: pd.Series(dtype=frame[c].dtype if c in keys else float) for c in keys + values})
    return frame.groupby(keys, as_index=False, sort=True)[values].sum()


def family_map(products: pd.DataFrame) -> dict:
    """{SKU: Family} of the Products sheet."""
    return dict(zip(products["SKU"], products["Family"].astype(str)))


def families(ctx: Context, skus: pd.Series) -> pd.Series:
    """Each SKU's family ("" when it has none)."""
    return lookup(skus, ctx.family).fillna("").astype(str)


def month_start(value) -> pd.Timestamp:
    """The first day of the month of a date; NaT for a blank."""
    if value is None or (not isinstance(value, str) and pd.isna(value)) or value == "":
        return pd.NaT
    return pd.Timestamp(value).to_period("M").to_timestamp()


def with_columns(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The frame with exactly these columns, in this order (a missing column is blank)."""
    for column in columns:
        if column not in frame.columns:
            frame[column] = np.nan
    return frame[columns].reset_index(drop=True)


def concat(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    """The frames one under the other, with these columns; an empty frame of them when all are empty."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty(columns)
    return pd.concat(frames, ignore_index=True)[columns]


def empty(columns: list[str]) -> pd.DataFrame:
    """An empty frame with these columns."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
