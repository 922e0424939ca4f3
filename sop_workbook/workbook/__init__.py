"""The meeting pack: the plan's results as one annotated, print-ready Excel workbook.

One module per sheet (`summary`, `decisions`, `consensus`, ...), the formats in `styles`, the one way text is
written in `text`, and `writer`, which puts the sheets in order and writes the file atomically.
"""

from .plan_data import frame as plan_data_frame
from .writer import SHEET_NAMES, write_pack

__all__ = ["SHEET_NAMES", "plan_data_frame", "write_pack"]
