"""Launches: readiness of each new product, red / amber / green with the reason."""

from __future__ import annotations

from xlsxwriter.worksheet import Worksheet

from .layout import Pack, setup_page, write_list, write_nothing, write_title

COLUMNS = (
    ("SKU", "bold"),
    ("Launch month", "month"),
    ("Ready from month", "month"),
    ("Supplier qualified", "text"),
    ("Process validated", "text"),
    ("RAG", "center"),
    ("Reason", "wrap"),
)
WIDTHS = (14, 11, 11, 11, 11, 9, 70)
RAG_COLOURS = {"Green": "green", "Amber": "amber", "Red": "red"}


def write(pack: Pack, ws: Worksheet) -> None:
    """Write the Launches sheet: one row per launch with its RAG and the reason.

    Args:
        pack: The pack.
        ws: The Launches worksheet.
    """
    frame = pack.results.launches
    if not len(frame):
        write_nothing(pack, ws, "Launches", "No launches: the demand template lists no new products this cycle.")
        return
    row = write_title(pack, ws, "Launches", "Operations' readiness against Sales' launch month")

    def flag(record, label):
        if label in ("RAG", "Supplier qualified", "Process validated"):
            value = str(record.get(label))
            return RAG_COLOURS.get(value) or ("red" if value == "No" else None)
        return None

    def note(record, label):
        if label == "RAG" and record.get("RAG") != "Green" and isinstance(record.get("Reason"), str):
            return f"{record['SKU']} is {record['RAG']}: {record['Reason']}"
        return None

    write_list(pack, ws, row, frame, COLUMNS, name="LaunchList", flag=flag, note=note, widths=WIDTHS)
    ws.freeze_panes(row + 1, 1)
    setup_page(pack, ws, (row, row))
