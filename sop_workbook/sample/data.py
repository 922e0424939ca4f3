"""The sample company's figures and texts: its products, customers, plants, orders, assumptions and risks.

`company.py` turns them into the inputs of one planning cycle; see the package's docstring for what the company
is made to show.
"""

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


# The customer master: channel, region, priority (1 the highest) and the account manager, by customer code.
CUSTOMER_MASTER = {
    "MM": ("Retail", "UK", 1, "Key account MegaMart"),
    "HS": ("Retail", "UK", 2, "Key account UK"),
    "KC": ("Specialist retail", "Europe", 2, "Key account Europe"),
    "SD": ("Online", "UK", 2, "E-commerce manager"),
    "ND": ("Distributor", "Europe", 3, "Export manager"),
}
