"""Margin: revenue, costs and contribution margin by family, SKU and customer, with the margin floor checked.

Family rows add up their SKUs' rows with SUMIF, and contribution margin is Revenue − costs on every row, as
live formulas with the plan's figures cached.
"""

from __future__ import annotations

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from . import layout
from .layout import (
    Pack,
    cell,
    comment,
    number_style,
    setup_page,
    write_header,
    write_left_out,
    write_nothing,
    write_title,
    write_value,
)
from .text import write_text

COSTS = ("Material cost", "Other variable cost", "Overtime cost", "Subcontract cost", "Holding cost", "Backlog cost")
MONEY = ("Revenue",) + COSTS
# Columns, from A: the names, the money, the margin and its floor.
LABELS = (
    ("Family", "SKU")
    + MONEY
    + (
        "Contribution margin",
        "Contribution margin %",
        "Regular labour cost",
        "Margin after labour",
        "Margin floor %",
        "Below floor",
        "Price to meet floor",
    )
)
COL = {label: index for index, label in enumerate(LABELS)}


def _margin_formulas(r: int) -> dict[str, str]:
    """The formulas of one row: contribution margin, its %, and margin after labour."""
    revenue = cell(r, COL["Revenue"])
    costs = f"{cell(r, COL[COSTS[0]])}:{cell(r, COL[COSTS[-1]])}"
    margin = cell(r, COL["Contribution margin"])
    return {
        # Contribution margin = Revenue − (Material + Other variable + Overtime + Subcontract + Holding + Backlog).
        "Contribution margin": f"={revenue}-SUM({costs})",
        # Contribution margin % = Contribution margin ÷ Revenue (0 without revenue).
        "Contribution margin %": f"=IF({revenue}=0,0,{margin}/{revenue})",
        # Margin after labour = Contribution margin − Regular labour absorbed.
        "Margin after labour": f"={margin}-{cell(r, COL['Regular labour cost'])}",
    }


def _write_row(
    pack: Pack,
    ws: Worksheet,
    r: int,
    money: dict[str, float],
    formulas: dict[str, str],
    margin: float,
    emphasis: str | None,
) -> None:
    """Write the money, margin and labour cells of one row.

    Args:
        pack: The pack.
        ws: The worksheet.
        r: The row.
        money: Revenue, each cost and Regular labour cost, as figures (cached values of formulas).
        formulas: The money cells that are formulas (family and total rows), by label.
        margin: The plan's contribution margin of the row, cached in its formula.
        emphasis: A style name for family or total rows.
    """
    styles = pack.styles
    for label in MONEY + ("Regular labour cost",):
        if label not in money:
            continue
        number = styles("money", "cell", emphasis)
        if label in formulas:
            ws.write_formula(r, COL[label], formulas[label], number, money[label])
        else:
            write_value(ws, r, COL[label], money[label], number)
    revenue = money.get("Revenue", 0.0)
    cached = {
        "Contribution margin": margin,
        "Contribution margin %": margin / revenue if revenue else 0.0,
        "Margin after labour": margin - money.get("Regular labour cost", 0.0),
    }
    for label, formula in _margin_formulas(r).items():
        ws.write_formula(r, COL[label], formula, styles(number_style(label), "cell", emphasis), cached[label])


