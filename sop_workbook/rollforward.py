"""This cycle's filled templates → next cycle's, so that no planner shifts month columns by hand.

`sop rollforward DEMAND CAPACITY OUTDIR` carries everything that stays true and moves what is dated:
- master data and policies (Products, Customers, Prices, Launches; Resources, Routings, Costs, Inventory policies,
  Bill of materials, Launch readiness) are carried as they are;
- every sheet with month columns shifts: the months that closed drop off Forecast, Budget, Capacity, Subcontract
  and Materials, and as many blank months are added at the end of the horizon;
- the Actuals window moves by as many months, whatever its length: its oldest months drop off and the months
  that just closed are added, blank, for Sales to fill in;
- open commitments are carried; those whose date has passed are carried and flagged (shipped ones are deleted by
  Sales, late ones given a new date);
- assumptions and risks are carried with a note of the cycle they come from;
- Opening stock is carried as it was, with a warning: it must be updated to the stock at the new cycle's start.

Every blank the planners must still fill is returned as a warning naming the new file, sheet and cell. The
result is a pair of valid templates (a side given as a folder is written as one file).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from . import schema
from .cells import column_letter, month_label
from .errors import WARNING, Finding, InputError, PlanError
from .inputs import MONTH, SHEET_ATTRIBUTES, SOURCE_FILE, SOURCE_ROW, Inputs, build_inputs
from .output import check_distinct
from .reader import read
from .templates import write_filled_files

# Where the "carried from" note goes on each text sheet.
CARRIED_NOTE = {"assumptions": "Assumption", "risks": "Risk"}
CARRIED = "(carried from the {month} cycle)"


@dataclass
class RolledForward:
    """What `rollforward` wrote and what the planners must still do.

    Attributes:
        paths: The demand and the capacity template written.
        cycle_month: The new cycle month.
        findings: Warnings naming each cell the planners must still fill or check (file, sheet, cell).
    """

    paths: list[Path]
    cycle_month: pd.Timestamp
    findings: list[Finding]


def rollforward(
    demand_path: str | Path,
    capacity_path: str | Path,
    directory: str | Path,
    cycle_month=None,
    *,
    force: bool = False,
) -> RolledForward:
    """Write next cycle's demand and capacity templates from this cycle's filled ones.

    Args:
        demand_path: This cycle's demand template (or a folder of them).
        capacity_path: This cycle's capacity template (or a folder of them).
        directory: The folder to write the new templates into (created if missing).
        cycle_month: The new cycle month ("YYYY-MM" or a date; default the month after this cycle's).
        force: Replace templates that exist in the folder; without it they are refused.

    Returns:
        The paths written and the warnings for the planners.

    Raises:
        InputError: when this cycle's templates have errors (every finding attached).
        PlanError: when the new cycle month is not after this cycle's.
        OutputError: when a template exists (without force), would replace an input, or cannot be written.
    """
    directory = Path(directory)
    names = [_output_name(demand_path, "demand"), _output_name(capacity_path, "capacity")]
    targets = [directory / name for name in names]
    check_distinct(
        {"the new demand template": targets[0], "the new capacity template": targets[1]},
        {"the demand template": demand_path, "the capacity template": capacity_path},
    )
    inputs = read(demand_path, capacity_path)
    if inputs.errors:
        raise InputError(inputs.findings)
    old = inputs.cycle.cycle_month
    new = old + pd.DateOffset(months=1) if cycle_month is None else pd.Timestamp(cycle_month).to_period("M").start_time
    shift = (new.year - old.year) * 12 + new.month - old.month
    if shift < 1:
        raise PlanError(f"the new cycle month {month_label(new)} must be after this cycle's, {month_label(old)}")
    rolled, findings = roll(inputs, new, names)
    paths = write_filled_files(
        [(targets[0], schema.DEMAND, rolled), (targets[1], schema.CAPACITY, rolled)], force=force
    )
    return RolledForward(paths=paths, cycle_month=new, findings=sorted(findings))


def roll(inputs: Inputs, cycle_month: pd.Timestamp, names: list[str]) -> tuple[Inputs, list[Finding]]:
    """The inputs of the cycle starting `cycle_month`, from this cycle's, and the warnings about them.

    Args:
        inputs: This cycle's inputs.
        cycle_month: The new cycle month (after this cycle's).
        names: The file names of the new demand and capacity templates, for the warnings.

    Returns:
        The new inputs and the warnings for the planners.
    """
    old = inputs.cycle
    cycle = replace(old, cycle_month=cycle_month)
    findings: list[Finding] = []
    tables = {}
    for (kind, sheet_name), attribute in SHEET_ATTRIBUTES.items():
        sheet = schema.template(kind).sheet(sheet_name)
        frame = getattr(inputs, attribute).drop(columns=[SOURCE_ROW, SOURCE_FILE], errors="ignore")
        name = names[0] if kind == "demand" else names[1]
        if sheet.months == schema.HORIZON:
            frame = _shift_horizon(frame, sheet, cycle, name, findings)
        elif sheet.months == schema.PAST:
            frame = _shift_history(frame, sheet, old.cycle_month, cycle, name, findings)
        tables[attribute] = frame
    tables["commitments"] = _flag_past_due(tables["commitments"], cycle, names[0], findings)
    for attribute, column in CARRIED_NOTE.items():
        note = CARRIED.format(month=month_label(old.cycle_month))
        text = tables[attribute][column].astype(str)
        tables[attribute] = tables[attribute].assign(
            **{column: text.where(text.str.contains("(carried from the ", regex=False), text + " " + note)}
        )
    if len(tables["inventory"]):
        findings.append(
            Finding(
                names[1],
                "Inventory",
                1,
                "B1",
                WARNING,
                f"Opening stock is carried from {month_label(old.cycle_month)}; update every row to the stock on hand "
                f"at the start of {month_label(cycle_month)}",
            )
        )
    return build_inputs(cycle, **tables), findings


def _shift_horizon(frame: pd.DataFrame, sheet: schema.Sheet, cycle, name: str, findings: list) -> pd.DataFrame:
    """Drop the months before the new cycle month; add the new months at the end, blank."""
    months = cycle.months
    kept = frame[pd.to_datetime(frame[MONTH]) >= months[0]]
    added = [m for m in months if m not in set(pd.to_datetime(kept[MONTH]))]
    if not len(frame) or not added:
        return kept
    keys = frame[[c.header for c in sheet.columns]].drop_duplicates()
    blank = pd.concat([keys.assign(**{MONTH: m, sheet.month_value: np.nan}) for m in added], ignore_index=True)
    for m in added:
        at = len(sheet.columns) + months.index(m)
        findings.append(
            Finding(
                name,
                sheet.name,
                1,
                f"{column_letter(at)}1",
                WARNING,
                f"{month_label(m)} is a new month at the end of the horizon and is blank; fill it in",
            )
        )
    return _in_key_order(pd.concat([kept, blank], ignore_index=True), sheet, keys)


def _shift_history(
    frame: pd.DataFrame, sheet: schema.Sheet, old_month: pd.Timestamp, cycle, name: str, findings: list
) -> pd.DataFrame:
    """Move the history window by the months that closed, keeping its length; the closed months are blank."""
    if not len(frame):
        return frame
    stamps = pd.to_datetime(frame[MONTH])
    length = stamps.nunique()
    window = list(pd.date_range(end=cycle.cycle_month - pd.DateOffset(months=1), periods=length, freq="MS"))
    kept = frame[stamps >= window[0]]
    closed = [m for m in window if m >= old_month]
    keys = frame[[c.header for c in sheet.columns]].drop_duplicates()
    blank = pd.concat([keys.assign(**{MONTH: m, sheet.month_value: np.nan}) for m in closed], ignore_index=True)
    for m in closed:
        findings.append(
            Finding(
                name,
                sheet.name,
                1,
                f"{column_letter(len(sheet.columns) + window.index(m))}1",
                WARNING,
                f"{month_label(m)} has closed and its actuals are blank; fill in the units shipped",
            )
        )
    return _in_key_order(pd.concat([kept, blank], ignore_index=True), sheet, keys)


def _in_key_order(frame: pd.DataFrame, sheet: schema.Sheet, keys: pd.DataFrame) -> pd.DataFrame:
    """Rows in the planners' order of keys, months in date order within each key."""
    headers = [c.header for c in sheet.columns]
    order = keys.reset_index(drop=True).reset_index().rename(columns={"index": "_order"})
    merged = frame.merge(order, on=headers, how="left")
    return merged.sort_values(["_order", MONTH], kind="stable").drop(columns="_order").reset_index(drop=True)


def _flag_past_due(commitments: pd.DataFrame, cycle, name: str, findings: list) -> pd.DataFrame:
    """Open orders are carried; an order dated before the new cycle month is flagged on its row and in a warning."""
    if not len(commitments):
        return commitments
    commitments = commitments.reset_index(drop=True).copy()
    letter = column_letter([c.header for c in schema.DEMAND.sheet("Commitments").columns].index("Requested date"))
    due = pd.to_datetime(commitments["Requested date"])
    late = due < cycle.cycle_month
    notes = commitments["Notes"].fillna("").astype(str)
    for k in np.flatnonzero(late.to_numpy()):
        flag = f"PAST DUE since {due[k]:%Y-%m-%d}"
        if not notes[k].startswith("PAST DUE"):
            notes[k] = f"{flag}; {notes[k]}" if notes[k] else flag
        findings.append(
            Finding(
                name,
                "Commitments",
                int(k) + 2,
                f"{letter}{int(k) + 2}",
                WARNING,
                f"order {commitments.at[k, 'Order ref']} was due {due[k]:%Y-%m-%d}, before "
                f"{month_label(cycle.cycle_month)}; delete it if it has shipped, or give it the date now agreed",
            )
        )
    commitments["Notes"] = notes
    return commitments


def _output_name(path: str | Path, kind: str) -> str:
    """The new template's file name: the input's own name, or the template's for a folder."""
    path = Path(path)
    return path.name if path.is_file() else schema.template(kind).filename
