"""One cell of a template → its value, or what is wrong with it and how to fix it.

Cell values come as python-calamine gives them: float for numbers, str for text, datetime/date for dates, bool,
and "" for a blank cell. Each `parse_*` function reads one kind of cell (the kinds of `schema.py`) and returns a
`Parsed`: the value, and a warning (accepted, but said: a number typed as text) or an error (not accepted: the
value is None). The messages quote the cell and say what to type instead; `reader.py` adds the file, sheet and
cell. The bounds checked here (the largest number, the years a date may have, the longest text) are defined in
`schema.py` and listed in the README's template reference.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass

import pandas as pd

from . import schema
from .errors import ERROR, WARNING
from .schema import Column

# Excel's day 0; a number in a date cell counts days from it. Serials outside these bounds (1954 to 2119) are
# far more likely a typing slip than a date, so they are not read as dates.
EXCEL_EPOCH = dt.datetime(1899, 12, 30)
SERIAL_RANGE = (20000.0, 80000.0)

# Day and month separated by slashes are read both ways (03/04/2027: 3 April or 4 March) in `_slash_dates`.
MONTH_TEXT_FORMATS = (
    "%b-%y",
    "%b %y",
    "%b-%Y",
    "%b %Y",
    "%B %Y",
    "%B-%Y",
    "%Y-%m",
    "%Y/%m",
    "%m/%Y",
    "%m-%Y",
    "%Y-%m-%d",
    "%d.%m.%Y",
)
DATE_TEXT_FORMATS = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%d.%m.%Y",
    "%d %b %Y",
    "%d %B %Y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%d-%b-%Y",
    "%d-%b-%y",
)
_SLASH_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")

_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_GROUPED_NUMBER = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")
# 1.200 is 1.2 to some and 1,200 to others (a point between thousands): a number typed so has two readings.
_POINT_OR_THOUSANDS = re.compile(r"[+-]?[1-9]\d{0,2}\.\d{3}")
# A whole-number column (a horizon, a lead time in days) holds a 64-bit integer; well before that, a float no
# longer counts every whole number, so anything from here up is refused as a typing slip.
LARGEST_WHOLE = 1e15

# Characters a cell may hold that Excel does not show, or shows as another: in a code they make two codes look
# like one. Zero-width characters are dropped when codes are compared; the non-breaking hyphen counts as a hyphen
# (NFKC makes the non-breaking spaces plain spaces).
INVISIBLE = {
    "\u200b": "zero-width space",
    "\u200c": "zero-width non-joiner",
    "\u200d": "zero-width joiner",
    "\u2060": "word joiner",
    "\ufeff": "zero-width no-break space",
    "\u00ad": "soft hyphen",
    "\u2011": "non-breaking hyphen",
}
_CODE_CHARACTERS = str.maketrans(
    {**dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff\u00ad"), "\u2010": "-", "\u2011": "-"}
)


@dataclass(frozen=True)
class Parsed:
    """A cell's value as read, and what is wrong with it.

    Attributes:
        value: The value (None when the cell cannot be read as its kind).
        severity: None when nothing is wrong, else WARNING (the value is still used) or ERROR.
        message: What is wrong and what to type instead ("" when nothing is).
    """

    value: object
    severity: str | None = None
    message: str = ""


# ----------------------------------------------------------------------------------------------------------------
# How cells and values are named in messages


def column_letter(index: int) -> str:
    """The column letters of a 0-based column index (0 → "A", 27 → "AB").

    Args:
        index: The column's 0-based index.

    Returns:
        The letters Excel shows above the column.
    """
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_index(letters: str) -> int:
    """The 0-based index of a column's letters ("A" → 0, "AB" → 27).

    Args:
        letters: The column letters, upper case.

    Returns:
        The column's 0-based index.
    """
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def month_label(month: pd.Timestamp) -> str:
    """A month as the templates show it.

    Args:
        month: Any date in the month.

    Returns:
        The month as mmm-yy, for example "Jan-27".
    """
    return month.strftime("%b-%y")


def shown(raw) -> str:
    """A cell value as quoted in a message: text in quotes (long text cut short), numbers plainly.

    Args:
        raw: The cell value as calamine returns it.

    Returns:
        The value as a message shows it, for example 'twelve', 1200 or 2027-03-15.
    """
    if isinstance(raw, str):
        return f"'{raw}'" if len(raw) <= 60 else f"'{raw[:50]}…' ({len(raw):,} characters)"
    if isinstance(raw, float):
        return number_text(raw)
    if isinstance(raw, (dt.datetime, dt.date)):
        return raw.strftime("%Y-%m-%d")
    return f"'{raw}'"


def number_text(value: float) -> str:
    """A number as a message shows it: whole numbers without a decimal point, others to 6 significant digits.

    Args:
        value: The number.

    Returns:
        For example "1200", "2.5" or "1e+300".
    """
    value = float(value)
    if math.isfinite(value) and value.is_integer() and abs(value) < LARGEST_WHOLE:
        return str(int(value))
    return f"{value:.6g}"


def blank(raw) -> bool:
    """Whether a cell as calamine gives it is blank (empty, or only spaces).

    Args:
        raw: The cell value as calamine returns it.

    Returns:
        True when the cell holds nothing.
    """
    return raw is None or (isinstance(raw, str) and not raw.strip())


def text_of(raw) -> str:
    """A cell's value as text, stray spaces trimmed and runs of spaces made one.

    Args:
        raw: The cell value as calamine returns it.

    Returns:
        The text; a whole number Excel formatted as a number (1001.0) reads as "1001".
    """
    if isinstance(raw, float):
        return number_text(raw)
    if isinstance(raw, (dt.datetime, dt.date)):
        return raw.strftime("%Y-%m-%d")
    return " ".join(str(raw).split()) if isinstance(raw, str) else str(raw)


def header_form(text: str) -> str:
    """A header or sheet name as compared with the template's: spaces collapsed, case ignored.

    Args:
        text: The header or sheet name.

    Returns:
        The form to compare.
    """
    return " ".join(text.split()).casefold()


def code_form(text: str) -> str:
    """A code (SKU, customer...) as compared with other spellings of it.

    Compatibility forms become their plain characters (NFKC: full-width letters, non-breaking spaces),
    zero-width characters are dropped, a non-breaking hyphen is a hyphen, spaces are collapsed and case is
    ignored.

    Args:
        text: The code as read.

    Returns:
        The form two spellings of one code share.
    """
    return " ".join(unicodedata.normalize("NFKC", text).translate(_CODE_CHARACTERS).split()).casefold()


def invisible_characters(text: str) -> list[str]:
    """The characters of a text that Excel does not show or shows as another, named.

    Args:
        text: Any text.

    Returns:
        For example ["a zero-width space (U+200B)"], in the order they first appear; empty when none.
    """
    found = dict.fromkeys(character for character in text if character in INVISIBLE)
    return [f"a {INVISIBLE[character]} (U+{ord(character):04X})" for character in found]


def without_invisible(text: str) -> str:
    """A text as Excel shows it: the zero-width characters taken out, a non-breaking hyphen made a hyphen.

    Args:
        text: Any text.

    Returns:
        The text without the characters of `INVISIBLE` that show as nothing.
    """
    return text.translate(_CODE_CHARACTERS)


def with_invisible_marked(text: str) -> str:
    """A text with each character Excel does not show (or shows as another) written as its code point.

    Args:
        text: Any text.

    Returns:
        For example "KT-ECO-17⟨U+200B⟩" for a SKU ending in a zero-width space.
    """
    return "".join(f"⟨U+{ord(character):04X}⟩" if character in INVISIBLE else character for character in text)


def too_long(raw) -> Parsed | None:
    """The error for a text longer than a cell can hold, None for any other value.

    Excel keeps at most `schema.MAX_TEXT_CHARS` characters in a cell and the pack could not show more, but other
    programs write longer text and calamine reads it whole: it is refused here rather than cut silently.

    Args:
        raw: The cell value as calamine returns it.

    Returns:
        A Parsed error, or None.
    """
    if isinstance(raw, str) and len(raw) > schema.MAX_TEXT_CHARS:
        return Parsed(
            None,
            ERROR,
            f"the text is {len(raw):,} characters long, more than the {schema.MAX_TEXT_CHARS:,} a cell can hold; "
            f"shorten it",
        )
    return None


# ----------------------------------------------------------------------------------------------------------------
# Numbers


def parse_number(
    raw, noun: str, minimum: float | None = 0.0, whole: bool = False, maximum: float | None = None
) -> Parsed:
    """Read a number cell: a number, or a number typed as text with one reading (accepted with a warning).

    Args:
        raw: The cell value as calamine returns it.
        noun: What the number is, for the message ("units", "unit price").
        minimum: The least allowed value; None allows any.
        whole: Whether the number must be a whole number.
        maximum: The largest allowed value; None allows any.

    Returns:
        The value as a float (None on an error), with the problem if any.
    """
    if isinstance(raw, bool) or isinstance(raw, (dt.date, dt.datetime, dt.time, dt.timedelta)):
        return Parsed(None, ERROR, f"{shown(raw)} is not a number; type the {noun} as a number")
    severity, message = None, ""
    if isinstance(raw, (int, float)):
        value = float(raw)
    else:
        parsed = _number_typed_as_text(raw, noun)
        if parsed.value is None:
            return parsed
        value, severity, message = parsed.value, parsed.severity, parsed.message
    if not math.isfinite(value):
        return Parsed(None, ERROR, f"{shown(raw)} is not a finite number; type the {noun} as a number")
    if whole and not value.is_integer():
        return Parsed(None, ERROR, f"{number_text(value)} is not a whole number; type the {noun} as a whole number")
    if whole and abs(value) >= LARGEST_WHOLE:
        return Parsed(
            None,
            ERROR,
            f"{number_text(value)} is too large; type the {noun} as a whole number below {LARGEST_WHOLE:,.0f}",
        )
    if minimum is not None and value < minimum:
        if minimum == 0:
            return Parsed(None, ERROR, f"{number_text(value)} is negative; the {noun} cannot be below 0")
        return Parsed(
            None,
            ERROR,
            f"{number_text(value)} is below {number_text(minimum)}; the {noun} must be at least {number_text(minimum)}",
        )
    if maximum is not None and value > maximum:
        return Parsed(
            None,
            ERROR,
            f"{number_text(value)} is more than {maximum:,.0f}, the most the {noun} can be; check the value "
            f"(a slip of the keyboard, or another figure pasted here?)",
        )
    return Parsed(value, severity, message)


def _number_typed_as_text(raw, noun: str) -> Parsed:
    """A number typed as text: with one reading a warning, with two (1.200) or none an error."""
    text = str(raw).strip().replace("\u00a0", "").replace(" ", "")
    if _POINT_OR_THOUSANDS.fullmatch(text):
        point, thousands = number_text(float(text)), text.replace(".", "")
        return Parsed(
            None,
            ERROR,
            f"{shown(raw)} could be {point} or {int(thousands):,} (a point between thousands); type the "
            f"{noun} as a number, {point} or {int(thousands)}",
        )
    if _PLAIN_NUMBER.fullmatch(text):
        value = float(text)
    elif _GROUPED_NUMBER.fullmatch(text):
        value = float(text.replace(",", ""))
    else:
        hint = " (use a point for decimals)" if re.fullmatch(r"[+-]?\d+,\d+", text) else ""
        return Parsed(None, ERROR, f"{shown(raw)} is not a number; type the {noun} as a number{hint}")
    return Parsed(value, WARNING, f"{shown(raw)} is a number typed as text; read as {number_text(value)}")


def parse_percent(raw, noun: str) -> Parsed:
    """Read a percentage cell as a fraction: 35% (0.35) stays 0.35; 35 typed into it is read as 0.35.

    Args:
        raw: The cell value as calamine returns it.
        noun: What the percentage is, for the message.

    Returns:
        The fraction (None on an error), with the problem if any.
    """
    text_percent = isinstance(raw, str) and raw.strip().endswith("%")
    parsed = parse_number(raw.strip()[:-1] if text_percent else raw, noun)
    if parsed.value is None:
        return Parsed(
            None,
            ERROR,
            parsed.message.replace(shown(raw.strip()[:-1]), shown(raw), 1) if text_percent else parsed.message,
        )
    value = parsed.value
    if text_percent:
        return _checked_percent(
            value / 100,
            raw,
            noun,
            WARNING,
            f"{shown(raw)} is a percentage typed as text; read as {number_text(value)}%",
        )
    if value > 1:
        # A planner typing 35 into a cell formatted as % gets 3500% in Excel; 35 can only mean 35 %.
        return _checked_percent(
            value / 100,
            raw,
            noun,
            WARNING,
            f"{shown(raw)} read as {number_text(value)}%; type percentages with a % sign (35%) or as a fraction (0.35)",
        )
    return Parsed(value, parsed.severity, parsed.message)


def _checked_percent(fraction: float, raw, noun: str, severity: str, message: str) -> Parsed:
    if fraction > 1:
        return Parsed(None, ERROR, f"{shown(raw)} is more than 100%; type the {noun} as a percentage up to 100%")
    return Parsed(fraction, severity, message)


# ----------------------------------------------------------------------------------------------------------------
# Dates


def first_of_month(value) -> pd.Timestamp:
    """The first of a date's month.

    Args:
        value: A date, datetime or Timestamp.

    Returns:
        The month as a first-of-month Timestamp.
    """
    return pd.Timestamp(value.year, value.month, 1)


def _serial_date(value: float) -> pd.Timestamp | None:
    if SERIAL_RANGE[0] <= value <= SERIAL_RANGE[1]:
        return pd.Timestamp(EXCEL_EPOCH + dt.timedelta(days=value)).normalize()
    return None


def _text_dates(text: str, formats: tuple[str, ...]) -> list[pd.Timestamp]:
    """The dates a text can be: none, one, or two for day and month between slashes that could swap."""
    slashed = _SLASH_DATE.fullmatch(text)
    if slashed:
        first, second, year = map(int, slashed.groups())
        readings = []
        for day, month in ((first, second), (second, first)):  # day/month as most of the world, then as the US
            try:
                readings.append(pd.Timestamp(dt.datetime(year, month, day)))
            except ValueError:
                continue
        return list(dict.fromkeys(readings))
    for fmt in formats:
        try:
            return [pd.Timestamp(dt.datetime.strptime(text, fmt))]
        except ValueError:
            continue
    return []


def _two_readings(raw, readings: list[pd.Timestamp], noun: str, month: bool) -> Parsed:
    if month:
        first, second = (month_label(stamp) for stamp in readings)
        fix = f"type the {noun} as a date, or as {readings[0]:%Y-%m} or {readings[1]:%Y-%m}"
    else:
        first, second = (f"{stamp.day} {stamp:%B %Y}" for stamp in readings)
        fix = f"type the {noun} as a date, or as {readings[0]:%Y-%m-%d} or {readings[1]:%Y-%m-%d} (year-month-day)"
    return Parsed(None, ERROR, f"{shown(raw)} could be {first} or {second}; {fix}")


def parse_date(raw, noun: str, month: bool) -> Parsed:
    """Read a date cell (a month when `month`: the first of the date's month).

    A date typed as text with one reading is accepted with a warning; with two (03/04/2027: 3 April or 4 March)
    it is an error naming both.

    Args:
        raw: The cell value as calamine returns it.
        noun: What the date is, for the message.
        month: True for a month (first of month), False for a calendar date.

    Returns:
        The Timestamp (None on an error), with the problem if any.
    """
    example = "Mar-27" if month else "2027-03-15"
    shown_as = "%b-%y" if month else "%Y-%m-%d"
    severity, message, suffix = None, "", ""
    if isinstance(raw, (dt.datetime, dt.date)):
        stamp = pd.Timestamp(raw.year, raw.month, raw.day) if _usable_year(raw.year) else None
    elif isinstance(raw, str):
        readings = _text_dates(raw.strip(), MONTH_TEXT_FORMATS if month else DATE_TEXT_FORMATS)
        if month:
            readings = list(dict.fromkeys(map(first_of_month, readings)))
        if len(readings) > 1:
            return _two_readings(raw, readings, noun, month)
        stamp = readings[0] if readings else None
        if stamp is None:
            return Parsed(None, ERROR, f"{shown(raw)} is not a date; type the {noun} as a date, for example {example}")
        severity, message = WARNING, f"{shown(raw)} is a date typed as text; read as "
    elif isinstance(raw, (int, float)) and not isinstance(raw, bool):
        stamp = _serial_date(float(raw))
        if stamp is None:
            return Parsed(None, ERROR, f"{shown(raw)} is not a date; type the {noun} as a date, for example {example}")
        severity, message = WARNING, f"{shown(raw)} is a number in a date cell; read as "
        suffix = " — format the cell as a date"
    else:
        return Parsed(None, ERROR, f"{shown(raw)} is not a date; type the {noun} as a date, for example {example}")
    if stamp is None or not _usable_year(stamp.year):
        return Parsed(
            None,
            ERROR,
            f"{shown(raw)} is not a date the plan can use; type the {noun} as a date "
            f"between {schema.DATE_YEARS[0]} and {schema.DATE_YEARS[1]}, for example {example}",
        )
    stamp = first_of_month(stamp) if month else stamp
    if severity is None:
        return Parsed(stamp)
    return Parsed(stamp, severity, f"{message}{stamp.strftime(shown_as)}{suffix}")


def _usable_year(year: int) -> bool:
    return schema.DATE_YEARS[0] <= year <= schema.DATE_YEARS[1]


def header_month(raw) -> Parsed:
    """Read a month column's header.

    Args:
        raw: The header cell as calamine returns it.

    Returns:
        The month (None when the header is not a month); a warning when it was typed as text or as a bare
        number rather than a date, an error when it could be two months or lies outside the years a plan holds.
    """
    if isinstance(raw, (dt.datetime, dt.date)):
        month = first_of_month(raw)
    elif isinstance(raw, str):
        readings = list(dict.fromkeys(map(first_of_month, _text_dates(raw.strip(), MONTH_TEXT_FORMATS))))
        if len(readings) > 1:
            first, second = map(month_label, readings)
            return Parsed(None, ERROR, f"the month header {shown(raw)} could be {first} or {second}; type it as a date")
        month = readings[0] if readings else None
    elif isinstance(raw, float):
        month = _serial_date(raw)
        month = None if month is None else first_of_month(month)
    else:
        month = None
    if month is None:
        return Parsed(None)
    if not _usable_year(month.year):
        # As for date cells: such a month would pass numpy's datetime64 range unnoticed (3132 becomes 1963).
        return Parsed(
            None,
            ERROR,
            f"{shown(raw)} is not a month the plan can use; type the month as a date between "
            f"{schema.DATE_YEARS[0]} and {schema.DATE_YEARS[1]}, for example Mar-27",
        )
    if isinstance(raw, (dt.datetime, dt.date)):
        return Parsed(month)
    return Parsed(
        month,
        WARNING,
        f"the month header {shown(raw)} is not a date; read as {month_label(month)} — type it as a date (first of "
        f"the month)",
    )


# ----------------------------------------------------------------------------------------------------------------
# Any cell by its column's kind


def parse_choice(raw, column: Column) -> Parsed:
    """Read a cell that must hold one of the column's choices (case and stray spaces forgiven, with a warning).

    Args:
        raw: The cell value as calamine returns it.
        column: The column, with its choices.

    Returns:
        The canonical choice (None on an error), with the problem if any.
    """
    text = text_of(raw)
    if text in column.choices:
        return Parsed(text)
    for choice in column.choices:
        if choice.casefold() == text.casefold():
            return Parsed(choice, WARNING, f"{shown(raw)} read as '{choice}'")
    return Parsed(None, ERROR, f"{shown(raw)} is not one of {', '.join(column.choices)}; pick one from the list")


def parse_cell(raw, column: Column, noun: str | None = None) -> Parsed:
    """Read one non-blank cell by its column's kind.

    Args:
        raw: The cell value as calamine returns it.
        column: The schema column.
        noun: What the value is, for messages (default: the header in lower case).

    Returns:
        The value, with the problem if any.
    """
    noun = noun or column.header.lower()
    refused = too_long(raw)
    if refused:
        return refused
    if column.kind == schema.TEXT:
        return Parsed(text_of(raw))
    if column.kind == schema.CHOICE:
        return parse_choice(raw, column)
    if column.kind == schema.NUMBER:
        return parse_number(raw, noun, column.minimum, maximum=column.maximum)
    if column.kind == schema.INTEGER:
        parsed = parse_number(raw, noun, column.minimum, whole=True, maximum=column.maximum)
        return Parsed(None if parsed.value is None else int(parsed.value), parsed.severity, parsed.message)
    if column.kind == schema.PERCENT:
        return parse_percent(raw, noun)
    if column.kind in (schema.MONTH, schema.DATE):
        return parse_date(raw, noun, month=column.kind == schema.MONTH)
    raise ValueError(f"unknown column kind {column.kind!r}")


# ----------------------------------------------------------------------------------------------------------------
# Cells calamine gives as blank


_CELL_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_CELL_VALUE = re.compile(rb"<v>([^<]*)</v>")
_CELL_TYPE = re.compile(rb'\bt="(\w+)"')
_FORMULA = re.compile(rb"<f(?:[ >]|/>)")
_ERROR_TYPE = re.compile(rb't="e"')


def unusable_cells(xml: bytes) -> dict[tuple[int, int], str]:
    """Cells of one sheet whose value calamine cannot give: formulas without a cached value, and error values.

    calamine gives such a cell as blank; the reader looks a blank cell up here to say why it is blank. Only the
    cells around a `<f` or `t="e"` are looked at, so a sheet without formulas costs two searches of its XML.

    Args:
        xml: The sheet's XML.

    Returns:
        (Excel row, 0-based column) → what is wrong, as the end of a sentence about the cell.
    """
    found: dict[tuple[int, int], str] = {}
    # Data validations hold <formula1>, so look for the formula element itself: one scan for its three forms.
    hits = [match.start() for match in _FORMULA.finditer(xml)]
    hits.extend(match.start() for match in _ERROR_TYPE.finditer(xml))
    seen = set()
    for hit in sorted(hits):
        start = xml.rfind(b"<c ", 0, hit)
        if start < 0 or start in seen:
            continue
        seen.add(start)
        end = xml.find(b"</c>", hit)
        cell = xml[start : end if end >= 0 else hit + 8]
        opening = cell[: cell.find(b">") + 1]
        ref = _CELL_REF.search(opening)
        if not ref:
            continue
        key = (int(ref.group(2)), column_index(ref.group(1).decode()))
        kind = _CELL_TYPE.search(opening)
        value = _CELL_VALUE.search(cell)
        if kind and kind.group(1) == b"e":
            error = value.group(1).decode() if value else "an error"
            found[key] = f"holds the error {error}; fix the formula or type the value"
        elif b"<f" in cell and not (value and value.group(1)) and not (kind and kind.group(1) == b"str"):
            found[key] = (
                "holds a formula with no saved result; open the file in Excel or LibreOffice and save it "
                "so the result is stored, or type the value"
            )
    return found