def write(pack: Pack, ws: Worksheet) -> None:
    """Write the Margin sheet (Base scenario, whole horizon): by family, by SKU, by customer.

    Records `pack.anchors["margin"]` (the family rows and their Revenue and Contribution margin columns) for
    the Executive Summary's chart.

    Args:
        pack: The pack.
        ws: The Margin worksheet.
    """
    margin = pack.base(pack.results.margin)
    if not len(margin):
        write_nothing(pack, ws, "Margin", "The plan has no revenue or costs.")
        return
    styles = pack.styles
    numeric = [c for c in MONEY + ("Contribution margin", "Regular labour cost") if c in margin.columns]
    margin = margin.copy()
    for column in numeric:
        margin[column] = pd.to_numeric(margin[column], errors="coerce").fillna(0.0)
    by_sku = margin.groupby(["Family", "SKU"], sort=False)[numeric].sum().reset_index()
    families = list(dict.fromkeys(by_sku["Family"].astype(str)))
    row = write_title(pack, ws, "Margin", "Base scenario, whole horizon; regular labour shown below the margin")

    # Rows are laid out first: the family rows add up SKU rows written below them.
    family_heading = row
    family_header = row + 1
    family_first = row + 2
    family_last = family_first + len(families) - 1
    total_row = family_last + 1
    sku_heading = total_row + 2
    sku_header = sku_heading + 1
    sku_first = sku_header + 1
    sku_last = sku_first + len(by_sku) - 1
    # Above the row limit the SKU rows are left out (one line says so) and the family rows hold figures.
    with_skus = len(by_sku) <= layout.MAX_ROWS
    if not with_skus:
        sku_last = sku_header

    write_text(ws, family_heading, 0, "By family", styles("heading"))
    _header(pack, ws, family_header, ("Family", "") + LABELS[2 : COL["Margin after labour"] + 1])
    write_text(ws, sku_heading, 0, "By SKU", styles("heading"))
    if with_skus:
        write_text(
            ws,
            sku_heading,
            3,
            "Red: below the SKU's margin floor over the horizon; the comment says by "
            "how much and the price that would meet it",
            styles("muted", "italic"),
        )
        _header(pack, ws, sku_header, LABELS)
    else:
        write_left_out(
            pack,
            ws,
            sku_header,
            len(by_sku),
            "SKU rows",
            "every SKU's revenue, costs and contribution margin by month are in Plan Data: "
            "sop reconcile ... --plan-data plan.csv (or .parquet) writes them whole.",
        )

    # The Executive Summary's chart shows the family rows.
    for index, family in enumerate(families):
        r = family_first + index
        write_text(ws, r, 0, family, styles("bold", "cell", "family"))
        ws.write_blank(r, 1, None, styles("cell", "family"))
        rows = by_sku[by_sku["Family"].astype(str) == family]
        money = {label: float(rows[label].sum()) for label in numeric if label != "Contribution margin"}
        # Family = the sum of its SKU rows.
        formulas = (
            {
                label: f"=SUMIF({cell(sku_first, 0, True, True)}:{cell(sku_last, 0, True, True)},"
                f"{cell(r, 0, False, True)},"
                f"{cell(sku_first, COL[label], True)}:{cell(sku_last, COL[label], True)})"
                for label in money
            }
            if with_skus
            else {}
        )
        _write_row(pack, ws, r, money, formulas, float(rows["Contribution margin"].sum()), "family")

    # Total = the sum of the family rows.
    write_text(ws, total_row, 0, "All families", styles("cell", "total"))
    ws.write_blank(total_row, 1, None, styles("cell", "total"))
    money = {label: float(by_sku[label].sum()) for label in numeric if label != "Contribution margin"}
    formulas = {label: f"=SUM({cell(family_first, COL[label])}:{cell(family_last, COL[label])})" for label in money}
    _write_row(pack, ws, total_row, money, formulas, float(by_sku["Contribution margin"].sum()), "total")

    floors = _floors(margin)
    for index, item in enumerate(by_sku.itertuples(index=False) if with_skus else ()):
        r = sku_first + index
        record = dict(zip(by_sku.columns, item))
        sku = str(record["SKU"])
        write_text(ws, r, 0, str(record["Family"]), styles("muted", "cell"))
        write_text(ws, r, 1, sku, styles("bold", "cell"))
        figures = {label: float(record[label]) for label in numeric}
        money = {label: value for label, value in figures.items() if label != "Contribution margin"}
        _write_row(pack, ws, r, money, {}, figures["Contribution margin"], None)
        _write_floor(pack, ws, r, sku, figures, *floors.get(sku, (float("nan"), False, float("nan"))))

    pack.anchors["margin"] = {
        "first": family_first,
        "last": family_last,
        "name_col": 0,
        "revenue_col": COL["Revenue"],
        "margin_col": COL["Contribution margin"],
    }
    row = _customers(pack, ws, sku_last + 2)
    row = _budget(pack, ws, row + 1)
    ws.set_column(0, 0, 18)
    ws.set_column(1, 1, 14)
    ws.set_column(2, len(LABELS) - 1, 11.5)
    ws.freeze_panes(family_header + 1, 2)
    setup_page(pack, ws)


def _header(pack: Pack, ws: Worksheet, row: int, labels: tuple[str, ...]) -> None:
    for col, label in enumerate(labels):
        write_header(pack, ws, row, col, label)
    ws.set_row(row, 48)


def _floors(margin: pd.DataFrame) -> dict[str, tuple[float, bool, float]]:
    """Each SKU's margin floor, whether it is below it over the horizon, and the price that would meet it.

    The analysis checks the floor per SKU over the whole horizon and repeats the result on each month: the
    floor is the SKU's first given one, below if any month says so, the price the highest given (when below).
    Worked out for all SKUs in one grouping; per SKU it cost ~2 ms, seconds at 5,000 SKUs.
    """
    sku = margin["SKU"].astype(str)
    nan = pd.Series(float("nan"), index=margin.index)
    frame = pd.DataFrame(
        {
            "floor": pd.to_numeric(margin.get("Margin floor %", nan), errors="coerce"),
            "below": (
                margin["Below floor"].fillna(False).astype(bool)
                if "Below floor" in margin.columns
                else pd.Series(False, index=margin.index)
            ),
            "price": pd.to_numeric(margin.get("Price to meet floor", nan), errors="coerce"),
        }
    )
    grouped = frame.groupby(sku, sort=False)
    floors, below, prices = grouped["floor"].first(), grouped["below"].any(), grouped["price"].max()
    return {
        name: (float(floors[name]), bool(below[name]), float(prices[name]) if below[name] else float("nan"))
        for name in floors.index
    }


