"""The checks that need more than one sheet: a price for every forecast, no demand before a launch, a way to make
every SKU in demand, and every code (SKU, customer...) spelled one way in both templates.

`reader.read` runs them once both templates are read, each sheet's own cells and keys checked. They report on the
file whose cell must change, by sheet and cell, like every other finding.
"""

from __future__ import annotations

import difflib
import operator
from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import schema
from .cells import (
    code_form,
    invisible_characters,
    month_label,
    number_text,
    shown,
    with_invisible_marked,
    without_invisible,
)
from .errors import ERROR, WARNING
from .inputs import Cycle

if TYPE_CHECKING:
    from .schema import Column
    from .template_file import Table, TemplateFile

SKU, CUSTOMER, RESOURCE, FAMILY = "SKU", "Customer", "Resource", "Family"
# The sheets these checks use, looked up once so that a schema change fails loudly.
_PRODUCTS = schema.DEMAND.sheet("Products")
_CUSTOMERS = schema.DEMAND.sheet("Customers")
_FORECAST = schema.DEMAND.sheet("Forecast")
_PRICES = schema.DEMAND.sheet("Prices")
_COMMITMENTS = schema.DEMAND.sheet("Commitments")
_LAUNCHES = schema.DEMAND.sheet("Launches")
_BUDGET = schema.DEMAND.sheet("Budget")
_RESOURCES = schema.CAPACITY.sheet("Resources")
_CAPACITY = schema.CAPACITY.sheet("Capacity")
_ROUTINGS = schema.CAPACITY.sheet("Routings")
_COSTS = schema.CAPACITY.sheet("Costs")
_SUBCONTRACT = schema.CAPACITY.sheet("Subcontract")
_INVENTORY = schema.CAPACITY.sheet("Inventory")
_READINESS = schema.CAPACITY.sheet("Launch readiness")
for _sheet, _header in (
    (_PRODUCTS, SKU),
    (_PRODUCTS, FAMILY),
    (_PRODUCTS, "Status"),
    (_CUSTOMERS, CUSTOMER),
    (_FORECAST, CUSTOMER),
    (_FORECAST, "Scenario"),
    (_PRICES, "Valid from"),
    (_COMMITMENTS, "Quantity"),
    (_COMMITMENTS, "Requested date"),
    (_LAUNCHES, "Launch month"),
    (_BUDGET, FAMILY),
    (_CAPACITY, "Kind"),
    (_RESOURCES, RESOURCE),
    (_INVENTORY, SKU),
    (_COSTS, SKU),
    (_ROUTINGS, SKU),
    (_SUBCONTRACT, SKU),
    (_READINESS, SKU),
):
    _sheet.column(_header)

# The sheets that define a code (those other sheets look it up on, and the families of Products): where a code is
# spelled two ways, the spelling there is the one to keep.
_MASTERS = {
    column.lookup
    for template in schema.TEMPLATES
    for sheet in template.sheets
    for column in sheet.columns
    if column.lookup
} | {(_PRODUCTS.name, FAMILY)}


def check_across(demand: TemplateFile, capacity: TemplateFile, cycle: Cycle) -> None:
    """Run every check that needs more than one sheet, reporting on the file whose cell must change.

    Args:
        demand: The demand template, read.
        capacity: The capacity template, read.
        cycle: The plan's cycle.
    """
    forecast = demand.sheets[_FORECAST.name]
    commitments = demand.sheets[_COMMITMENTS.name]
    check_spellings(demand, capacity)
    _check_base_scenario(demand, forecast)
    _check_order_dates(demand, commitments, cycle)
    _check_prices(demand, forecast, commitments, cycle)
    _check_launches(
        demand,
        demand.sheets[_PRODUCTS.name],
        forecast,
        commitments,
        demand.sheets[_LAUNCHES.name],
        capacity.sheets[_READINESS.name],
        capacity,
    )
    _check_budget_families(demand, demand.sheets[_PRODUCTS.name])
    _check_capacity_rows(capacity)
    positive = (forecast.month_matrix() > 0).any(axis=1) if forecast.months else np.zeros(len(forecast.rows), bool)
    with_demand = {row.values.get(SKU) for row, some in zip(forecast.rows, positive.tolist()) if some}
    with_demand |= {row.values.get(SKU) for row in commitments.rows if (row.values.get("Quantity") or 0) > 0}
    _check_supply(demand, capacity, with_demand)
    _check_planned_skus(demand, capacity, with_demand)


