"""The `sop` command: a thin layer that checks arguments, calls one library function and prints.

Errors become exit codes here and nowhere else: 0 success (warnings allowed), 1 invalid input or a plan or
output that cannot be made, 2 usage; 143 when stopped by SIGTERM (129 by SIGHUP), after cleaning up as for Ctrl-C.

Everything printed goes through `_echo`, which shows control characters from the files (an ESC sequence that
would retitle or clear the terminal, a line break that would fake a line of output) as visible escapes.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import sys
import threading
from pathlib import Path

import click

from . import __version__
from .annotate import annotate
from .errors import ERROR, Finding, InputError, SopError
from .promise import promise_from_files
from .reader import side_of
from .reader import validate as validate_files
from .reconcile import reconcile as reconcile_files
from .rollforward import rollforward as rollforward_files
from .sample import write_sample
from .templates import write_templates

EXISTING_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
# A side's templates: one file, or a folder of them (one per team).
TEMPLATES = click.Path(exists=True, path_type=Path)
FORCE = click.option("--force", is_flag=True, help="Overwrite files that exist (without it they are refused).")

# What a terminal would act on instead of showing: C0 and C1 control characters (ESC, BEL, CR, line breaks), DEL,
# Unicode's line separators and bidirectional overrides (which reorder what follows them), and the lone surrogates
# that stand for the bytes of a file name that is not UTF-8.
_UNSHOWN = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def shown(text: str) -> str:
    """Text as it may be printed to a terminal: every character a terminal would act on shown as an escape.

    ESC becomes "\\x1b", a line break "\\x0a", a right-to-left override "\\u202e"; a byte of a file name that is not
    UTF-8 is shown as "\\xe9". Everything else is unchanged.

    Args:
        text: One line of output, with text from files in it.

    Returns:
        The line, safe to print.
    """
    return _UNSHOWN.sub(_visible, text)


def _visible(match: re.Match) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape's stand-in for an undecodable byte
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _echo(*pieces: str | tuple[str, str], err: bool = False) -> None:
    """Print one line (every line the command prints comes here), its control characters shown as escapes.

    Args:
        pieces: The line's parts, without its line break: texts, or (text, colour) pairs to print in colour (the
            colour's escape sequence is added after the escaping, so it is the only one).
        err: Print to standard error.
    """
    line = "".join(
        shown(piece) if isinstance(piece, str) else click.style(shown(piece[0]), fg=piece[1]) for piece in pieces
    )
    click.echo(line, err=err)


def _print_findings(findings: list[Finding]) -> None:
    """Print findings grouped by file and sheet, errors and warnings counted at the end."""
    current = None
    for finding in sorted(findings):
        group = (finding.file, finding.sheet)
        if group != current:
            current = group
            _echo()
            _echo(finding.file + (f" — {finding.sheet}" if finding.sheet else ""))
        where = f"{finding.cell:>6}" if finding.cell else "      "
        colour = "red" if finding.severity == ERROR else "yellow"
        _echo(f"  {where}  ", (finding.severity.upper(), colour), f": {finding.message}")
    errors = sum(f.severity == ERROR for f in findings)
    _echo()
    _echo(f"{errors} error(s), {len(findings) - errors} warning(s).")


def _month(ctx, param, value):
    if value is None:
        return None
    try:
        return dt.datetime.strptime(value, "%Y-%m")
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a month; write it as YYYY-MM, e.g. 2027-01") from None


def _run_time(ctx, param, value):
    if value is None:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date-time; write it as YYYY-MM-DDTHH:MM:SS") from None


class SopGroup(click.Group):
    """Turns every library error into click's exit code 1 with its message: never a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except SopError as error:
            raise click.ClickException(shown(str(error))) from None


