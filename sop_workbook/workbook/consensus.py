"""Consensus Plan: the Base plan by family and SKU, months across, with the arithmetic live.

Closing inventory, opening inventory, contribution margin, horizon totals and family totals are formulas, each
written with the value the plan computed, so Excel shows the plan's figures at once and a reader who changes a
number sees the balance move.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from xlsxwriter.worksheet import Worksheet

from .definitions import DEFINITIONS
from .layout import (
    Pack, cell, comment, number_style, setup_page, write_header, write_nothing, write_title, write_value,
)

# The measures shown for each SKU, in order.
MEASURES = (
    "Demand", "Shipments", "Backlog", "Lost sales", "Production", "Subcontract", "Opening inventory",
    "Closing inventory", "Safety stock", "Days of supply", "Revenue", "Variable costs", "Contribution margin",
)
# Days of supply is a ratio: it does not add up over SKUs, so family rows leave it out.
FAMILY_MEASURES = tuple(m for m in MEASURES if m != "Days of supply")
# Stocks are not added over months: their horizon figure is the first (opening) or last (closing) month's.
STOCKS = {"Opening inventory": "first", "Closing inventory": "last", "Safety stock": None, "Days of supply": None}
COSTS = ("Material cost", "Other variable cost", "Overtime cost", "Subcontract cost", "Holding cost",
         "Backlog cost")

FIRST_MONTH_COL = 3


def _sku_figures(pack: Pack, plan: pd.DataFrame, margin: pd.DataFrame) -> dict[str, dict[str, np.ndarray]]:
    """The plan's figures of every SKU, SKU → measure → one value per month (NaN where the plan has none).

    One pivot per measure over all SKUs: a per-SKU filter of the plan costs ~10 ms a SKU, a minute at 5,000.
    """
    months = pd.DatetimeIndex(pack.months)
    skus = list(dict.fromkeys(plan["SKU"].astype(str)))

    def wide(frame: pd.DataFrame, column: str | None, fill: bool) -> np.ndarray:
        """SKUs × months of one column (or of the sum of the present cost columns)."""
        keys = pd.DataFrame({"SKU": frame["SKU"].astype(str).to_numpy(dtype=object),
                             "Month": pd.to_datetime(frame["Month"]).to_numpy()})
        if column is None:
            present = [c for c in COSTS if c in frame.columns]
            values = sum((pd.to_numeric(frame[c], errors="coerce").fillna(0).to_numpy(dtype=float)
                          for c in present), np.zeros(len(frame)))
        else:
            values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        table = keys.assign(value=values).pivot(index="SKU", columns="Month", values="value")
        table = table.reindex(index=skus, columns=months).to_numpy(dtype=float)
        return np.nan_to_num(table, nan=0.0) if fill else table

    by_measure = {}
    for measure in MEASURES:
        if measure == "Variable costs":
            by_measure[measure] = wide(margin, None, True)
        elif measure in ("Revenue", "Contribution margin"):
            by_measure[measure] = wide(margin, measure, True)
        else:
            by_measure[measure] = wide(plan, measure, False)
    return {sku: {m: by_measure[m][i] for m in MEASURES} for i, sku in enumerate(skus)}


def write(pack: Pack, ws: Worksheet) -> None:
    """Write the Consensus Plan sheet (Base scenario).

    Layout: a header row (Family, SKU, Measure, one column per month, Horizon); an "All families" block;
    then per family a block of family rows followed by its SKUs' rows, grouped one outline level down so the
    meeting can fold the plan to families. Records `pack.anchors["consensus"]` = {measure: row of the All
    families block} and the month columns, for the Executive Summary's charts.

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
    top = write_title(pack, ws, "Consensus Plan",
                      "Base scenario; families fold and unfold with the outline buttons on the left")
    header = top
    for col, label in enumerate(("Family", "SKU", "Measure")):
        write_header(pack, ws, header, col, label)
    for index, month in enumerate(months):
        ws.write_datetime(header, FIRST_MONTH_COL + index, month.to_pydatetime(), styles("header", "month"))
    write_header(pack, ws, header, last_col, "Horizon",
                 definition="The whole horizon: the sum of the months for flows; the first month's opening "
                            "and the last month's closing inventory for stocks.")
    ws.set_row(header, 30)

    families = list(dict.fromkeys(plan["Family"].astype(str)))
    skus_of = {family: list(dict.fromkeys(rows.astype(str)))
               for family, rows in plan["SKU"].groupby(plan["Family"].astype(str), sort=False)}
    # Rows are laid out first, so the All families and family formulas can name rows written after them.
    row = header + 1
    all_rows = {m: row + i for i, m in enumerate(FAMILY_MEASURES)}
    row += len(FAMILY_MEASURES) + 1
    layout = []
    for family in families:
        family_rows = {m: row + i for i, m in enumerate(FAMILY_MEASURES)}
        row += len(FAMILY_MEASURES)
        sku_blocks = []
        for sku in skus_of[family]:
            sku_blocks.append((sku, {m: row + i for i, m in enumerate(MEASURES)}))
            row += len(MEASURES)
        layout.append((family, family_rows, sku_blocks))
        row += 1

    figures_of = _sku_figures(pack, plan, margin)
    family_values: dict[str, dict[str, np.ndarray]] = {}
    for family, family_rows, sku_blocks in layout:
        totals = {m: np.zeros(len(months)) for m in FAMILY_MEASURES}
        first_sku_row = sku_blocks[0][1][MEASURES[0]]
        last_sku_row = sku_blocks[-1][1][MEASURES[-1]]
        for sku, rows in sku_blocks:
            figures = figures_of[sku]
            _write_sku(pack, ws, family, sku, rows, figures)
            for m in FAMILY_MEASURES:
                totals[m] += np.nan_to_num(figures[m])
        family_values[family] = totals
        for m, r in family_rows.items():
            ws.write_string(r, 0, family, styles("family"))
            ws.write_blank(r, 1, None, styles("family"))
            ws.write_string(r, 2, m, styles("family"))
            for col in range(FIRST_MONTH_COL, last_col + 1):
                if col == last_col and STOCKS.get(m, "sum") is None:
                    ws.write_blank(r, col, None, styles(number_style(m), "family"))
                    continue
                # Family = the sum of its SKUs' rows of the same measure.
                formula = (f"=SUMIF({cell(first_sku_row, 2, True, True)}:{cell(last_sku_row, 2, True, True)},"
                           f"{cell(r, 2, False, True)},"
                           f"{cell(first_sku_row, col, True)}:{cell(last_sku_row, col, True)})")
                value = (totals[m][col - FIRST_MONTH_COL] if col < last_col
                         else _horizon(m, totals[m]))
                ws.write_formula(r, col, formula, styles(number_style(m), "family"), value)

    # All families = the sum of the family rows.
    for m, r in all_rows.items():
        ws.write_string(r, 0, "All families", styles("total"))
        ws.write_blank(r, 1, None, styles("total"))
        ws.write_string(r, 2, m, styles("total"))
        if m in DEFINITIONS:
            comment(ws, r, 2, f"{m}: {DEFINITIONS[m]}")
        for col in range(FIRST_MONTH_COL, last_col + 1):
            if col == last_col and STOCKS.get(m, "sum") is None:
                ws.write_blank(r, col, None, styles(number_style(m), "total"))
                continue
            parts = "+".join(cell(family_rows[m], col) for _, family_rows, _ in layout)
            if col < last_col:
                value = sum(family_values[f][m][col - FIRST_MONTH_COL] for f in families)
            else:
                value = sum(_horizon(m, family_values[f][m]) for f in families)
            ws.write_formula(r, col, f"={parts}", styles(number_style(m), "total"), value)

    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 14)
    ws.set_column(2, 2, 19)
    ws.set_column(FIRST_MONTH_COL, last_col - 1, 9.5)
    ws.set_column(last_col, last_col, 12)
    ws.freeze_panes(header + 1, FIRST_MONTH_COL)
    ws.outline_settings(True, False, True, False)
    setup_page(pack, ws, (header, header))
    pack.anchors["consensus"] = {"rows": all_rows, "first_col": FIRST_MONTH_COL, "last_col": last_col - 1}


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


