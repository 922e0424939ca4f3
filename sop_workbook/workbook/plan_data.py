"""Plan Data: every figure of the plan as one flat table, for pivot tables and BI tools.

Each figure appears once, at its own grain: customer-level measures per SKU and customer, SKU-level measures
per SKU, capacity measures per resource, material measures per material. There are no subtotal rows, so a
pivot table over the table sums correctly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from xlsxwriter.worksheet import Worksheet

from ..analysis import Results
from . import layout
from .definitions import DEFINITIONS
from .layout import Pack, comment, is_blank, setup_page, write_nothing
from .text import write_text

COLUMNS = (
    "Scenario",
    "Family",
    "SKU",
    "Customer",
    "Channel",
    "Region",
    "Resource",
    "Material",
    "Month",
    "Measure",
    "Value",
)
# Where the Month, the Measure and the Value are; the columns before the Month are text.
MONTH_COL, MEASURE_COL, VALUE_COL = (COLUMNS.index(name) for name in ("Month", "Measure", "Value"))

# (Results attribute, the key columns that give the grain, [(source column, measure)]), in table order.
GRAINS: tuple[tuple[str, tuple[str, ...], tuple[tuple[str, str], ...]], ...] = (
    (
        "customer_plan",
        ("Family", "SKU", "Customer"),
        (
            ("Demand", "Demand"),
            ("Shipments", "Shipments"),
            ("Backlog", "Backlog"),
            ("Lost sales", "Lost sales"),
            ("Revenue", "Revenue"),
        ),
    ),
    (
        "plan",
        ("Family", "SKU"),
        (
            ("Production", "Production"),
            ("Subcontract", "Subcontract"),
            ("Closing inventory", "Closing inventory"),
        ),
    ),
    (
        "margin",
        ("Family", "SKU"),
        (
            ("Material cost", "Material cost"),
            ("Other variable cost", "Other variable cost"),
            ("Regular labour cost", "Regular labour cost"),
            ("Overtime cost", "Overtime cost"),
            ("Subcontract cost", "Subcontract cost"),
            ("Holding cost", "Holding cost"),
            ("Backlog cost", "Backlog cost"),
            ("Contribution margin", "Contribution margin"),
        ),
    ),
    (
        "capacity",
        ("Resource",),
        (
            ("Available hours", "Available hours"),
            ("Overtime hours", "Overtime hours"),
            ("Used hours", "Used hours"),
            ("Required hours", "Required hours"),
            ("Shadow price", "Shadow price"),
            ("Unabsorbed labour", "Unabsorbed labour"),
        ),
    ),
    (
        "materials",
        ("Material",),
        (
            ("Used", "Material used"),
            ("Available", "Material available"),
            ("Shadow price", "Shadow price"),
        ),
    ),
)

MEASURE_GRAINS = {measure: attribute for attribute, _, pairs in GRAINS for _, measure in pairs}


def row_count(results: Results) -> int:
    """The number of rows `frame` would have, without building it (a large plan's table takes seconds).

    Args:
        results: The plan and its analyses.

    Returns:
        The count of figures: one per present measure and source row with a value, in a planned scenario.
    """
    count = 0
    scenarios = set(results.scenarios)
    for attribute, _, pairs in GRAINS:
        source = getattr(results, attribute)
        if source is None or not len(source):
            continue
        present = [column for column, _ in pairs if column in source.columns]
        if not present:
            continue
        if "Scenario" in source.columns:
            planned = source["Scenario"].astype(object).isin(scenarios).to_numpy()
        else:
            planned = np.full(len(source), "Base" in scenarios)
        for column in present:
            count += int((pd.to_numeric(source[column], errors="coerce").notna().to_numpy() & planned).sum())
    return count


def frame(results: Results) -> pd.DataFrame:
    """Build the Plan Data table from the results.

    Args:
        results: The plan and its analyses.

    Returns:
        A DataFrame with the columns of `COLUMNS`: text columns blank (NA) where they do not apply, Month a
        first-of-month Timestamp, Value a float. Rows with no value (NaN) are left out. Ordered by scenario,
        then grain and measure as in `GRAINS`, then the source table's order.
    """
    pieces = []
    for attribute, keys, pairs in GRAINS:
        source = getattr(results, attribute)
        if source is None or not len(source):
            continue
        present = [(column, measure) for column, measure in pairs if column in source.columns]
        if not present:
            continue
        rows = pd.DataFrame(
            {
                "Scenario": source["Scenario"].astype(object).to_numpy() if "Scenario" in source.columns else "Base",
                **{key: source[key].astype(object).to_numpy() if key in source.columns else None for key in keys},
                "Month": pd.to_datetime(source["Month"]).to_numpy(),
                **{
                    measure: pd.to_numeric(source[column], errors="coerce").astype(float).to_numpy()
                    for column, measure in present
                },
            }
        )
        # One measure after another, each in the source table's order.
        long = rows.melt(id_vars=["Scenario", *keys, "Month"], var_name="Measure", value_name="Value")
        pieces.append(long[long["Value"].notna()])
    if not pieces:
        return pd.DataFrame(
            {
                c: pd.Series(dtype="datetime64[ns]" if c == "Month" else float if c == "Value" else "string")
                for c in COLUMNS
            }
        )
    table = pd.concat(pieces, ignore_index=True)
    order = {name: index for index, name in enumerate(results.scenarios)}
    table = table[table["Scenario"].isin(order)]
    table = table.iloc[table["Scenario"].map(order).argsort(kind="stable")]
    for column in COLUMNS:
        if column not in table.columns:
            table[column] = None
    # A customer's Channel and Region from the customer master, on every figure of that customer.
    master = results.inputs.customers.drop_duplicates("Customer").set_index("Customer")
    for column in ("Channel", "Region"):
        table[column] = table["Customer"].map(master[column]) if len(master) else None
    table = table[list(COLUMNS)]
    for column in COLUMNS:
        if column not in ("Month", "Value"):
            table[column] = table[column].astype("string")
    return table.reset_index(drop=True)


def write(pack: Pack, ws: Worksheet) -> None:
    """Write the Plan Data sheet: the table from A1, or one line when it is too big for a sheet.

    Records `pack.anchors["plan_data"]` = (first data row, last data row), zero-based, for the formulas of
    the Executive Summary.

    Args:
        pack: The pack.
        ws: The Plan Data worksheet.
    """
    table = pack.plan_data
    if not pack.plan_data_in_sheet:
        write_nothing(
            pack,
            ws,
            "Plan Data",
            f"The plan has {pack.plan_data_rows:,} figures, more than the {layout.MAX_ROWS:,} rows this "
            f"sheet holds; write the whole table with: sop reconcile ... --plan-data plan.csv "
            f"(or .parquet).",
        )
        return
    if not len(table):
        write_nothing(pack, ws, "Plan Data", "The plan has no figures.")
        return
    styles = pack.styles
    widths = (11, 16, 14, 22, 14, 12, 16, 16, 10, 22, 14)
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    last = len(table)
    ws.add_table(
        0,
        0,
        last,
        len(COLUMNS) - 1,
        {
            "name": "PlanData",
            "style": "Table Style Light 9",
            "columns": [{"header": name, "header_format": styles("header")} for name in COLUMNS],
        },
    )
    for col, name in enumerate(COLUMNS):
        if name in DEFINITIONS:
            comment(ws, 0, col, f"{name}: {DEFINITIONS[name]}")
    text = styles("text")
    month = styles("month")
    value = styles("rate")
    columns = [table[name].tolist() for name in COLUMNS]
    months = [m.to_pydatetime() for m in pd.to_datetime(table["Month"])]
    for index in range(len(table)):
        row = index + 1
        for col in range(MONTH_COL):
            entry = columns[col][index]
            if is_blank(entry):
                continue
            write_text(ws, row, col, str(entry), text)
        ws.write_datetime(row, MONTH_COL, months[index], month)
        write_text(ws, row, MEASURE_COL, str(columns[MEASURE_COL][index]), text)
        ws.write_number(row, VALUE_COL, float(columns[VALUE_COL][index]), value)
    ws.freeze_panes(1, 0)
    setup_page(pack, ws, (0, 0), gridlines=True)
    pack.anchors["plan_data"] = (1, last)
