"""The sample company as its teams would send it: demand in one file per sales region, capacity one per plant.

`sop sample DIR --teams` writes DIR/demand/uk.xlsx and DIR/demand/europe.xlsx (the UK team also keeps the
product master, prices, launches, budget and assumptions; both list their own customers, which repeat on the UK
file's Customers sheet identically), and DIR/capacity/sheffield.xlsx and DIR/capacity/brno.xlsx (each plant its
resources and the SKUs it makes; a material both plants use is on both files, identically). Read as folders they
are the same inputs as the one-file sample, so they give the same plan.
"""

from __future__ import annotations

import pandas as pd

from ..inputs import Inputs, build_inputs

# Demand files by the Region of their customers; the first also holds the side's master data.
DEMAND_TEAMS = {"uk": "UK", "europe": "Europe"}
# Capacity files by the Site of their resources.
PLANTS = {"sheffield": "Sheffield", "brno": "Brno"}
# Risks that name the Brno plant or its products go to its file; the others to Sheffield's.
BRNO_WORDS = ("BRN", "Brno", "CM-")


def demand_files(inputs: Inputs) -> dict[str, Inputs]:
    """The demand side split by sales region.

    Args:
        inputs: The whole company's inputs.

    Returns:
        {file stem: Inputs holding only that file's demand tables}.
    """
    region = inputs.customers.set_index("Customer")["Region"]
    out = {}
    for k, (stem, name) in enumerate(DEMAND_TEAMS.items()):
        ours = set(region[region == name].index)
        tables = {
            table: getattr(inputs, table)[getattr(inputs, table)["Customer"].isin(ours)]
            for table in ("customers", "forecast", "commitments", "actuals")
        }
        if k == 0:
            tables["customers"] = inputs.customers
            for table in ("products", "prices", "launches", "budget", "assumptions"):
                tables[table] = getattr(inputs, table)
        out[stem] = build_inputs(inputs.cycle, **{t: _fresh(f) for t, f in tables.items()})
    return out


def capacity_files(inputs: Inputs) -> dict[str, Inputs]:
    """The capacity side split by plant.

    Args:
        inputs: The whole company's inputs.

    Returns:
        {file stem: Inputs holding only that plant's capacity tables}.
    """
    site = inputs.resources.set_index("Resource")["Site"]
    plant_of_sku = inputs.routings.assign(Site=inputs.routings["Resource"].map(site)).groupby("SKU")["Site"].first()
    out = {}
    for stem, name in PLANTS.items():
        resources = set(site[site == name].index)
        skus = set(plant_of_sku[plant_of_sku == name].index)
        bom = inputs.bill_of_materials[inputs.bill_of_materials["SKU"].isin(skus)]
        brno = inputs.risks["Risk"].str.contains("|".join(BRNO_WORDS))
        tables = {
            "resources": inputs.resources[inputs.resources["Resource"].isin(resources)],
            "capacity": inputs.capacity[inputs.capacity["Resource"].isin(resources)],
            "routings": inputs.routings[inputs.routings["SKU"].isin(skus)],
            "costs": inputs.costs[inputs.costs["SKU"].isin(skus)],
            "subcontract": inputs.subcontract[inputs.subcontract["SKU"].isin(skus)],
            "inventory": inputs.inventory[inputs.inventory["SKU"].isin(skus)],
            "materials": inputs.materials[inputs.materials["Material"].isin(set(bom["Material"]))],
            "bill_of_materials": bom,
            "launch_readiness": inputs.launch_readiness[inputs.launch_readiness["SKU"].isin(skus)],
            "risks": inputs.risks[brno if name == "Brno" else ~brno],
        }
        out[stem] = build_inputs(inputs.cycle, **{t: _fresh(f) for t, f in tables.items()})
    return out


def _fresh(frame: pd.DataFrame) -> pd.DataFrame:
    """A table without the whole company's row numbers and file names: the file written numbers its own."""
    return frame.drop(columns=["Source row", "Source file"], errors="ignore")
