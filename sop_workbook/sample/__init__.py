"""The sample company: Brightwell Home Appliances, a fictional maker of small kitchen appliances.

`sample_inputs()` builds both templates of one planning cycle in code; `write_sample()` writes them as filled
demand.xlsx and capacity.xlsx (what `sop sample DIR` puts on disk, and what samples/ holds).

The company is made to exercise every part of the meeting pack:
- 4 families (Kettles, Toasters, Blenders, Coffee makers), 32 SKUs, 5 customers, 6 resources at 2 sites
  (Sheffield and Brno), 3 constrained materials (the touch-control PCB's supplier is not qualified).
- Seasonal demand that peaks in October to December, when retailers stock up for Black Friday and Christmas.
  The blender line (SHF Assembly B) and the coffee line (BRN Assembly C) are sized for an average month, so the
  peak needs build-ahead from the summer, overtime and subcontracting, and still leaves gaps; the August and
  Christmas shutdowns take hours out of the months around it.
- Two launches that are not ready (one is ready only after its launch month, the other waits on an unqualified
  supplier), confirmed orders the plan cannot meet, a toaster sold below its margin floor, a phase-out.

Everything is relative to the month-0 cycle month, so the company works for any cycle month; seasonality
follows the calendar. `month=1` is the same company one cycle later: the cycle month moves on, the forecast is
revised a little, January's actuals are in, January's orders have shipped and new ones arrived. It feeds the
"what changed since last month" comparison. Random noise comes from seeded generators laid out by month first,
so the months two cycles share get the same draws; nothing depends on the wall clock.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import schema
from ..inputs import Inputs
from ..templates import write_filled, write_filled_files
from .company import Company
from .teams import capacity_files, demand_files

__all__ = ["sample_inputs", "write_sample"]


def sample_inputs(cycle_month: str | pd.Timestamp = "2027-01", month: int = 0) -> Inputs:
    """Build the sample company's inputs for one planning cycle.

    Args:
        cycle_month: The month-0 cycle month ("YYYY-MM" or a Timestamp; its first of month is used).
        month: 0 for that cycle; 1 for the next cycle of the same company (cycle month one later, forecast
            revised, one more month of actuals, orders shipped and new ones taken); and so on.

    Returns:
        The Inputs, every table in the long form of `inputs.py`, with no findings.

    Raises:
        ValueError: when month is negative.
    """
    if month < 0:
        raise ValueError(f"month must be 0 or more, not {month}")
    return Company(pd.Timestamp(cycle_month).to_period("M").to_timestamp(), month).inputs()


def write_sample(directory: str | Path, month: int = 0, *, force: bool = False, teams: bool = False) -> list[Path]:
    """Write the sample company's filled demand.xlsx and capacity.xlsx, or its teams' files.

    Args:
        directory: The folder to write into.
        month: 0 for the sample cycle (January 2027), 1 for the next month's cycle.
        force: Replace templates that exist in the folder; without it they are refused.
        teams: Write one file per team instead (see `teams.py`): demand/uk.xlsx and demand/europe.xlsx,
            capacity/sheffield.xlsx and capacity/brno.xlsx, for `sop reconcile DIR/demand DIR/capacity`.

    Returns:
        The paths written, demand first.

    Raises:
        OutputError: as `templates.write_filled`.
    """
    inputs = sample_inputs(month=month)
    if not teams:
        return list(write_filled(directory, inputs, force=force))
    directory = Path(directory)
    files = [
        (directory / "demand" / f"{stem}.xlsx", schema.DEMAND, part) for stem, part in demand_files(inputs).items()
    ]
    files += [
        (directory / "capacity" / f"{stem}.xlsx", schema.CAPACITY, part)
        for stem, part in capacity_files(inputs).items()
    ]
    return write_filled_files(files, force=force)