def _write_floor(
    pack: Pack, ws: Worksheet, r: int, sku: str, figures: dict[str, float], floor: float, below: bool, price: float
) -> None:
    """The SKU's margin floor, whether it is below it over the horizon and the price that would meet it.

    A SKU below its floor is flagged red with a comment that says by how much and at what price it would meet
    it.
    """
    styles = pack.styles
    colour = "red" if below else None
    write_value(ws, r, COL["Margin floor %"], floor, styles("percent", "cell"))
    write_text(ws, r, COL["Below floor"], "Yes" if below else "No", styles("center", "cell", colour))
    write_value(ws, r, COL["Price to meet floor"], price, styles("price", "cell", colour))
    if below:
        revenue = figures["Revenue"]
        share = figures["Contribution margin"] / revenue if revenue else 0.0
        ws.write_formula(
            r,
            COL["Contribution margin %"],
            _margin_formulas(r)["Contribution margin %"],
            styles("percent", "cell", "red"),
            share,
        )
        text = (
            f"{sku} earns a contribution margin of {share:.1%} of revenue over the horizon, below its floor "
            f"of {floor:.1%}."
        )
        if price == price:
            text += f" At a unit price of {price:,.2f} {pack.currency} it would meet the floor."
        comment(ws, r, COL["Below floor"], text)
        comment(ws, r, COL["Contribution margin %"], text)


def _customers(pack: Pack, ws: Worksheet, row: int) -> int:
    """By customer (whole horizon), then by SKU and customer."""
    styles = pack.styles
    frame = pack.base(pack.results.customer_margin)
    if not len(frame):
        return row
    frame = frame.copy()
    present = [c for c in MONEY + ("Contribution margin",) if c in frame.columns]
    for column in present:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").fillna(0.0)
    labels = ("Customer", "SKU", "Revenue", "Contribution margin", "Contribution margin %")
    by_customer = frame.groupby(frame["Customer"].astype(str), sort=True)[present].sum().reset_index()
    for title, rows, with_sku in (("By customer", by_customer, False), ("By SKU and customer", frame, True)):
        row += 1
        write_text(ws, row, 0, title, styles("heading"))
        row += 1
        if len(rows) > layout.MAX_ROWS:
            row = write_left_out(
                pack,
                ws,
                row,
                len(rows),
                f"rows {title.lower()}",
                "revenue and contribution margin per SKU, customer and month are in Plan Data: "
                "sop reconcile ... --plan-data plan.csv (or .parquet) writes them whole.",
            )
            continue
        for col, label in enumerate(labels):
            write_header(pack, ws, row, col, label)
        ws.set_row(row, 32)
        row += 1
        for record in rows.to_dict("records"):
            write_text(ws, row, 0, str(record["Customer"]), styles("bold", "cell"))
            write_value(ws, row, 1, record.get("SKU") if with_sku else None, styles("cell"), text=True)
            write_value(ws, row, 2, record["Revenue"], styles("money", "cell"))
            write_value(ws, row, 3, record["Contribution margin"], styles("money", "cell"))
            revenue, margin = float(record["Revenue"]), float(record["Contribution margin"])
            # Contribution margin % = Contribution margin ÷ Revenue (0 without revenue).
            ws.write_formula(
                row,
                4,
                f"=IF({cell(row, 2)}=0,0,{cell(row, 3)}/{cell(row, 2)})",
                styles("percent", "cell"),
                margin / revenue if revenue else 0.0,
            )
            row += 1
    return row


def _budget(pack: Pack, ws: Worksheet, row: int) -> int:
    """Plan against the annual operating plan by family, whole horizon; variance as a formula."""
    budget = pack.results.budget
    if not len(budget):
        return row
    styles = pack.styles
    frame = budget.copy()
    for column in ("Budget", "Plan"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").fillna(0.0)
    totals = frame.groupby(["Family", "Measure"], sort=True)[["Budget", "Plan"]].sum().reset_index()
    row += 1
    write_text(ws, row, 0, "Plan vs budget, whole horizon", styles("heading"))
    row += 1
    labels = ("Family", "Measure", "Budget", "Plan", "Variance", "Variance %")
    for col, label in enumerate(labels):
        write_header(pack, ws, row, col, label, definition=("Variance ÷ Budget." if label == "Variance %" else None))
    ws.set_row(row, 32)
    row += 1
    for record in totals.to_dict("records"):
        number = "money" if record["Measure"] == "Revenue" else "units"
        write_text(ws, row, 0, str(record["Family"]), styles("bold", "cell"))
        write_text(ws, row, 1, str(record["Measure"]), styles("cell"))
        write_value(ws, row, 2, record["Budget"], styles(number, "cell"))
        write_value(ws, row, 3, record["Plan"], styles(number, "cell"))
        variance = record["Plan"] - record["Budget"]
        colour = "red" if variance < 0 else None
        # Variance = Plan − Budget; Variance % = Variance ÷ Budget.
        ws.write_formula(row, 4, f"={cell(row, 3)}-{cell(row, 2)}", styles(number, "cell", colour), variance)
        ws.write_formula(
            row,
            5,
            f"=IF({cell(row, 2)}=0,0,{cell(row, 4)}/{cell(row, 2)})",
            styles("percent", "cell", colour),
            variance / record["Budget"] if record["Budget"] else 0.0,
        )
        row += 1
    return row