def check_spellings(demand: TemplateFile, capacity: TemplateFile) -> None:
    """Report every code spelled two ways: two spellings that differ only in case, character width or invisible
    characters (`cells.code_form`) would count as two SKUs, customers, resources...

    Of the spellings of one code, the one kept is that of the sheet defining the code (Products, Inventory,
    Resources, Materials) if any, else the one on the most rows, else the first read; every cell holding another
    is an error naming both.

    Args:
        demand: The demand template, read.
        capacity: The capacity template, read.
    """
    for header in schema.CODE_HEADERS:
        tables = [
            (file, table)
            for file in (demand, capacity)
            for table in file.sheets.values()
            if table.present and header in table.columns
        ]
        spellings: dict[str, set[str]] = defaultdict(set)
        for value in set().union(*(table.values(header) for _, table in tables)):
            if value:
                spellings[code_form(value)].add(value)
        clashes = {form: found for form, found in spellings.items() if len(found) > 1}
        if not clashes:
            continue
        cells: dict[str, list[tuple[TemplateFile, Table, int]]] = defaultdict(list)  # spelling → its cells, in order
        for file, table in tables:
            for row in table.rows:
                value = row.values.get(header)
                if value and code_form(value) in clashes:
                    cells[value].append((file, table, row.number))
        order = {spelling: k for k, spelling in enumerate(cells)}
        for found in clashes.values():
            on_master = {s for s in found if any((t.spec.name, header) in _MASTERS for _, t, _ in cells[s])}
            kept = max(on_master or found, key=lambda s: (len(cells[s]), -order[s]))
            for spelling in found - {kept}:
                for file, table, number in cells[spelling]:
                    file.error(
                        table.name,
                        number,
                        table.cell(header, number),
                        _clash(header, spelling, kept, cells, (file, table, number)),
                    )


def _clash(header: str, spelling: str, kept: str, cells: dict, here: tuple[TemplateFile, Table, int]) -> str:
    """The message for a cell (`here`: file, sheet, row) holding `spelling` of a code whose spelling to keep is
    `kept`."""
    file, table, number = here
    there_file, there_table, there_row = cells[kept][0]
    # A row of a folder's file knows its own file and sheet (template_file.Origin).
    there_name = getattr(there_row, "table", there_table).name
    where = f"{there_name}!{there_table.cell(header, there_row)}"
    if getattr(there_row, "file", there_file) is not getattr(number, "file", file):
        where += f" in {getattr(there_row, 'file', there_file).name}"
    hidden = invisible_characters(spelling + kept)
    differences = [f"{', '.join(hidden)}, which Excel does not show"] if hidden else []
    bare = [without_invisible(text) for text in (spelling, kept)]
    if bare[0] != bare[1]:
        differences.append("case" if bare[0].casefold() == bare[1].casefold() else "case or character width")
    noun = header if header.isupper() else header.lower()
    plural = f"{noun[:-1]}ies" if noun.endswith("y") else f"{noun}s"
    fix = "keep one row for it" if there_table is table and table.spec.key == (header,) else f"spell it {shown(kept)}"
    return (
        f"{header} {shown(with_invisible_marked(spelling))} and {shown(with_invisible_marked(kept))} ({where}) "
        f"differ only in {' and '.join(differences)}, so they would count as two {plural}; {fix}"
    )


def _defined(values: set) -> set[str]:
    """The forms of a set of codes: a code missing from them only by its spelling is reported by
    `check_spellings`, not again as missing."""
    return {code_form(value) for value in values if isinstance(value, str)}


