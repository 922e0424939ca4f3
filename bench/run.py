"""Benchmark `sop reconcile` on a synthetic company, each stage beside the floor for its I/O.

Usage:
    python bench/run.py 500 5000 20000      # sizes in SKUs; prints one Markdown table per size
    python bench/run.py 1000:company        # a connected company (bench/generate.py: "site" or "company")

For each size, in a fresh process:
  generate company, write templates   setup, not part of the job (bench/generate.py's company as filled templates)
  read floor       python-calamine reading every cell of both templates (a Rust-backed reader)
  sop reconcile    the command itself (`sop_workbook.cli.run`, what the `sop` program runs), in a child process:
                   wall time from starting the process to its exit, measured here, and the child's peak memory.
                   The child times its own stages as they run — imports, read, plan (build + solve of every
                   scenario + analysis), write pack — with the peak memory at the end of each; the process's
                   start and exit are the rest of the wall time. That peak is the `sop` process's own (Linux
                   keeps the peak across exec, so it is at least this benchmark's size when it started `sop`).
                   The job also forks worker processes; the peak of the whole tree's memory is sampled here
                   every 0.2 s as the sum of each process's proportional set size (PSS: a page shared by
                   forked processes counts once in all), from /proc.
  write floor      xlsxwriter in constant_memory mode writing as many cells as the pack holds
  read ÷ read floor, write pack ÷ write floor
                   the ratios the 2× target is about, from the seconds above (to the millisecond: at 500 SKUs
                   the read takes about a tenth of a second, which hundredths would leave 10% uncertain)

The package is byte-compiled first, as `pip install` does when it installs it. Run from its source folder where
Python may not write bytecode (PYTHONDONTWRITEBYTECODE, set on the machine the figures come from), the command
would otherwise compile its ~8,000 lines again at every start: 0.1-0.15 s that an installed `sop` never spends.
"""

from __future__ import annotations

import compileall
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

# Runs `sop reconcile` in the child with the stage functions of sop_workbook.reconcile wrapped by timers. The
# command itself is unchanged: the entry point of the `sop` program, the same arguments and output.
CHILD = r"""
import resource, sys, time, json
start = time.perf_counter()

def peak():
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)

def mark(label, begun):
    # Printed at once: the command ends its process without returning here.
    stage = {"stage": label, "seconds": round(time.perf_counter() - begun, 3), "peak MB": peak()}
    print("STAGE " + json.dumps(stage), file=sys.stderr, flush=True)

import sop_workbook.reconcile
from sop_workbook.cli import run
job = sys.modules["sop_workbook.reconcile"]  # the module: the package's name `reconcile` is the function
mark("imports (sop_workbook, pandas, scipy, highspy, xlsxwriter)", start)

def timed(label, function):
    def wrapper(*args, **kwargs):
        begun = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            mark(label, begun)
    return wrapper

job.read = timed("read", job.read)
job.plan = timed("plan (build + solve + analysis, every scenario)", job.plan)
job.write_pack = timed("write pack", job.write_pack)
run(sys.argv[1:])
"""


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(label: str, rows: list, function, *args, **kwargs):
    start = time.perf_counter()
    value = function(*args, **kwargs)
    rows.append({"stage": label, "seconds": round(time.perf_counter() - start, 3), "peak MB": round(_peak_mb())})
    return value