@click.group(cls=SopGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sop")
def main():
    """S&OP workbook: Excel templates in, a reconciled meeting pack out.

    \b
    A monthly cycle:
      sop templates blank/               # blank templates for Sales and Operations
      sop validate demand.xlsx           # each side checks its own file
      sop validate demand.xlsx capacity.xlsx
      sop reconcile demand.xlsx capacity.xlsx -o pack.xlsx
      sop rollforward demand.xlsx capacity.xlsx next/   # next month's templates

    DEMAND and CAPACITY may each be a folder of files, one per team.

    Try it on the sample company: `sop sample samples/` and reconcile those files.
    """


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--cycle-month", callback=_month, help="First month of the plan, YYYY-MM (default: next month).")
@click.option("--horizon", type=click.IntRange(1, 60), default=18, show_default=True, help="Months in the plan.")
@FORCE
def templates(directory, cycle_month, horizon, force):
    """Write blank demand.xlsx and capacity.xlsx templates into DIRECTORY.

    Templates already in DIRECTORY (filled ones, say) are refused unless --force.

    \b
    Example:
      sop templates cycle-2027-01/ --cycle-month 2027-01 --horizon 18
    """
    for path in write_templates(directory, cycle_month, horizon, force=force):
        _echo(f"Wrote {path}")


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--month",
    type=click.IntRange(0, 1),
    default=0,
    show_default=True,
    help="0 = the sample's first cycle (Jan-27); 1 = the next month's cycle (Feb-27).",
)
@click.option(
    "--teams",
    is_flag=True,
    help="Write one file per team: DIRECTORY/demand/ (a file per sales region), DIRECTORY/capacity/ (per plant).",
)
@FORCE
def sample(directory, month, teams, force):
    """Write the sample company's filled-in templates into DIRECTORY.

    Templates already in DIRECTORY are refused unless --force.

    \b
    Example:
      sop sample samples/
      sop reconcile samples/demand.xlsx samples/capacity.xlsx -o samples/sop-pack.xlsx
      sop sample teams/ --teams
      sop reconcile teams/demand teams/capacity -o teams/sop-pack.xlsx
    """
    for path in write_sample(directory, month=month, force=force, teams=teams):
        _echo(f"Wrote {path}")


@main.command()
@click.argument("paths", metavar="FILE [FILE]", nargs=-1, required=True, type=TEMPLATES)
@click.option(
    "--annotate",
    "annotate_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write copies of the templates with every flagged cell highlighted and commented.",
)
def validate(paths, annotate_dir):
    """Check one side's templates, or both, and list every problem by file, sheet and cell.

    With one FILE (or folder), its side is recognised by its sheets and everything that side can know alone is
    checked: Sales checks demand.xlsx without waiting for Operations. With two (demand first, then capacity),
    the checks across both run too. Exits 0 when there are no errors (warnings are listed), 1 when there are.

    \b
    Example:
      sop validate demand.xlsx
      sop validate samples/demand.xlsx samples/capacity.xlsx
      sop validate sales/ plants/ --annotate checked/
    """
    if len(paths) > 2:
        raise click.UsageError(f"give one or two files or folders (demand, then capacity), not {len(paths)}")
    findings = validate_files(*paths)
    if findings:
        _print_findings(findings)
    else:
        _echo("No problems found.")
    if annotate_dir is not None:
        if len(paths) == 2:
            demand, capacity = paths
        else:
            demand, capacity = (paths[0], None) if side_of(paths[0]) != "capacity" else (None, paths[0])
        for path in annotate(findings, demand, capacity, annotate_dir):
            _echo(f"Wrote {path}")
    sys.exit(1 if any(f.severity == ERROR for f in findings) else 0)