def check_lookups(file: TemplateFile) -> None:
    """Report the codes used on a side's sheets that are not defined on the sheet they are looked up on.

    Customers are the exception while the Customers sheet lists none: they are then taken as written, and one
    warning says so (a minimal template still works).

    Args:
        file: One side, read (a template file or a folder's files put together).
    """
    customers = file.sheets.get(_CUSTOMERS.name)
    customers_listed = customers is not None and bool(customers.rows)
    for table in file.sheets.values():
        for column in table.spec.columns:
            if not column.lookup or column.header not in table.columns:
                continue
            if column.lookup == (_CUSTOMERS.name, CUSTOMER) and not customers_listed:
                continue
            check_lookup(file, table, column)
    used = [t for t in file.sheets.values() if t.present and CUSTOMER in t.columns and t.values(CUSTOMER) - {""}]
    if customers is not None and not customers_listed and used:
        sheets = ", ".join(dict.fromkeys(t.spec.name for t in used))
        where = (customers.name, 2, "A2") if customers.present else (_CUSTOMERS.name, 0, "")
        file.warning(
            *where,
            f"the Customers sheet lists no customers, so the customers on {sheets} are taken as written and a "
            f"misspelt one becomes a new customer; list every customer on Customers",
        )


def check_lookup(file: TemplateFile, table: Table, column: Column) -> None:
    """Report the codes of a column that are not defined on the sheet it looks them up on (same template),
    each with the closest codes that are.

    Args:
        file: The template read.
        table: The sheet holding the column.
        column: The column, whose `lookup` names the defining sheet and column.
    """
    source = file.sheets.get(column.lookup[0])
    if source is None or not source.present or column.lookup[1] not in source.columns:
        return  # the missing sheet or column is reported already; naming every code again would be noise
    defined = source.values(column.lookup[1])
    if defined.issuperset(map(operator.itemgetter(column.header), [row.values for row in table.rows])):
        return  # every code is defined (blanks are None, never defined): the common case, in one pass
    spelled = _defined(defined)
    # History of a SKU since discontinued is normal; the other sheets plan with the code, so it must exist.
    severity = WARNING if table.spec.months == schema.PAST else ERROR
    for row in table.rows:
        value = row.values.get(column.header)
        # A blank optional cell ("" on Prices: all customers) looks nothing up.
        if value is not None and value != "" and value not in defined and code_form(value) not in spelled:
            file.add(
                severity,
                table.name,
                row.number,
                table.cell(column.header, row.number),
                f"{column.header} {shown(value)} is not on {source.spec.name}{_closest(value, defined)}; add it "
                f"there or correct the {'name' if column.header == CUSTOMER else 'code'}",
            )


def _closest(value, defined: set) -> str:
    """The defined codes closest to a code that is not defined, as a message's aside ("" when none is close)."""
    if not isinstance(value, str):
        return ""
    by_form = {code.casefold(): code for code in defined if isinstance(code, str)}
    close = difflib.get_close_matches(value.casefold(), list(by_form), n=3, cutoff=0.6)
    return f" (closest: {', '.join(shown(by_form[form]) for form in close)})" if close else ""


def _check_supply(demand: TemplateFile, capacity: TemplateFile, with_demand: set) -> None:
    """Every SKU with demand has a row on Inventory and on Costs, and a routing or a subcontractor."""
    products = demand.sheets[_PRODUCTS.name]
    if capacity.workbook is None or not products.present:
        return
    routings = capacity.sheets[_ROUTINGS.name]
    needs = [
        (capacity.sheets[_INVENTORY.name], "no row on Inventory in {file}; add one"),
        (capacity.sheets[_COSTS.name], "no row on Costs in {file}; add one"),
        (routings, "no routing and no subcontractor in {file}; add a row on Routings or Subcontract"),
    ]
    found = [
        (table.values(SKU) | (capacity.sheets[_SUBCONTRACT.name].values(SKU) if table is routings else set()))
        if table.present
        else None
        for table, _ in needs
    ]
    spelled: dict[int, set[str]] = {}  # the forms of found[k], worked out only once a SKU is missing from it
    for row in products.rows:
        sku = row.values.get(SKU)
        if sku is None or sku not in with_demand:
            continue
        for k, (_, missing) in enumerate(needs):
            if found[k] is None or sku in found[k]:
                continue
            if k not in spelled:
                spelled[k] = _defined(found[k])
            if code_form(sku) not in spelled[k]:
                demand.error(
                    products.name,
                    row.number,
                    products.cell(SKU, row.number),
                    f"SKU '{sku}' has demand but {missing.format(file=capacity.name)}",
                )


