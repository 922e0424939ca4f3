"""`python -m sop_workbook` works as `sop`."""

from .cli import run

run()
