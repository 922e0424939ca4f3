"""`python -m sop_workbook` works as `sop`."""

from .cli import main

main(prog_name="sop")
