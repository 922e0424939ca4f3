"""Across meetings: what changed since last month's pack, and why.

Both packs are compared through their Plan Data (the flat table of every figure), Base scenario, over the months
both cover. The bridge attributes the change in revenue and contribution margin, SKU by SKU over those months,
to four causes whose parts add up to the change exactly:

    S = D − U  (shipments = demand − unmet demand), p = revenue / S, c = (revenue − margin) / S per unit

    ΔRevenue = ΔD·p₀ (demand) − ΔU·p₀ (capacity) + S₁·Δp (price)
    ΔMargin  = ΔD·(p₀ − c₀) (demand) − ΔU·(p₀ − c₀) (capacity) + S₁·Δp (price) − S₁·Δc (cost)

where 0 is last month's pack and 1 this month's. A SKU that shipped nothing last month has no last-month price
or unit cost: its whole change is counted as demand (new volume), priced at this month's figures.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd
from defusedxml import ElementTree as SafeElementTree
from python_calamine import CalamineWorkbook

from .archive import Role, guard
from .errors import TemplateError

PLAN_DATA_SHEET = "Plan Data"
DECISIONS_SHEET = "Decisions"
PLAN_DATA_COLUMNS = ["Scenario", "Family", "SKU", "Customer", "Resource", "Material", "Month", "Measure", "Value"]
BRIDGE_CAUSES = ["Demand", "Capacity", "Price", "Cost"]
COMPARED_MEASURES = ["Demand", "Shipments", "Revenue", "Contribution margin"]
PREVIOUS_PACK = Role("last month's pack", "pack")
# Larger than any figure a plan within the templates' bounds makes (units × price is at most 1e21 a month): a pack
# holding more was not written by `sop reconcile`, and summing it could overflow.
LARGEST_FIGURE = 1e30


@dataclass
class PreviousPack:
    """Last month's meeting pack, as read back.

    Attributes:
        path: Where it was read from.
        company: The company named in the pack's document properties ("" when absent).
        plan_data: Its Plan Data table (columns PLAN_DATA_COLUMNS; Month as Timestamps).
        decisions: Its Decisions sheet as a DataFrame (columns as written there), empty when absent.
    """

    path: Path
    company: str
    plan_data: pd.DataFrame
    decisions: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass
class Changes:
    """What changed between two packs.

    Attributes:
        months: The months both packs cover.
        comparison: Family × Month × Measure: Previous, Current, Change (Measures: COMPARED_MEASURES).
        bridge: Family × Cause (Demand, Capacity, Price, Cost) × Measure (Revenue, Contribution margin): Value;
            per family and measure the causes add up to the change.
        notes: Sentences about how the packs were compared (another company, shifted horizons).
    """

    months: list[pd.Timestamp]
    comparison: pd.DataFrame
    bridge: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def read_previous(path: str | Path) -> PreviousPack:
    """Read last month's meeting pack: its Plan Data and Decisions sheets.

    The file goes through the same guards as the templates (`archive.guard`: a regular file, a sound .xlsx, no
    zip bomb, sheets that fit in memory) before calamine parses the two sheets.

    Args:
        path: The .xlsx written by `sop reconcile`.

    Returns:
        The PreviousPack.

    Raises:
        TemplateError: when the file cannot be read or has no Plan Data table (`archive.FileRefused`, a
            TemplateError, when the guards refuse it).
    """
    path = Path(path)
    archive = guard(path, PREVIOUS_PACK, sheets=(PLAN_DATA_SHEET, DECISIONS_SHEET))
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(archive.data))
        names = [name for name in (PLAN_DATA_SHEET, DECISIONS_SHEET) if name in workbook.sheet_names]
        archive.check_sheets(names)
        grids = {name: workbook.get_sheet_by_name(name).to_python() for name in names}
    except TemplateError:
        raise
    except BaseException as error:  # calamine's errors are not one class, and its panics are BaseExceptions
        if isinstance(error, (KeyboardInterrupt, SystemExit)):
            raise
        raise TemplateError(
            path.name,
            f"cannot be read as a meeting pack ({type(error).__name__}: {error}); give the .xlsx that "
            "`sop reconcile` wrote last month",
        ) from None
    if PLAN_DATA_SHEET not in grids:
        raise TemplateError(path.name, f"has no {PLAN_DATA_SHEET!r} sheet; give a pack written by `sop reconcile`")
    plan_data = _table_below_header(grids[PLAN_DATA_SHEET], PLAN_DATA_COLUMNS)
    if plan_data is None:
        raise TemplateError(
            path.name,
            f"its {PLAN_DATA_SHEET!r} sheet holds no table with the columns "
            f"{', '.join(PLAN_DATA_COLUMNS)} (a pack above 200,000 rows keeps it in "
            "a separate file)",
        )
    plan_data["Month"] = pd.to_datetime(plan_data["Month"], errors="coerce")
    plan_data["Value"] = pd.to_numeric(plan_data["Value"], errors="coerce").fillna(0.0)
    beyond = plan_data["Value"][~(plan_data["Value"].abs() <= LARGEST_FIGURE)]
    if len(beyond):
        raise TemplateError(
            path.name,
            f"its {PLAN_DATA_SHEET!r} sheet holds {beyond.iloc[0]:.6g}, a figure no plan makes; give the .xlsx that "
            "`sop reconcile` wrote last month",
        )
    for column in ("Scenario", "Family", "SKU", "Customer", "Resource", "Material", "Measure"):
        plan_data[column] = plan_data[column].fillna("").astype(str)
    decisions = pd.DataFrame()
    if DECISIONS_SHEET in grids:
        found = _table_below_header(grids[DECISIONS_SHEET], ["Decision"])
        decisions = found if found is not None else pd.DataFrame()
    return PreviousPack(path=path, company=_company(archive.data), plan_data=plan_data, decisions=decisions)


def _table_below_header(rows: list[list], required: list[str]) -> pd.DataFrame | None:
    """The rows under the first row that holds every `required` header, as a DataFrame (None when absent)."""
    for index, row in enumerate(rows):
        headers = [str(value).strip() if value is not None else "" for value in row]
        if all(name in headers for name in required):
            body = [r[: len(headers)] for r in rows[index + 1 :] if any(v not in (None, "") for v in r)]
            frame = pd.DataFrame(body, columns=headers)
            return frame[[h for h in headers if h]]
    return None


def _company(data: bytes) -> str:
    """The Company document property (docProps/app.xml) of a workbook's bytes, "" when absent."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            xml = archive.read("docProps/app.xml")
        root = SafeElementTree.fromstring(xml)
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError):
        return ""
    for element in root.iter():
        if element.tag.endswith("}Company") and element.text:
            return element.text
    return ""


