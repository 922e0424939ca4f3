"""Consensus Plan: the Base plan by family and SKU, months across, with the arithmetic live.

Closing inventory, opening inventory, contribution margin, horizon totals and family totals are formulas, each
written with the value the plan computed, so Excel shows the plan's figures at once and a reader who changes a
number sees the balance move.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from . import layout
from .definitions import DEFINITIONS
from .layout import (
    Pack,
    comment,
    number_style,
    setup_page,
    write_formulas,
    write_header,
    write_left_out,
    write_nothing,
    write_numbers,
    write_title,
)
from .text import write_text

# The measures shown for each SKU, in order.
MEASURES = (
    "Demand",
    "Shipments",
    "Backlog",
    "Lost sales",
    "Production",
    "Subcontract",
    "Opening inventory",
    "Closing inventory",
    "Safety stock",
    "Days of supply",
    "Revenue",
    "Variable costs",
    "Contribution margin",
)
# Days of supply is a ratio: it does not add up over SKUs, so family rows leave it out.
FAMILY_MEASURES = tuple(m for m in MEASURES if m != "Days of supply")
# Stocks are not added over months: their horizon figure is the first (opening) or last (closing) month's.
STOCKS = {"Opening inventory": "first", "Closing inventory": "last", "Safety stock": None, "Days of supply": None}
COSTS = ("Material cost", "Other variable cost", "Overtime cost", "Subcontract cost", "Holding cost", "Backlog cost")

FIRST_MONTH_COL = 3


def _anchor(pack: Pack) -> dict[str, int]:
    """Record where the All families rows are, `pack.anchors["consensus"]` = {"rows": {measure: row}, "first_col",
    "last_col"} (the month columns), for the Executive Summary's charts; returns the rows."""
    header = layout.TITLE_ROWS
    rows = {m: header + 1 + i for i, m in enumerate(FAMILY_MEASURES)}
    pack.anchors["consensus"] = {
        "rows": rows,
        "first_col": FIRST_MONTH_COL,
        "last_col": FIRST_MONTH_COL + len(pack.months) - 1,
    }
    return rows