def _check_planned_skus(demand: TemplateFile, capacity: TemplateFile, with_demand: set) -> None:
    """Every SKU Operations plans is a product of the demand template, and has costs before it is planned."""
    products = demand.sheets[_PRODUCTS.name]
    inventory = capacity.sheets[_INVENTORY.name]
    costs = capacity.sheets[_COSTS.name]
    if demand.workbook is None or not products.present or not inventory.present:
        return
    known = products.values(SKU)
    unknown = [row for row in inventory.rows if row.values.get(SKU) not in known]
    spelled = _defined(known) if unknown else set()
    for row in inventory.rows:
        sku = row.values.get(SKU)
        if sku is None:
            continue
        if sku not in known and code_form(sku) not in spelled:
            capacity.warning(
                inventory.name,
                row.number,
                inventory.cell(SKU, row.number),
                f"SKU '{sku}' is not on Products in {demand.name}; it has no demand and no family",
            )
        elif sku in known and sku not in with_demand and costs.present and sku not in costs.values(SKU):
            capacity.warning(
                inventory.name,
                row.number,
                inventory.cell(SKU, row.number),
                f"SKU '{sku}' has no row on Costs; add one before it is planned",
            )


def _check_base_scenario(demand: TemplateFile, forecast: Table) -> None:
    if (
        forecast.rows
        and "Scenario" in forecast.columns
        and not any(row.values.get("Scenario") == "Base" for row in forecast.rows)
    ):
        first = forecast.rows[0].number
        demand.error(
            forecast.name,
            first,
            forecast.cell("Scenario", first),
            "no row has the scenario Base; the Base forecast is required",
        )


def _check_order_dates(demand: TemplateFile, commitments: Table, cycle: Cycle) -> None:
    """Orders dated outside the horizon are planned differently from what the date says: tell the planner."""
    months = cycle.months
    first, last = months[0], months[-1]
    after = last + pd.DateOffset(months=1)  # worked out once: date arithmetic is slow next to a comparison
    for row in commitments.rows:
        date = row.values.get("Requested date")
        if date is None:
            continue
        if date < first:
            demand.warning(
                commitments.name,
                row.number,
                commitments.cell("Requested date", row.number),
                f"the order was requested for {date:%Y-%m-%d}, before the cycle month "
                f"{month_label(first)}; it is planned as overdue, due in {month_label(first)}",
            )
        elif date >= after:
            demand.warning(
                commitments.name,
                row.number,
                commitments.cell("Requested date", row.number),
                f"the order is requested for {date:%Y-%m-%d}, after the horizon ends in "
                f"{month_label(last)}; it is left out of the plan",
            )