def _tree_pss_mb(root: int) -> float:
    """The summed proportional set size of a process and its descendants, in MB, from /proc (Linux)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue  # ended meanwhile
            children.setdefault(parent, []).append(int(entry))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            with open(f"/proc/{pid}/smaps_rollup") as rollup:
                total += next((int(line.split()[1]) for line in rollup if line.startswith("Pss:")), 0)
        except OSError:
            pass
    return total / 1024


class _TreePeak:
    """The largest `_tree_pss_mb` of a running process, sampled on a thread until `stop`."""

    def __init__(self, pid: int, every: float = 0.2):
        self.peak = 0.0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, args=(pid, every), daemon=True)
        self._thread.start()

    def _sample(self, pid: int, every: float) -> None:
        while not self._done.wait(every):
            self.peak = max(self.peak, _tree_pss_mb(pid))

    def stop(self) -> float:
        self._done.set()
        self._thread.join()
        return self.peak


def _calamine_floor(paths) -> int:
    from python_calamine import CalamineWorkbook

    cells = 0
    for path in paths:
        workbook = CalamineWorkbook.from_path(str(path))
        for name in workbook.sheet_names:
            for row in workbook.get_sheet_by_name(name).to_python():
                cells += len(row)
    return cells


def _count_cells(path) -> int:
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(path))
    return sum(len(row) for name in workbook.sheet_names for row in workbook.get_sheet_by_name(name).to_python())


def _xlsxwriter_floor(path, cells: int) -> None:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet()
    width = 20
    for row in range(cells // width + 1):
        sheet.write_row(row, 0, [row * 0.5 + col for col in range(width)])
    workbook.close()


def _size(spec: str) -> tuple[int, str]:
    """A size given as N (SKUs) or N:site / N:company (a connected company, see bench/generate.py)."""
    count, _, connected = spec.partition(":")
    return int(count), connected


def _title(spec: str) -> str:
    n_skus, connected = _size(spec)
    return f"{n_skus:,} SKUs" + (f", connected ({connected})" if connected else "")


def run_size(spec: str) -> list[dict]:
    """Run every stage for one size ("N" or "N:site" / "N:company") and return the table rows."""
    from generate import generate

    n_skus, connected = _size(spec)

    from sop_workbook.templates import write_filled

    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        inputs = _timed("generate company (setup)", rows, generate, n_skus, connected=connected)
        demand, capacity = _timed("write templates (setup)", rows, write_filled, folder, inputs)
        del inputs
        _timed("read floor (calamine, every cell of both templates)", rows, _calamine_floor, [demand, capacity])
        out = folder / "pack.xlsx"
        begun = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, "reconcile", str(demand), str(capacity), "-o", str(out)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        tree = _TreePeak(child.pid)
        stdout, stderr = child.communicate()
        wall = time.perf_counter() - begun
        tree_peak = tree.stop()
        stages = [json.loads(line[len("STAGE ") :]) for line in stderr.splitlines() if line.startswith("STAGE ")]
        rows.extend(stages)
        if child.returncode != 0 or len(stages) < 4:
            rows.append(
                {
                    "stage": f"sop reconcile failed (exit {child.returncode}): {stdout[-300:]} {stderr[-500:]}",
                    "seconds": "",
                    "peak MB": "",
                }
            )
            return rows
        rows.append(
            {
                "stage": "sop reconcile end to end (process start to exit)",
                "seconds": round(wall, 2),
                "peak MB": max(stage["peak MB"] for stage in stages),
            }
        )
        rows.append(
            {
                "stage": "sop reconcile, all its processes (peak of summed PSS, sampled every 0.2 s)",
                "seconds": "",
                "peak MB": round(tree_peak),
            }
        )
        cells = _count_cells(out)
        _timed(
            f"write floor (xlsxwriter constant_memory, {cells:,} cells)",
            rows,
            _xlsxwriter_floor,
            folder / "floor.xlsx",
            cells,
        )
        seconds = {row["stage"].split(" (")[0]: row["seconds"] for row in rows}
        for stage, floor in (("read", "read floor"), ("write pack", "write floor")):
            rows.append(
                {
                    "stage": f"{stage} ÷ {floor} (times)",
                    "seconds": round(seconds[stage] / seconds[floor], 2),
                    "peak MB": "",
                }
            )
    return rows


def main(argv: list[str]) -> None:
    """Run each size in its own process and print Markdown tables."""
    if argv and argv[0] == "--one":
        print(json.dumps(run_size(argv[1])))
        return
    sizes = argv or ["500"]
    for size in sizes:
        _size(size)  # a bad size stops here, before any run
    compileall.compile_dir(ROOT / "sop_workbook", quiet=1)
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    for size in sizes:
        child = subprocess.run([sys.executable, __file__, "--one", size], capture_output=True, text=True)
        if child.returncode != 0:
            print(f"\n{_title(size)}: failed\n{child.stderr[-2000:]}")
            continue
        rows = json.loads(child.stdout.strip().splitlines()[-1])
        print(f"\n### {_title(size)}\n\n| stage | seconds | peak MB |\n|---|---:|---:|")
        for row in rows:
            print(f"| {row['stage']} | {row['seconds']} | {row['peak MB']} |")
        sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
