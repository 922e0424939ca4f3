"""Changes: what changed since the previous meeting pack, and the bridge that says why."""

from __future__ import annotations

from xlsxwriter.worksheet import Worksheet

from ..changes import BRIDGE_CAUSES
from .layout import Pack, cell, comment, setup_page, write_header, write_list, write_nothing, write_title
from .text import write_text

BRIDGE_NOTES = {
    "Demand": "Change in demand × last month's price (revenue) or unit margin (margin).",
    "Capacity": "Change in unmet demand, with the opposite sign, × last month's price or unit margin: "
    "what more or less supply did.",
    "Price": "This month's shipments × the change in the average price realised.",
    "Cost": "This month's shipments × the change in the cost per unit shipped, with the opposite sign "
    "(including stock built in other months).",
}
COMPARISON_COLUMNS = (
    ("Family", "text"),
    ("Measure", "text"),
    ("Month", "month"),
    ("Previous", "money"),
    ("Current", "money"),
    ("Change", "money"),
)


def write(pack: Pack, ws: Worksheet) -> None:
    """Write the Changes sheet: the bridge by family, then demand, shipments, revenue and margin by month.

    Each bridge row reads left to right: last month's figure, one column per cause, and this month's figure as a
    live formula (last month + the causes), so a reader can check that the parts add up.

    Args:
        pack: The pack.
        ws: The Changes worksheet.
    """
    changes = pack.results.changes
    if changes is None:
        write_nothing(
            pack,
            ws,
            "Changes",
            "No previous pack given: run sop reconcile with --previous LAST.xlsx to see what changed "
            "since last month's pack.",
        )
        return
    if not changes.months:
        write_nothing(pack, ws, "Changes", " ".join(changes.notes) or "The packs share no month.")
        return
    styles = pack.styles
    span = f"{changes.months[0]:%b-%y} to {changes.months[-1]:%b-%y}"
    row = write_title(pack, ws, "Changes", f"since last month's pack, Base scenario, {span}")
    for note in changes.notes:
        write_text(ws, row, 0, note, styles("italic"))
        row += 1
    if changes.notes:
        row += 1

    write_text(ws, row, 0, "Bridge: why revenue and contribution margin changed", styles("heading"))
    row += 1
    header = ["Family", "Measure", "Last month", *BRIDGE_CAUSES, "This month"]
    for col, label in enumerate(header):
        write_header(pack, ws, row, col, label)
        if label in BRIDGE_NOTES:
            comment(ws, row, col, f"{label}: {BRIDGE_NOTES[label]}")
    header_row = row
    totals = changes.comparison.groupby(["Family", "Measure"])[["Previous", "Current"]].sum()
    bridge = changes.bridge.pivot_table(
        index=["Measure", "Family"], columns="Cause", values="Value", aggfunc="sum", sort=False
    )
    for measure in ("Revenue", "Contribution margin"):
        for family in sorted(changes.bridge["Family"].unique()):
            row += 1
            previous, current = totals.loc[(family, measure)] if (family, measure) in totals.index else (0.0, 0.0)
            write_text(ws, row, 0, str(family), styles("text", "cell"))
            write_text(ws, row, 1, measure, styles("text", "cell"))
            ws.write_number(row, 2, float(previous), styles("money", "cell"))
            for offset, cause in enumerate(BRIDGE_CAUSES):
                ws.write_number(row, 3 + offset, float(bridge.loc[(measure, family), cause]), styles("money", "cell"))
            # This month = last month + every cause: the identity the bridge stands on, live in the sheet.
            formula = f"={cell(row, 2)}+SUM({cell(row, 3)}:{cell(row, 2 + len(BRIDGE_CAUSES))})"
            ws.write_formula(row, 3 + len(BRIDGE_CAUSES), formula, styles("money", "cell", "bold"), float(current))
    ws.set_column(0, 0, 18)
    ws.set_column(1, 1, 20)
    ws.set_column(2, 3 + len(BRIDGE_CAUSES), 14)
    row += 2

    write_text(ws, row, 0, "Then and now, by family and month", styles("heading"))
    row += 1
    comparison = changes.comparison.copy()
    order = {name: i for i, name in enumerate(["Demand", "Shipments", "Revenue", "Contribution margin"])}
    comparison = comparison.sort_values(
        ["Family", "Measure", "Month"], key=lambda s: s.map(order) if s.name == "Measure" else s
    )
    write_list(
        pack, ws, row, comparison, COMPARISON_COLUMNS, name="ChangeList", widths=(18, 20, 14, 14, 14, 14, 14, 14)
    )
    ws.freeze_panes(header_row + 1, 2)
    setup_page(pack, ws, (header_row, header_row))
