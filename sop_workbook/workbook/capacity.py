"""Capacity: resource × month utilisation as a heat map, with overtime, shadow prices and materials."""

from __future__ import annotations

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from .definitions import DEFINITIONS
from .layout import (
    Pack,
    comment,
    is_blank,
    month_label,
    number_style,
    setup_page,
    write_header,
    write_nothing,
    write_title,
    write_value,
)
from .text import write_text

FIRST_MONTH_COL = 2
# Utilisation colours: green when there is room, yellow near full, red at or above the regular hours.
HEAT_MAP = {
    "type": "3_color_scale",
    "min_type": "num",
    "min_value": 0.5,
    "min_color": "#63BE7B",
    "mid_type": "num",
    "mid_value": 0.85,
    "mid_color": "#FFEB84",
    "max_type": "num",
    "max_value": 1.0,
    "max_color": "#F8696B",
}
BLOCKS = (
    ("Overtime hours", "Overtime hours the plan uses"),
    ("Shadow price", "Value of one more regular hour (currency per hour); above zero the resource is full"),
    ("Available hours", "Regular hours available"),
    ("Used hours", "Hours the plan uses, regular and overtime"),
    ("Required hours", "Hours needed to make all demand in its month"),
)


def write(pack: Pack, ws: Worksheet) -> None:
    """Write the Capacity sheet (Base scenario).

    A summary by resource first (its rows feed the Executive Summary's utilisation chart, recorded in
    `pack.anchors["capacity"]`), then the utilisation heat map, then one resource × month block per measure,
    then the materials.

    Args:
        pack: The pack.
        ws: The Capacity worksheet.
    """
    capacity = pack.base(pack.results.capacity)
    if not len(capacity):
        write_nothing(pack, ws, "Capacity", "The plan uses no resources.")
        return
    styles = pack.styles
    months = pack.months
    capacity = capacity.assign(Month=pd.to_datetime(capacity["Month"]))
    resources = list(dict.fromkeys(capacity["Resource"].astype(str)))
    sites = capacity.groupby(capacity["Resource"].astype(str))["Site"].first()
    # Each resource's rows, split once for the summary and every block below (filtering the frame per block and
    # resource was most of this sheet's time at 50 resources).
    by_resource = dict(tuple(capacity.groupby(capacity["Resource"].astype(str), sort=False)))
    row = write_title(pack, ws, "Capacity", "Base scenario; utilisation = used ÷ available regular hours")

    # By resource: the horizon in one line per resource.
    write_text(ws, row, 0, "By resource, whole horizon", styles("heading"))
    row += 1
    labels = (
        "Resource",
        "Site",
        "Available hours",
        "Used hours",
        "Overtime hours",
        "Required hours",
        "Average utilisation",
        "Peak utilisation",
        "Highest shadow price",
    )
    for col, label in enumerate(labels):
        write_header(pack, ws, row, col, label)
    ws.set_row(row, 48)
    header_row = row
    row += 1
    first = row
    # The Executive Summary's chart shows these rows.
    for resource in resources:
        rows = by_resource[resource]
        figures = {
            "Available hours": rows["Available hours"].sum(),
            "Used hours": rows["Used hours"].sum(),
            "Overtime hours": rows["Overtime hours"].sum(),
            "Required hours": rows["Required hours"].sum(),
            "Average utilisation": rows["Utilisation"].mean(),
            "Peak utilisation": rows["Utilisation"].max(),
            "Highest shadow price": rows["Shadow price"].max(),
        }
        write_text(ws, row, 0, resource, styles("bold", "cell"))
        write_value(ws, row, 1, sites.get(resource), styles("cell"), text=True)
        for col, label in enumerate(labels[2:], start=2):
            write_value(ws, row, col, figures[label], styles(number_style(label), "cell"))
        row += 1
    pack.anchors["capacity"] = {"first": first, "last": row - 1, "name_col": 0, "peak_col": 7, "average_col": 6}
    ws.conditional_format(first, 6, row - 1, 7, HEAT_MAP)
    row += 1

    by_month = {resource: frame.set_index("Month").reindex(months) for resource, frame in by_resource.items()}
    row = _month_block(
        pack,
        ws,
        row,
        by_month,
        resources,
        sites,
        "Utilisation",
        "Used ÷ available regular hours: green has room, red is full (overtime beyond 100%)",
    )
    ws.conditional_format(
        row - len(resources) - 1, FIRST_MONTH_COL, row - 2, FIRST_MONTH_COL + len(months) - 1, HEAT_MAP
    )
    for measure, note in BLOCKS:
        row = _month_block(pack, ws, row, by_month, resources, sites, measure, note)
        if measure == "Shadow price":
            # A binding resource stands out: any month with a shadow price above zero.
            ws.conditional_format(
                row - len(resources) - 1,
                FIRST_MONTH_COL,
                row - 2,
                FIRST_MONTH_COL + len(months) - 1,
                {"type": "cell", "criteria": ">", "value": 0, "format": styles("amber")},
            )

    materials = pack.base(pack.results.materials)
    if len(materials):
        row = _materials(pack, ws, row, materials.assign(Month=pd.to_datetime(materials["Month"])))
    ws.set_column(0, 0, 18)
    ws.set_column(1, 1, 12)
    ws.set_column(FIRST_MONTH_COL, FIRST_MONTH_COL + max(len(months), 7) - 1, 10)
    ws.freeze_panes(header_row + 1, FIRST_MONTH_COL)
    setup_page(pack, ws)


