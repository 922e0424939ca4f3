"""Synthetic companies of any size, for benchmarks: `generate(n_skus)` builds the Inputs of one in code.

A generated company looks like a real one at scale: product families with their own seasonality and growth, about
two customers per SKU (a few big customers buy most SKUs), launches and phase-outs, shared resources at several
sites sized a little above or below average demand (all of a SKU's steps at one site), constrained materials
bought for one site each and shared by its SKUs (one supplier in ten not qualified), subcontractors for a quarter
of the SKUs, 12 months of actuals, confirmed and requested orders, and a budget. Everything is drawn with numpy
at once, one array per column, so 20,000 SKUs take seconds; a seed fixes every number.

Such a company's plan falls apart into independent blocks of a few hundred SKUs (a site's lines and materials
serve a few families). Real plants are more connected: families share packing, test and assembly lines, and one
component feeds many families. `connected` draws such companies instead, with two large sites:

- "site": every SKU also takes a step on a line of its site shared by all families, and a SKU's material is any
  of its site's materials: each site is one connected block of the plan;
- "company": as "site", and one material is shared by SKUs of both sites: the whole company is one block.

Run as a script it writes the two filled templates:

    python bench/generate.py 2000 /tmp/company-2000
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

try:
    from sop_workbook.inputs import MONTH, SOURCE_ROW, Cycle, Inputs, build_inputs
except ModuleNotFoundError:  # run as `python bench/generate.py` from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from sop_workbook.inputs import MONTH, SOURCE_ROW, Cycle, Inputs, build_inputs

PRODUCT_WORDS = (
    "Pumps",
    "Valves",
    "Filters",
    "Motors",
    "Fans",
    "Heaters",
    "Mixers",
    "Compressors",
    "Sensors",
    "Controllers",
    "Seals",
    "Bearings",
    "Gearboxes",
    "Nozzles",
    "Meters",
    "Blowers",
)
CUSTOMER_WORDS = ("Retail", "Industrial", "Distribution", "Wholesale", "Trading", "Supply", "Direct", "Group")
CONNECTED = ("", "site", "company")
CONNECTED_SITES = 2  # the sites of a connected company
SHARED_STEP_SHARE = 0.8  # the SKUs of a connected company that also take a step on a line shared by all families
COMMON_MATERIAL_SHARE = 0.1  # the SKUs of each site that use the material both sites share ("company")
GROWTH_RANGE = (-0.03, 0.08)  # yearly demand growth of a family
LINES_PER_SKU = 2.0  # customers per SKU, on average


def generate(
    n_skus: int,
    n_customers: int | None = None,
    n_resources: int | None = None,
    n_materials: int | None = None,
    horizon: int = 18,
    seed: int = 0,
    cycle_month: str | pd.Timestamp = "2027-01",
    scenarios: tuple[str, ...] = ("Base", "Upside", "Downside"),
    connected: str = "",
) -> Inputs:
    """Build a synthetic company's inputs.

    Args:
        n_skus: How many SKUs.
        n_customers: How many customers (default: one per 10 SKUs, 3 to 400).
        n_resources: How many resources (default: one per 40 SKUs, 2 to 200), four to a site.
        n_materials: How many constrained materials (default: one per 50 SKUs, 1 to 200).
        horizon: Months planned.
        seed: Fixes every random draw.
        cycle_month: The first month of the plan ("YYYY-MM" or a Timestamp).
        scenarios: The forecast scenarios to write, Base first.
        connected: "" (sites of four lines, small independent blocks), "site" (two sites, each one connected
            block) or "company" (two sites that share a material: one block).

    Returns:
        The Inputs, every table in the long form of `sop_workbook.inputs`.

    Raises:
        ValueError: when a count is not positive or the horizon is under 1.
    """
    if n_skus < 1 or horizon < 1:
        raise ValueError(f"need at least one SKU and one month, not {n_skus} SKUs and {horizon} months")
    n_customers = n_customers or int(np.clip(n_skus // 10, 3, 400))
    n_resources = n_resources or int(np.clip(n_skus // 40, 2, 200))
    n_materials = n_materials or int(np.clip(n_skus // 50, 1, 200))
    if min(n_customers, n_resources, n_materials) < 1:
        raise ValueError("customers, resources and materials must each be 1 or more")
    if connected not in CONNECTED:
        raise ValueError(f"connected must be one of {CONNECTED}, not {connected!r}")
    return _Generator(
        n_skus,
        n_customers,
        n_resources,
        n_materials,
        horizon,
        seed,
        pd.Timestamp(cycle_month).to_period("M").to_timestamp(),
        tuple(scenarios),
        connected,
    ).inputs()


class _Generator:
    """Draws one company; each method returns one template table."""

    def __init__(self, n_skus, n_customers, n_resources, n_materials, horizon, seed, cycle_month, scenarios, connected):
        self.rng = np.random.default_rng(seed)
        rng = self.rng
        self.n, self.h = n_skus, horizon
        self.connected = connected
        self.scenarios = scenarios
        self.cycle = Cycle(
            company=f"Synthetic {n_skus} SKUs (seed {seed}{', connected: ' + connected if connected else ''})",
            cycle_month=cycle_month,
            horizon=horizon,
            currency="EUR",
            prepared_by={"demand": "bench/generate.py", "capacity": "bench/generate.py"},
        )
        self.months = pd.DatetimeIndex(self.cycle.months)
        self.past = pd.DatetimeIndex(self.cycle.past_months)

        # Families: each has a price level, a seasonal peak, a growth rate and a margin floor.
        n_families = int(np.clip(n_skus // 15, 1, 500))
        self.families = np.array(
            [f"{PRODUCT_WORDS[j % len(PRODUCT_WORDS)]} {j // len(PRODUCT_WORDS) + 1}" for j in range(n_families)],
            dtype=object,
        )
        family_price = rng.lognormal(np.log(60.0), 0.8, n_families)
        amplitude = rng.uniform(0.05, 0.35, n_families)
        peak = rng.integers(1, 13, n_families)
        self.growth = rng.uniform(*GROWTH_RANGE, n_families)
        family_floor = np.round(rng.uniform(0.20, 0.32, n_families), 2)
        calendar = np.arange(1, 13)
        self.season = 1 + amplitude[:, None] * np.cos(2 * np.pi * (calendar[None, :] - peak[:, None]) / 12)

        # SKUs, sorted by family so that a family's SKUs sit together as a planner would list them.
        width = len(str(n_skus))
        self.skus = np.array([f"SKU-{i:0{width}d}" for i in range(1, n_skus + 1)], dtype=object)
        self.family = np.sort(rng.integers(0, n_families, n_skus))
        status = rng.choice(np.array(["Active", "Launch", "Phase-out"], dtype=object), n_skus, p=[0.95, 0.02, 0.03])
        self.status = status
        self.level = np.maximum(10.0, np.round(rng.lognormal(np.log(800.0), 0.9, n_skus)))
        self.price = np.round(family_price[self.family] * rng.lognormal(0.0, 0.25, n_skus), 2)
        material_share = rng.uniform(0.35, 0.55, n_skus)
        other_share = np.maximum(0.03, 1 - material_share - rng.uniform(0.20, 0.45, n_skus))
        self.material_cost = np.round(self.price * material_share, 2)
        self.other_cost = np.round(self.price * other_share, 2)
        self.floor = np.where(rng.random(n_skus) < 0.05, np.nan, family_floor[self.family])
        self.launch = np.where(status == "Launch", rng.integers(1, max(2, horizon - 2), n_skus), -1)

        # Customer lines: 1 + Poisson(1) customers per SKU, consecutive from a start drawn with a skew so that
        # a few customers buy most SKUs; shares of the SKU's demand from exponential weights.
        self.customers = np.array(
            [f"{CUSTOMER_WORDS[c % len(CUSTOMER_WORDS)]} Customer {c + 1}" for c in range(n_customers)], dtype=object
        )
        per_sku = np.clip(1 + rng.poisson(LINES_PER_SKU - 1, n_skus), 1, min(4, n_customers))
        popularity = 1.0 / np.arange(1, n_customers + 1)
        first = rng.choice(n_customers, n_skus, p=popularity / popularity.sum())
        self.line_sku = np.repeat(np.arange(n_skus), per_sku)
        within = np.arange(len(self.line_sku)) - np.repeat(np.cumsum(per_sku) - per_sku, per_sku)
        self.line_customer = (first[self.line_sku] + within) % n_customers
        weight = rng.exponential(1.0, len(self.line_sku))
        self.share = weight / np.bincount(self.line_sku, weight)[self.line_sku]

        self.base = self._demand(np.arange(horizon), noise=0.10)
        self.n_resources, self.n_materials = n_resources, n_materials

    # --- demand -------------------------------------------------------------------------------------------
    def _demand(self, offsets: np.ndarray, noise: float) -> np.ndarray:
        """Demand per customer line (rows) and month offset from the cycle month (columns)."""
        sku = self.line_sku
        calendar = (self.cycle.cycle_month.month - 1 + offsets) % 12
        family = self.family[sku]
        units = (
            self.level[sku, None]
            * self.share[:, None]
            * self.season[family][:, calendar]
            * (1 + self.growth[family, None]) ** (offsets[None, :] / 12)
        )
        launch = self.launch[sku, None]
        units = np.where((launch >= 0) & (offsets[None, :] < launch), 0.0, units)
        fading = self.status[sku] == "Phase-out"
        units[fading] *= np.clip(1 - np.maximum(offsets, 0) / max(self.h, 1), 0, 1)[None, :]
        return np.round(units * self.rng.lognormal(0.0, noise, units.shape))

    def forecast(self) -> pd.DataFrame:
        """Forecast, long form, one block per scenario."""
        lift = {"Base": 1.0, "Upside": 1.10, "Downside": 0.90}
        keys = {"SKU": self.skus[self.line_sku], "Customer": self.customers[self.line_customer]}
        frames = [
            _long_form(
                {**keys, "Scenario": np.full(len(self.line_sku), s, dtype=object)},
                self.months,
                np.round(self.base * lift.get(s, 1.0)),
                "Forecast",
                first_row=2 + k * len(self.line_sku),
            )
            for k, s in enumerate(self.scenarios)
        ]
        return pd.concat(frames, ignore_index=True)

    def actuals(self) -> pd.DataFrame:
        """Actuals of the 12 past months, for SKUs on sale then."""
        past = self._demand(np.arange(-12, 0), noise=0.15)
        on_sale = self.status[self.line_sku] != "Launch"
        keys = {"SKU": self.skus[self.line_sku][on_sale], "Customer": self.customers[self.line_customer][on_sale]}
        return _long_form(keys, self.past, past[on_sale], "Actual")

    def products(self) -> pd.DataFrame:
        """The product master; a margin floor for 95% of SKUs."""
        return pd.DataFrame(
            {
                "SKU": self.skus,
                "Description": "Product " + self.skus.astype(str),
                "Family": self.families[self.family],
                "Unit": "each",
                "Status": self.status,
                "Margin floor %": self.floor,
            }
        )

    def prices(self) -> pd.DataFrame:
        """A list price per SKU, and a contract price for one customer line in ten."""
        contract = self.rng.random(len(self.line_sku)) < 0.10
        sku = self.line_sku[contract]
        return pd.DataFrame(
            {
                "SKU": np.concatenate([self.skus, self.skus[sku]]),
                "Customer": np.concatenate(
                    [np.full(self.n, "", dtype=object), self.customers[self.line_customer[contract]]]
                ),
                "Unit price": np.concatenate(
                    [self.price, np.round(self.price[sku] * self.rng.uniform(0.90, 0.98, len(sku)), 2)]
                ),
                "Valid from": self.months[0],
            }
        )

    def commitments(self) -> pd.DataFrame:
        """About one order per four customer lines, in the first six months, mostly confirmed."""
        lines = np.flatnonzero((self.rng.random(len(self.line_sku)) < 0.25) & (self.status[self.line_sku] == "Active"))
        month = self.rng.integers(0, min(6, self.h), len(lines))
        quantity = np.maximum(1.0, np.round(self.base[lines, month] * self.rng.uniform(0.3, 1.2, len(lines))))
        day = pd.to_timedelta(self.rng.integers(0, 28, len(lines)), unit="D")
        return pd.DataFrame(
            {
                "Order ref": [f"SO-{i:07d}" for i in range(1, len(lines) + 1)],
                "Customer": self.customers[self.line_customer[lines]],
                "SKU": self.skus[self.line_sku[lines]],
                "Quantity": quantity,
                "Requested date": self.months[month] + day,
                "Status": np.where(self.rng.random(len(lines)) < 0.7, "Confirmed", "Requested").astype(object),
                "Notes": "",
            }
        )

    def launches(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Launches and their readiness: ready a little before or after launch, some suppliers unqualified."""
        new = np.flatnonzero(self.launch >= 0)
        ready = np.clip(self.launch[new] + self.rng.integers(-2, 3, len(new)), 0, self.h - 1)
        launches = pd.DataFrame({"SKU": self.skus[new], "Launch month": self.months[self.launch[new]], "Notes": ""})
        readiness = pd.DataFrame(
            {
                "SKU": self.skus[new],
                "Supplier qualified": np.where(self.rng.random(len(new)) < 0.8, "Yes", "No").astype(object),
                "Process validated": np.where(self.rng.random(len(new)) < 0.7, "Yes", "No").astype(object),
                "Ready from month": self.months[ready],
                "Notes": "",
            }
        )
        return launches, readiness

    def budget(self) -> pd.DataFrame:
        """Volume and revenue by family, 5% above Base demand."""
        family = self.family[self.line_sku]
        n_families = len(self.families)
        volume = np.zeros((n_families, self.h))
        revenue = np.zeros((n_families, self.h))
        np.add.at(volume, family, self.base * 1.05)
        np.add.at(revenue, family, self.base * 1.05 * self.price[self.line_sku, None])
        present = np.flatnonzero(volume.sum(axis=1) > 0)
        keys = {
            "Family": np.concatenate([self.families[present]] * 2),
            "Measure": np.repeat(np.array(["Volume", "Revenue"], dtype=object), len(present)),
        }
        return _long_form(
            keys, self.months, np.vstack([np.round(volume[present]), np.round(revenue[present])]), "Budget"
        )

    # --- supply -------------------------------------------------------------------------------------------
    def _sku_demand(self) -> np.ndarray:
        """Average Base units a month per SKU."""
        return np.bincount(self.line_sku, self.base.mean(axis=1), minlength=self.n)

    def _site_of_resource(self) -> np.ndarray:
        """The site of each resource: sites of four lines, or `CONNECTED_SITES` large ones."""
        if self.connected:
            return np.arange(self.n_resources) * min(CONNECTED_SITES, self.n_resources) // self.n_resources
        return np.arange(self.n_resources) // 4

    def _steps(self, site: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(main resource of each SKU, SKUs with a second step, that step's resource), all at one site."""
        rng, n_resources = self.rng, self.n_resources
        if not self.connected:
            main = rng.integers(0, n_resources, len(self.families))[self.family]
            shared = np.flatnonzero(rng.random(self.n) < 0.6)
            # The second step is on another resource of the same site (a product is not shipped between plants
            # between two steps), so the company's sites are independent blocks of the plan unless a material
            # links them.
            first_of_site = (main[shared] // 4) * 4
            second = np.minimum(first_of_site + rng.integers(0, 4, len(shared)), n_resources - 1)
            return main, shared, second
        # A family is made on one line of its site; most SKUs then take a step (packing, test) on any line of the
        # same site, whatever their family: the site's families share its lines.
        first_line = np.searchsorted(site, np.arange(site.max() + 1))  # a site's lines are consecutive
        lines = np.bincount(site)

        def line_of(sites: np.ndarray) -> np.ndarray:
            return first_line[sites] + rng.integers(0, 1 << 30, len(sites)) % lines[sites]

        main = line_of(rng.integers(0, len(lines), len(self.families)))[self.family]
        shared = np.flatnonzero(rng.random(self.n) < SHARED_STEP_SHARE)
        return main, shared, line_of(site[main[shared]])

    def resources_and_routings(self) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """Resources at sites, a main resource per family plus a second one at the same site for most SKUs."""
        rng, n_resources = self.rng, self.n_resources
        names = np.array([f"R{r + 1:03d}" for r in range(n_resources)], dtype=object)
        site = self._site_of_resource()
        regular_rate = np.round(rng.uniform(40.0, 300.0, n_resources), 0)
        resources = pd.DataFrame(
            {
                "Resource": names,
                "Site": [f"Site {s + 1}" for s in site],
                "Regular cost per hour": regular_rate,
                "Overtime cost per hour": np.round(regular_rate * 1.5, 0),
            }
        )
        main, shared, second = self._steps(site)
        keep = second != main[shared]
        sku = np.concatenate([np.arange(self.n), shared[keep]])
        resource = np.concatenate([main, second[keep]])
        # Hours per unit such that each step's labour at the regular rate is 3% to 8% of the price: labour
        # stays below the contribution margin, so overtime pays when a resource is short.
        labour_share = rng.uniform(0.03, 0.08, len(sku))
        hours = np.maximum(0.0001, np.round(self.price[sku] * labour_share / regular_rate[resource], 4))
        routings = pd.DataFrame({"SKU": self.skus[sku], "Resource": names[resource], "Hours per unit": hours})
        self.main_resource = main
        self.resource_site = site

        # Regular hours a little above or below the average need, so that peaks need overtime, subcontracting
        # or stock built ahead and some resources fall short; a shutdown month per site.
        need = np.bincount(resource, hours * self._sku_demand()[sku], minlength=n_resources)
        normal = np.round(np.maximum(need, 10.0) * rng.uniform(0.85, 1.15, n_resources))
        shutdown = rng.integers(1, 13, site.max() + 1)[site]
        calendar = (self.cycle.cycle_month.month - 1 + np.arange(self.h)) % 12 + 1
        regular = normal[:, None] * np.where(calendar[None, :] == shutdown[:, None], 0.6, 1.0)
        overtime = np.repeat(np.round(normal * 0.15)[:, None], self.h, axis=1)
        keys = {
            "Resource": np.repeat(names, 2),
            "Kind": np.tile(np.array(["Regular", "Overtime"], dtype=object), n_resources),
        }
        values = np.empty((2 * n_resources, self.h))
        values[0::2], values[1::2] = np.round(regular), overtime
        return resources, _long_form(keys, self.months, values, "Hours"), routings

    def materials(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Constrained materials used by 40% of SKUs, available a little above the average need (call after
        `resources_and_routings`, which places each SKU at a site)."""
        rng, n_materials = self.rng, self.n_materials
        users = np.flatnonzero(rng.random(self.n) < 0.4)
        # Each material is bought for one site (material m for site m mod sites): a SKU uses one of its main
        # resource's site's materials, or, where a site has none, any material.
        n_sites = self.resource_site.max() + 1
        site = self.resource_site[self.main_resource[users]]
        per_site = np.bincount(np.arange(n_materials) % n_sites, minlength=n_sites)
        pick = rng.integers(0, 1 << 30, len(users))
        local = site + n_sites * (pick % np.maximum(per_site[site], 1))
        material = np.where(per_site[site] > 0, local, pick % n_materials)
        if self.connected == "company" and n_materials > 1:
            # A component of every site: some SKUs of each site also use the company's last material.
            common = np.flatnonzero(rng.random(self.n) < COMMON_MATERIAL_SHARE)
            users = np.concatenate([users, common])
            material = np.concatenate([material, np.full(len(common), n_materials - 1)])
        quantity = rng.choice(np.array([1.0, 2.0, 4.0]), len(users))
        names = np.array([f"M{m + 1:03d}" for m in range(n_materials)], dtype=object)
        bom = pd.DataFrame({"SKU": self.skus[users], "Material": names[material], "Quantity per unit": quantity})
        need = np.bincount(material, quantity * self._sku_demand()[users], minlength=n_materials)
        available = np.round(np.maximum(need, 10.0) * rng.uniform(0.95, 1.25, n_materials), -1)
        qualified = np.where(rng.random(n_materials) < 0.9, "Yes", "No").astype(object)
        if n_materials >= 3:
            qualified[-1] = "No"
        keys = {
            "Material": names,
            "Supplier": [f"Supplier {m + 1}" for m in range(n_materials)],
            "Qualified": qualified,
            "Lead time (days)": rng.integers(14, 91, n_materials),
        }
        return _long_form(keys, self.months, np.repeat(available[:, None], self.h, axis=1), "Available"), bom

    def subcontract(self) -> pd.DataFrame:
        """A quarter of the SKUs have one to three subcontractors, dearer than making them."""
        rng = self.rng
        skus = np.flatnonzero(rng.random(self.n) < 0.25)
        count = rng.integers(1, 4, len(skus))
        sku = np.repeat(skus, count)
        pool = max(3, self.n // 200)
        within = np.arange(len(sku)) - np.repeat(np.cumsum(count) - count, count)
        who = (rng.integers(0, pool, len(skus))[np.repeat(np.arange(len(skus)), count)] + within) % pool
        variable = self.material_cost[sku] + self.other_cost[sku]
        cost = np.round(np.minimum(variable * rng.uniform(1.10, 1.30, len(sku)), self.price[sku] * 0.98), 2)
        units = np.round(self.level[sku] * rng.uniform(0.05, 0.25, len(sku)))
        keys = {"SKU": self.skus[sku], "Subcontractor": [f"Subcontractor {w + 1}" for w in who], "Cost per unit": cost}
        return _long_form(keys, self.months, np.repeat(units[:, None], self.h, axis=1), "Max units")

    def inventory_and_costs(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Stock and policy per SKU (a storage limit for 30%), and unit costs (30% of SKUs lose unmet demand)."""
        rng, level = self.rng, self.level
        opening = np.where(self.status == "Launch", 0.0, np.round(level * rng.uniform(0.3, 1.5, self.n)))
        safety = np.round(level * rng.uniform(0.2, 0.8, self.n))
        limited = rng.random(self.n) < 0.3
        max_stock = np.where(
            limited, np.maximum(np.round(level * rng.uniform(2.0, 4.0, self.n)), np.maximum(opening, safety)), np.nan
        )
        inventory = pd.DataFrame(
            {
                "SKU": self.skus,
                "Opening stock": opening,
                "Safety stock": safety,
                "Target closing stock": safety,
                "Max stock": max_stock,
                "Lead time (days)": rng.integers(7, 61, self.n),
            }
        )
        lost = rng.random(self.n) < 0.3
        costs = pd.DataFrame(
            {
                "SKU": self.skus,
                "Material cost per unit": self.material_cost,
                "Other variable cost per unit": self.other_cost,
                "Holding cost per unit-month": np.round((self.material_cost + self.other_cost) * 0.015, 2),
                "Unmet demand": np.where(lost, "Lost", "Backlog").astype(object),
                "Backlog cost per unit-month": np.where(lost, 0.0, np.round(self.price * 0.04, 2)),
            }
        )
        return inventory, costs

    def inputs(self) -> Inputs:
        """Every table, assembled; the draws happen in this fixed order, so a seed gives one company."""
        resources, capacity, routings = self.resources_and_routings()
        materials, bom = self.materials()
        inventory, costs = self.inventory_and_costs()
        launches, readiness = self.launches()
        return build_inputs(
            self.cycle,
            products=self.products(),
            forecast=self.forecast(),
            prices=self.prices(),
            commitments=self.commitments(),
            launches=launches,
            budget=self.budget(),
            actuals=self.actuals(),
            assumptions=pd.DataFrame(
                {
                    "Topic": ["Market"],
                    "Impact": ["Medium"],
                    "Owner": ["Sales"],
                    "Assumption": ["Demand follows last year's seasonality with the family's growth."],
                }
            ),
            resources=resources,
            capacity=capacity,
            routings=routings,
            costs=costs,
            subcontract=self.subcontract(),
            inventory=inventory,
            materials=materials,
            bill_of_materials=bom,
            launch_readiness=readiness,
            risks=pd.DataFrame(
                {
                    "Risk": ["Shared resources run above 100% in their peak months."],
                    "Affects": ["Resource"],
                    "Impact": ["Medium"],
                    "Mitigation": ["Overtime"],
                    "Owner": ["Operations"],
                }
            ),
        )


def _long_form(
    keys: dict, months: pd.DatetimeIndex, values: np.ndarray, value: str, first_row: int = 2
) -> pd.DataFrame:
    """One row per key and month from key columns (arrays of equal length) and a key × month matrix."""
    n, h = values.shape
    frame = pd.DataFrame({name: np.repeat(np.asarray(column, dtype=object), h) for name, column in keys.items()})
    frame[MONTH] = np.tile(months.to_numpy(), n)
    frame[value] = values.reshape(-1).astype(float)
    frame[SOURCE_ROW] = np.repeat(np.arange(first_row, first_row + n), h)
    return frame


def main(argv: list[str] | None = None) -> None:
    """Write a synthetic company's demand.xlsx and capacity.xlsx.

    Usage: python bench/generate.py N DIR [--seed S] [--horizon H] [--connected site|company]
    """
    import click

    @click.command(help=main.__doc__)
    @click.argument("n_skus", type=click.IntRange(min=1))
    @click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
    @click.option("--seed", type=int, default=0, show_default=True, help="Fixes every random draw.")
    @click.option(
        "--horizon", type=click.IntRange(min=1, max=60), default=18, show_default=True, help="Months planned."
    )
    @click.option(
        "--connected",
        type=click.Choice(CONNECTED[1:]),
        default=None,
        help="Two large sites whose families share lines and materials ('company': the sites share a material too).",
    )
    def command(n_skus: int, directory: Path, seed: int, horizon: int, connected: str | None) -> None:
        from sop_workbook.templates import write_filled

        inputs = generate(n_skus, horizon=horizon, seed=seed, connected=connected or "")
        for path in write_filled(directory, inputs, force=True):
            click.echo(str(path))

    command.main(args=argv, prog_name="generate.py")


if __name__ == "__main__":
    main()
