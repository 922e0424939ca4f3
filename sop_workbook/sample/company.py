"""The sample company seen from one planning cycle: every sheet of both templates, made from `data.py`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..inputs import MONTH, SOURCE_ROW, Cycle, Inputs, build_inputs
from .data import (
    ASSUMPTIONS,
    ASSUMPTIONS_MONTH_1,
    COMMITMENTS,
    COMPANY,
    CURRENCY,
    CUSTOMER_MASTER,
    CUSTOMERS,
    DESTOCKING,
    EXCLUSIVE_MONTHS,
    FAMILIES,
    FURNACE_REBUILD,
    GROWTH_PER_YEAR,
    HORIZON,
    LAUNCH_MONTH,
    LAUNCH_RAMP,
    MATERIALS,
    MEGAMART_PRICE,
    OVERTIME_SHARE,
    PCB_FROM,
    PCB_PER_MONTH,
    PHASE_OUT_MONTHS,
    PREPARED_BY,
    PRICE_RISE,
    PRODUCTS,
    PROMOTION,
    READY_FROM,
    RESOURCES,
    REVISIONS_MONTH_1,
    RISKS,
    RISKS_MONTH_1,
    SEED,
    SHUTDOWN,
    SIZED_FOR,
    SUBCONTRACTORS,
)


class Company:
    """The sample company seen from one cycle: offsets count months from the month-0 cycle month."""

    def __init__(self, start: pd.Timestamp, month: int):
        self.start = start
        self.month = month
        self.offsets = np.arange(month, month + HORIZON)
        self.months = pd.DatetimeIndex([self._month(i) for i in self.offsets])
        self.products = pd.DataFrame(
            PRODUCTS,
            columns=[
                "SKU",
                "Description",
                "Family",
                "Status",
                "Level",
                "Price",
                "Material share",
                "Other share",
                "Unmet demand",
                "Customers",
            ],
        )
        lines = []
        for row in self.products.itertuples(index=False):
            for code, share in zip(row.Customers.split()[::2], row.Customers.split()[1::2]):
                lines.append((row.SKU, row.Family, code, float(share)))
        self.lines = pd.DataFrame(lines, columns=["SKU", "Family", "Code", "Share"])
        self.lines["Customer"] = self.lines["Code"].map(CUSTOMERS)

    # --- the calendar -------------------------------------------------------------------------------------
    def _month(self, offset: int) -> pd.Timestamp:
        return self.start + pd.DateOffset(months=int(offset))

    def _calendar(self, offsets: np.ndarray) -> np.ndarray:
        """Calendar month numbers (1-12) of offsets."""
        return (self.start.month - 1 + np.asarray(offsets)) % 12 + 1

    # --- demand -------------------------------------------------------------------------------------------
    def _demand(self, offsets: np.ndarray) -> np.ndarray:
        """Expected demand per customer line (rows) and offset (columns), before noise and revisions."""
        lines = self.lines.merge(self.products[["SKU", "Level", "Status"]], on="SKU", how="left")
        calendar = self._calendar(offsets)
        out = np.empty((len(lines), len(offsets)))
        for n, line in enumerate(lines.itertuples(index=False)):
            season = np.asarray(FAMILIES[line.Family]["season"])
            season = season / season.mean()
            units = line.Level * line.Share * season[calendar - 1] * (1 + GROWTH_PER_YEAR) ** (offsets / 12)
            if line.SKU in LAUNCH_MONTH:
                since = offsets - LAUNCH_MONTH[line.SKU] - EXCLUSIVE_MONTHS.get((line.SKU, line.Code), 0)
                ramp = np.where(since < 0, 0.0, 1.0)
                for k, factor in enumerate(LAUNCH_RAMP):
                    ramp = np.where(since == k, factor, ramp)
                units = units * ramp
            if line.Status == "Phase-out":
                units = units * np.clip(1 - offsets / PHASE_OUT_MONTHS, 0, 1)
            code, months, factor = DESTOCKING
            if line.Code == code:
                units = np.where(np.isin(offsets, months), units * factor, units)
            for (family, code, calendar_month), lift in PROMOTION.items():
                if line.Family == family and line.Code == code:
                    units = np.where(calendar == calendar_month, units * lift, units)
            out[n] = units
        return out

    def _noise(self, seed: int, first: int, last: int, sd: float) -> np.ndarray:
        """Multiplicative noise per line (rows) for offsets first..last-1 (columns).

        Drawn month by month from offset `first` on, so a later cycle that asks for more months gets the same
        numbers for the months it shares with an earlier one.
        """
        draws = np.random.default_rng([SEED, seed]).normal(1.0, sd, size=(last - first, len(self.lines)))
        return np.clip(draws.T, 1 - 3 * sd, 1 + 3 * sd)

    def forecast(self) -> pd.DataFrame:
        """The Forecast sheet, long form: Base, Upside and Downside."""
        base = self._demand(self.offsets) * self._noise(1, 0, self.month + HORIZON, 0.03)[:, self.month :]
        if self.month >= 1:
            base = base * self._noise(100 + self.month, self.month, self.month + HORIZON, 0.03)
            base = self._month_1_revisions(base)
        q4 = np.isin(self._calendar(self.offsets), (10, 11, 12))
        scenarios = {
            "Base": base,
            "Upside": base * 1.08 * np.where(q4, 1.06, 1.0),
            "Downside": base * 0.90 * np.where(q4, 0.94, 1.0),
        }
        frames = []
        for scenario, values in scenarios.items():
            keys = self.lines[["SKU", "Customer"]].assign(Scenario=scenario)
            frames.append(_long_form(keys, self.months, _round_units(values), "Forecast"))
        forecast = pd.concat(frames, ignore_index=True)
        forecast[SOURCE_ROW] = np.repeat(np.arange(2, 2 + len(self.lines) * len(scenarios)), HORIZON)
        return forecast

    def _month_1_revisions(self, base: np.ndarray) -> np.ndarray:
        family, code, calendar_months, lift = REVISIONS_MONTH_1["promotion"]
        rows = ((self.lines["Family"] == family) & (self.lines["Code"] == code)).to_numpy()
        columns = np.isin(self._calendar(self.offsets), calendar_months)
        base = base.copy()
        base[np.ix_(rows, columns)] *= lift
        sku, cut = REVISIONS_MONTH_1["pod_cut"]
        base[(self.lines["SKU"] == sku).to_numpy()] *= cut
        return base

    def actuals(self) -> pd.DataFrame:
        """The Actuals sheet: shipments of the 12 months before the cycle month, for the SKUs then on sale."""
        past = np.arange(self.month - 12, self.month)
        expected = self._demand(past) * self._noise(2, -12, self.month, 0.08)[:, -12:]
        # Launch SKUs have no history; zeros would count as perfect forecasts of nothing.
        on_sale = ~self.lines["SKU"].isin(list(LAUNCH_MONTH)).to_numpy()
        months = pd.DatetimeIndex([self._month(i) for i in past])
        keys = self.lines.loc[on_sale, ["SKU", "Customer"]]
        return _long_form(keys, months, np.round(expected[on_sale]), "Actual")

    def products_sheet(self) -> pd.DataFrame:
        """The Products sheet."""
        products = self.products[["SKU", "Description", "Family", "Status"]].assign(Unit="each")
        products["Margin floor %"] = [
            np.nan if status == "Phase-out" else FAMILIES[family]["floor"]
            for family, status in zip(self.products["Family"], self.products["Status"])
        ]
        return products[["SKU", "Description", "Family", "Unit", "Status", "Margin floor %"]]

    def customers(self) -> pd.DataFrame:
        """The Customers sheet: the customer master."""
        return pd.DataFrame(
            [(CUSTOMERS[code], *CUSTOMER_MASTER[code]) for code in CUSTOMERS],
            columns=["Customer", "Channel", "Region", "Priority", "Owner"],
        )

    def prices(self) -> pd.DataFrame:
        """The Prices sheet: list prices, MegaMart's contract prices and July's increase."""
        rows = []
        rise_from = self._month(PRICE_RISE["from"])
        for product in self.products.itertuples(index=False):
            rises = product.Family in PRICE_RISE["families"]
            raised = round(product.Price * (1 + PRICE_RISE["rise"]), 2)
            if rises and rise_from <= self.months[0]:
                rows.append((product.SKU, "", raised, self.months[0]))
            else:
                rows.append((product.SKU, "", product.Price, self.months[0]))
                if rises:
                    rows.append((product.SKU, "", raised, rise_from))
            if ((self.lines["SKU"] == product.SKU) & (self.lines["Code"] == "MM")).any():
                rows.append((product.SKU, CUSTOMERS["MM"], round(product.Price * MEGAMART_PRICE, 2), self.months[0]))
        return pd.DataFrame(rows, columns=["SKU", "Customer", "Unit price", "Valid from"])

    def commitments(self) -> pd.DataFrame:
        """The Commitments sheet: orders due in or after the cycle month that have arrived by this cycle."""
        rows = []
        for ref, code, sku, quantity, (offset, day), status, notes, appears, later in COMMITMENTS:
            due = self._month(offset) + pd.Timedelta(days=day - 1)
            if appears > self.month or due < self.months[0]:
                continue
            rows.append((ref, CUSTOMERS[code], sku, float(quantity), due, status if self.month == 0 else later, notes))
        return pd.DataFrame(
            rows, columns=["Order ref", "Customer", "SKU", "Quantity", "Requested date", "Status", "Notes"]
        )

    def launches(self) -> pd.DataFrame:
        """The Launches sheet."""
        notes = {
            "CM-SMART-01": "ShopDirect exclusive for three months, Kitchen & Co from July.",
            "BL-PRO-900": "Autumn range review at Kitchen & Co and ShopDirect; needs the touch control PCB.",
        }
        return pd.DataFrame(
            [(sku, self._month(offset), notes[sku]) for sku, offset in LAUNCH_MONTH.items()],
            columns=["SKU", "Launch month", "Notes"],
        )

    def launch_readiness(self) -> pd.DataFrame:
        """The Launch readiness sheet: one launch ready only after its launch month, one waiting on a supplier."""
        slip = 1 if self.month >= 1 else 0  # by February the validation run has slipped a month
        return pd.DataFrame(
            [
                (
                    "CM-SMART-01",
                    "Yes",
                    "No",
                    self._month(READY_FROM["CM-SMART-01"] + slip),
                    "Brewing-head mould arrived late; validation run at the end of May.",
                ),
                (
                    "BL-PRO-900",
                    "No",
                    "Yes",
                    self._month(READY_FROM["BL-PRO-900"]),
                    "PCB supplier Nanjing Circuit Tech failed first-article inspection; re-audit in June.",
                ),
            ],
            columns=["SKU", "Supplier qualified", "Process validated", "Ready from month", "Notes"],
        )

    def budget(self) -> pd.DataFrame:
        """The Budget sheet: the annual operating plan by family, set 5% above the expected demand."""
        expected = self._demand(self.offsets) * 1.05
        families = list(FAMILIES)
        price = self.lines["SKU"].map(self.products.set_index("SKU")["Price"]).to_numpy()
        volume = np.array([expected[(self.lines["Family"] == f).to_numpy()].sum(axis=0) for f in families])
        revenue = np.array(
            [(expected * price[:, None])[(self.lines["Family"] == f).to_numpy()].sum(axis=0) for f in families]
        )
        keys = pd.DataFrame({"Family": families * 2, "Measure": ["Volume"] * 4 + ["Revenue"] * 4})
        return _long_form(keys, self.months, np.vstack([np.round(volume, -2), np.round(revenue, -3)]), "Budget")

    # --- supply -------------------------------------------------------------------------------------------
    def routings(self) -> pd.DataFrame:
        """The Routings sheet: hours per unit grow with the square root of price within a family."""
        rows = []
        for product in self.products.itertuples(index=False):
            family = FAMILIES[product.Family]
            scale = np.sqrt(product.Price / family["reference_price"])
            for resource, hours in family["routing"].items():
                rows.append((product.SKU, resource, round(hours * scale, 4)))
        return pd.DataFrame(rows, columns=["SKU", "Resource", "Hours per unit"])

    def bill_of_materials(self) -> pd.DataFrame:
        """The Bill of materials sheet: one constrained material or two per SKU, toasters none."""
        rows = []
        for product in self.products.itertuples(index=False):
            for material, quantity in FAMILIES[product.Family]["materials"].items():
                rows.append((product.SKU, material, quantity))
            if product.SKU == "BL-PRO-900":
                rows.append((product.SKU, "Touch control PCB", 1.0))
        return pd.DataFrame(rows, columns=["SKU", "Material", "Quantity per unit"])

    def _average_need(self, usage: pd.DataFrame, key: str, per_unit: str) -> pd.Series:
        """Average Base need per month over the month-0 horizon, of each resource or material."""
        demand = self._demand(np.arange(HORIZON)).mean(axis=1)
        by_sku = pd.Series(demand).groupby(self.lines["SKU"].to_numpy()).sum()
        need = usage[per_unit].to_numpy() * by_sku.reindex(usage["SKU"]).to_numpy()
        return pd.Series(need).groupby(usage[key].to_numpy()).sum()

    def resources(self) -> pd.DataFrame:
        """The Resources sheet."""
        return pd.DataFrame(RESOURCES, columns=["Resource", "Site", "Regular cost per hour", "Overtime cost per hour"])

    def capacity(self) -> pd.DataFrame:
        """The Capacity sheet: regular hours sized against average demand, less the shutdowns; overtime."""
        need = self._average_need(self.routings(), "Resource", "Hours per unit")
        calendar = self._calendar(self.offsets)
        shutdown = np.array([SHUTDOWN.get(m, 1.0) for m in calendar])
        rows, values = [], []
        for resource, *_ in RESOURCES:
            normal = np.round(need[resource] * SIZED_FOR[resource], -1)
            regular = normal * shutdown
            if self.month >= 1 and resource == REVISIONS_MONTH_1["third_shift"][0]:
                _, from_offset, lift = REVISIONS_MONTH_1["third_shift"]
                regular = np.where(self.offsets >= from_offset, regular * lift, regular)
            overtime = np.round(normal * OVERTIME_SHARE, -1) * np.where(shutdown < 1, 0.5, 1.0)
            rows += [(resource, "Regular"), (resource, "Overtime")]
            values += [np.round(regular), np.round(overtime)]
        return _long_form(pd.DataFrame(rows, columns=["Resource", "Kind"]), self.months, np.vstack(values), "Hours")

    def materials(self) -> pd.DataFrame:
        """The Materials sheet: units available a month from each supplier."""
        need = self._average_need(self.bill_of_materials(), "Material", "Quantity per unit")
        rows, values = [], []
        for material, supplier, qualified, lead_time, cover in MATERIALS:
            if cover is None:
                available = np.where(self.offsets >= PCB_FROM, float(PCB_PER_MONTH), 0.0)
            else:
                available = np.full(HORIZON, np.round(need[material] * cover, -2))
                if material.startswith("Heating"):
                    available = np.where(
                        np.isin(self.offsets, FURNACE_REBUILD), np.round(available * 0.8, -2), available
                    )
            rows.append((material, supplier, qualified, lead_time))
            values.append(available)
        keys = pd.DataFrame(rows, columns=["Material", "Supplier", "Qualified", "Lead time (days)"])
        return _long_form(keys, self.months, np.vstack(values), "Available")

    def costs(self) -> pd.DataFrame:
        """The Costs sheet: material and other variable cost from the price, holding at 1.5% a month."""
        p = self.products
        material = np.round(p["Price"] * p["Material share"], 2)
        other = np.round(p["Price"] * p["Other share"], 2)
        return pd.DataFrame(
            {
                "SKU": p["SKU"],
                "Material cost per unit": material,
                "Other variable cost per unit": other,
                "Holding cost per unit-month": np.round((material + other) * 0.015, 2),
                "Unmet demand": p["Unmet demand"],
                # A late unit costs a 5% discount a month (more than the July price rise, so waiting for it never pays);
                # a lost sale costs its margin, counted by the planner.
                "Backlog cost per unit-month": np.where(
                    p["Unmet demand"] == "Backlog", np.round(p["Price"] * 0.05, 2), 0.0
                ),
            }
        )

    def subcontract(self) -> pd.DataFrame:
        """The Subcontract sheet: several subcontractors for some SKUs, each with months it cannot deliver."""
        level = self.products.set_index("SKU")
        calendar = self._calendar(self.offsets)
        rows, values = [], []
        for name, cost, share, closed, skus in SUBCONTRACTORS:
            if self.month >= 1 and name == REVISIONS_MONTH_1["subcontract_price"][0]:
                cost = cost * REVISIONS_MONTH_1["subcontract_price"][1]
            for sku in skus:
                rows.append((sku, name, round(level.at[sku, "Price"] * cost, 2)))
                units = np.round(level.at[sku, "Level"] * share, -1)
                values.append(np.where(np.isin(calendar, closed), 0.0, units))
        keys = pd.DataFrame(rows, columns=["SKU", "Subcontractor", "Cost per unit"])
        return _long_form(keys, self.months, np.vstack(values), "Max units")

    def inventory(self) -> pd.DataFrame:
        """The Inventory sheet: about a month's cover on hand, half a month of safety stock."""
        rng = np.random.default_rng([SEED, 3])
        cover = rng.uniform(0.6, 1.3, size=len(self.products))
        if self.month >= 1:
            cover = cover * np.random.default_rng([SEED, 300 + self.month]).uniform(0.8, 1.2, len(cover))
        p = self.products
        launch = p["Status"].eq("Launch").to_numpy()
        level = p["Level"].to_numpy(dtype=float)
        safety = np.round(level * np.where(launch, 0.3, 0.5), -2)
        bulky = p["Family"].isin(["Blenders", "Coffee makers"]).to_numpy()
        return pd.DataFrame(
            {
                "SKU": p["SKU"],
                "Opening stock": np.where(launch, 0.0, np.round(level * cover, -1)),
                "Safety stock": safety,
                "Target closing stock": safety,
                # The Sheffield and Brno warehouses hold little over a month of the bulky products.
                "Max stock": np.where(bulky, np.round(level * 1.6, -2), np.nan),
                "Lead time (days)": np.where(bulky, 28, 14),
            }
        )

    def inputs(self) -> Inputs:
        """Every table, assembled."""
        cycle = Cycle(
            company=COMPANY,
            cycle_month=self.months[0],
            horizon=HORIZON,
            currency=CURRENCY,
            prepared_by=dict(PREPARED_BY),
        )
        return build_inputs(
            cycle,
            products=self.products_sheet(),
            customers=self.customers(),
            forecast=self.forecast(),
            prices=self.prices(),
            commitments=self.commitments(),
            launches=self.launches(),
            budget=self.budget(),
            actuals=self.actuals(),
            assumptions=pd.DataFrame(
                ASSUMPTIONS + (ASSUMPTIONS_MONTH_1 if self.month >= 1 else ()),
                columns=["Topic", "Assumption", "Impact", "Owner"],
            ),
            resources=self.resources(),
            capacity=self.capacity(),
            routings=self.routings(),
            costs=self.costs(),
            subcontract=self.subcontract(),
            inventory=self.inventory(),
            materials=self.materials(),
            bill_of_materials=self.bill_of_materials(),
            launch_readiness=self.launch_readiness(),
            risks=pd.DataFrame(
                RISKS + (RISKS_MONTH_1 if self.month >= 1 else ()),
                columns=["Risk", "Affects", "Impact", "Mitigation", "Owner"],
            ),
        )


def _round_units(values: np.ndarray) -> np.ndarray:
    """Round forecasts as planners type them: to 10 units, to 1 unit under 100."""
    return np.where(values >= 100, np.round(values, -1), np.round(values))


def _long_form(keys: pd.DataFrame, months: pd.DatetimeIndex, values: np.ndarray, value: str) -> pd.DataFrame:
    """One row per key and month from a key table and a key × month matrix; Source row is the key's row."""
    keys = keys.reset_index(drop=True)
    n, h = values.shape
    frame = keys.loc[np.repeat(np.arange(n), h)].reset_index(drop=True)
    frame[MONTH] = np.tile(months.to_numpy(), n)
    frame[value] = values.reshape(-1).astype(float)
    frame[SOURCE_ROW] = np.repeat(np.arange(2, n + 2), h)
    return frame
