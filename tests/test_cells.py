"""Tests of cells.py: one cell read by its kind, with the exact problem and the fix named."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from sop_workbook import schema
from sop_workbook.cells import (
    code_form,
    header_month,
    invisible_characters,
    parse_cell,
    parse_date,
    parse_number,
    shown,
    too_long,
    with_invisible_marked,
)
from sop_workbook.errors import ERROR, WARNING


@pytest.mark.parametrize(
    "raw, value, severity, message",
    [
        # One reading: read, with a warning.
        ("1,200", 1200.0, WARNING, "'1,200' is a number typed as text; read as 1200"),
        (" 550 ", 550.0, WARNING, "' 550 ' is a number typed as text; read as 550"),
        ("0.200", 0.2, WARNING, "read as 0.2"),
        ("1.2", 1.2, WARNING, "read as 1.2"),
        ("1.2000", 1.2, WARNING, "read as 1.2"),
        ("1,200.500", 1200.5, WARNING, "read as 1200.5"),
        # Two readings: a point between thousands, or a decimal point.
        (
            "1.200",
            None,
            ERROR,
            "'1.200' could be 1.2 or 1,200 (a point between thousands); type the units as a number, 1.2 or 1200",
        ),
        ("12.345", None, ERROR, "'12.345' could be 12.345 or 12,345"),
        ("999.999", None, ERROR, "could be 999.999 or 999,999"),
        # Beyond the bound the column gives.
        (1e300, None, ERROR, "1e+300 is more than 1,000,000,000,000, the most the units can be; check the value"),
        ("2e12", None, ERROR, "2000000000000 is more than 1,000,000,000,000"),
        (1e12, 1e12, None, ""),
    ],
)
def test_a_number_typed_as_text_is_read_only_when_it_has_one_reading(raw, value, severity, message):
    parsed = parse_number(raw, "units", maximum=schema.MAX_UNITS)
    assert (parsed.value, parsed.severity) == (value, severity)
    assert message in parsed.message


@pytest.mark.parametrize(
    "raw, month, value, severity, message",
    [
        (
            "13/04/2027",
            False,
            pd.Timestamp("2027-04-13"),
            WARNING,
            "'13/04/2027' is a date typed as text; read as 2027-04-13",
        ),
        ("04/13/2027", False, pd.Timestamp("2027-04-13"), WARNING, "read as 2027-04-13"),
        ("04/04/2027", False, pd.Timestamp("2027-04-04"), WARNING, "read as 2027-04-04"),
        (
            "03/04/2027",
            False,
            None,
            ERROR,
            "'03/04/2027' could be 3 April 2027 or 4 March 2027; type the requested date as a date, or as 2027-04-03 "
            "or 2027-03-04 (year-month-day)",
        ),
        ("03/04/2027", True, None, ERROR, "'03/04/2027' could be Apr-27 or Mar-27; type the launch month as a date"),
        ("15/04/2027", True, pd.Timestamp("2027-04-01"), WARNING, "read as Apr-27"),
        ("31/02/2027", False, None, ERROR, "'31/02/2027' is not a date"),
        ("03.04.2027", False, pd.Timestamp("2027-04-03"), WARNING, "read as 2027-04-03"),
        (dt.datetime(2201, 1, 1), False, None, ERROR, "is not a date the plan can use"),
    ],
)
def test_a_date_typed_as_text_is_read_only_when_it_has_one_reading(raw, month, value, severity, message):
    parsed = parse_date(raw, "launch month" if month else "requested date", month=month)
    assert (parsed.value, parsed.severity) == (value, severity)
    assert message in parsed.message


def test_a_month_header_with_two_readings_is_an_error():
    assert header_month("03/04/2027").severity == ERROR
    assert "could be Apr-27 or Mar-27" in header_month("03/04/2027").message
    assert (header_month("Jan-27").value, header_month("Jan-27").severity) == (pd.Timestamp("2027-01-01"), WARNING)
    assert header_month(dt.datetime(2027, 1, 1)) == header_month(dt.date(2027, 1, 1))
    assert header_month(dt.datetime(2027, 1, 1)).severity is None
    assert header_month("Colour").value is None and header_month("Colour").severity is None


@pytest.mark.parametrize("kind", [schema.TEXT, schema.NUMBER, schema.CHOICE, schema.DATE])
def test_text_longer_than_a_cell_holds_is_an_error_in_any_column(kind):
    column = schema.Column("X", kind, choices=("A",), maximum=schema.MAX_UNITS)
    parsed = parse_cell("x" * 40_000, column)
    assert (parsed.value, parsed.severity) == (None, ERROR)
    assert parsed.message == "the text is 40,000 characters long, more than the 32,767 a cell can hold; shorten it"
    assert too_long("x" * 32_767) is None
    assert parse_cell("x" * 32_767, schema.Column("X")).value == "x" * 32_767


def test_a_long_value_is_quoted_short_in_messages():
    assert shown("x" * 40_000) == f"'{'x' * 50}…' (40,000 characters)"
    assert shown("twelve") == "'twelve'"


@pytest.mark.parametrize(
    "one, other",
    [
        ("MEGAMART", "MegaMart"),
        ("KT-ECO-17", "kt-eco-17"),
        ("KT-ECO-17", "KT-ECO-17\u200b"),  # a zero-width space Excel does not show
        ("KT-ECO-17", "KT\u2011ECO\u201117"),  # non-breaking hyphens
        ("KT-ECO-17", "ＫＴ-ＥＣＯ-１７"),  # full-width letters and digits
        ("Mega Mart", "Mega\u00a0Mart"),  # a non-breaking space
    ],
)
def test_two_spellings_of_one_code_share_a_form(one, other):
    assert code_form(one) == code_form(other)


@pytest.mark.parametrize("one, other", [("KT-ECO-17", "KT-ECO-18"), ("Mega Mart", "MegaMart"), ("A-1", "A 1")])
def test_different_codes_keep_different_forms(one, other):
    assert code_form(one) != code_form(other)


def test_invisible_characters_are_named_and_marked():
    assert invisible_characters("KT\u200b-ECO\u200b") == ["a zero-width space (U+200B)"]
    assert invisible_characters("KT\u2011ECO\ufeff") == [
        "a non-breaking hyphen (U+2011)",
        "a zero-width no-break space (U+FEFF)",
    ]
    assert with_invisible_marked("KT-ECO-17\u200b") == "KT-ECO-17⟨U+200B⟩"
    assert invisible_characters("MegaMart") == []