def compare(
    previous: pd.DataFrame, current: pd.DataFrame, *, previous_company: str = "", current_company: str = ""
) -> Changes:
    """Compare two Plan Data tables (Base scenario) over the months both cover.

    Args:
        previous: Last month's Plan Data.
        current: This month's Plan Data.
        previous_company: The company of last month's pack, to say when it differs.
        current_company: This month's company.

    Returns:
        The Changes: the comparison by family and month, and the bridge by family.
    """
    notes = []
    if previous_company and current_company and previous_company != current_company:
        notes.append(
            f"The previous pack is for {previous_company}, this one for {current_company}; "
            "only SKUs both share are compared."
        )
    previous, current = _base(previous), _base(current)
    months = sorted(set(previous["Month"].dropna()) & set(current["Month"].dropna()))
    previous_months, current_months = sorted(set(previous["Month"].dropna())), sorted(set(current["Month"].dropna()))
    if previous_months != current_months:
        if months:
            notes.append(
                f"The packs cover different months; compared are the {len(months)} months both cover, "
                f"{months[0]:%b-%y} to {months[-1]:%b-%y}."
            )
        else:
            notes.append("The packs share no month; nothing can be compared.")
    previous = previous[previous["Month"].isin(months)]
    current = current[current["Month"].isin(months)]

    comparison = _comparison(previous, current)
    bridge = _bridge(_by_sku(previous), _by_sku(current))
    return Changes(months=months, comparison=comparison, bridge=bridge, notes=notes)


