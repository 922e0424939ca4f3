"""Time `reader.read` and measure its peak memory on a large pair of templates.

Builds a company of 5,000 SKUs (about 10,000 forecast lines × 18 months) with `bench/generate.py`
(`--simple`: the plain company below instead), writes it with `templates.write_filled`, then reads it back a few
times. The findings count is printed too: a generated company is valid, so it should have no errors.

With `--against OTHER` (the root of another checkout, a `git worktree` of an earlier commit say), it reads the pair
instead with this checkout's reader and the other's, each read in a fresh process, the two alternating in `--pairs`
pairs, and prints every time and the medians: on a machine shared with other work, pairs are what can be compared.

    python bench/read_bench.py [--skus 5000] [--repeat 3] [--keep DIR] [--simple]
    python bench/read_bench.py --keep DIR --against ../main --pairs 7
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without installing
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate  # noqa: E402

from sop_workbook.inputs import MONTH, Cycle, build_inputs  # noqa: E402
from sop_workbook.reader import read  # noqa: E402
from sop_workbook.templates import write_filled  # noqa: E402

CUSTOMERS = ("Retail", "Online", "Wholesale", "Export")
ROOT = Path(__file__).resolve().parent.parent

# One read in a fresh process, with the given checkout's reader: its seconds, findings and peak memory.
ONE_READ = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from sop_workbook.reader import read
started = time.perf_counter()
inputs = read(sys.argv[2], sys.argv[3])
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "findings": len(inputs.findings), "peak MB": round(peak)}))
"""


def large_inputs(skus: int, horizon: int = 18, seed: int = 1):
    """A valid company of `skus` SKUs, two customers each on average, 40 resources, a subcontractor for 1 in 5."""
    rng = np.random.default_rng(seed)
    cycle = Cycle("Bench Co", pd.Timestamp("2027-01-01"), horizon, "EUR", {})
    months = cycle.months
    codes = [f"SKU-{i:05d}" for i in range(skus)]
    resources = [f"Line {i}" for i in range(40)]
    products = pd.DataFrame(
        {
            "SKU": codes,
            "Description": [f"Product {c}" for c in codes],
            "Family": [f"Family {i % 25}" for i in range(skus)],
            "Unit": "each",
            "Status": "Active",
            "Margin floor %": 0.15,
        }
    )
    lines = [
        (sku, customer) for i, sku in enumerate(codes) for customer in CUSTOMERS[: 1 + (i % 3)]
    ]  # 1, 2 or 3 customers: 2 on average
    forecast = pd.DataFrame(
        {
            "SKU": np.repeat([s for s, _ in lines], horizon),
            "Customer": np.repeat([c for _, c in lines], horizon),
            "Scenario": "Base",
            MONTH: np.tile(np.array(months, dtype="datetime64[ns]"), len(lines)),
            "Forecast": rng.integers(0, 500, size=len(lines) * horizon).astype(float),
        }
    )
    prices = pd.DataFrame(
        {"SKU": codes, "Customer": "", "Unit price": rng.uniform(5, 50, skus).round(2), "Valid from": months[0]}
    )
    resource_table = pd.DataFrame(
        {"Resource": resources, "Site": "Plant", "Regular cost per hour": 40.0, "Overtime cost per hour": 60.0}
    )
    capacity = pd.DataFrame(
        {
            "Resource": np.repeat(resources, horizon),
            "Kind": "Regular",
            MONTH: np.tile(np.array(months, dtype="datetime64[ns]"), len(resources)),
            "Hours": 10000.0,
        }
    )
    routings = pd.DataFrame(
        {"SKU": codes, "Resource": [resources[i % 40] for i in range(skus)], "Hours per unit": 0.05}
    )
    costs = pd.DataFrame(
        {
            "SKU": codes,
            "Material cost per unit": 2.0,
            "Other variable cost per unit": 0.5,
            "Holding cost per unit-month": 0.05,
            "Unmet demand": "Backlog",
            "Backlog cost per unit-month": 0.2,
        }
    )
    sub_skus = codes[::5]
    subcontract = pd.DataFrame(
        {
            "SKU": np.repeat(sub_skus, horizon),
            "Subcontractor": "Subco",
            "Cost per unit": 9.0,
            MONTH: np.tile(np.array(months, dtype="datetime64[ns]"), len(sub_skus)),
            "Max units": 100.0,
        }
    )
    inventory = pd.DataFrame(
        {
            "SKU": codes,
            "Opening stock": 100.0,
            "Safety stock": 20.0,
            "Target closing stock": 20.0,
            "Max stock": np.nan,
            "Lead time (days)": 14,
        }
    )
    return build_inputs(
        cycle,
        products=products,
        forecast=forecast,
        prices=prices,
        resources=resource_table,
        capacity=capacity,
        routings=routings,
        costs=costs,
        subcontract=subcontract,
        inventory=inventory,
    )


