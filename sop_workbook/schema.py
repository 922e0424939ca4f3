"""The one definition of every template sheet and column.

The template writer (`templates.py`), the reader and its validation (`reader.py`) and the README's template
reference (`docs_reference()`) are all generated from the objects in this module. Sheet names and column
headers are the planners' own words; they are also the column names of the reader's DataFrames.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Column kinds. Every kind maps to one parsing rule in the reader and one number format in the templates.
TEXT = "text"  # free text, stripped of stray spaces
NUMBER = "number"  # a finite number, not negative unless `minimum` is None
INTEGER = "integer"  # a whole number (horizon, lead time in days)
PERCENT = "percent"  # a fraction typed as a percentage (35% is stored as 0.35)
MONTH = "month"  # a date, taken as its first of month
DATE = "date"  # a calendar date
CHOICE = "choice"  # one of `choices`

# Where month columns come from.
HORIZON = "horizon"  # one column per month of the horizon, starting at the cycle month
PAST = "past"  # one column per month of the 12 months before the cycle month

PAST_MONTHS = 12
DEFAULT_HORIZON = 18

# How a sheet's rows combine when one side is given as a folder of files (one per sales region or plant, say);
# the README's "One file per team" states the rules. A new sheet joins them by declaring its kind here.
REFERENCE = "reference"  # master data and policies: a row may repeat identically; one key, two values is an error
QUANTITY = "quantity"  # units, hours or money per key: a key in two files would count twice, so it is an error
NOTES = "notes"  # free text (assumptions, risks): the rows of every file, one after the other

# The bounds of what a cell may hold. A value outside them is an error named by its cell: it is a typing slip (a
# forecast of 1e300, a price pasted into a quantity), and numbers beyond them would reach the plan as overflows or
# an unsolvable model. With these bounds the largest figure a plan can produce (units × price, summed over every
# SKU, customer and month) stays a finite number far below a float's limit.
MAX_UNITS = 1e12  # units and hours: forecast, orders, stock, capacity, material available
MAX_PER_UNIT = 1e6  # what one unit takes: hours per unit, material per unit
MAX_MONEY = 1e9  # a price or a cost, per unit or per hour
MAX_BUDGET = 1e15  # a budget figure: a family's revenue or volume in a month
MAX_LEAD_DAYS = 3650  # a lead time of ten years: far beyond any horizon
MAX_HORIZON = 60  # months; the templates' dropdown offers 1 to 60
DATE_YEARS = (1900, 2200)  # a year outside these is a typing slip, and a plan's calendar cannot hold years far beyond
MAX_TEXT_CHARS = 32_767  # the most characters a cell holds in Excel; the pack could not show more

# Codes that name one thing wherever they appear. Two spellings of a code that differ only in case, character
# width or invisible characters (MEGAMART and MegaMart) would silently be two things, so they are an error; see
# `cells.code_form` for the comparison.
CODE_HEADERS = ("SKU", "Customer", "Resource", "Material", "Family", "Subcontractor", "Order ref")

# Dropdown list sources: the column of another sheet whose values a planner picks from.
# A list is referenced as a plain range so that it works the same in Excel and LibreOffice.
YES_NO = ("Yes", "No")


@dataclass(frozen=True)
class Column:
    """One column of a template sheet.

    Attributes:
        header: The header text, as the planner sees it and as the DataFrame column is named.
        kind: One of TEXT, NUMBER, INTEGER, PERCENT, MONTH, DATE, CHOICE.
        required: Whether a row must have a value here.
        choices: The allowed values of a CHOICE column.
        lookup: For a column whose values must be defined elsewhere, ("Sheet", "Header") of the defining column,
            within the same template; the template offers it as a dropdown.
        help: A sentence for the instructions sheet and the README.
        width: Column width in the template, in characters.
        minimum: The least allowed value of a number; None allows negatives.
        maximum: The largest allowed value of a number (None for other kinds).
        default: The value used when an optional cell is blank (None keeps it blank).
    """

    header: str
    kind: str = TEXT
    required: bool = True
    choices: tuple[str, ...] = ()
    lookup: tuple[str, str] | None = None
    help: str = ""
    width: int = 14
    minimum: float | None = 0.0
    maximum: float | None = None
    default: object = None


@dataclass(frozen=True)
class Sheet:
    """One sheet of a template.

    Attributes:
        name: The sheet name (also the Excel table's display name, without spaces).
        help: What the sheet is for, for the instructions sheet and the README.
        columns: The fixed columns, left to right.
        months: HORIZON or PAST when the sheet has one column per month after the fixed columns, else None.
        month_value: The name of the value column when the month columns are read into long form
            (for example "Forecast": one row per SKU, customer, scenario and month).
        month_help: What a month cell holds, for the instructions.
        month_maximum: The largest value a month cell may hold.
        key: Columns whose combination must be unique.
        required: Whether the sheet must be present and have at least one row.
        key_value: True for the Cycle sheet: rows of Key / Value instead of a table.
        kind: REFERENCE, QUANTITY or NOTES: how its rows combine across the files of a folder.
    """

    name: str
    help: str
    columns: tuple[Column, ...] = ()
    months: str | None = None
    month_value: str | None = None
    month_help: str = ""
    month_maximum: float = MAX_UNITS
    key: tuple[str, ...] = ()
    required: bool = True
    key_value: bool = False
    kind: str = REFERENCE

    def column(self, header: str) -> Column:
        """Return the column with this header.

        Args:
            header: The exact header text.

        Returns:
            The Column.

        Raises:
            KeyError: when the sheet has no such column.
        """
        for column in self.columns:
            if column.header == header:
                return column
        raise KeyError(f"{self.name} has no column {header!r}")

    @property
    def table_name(self) -> str:
        """The Excel table name of this sheet (letters only, as Excel requires)."""
        return "".join(ch for ch in self.name.title() if ch.isalnum())


@dataclass(frozen=True)
class Template:
    """One of the two planner templates.

    Attributes:
        kind: "demand" or "capacity"; also the file's stem.
        owner: The team that fills it in.
        sheets: Its sheets in workbook order (the instructions sheet is written before them).
    """

    kind: str
    owner: str
    help: str
    sheets: tuple[Sheet, ...] = field(default_factory=tuple)

    @property
    def filename(self) -> str:
        """The file name the template is written under."""
        return f"{self.kind}.xlsx"

    def sheet(self, name: str) -> Sheet:
        """Return the sheet with this name.

        Args:
            name: The exact sheet name.

        Returns:
            The Sheet.

        Raises:
            KeyError: when the template has no such sheet.
        """
        for sheet in self.sheets:
            if sheet.name == name:
                return sheet
        raise KeyError(f"{self.kind} template has no sheet {name!r}")


INSTRUCTIONS_SHEET = "Instructions"

# The Cycle sheet's keys, in order. Both templates carry the same sheet; the reader checks that they agree.
CYCLE_KEYS = (
    Column("Company", TEXT, help="The company's name, shown on every page of the meeting pack.", width=28),
    Column("Cycle month", MONTH, help="The first month of the plan (a date; its first of month is used).", width=28),
    Column(
        "Horizon (months)",
        INTEGER,
        help="How many months the plan covers (1 to 60); one month column each.",
        width=28,
        minimum=1,
        maximum=MAX_HORIZON,
    ),
    Column("Currency", TEXT, help="The currency of every price and cost, for example USD or EUR.", width=28),
    Column("Prepared by", TEXT, required=False, help="Who filled in this template.", width=28),
)

CYCLE = Sheet(
    name="Cycle",
    help="Key / value rows that identify the planning cycle. Must agree between the two templates.",
    columns=CYCLE_KEYS,
    key_value=True,
)

_SKU_DEMAND = ("Products", "SKU")
_CUSTOMER = ("Customers", "Customer")
_SKU_CAPACITY = ("Inventory", "SKU")
_RESOURCE = ("Resources", "Resource")
_MATERIAL = ("Materials", "Material")

DEMAND = Template(
    kind="demand",
    owner="Sales",
    help="What the market wants: forecast by SKU, customer and month, prices, orders, launches and assumptions.",
    sheets=(
        CYCLE,
        Sheet(
            name="Products",
            help="The product master. Family is the level executives read; every SKU in the plan is listed here.",
            columns=(
                Column("SKU", help="The product code, unique.", width=14),
                Column("Description", required=False, help="What the product is.", width=32),
                Column("Family", help="The product family the SKU rolls up to.", width=18),
                Column(
                    "Unit",
                    required=False,
                    help="The unit of measure, for example each or case.",
                    width=8,
                    default="each",
                ),
                Column(
                    "Status",
                    CHOICE,
                    choices=("Active", "Launch", "Phase-out"),
                    help="Active, Launch (a new product, listed on Launches) or Phase-out.",
                    width=11,
                ),
                Column(
                    "Margin floor %",
                    PERCENT,
                    required=False,
                    help="The lowest acceptable contribution margin as a percentage of revenue (blank = none).",
                    width=14,
                ),
            ),
            key=("SKU",),
        ),
        Sheet(
            name="Customers",
            help="The customer master: every customer named on Forecast, Prices, Commitments and Actuals is listed "
            "here once. While it has no rows, customers are taken as written (with a warning).",
            columns=(
                Column(
                    "Customer", help="The customer's name, unique; the other sheets offer it as a dropdown.", width=24
                ),
                Column("Channel", required=False, help="The sales channel, for example Retail or Online.", width=14),
                Column("Region", required=False, help="The sales region the customer belongs to.", width=14),
                Column(
                    "Priority",
                    INTEGER,
                    required=False,
                    help="1 is the highest; blank = the lowest. Read and shown, not yet used by the plan.",
                    width=9,
                    minimum=1,
                    maximum=1000,
                ),
                Column("Owner", required=False, help="The account manager.", width=18),
            ),
            key=("Customer",),
            required=False,
        ),
        Sheet(
            name="Forecast",
            kind=QUANTITY,
            help="Unconstrained demand in units, by SKU, customer, scenario and month. Base is required; "
            "Upside and Downside are optional.",
            columns=(
                Column("SKU", lookup=_SKU_DEMAND, help="A SKU from Products."),
                Column("Customer", lookup=_CUSTOMER, help="A customer from Customers.", width=20),
                Column(
                    "Scenario",
                    CHOICE,
                    choices=("Base", "Upside", "Downside"),
                    help="Base, Upside or Downside.",
                    width=11,
                ),
            ),
            months=HORIZON,
            month_value="Forecast",
            month_help="units the customer is expected to order in that month",
            key=("SKU", "Customer", "Scenario"),
        ),
        Sheet(
            name="Prices",
            help="The unit price Sales expects to realise. A blank customer means all customers; a later Valid "
            "from overrides an earlier one.",
            columns=(
                Column("SKU", lookup=_SKU_DEMAND, help="A SKU from Products."),
                Column(
                    "Customer",
                    required=False,
                    lookup=_CUSTOMER,
                    help="A customer from Customers this price applies to (blank = all).",
                    width=20,
                ),
                Column("Unit price", NUMBER, help="Price per unit in the cycle currency.", width=12, maximum=MAX_MONEY),
                Column(
                    "Valid from",
                    MONTH,
                    required=False,
                    help="The first month the price applies (blank = the cycle month).",
                    width=12,
                ),
            ),
            key=("SKU", "Customer", "Valid from"),
        ),
        Sheet(
            name="Commitments",
            kind=QUANTITY,
            help="Customer orders. Confirmed orders are honoured first; Requested ones are checked for feasibility.",
            columns=(
                Column("Order ref", help="The order number, unique.", width=14),
                Column(
                    "Customer", lookup=_CUSTOMER, help="The customer who placed the order (from Customers).", width=20
                ),
                Column("SKU", lookup=_SKU_DEMAND, help="A SKU from Products."),
                Column("Quantity", NUMBER, help="Units ordered.", width=10, maximum=MAX_UNITS),
                Column("Requested date", DATE, help="The date the customer wants the goods.", width=14),
                Column(
                    "Status",
                    CHOICE,
                    choices=("Confirmed", "Requested"),
                    help="Confirmed (promised to the customer) or Requested (not yet promised).",
                    width=11,
                ),
                Column("Notes", required=False, help="Anything the meeting should know.", width=32),
            ),
            key=("Order ref",),
            required=False,
        ),
        Sheet(
            name="Launches",
            help="New products and the month they launch; there may be no demand before the launch month.",
            columns=(
                Column("SKU", lookup=_SKU_DEMAND, help="A SKU from Products."),
                Column("Launch month", MONTH, help="The first month customers can buy it.", width=13),
                Column("Notes", required=False, help="What the launch depends on.", width=40),
            ),
            key=("SKU",),
            required=False,
        ),
        Sheet(
            name="Budget",
            kind=QUANTITY,
            help="The annual operating plan by family, for the comparison of plan against budget (optional).",
            columns=(
                Column("Family", help="A family from Products.", width=18),
                Column(
                    "Measure",
                    CHOICE,
                    choices=("Revenue", "Volume"),
                    help="Revenue (in the cycle currency) or Volume (in units).",
                    width=10,
                ),
            ),
            months=HORIZON,
            month_value="Budget",
            month_help="the budgeted revenue or volume for that month",
            month_maximum=MAX_BUDGET,
            key=("Family", "Measure"),
            required=False,
        ),
        Sheet(
            name="Actuals",
            kind=QUANTITY,
            help="Shipments of the 12 months before the cycle month, for forecast accuracy (optional).",
            columns=(
                Column("SKU", lookup=_SKU_DEMAND, help="A SKU from Products."),
                Column(
                    "Customer",
                    lookup=_CUSTOMER,
                    help="The customer the units were shipped to (from Customers).",
                    width=20,
                ),
            ),
            months=PAST,
            month_value="Actual",
            month_help="units actually shipped in that month",
            key=("SKU", "Customer"),
            required=False,
        ),
        Sheet(
            name="Assumptions",
            kind=NOTES,
            help="Market intelligence Sales shares with Operations.",
            columns=(
                Column("Topic", help="What the assumption is about.", width=20),
                Column("Assumption", help="The assumption in a sentence.", width=60),
                Column("Impact", CHOICE, choices=("High", "Medium", "Low"), help="High, Medium or Low.", width=9),
                Column("Owner", required=False, help="Who stands behind it.", width=16),
            ),
            required=False,
        ),
    ),
)

CAPACITY = Template(
    kind="capacity",
    owner="Operations",
    help="What the plant can do: resources and hours, routings, costs, inventory, materials, launch readiness "
    "and risks.",
    sheets=(
        CYCLE,
        Sheet(
            name="Resources",
            help="Lines, work centres and crews, with what an hour costs.",
            columns=(
                Column("Resource", help="The resource's name, unique.", width=18),
                Column("Site", help="The plant or site it belongs to.", width=14),
                Column(
                    "Regular cost per hour",
                    NUMBER,
                    help="Cost of a regular hour (a fixed cost of the month).",
                    width=12,
                    maximum=MAX_MONEY,
                ),
                Column(
                    "Overtime cost per hour",
                    NUMBER,
                    help="Cost of an overtime hour (paid only when used).",
                    width=12,
                    maximum=MAX_MONEY,
                ),
            ),
            key=("Resource",),
        ),
        Sheet(
            name="Capacity",
            kind=QUANTITY,
            help="Hours available per resource and month. Regular rows are the hours paid for; Overtime rows are "
            "the most overtime hours that may be added.",
            columns=(
                Column("Resource", lookup=_RESOURCE, help="A resource from Resources.", width=18),
                Column("Kind", CHOICE, choices=("Regular", "Overtime"), help="Regular or Overtime.", width=10),
            ),
            months=HORIZON,
            month_value="Hours",
            month_help="hours available in that month",
            key=("Resource", "Kind"),
        ),
        Sheet(
            name="Routings",
            help="The hours one unit of a SKU takes on each resource; a SKU may load several resources.",
            columns=(
                Column("SKU", lookup=_SKU_CAPACITY, help="A SKU (listed on Inventory)."),
                Column("Resource", lookup=_RESOURCE, help="A resource from Resources.", width=18),
                Column(
                    "Hours per unit",
                    NUMBER,
                    help="Hours one unit takes on the resource.",
                    width=12,
                    maximum=MAX_PER_UNIT,
                ),
            ),
            key=("SKU", "Resource"),
        ),
        Sheet(
            name="Costs",
            help="Variable costs per unit, and what happens to demand that is not met in its month.",
            columns=(
                Column("SKU", lookup=_SKU_CAPACITY, help="A SKU (listed on Inventory)."),
                Column(
                    "Material cost per unit", NUMBER, help="Bought-in material per unit.", width=12, maximum=MAX_MONEY
                ),
                Column(
                    "Other variable cost per unit",
                    NUMBER,
                    help="Energy, freight and other costs per unit.",
                    width=12,
                    maximum=MAX_MONEY,
                ),
                Column(
                    "Holding cost per unit-month",
                    NUMBER,
                    help="Cost of keeping one unit in stock a month.",
                    width=12,
                    maximum=MAX_MONEY,
                ),
                Column(
                    "Unmet demand",
                    CHOICE,
                    choices=("Backlog", "Lost"),
                    help="Backlog (the customer waits) or Lost (a sale not made in its month is gone).",
                    width=12,
                ),
                Column(
                    "Backlog cost per unit-month",
                    NUMBER,
                    required=False,
                    default=0.0,
                    help="Cost of one unit waiting one month (discounts, penalties); blank = 0.",
                    width=12,
                    maximum=MAX_MONEY,
                ),
            ),
            key=("SKU",),
        ),
        Sheet(
            name="Subcontract",
            help="Subcontractors per SKU: all-in cost per unit and the most units they can deliver each month. "
            "A SKU without a row cannot be subcontracted.",
            columns=(
                Column("SKU", lookup=_SKU_CAPACITY, help="A SKU (listed on Inventory)."),
                Column("Subcontractor", help="The subcontractor's name.", width=18),
                Column(
                    "Cost per unit", NUMBER, help="All-in cost of a subcontracted unit.", width=12, maximum=MAX_MONEY
                ),
            ),
            months=HORIZON,
            month_value="Max units",
            month_help="the most units the subcontractor can deliver that month",
            key=("SKU", "Subcontractor"),
            required=False,
        ),
        Sheet(
            name="Inventory",
            help="Stock on hand and stock policy per SKU.",
            columns=(
                Column("SKU", help="The product code; every SKU Operations plans is listed here once."),
                Column(
                    "Opening stock",
                    NUMBER,
                    help="Units on hand at the start of the cycle month.",
                    width=10,
                    maximum=MAX_UNITS,
                ),
                Column(
                    "Safety stock",
                    NUMBER,
                    required=False,
                    default=0.0,
                    help="Units to keep on hand at every month end (blank = 0).",
                    width=10,
                    maximum=MAX_UNITS,
                ),
                Column(
                    "Target closing stock",
                    NUMBER,
                    required=False,
                    default=0.0,
                    help="Units wanted on hand at the end of the horizon (blank = 0).",
                    width=10,
                    maximum=MAX_UNITS,
                ),
                Column(
                    "Max stock",
                    NUMBER,
                    required=False,
                    help="The storage limit in units (blank = no limit).",
                    width=10,
                    maximum=MAX_UNITS,
                ),
                Column(
                    "Lead time (days)",
                    INTEGER,
                    required=False,
                    default=0,
                    help="Days from order to availability when capacity is free (blank = 0).",
                    width=10,
                    maximum=MAX_LEAD_DAYS,
                ),
            ),
            key=("SKU",),
        ),
        Sheet(
            name="Materials",
            help="Constrained materials and their suppliers, with the units available each month.",
            columns=(
                Column("Material", help="The material's name, unique.", width=18),
                Column("Supplier", help="Who supplies it.", width=18),
                Column("Qualified", CHOICE, choices=YES_NO, help="Yes when the supplier is qualified.", width=10),
                Column(
                    "Lead time (days)",
                    INTEGER,
                    required=False,
                    default=0,
                    help="Days from order to delivery.",
                    width=10,
                    maximum=MAX_LEAD_DAYS,
                ),
            ),
            months=HORIZON,
            month_value="Available",
            month_help="units of the material available that month",
            key=("Material",),
            required=False,
        ),
        Sheet(
            name="Bill of materials",
            help="Constrained materials per unit of each SKU; only constrained materials need to be listed.",
            columns=(
                Column("SKU", lookup=_SKU_CAPACITY, help="A SKU (listed on Inventory)."),
                Column("Material", lookup=_MATERIAL, help="A material from Materials.", width=18),
                Column(
                    "Quantity per unit",
                    NUMBER,
                    help="Units of material one unit of the SKU uses.",
                    width=12,
                    maximum=MAX_PER_UNIT,
                ),
            ),
            key=("SKU", "Material"),
            required=False,
        ),
        Sheet(
            name="Launch readiness",
            help="Operations' view of each launch.",
            columns=(
                Column("SKU", lookup=_SKU_CAPACITY, help="A SKU (listed on Inventory)."),
                Column("Supplier qualified", CHOICE, choices=YES_NO, help="Yes or No.", width=10),
                Column("Process validated", CHOICE, choices=YES_NO, help="Yes or No.", width=10),
                Column("Ready from month", MONTH, help="The first month it can be produced.", width=12),
                Column("Notes", required=False, help="What readiness depends on.", width=40),
            ),
            key=("SKU",),
            required=False,
        ),
        Sheet(
            name="Risks",
            kind=NOTES,
            help="Operational constraints Operations shares with Sales.",
            columns=(
                Column("Risk", help="The risk in a sentence.", width=44),
                Column(
                    "Affects",
                    CHOICE,
                    choices=("SKU", "Resource", "Material"),
                    help="SKU, Resource or Material.",
                    width=10,
                ),
                Column("Impact", CHOICE, choices=("High", "Medium", "Low"), help="High, Medium or Low.", width=9),
                Column("Mitigation", required=False, help="What is being done about it.", width=40),
                Column("Owner", required=False, help="Who owns the risk.", width=16),
            ),
            required=False,
        ),
    ),
)

TEMPLATES = (DEMAND, CAPACITY)


def template(kind: str) -> Template:
    """Return the demand or capacity template definition.

    Args:
        kind: "demand" or "capacity".

    Returns:
        The Template.
    """
    return {"demand": DEMAND, "capacity": CAPACITY}[kind]


def value_range(column: Column) -> str:
    """The values a column accepts beyond its kind, as the template reference states them.

    Args:
        column: The column.

    Returns:
        For example "0 to 1,000,000,000" for a price, "1900 to 2200" for a date; "" for text and choices.
    """
    if column.kind == PERCENT:
        return "0% to 100%"
    if column.kind in (MONTH, DATE):
        return f"the years {DATE_YEARS[0]} to {DATE_YEARS[1]}"
    if column.kind in (NUMBER, INTEGER):
        return f"{column.minimum:,.0f} to {column.maximum:,.0f}"
    return ""


def docs_reference() -> str:
    """Render the template reference (every sheet and column, and the rules every cell follows) as Markdown.

    Returns:
        Markdown text for README.md: the rules, then one section per template and one table per sheet.
    """
    lines: list[str] = [
        "### Rules for every cell",
        "",
        "- Numbers are checked against the range in each table below; a number outside it (a forecast of 1e300, "
        "a price pasted into a quantity) is an error naming its cell. A number typed as text is read with a "
        "warning (`1,200`, ` 550 `), unless it reads two ways: `1.200` could be 1.2 or 1,200, so it is an error "
        "that names both.",
        "- Dates typed as text are read with a warning (`13/04/2027`, `2027-04-13`), unless they read two ways: "
        "`03/04/2027` could be 3 April or 4 March, so it is an error that names both. Type dates as dates.",
        f"- A cell holds at most {MAX_TEXT_CHARS:,} characters (Excel's limit); longer text is an error.",
        f"- Codes ({', '.join(CODE_HEADERS)}) are compared ignoring case, character width and invisible "
        "characters; stray spaces are trimmed from every text. Two spellings of one code (`MEGAMART` and "
        "`MegaMart`, or one with a zero-width space Excel does not show) are an error naming both cells: spell "
        "each code one way in both templates.",
        "- When a side is a folder of files (one per team), each sheet's rows combine by its kind, named in its "
        "heading: a *reference* row may repeat identically in several files (the same key with other values is "
        "an error), a *quantity* key may be in one file only (it would count twice), *notes* are put together.",
        "",
    ]
    for tmpl in TEMPLATES:
        lines.append(f"### {tmpl.filename} (filled in by {tmpl.owner})")
        lines.append("")
        lines.append(tmpl.help)
        lines.append("")
        for sheet in tmpl.sheets:
            needed = "required" if sheet.required else "optional"
            kind = "" if sheet.key_value else f"; {sheet.kind}"  # the Cycle sheet must agree in every file instead
            lines.append(f"#### {sheet.name} ({needed}{kind})")
            lines.append("")
            lines.append(sheet.help)
            lines.append("")
            lines.append("| column | type | required | range | allowed values / meaning |")
            lines.append("|---|---|---|---|---|")
            for column in sheet.columns:
                allowed = ", ".join(column.choices) if column.choices else column.help
                if column.choices:
                    allowed = f"{allowed}. {column.help}"
                required = "yes" if column.required else "no"
                lines.append(f"| {column.header} | {column.kind} | {required} | {value_range(column)} | {allowed} |")
            if sheet.months:
                span = "each month of the horizon" if sheet.months == HORIZON else "each of the 12 past months"
                lines.append(
                    f"| *one column per month* | number | no | 0 to {sheet.month_maximum:,.0f} | "
                    f"{span}: {sheet.month_help} |"
                )
            lines.append("")
    return "\n".join(lines)
