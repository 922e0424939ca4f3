"""The sample company: Brightwell Home Appliances, a fictional maker of small kitchen appliances.

`sample_inputs()` builds both templates of one planning cycle in code; `write_sample()` writes them as filled
demand.xlsx and capacity.xlsx (what `sop sample DIR` puts on disk, and what samples/ holds).

The company is made to exercise every part of the meeting pack:
- 4 families (Kettles, Toasters, Blenders, Coffee makers), 32 SKUs, 5 customers, 6 resources at 2 sites
  (Sheffield and Brno), 3 constrained materials (the touch-control PCB's supplier is not qualified).
- Seasonal demand that peaks in October to December, when retailers stock up for Black Friday and Christmas.
  The blender line (SHF Assembly B) and the coffee line (BRN Assembly C) are sized for an average month, so the
  peak needs build-ahead from the summer, overtime and subcontracting, and still leaves gaps; the August and
  Christmas shutdowns take hours out of the months around it.
- Two launches that are not ready (one is ready only after its launch month, the other waits on an unqualified
  supplier), confirmed orders the plan cannot meet, a toaster sold below its margin floor, a phase-out.

Everything is relative to the month-0 cycle month, so the company works for any cycle month; seasonality
follows the calendar. `month=1` is the same company one cycle later: the cycle month moves on, the forecast is
revised a little, January's actuals are in, January's orders have shipped and new ones arrived. It feeds the
"what changed since last month" comparison. Random noise comes from seeded generators laid out by month first,
so the months two cycles share get the same draws; nothing depends on the wall clock.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .inputs import MONTH, SOURCE_ROW, Cycle, Inputs, build_inputs

COMPANY = "Brightwell Home Appliances"
CURRENCY = "EUR"
HORIZON = 18
SEED = 2027

CUSTOMERS = {
    "MM": "MegaMart",
    "HS": "HomeStyle Stores",
    "KC": "Kitchen & Co",
    "SD": "ShopDirect Online",
    "ND": "Nordic Distribution",
}

# The family's margin floor, its sales by calendar month (January first; scaled to average 1), the reference
# price its routing hours are set for, and the hours one reference unit takes on each resource. A SKU's hours
# grow with the square root of its price over the reference: dearer models have more parts to assemble.
FAMILIES = {
    "Kettles": dict(
        floor=0.30,
        season=(0.92, 0.85, 0.92, 0.95, 0.98, 0.90, 0.88, 0.95, 1.05, 1.15, 1.30, 1.15),
        reference_price=28.0,
        routing={"SHF Moulding": 0.006, "SHF Assembly A": 0.008},
        materials={"Heating element 2.2 kW": 1.0},
    ),
    "Toasters": dict(
        floor=0.30,
        season=(0.92, 0.85, 0.92, 0.95, 0.98, 0.90, 0.88, 0.95, 1.05, 1.15, 1.30, 1.15),
        reference_price=33.0,
        routing={"SHF Moulding": 0.007, "SHF Assembly A": 0.011},
        materials={},
    ),
    "Blenders": dict(
        floor=0.32,
        season=(0.85, 0.80, 0.90, 1.00, 1.10, 1.15, 1.05, 0.90, 0.95, 1.10, 1.40, 1.20),
        reference_price=38.0,
        routing={"SHF Moulding": 0.008, "SHF Assembly B": 0.014},
        materials={"Motor 800 W": 1.0},
    ),
    "Coffee makers": dict(
        floor=0.28,
        season=(0.85, 0.75, 0.85, 0.85, 0.90, 0.80, 0.80, 0.90, 1.05, 1.25, 1.55, 1.45),
        reference_price=60.0,
        routing={"BRN Moulding": 0.010, "BRN Assembly C": 0.018, "BRN Test & Pack": 0.008},
        materials={"Heating element 2.2 kW": 1.0},
    ),
}

# SKU, description, family, status, units a month over all customers (before seasonality and growth), list
# price, material cost and other variable cost as shares of the list price, what happens to unmet demand, and
# the customers with their shares of the SKU's demand.
PRODUCTS = (
    (
        "KT-ECO-17",
        "Kettle 1.7 L, white plastic",
        "Kettles",
        "Active",
        9000,
        18.0,
        0.52,
        0.14,
        "Lost",
        "MM .60 SD .25 ND .15",
    ),
    (
        "KT-STEEL-17",
        "Kettle 1.7 L, brushed steel",
        "Kettles",
        "Active",
        6000,
        26.0,
        0.45,
        0.12,
        "Backlog",
        "MM .40 HS .35 SD .25",
    ),
    (
        "KT-GLASS-17",
        "Kettle 1.7 L, glass with blue light",
        "Kettles",
        "Active",
        4500,
        29.0,
        0.47,
        0.12,
        "Backlog",
        "HS .50 KC .30 SD .20",
    ),
    (
        "KT-VARI-17",
        "Kettle 1.7 L, variable temperature",
        "Kettles",
        "Active",
        3000,
        42.0,
        0.44,
        0.12,
        "Backlog",
        "KC .60 SD .40",
    ),
    (
        "KT-TRAVEL-05",
        "Travel kettle 0.5 L, dual voltage",
        "Kettles",
        "Active",
        2000,
        19.0,
        0.48,
        0.14,
        "Lost",
        "SD .70 ND .30",
    ),
    (
        "KT-CLASSIC-15",
        "Kettle 1.5 L classic (replaced by KT-DOME-20)",
        "Kettles",
        "Phase-out",
        1500,
        22.0,
        0.50,
        0.14,
        "Lost",
        "HS .60 ND .40",
    ),
    (
        "KT-DOME-20",
        "Kettle 2.0 L dome, stainless",
        "Kettles",
        "Active",
        2500,
        34.0,
        0.46,
        0.12,
        "Backlog",
        "HS .50 KC .50",
    ),
    ("KT-RAPID-12", "Kettle 1.2 L rapid boil", "Kettles", "Active", 3500, 31.0, 0.47, 0.13, "Backlog", "MM .50 SD .50"),
    (
        "TS-2S-BASIC",
        "Toaster 2-slice, white plastic",
        "Toasters",
        "Active",
        7000,
        16.0,
        0.54,
        0.18,
        "Lost",
        "MM .70 ND .30",
    ),
    (
        "TS-2S-STEEL",
        "Toaster 2-slice, brushed steel",
        "Toasters",
        "Active",
        4500,
        27.0,
        0.46,
        0.13,
        "Backlog",
        "MM .40 HS .40 SD .20",
    ),
    (
        "TS-4S-STEEL",
        "Toaster 4-slice, brushed steel",
        "Toasters",
        "Active",
        3000,
        39.0,
        0.45,
        0.13,
        "Backlog",
        "HS .60 KC .40",
    ),
    (
        "TS-2S-RETRO",
        "Toaster 2-slice, retro cream",
        "Toasters",
        "Active",
        2500,
        36.0,
        0.43,
        0.13,
        "Backlog",
        "KC .50 SD .50",
    ),
    (
        "TS-4S-RETRO",
        "Toaster 4-slice, retro cream",
        "Toasters",
        "Active",
        1500,
        52.0,
        0.44,
        0.12,
        "Backlog",
        "KC .60 SD .40",
    ),
    (
        "TS-LONG-2",
        "Toaster long slot, 2 slices",
        "Toasters",
        "Active",
        2000,
        33.0,
        0.47,
        0.13,
        "Backlog",
        "HS .50 ND .50",
    ),
    (
        "TS-SMART-2",
        "Toaster 2-slice, digital browning control",
        "Toasters",
        "Active",
        1200,
        58.0,
        0.48,
        0.12,
        "Backlog",
        "KC .50 SD .50",
    ),
    (
        "BL-PERS-300",
        "Personal blender 300 W, two bottles",
        "Blenders",
        "Active",
        6000,
        24.0,
        0.47,
        0.15,
        "Lost",
        "MM .50 SD .30 ND .20",
    ),
    (
        "BL-CLASSIC-500",
        "Jug blender 500 W, 1.5 L",
        "Blenders",
        "Active",
        5000,
        38.0,
        0.46,
        0.13,
        "Backlog",
        "MM .40 HS .40 ND .20",
    ),
    (
        "BL-GLASS-600",
        "Jug blender 600 W, glass jug",
        "Blenders",
        "Active",
        3500,
        55.0,
        0.45,
        0.12,
        "Backlog",
        "HS .50 KC .50",
    ),
    (
        "BL-PRO-700",
        "High-speed blender 700 W",
        "Blenders",
        "Active",
        2500,
        89.0,
        0.43,
        0.13,
        "Backlog",
        "KC .60 SD .40",
    ),
    ("BL-HAND-250", "Hand blender 250 W", "Blenders", "Active", 5500, 17.0, 0.48, 0.14, "Lost", "MM .60 HS .40"),
    (
        "BL-HAND-400",
        "Hand blender 400 W with chopper",
        "Blenders",
        "Active",
        3000,
        29.0,
        0.46,
        0.14,
        "Backlog",
        "HS .50 SD .50",
    ),
    ("BL-VAC-800", "Vacuum blender 800 W", "Blenders", "Active", 800, 139.0, 0.44, 0.12, "Backlog", "KC .70 SD .30"),
    (
        "BL-PRO-900",
        "Pro blender 900 W, touch controls",
        "Blenders",
        "Launch",
        1500,
        119.0,
        0.48,
        0.12,
        "Backlog",
        "KC .50 SD .50",
    ),
    (
        "CM-FILTER-10",
        "Filter coffee maker, 10 cups",
        "Coffee makers",
        "Active",
        5000,
        28.0,
        0.50,
        0.16,
        "Lost",
        "MM .60 HS .40",
    ),
    (
        "CM-FILTER-12T",
        "Filter coffee maker, 12 cups, thermal jug",
        "Coffee makers",
        "Active",
        2500,
        45.0,
        0.46,
        0.13,
        "Backlog",
        "HS .50 KC .50",
    ),
    (
        "CM-POD-1",
        "Pod coffee machine, single serve",
        "Coffee makers",
        "Active",
        8000,
        39.0,
        0.53,
        0.13,
        "Lost",
        "MM .50 SD .30 ND .20",
    ),
    (
        "CM-POD-2",
        "Pod coffee machine with milk frother",
        "Coffee makers",
        "Active",
        3000,
        62.0,
        0.47,
        0.12,
        "Backlog",
        "SD .60 HS .40",
    ),
    (
        "CM-ESP-15",
        "Espresso machine 15 bar",
        "Coffee makers",
        "Active",
        2000,
        119.0,
        0.44,
        0.12,
        "Backlog",
        "KC .50 SD .50",
    ),
    (
        "CM-ESP-20",
        "Espresso machine 20 bar with steam wand",
        "Coffee makers",
        "Active",
        1200,
        179.0,
        0.42,
        0.14,
        "Backlog",
        "KC .60 SD .40",
    ),
    (
        "CM-BEAN-1",
        "Bean-to-cup coffee machine",
        "Coffee makers",
        "Active",
        900,
        329.0,
        0.40,
        0.16,
        "Backlog",
        "KC .60 SD .40",
    ),
    ("CM-COLD-1", "Cold brew coffee maker", "Coffee makers", "Active", 700, 72.0, 0.46, 0.12, "Lost", "SD .60 KC .40"),
    (
        "CM-SMART-01",
        "Smart coffee maker, app-connected",
        "Coffee makers",
        "Launch",
        1800,
        149.0,
        0.50,
        0.12,
        "Backlog",
        "SD .65 KC .35",
    ),
)

# Launches: the launch month and the month production can start, as months after the month-0 cycle month.
LAUNCH_MONTH = {"CM-SMART-01": 3, "BL-PRO-900": 8}
READY_FROM = {"CM-SMART-01": 5, "BL-PRO-900": 7}
# ShopDirect has CM-SMART-01 to itself for its first three months.
EXCLUSIVE_MONTHS = {("CM-SMART-01", "KC"): 3}
# How a launch ramps up, by month since launch (then 1.0).
LAUNCH_RAMP = (0.5, 0.75, 0.9)
# The phase-out SKU sells down to nothing over this many months.
PHASE_OUT_MONTHS = 9
GROWTH_PER_YEAR = 0.04
# MegaMart's Black Friday promotion lifts its blender orders in November.
PROMOTION = {("Blenders", "MM", 11): 1.35}
# Nordic Distribution destocks in the first four months of the month-0 cycle: orders 15% below sell-out.
DESTOCKING = ("ND", (0, 1, 2, 3), 0.85)
# Retail discount: MegaMart buys at this fraction of the list price.
MEGAMART_PRICE = 0.95
# Kettles and toasters go up 4% from the seventh month; MegaMart's contract price does not move.
PRICE_RISE = {"families": ("Kettles", "Toasters"), "from": 6, "rise": 0.04}
# Hours bought per resource, as a multiple of the hours an average month of Base demand needs. Under 1.0 the
# line depends on overtime, subcontracting and stock built ahead to get through the year.
SIZED_FOR = {
    "SHF Moulding": 1.25,
    "SHF Assembly A": 1.15,
    "SHF Assembly B": 0.97,
    "BRN Moulding": 1.30,
    "BRN Assembly C": 1.00,
    "BRN Test & Pack": 1.25,
}
RESOURCES = (
    # Resource, site, regular cost per hour, overtime cost per hour
    ("SHF Moulding", "Sheffield", 95.0, 140.0),
    ("SHF Assembly A", "Sheffield", 310.0, 465.0),
    ("SHF Assembly B", "Sheffield", 290.0, 435.0),
    ("BRN Moulding", "Brno", 80.0, 120.0),
    ("BRN Assembly C", "Brno", 240.0, 360.0),
    ("BRN Test & Pack", "Brno", 120.0, 180.0),
)
# The most overtime, as a share of a normal month's regular hours (Saturday shifts).
OVERTIME_SHARE = 0.15
# Regular hours by calendar month: two weeks' summer shutdown in August, a week at Christmas.
SHUTDOWN = {8: 0.5, 12: 0.75}
# Material, supplier, qualified, lead time (days), availability as a multiple of average Base need.
MATERIALS = (
    ("Heating element 2.2 kW", "Thermatec GmbH", "Yes", 42, 1.08),
    ("Motor 800 W", "Dongguan Motion Co.", "Yes", 56, 1.12),
    ("Touch control PCB", "Nanjing Circuit Tech", "No", 70, None),
)
# Thermatec rebuilds a furnace in the 7th to 9th month and allocates 80% of the usual volume.
FURNACE_REBUILD = (6, 7, 8)
# The PCB for the pro blender: nothing before the 8th month (the supplier is not qualified), then this much.
PCB_PER_MONTH = 1200
PCB_FROM = 7

# Subcontractor, all-in cost as a multiple of the SKU's list price, the most units a month as a share of the
# SKU's average demand, calendar months it cannot deliver, the SKUs it can make.
SUBCONTRACTORS = (
    (
        "Guangdong OEM Ltd",
        0.76,
        0.15,
        (2,),
        ("BL-PERS-300", "BL-CLASSIC-500", "BL-HAND-250", "BL-HAND-400", "KT-ECO-17", "KT-STEEL-17"),
    ),
    (
        "Ostrava Contract Assembly",
        0.82,
        0.10,
        (8,),
        ("BL-PERS-300", "BL-CLASSIC-500", "BL-GLASS-600", "CM-FILTER-10", "CM-POD-1"),
    ),
    ("Minho Appliance Works", 0.80, 0.12, (8,), ("CM-POD-1", "CM-FILTER-10", "CM-POD-2", "TS-2S-STEEL")),
)

# Order ref, customer, SKU, quantity, (months after the month-0 cycle month, day), status at month 0, notes,
# the cycle (month) the order first appears in, and its status from month 1 on.
COMMITMENTS = (
    (
        "SO-27-0104",
        "MM",
        "BL-CLASSIC-500",
        2000,
        (0, 18),
        "Confirmed",
        "January replenishment, DC Leeds",
        0,
        "Confirmed",
    ),
    ("SO-27-0109", "ND", "KT-ECO-17", 1500, (0, 25), "Confirmed", "40 ft container, FOB Sheffield", 0, "Confirmed"),
    ("SO-27-0115", "KC", "CM-ESP-15", 900, (1, 10), "Confirmed", "Valentine's Day promotion stock", 0, "Confirmed"),
    ("SO-27-0121", "HS", "TS-4S-STEEL", 1200, (1, 15), "Confirmed", "", 0, "Confirmed"),
    (
        "SO-27-0130",
        "SD",
        "CM-POD-2",
        2500,
        (2, 5),
        "Confirmed",
        "Spring sale, volume agreed in the JBP",
        0,
        "Confirmed",
    ),
    (
        "SO-27-0142",
        "MM",
        "TS-2S-BASIC",
        5000,
        (2, 20),
        "Confirmed",
        "Contract price 15.20, below our floor",
        0,
        "Confirmed",
    ),
    (
        "SO-27-0155",
        "SD",
        "CM-SMART-01",
        1200,
        (3, 15),
        "Confirmed",
        "Launch exclusive: first shipment promised for ShopDirect's campaign start",
        0,
        "Confirmed",
    ),
    (
        "SO-27-0168",
        "KC",
        "BL-PRO-900",
        3000,
        (8, 20),
        "Confirmed",
        "Launch stocking order for 120 stores",
        0,
        "Confirmed",
    ),
    (
        "SO-27-0171",
        "HS",
        "KT-DOME-20",
        1800,
        (3, 12),
        "Requested",
        "Store refit promotion; awaits our answer",
        0,
        "Confirmed",
    ),
    (
        "SO-27-0177",
        "ND",
        "BL-PERS-300",
        4000,
        (4, 14),
        "Requested",
        "Summer campaign; wants one delivery",
        0,
        "Requested",
    ),
    (
        "SO-27-0183",
        "MM",
        "BL-HAND-250",
        12000,
        (9, 15),
        "Requested",
        "Black Friday pre-order; wants a yes by end of February",
        0,
        "Requested",
    ),
    ("SO-27-0190", "KC", "CM-BEAN-1", 600, (10, 8), "Requested", "Christmas catalogue", 0, "Requested"),
    ("SO-27-0204", "MM", "KT-STEEL-17", 2200, (1, 22), "Confirmed", "February replenishment", 1, "Confirmed"),
    ("SO-27-0211", "SD", "TS-SMART-2", 800, (2, 12), "Requested", "Mother's Day feature", 1, "Requested"),
)

ASSUMPTIONS = (
    (
        "Black Friday",
        "MegaMart runs its Black Friday promotion on our blender range again: November orders "
        "35% above a normal month, as agreed in the joint business plan.",
        "High",
        "Key account MegaMart",
    ),
    (
        "Price increase",
        "The 4% list price increase on kettles and toasters from July is accepted by all retail "
        "customers; MegaMart stays on its contract price until the contract ends.",
        "Medium",
        "Sales director",
    ),
    (
        "CM-SMART-01 launch",
        "ShopDirect has the smart coffee maker exclusively for three months from the April "
        "launch; Kitchen & Co lists it from July.",
        "High",
        "Product manager coffee",
    ),
    (
        "Coffee market",
        "The coffee machine market grows about 5% in 2027; pods keep their share, bean-to-cup grows fastest.",
        "Medium",
        "Marketing",
    ),
    (
        "Nordic destocking",
        "Nordic Distribution is destocking in Q1 and orders about 15% below its sell-out until April.",
        "Low",
        "Export manager",
    ),
    (
        "Downside",
        "A weak Christmas season (consumer confidence, energy prices) would cut Q4 by about 15%; "
        "the Downside scenario shows it.",
        "Medium",
        "Sales director",
    ),
    (
        "BL-PRO-900 launch",
        "Kitchen & Co and ShopDirect list the pro blender from September, with a stocking "
        "order of 3,000 units from Kitchen & Co.",
        "High",
        "Product manager blenders",
    ),
)

RISKS = (
    (
        "SHF Assembly B cannot build the October to December blender peak even with every Saturday worked.",
        "Resource",
        "High",
        "Build ahead from spring; book Guangdong and Ostrava slots for Q4 by May.",
        "Plant manager Sheffield",
    ),
    (
        "BRN Assembly C runs at its limit from October; the espresso and bean-to-cup models take twice the hours.",
        "Resource",
        "High",
        "Third shift from May is being costed; overtime agreed with the works council.",
        "Plant manager Brno",
    ),
    (
        "Nanjing Circuit Tech, the only source of the touch control PCB, failed first-article inspection "
        "(conformal coating); no PCBs before August.",
        "Material",
        "High",
        "Re-audit in June; second source being quoted.",
        "Purchasing",
    ),
    (
        "Thermatec rebuilds a furnace in July to September and allocates us 80% of the usual heating elements.",
        "Material",
        "Medium",
        "Pull heating elements forward into June; safety stock of 5,000 elements.",
        "Purchasing",
    ),
    (
        "CM-SMART-01 brewing-head mould arrived late; process validation not before the end of May.",
        "SKU",
        "High",
        "Validation run booked for week 21; ShopDirect informed the launch may slip.",
        "Engineering",
    ),
    (
        "KT-CLASSIC-15 is being phased out; the remaining housings cover about 7,000 units, no re-buy.",
        "SKU",
        "Low",
        "Offer KT-DOME-20 to HomeStyle and Nordic as the replacement.",
        "Product manager kettles",
    ),
    (
        "August and Christmas shutdowns take half of August and a quarter of December out of both plants.",
        "Resource",
        "Medium",
        "Build stock before the shutdowns.",
        "Operations planning",
    ),
)

# What changed by month 1 (the February cycle), on top of small random forecast revisions.
REVISIONS_MONTH_1 = {
    "promotion": ("Blenders", "MM", (10, 11), 1.10),  # MegaMart extends the promotion to Cyber Monday
    "pod_cut": ("CM-POD-1", 0.92),  # pod machines sold out slowly in January
    "third_shift": ("BRN Assembly C", 4, 1.12),  # Brno adds a third shift from May
    "subcontract_price": ("Ostrava Contract Assembly", 1.03),  # Ostrava's price up 3%
}
# What the planners add to their sheets by month 1.
ASSUMPTIONS_MONTH_1 = (
    (
        "Cyber Monday",
        "MegaMart extends the blender promotion to Cyber Monday: its October and November blender "
        "orders another 10% up.",
        "High",
        "Key account MegaMart",
    ),
    (
        "Pod machines",
        "January sell-out of pod machines was weak; the CM-POD-1 forecast is cut by 8%.",
        "Medium",
        "Product manager coffee",
    ),
)
RISKS_MONTH_1 = (
    (
        "CM-SMART-01 validation run slipped to June; the smart coffee maker is ready from July, three months after "
        "its launch.",
        "SKU",
        "High",
        "ShopDirect asked to move the campaign to July.",
        "Engineering",
    ),
)
PREPARED_BY = {"demand": "Sarah Lindqvist, demand planning", "capacity": "Tomas Novak, operations planning"}


def sample_inputs(cycle_month: str | pd.Timestamp = "2027-01", month: int = 0) -> Inputs:
    """Build the sample company's inputs for one planning cycle.

    Args:
        cycle_month: The month-0 cycle month ("YYYY-MM" or a Timestamp; its first of month is used).
        month: 0 for that cycle; 1 for the next cycle of the same company (cycle month one later, forecast
            revised, one more month of actuals, orders shipped and new ones taken); and so on.

    Returns:
        The Inputs, every table in the long form of `inputs.py`, with no findings.

    Raises:
        ValueError: when month is negative.
    """
    if month < 0:
        raise ValueError(f"month must be 0 or more, not {month}")
    return _Company(pd.Timestamp(cycle_month).to_period("M").to_timestamp(), month).inputs()


def write_sample(directory: str | Path, month: int = 0, *, force: bool = False) -> tuple[Path, Path]:
    """Write the sample company's filled demand.xlsx and capacity.xlsx.

    Args:
        directory: The folder to write into.
        month: 0 for the sample cycle (January 2027), 1 for the next month's cycle.
        force: Replace templates that exist in the folder; without it they are refused.

    Returns:
        The paths of demand.xlsx and capacity.xlsx.

    Raises:
        OutputError: as `templates.write_filled`.
    """
    from .templates import write_filled

    return write_filled(directory, sample_inputs(month=month), force=force)


class _Company:
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
