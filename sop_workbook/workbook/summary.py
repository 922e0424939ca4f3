"""Executive Summary: the one-page dashboard the meeting opens on.

Headline figures as tiles with RAG colours, the top gaps needing a decision, four charts and the run's lineage.
Demand, shipments, revenue and contribution margin are SUMIFS over Plan Data, so the summary is visibly the
sum of the details; fill rate and margin % are formulas over the tiles.
"""

from __future__ import annotations

import math

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from .definitions import DEFINITIONS
from .gaps import ranked
from .layout import (
    BASE,
    Pack,
    cell,
    comment,
    is_blank,
    month_label,
    quote_sheet,
    setup_page,
    write_header,
    write_value,
)
from .plan_data import MEASURE_COL, VALUE_COL
from .styles import CHART_COLOURS
from .text import write_text

COLUMNS = 12
COLUMN_WIDTH = 11.5
TILE_WIDTH = 2  # columns per tile
TOP_GAPS = 5
# Six columns of 11.5 characters are 6 × 86 pixels: each chart fills half the page's width and no more.
CHART_SIZE = (508, 268)
PLAN_DATA = "Plan Data"

# RAG thresholds, in one place so the notes under the tiles and the colours agree.
FILL_RATE = (0.98, 0.95)  # green at or above the first, amber at or above the second
RISK_SHARE = (0.01, 0.05)  # revenue at risk as a share of revenue: green below the first, amber below the second
BUDGET_SHARE = -0.05  # revenue vs budget: green at or above budget, amber down to 5 % below
UTILISATION = (0.85, 1.0)  # green up to the first, amber up to the second
MARGIN_HEADROOM = 0.05  # margin %: green at least 5 points above the floor, amber at the floor


def _number(value) -> float | None:
    if is_blank(value):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _tiles(pack: Pack) -> list[dict]:
    """The headline tiles: label, value, number style, RAG colour, the note under the value, a formula."""
    results = pack.results
    summary = results.summary
    value = {
        key: _number(summary.get(key))
        for key in (
            "Demand",
            "Shipments",
            "Fill rate",
            "Revenue",
            "Contribution margin",
            "Contribution margin %",
            "Revenue at risk",
            "Revenue vs budget",
            "Peak utilisation",
            "Commitments at risk",
            "Launches not ready",
        )
    }
    currency = pack.currency
    months = len(pack.months)
    tiles = [
        {"label": "Demand", "style": "units", "note": f"units over {months} months"},
        {"label": "Shipments", "style": "units", "note": "units the plan ships"},
        {"label": "Fill rate", "style": "percent", "note": f"green ≥ {FILL_RATE[0]:.0%}, amber ≥ {FILL_RATE[1]:.0%}"},
        {"label": "Revenue", "style": "money", "note": f"{currency}, whole horizon"},
        {"label": "Contribution margin", "style": "money", "note": f"{currency}, before regular labour"},
        {"label": "Contribution margin %", "style": "percent"},
        {
            "label": "Revenue at risk",
            "style": "money",
            "note": f"green < {RISK_SHARE[0]:.0%} of revenue, amber < {RISK_SHARE[1]:.0%}",
        },
        {"label": "Revenue vs budget", "style": "money"},
        {
            "label": "Peak utilisation",
            "style": "percent",
            "note": f"green ≤ {UTILISATION[0]:.0%}, amber ≤ {UTILISATION[1]:.0%}",
        },
        {"label": "Commitments at risk", "style": "count", "note": "orders late or at risk; green = none"},
        {"label": "Launches not ready", "style": "count", "note": "launches amber or red; green = none"},
    ]
    for tile in tiles:
        tile["value"] = value[tile["label"]]
        tile["colour"] = None
    by_label = {tile["label"]: tile for tile in tiles}

    fill = value["Fill rate"]
    if fill is not None:
        by_label["Fill rate"]["colour"] = (
            "green" if fill >= FILL_RATE[0] else "amber" if fill >= FILL_RATE[1] else "red"
        )
    floor = _margin_floor(pack)
    share = value["Contribution margin %"]
    if floor is not None:
        by_label["Contribution margin %"]["note"] = f"floor {floor:.1%} (revenue-weighted); green ≥ floor + 5 pts"
        if share is not None:
            by_label["Contribution margin %"]["colour"] = (
                "green" if share >= floor + MARGIN_HEADROOM else "amber" if share >= floor else "red"
            )
    else:
        by_label["Contribution margin %"]["note"] = "no margin floors given"
    risk, revenue = value["Revenue at risk"], value["Revenue"]
    if risk is not None:
        ratio = risk / revenue if revenue else (0.0 if risk == 0 else 1.0)
        by_label["Revenue at risk"]["colour"] = (
            "green" if ratio < RISK_SHARE[0] else "amber" if ratio < RISK_SHARE[1] else "red"
        )
    budget = _budget_total(pack)
    gap = value["Revenue vs budget"]
    if budget is None:
        by_label["Revenue vs budget"]["note"] = "no budget given"
        by_label["Revenue vs budget"]["value"] = None
    else:
        by_label["Revenue vs budget"]["note"] = (
            f"budget {budget:,.0f} {currency}; green ≥ budget, amber ≥ {BUDGET_SHARE:.0%}"
        )
        if gap is not None:
            ratio = gap / budget if budget else 0.0
            by_label["Revenue vs budget"]["colour"] = (
                "green" if gap >= 0 else "amber" if ratio >= BUDGET_SHARE else "red"
            )
    peak = value["Peak utilisation"]
    if peak is not None:
        by_label["Peak utilisation"]["colour"] = (
            "green" if peak <= UTILISATION[0] else "amber" if peak <= UTILISATION[1] else "red"
        )
    at_risk = value["Commitments at risk"]
    if at_risk is not None:
        by_label["Commitments at risk"]["colour"] = "green" if at_risk == 0 else "amber" if at_risk <= 2 else "red"
    not_ready = value["Launches not ready"]
    if not_ready is not None:
        launches = results.launches
        any_red = bool(len(launches)) and (launches["RAG"] == "Red").any()
        by_label["Launches not ready"]["colour"] = "green" if not_ready == 0 else "red" if any_red else "amber"
    return tiles