@main.command()
@click.argument("demand", type=TEMPLATES)
@click.argument("capacity", type=TEMPLATES)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The meeting pack to write (.xlsx).",
)
@click.option("--force", is_flag=True, help="Overwrite the output files if they exist.")
@click.option(
    "--plan-data",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the whole Plan Data table to this .csv or .parquet file.",
)
@click.option(
    "--previous",
    type=EXISTING_FILE,
    help="Last month's meeting pack: what changed since it, and its open decisions carried forward.",
)
@click.option(
    "--run-time",
    callback=_run_time,
    help="The run time recorded in the pack, YYYY-MM-DDTHH:MM:SS (default: SOURCE_DATE_EPOCH or now).",
)
def reconcile(demand, capacity, output, force, plan_data, previous, run_time):
    """Validate DEMAND and CAPACITY, plan every scenario and write the meeting pack.

    \b
    Example:
      sop reconcile samples/demand.xlsx samples/capacity.xlsx -o pack.xlsx
      sop reconcile demand.xlsx capacity.xlsx -o pack.xlsx --force --plan-data plan.csv
      sop reconcile feb/demand.xlsx feb/capacity.xlsx -o feb-pack.xlsx --previous jan-pack.xlsx
      sop reconcile sales/ plants/ -o pack.xlsx      # a folder of files per side, one per team
    """
    interactive = sys.stderr.isatty()

    def progress(stage: str) -> None:
        if interactive:
            _echo(f"… {stage}", err=True)

    try:
        results = reconcile_files(
            demand,
            capacity,
            output,
            force=force,
            plan_data=plan_data,
            run_time=run_time,
            previous=previous,
            progress=progress,
        )
    except InputError as error:
        _print_findings(error.findings)
        _echo("Fix the errors above and run again; nothing was written.", err=True)
        sys.exit(1)
    _print_summary(results, output)


@main.command()
@click.argument("demand", type=TEMPLATES)
@click.argument("capacity", type=TEMPLATES)
@click.option("--sku", required=True, help="The SKU the customer wants.")
@click.option("--quantity", type=click.FloatRange(min=0, min_open=True), required=True, help="Units wanted.")
@click.option(
    "--date",
    "date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    required=True,
    help="The delivery date asked for, YYYY-MM-DD.",
)
@click.option("--customer", help="The customer, as on the Customers sheet (their price applies).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of sentences.")
def promise(demand, capacity, sku, quantity, date, customer, as_json):
    """Can we deliver QUANTITY more of SKU by DATE, on top of the current plan?

    Answers "YES from free capacity", "YES if" other demand is delayed or lost (listed by SKU, customer and month),
    "PARTLY" or "NO"; the earliest date for the whole quantity from free capacity alone and with displacement;
    and the margin effect in the plan's currency. The plan is monthly: a date is answered for its month's end.

    \b
    Example:
      sop promise samples/demand.xlsx samples/capacity.xlsx --sku BL-PRO-700 --quantity 2000 --date 2027-03-15
      sop promise demand.xlsx capacity.xlsx --sku BL-PRO-700 --quantity 2000 --date 2027-03-15 --json
    """
    try:
        answer = promise_from_files(demand, capacity, sku, quantity, date, customer)
    except InputError as error:
        _print_findings(error.findings)
        sys.exit(1)
    if as_json:
        # JSON escapes every control character itself ("\\u001b"); one line at a time like everything printed.
        for line in json.dumps(answer.to_dict(), indent=2).splitlines():
            _echo(line)
        return
    _echo(f"Answer: {answer.answer.upper()}. {answer.reason}")
    for line in answer.delayed:
        _echo(
            f"  delays {line['units']:,.0f} units of {line['sku']} for {line['customer']}, planned in "
            f"{line['month']}, by {line['months_late']} month(s)"
        )
    for line in answer.displaced:
        _echo(
            f"  loses {line['units']:,.0f} units of {line['sku']} "
            f"({', '.join(line['customers'])}; {line['revenue']:,.0f} {answer.currency} of revenue)"
        )