def compare(demand: Path, capacity: Path, other: Path, pairs: int) -> None:
    """Read the pair with this checkout's reader and another's, alternating, each in a fresh process."""
    checkouts = {"this": ROOT, "other": other.resolve()}
    seconds: dict[str, list[float]] = {name: [] for name in checkouts}
    for pair in range(pairs):
        for name in ("this", "other") if pair % 2 == 0 else ("other", "this"):
            done = subprocess.run(
                [sys.executable, "-c", ONE_READ, str(checkouts[name]), str(demand), str(capacity)],
                capture_output=True,
                text=True,
                check=True,
            )
            result = json.loads(done.stdout.splitlines()[-1])
            seconds[name].append(result["seconds"])
            print(f"{name:5s} {result['seconds']:.3f} s, {result['findings']} findings, peak {result['peak MB']} MB")
    for name, times in seconds.items():
        print(
            f"{name:5s} median {statistics.median(times):.3f} s ({min(times):.3f}–{max(times):.3f}), {checkouts[name]}"
        )


def main() -> None:
    """Build the pair, then report read time (best of --repeat) and peak memory, or compare two readers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="write the pair here (and reuse it if present)")
    parser.add_argument("--simple", action="store_true", help="the plain company of this script, not generate()")
    parser.add_argument("--against", type=Path, help="the root of another checkout whose reader to compare with")
    parser.add_argument("--pairs", type=int, default=7, help="with --against: how many pairs of reads")
    args = parser.parse_args()

    directory = args.keep or Path(tempfile.mkdtemp(prefix="read-bench-"))
    demand, capacity = directory / "demand.xlsx", directory / "capacity.xlsx"
    if not (demand.exists() and capacity.exists()):
        started = time.perf_counter()
        inputs = large_inputs(args.skus) if args.simple else generate(args.skus)
        demand, capacity = write_filled(directory, inputs)
        print(
            f"built {args.skus} SKUs, {inputs.forecast.groupby(['SKU', 'Customer']).ngroups} forecast lines "
            f"× {inputs.cycle.horizon} months in {time.perf_counter() - started:.1f} s"
        )
    print(f"demand.xlsx {demand.stat().st_size / 1e6:.1f} MB, capacity.xlsx {capacity.stat().st_size / 1e6:.1f} MB")
    if args.against:
        compare(demand, capacity, args.against, args.pairs)
        return

    times = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        result = read(demand, capacity)
        times.append(time.perf_counter() - started)
    errors = len(result.errors)
    print(
        f"read: best {min(times):.2f} s, runs {', '.join(f'{t:.2f}' for t in times)} s; "
        f"{len(result.forecast)} forecast rows, {len(result.findings)} findings ({errors} errors)"
    )
    for (severity, sheet), count in sorted(Counter((f.severity, f.sheet) for f in result.findings).items()):
        print(f"  {count:6d} {severity}s on {sheet or '(file)'}")

    tracemalloc.start()
    read(demand, capacity)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"peak Python memory during read (tracemalloc): {peak / 1e6:.0f} MB; "
        f"process max RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:.0f} MB"
    )


if __name__ == "__main__":
    main()
