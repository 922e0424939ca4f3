"""Commitments: every customer order with the plan's check and the date it can be promised."""

from __future__ import annotations

from xlsxwriter.worksheet import Worksheet

from .layout import Pack, setup_page, with_customer_master, write_list, write_nothing, write_title

COLUMNS = (
    ("Order ref", "bold"),
    ("Customer", "text"),
    ("Channel", "text"),
    ("Region", "text"),
    ("SKU", "text"),
    ("Quantity", "units"),
    ("Requested date", "date"),
    ("Status", "text"),
    ("Planned on time", "units"),
    ("Check", "center"),
    ("Promise date", "date"),
    ("Days late", "units"),
    ("Note", "wrap"),
)
WIDTHS = (12, 20, 12, 10, 13, 10, 12, 11, 10, 10, 12, 8, 60)
CHECK_COLOURS = {"On time": "green", "Late": "amber", "At risk": "red"}


def write(pack: Pack, ws: Worksheet) -> None:
    """Write the Commitments sheet: one row per order, the check coloured, late and at-risk orders explained.

    Args:
        pack: The pack.
        ws: The Commitments worksheet.
    """
    frame = pack.results.commitments
    if not len(frame):
        write_nothing(pack, ws, "Commitments", "No commitments: the demand template lists no customer orders.")
        return
    frame = with_customer_master(frame, pack.results.inputs.customers)
    row = write_title(pack, ws, "Commitments", "Base scenario; confirmed orders are honoured first")
    columns = tuple((label, style) for label, style in COLUMNS if label in frame.columns)

    def flag(record, label):
        return CHECK_COLOURS.get(str(record.get("Check"))) if label == "Check" else None

    def note(record, label):
        if (
            label == "Check"
            and record.get("Check") != "On time"
            and isinstance(record.get("Note"), str)
            and record.get("Note")
        ):
            return str(record["Note"])
        return None

    widths = [WIDTHS[[c for c, _ in COLUMNS].index(label)] for label, _ in columns]
    write_list(pack, ws, row, frame, columns, name="CommitmentList", flag=flag, note=note, widths=widths)
    ws.freeze_panes(row + 1, 1)
    setup_page(pack, ws, (row, row))