def _check_prices(demand: TemplateFile, forecast: Table, commitments: Table, cycle: Cycle) -> None:
    """Every SKU and customer with forecast must have a price valid from its first month of demand; every order a
    price for its customer."""
    prices = demand.sheets[_PRICES.name]
    if not prices.present or not forecast.present:
        return
    valid_from: dict[tuple[str, str], pd.Timestamp] = {}
    for row in prices.rows:
        # A price row with a wrong price or date is reported already; it still counts as the SKU's price here.
        sku, customer, start = row.values.get(SKU), row.values.get(CUSTOMER), row.values.get("Valid from")
        if sku is None:
            continue
        start = start if start is not None else cycle.cycle_month
        key = (sku, customer or "")
        valid_from[key] = min(valid_from.get(key, start), start)
    reported = set()
    months = [m for m, _ in forecast.months]
    products = demand.sheets[_PRODUCTS.name]
    known = products.values(SKU) if products.present and SKU in products.columns else None
    # Each row's first month with demand, found for all rows at once (-1: none).
    matrix = forecast.month_matrix() > 0 if months else np.zeros((len(forecast.rows), 0), bool)
    firsts = (
        np.where(matrix.any(axis=1), matrix.argmax(axis=1), -1).tolist() if matrix.size else [-1] * len(forecast.rows)
    )
    earliest: dict[tuple[str, str], pd.Timestamp | None] = {}  # (SKU, customer) → its first price (None: none)
    for row, first_at in zip(forecast.rows, firsts):
        if first_at < 0:
            continue
        sku, customer = row.values.get(SKU), row.values.get(CUSTOMER)
        if sku is None or customer is None or (sku, customer) in reported or (known is not None and sku not in known):
            continue  # an unknown SKU is reported as such; asking for its price too would be noise
        first = months[first_at]
        if (sku, customer) not in earliest:
            # The same SKU and customer come once per scenario: their prices are looked up once.
            starts = [valid_from[k] for k in ((sku, customer), (sku, "")) if k in valid_from]
            earliest[(sku, customer)] = min(starts) if starts else None
        start = earliest[(sku, customer)]
        if start is None:
            reported.add((sku, customer))
            demand.error(
                forecast.name,
                row.number,
                forecast.cell(SKU, row.number),
                f"SKU '{sku}' has forecast for customer '{customer}' but no price; add a row on Prices",
            )
        elif start > first:
            reported.add((sku, customer))
            demand.error(
                forecast.name,
                row.number,
                forecast.month_cell(first, row.number),
                f"SKU '{sku}' has forecast for customer '{customer}' in {month_label(first)} but no price "
                f"valid before {month_label(start)}; add a price valid from {month_label(first)}",
            )
    for row in commitments.rows:
        sku, customer = row.values.get(SKU), row.values.get(CUSTOMER)
        if sku is None or customer is None or (sku, customer) in reported or (known is not None and sku not in known):
            continue
        if (sku, customer) not in valid_from and (sku, "") not in valid_from:
            reported.add((sku, customer))
            demand.error(
                commitments.name,
                row.number,
                commitments.cell(SKU, row.number),
                f"SKU '{sku}' is ordered by '{customer}' but has no price; add a row on Prices",
            )


def _check_launches(
    demand: TemplateFile,
    products: Table,
    forecast: Table,
    commitments: Table,
    launches: Table,
    readiness: Table,
    capacity: TemplateFile,
) -> None:
    """No demand before a SKU's launch month; each launch listed on Launches and on Launch readiness."""
    launch_month = {}
    launch_row = {}
    for row in launches.rows:
        sku, month = row.values.get(SKU), row.values.get("Launch month")
        if sku is not None and month is not None and sku not in launch_month:
            launch_month[sku], launch_row[sku] = month, row.number
    matrix = forecast.month_matrix()
    for k, row in enumerate(forecast.rows):
        sku = row.values.get(SKU)
        if sku not in launch_month:
            continue
        for (month, _), value in zip(forecast.months, matrix[k].tolist()):
            if value > 0 and month < launch_month[sku]:
                demand.error(
                    forecast.name,
                    row.number,
                    forecast.month_cell(month, row.number),
                    f"forecast of {number_text(value)} in {month_label(month)} is before SKU '{sku}' "
                    f"launches in {month_label(launch_month[sku])} (Launches row {launch_row[sku]}); move "
                    f"it to the launch month or later",
                )
    for row in commitments.rows:
        sku, date = row.values.get(SKU), row.values.get("Requested date")
        if sku in launch_month and date is not None and date < launch_month[sku]:
            demand.error(
                commitments.name,
                row.number,
                commitments.cell("Requested date", row.number),
                f"the order is requested on {date:%Y-%m-%d}, before SKU '{sku}' launches in "
                f"{month_label(launch_month[sku])}; agree a date in the launch month or later",
            )
    if products.present and launches.present and "Status" in products.columns:
        for row in products.rows:
            sku = row.values.get(SKU)
            if row.values.get("Status") == "Launch" and sku is not None and sku not in launch_month:
                demand.warning(
                    products.name,
                    row.number,
                    products.cell("Status", row.number),
                    f"SKU '{sku}' has the status Launch but is not on Launches; add its launch month",
                )
    if capacity.workbook is not None and readiness.present:
        ready = readiness.values(SKU)
        for sku, number in launch_row.items():
            if sku not in ready:
                demand.warning(
                    launches.name,
                    number,
                    launches.cell(SKU, number),
                    f"launch SKU '{sku}' is not on Launch readiness in {capacity.name}; Operations has "
                    f"not said when it can be made",
                )
    elif capacity.workbook is not None and launch_row:
        for sku, number in launch_row.items():
            demand.warning(
                launches.name,
                number,
                launches.cell(SKU, number),
                f"launch SKU '{sku}' is not on Launch readiness in {capacity.name}; Operations has not "
                f"said when it can be made",
            )


