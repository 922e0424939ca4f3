"""Gaps: every unmet demand, ranked by revenue at risk, with the constraint that causes it."""

from __future__ import annotations

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from . import layout
from .layout import (
    Pack,
    setup_page,
    with_customer_master,
    write_left_out,
    write_list,
    write_nothing,
    write_title,
)

COLUMNS = (
    ("Rank", "count"),
    ("Gap id", "bold"),
    ("Scenario", "text"),
    ("Family", "text"),
    ("SKU", "text"),
    ("Customer", "text"),
    ("Channel", "text"),
    ("Region", "text"),
    ("Month", "month"),
    ("Unmet units", "units"),
    ("Revenue at risk", "money"),
    ("Binding constraint", "text"),
    ("Constraint", "text"),
    ("Explanation", "wrap"),
)
WIDTHS = (6, 8, 10, 14, 13, 20, 12, 10, 9, 10, 12, 12, 16, 70)


def ranked(gaps: pd.DataFrame, scenarios: list[str]) -> pd.DataFrame:
    """The gaps in scenario order, largest revenue at risk first, with a Rank within each scenario.

    Args:
        gaps: The Results gaps.
        scenarios: The scenarios, Base first.

    Returns:
        The gaps sorted, with a "Rank" column (1 = the largest revenue at risk of its scenario).
    """
    order = {name: index for index, name in enumerate(scenarios)}
    frame = gaps.assign(
        _order=gaps["Scenario"].map(order).fillna(len(order)),
        _risk=pd.to_numeric(gaps["Revenue at risk"], errors="coerce").fillna(0.0),
    )
    frame = frame.sort_values(["_order", "_risk", "Gap id"], ascending=[True, False, True], kind="stable")
    frame["Rank"] = frame.groupby("Scenario", sort=False).cumcount() + 1
    return frame.drop(columns=["_order", "_risk"]).reset_index(drop=True)


def write(pack: Pack, ws: Worksheet) -> None:
    """Write the Gaps sheet: one row per unmet demand, ranked by revenue at risk within each scenario.

    The unmet units are flagged red, with a comment giving the cause (binding constraint, shadow price,
    lever).

    Args:
        pack: The pack.
        ws: The Gaps worksheet.
    """
    gaps = pack.results.gaps
    if not len(gaps):
        write_nothing(pack, ws, "Gaps", "No gaps: the plan ships all demand in its month in every scenario.")
        return
    frame = with_customer_master(ranked(gaps, pack.results.scenarios), pack.results.inputs.customers)
    row = write_title(pack, ws, "Gaps", "unmet demand, largest revenue at risk first; Base scenario first")

    def flag(record, label):
        return "red" if label == "Unmet units" else None

    def note(record, label):
        if label == "Unmet units" and isinstance(record.get("Explanation"), str):
            return record["Explanation"]
        return None

    left_out = len(frame) - layout.MAX_ROWS
    if left_out > 0:
        # The top of the ranking stays; the rest is left out, and the line under the title says how much.
        frame = frame.iloc[: layout.MAX_ROWS]
        write_left_out(
            pack,
            ws,
            row - 1,
            left_out,
            "gaps at the end of the ranking",
            "the unmet demand of every SKU, customer and month (Backlog, Lost sales) is in Plan Data: "
            "sop reconcile ... --plan-data plan.csv (or .parquet) writes it whole.",
        )
    write_list(pack, ws, row, frame, COLUMNS, name="GapList", flag=flag, note=note, widths=WIDTHS)
    ws.freeze_panes(row + 1, 2)
    setup_page(pack, ws, (row, row))
