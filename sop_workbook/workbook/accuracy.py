"""Forecast Accuracy: MAPE and bias of past forecasts against Actuals, by family and SKU."""

from __future__ import annotations

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from .layout import Pack, setup_page, write_list, write_nothing, write_title

COLUMNS = (
    ("Level", "text"),
    ("Family", "text"),
    ("SKU", "bold"),
    ("Months", "count"),
    ("Forecast", "units"),
    ("Actual", "units"),
    ("MAPE", "percent"),
    ("Bias", "percent"),
)
WIDTHS = (10, 18, 14, 9, 12, 12, 10, 10)
# A forecast missing by more than this on average is flagged for the demand review.
MAPE_AMBER = 0.25
MAPE_RED = 0.5


def write(pack: Pack, ws: Worksheet) -> None:
    """Write the Forecast Accuracy sheet; MAPE flagged amber above 25 % and red above 50 %.

    Args:
        pack: The pack.
        ws: The Forecast Accuracy worksheet.
    """
    frame = pack.results.forecast_accuracy
    previous = getattr(pack.results, "previous_accuracy", None)
    note = "past forecasts against actual shipments"
    if not len(frame) and previous is not None and len(previous):
        # The inputs hold no forecast for past months; last month's pack does.
        frame = previous
        note = "last month's pack's demand against this cycle's actual shipments"
    if not len(frame):
        actuals = pack.results.inputs.actuals
        if len(actuals):
            months = pd.to_datetime(actuals["Month"]).dropna()
            line = (
                f"Actuals are given for {months.dt.to_period('M').nunique()} past months, but no forecast in "
                "these inputs covers them: run sop reconcile with --previous LAST.xlsx to measure last "
                "month's pack against them."
            )
        else:
            line = "No actuals given: fill in the Actuals sheet of the demand template to measure forecast accuracy."
        write_nothing(pack, ws, "Forecast Accuracy", line)
        return
    row = write_title(pack, ws, "Forecast Accuracy", note)

    def flag(record, label):
        family = "family" if record.get("Level") == "Family" else None
        if label != "MAPE":
            return family
        try:
            value = float(record.get("MAPE"))
        except (TypeError, ValueError):
            return family
        return "red" if value > MAPE_RED else "amber" if value > MAPE_AMBER else family

    present = [index for index, (label, _) in enumerate(COLUMNS) if label in frame.columns]
    write_list(
        pack,
        ws,
        row,
        frame,
        [COLUMNS[i] for i in present],
        name="ForecastAccuracy",
        flag=flag,
        widths=[WIDTHS[i] for i in present],
    )
    ws.freeze_panes(row + 1, 0)
    setup_page(pack, ws, (row, row))