def _check_budget_families(demand: TemplateFile, products: Table) -> None:
    budget = demand.sheets[_BUDGET.name]
    if not budget.present or not products.present or FAMILY not in budget.columns or FAMILY not in products.columns:
        return
    families = products.values(FAMILY)
    spelled = _defined(families)
    for row in budget.rows:
        family = row.values.get(FAMILY)
        if family is not None and family not in families and code_form(family) not in spelled:
            demand.error(
                budget.name,
                row.number,
                budget.cell(FAMILY, row.number),
                f"Family '{family}' is not a family on Products; correct it or add the family there",
            )


def _check_capacity_rows(capacity: TemplateFile) -> None:
    """A resource without a Regular capacity row has no hours: say so rather than plan it at zero silently."""
    resources = capacity.sheets[_RESOURCES.name]
    hours = capacity.sheets[_CAPACITY.name]
    if not resources.present or not hours.present:
        return
    regular = {row.values.get(RESOURCE) for row in hours.rows if row.values.get("Kind") == "Regular"}
    for row in resources.rows:
        resource = row.values.get(RESOURCE)
        if resource is not None and resource not in regular:
            capacity.warning(
                resources.name,
                row.number,
                resources.cell(RESOURCE, row.number),
                f"Resource '{resource}' has no Regular row on Capacity; it has no hours to plan with",
            )


def agree_cycle(demand: TemplateFile, capacity: TemplateFile) -> Cycle:
    """The cycle of the plan (the demand template's, else the capacity template's), after checking they agree.

    Args:
        demand: The demand template, its Cycle sheet read.
        capacity: The capacity template, its Cycle sheet read.

    Returns:
        The cycle; the current month and the default horizon when neither file gives one (which is reported).
    """
    if demand.cycle_cells and capacity.cycle_cells:
        name = capacity.sheet_names[schema.CYCLE.name]
        # Company only labels the pack, so a difference is a warning; the rest changes the plan itself.
        for key, severity in (
            ("Cycle month", ERROR),
            ("Horizon (months)", ERROR),
            ("Currency", ERROR),
            ("Company", WARNING),
        ):
            theirs = demand.cycle_cells.get(key, (None, 0))[0]
            ours, row = capacity.cycle_cells.get(key, (None, 0))
            if theirs is None or ours is None or theirs == ours:
                continue  # a blank or wrong value is reported already
            shown_values = [month_label(v) if isinstance(v, pd.Timestamp) else str(v) for v in (ours, theirs)]
            capacity.add(
                severity,
                name,
                row,
                f"B{row}",
                f"{key} is '{shown_values[0]}' here but '{shown_values[1]}' in {demand.name}; both templates must be "
                f"for the same cycle",
            )
    chosen = demand.cycle or capacity.cycle
    if chosen is None:
        # Neither file says which cycle it is; the errors already say why. Inputs needs a cycle all the same:
        # the current month stands in (the errors stop any planning with it).
        today = pd.Timestamp.today()
        chosen = Cycle(
            company="",
            cycle_month=pd.Timestamp(today.year, today.month, 1),
            horizon=schema.DEFAULT_HORIZON,
            currency="",
        )
    prepared = {}
    for file in (demand, capacity):
        if file.cycle:
            prepared.update(file.cycle.prepared_by)
    return Cycle(
        company=chosen.company,
        cycle_month=chosen.cycle_month,
        horizon=chosen.horizon,
        currency=chosen.currency,
        prepared_by=prepared,
    )
