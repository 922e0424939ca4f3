"""Tests of schema.py: it matches SPEC.md's sheets and drives the README's template reference."""

from pathlib import Path

import pytest

from sop_workbook import schema

README = Path(__file__).resolve().parent.parent / "README.md"

# SPEC.md's tables, typed again here by hand so that a schema edit that strays from the spec fails.
SPEC = {
    "demand": {
        "Cycle": ["Company", "Cycle month", "Horizon (months)", "Currency", "Prepared by"],
        "Products": ["SKU", "Description", "Family", "Unit", "Status", "Margin floor %"],
        # Issue 24: the customer master.
        "Customers": ["Customer", "Channel", "Region", "Priority", "Owner"],
        "Forecast": ["SKU", "Customer", "Scenario"],
        "Prices": ["SKU", "Customer", "Unit price", "Valid from"],
        "Commitments": ["Order ref", "Customer", "SKU", "Quantity", "Requested date", "Status", "Notes"],
        "Launches": ["SKU", "Launch month", "Notes"],
        "Budget": ["Family", "Measure"],
        "Actuals": ["SKU", "Customer"],
        "Assumptions": ["Topic", "Assumption", "Impact", "Owner"],
    },
    "capacity": {
        "Cycle": ["Company", "Cycle month", "Horizon (months)", "Currency", "Prepared by"],
        "Resources": ["Resource", "Site", "Regular cost per hour", "Overtime cost per hour"],
        "Capacity": ["Resource", "Kind"],
        "Routings": ["SKU", "Resource", "Hours per unit"],
        "Costs": [
            "SKU",
            "Material cost per unit",
            "Other variable cost per unit",
            "Holding cost per unit-month",
            "Unmet demand",
            "Backlog cost per unit-month",
        ],
        "Subcontract": ["SKU", "Subcontractor", "Cost per unit"],
        "Inventory": ["SKU", "Opening stock", "Safety stock", "Target closing stock", "Max stock", "Lead time (days)"],
        "Materials": ["Material", "Supplier", "Qualified", "Lead time (days)"],
        "Bill of materials": ["SKU", "Material", "Quantity per unit"],
        "Launch readiness": ["SKU", "Supplier qualified", "Process validated", "Ready from month", "Notes"],
        "Risks": ["Risk", "Affects", "Impact", "Mitigation", "Owner"],
    },
}


@pytest.mark.parametrize("kind", ["demand", "capacity"])
def test_schema_has_exactly_the_spec_sheets_and_columns(kind):
    tmpl = schema.template(kind)
    assert {s.name: [c.header for c in s.columns] for s in tmpl.sheets} == SPEC[kind]


def test_month_sheets_are_the_ones_with_months_across():
    with_months = {s.name: s.months for t in schema.TEMPLATES for s in t.sheets if s.months}
    assert with_months == {
        "Forecast": schema.HORIZON,
        "Budget": schema.HORIZON,
        "Actuals": schema.PAST,
        "Capacity": schema.HORIZON,
        "Subcontract": schema.HORIZON,
        "Materials": schema.HORIZON,
    }


def test_every_lookup_points_at_a_column_of_its_own_template():
    for tmpl in schema.TEMPLATES:
        for sheet in tmpl.sheets:
            for column in sheet.columns:
                if column.lookup:
                    assert tmpl.sheet(column.lookup[0]).column(column.lookup[1])


def test_readme_template_reference_is_generated_from_the_schema():
    text = README.read_text()
    start = text.index("<!-- reference:start -->\n") + len("<!-- reference:start -->\n")
    end = text.index("<!-- reference:end -->")
    assert text[start:end].strip() == schema.docs_reference().strip(), (
        "README.md's template reference is stale: paste schema.docs_reference() between the markers"
    )


def test_each_sheet_declares_how_its_rows_combine_across_a_folder():
    # Issue 24's lists, typed again by hand: quantity sheets may not repeat a key across files, notes concatenate,
    # everything else is reference data (the Workforce sheet of a later issue joins by declaring its kind).
    kinds = {s.name: s.kind for t in schema.TEMPLATES for s in t.sheets if not s.key_value}
    assert {n for n, k in kinds.items() if k == schema.QUANTITY} == {
        "Forecast",
        "Commitments",
        "Actuals",
        "Budget",
        "Capacity",
    }
    assert {n for n, k in kinds.items() if k == schema.NOTES} == {"Assumptions", "Risks"}
    assert {n for n, k in kinds.items() if k == schema.REFERENCE} == {
        "Products",
        "Customers",
        "Prices",
        "Launches",
        "Resources",
        "Routings",
        "Costs",
        "Subcontract",
        "Inventory",
        "Materials",
        "Bill of materials",
        "Launch readiness",
    }


def test_customers_are_picked_from_the_customer_master():
    looked_up = {s.name for s in schema.DEMAND.sheets for c in s.columns if c.lookup == ("Customers", "Customer")}
    assert looked_up == {"Forecast", "Prices", "Commitments", "Actuals"}
    priority = schema.DEMAND.sheet("Customers").column("Priority")
    assert (priority.kind, priority.minimum, priority.required) == (schema.INTEGER, 1, False)
