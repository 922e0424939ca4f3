"""Inventory: the projected closing inventory of each SKU against its safety stock and storage limit."""

from __future__ import annotations

import numpy as np
import pandas as pd
from xlsxwriter.worksheet import Worksheet

from . import layout
from .layout import (
    Pack,
    comment,
    is_blank,
    month_label,
    number_style,
    setup_page,
    write_header,
    write_left_out,
    write_nothing,
    write_title,
    write_value,
)
from .text import write_text

MEASURES = ("Closing inventory", "Safety stock", "Max stock", "Days of supply")
FIRST_MONTH_COL = 3


def write(pack: Pack, ws: Worksheet) -> None:
    """Write the Inventory sheet (Base): per SKU, closing inventory, safety stock, max stock, days of supply.

    Closing inventory below safety stock is red, above the storage limit amber; each with a comment.

    Args:
        pack: The pack.
        ws: The Inventory worksheet.
    """
    inventory = pack.base(pack.results.inventory)
    if not len(inventory):
        write_nothing(pack, ws, "Inventory", "The plan holds no inventory.")
        return
    styles = pack.styles
    months = pack.months
    inventory = inventory.assign(Month=pd.to_datetime(inventory["Month"]))
    row = write_title(pack, ws, "Inventory", "Base scenario; red: below safety stock, amber: above the storage limit")
    header = row
    for col, label in enumerate(("Family", "SKU", "Measure")):
        write_header(pack, ws, header, col, label)
    for index, month in enumerate(months):
        ws.write_datetime(header, FIRST_MONTH_COL + index, month.to_pydatetime(), styles("header", "month"))
    ws.set_row(header, 30)
    row += 1
    # Every SKU's months as one SKUs × months array per column, from one pivot: a DataFrame lookup per SKU or
    # per cell costs seconds over a large pack.
    keys = inventory[["Family", "SKU"]].drop_duplicates()
    skus = list(zip(keys["Family"], keys["SKU"]))
    present = [c for c in (*MEASURES, "Below safety stock") if c in inventory.columns]
    position = pd.MultiIndex.from_frame(keys).get_indexer(pd.MultiIndex.from_frame(inventory[["Family", "SKU"]]))
    month_of = pd.DatetimeIndex(months).get_indexer(inventory["Month"])
    known = month_of >= 0
    arrays = {}
    for column in present:
        table = np.full((len(skus), len(months)), np.nan, dtype=object)
        table[position[known], month_of[known]] = inventory[column].to_numpy(dtype=object)[known]
        arrays[column] = table
    measures = [m for m in MEASURES if m in arrays]
    if len(skus) * len(measures) > layout.MAX_ROWS:
        write_left_out(
            pack,
            ws,
            row,
            len(skus) * len(measures),
            "SKU rows (one per SKU and measure)",
            "closing inventory per SKU and month is in Plan Data: sop reconcile ... --plan-data "
            "plan.csv (or .parquet) writes it whole; safety stock and storage limits are in the "
            "capacity template.",
        )
        skus = []
    for index, (family, sku) in enumerate(skus):
        rows = {column: arrays[column][index] for column in arrays}
        for measure in measures:
            emphasis = "bold" if measure == "Closing inventory" else None
            # A line over each SKU's first row keeps the blocks apart on a projector.
            top = "block_top" if measure == MEASURES[0] else None
            write_text(ws, row, 0, str(family), styles("muted", "cell", top))
            write_text(ws, row, 1, str(sku), styles("cell", emphasis, top))
            write_text(ws, row, 2, measure, styles("cell", emphasis, top))
            plain = styles(number_style(measure), "cell", emphasis, None, top)
            for index_month, month in enumerate(months):
                value = rows[measure][index_month]
                colour = None
                text = None
                if measure == "Closing inventory" and not is_blank(value):
                    safety = rows["Safety stock"][index_month] if "Safety stock" in rows else None
                    limit = rows["Max stock"][index_month] if "Max stock" in rows else None
                    below = rows["Below safety stock"][index_month] if "Below safety stock" in rows else None
                    if bool(below) and not is_blank(below):
                        colour = "red"
                        text = (
                            f"{sku}, {month_label(month)}: closing inventory {value:,.0f} is below the safety "
                            f"stock of {float(safety):,.0f} units."
                        )
                    elif not is_blank(limit) and float(value) > float(limit) + 1e-6:
                        colour = "amber"
                        text = (
                            f"{sku}, {month_label(month)}: closing inventory {value:,.0f} is above the "
                            f"storage limit of {float(limit):,.0f} units."
                        )
                write_value(
                    ws,
                    row,
                    FIRST_MONTH_COL + index_month,
                    value,
                    styles(number_style(measure), "cell", emphasis, colour, top) if colour else plain,
                )
                if text:
                    comment(ws, row, FIRST_MONTH_COL + index_month, text)
            row += 1
    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 14)
    ws.set_column(2, 2, 17)
    ws.set_column(FIRST_MONTH_COL, FIRST_MONTH_COL + len(months) - 1, 9)
    ws.freeze_panes(header + 1, FIRST_MONTH_COL)
    setup_page(pack, ws, (header, header))