def _base(plan_data: pd.DataFrame) -> pd.DataFrame:
    frame = plan_data[(plan_data["Scenario"] == "Base") & plan_data["Measure"].isin(COMPARED_MEASURES)]
    return frame[["Family", "SKU", "Month", "Measure", "Value"]]


def _comparison(previous: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    keys = ["Family", "Month", "Measure"]
    then = previous.groupby(keys)["Value"].sum().rename("Previous")
    now = current.groupby(keys)["Value"].sum().rename("Current")
    table = pd.concat([then, now], axis=1).fillna(0.0).reset_index()
    table["Change"] = table["Current"] - table["Previous"]
    order = {measure: i for i, measure in enumerate(COMPARED_MEASURES)}
    table["_order"] = table["Measure"].map(order)
    return table.sort_values(["Family", "_order", "Month"]).drop(columns="_order").reset_index(drop=True)


def _by_sku(frame: pd.DataFrame) -> pd.DataFrame:
    """Demand, Shipments, Revenue and Contribution margin per SKU over the compared months."""
    wide = frame.pivot_table(index=["Family", "SKU"], columns="Measure", values="Value", aggfunc="sum")
    return wide.reindex(columns=COMPARED_MEASURES).fillna(0.0)


def _bridge(previous: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    both = previous.add_suffix(" 0").join(current.add_suffix(" 1"), how="outer").fillna(0.0)
    d0, d1 = both["Demand 0"], both["Demand 1"]
    s0, s1 = both["Shipments 0"], both["Shipments 1"]
    r0, r1 = both["Revenue 0"], both["Revenue 1"]
    m0, m1 = both["Contribution margin 0"], both["Contribution margin 1"]
    shipped0 = s0 > 1e-9
    shipped1 = s1 > 1e-9
    p1 = (r1 / s1.where(shipped1)).fillna(0.0)
    c1 = ((r1 - m1) / s1.where(shipped1)).fillna(0.0)
    # Without last month's shipments there is no last-month price or unit cost: use this month's.
    p0 = (r0 / s0.where(shipped0)).where(shipped0, p1).fillna(0.0)
    c0 = ((r0 - m0) / s0.where(shipped0)).where(shipped0, c1).fillna(0.0)
    u0, u1 = d0 - s0, d1 - s1
    revenue = pd.DataFrame(
        {
            "Demand": (d1 - d0) * p0,
            "Capacity": -(u1 - u0) * p0,
            "Price": s1 * (p1 - p0),
            "Cost": 0.0,
        }
    )
    margin = pd.DataFrame(
        {
            "Demand": (d1 - d0) * (p0 - c0),
            "Capacity": -(u1 - u0) * (p0 - c0),
            "Price": s1 * (p1 - p0),
            "Cost": -s1 * (c1 - c0),
        }
    )
    # What the identity leaves over is last month's costs or revenue without shipments (stock built ahead of
    # the compared months): a cost change by nature, so it is counted there and the parts still add up.
    for parts, change in ((revenue, r1 - r0), (margin, m1 - m0)):
        rest = change - parts.sum(axis=1)
        # Rounding noise (1e-9 of a cent) is not a cost change; it would only print as "-0".
        parts["Cost"] += rest.where(rest.abs() > 1e-6, 0.0)
    frames = []
    for measure, parts in (("Revenue", revenue), ("Contribution margin", margin)):
        by_family = parts.groupby(level="Family").sum()
        # Below a millionth of a currency unit is float noise; + 0.0 also turns -0.0 into 0.
        by_family = by_family.where(by_family.abs() > 1e-6, 0.0) + 0.0
        long = by_family.reset_index().melt(id_vars="Family", var_name="Cause", value_name="Value")
        long.insert(2, "Measure", measure)
        frames.append(long)
    bridge = pd.concat(frames, ignore_index=True)
    bridge["Cause"] = pd.Categorical(bridge["Cause"], BRIDGE_CAUSES, ordered=True)
    bridge = bridge.sort_values(["Measure", "Family", "Cause"], ascending=[False, True, True])
    bridge["Cause"] = bridge["Cause"].astype(str)
    return bridge.reset_index(drop=True)
