"""Measure hostile inputs too slow or too dangerous for the tests: time and peak memory, each in a fresh process.

Every case of tests/test_robustness.py's HOSTILE_FILES is read by `reader.read` in its own process (so the peak
RSS is that read's), and every case of PREVIOUS_FILES by `changes.read_previous`. Then what the guards prevent,
measured with the guards out of the way: calamine alone on the far cell (also written as a second reference, which
the guard before issue 20 let through) and on a zip bomb (with an address-space limit and an alarm, since they may
abort or run for minutes); a zip bomb whose directory lies about its size; the cost of the guards on a large valid
template; 10,000 customers with gaps through the whole pipeline.

    python bench/hostile.py                 # print the table
    python bench/hostile.py --write         # also write bench/hostile.json, which docs/robustness.md shows
    python bench/hostile.py --quick         # skip the slow cases (calamine alone, the large template)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

import test_robustness as cases  # noqa: E402

from sop_workbook.templates import write_filled  # noqa: E402

RESULTS = ROOT / "bench" / "hostile.json"
LIMIT_BYTES = 6 * 2**30
TIMEOUT = 120

READ = """
import sys, json
from sop_workbook.reader import read
findings = read(sys.argv[1], sys.argv[2]).findings
errors = [f.message for f in findings if f.severity == "error" and f.file == sys.argv[3]]
print(json.dumps(errors[0][:90] if errors else f"no error, {len(findings)} findings"))
"""

PREVIOUS = """
import sys, json
from sop_workbook.changes import read_previous
from sop_workbook.errors import SopError
try:
    read_previous(sys.argv[1])
    print(json.dumps("read"))
except SopError as error:
    print(json.dumps(str(error)[:90]))
"""

CALAMINE = """
import sys, json
from python_calamine import CalamineWorkbook
sheet = CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_name(sys.argv[2])
rows = sheet.to_python(skip_empty_area=False)
print(json.dumps(f"calamine built {len(rows):,} rows × {sheet.width:,} columns"))
"""

PIPELINE = """
import sys, json
sys.path[:0] = [sys.argv[2], sys.argv[2] + "/tests"]
from click.testing import CliRunner
from sop_workbook.cli import main
from test_robustness import _many_customers
from sop_workbook.templates import write_filled
inputs = _many_customers()
inputs.capacity["Hours"] = 5000.0
demand, capacity = write_filled(sys.argv[1], inputs)
result = CliRunner().invoke(main, ["reconcile", str(demand), str(capacity), "-o", sys.argv[1] + "/pack.xlsx"])
print(json.dumps(f"exit {result.exit_code}, 5,000 gaps"))
"""


def _limits():
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT_BYTES, LIMIT_BYTES))
    signal.alarm(TIMEOUT)


def run(script: str, *args: str) -> tuple[str, float, float]:
    """Run a Python script in a fresh, limited process: (its answer or how it died, seconds, peak RSS in MB)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", script, *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_limits,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    out = process.stdout.read()
    err = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.WIFSIGNALED(status):
        name = signal.Signals(os.WTERMSIG(status)).name
        why = {"SIGALRM": f"killed after {TIMEOUT} s", "SIGABRT": "aborted"}.get(name, name)
        if b"memory allocation" in err:
            why += " (" + err.decode(errors="replace").splitlines()[0][:60] + ")"
        return why, seconds, usage.ru_maxrss / 1024
    if os.WEXITSTATUS(status):
        return "failed: " + err.decode(errors="replace").strip().splitlines()[-1][:80], seconds, usage.ru_maxrss / 1024
    return json.loads(out), seconds, usage.ru_maxrss / 1024


def main() -> None:
    """Build every case in a temporary folder, run each in a fresh process, print (and maybe record) the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"write {RESULTS.relative_to(ROOT)}")
    parser.add_argument("--quick", action="store_true", help="skip the slow cases")
    arguments = parser.parse_args()
    rows = []

    def record(case: str, outcome: tuple[str, float, float]) -> None:
        answer, seconds, peak = outcome
        rows.append({"case": case, "outcome": answer, "seconds": round(seconds, 2), "peak_mb": round(peak)})
        print(f"{case:58s} {seconds:7.2f} s {peak:7.0f} MB  {answer}", flush=True)

    folder = Path(tempfile.mkdtemp())
    try:
        clean_demand, capacity = write_filled(folder / "clean", cases.small_company())
        _, startup, baseline = run("print('\"baseline\"')")
        record("clean templates (reference)", run(READ, clean_demand, capacity, clean_demand.name))
        for case in cases.HOSTILE_FILES:
            target = folder / case.id
            target.mkdir()
            path = case.build(clean_demand, target / case.name)
            record(f"reader: {case.given}", run(READ, path, capacity, path.name))
            if path.is_dir() and case.id == "directory":
                shutil.rmtree(path)
        for case in cases.PREVIOUS_FILES:
            target = folder / case.id
            target.mkdir()
            path = case.build(clean_demand, target / case.name)
            record(f"read_previous: {case.given}", run(PREVIOUS, path))
        bomb = cases.lying_zip_bomb(clean_demand, folder / "lying.xlsx")
        if not arguments.quick:
            far = cases._with_sheet_xml(clean_demand, folder / "far.xlsx", "Products", cases._far_cell("XFD1048576"))
            record("calamine alone, no guard: one value in XFD1048576", run(CALAMINE, far, "Products"))
            second = cases._with_sheet_xml(
                clean_demand,
                folder / "second.xlsx",
                "Products",
                cases._far_cell_written('<row r="2">', '<c r="A2" r="XFD1048576">'),
            )
            record(
                "calamine alone, no guard: XFD1048576 as a cell's second reference", run(CALAMINE, second, "Products")
            )
            tall = cases._with_sheet_xml(clean_demand, folder / "tall.xlsx", "Forecast", cases._far_cell("Z1000000"))
            record("calamine alone, no guard: one value in Z1000000", run(CALAMINE, tall, "Forecast"))
            small_bomb = cases.zip_bomb(clean_demand, folder / "bomb.xlsx", gigabytes=0.25, check=True)
            record("calamine alone, no guard: zip bomb of 256 MB", run(CALAMINE, small_bomb, "Forecast"))
            record("calamine alone, no guard: zip bomb of 1 GB, directory says 64 KB", run(CALAMINE, bomb, "Forecast"))
            from read_bench import large_inputs

            large = write_filled(folder / "large", large_inputs(5000))
            record("reader: valid 5,000 SKUs (10,000 forecast lines × 18 months)", run(READ, *large, large[0].name))
            record(
                "reader guards alone on that pair (sizes, DTD, sheet extents)",
                run(
                    "import sys, json, time\n"
                    "from sop_workbook.archive import Role, guard\n"
                    "started = time.perf_counter()\n"
                    "for path in sys.argv[1:]:\n"
                    "    guard(path, Role('a template', 'template'))\n"
                    "print(json.dumps(f'{time.perf_counter() - started:.2f} s of guards'))\n",
                    *large,
                ),
            )
            record(
                "pipeline: 1 SKU × 10,000 customers, 5,000 short (sop reconcile)",
                run(PIPELINE, folder / "customers", ROOT),
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if arguments.write:
        RESULTS.write_text(
            json.dumps(
                {
                    "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
                    "baseline_mb": round(baseline),
                    "startup_s": round(startup, 2),
                    "rows": rows,
                },
                indent=1,
            )
            + "\n"
        )
        print(f"Wrote {RESULTS}")


if __name__ == "__main__":
    main()