@main.command()
@click.argument("demand", type=TEMPLATES)
@click.argument("capacity", type=TEMPLATES)
@click.argument("outdir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--cycle-month", callback=_month, help="The new cycle month, YYYY-MM (default: the month after).")
@FORCE
def rollforward(demand, capacity, outdir, cycle_month, force):
    """Write next cycle's templates into OUTDIR from this cycle's filled DEMAND and CAPACITY.

    Master data and policies are carried; month columns shift (the closed month drops off, a blank month is added
    at the end); the Actuals window moves, the closed month blank for Sales to fill; open orders are carried and
    past-due ones flagged; assumptions and risks carried with a note. Every cell still to fill is listed.

    \b
    Example:
      sop rollforward jan/demand.xlsx jan/capacity.xlsx feb/
      sop rollforward jan/demand.xlsx jan/capacity.xlsx mar/ --cycle-month 2027-03
    """
    try:
        rolled = rollforward_files(demand, capacity, outdir, cycle_month, force=force)
    except InputError as error:
        _print_findings(error.findings)
        _echo("Fix the errors above and run again; nothing was written.", err=True)
        sys.exit(1)
    _echo(f"Rolled forward to the cycle of {rolled.cycle_month:%b-%y}. Still to fill in or check:")
    _print_findings(rolled.findings)
    for path in rolled.paths:
        _echo(f"Wrote {path}")


def _print_summary(results, output: Path) -> None:
    """The few figures a coordinator wants to see before opening the pack."""
    summary = results.summary
    currency = results.inputs.cycle.currency
    _echo(
        f"Base plan for {results.inputs.cycle.company}, "
        f"{results.inputs.cycle.cycle_month:%b-%y} + {results.inputs.cycle.horizon} months"
    )
    _echo(f"  Fill rate            {summary.get('Fill rate', float('nan')):8.1%}")
    _echo(f"  Revenue              {summary.get('Revenue', 0):>14,.0f} {currency}")
    _echo(
        f"  Contribution margin  {summary.get('Contribution margin', 0):>14,.0f} {currency}"
        f"  ({summary.get('Contribution margin %', float('nan')):.1%})"
    )
    _echo(f"  Revenue at risk      {summary.get('Revenue at risk', 0):>14,.0f} {currency}")
    gaps = results.gaps
    if len(gaps):
        base = gaps[gaps["Scenario"] == "Base"].head(3)
        _echo("  Top gaps:")
        for gap in base.to_dict("records"):
            _echo(
                f"    {gap['SKU']} for {gap['Customer']}, {gap['Month']:%b-%y}: {gap['Unmet units']:,.0f} units"
                f", {gap['Revenue at risk']:,.0f} {currency} at risk — {gap['Explanation']}"
            )
    _echo(f"Wrote {output}")


# Signals that stop a run the way Ctrl-C does: a kill or a service manager (SIGTERM), a terminal closed (SIGHUP).
STOP_SIGNALS = ("SIGTERM", "SIGHUP")


class _Stopped(SystemExit):
    """Raised in the main thread when a stop signal arrives: every clean-up on the way out runs (temporary files
    and folders removed, child processes stopped), then the process exits with 128 + the signal's number, the
    code a shell gives a process the signal ended."""

    def __init__(self, number: int):
        super().__init__(128 + number)
        self.number = number


def _stop_on_signals() -> None:
    if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
        return
    owner = os.getpid()

    def stop(number, frame):
        if os.getpid() != owner:  # a forked worker inherited this: it ends as it would have, its parent cleans up
            signal.signal(number, signal.SIG_DFL)
            os.kill(os.getpid(), number)
            return
        signal.signal(number, signal.SIG_IGN)  # a second signal must not cut the clean-up short
        raise _Stopped(number)

    for name in STOP_SIGNALS:
        if hasattr(signal, name) and signal.getsignal(getattr(signal, name)) == signal.SIG_DFL:
            signal.signal(getattr(signal, name), stop)


def run(args: list[str] | None = None) -> None:
    """The `sop` program itself (its console script and `python -m sop_workbook`): `main`, stopped cleanly by
    SIGTERM and SIGHUP (see `STOP_SIGNALS`).

    Args:
        args: The command line (default: the process's).
    """
    _stop_on_signals()
    try:
        main(args=args, prog_name="sop")
    except _Stopped as stopped:
        try:
            _echo(f"Stopped by {signal.Signals(stopped.number).name}; no file was left half-written.", err=True)
        except OSError:  # the terminal is gone (SIGHUP)
            pass
        raise
