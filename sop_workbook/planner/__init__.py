"""Inputs → a cost-optimal consensus plan: one linear program per scenario, solved with HiGHS.

The model is stated in docs/model.md. Its modules, in the order a plan is made:

    data    the Inputs' sheets → arrays over SKUs, lines (SKU × customer), months, resources, materials
    lp      a linear program in named variable blocks and constraint families (the modelling helper)
    model   one scenario's arrays → its LP: variables, constraint families, objective, penalties
    blocks  the LP → its independent blocks (SKUs that share no resource or material)
    highs   a block → HiGHS → values, money-only duals and basis; blocks shared out over the cores
    solve   `solve` and `solve_all`: scenarios built and solved, a small change re-solved block by block
    report  the solver's values → the Solution's tables
"""

from .data import Adjustments
from .highs import HIGHS_OPTIONS
from .report import (
    COMMITMENT_SHORTFALL_COLUMNS,
    CUSTOMER_MONTH_COLUMNS,
    MATERIAL_MONTH_COLUMNS,
    RESOURCE_MONTH_COLUMNS,
    SKU_MONTH_COLUMNS,
    SUBCONTRACT_COLUMNS,
    Solution,
)
from .solve import solve, solve_all

__all__ = [
    "Adjustments",
    "Solution",
    "solve",
    "solve_all",
    "HIGHS_OPTIONS",
    "SKU_MONTH_COLUMNS",
    "CUSTOMER_MONTH_COLUMNS",
    "SUBCONTRACT_COLUMNS",
    "RESOURCE_MONTH_COLUMNS",
    "MATERIAL_MONTH_COLUMNS",
    "COMMITMENT_SHORTFALL_COLUMNS",
]