def _sku_figures(pack: Pack, plan: pd.DataFrame, margin: pd.DataFrame) -> tuple[list[str], dict[str, np.ndarray]]:
    """The plan's figures of every SKU: the SKUs in plan order, and measure → SKUs × months (NaN where none).

    Each frame's rows are placed in the SKUs × months grid once, and every measure fills its grid from there: a
    per-SKU filter of the plan costs ~10 ms a SKU (a minute at 5,000), a pivot per measure ~25 ms at 500 SKUs.
    """
    months = pd.DatetimeIndex(pack.months)
    skus = list(dict.fromkeys(plan["SKU"].astype(str)))

    def cells(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Where each row of a frame (one row per SKU and month) goes in SKUs × months, for the rows that do."""
        rows = pd.Index(skus).get_indexer(frame["SKU"].astype(str).to_numpy(dtype=object))
        cols = months.get_indexer(pd.to_datetime(frame["Month"]))
        kept = (rows >= 0) & (cols >= 0)
        return rows[kept], cols[kept], kept

    def wide(frame: pd.DataFrame, where: tuple, column: str | None, fill: bool) -> np.ndarray:
        """SKUs × months of one column (or of the sum of the present cost columns)."""
        if column is None:
            present = [c for c in COSTS if c in frame.columns]
            values = sum(
                (pd.to_numeric(frame[c], errors="coerce").fillna(0).to_numpy(dtype=float) for c in present),
                np.zeros(len(frame)),
            )
        else:
            values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        rows, cols, kept = where
        table = np.full((len(skus), len(months)), np.nan)
        table[rows, cols] = values[kept]
        return np.nan_to_num(table, nan=0.0) if fill else table

    in_plan, in_margin = cells(plan), cells(margin)
    by_measure = {}
    for measure in MEASURES:
        if measure == "Variable costs":
            by_measure[measure] = wide(margin, in_margin, None, True)
        elif measure in ("Revenue", "Contribution margin"):
            by_measure[measure] = wide(margin, in_margin, measure, True)
        else:
            by_measure[measure] = wide(plan, in_plan, measure, False)
    return skus, by_measure


def write(pack: Pack, ws: Worksheet) -> None:
    """Write the Consensus Plan sheet (Base scenario).

    Layout: a header row (Family, SKU, Measure, one column per month, Horizon); an "All families" block;
    then per family a block of family rows followed by its SKUs' rows, grouped one outline level down so the
    meeting can fold the plan to families. Records `pack.anchors["consensus"]` (`_anchor`), for the Executive
    Summary's charts.

    Every figure, family totals included, is worked out before the first row is written, so each formula is
    written with its value. When the SKU rows would pass `layout.MAX_ROWS`, the sheet keeps the family rows (as
    figures, there being no SKU rows to add up) and says in one line how many SKU rows it left out: Plan Data
    (`--plan-data`) has every SKU's figures.

    Args:
        pack: The pack.
        ws: The Consensus Plan worksheet.
    """
    plan = pack.base(pack.results.plan)
    margin = pack.base(pack.results.margin)
    if not len(plan):
        write_nothing(pack, ws, "Consensus Plan", "The plan has no SKUs.")
        return
    styles = pack.styles
    months = pack.months
    last_col = FIRST_MONTH_COL + len(months)  # the Horizon column
    letters = [xl_col_to_name(col) for col in range(last_col + 1)]

    skus, figures = _sku_figures(pack, plan, margin)
    families = list(dict.fromkeys(plan["Family"].astype(str)))
    family_of = dict(zip(plan["SKU"].astype(str), plan["Family"].astype(str)))
    skus_of: dict[str, list[int]] = {family: [] for family in families}
    for index, sku in enumerate(skus):
        skus_of[family_of[sku]].append(index)
    sku_rows = len(skus) * len(MEASURES)
    with_skus = sku_rows <= layout.MAX_ROWS
    # Family = the sum of its SKUs, month by month (the value cached with each family formula).
    totals = {
        family: {m: np.nan_to_num(figures[m][skus_of[family]]).sum(axis=0) for m in FAMILY_MEASURES}
        for family in families
    }

    header = write_title(
        pack, ws, "Consensus Plan", "Base scenario; families fold and unfold with the outline buttons on the left"
    )
    # Rows are laid out first, so the All families and family formulas can name rows written after them.
    all_rows = _anchor(pack)
    row = header + 1 + len(FAMILY_MEASURES) + 1
    left_out_row = None
    if not with_skus:
        left_out_row = row
        row += 2
    layout_rows = []
    for family in families:
        family_rows = {m: row + i for i, m in enumerate(FAMILY_MEASURES)}
        row += len(FAMILY_MEASURES)
        first_sku_row = row
        if with_skus:
            row += len(skus_of[family]) * len(MEASURES)
        layout_rows.append((family, family_rows, first_sku_row, row - 1))
        row += 1

    for col, label in enumerate(("Family", "SKU", "Measure")):
        write_header(pack, ws, header, col, label)
    for index, month in enumerate(months):
        ws.write_datetime(header, FIRST_MONTH_COL + index, month.to_pydatetime(), styles("header", "month"))
    write_header(
        pack,
        ws,
        header,
        last_col,
        "Horizon",
        definition="The whole horizon: the sum of the months for flows; the first month's opening "
        "and the last month's closing inventory for stocks.",
    )
    ws.set_row(header, 30)

    # All families = the sum of the family rows.
    for m, r in all_rows.items():
        write_text(ws, r, 0, "All families", styles("total"))
        ws.write_blank(r, 1, None, styles("total"))
        write_text(ws, r, 2, m, styles("total"))
        if m in DEFINITIONS:
            comment(ws, r, 2, f"{m}: {DEFINITIONS[m]}")
        number = styles(number_style(m), "total")
        for col in range(FIRST_MONTH_COL, last_col + 1):
            if col == last_col and STOCKS.get(m, "sum") is None:
                ws.write_blank(r, col, None, number)
                continue
            parts = "+".join(f"{letters[col]}{family_rows[m] + 1}" for _, family_rows, _, _ in layout_rows)
            if col < last_col:
                value = sum(totals[f][m][col - FIRST_MONTH_COL] for f in families)
            else:
                value = sum(_horizon(m, totals[f][m]) for f in families)
            ws.write_formula(r, col, f"={parts}", number, float(value))

    if left_out_row is not None:
        write_left_out(
            pack,
            ws,
            left_out_row,
            sku_rows,
            "SKU rows (one per SKU and measure)",
            "every SKU's figures are in Plan Data: sop reconcile ... --plan-data plan.csv (or "
            ".parquet) writes them whole.",
        )

    for family, family_rows, first_sku_row, last_sku_row in layout_rows:
        for m, r in family_rows.items():
            write_text(ws, r, 0, family, styles("family"))
            ws.write_blank(r, 1, None, styles("family"))
            write_text(ws, r, 2, m, styles("family"))
            number = styles(number_style(m), "family")
            values = totals[family][m]
            if not with_skus:
                write_numbers(ws, r, FIRST_MONTH_COL, values.tolist(), number)
                horizon = _horizon(m, values)
                write_numbers(ws, r, last_col, [horizon], number)
                continue
            # Family = the sum of its SKUs' rows of the same measure.
            names = f"$C${first_sku_row + 1}:$C${last_sku_row + 1}"
            for col in range(FIRST_MONTH_COL, last_col + 1):
                if col == last_col and STOCKS.get(m, "sum") is None:
                    ws.write_blank(r, col, None, number)
                    continue
                letter = letters[col]
                formula = f"=SUMIF({names},$C{r + 1},{letter}${first_sku_row + 1}:{letter}${last_sku_row + 1})"
                value = float(values[col - FIRST_MONTH_COL] if col < last_col else _horizon(m, values))
                ws.write_formula(r, col, formula, number, value)
        if with_skus:
            row = first_sku_row
            for index in skus_of[family]:
                _write_sku(pack, ws, family, skus[index], row, {m: figures[m][index] for m in MEASURES}, letters)
                row += len(MEASURES)

    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 14)
    ws.set_column(2, 2, 19)
    ws.set_column(FIRST_MONTH_COL, last_col - 1, 9.5)
    ws.set_column(last_col, last_col, 12)
    ws.freeze_panes(header + 1, FIRST_MONTH_COL)
    ws.outline_settings(True, False, True, False)
    setup_page(pack, ws, (header, header))


def _horizon(measure: str, values: np.ndarray) -> float:
    """The Horizon column's figure of a row: sum of months, or the first/last month for stocks."""
    rule = STOCKS.get(measure, "sum")
    if rule == "sum":
        return float(np.nansum(values))
    if rule == "first":
        return float(values[0])
    if rule == "last":
        return float(values[-1])
    return float("nan")


def _write_sku(
    pack: Pack, ws: Worksheet, family: str, sku: str, first_row: int, figures: dict[str, np.ndarray], letters: list[str]
) -> None:
    """Write one SKU's rows from `first_row`, one outline level below its family, in row order.

    Formulas are built from precomputed column letters: A1 references from `cell` cost more than the rest of
    the cell at 5,000 SKUs.
    """
    styles = pack.styles
    count = len(pack.months)
    last_col = FIRST_MONTH_COL + count
    rows = {m: first_row + i for i, m in enumerate(MEASURES)}
    # One-based row numbers of the measures a formula refers to.
    opening, production, subcontract, shipments, closing, revenue, costs = (
        rows[m] + 1
        for m in (
            "Opening inventory",
            "Production",
            "Subcontract",
            "Shipments",
            "Closing inventory",
            "Revenue",
            "Variable costs",
        )
    )
    month_letters = letters[FIRST_MONTH_COL:last_col]
    family_style, text = styles("muted"), styles("text")
    for m, r in rows.items():
        ws.set_row(r, None, None, {"level": 1})
        write_text(ws, r, 0, family, family_style)
        write_text(ws, r, 1, sku, text)
        write_text(ws, r, 2, m, text)
        number = styles(number_style(m))
        values = figures[m].tolist()
        if m == "Closing inventory":
            # Closing inventory = Opening inventory + Production + Subcontract − Shipments.
            write_formulas(
                ws,
                r,
                FIRST_MONTH_COL,
                [
                    f"={letter}{opening}+{letter}{production}+{letter}{subcontract}-{letter}{shipments}"
                    for letter in month_letters
                ],
                values,
                number,
            )
        elif m == "Opening inventory":
            write_numbers(ws, r, FIRST_MONTH_COL, values[:1], number)
            # This month opens with last month's closing inventory.
            write_formulas(
                ws, r, FIRST_MONTH_COL + 1, [f"={letter}{closing}" for letter in month_letters[:-1]], values[1:], number
            )
        elif m == "Contribution margin":
            # Contribution margin = Revenue − Variable costs.
            write_formulas(
                ws,
                r,
                FIRST_MONTH_COL,
                [f"={letter}{revenue}-{letter}{costs}" for letter in month_letters],
                values,
                number,
            )
        else:
            write_numbers(ws, r, FIRST_MONTH_COL, values, number)
        rule = STOCKS.get(m, "sum")
        first, last = f"{month_letters[0]}{r + 1}", f"{month_letters[-1]}{r + 1}"
        bold = styles(number_style(m), "bold")
        if rule == "sum":
            ws.write_formula(r, last_col, f"=SUM({first}:{last})", bold, float(np.nansum(figures[m])))
        elif rule == "first":
            ws.write_formula(r, last_col, f"={first}", bold, values[0])
        elif rule == "last":
            ws.write_formula(r, last_col, f"={last}", bold, values[-1])
        else:
            ws.write_blank(r, last_col, None, number)