def _margin_floor(pack: Pack) -> float | None:
    """The revenue-weighted margin floor of the SKUs that have one (Base), or None."""
    margin = pack.base(pack.results.margin)
    if not len(margin) or "Margin floor %" not in margin.columns:
        return None
    frame = pd.DataFrame(
        {
            "revenue": pd.to_numeric(margin["Revenue"], errors="coerce"),
            "floor": pd.to_numeric(margin["Margin floor %"], errors="coerce"),
        }
    ).dropna()
    if not len(frame) or frame["revenue"].sum() <= 0:
        return None
    return float((frame["revenue"] * frame["floor"]).sum() / frame["revenue"].sum())


def _budget_total(pack: Pack) -> float | None:
    budget = pack.results.budget
    if not len(budget):
        return None
    revenue = budget[budget["Measure"] == "Revenue"]
    if not len(revenue):
        return None
    return float(pd.to_numeric(revenue["Budget"], errors="coerce").sum())


def _plan_data_sum(pack: Pack, measure: str) -> str | None:
    """A SUMIFS over Plan Data of a Base measure, or None when Plan Data is not in the workbook."""
    if "plan_data" not in pack.anchors:
        return None
    first, last = pack.anchors["plan_data"]
    sheet = quote_sheet(PLAN_DATA)

    def column(col: int) -> str:
        return f"{sheet}!{cell(first, col, True, True)}:{cell(last, col, True, True)}"

    return f'=SUMIFS({column(VALUE_COL)},{column(0)},"{BASE}",{column(MEASURE_COL)},"{measure}")'


