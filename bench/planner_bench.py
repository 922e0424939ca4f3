"""Benchmark of the planner's LP: model size, build time and solve time for synthetic companies.

Usage:
    python bench/planner_bench.py                 # 500 and 5,000 SKUs × 18 months, default HiGHS options
    python bench/planner_bench.py 5000 --ipm      # one size, interior point with crossover

The generator is quick and synthetic (random but seeded), sized like the product's target: two customers per
SKU (10,000 lines for 5,000 SKUs), 50 resources, 20 constrained materials, capacity a little short of demand so
that resources bind. Its routings and materials are drawn across all resources, so the LP is one block (see
`planner.blocks`): the worst case for the planner. bench/generate.py draws a company by sites, and bench/run.py
times the whole job on it. A realistic small company lives in sop_workbook/sample.py.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from sop_workbook.inputs import Cycle, build_inputs
from sop_workbook.planner import Adjustments, solve, solve_all


def synthetic_inputs(
    n_skus: int, horizon: int = 18, n_resources: int = 50, n_materials: int = 20, seed: int = 7, scenarios: bool = False
):
    """A random company of `n_skus` SKUs, two customers each, built without any per-row Python loop; with
    `scenarios`, Upside (+15%) and Downside (−15%) forecasts too."""
    rng = np.random.default_rng(seed)
    cycle = Cycle(company="Bench Co", cycle_month=pd.Timestamp("2027-01-01"), horizon=horizon, currency="EUR")
    months = pd.date_range(cycle.cycle_month, periods=horizon, freq="MS")
    skus = np.array([f"SKU{i:05d}" for i in range(n_skus)], dtype=object)
    resources = np.array([f"Line {i:02d}" for i in range(n_resources)], dtype=object)
    materials = np.array([f"Mat {i:02d}" for i in range(n_materials)], dtype=object)

    products = pd.DataFrame(
        {
            "SKU": skus,
            "Description": skus,
            "Family": [f"Fam {i % 25}" for i in range(n_skus)],
            "Unit": "each",
            "Status": "Active",
            "Margin floor %": 0.2,
        }
    )
    # Two customers per SKU, forecast with seasonality.
    line_sku = np.repeat(skus, 2)
    line_customer = np.array([f"Cust {i % 40}" for i in range(2 * n_skus)], dtype=object)
    base = rng.gamma(2.0, 50.0, size=2 * n_skus)
    season = 1.0 + 0.3 * np.sin(np.arange(horizon) / 12 * 2 * np.pi)
    volume = np.round(base[:, None] * season[None, :] * rng.uniform(0.8, 1.2, size=(2 * n_skus, horizon)))
    forecast = pd.DataFrame(
        {
            "SKU": np.repeat(line_sku, horizon),
            "Customer": np.repeat(line_customer, horizon),
            "Scenario": "Base",
            "Month": np.tile(months, 2 * n_skus),
            "Forecast": volume.ravel(),
        }
    )
    if scenarios:
        forecast = pd.concat(
            [
                forecast,
                forecast.assign(Scenario="Upside", Forecast=np.round(volume.ravel() * 1.15)),
                forecast.assign(Scenario="Downside", Forecast=np.round(volume.ravel() * 0.85)),
            ],
            ignore_index=True,
        )
    price = np.round(rng.uniform(20, 200, size=n_skus), 2)
    prices = pd.DataFrame({"SKU": skus, "Customer": "", "Unit price": price, "Valid from": cycle.cycle_month})
    material_cost = np.round(price * rng.uniform(0.3, 0.5, size=n_skus), 2)
    costs = pd.DataFrame(
        {
            "SKU": skus,
            "Material cost per unit": material_cost,
            "Other variable cost per unit": np.round(price * 0.1, 2),
            "Holding cost per unit-month": np.round(price * 0.02, 2),
            "Unmet demand": np.where(rng.random(n_skus) < 0.3, "Backlog", "Lost"),
            "Backlog cost per unit-month": np.round(price * 0.03, 2),
        }
    )
    inventory = pd.DataFrame(
        {
            "SKU": skus,
            "Opening stock": np.round(base.reshape(-1, 2).sum(axis=1)),
            "Safety stock": np.where(rng.random(n_skus) < 0.5, np.round(base[::2] * 0.5), 0.0),
            "Target closing stock": np.where(rng.random(n_skus) < 0.3, np.round(base[::2]), 0.0),
            "Max stock": np.where(rng.random(n_skus) < 0.2, np.round(base[::2] * 6), np.nan),
            "Lead time (days)": 14,
        }
    )
    # Routings: every SKU on one line, a third on a second line too.
    first = rng.integers(0, n_resources, size=n_skus)
    second = rng.integers(0, n_resources, size=n_skus)
    two = rng.random(n_skus) < 0.33
    r_sku = np.concatenate([skus, skus[two]])
    r_res = np.concatenate([resources[first], resources[second[two]]])
    r_hours = np.round(rng.uniform(0.05, 0.5, size=len(r_sku)), 3)
    routings = pd.DataFrame({"SKU": r_sku, "Resource": r_res, "Hours per unit": r_hours})
    routings = routings.drop_duplicates(["SKU", "Resource"])
    # Capacity: 90% of the hours full demand needs, per resource.
    sku_volume = volume.reshape(n_skus, 2, horizon).sum(axis=1)
    sku_pos = pd.Index(skus).get_indexer(routings["SKU"])
    res_pos = pd.Index(resources).get_indexer(routings["Resource"])
    need = np.zeros((n_resources, horizon))
    np.add.at(need, res_pos, routings["Hours per unit"].to_numpy()[:, None] * sku_volume[sku_pos])
    regular = np.round(need.mean(axis=1, keepdims=True) * 0.9 * np.ones((1, horizon)))
    capacity = pd.concat(
        [
            pd.DataFrame(
                {
                    "Resource": np.repeat(resources, horizon),
                    "Kind": "Regular",
                    "Month": np.tile(months, n_resources),
                    "Hours": regular.ravel(),
                }
            ),
            pd.DataFrame(
                {
                    "Resource": np.repeat(resources, horizon),
                    "Kind": "Overtime",
                    "Month": np.tile(months, n_resources),
                    "Hours": np.round(regular * 0.1).ravel(),
                }
            ),
        ],
        ignore_index=True,
    )
    resources_frame = pd.DataFrame(
        {
            "Resource": resources,
            "Site": [f"Site {i % 3}" for i in range(n_resources)],
            "Regular cost per hour": 40.0,
            "Overtime cost per hour": 60.0,
        }
    )
    # Subcontract for a fifth of the SKUs.
    sub = skus[rng.random(n_skus) < 0.2]
    subcontract = pd.DataFrame(
        {
            "SKU": np.repeat(sub, horizon),
            "Subcontractor": "Partner",
            "Cost per unit": np.repeat(np.round(price[pd.Index(skus).get_indexer(sub)] * 0.75, 2), horizon),
            "Month": np.tile(months, len(sub)),
            "Max units": 50.0,
        }
    )
    # Materials for a third of the SKUs.
    bom_skus = skus[rng.random(n_skus) < 0.33]
    bom = pd.DataFrame(
        {
            "SKU": bom_skus,
            "Material": materials[rng.integers(0, n_materials, size=len(bom_skus))],
            "Quantity per unit": np.round(rng.uniform(0.5, 3.0, size=len(bom_skus)), 2),
        }
    )
    b_need = (
        bom.assign(units=sku_volume[pd.Index(skus).get_indexer(bom["SKU"])].mean(axis=1) * bom["Quantity per unit"])
        .groupby("Material")["units"]
        .sum()
    )
    avail = np.round(b_need.reindex(materials).fillna(0.0).to_numpy() * 0.95)
    materials_frame = pd.DataFrame(
        {
            "Material": np.repeat(materials, horizon),
            "Supplier": "Supplier",
            "Qualified": "Yes",
            "Lead time (days)": 30,
            "Month": np.tile(months, n_materials),
            "Available": np.repeat(avail, horizon),
        }
    )
    # Confirmed orders on a tenth of the lines in the first three months.
    chosen = np.flatnonzero(rng.random(2 * n_skus) < 0.1)
    when = rng.integers(0, 3, size=len(chosen))
    commitments = pd.DataFrame(
        {
            "Order ref": [f"SO{i:06d}" for i in range(len(chosen))],
            "Customer": line_customer[chosen],
            "SKU": line_sku[chosen],
            "Quantity": np.round(volume[chosen, when] * 0.8),
            "Requested date": months[when] + pd.Timedelta(days=14),
            "Status": "Confirmed",
            "Notes": "",
        }
    )
    return build_inputs(
        cycle,
        products=products,
        forecast=forecast,
        prices=prices,
        costs=costs,
        inventory=inventory,
        routings=routings,
        capacity=capacity,
        resources=resources_frame,
        subcontract=subcontract,
        materials=materials_frame,
        bill_of_materials=bom,
        commitments=commitments,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[500, 5000])
    parser.add_argument("--ipm", action="store_true", help="interior point with crossover instead of simplex")
    parser.add_argument("--no-presolve", action="store_true")
    parser.add_argument("--scenarios", action="store_true", help="also time solve_all over three scenarios")
    args = parser.parse_args()
    options: dict[str, object] = {}
    if args.ipm:
        options.update(solver="ipm", run_crossover="on")
    if args.no_presolve:
        options["presolve"] = "off"
    for n in args.sizes:
        started = time.perf_counter()
        inputs = synthetic_inputs(n)
        generated = time.perf_counter() - started
        solution = solve(inputs, options=options)
        stats = solution.statistics
        print(
            f"{n} SKUs × {inputs.cycle.horizon} months: {stats['rows']:,} rows, {stats['columns']:,} columns, "
            f"{stats['nonzeros']:,} nonzeros; generate {generated:.1f} s, build {stats['build seconds']:.2f} s, "
            f"solve {stats['solve seconds']:.2f} s by {stats['solver']} in {stats['blocks']} block(s) "
            f"({stats['iterations']:,} iterations), "
            f"report {stats['report seconds']:.2f} s; margin {solution.contribution_margin:,.0f}, "
            f"binding resource-months {int((solution.resource_month['Shadow price'] > 0).sum())}",
            flush=True,
        )
        # A lever: one more hour on the resource-month with the highest shadow price, warm-started.
        res = solution.resource_month
        top = res["Shadow price"].idxmax()
        lever = Adjustments(extra_hours={(res.at[top, "Resource"], res.at[top, "Month"]): 1.0})
        again = solve(inputs, adjustments=lever, warm_start=solution)
        print(
            f"  +1 hour on {res.at[top, 'Resource']} {res.at[top, 'Month']:%b-%y}, warm-started: "
            f"solve {again.statistics['solve seconds']:.2f} s ({again.statistics['iterations']:,} iterations); "
            f"objective +{again.objective - solution.objective:,.2f} vs shadow price "
            f"{res.at[top, 'Shadow price']:,.2f}",
            flush=True,
        )
        if args.scenarios:
            started = time.perf_counter()
            solutions = solve_all(synthetic_inputs(n, scenarios=True))
            print(
                f"  solve_all: {time.perf_counter() - started:.1f} s; "
                + ", ".join(
                    f"{name} {sol.statistics['solve seconds']:.1f} s by {sol.statistics['solver']}"
                    for name, sol in solutions.items()
                ),
                flush=True,
            )


if __name__ == "__main__":
    main()
