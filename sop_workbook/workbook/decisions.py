"""Decisions: every gap or risk the meeting must decide on, with the priced menu of levers that would close it."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from .gaps import ranked
from .layout import (
    BASE,
    Pack,
    comment,
    is_blank,
    month_label,
    row_height,
    setup_page,
    write_header,
    write_nothing,
    write_title,
    write_value,
)
from .text import write_text

COLUMNS = (
    ("Ref", 12),
    ("Gap or risk", 38),
    ("Revenue at risk", 12),
    ("Cause", 42),
    ("Lever", 12),
    ("What the lever does", 38),
    ("Units closed", 9),
    ("Cost", 12),
    ("Margin effect", 13),
    ("Owner", 12),
    ("Due", 10),
    ("Decision", 22),
)
COL = {label: index for index, (label, _) in enumerate(COLUMNS)}
# Who brings each kind of gap to the meeting.
OWNERS = {
    "Resource": "Operations",
    "Material": "Procurement",
    "Subcontract": "Operations",
    "Readiness": "Operations",
    "Launch": "Sales",
    "Margin": "Sales",
}
# The Decision dropdown: the levers of this plan's menu, and the two answers that pull no lever.
CHOICES = ("Accept the gap", "Defer")
LEVERS = ("Overtime", "Subcontract", "Build ahead", "Reallocate", "Price/demand")


@dataclass
class Item:
    """One thing the meeting decides on.

    Attributes:
        ref: Its reference (gap id, order ref, SKU or risk number).
        what: What needs deciding, in a sentence.
        impact: Revenue at risk, when known.
        cause: Why, in plain words.
        owner: Who brings it.
        due: Decide by this date.
        levers: The priced levers (Lever, Description, Units closed, Cost, Margin effect records).
        explanation: A longer comment for the reference cell.
    """

    ref: str
    what: str
    impact: float | None
    cause: str
    owner: str
    due: pd.Timestamp
    levers: list[dict] = field(default_factory=list)
    explanation: str = ""


def decide_by(pack: Pack, month) -> pd.Timestamp:
    """The first day of the month before `month`, but not before the cycle month."""
    cycle = pd.Timestamp(pack.cycle.cycle_month)
    if is_blank(month):
        return cycle
    before = pd.Timestamp(month).to_period("M").to_timestamp() - pd.DateOffset(months=1)
    return max(cycle, before)


def items(pack: Pack) -> list[Item]:
    """Everything needing a decision, Base scenario: gaps (largest first), late or at-risk orders, launches
    not green, high-impact risks.

    Args:
        pack: The pack.

    Returns:
        The items in that order.
    """
    results = pack.results
    found: list[Item] = []
    gaps = results.gaps
    if len(gaps):
        levers = results.levers
        if len(levers) and "Scenario" in levers.columns:
            levers = levers[levers["Scenario"] == BASE]
        # Grouped once: filtering the levers for each gap is quadratic (minutes for 10,000 gaps). The records are
        # made in one call, not one per gap (a millisecond each).
        menus: dict[str, list[dict]] = {}
        for lever in levers.to_dict("records") if len(levers) else []:
            menus.setdefault(lever["Gap id"], []).append(lever)
        for gap in ranked(gaps[gaps["Scenario"] == BASE], [BASE]).to_dict("records"):
            menu = menus.get(gap["Gap id"], [])
            found.append(
                Item(
                    ref=str(gap["Gap id"]),
                    what=(
                        f"{gap['SKU']} for {gap['Customer']}: {float(gap['Unmet units']):,.0f} units short in "
                        f"{month_label(gap['Month'])}"
                    ),
                    impact=gap["Revenue at risk"],
                    cause=str(gap.get("Explanation") or gap.get("Binding constraint") or ""),
                    owner=OWNERS.get(str(gap.get("Binding constraint")), "S&OP coordinator"),
                    due=decide_by(pack, gap["Month"]),
                    levers=menu,
                    explanation=str(gap.get("Explanation") or ""),
                )
            )
    for order in results.commitments.to_dict("records") if len(results.commitments) else []:
        if order.get("Check") in (None, "On time"):
            continue
        found.append(
            Item(
                ref=str(order["Order ref"]),
                what=(
                    f"Order {order['Order ref']} ({order.get('Status', '')}) of {order['Customer']}: "
                    f"{float(order['Quantity']):,.0f} {order['SKU']} requested "
                    f"{pd.Timestamp(order['Requested date']):%d-%b-%y} is {str(order['Check']).lower()}"
                ),
                impact=None,
                cause=str(order.get("Note") or ""),
                owner="Sales",
                due=decide_by(pack, order.get("Requested date")),
            )
        )
    for launch in results.launches.to_dict("records") if len(results.launches) else []:
        if launch.get("RAG") not in ("Red", "Amber"):
            continue
        found.append(
            Item(
                ref=str(launch["SKU"]),
                what=f"Launch of {launch['SKU']} in {month_label(launch['Launch month'])} is {launch['RAG']}",
                impact=None,
                cause=str(launch.get("Reason") or ""),
                owner="Operations",
                due=decide_by(pack, launch.get("Launch month")),
            )
        )
    risks = results.inputs.risks
    for index, risk in enumerate(risks.to_dict("records") if len(risks) else [], start=1):
        if str(risk.get("Impact")) != "High":
            continue
        found.append(
            Item(
                ref=f"R{index:02d}",
                what=str(risk.get("Risk") or ""),
                impact=None,
                cause=f"Mitigation: {risk['Mitigation']}" if not is_blank(risk.get("Mitigation")) else "",
                owner=str(risk.get("Owner") or "Operations"),
                due=pd.Timestamp(pack.cycle.cycle_month),
            )
        )
    return found


def write(pack: Pack, ws: Worksheet) -> None:
    """Write the Decisions sheet: one row per item, its levers below it (outline level 1), a Decision column.

    Args:
        pack: The pack.
        ws: The Decisions worksheet.
    """
    found = items(pack)
    previous = _carried_forward(pack, found)
    if not found and not len(previous):
        write_nothing(
            pack,
            ws,
            "Decisions",
            "Nothing needs a decision: no gaps, no orders at risk, every launch ready and no high-impact risk.",
        )
        return
    styles = pack.styles
    levers = pack.results.levers
    offered = list(dict.fromkeys(levers["Lever"].astype(str))) if len(levers) else []
    # A comma would split an entry of the dropdown's list in two.
    choices = list(dict.fromkeys([*CHOICES, *LEVERS, *(lever.replace(",", " ") for lever in offered)]))
    # Excel limits a typed-in dropdown list to 255 characters.
    while len(",".join(choices)) > 255:
        choices.pop()
    row = write_title(
        pack, ws, "Decisions", "one row per gap or risk, its levers below it; the meeting fills in the Decision column"
    )
    header = row
    for col, (label, width) in enumerate(COLUMNS):
        write_header(pack, ws, header, col, label)
        ws.set_column(col, col, width)
    ws.set_row(header, 32)
    row += 1
    for item in found:
        item_style = ("bold", "cell", "family")
        widths = dict(COLUMNS)
        height = row_height([(item.what, widths["Gap or risk"]), (item.cause, widths["Cause"])])
        if height:
            ws.set_row(row, height)
        write_text(ws, row, COL["Ref"], item.ref, styles(*item_style))
        if item.explanation:
            comment(ws, row, COL["Ref"], item.explanation)
        write_text(ws, row, COL["Gap or risk"], item.what, styles("wrap", "cell", "family"))
        write_value(ws, row, COL["Revenue at risk"], item.impact, styles("money", "cell", "family"))
        write_text(ws, row, COL["Cause"], item.cause, styles("wrap", "cell", "family"))
        for label in ("Lever", "What the lever does", "Units closed", "Cost", "Margin effect"):
            ws.write_blank(row, COL[label], None, styles("cell", "family"))
        write_text(ws, row, COL["Owner"], item.owner, styles("cell", "family"))
        write_value(ws, row, COL["Due"], item.due, styles("date", "cell", "family"))
        ws.write_blank(row, COL["Decision"], None, styles("input"))
        ws.data_validation(
            row,
            COL["Decision"],
            row,
            COL["Decision"],
            {
                "validate": "list",
                "source": choices,
                "show_error": False,
                "input_title": "Decision",
                "input_message": "Pick a lever, or type the decision taken.",
            },
        )
        row += 1
        for lever in item.levers:
            height = row_height([(lever.get("Description"), widths["What the lever does"])])
            ws.set_row(row, height, None, {"level": 1})
            ws.write_blank(row, COL["Ref"], None, styles("cell"))
            ws.write_blank(row, COL["Gap or risk"], None, styles("cell"))
            ws.write_blank(row, COL["Revenue at risk"], None, styles("cell"))
            ws.write_blank(row, COL["Cause"], None, styles("cell"))
            write_value(ws, row, COL["Lever"], lever.get("Lever"), styles("bold", "cell"), text=True)
            write_value(
                ws, row, COL["What the lever does"], lever.get("Description"), styles("wrap", "cell"), text=True
            )
            write_value(ws, row, COL["Units closed"], lever.get("Units closed"), styles("units", "cell"))
            write_value(ws, row, COL["Cost"], lever.get("Cost"), styles("money", "cell"))
            write_value(ws, row, COL["Margin effect"], lever.get("Margin effect"), styles("money", "cell"))
            for label in ("Owner", "Due", "Decision"):
                ws.write_blank(row, COL[label], None, styles("cell"))
            row += 1
    if len(previous):
        row = _write_carried_forward(pack, ws, row + 1, previous)
    ws.freeze_panes(header + 1, 2)
    ws.outline_settings(True, False, True, False)
    setup_page(pack, ws, (header, header))


CARRIED_HEADING = "Carried forward from the previous pack"
CARRIED = (
    ("Ref", "bold"),
    ("Gap or risk", "wrap"),
    ("Decision", "wrap"),
    ("Owner", "text"),
    ("Due", "date"),
    ("Status", "text"),
)


def _carried_forward(pack: Pack, found: list[Item]) -> pd.DataFrame:
    """The decisions taken in the previous pack (rows with a Decision), each with its status now.

    Still open: the same gap or risk, word for word, is on this month's list (overdue once its due date has
    passed). Otherwise it was closed or its figures changed, which the meeting confirms.
    """
    previous = getattr(pack.results, "previous_decisions", None)
    if previous is None or not len(previous) or not {"Gap or risk", "Decision"} <= set(previous.columns):
        return pd.DataFrame(columns=[label for label, _ in CARRIED])
    # Only last month's own items: its carried-forward section (from the month before) stays behind.
    refs = previous["Ref"].fillna("").astype(str) if "Ref" in previous.columns else pd.Series("", previous.index)
    ends = refs.index[refs == CARRIED_HEADING]
    if len(ends):
        previous = previous.loc[: ends[0]].iloc[:-1]
    text = previous["Gap or risk"].fillna("").astype(str).str.strip()
    decided = previous["Decision"].fillna("").astype(str).str.strip()
    rows = previous[(text != "") & (decided != "")].copy()
    for label, _ in CARRIED:
        if label not in rows.columns:
            rows[label] = None
    rows["Due"] = pd.to_datetime(rows["Due"], errors="coerce")
    current = {item.what for item in found}
    cycle = pd.Timestamp(pack.cycle.cycle_month)

    def status(record) -> str:
        if str(record.get("Gap or risk")).strip() not in current:
            return "Closed or changed: not on this month's list as it was"
        if not is_blank(record.get("Due")) and record["Due"] < cycle:
            return "Still open, overdue"
        return "Still open"

    rows["Status"] = [status(record) for record in rows.to_dict("records")]
    return rows[[label for label, _ in CARRIED]].reset_index(drop=True)


def _write_carried_forward(pack: Pack, ws: Worksheet, row: int, previous: pd.DataFrame) -> int:
    """The previous pack's decisions under this month's items, with their status."""
    styles = pack.styles
    write_text(ws, row, 0, CARRIED_HEADING, styles("heading"))
    row += 1
    # Each figure under the main header's column of the same meaning: the decision under Decision (the meeting
    # may update it), the status where this month's items give their cause.
    columns = {
        "Ref": COL["Ref"],
        "Gap or risk": COL["Gap or risk"],
        "Decision": COL["Decision"],
        "Owner": COL["Owner"],
        "Due": COL["Due"],
        "Status": COL["Cause"],
    }
    for label, col in columns.items():
        write_header(
            pack,
            ws,
            row,
            col,
            label if label != "Decision" else "Decision taken",
            definition="What the meeting decided last month." if label == "Decision" else None,
        )
    row += 1
    widths = dict(COLUMNS)
    for record in previous.to_dict("records"):
        height = row_height(
            [(record.get("Gap or risk"), widths["Gap or risk"]), (record.get("Decision"), widths["Decision"])]
        )
        if height:
            ws.set_row(row, height)
        for label, style in CARRIED:
            colour = None
            if label == "Status":
                colour = (
                    "green"
                    if str(record[label]).startswith("Closed")
                    else ("red" if "overdue" in str(record[label]) else "amber")
                )
                style = "wrap"
            base = "input" if label == "Decision" else "cell"
            write_value(
                ws,
                row,
                columns[label],
                record.get(label),
                styles(style, base, colour),
                text=style in ("text", "wrap", "bold"),
            )
        row += 1
    return row