def write(pack: Pack, ws: Worksheet) -> None:
    """Write the Executive Summary: tiles, top gaps, charts and lineage on one landscape page.

    Args:
        pack: The pack.
        ws: The Executive Summary worksheet.
    """
    styles = pack.styles
    ws.set_column(0, COLUMNS - 1, COLUMN_WIDTH)
    ws.set_row(0, 34)
    write_text(ws, 0, 0, f"S&OP meeting pack: {pack.company}", styles("title"))
    write_text(
        ws,
        1,
        0,
        f"Cycle {pack.cycle_label} · {len(pack.months)}-month horizon "
        f"{month_label(pack.months[0])} to {month_label(pack.months[-1])} · Base scenario · "
        f"money in {pack.currency}",
        styles("subtitle"),
    )

    # Tiles: two rows of six, each tile a label, a value and a note.
    tiles = _tiles(pack)
    positions = {}
    for index, tile in enumerate(tiles):
        top = 3 + (index // 6) * 4
        left = (index % 6) * TILE_WIDTH
        positions[tile["label"]] = (top + 1, left)
        ws.set_row(top, 30)
        ws.set_row(top + 1, 40)
        ws.set_row(top + 2, 28)
        ws.merge_range(top, left, top, left + 1, "", styles("tile_label"))
        write_text(ws, top, left, tile["label"], styles("tile_label"))
        ws.merge_range(top + 1, left, top + 1, left + 1, "", styles("tile_value", tile["style"], tile["colour"]))
        ws.merge_range(top + 2, left, top + 2, left + 1, "", styles("tile_note"))
        write_text(ws, top + 2, left, tile.get("note", ""), styles("tile_note"))
        definition = DEFINITIONS.get(tile["label"], "")
        note = tile.get("note", "")
        comment(ws, top, left, f"{tile['label']}: {definition} {('RAG: ' + note) if tile['colour'] else ''}".strip())
    for tile in tiles:
        row, col = positions[tile["label"]]
        value_format = styles("tile_value", tile["style"], tile["colour"])
        formula = _tile_formula(pack, tile["label"], positions)
        if formula and tile["value"] is not None:
            ws.write_formula(row, col, formula, value_format, tile["value"])
        elif tile["value"] is None:
            write_text(ws, row, col, "n/a", value_format)
        else:
            write_value(ws, row, col, tile["value"], value_format)
    # The colour key takes the twelfth tile's place.
    top, left = 3 + 4, 5 * TILE_WIDTH
    ws.merge_range(top, left, top, left + 1, "", styles("tile_label"))
    write_text(ws, top, left, "Colours", styles("tile_label"))
    write_text(ws, top + 1, left, "on track", styles("center", "bold", "green"))
    write_text(ws, top + 1, left + 1, "watch", styles("center", "bold", "amber"))
    ws.merge_range(top + 2, left, top + 2, left + 1, "", styles("center", "bold", "red"))
    write_text(ws, top + 2, left, "act", styles("center", "bold", "red"))

    row = _top_gaps(pack, ws, 11)
    chart_row = row + 1
    _charts(pack, ws, chart_row)
    lineage_row = chart_row + 28
    last = _lineage(pack, ws, lineage_row)
    _chart_data(pack, ws, last + 4, chart_row)
    ws.print_area(0, 0, last, COLUMNS - 1)
    setup_page(pack, ws, one_page=True)


def _tile_formula(pack: Pack, label: str, positions: dict[str, tuple[int, int]]) -> str | None:
    """The live formula of a tile, when the figure is a sum of Plan Data or a ratio of other tiles."""
    if label in ("Demand", "Shipments", "Revenue", "Contribution margin"):
        return _plan_data_sum(pack, label)
    if label == "Fill rate":
        # Fill rate = Shipments ÷ Demand.
        shipments, demand = cell(*positions["Shipments"]), cell(*positions["Demand"])
        return f"=IF({demand}=0,0,{shipments}/{demand})"
    if label == "Contribution margin %":
        # Contribution margin % = Contribution margin ÷ Revenue.
        margin, revenue = cell(*positions["Contribution margin"]), cell(*positions["Revenue"])
        return f"=IF({revenue}=0,0,{margin}/{revenue})"
    return None


def _top_gaps(pack: Pack, ws: Worksheet, row: int) -> int:
    """The largest Base gaps with their cause and best lever; returns the first free row."""
    styles = pack.styles
    write_text(ws, row, 0, "Top gaps needing a decision", styles("heading"))
    for col in range(1, COLUMNS):
        ws.write_blank(row, col, None, styles("heading"))
    write_text(ws, row, 6, "Decisions sheet: every gap with its priced levers", styles("muted", "italic"))
    row += 1
    gaps = pack.results.gaps
    gaps = ranked(gaps[gaps["Scenario"] == BASE], [BASE]) if len(gaps) else gaps
    if not len(gaps):
        write_text(ws, row, 0, "No gaps: the Base plan ships all demand in its month.", styles("italic"))
        return row + 2
    # (label, first column, last column): customer, constraint and lever get the room their words need.
    layout = (
        ("Gap id", 0, 0),
        ("SKU", 1, 1),
        ("Customer", 2, 3),
        ("Month", 4, 4),
        ("Unmet units", 5, 5),
        ("Revenue at risk", 6, 6),
        ("Constraint", 7, 8),
        ("Best lever", 9, COLUMNS - 1),
    )
    for label, first, last in layout:
        if last > first:
            ws.merge_range(row, first, row, last, "", styles("header"))
        definition = (
            DEFINITIONS.get(label)
            if label != "Best lever"
            else "The lever that closes units of the gap with the best margin effect; the Decisions sheet "
            "lists every lever with its cost."
        )
        write_header(pack, ws, row, first, label, definition=definition or "")
    ws.set_row(row, 30)
    row += 1
    levers = pack.results.levers
    if len(levers) and "Scenario" in levers.columns:
        levers = levers[levers["Scenario"] == BASE]
    for gap in gaps.head(TOP_GAPS).to_dict("records"):
        constraint = gap.get("Constraint")
        values = {
            "Gap id": (str(gap["Gap id"]), ("bold", "cell", "red"), True),
            "SKU": (gap["SKU"], ("cell",), True),
            "Customer": (gap["Customer"], ("cell",), True),
            "Month": (gap["Month"], ("month", "cell"), False),
            "Unmet units": (gap["Unmet units"], ("units", "cell"), False),
            "Revenue at risk": (gap["Revenue at risk"], ("money", "cell"), False),
            "Constraint": (constraint if not is_blank(constraint) else gap.get("Binding constraint"), ("cell",), True),
            "Best lever": (_best_lever(pack, levers, gap["Gap id"]), ("cell", "small"), True),
        }
        for label, first, last in layout:
            value, style, text = values[label]
            if last > first:
                ws.merge_range(row, first, row, last, "", styles(*style))
            write_value(ws, row, first, value, styles(*style), text=text)
        if isinstance(gap.get("Explanation"), str):
            comment(ws, row, 0, gap["Explanation"])
        row += 1
    if len(gaps) > TOP_GAPS:
        write_text(ws, row, 0, f"… and {len(gaps) - TOP_GAPS} more on the Gaps sheet", styles("muted", "italic"))
        row += 1
    return row + 1


def _best_lever(pack: Pack, levers: pd.DataFrame, gap_id) -> str:
    """The lever that closes units of a gap with the best margin effect, in words."""
    menu = levers[levers["Gap id"] == gap_id] if len(levers) else levers
    if len(menu):
        menu = menu[pd.to_numeric(menu["Units closed"], errors="coerce").fillna(0) > 0]
    if not len(menu):
        return "no priced lever closes it"
    effect = pd.to_numeric(menu["Margin effect"], errors="coerce")
    best = menu.loc[effect.fillna(-math.inf).idxmax()]
    units = _number(best.get("Units closed"))
    margin = _number(best.get("Margin effect"))
    parts = [f"{units:,.0f} units"] if units is not None else []
    if margin is not None:
        parts.append(f"margin {margin:+,.0f}")
    return f"{best['Lever']}: " + ", ".join(parts) if parts else str(best["Lever"])


def _chart(pack: Pack, kind: str, title: str, axis_format: str, subtype: str | None = None):
    options = {"type": kind}
    if subtype:
        options["subtype"] = subtype
    chart = pack.workbook.add_chart(options)
    chart.set_title({"name": title, "name_font": {"size": 12, "bold": True, "color": "#1F3864"}})
    chart.set_legend({"position": "bottom", "font": {"size": 10}})
    chart.set_y_axis(
        {
            "num_format": axis_format,
            "num_font": {"size": 10},
            "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}},
        }
    )
    chart.set_x_axis({"num_font": {"size": 10}})
    chart.set_size({"width": CHART_SIZE[0], "height": CHART_SIZE[1]})
    chart.set_chartarea({"border": {"color": "#BFBFBF"}})
    return chart


def _series(chart, name: str, sheet: str, categories, values, colour: str, line: bool = False) -> None:
    series = {
        "name": name,
        "categories": [sheet, *categories],
        "values": [sheet, *values],
    }
    if line:
        series["line"] = {"color": colour, "width": 2.5}
        series["marker"] = {"type": "circle", "size": 5, "fill": {"color": colour}, "border": {"color": colour}}
    else:
        series["fill"] = {"color": colour}
        series["border"] = {"none": True}
    chart.add_series(series)


def _charts(pack: Pack, ws: Worksheet, row: int) -> None:
    """Four charts in a 2 × 2 grid from `row`: demand vs shipments, utilisation, margin by family, revenue vs
    budget."""
    consensus = pack.anchors.get("consensus")
    if consensus:
        chart = _chart(pack, "column", "Demand vs shipments by month (units)", "#,##0")
        rows, first, last = consensus["rows"], consensus["first_col"], consensus["last_col"]
        header = rows["Demand"] - 1
        for name, colour in (("Demand", CHART_COLOURS[1]), ("Shipments", CHART_COLOURS[0])):
            _series(
                chart,
                name,
                "Consensus Plan",
                (header, first, header, last),
                (rows[name], first, rows[name], last),
                colour,
            )
        chart.set_x_axis({"num_format": "mmm-yy", "num_font": {"size": 9, "rotation": -45}})
        ws.insert_chart(row, 0, chart, {"x_offset": 4, "y_offset": 4})
    capacity = pack.anchors.get("capacity")
    if capacity:
        chart = _chart(pack, "bar", "Utilisation by resource (regular hours)", "0%")
        span = (capacity["first"], capacity["name_col"], capacity["last"], capacity["name_col"])
        for name, col, colour in (
            ("Peak", capacity["peak_col"], CHART_COLOURS[2]),
            ("Average", capacity["average_col"], CHART_COLOURS[0]),
        ):
            _series(
                chart, f"{name} utilisation", "Capacity", span, (capacity["first"], col, capacity["last"], col), colour
            )
        chart.set_y_axis({"num_font": {"size": 10}})
        chart.set_x_axis(
            {
                "num_format": "0%",
                "min": 0,
                "num_font": {"size": 10},
                "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}},
            }
        )
        ws.insert_chart(row, 6, chart, {"x_offset": 4, "y_offset": 4})
    margin = pack.anchors.get("margin")
    if margin:
        chart = _chart(pack, "column", f"Revenue and margin by family ({pack.currency})", "#,##0")
        span = (margin["first"], margin["name_col"], margin["last"], margin["name_col"])
        for name, col, colour in (
            ("Revenue", margin["revenue_col"], CHART_COLOURS[1]),
            ("Contribution margin", margin["margin_col"], CHART_COLOURS[0]),
        ):
            _series(chart, name, "Margin", span, (margin["first"], col, margin["last"], col), colour)
        ws.insert_chart(row + 14, 0, chart, {"x_offset": 4, "y_offset": 4})


def _lineage(pack: Pack, ws: Worksheet, row: int) -> int:
    """The run's lineage: tool version, run time, each input file with its SHA-256 and the rows read from it;
    returns the last row."""
    styles = pack.styles
    write_text(ws, row, 0, "Lineage", styles("heading"))
    for col in range(1, COLUMNS):
        ws.write_blank(row, col, None, styles("heading"))
    row += 1
    write_text(ws, row, 0, "Tool", styles("bold", "small"))
    write_text(ws, row, 1, f"sop-workbook {pack.version}", styles("small"))
    write_text(ws, row, 3, "Run time", styles("bold", "small"))
    ws.merge_range(row, 4, row, 6, "", styles("timestamp", "small"))
    ws.write_datetime(row, 4, pack.run_time, styles("timestamp", "small"))
    sources = pack.results.inputs.sources
    if not sources:
        row += 1
        write_text(ws, row, 0, "Inputs", styles("bold", "small"))
        write_text(ws, row, 1, "built in code (no files read)", styles("small", "italic"))
    for source in sources:
        row += 1
        write_text(ws, row, 0, str(source.kind).capitalize(), styles("bold", "small"))
        write_text(ws, row, 1, str(source.name), styles("small"))
        write_text(ws, row, 3, "SHA-256", styles("bold", "small"))
        write_text(ws, row, 4, str(source.sha256), styles("small"))
        if source.rows:
            # Which rows came from the file: a side given as a folder has one line per team's file.
            row += 1
            counts = ", ".join(f"{sheet} {count:,}" for sheet, count in source.rows.items())
            write_text(ws, row, 1, f"rows read: {counts}", styles("small", "italic"))
    return row


def _chart_data(pack: Pack, ws: Worksheet, row: int, chart_row: int) -> None:
    """Revenue by month against budget, below the printed page, and the chart drawn from it at `chart_row`."""
    styles = pack.styles
    months = pack.months
    plan = pack.base(pack.results.margin)
    revenue = (
        pd.to_numeric(plan["Revenue"], errors="coerce").groupby(pd.to_datetime(plan["Month"])).sum()
        if len(plan)
        else pd.Series(dtype=float)
    )
    budget = pack.results.budget
    budget = budget[budget["Measure"] == "Revenue"] if len(budget) else budget
    by_month = (
        pd.to_numeric(budget["Budget"], errors="coerce").groupby(pd.to_datetime(budget["Month"])).sum()
        if len(budget)
        else None
    )
    write_text(ws, row, 0, "Figures behind the revenue chart (not printed)", styles("heading"))
    row += 1
    labels = ["Month", "Plan revenue"] + (["Budget revenue", "Variance"] if by_month is not None else [])
    for col, label in enumerate(labels):
        write_text(ws, row, col, label, styles("header"))
    header = row
    for month in months:
        row += 1
        ws.write_datetime(row, 0, month.to_pydatetime(), styles("month", "cell"))
        write_value(ws, row, 1, float(revenue.get(month, 0.0)), styles("money", "cell"))
        if by_month is not None:
            write_value(ws, row, 2, float(by_month.get(month, 0.0)), styles("money", "cell"))
            # Variance = Plan revenue − Budget revenue.
            ws.write_formula(
                row,
                3,
                f"={cell(row, 1)}-{cell(row, 2)}",
                styles("money", "cell"),
                float(revenue.get(month, 0.0)) - float(by_month.get(month, 0.0)),
            )
    title = (
        f"Revenue vs budget by month ({pack.currency})"
        if by_month is not None
        else f"Revenue by month ({pack.currency}; no budget given)"
    )
    chart = _chart(pack, "column", title, "#,##0")
    categories = (header + 1, 0, row, 0)
    _series(chart, "Plan revenue", "Executive Summary", categories, (header + 1, 1, row, 1), CHART_COLOURS[0])
    if by_month is not None:
        line = pack.workbook.add_chart({"type": "line"})
        _series(
            line,
            "Budget revenue",
            "Executive Summary",
            categories,
            (header + 1, 2, row, 2),
            CHART_COLOURS[2],
            line=True,
        )
        chart.combine(line)
    chart.set_x_axis({"num_format": "mmm-yy", "num_font": {"size": 9, "rotation": -45}})
    ws.insert_chart(chart_row + 14, 6, chart, {"x_offset": 4, "y_offset": 4})