def _month_header(pack: Pack, ws: Worksheet, row: int, labels: tuple[str, ...]) -> None:
    for col, label in enumerate(labels):
        write_header(pack, ws, row, col, label)
    for index, month in enumerate(pack.months):
        ws.write_datetime(row, len(labels) + index, month.to_pydatetime(), pack.styles("header", "month"))


def _month_block(
    pack: Pack,
    ws: Worksheet,
    row: int,
    by_month: dict[str, pd.DataFrame],
    resources: list[str],
    sites: pd.Series,
    measure: str,
    note: str,
) -> int:
    """One resource × month block of a measure: a heading, a header row, a row per resource (`by_month`: each
    resource's figures indexed by the plan's months)."""
    styles = pack.styles
    write_text(ws, row, 0, measure, styles("heading"))
    write_text(ws, row, 3, note, styles("muted", "italic"))
    if measure in DEFINITIONS:
        comment(ws, row, 0, f"{measure}: {DEFINITIONS[measure]}")
    row += 1
    _month_header(pack, ws, row, ("Resource", "Site"))
    row += 1
    number = styles(number_style(measure), "cell")
    for resource in resources:
        rows = by_month[resource]
        write_text(ws, row, 0, resource, styles("bold", "cell"))
        write_value(ws, row, 1, sites.get(resource), styles("cell"), text=True)
        explained = rows.reset_index(names="Month").to_dict("records") if measure == "Utilisation" else ()
        for index, value in enumerate(rows[measure].tolist()):
            write_value(ws, row, FIRST_MONTH_COL + index, value, number)
            if explained:
                _explain_binding(pack, ws, row, FIRST_MONTH_COL + index, resource, explained[index])
        row += 1
    return row + 1


def _explain_binding(pack: Pack, ws: Worksheet, row: int, col: int, resource: str, figures: dict) -> None:
    """Comment a heat-map cell whose resource is full: what one more hour would be worth, and the overtime.
    `figures` are the resource's in that month, Month included."""
    price = figures.get("Shadow price")
    if is_blank(price) or float(price) <= 0:
        return
    month = month_label(figures["Month"])
    text = (
        f"{resource} is full in {month}: one more regular hour would add {float(price):,.2f} "
        f"{pack.currency} to contribution margin."
    )
    overtime, limit = figures.get("Overtime hours"), figures.get("Overtime limit")
    if not is_blank(overtime) and float(overtime) > 0:
        text += f" The plan already uses {float(overtime):,.0f} overtime hours"
        text += f" of {float(limit):,.0f} allowed." if not is_blank(limit) else "."
    comment(ws, row, col, text)


def _materials(pack: Pack, ws: Worksheet, row: int, materials: pd.DataFrame) -> int:
    """The materials: available, used, required and shadow price per material and month."""
    styles = pack.styles
    write_text(ws, row, 0, "Materials", styles("heading"))
    write_text(
        ws,
        row,
        3,
        "Constrained materials: units available and used; a shadow price above zero means the material limits the plan",
        styles("muted", "italic"),
    )
    row += 1
    write_text(ws, row, 0, "Material", styles("header"))
    write_header(pack, ws, row, 1, "Measure")
    for index, month in enumerate(pack.months):
        ws.write_datetime(row, FIRST_MONTH_COL + index, month.to_pydatetime(), styles("header", "month"))
    row += 1
    for material in dict.fromkeys(materials["Material"].astype(str)):
        rows = materials[materials["Material"].astype(str) == material].set_index("Month").reindex(pack.months)
        for measure in ("Available", "Used", "Required", "Shadow price"):
            if measure not in rows.columns:
                continue
            write_text(ws, row, 0, material, styles("bold", "cell"))
            write_text(ws, row, 1, measure, styles("cell"))
            number = styles("price" if measure == "Shadow price" else "units", "cell")
            for index, value in enumerate(rows[measure].tolist()):
                write_value(ws, row, FIRST_MONTH_COL + index, value, number)
            if measure == "Shadow price":
                ws.conditional_format(
                    row,
                    FIRST_MONTH_COL,
                    row,
                    FIRST_MONTH_COL + len(pack.months) - 1,
                    {"type": "cell", "criteria": ">", "value": 0, "format": styles("amber")},
                )
            row += 1
    return row + 1
