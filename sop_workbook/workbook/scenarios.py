"""Scenarios: the headline figures of every scenario side by side, with the difference to Base."""

from __future__ import annotations

from xlsxwriter.worksheet import Worksheet

from .layout import Pack, cell, number_style, setup_page, write_header, write_nothing, write_title, write_value

MEASURES = (
    "Demand",
    "Shipments",
    "Fill rate",
    "Revenue",
    "Contribution margin",
    "Contribution margin %",
    "Revenue at risk",
    "Peak utilisation",
)


def write(pack: Pack, ws: Worksheet) -> None:
    """Write the Scenarios sheet: measures down, scenarios across, then each scenario's difference to Base.

    With only the Base scenario it says so in one line.

    Args:
        pack: The pack.
        ws: The Scenarios worksheet.
    """
    summary = pack.results.scenarios_summary
    if len(pack.results.scenarios) < 2 or not len(summary):
        write_nothing(
            pack,
            ws,
            "Scenarios",
            "Only the Base scenario was planned: add Upside or Downside rows to the Forecast sheet of the "
            "demand template to compare scenarios.",
        )
        return
    styles = pack.styles
    row = write_title(pack, ws, "Scenarios", "each scenario planned on its own; differences are against Base")
    scenarios = [s for s in pack.results.scenarios if s in set(summary["Scenario"])]
    others = [s for s in scenarios if s != "Base"]
    by_scenario = summary.set_index("Scenario")
    write_header(pack, ws, row, 0, "Measure")
    for index, scenario in enumerate(scenarios):
        write_header(pack, ws, row, 1 + index, scenario, style="header", definition="")
    for index, scenario in enumerate(others):
        write_header(
            pack,
            ws,
            row,
            1 + len(scenarios) + index,
            f"{scenario} − Base",
            definition=f"The {scenario} figure minus the Base figure.",
        )
    ws.set_row(row, 30)
    header = row
    base_col = 1 + scenarios.index("Base") if "Base" in scenarios else None
    for measure in MEASURES:
        if measure not in by_scenario.columns:
            continue
        row += 1
        write_header(pack, ws, row, 0, measure, style="bold")
        number = styles(number_style(measure), "cell")
        for index, scenario in enumerate(scenarios):
            write_value(ws, row, 1 + index, by_scenario.loc[scenario, measure], number)
        if base_col is None:
            continue
        for index, scenario in enumerate(others):
            col = 1 + scenarios.index(scenario)
            value = float(by_scenario.loc[scenario, measure]) - float(by_scenario.loc["Base", measure])
            # Difference = the scenario's figure − the Base figure.
            ws.write_formula(
                row,
                1 + len(scenarios) + index,
                f"={cell(row, col)}-{cell(row, base_col)}",
                styles(number_style(measure), "cell", "italic"),
                value,
            )
    ws.set_column(0, 0, 24)
    ws.set_column(1, len(scenarios) + len(others), 15)
    setup_page(pack, ws, (header, header))
