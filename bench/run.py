"""Benchmark every stage of `sop reconcile` on a synthetic company, beside the floor for its I/O.

Usage:
    python bench/run.py 500 5000            # sizes in SKUs; prints one table per size (Markdown)

Each size runs in a fresh process so that peak memory (ru_maxrss) is that size's own. Stages:
  write templates  (the generator's company written as filled templates; not part of the job)
  read             sop_workbook.reader.read
  plan             sop_workbook.analysis.plan (every scenario, model build + solve + analysis)
  write pack       sop_workbook.workbook.write_pack
  cli end to end   `sop reconcile` as a subprocess (wall time, peak memory of the child)
Floors, measured in the same run on the same files:
  read floor       python-calamine reading every cell of both templates (a Rust-backed reader)
  write floor      xlsxwriter in constant_memory mode writing as many cells as the pack holds
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(label: str, rows: list, function, *args, **kwargs):
    start = time.perf_counter()
    value = function(*args, **kwargs)
    rows.append({"stage": label, "seconds": round(time.perf_counter() - start, 2), "peak MB": round(_peak_mb())})
    return value


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


def run_size(n_skus: int) -> list[dict]:
    """Run every stage for one size in this process and return the table rows."""
    from generate import generate

    from sop_workbook.analysis import plan
    from sop_workbook.reader import read
    from sop_workbook.templates import write_filled
    from sop_workbook.workbook import write_pack

    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        inputs = _timed("generate company", rows, generate, n_skus)
        demand, capacity = _timed("write templates (setup)", rows, write_filled, folder, inputs)
        _timed("read floor (calamine, all cells)", rows, _calamine_floor, [demand, capacity])
        inputs = _timed("read", rows, read, demand, capacity)
        errors = [str(f) for f in inputs.errors][:5]
        if errors:
            raise SystemExit(f"the generated company has errors: {errors}")
        results = _timed("plan (build + solve + analysis, all scenarios)", rows, plan, inputs)
        pack = folder / "pack.xlsx"
        _timed("write pack", rows, write_pack, results, pack, force=True)
        cells = _count_cells(pack)
        _timed(f"write floor (xlsxwriter constant_memory, {cells:,} cells)", rows, _xlsxwriter_floor,
               folder / "floor.xlsx", cells)
        out = folder / "cli-pack.xlsx"
        start = time.perf_counter()
        child = subprocess.run(
            [sys.executable, "-c",
             "import resource, sys; from sop_workbook.cli import main\n"
             "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
             "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, file=sys.stderr)",
             "reconcile", str(demand), str(capacity), "-o", str(out)],
            capture_output=True, text=True, cwd=ROOT)
        wall = time.perf_counter() - start
        peak = child.stderr.strip().splitlines()[-1] if child.stderr.strip() else "?"
        rows.append({"stage": "sop reconcile end to end (subprocess)", "seconds": round(wall, 2), "peak MB": peak})
        if child.returncode != 0:
            rows.append({"stage": f"  exit {child.returncode}: {child.stdout[-300:]}", "seconds": "", "peak MB": ""})
    return rows


def main(argv: list[str]) -> None:
    """Run each size in its own process and print Markdown tables."""
    if argv and argv[0] == "--one":
        print(json.dumps(run_size(int(argv[1]))))
        return
    sizes = [int(a) for a in argv] or [500]
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    for size in sizes:
        child = subprocess.run([sys.executable, __file__, "--one", str(size)], capture_output=True, text=True)
        if child.returncode != 0:
            print(f"\n{size} SKUs: failed\n{child.stderr[-2000:]}")
            continue
        rows = json.loads(child.stdout.strip().splitlines()[-1])
        print(f"\n### {size:,} SKUs\n\n| stage | seconds | peak MB |\n|---|---:|---:|")
        for row in rows:
            print(f"| {row['stage']} | {row['seconds']} | {row['peak MB']} |")


if __name__ == "__main__":
    main(sys.argv[1:])