def _write_sku(pack: Pack, ws: Worksheet, family: str, sku: str, rows: dict[str, int],
               figures: dict[str, np.ndarray]) -> None:
    """Write one SKU's rows, one outline level below its family."""
    styles = pack.styles
    months = pack.months
    last_col = FIRST_MONTH_COL + len(months)
    for m, r in rows.items():
        ws.set_row(r, None, None, {"level": 1})
        ws.write_string(r, 0, family, styles("muted"))
        ws.write_string(r, 1, sku, styles("text"))
        ws.write_string(r, 2, m, styles("text"))
        number = styles(number_style(m))
        for index in range(len(months)):
            col = FIRST_MONTH_COL + index
            value = figures[m][index]
            c = lambda measure: cell(rows[measure], col)  # noqa: E731
            if m == "Closing inventory":
                # Closing inventory = Opening inventory + Production + Subcontract − Shipments.
                formula = f"={c('Opening inventory')}+{c('Production')}+{c('Subcontract')}-{c('Shipments')}"
                ws.write_formula(r, col, formula, number, value)
            elif m == "Opening inventory" and index > 0:
                # This month opens with last month's closing inventory.
                ws.write_formula(r, col, f"={cell(rows['Closing inventory'], col - 1)}", number, value)
            elif m == "Contribution margin":
                # Contribution margin = Revenue − Variable costs.
                ws.write_formula(r, col, f"={c('Revenue')}-{c('Variable costs')}", number, value)
            else:
                write_value(ws, r, col, value, number)
        rule = STOCKS.get(m, "sum")
        first, last = cell(r, FIRST_MONTH_COL), cell(r, last_col - 1)
        if rule == "sum":
            ws.write_formula(r, last_col, f"=SUM({first}:{last})", styles(number_style(m), "bold"),
                             float(np.nansum(figures[m])))
        elif rule == "first":
            ws.write_formula(r, last_col, f"={first}", styles(number_style(m), "bold"), float(figures[m][0]))
        elif rule == "last":
            ws.write_formula(r, last_col, f"={last}", styles(number_style(m), "bold"), float(figures[m][-1]))
        else:
            ws.write_blank(r, last_col, None, styles(number_style(m)))
