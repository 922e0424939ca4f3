"""Text into the pack exactly as the planner typed it: the one way a sheet writes text.

Every text a sheet shows goes through this module: cells (`write_text`), comments (`comment_text`) and page
headers and footers (`header_text`). The traps it closes:

- xlsxwriter stores a string that starts with `<r>` and ends with `</r>` as ready-made rich-text XML, unescaped:
  planner text such as `<r><t>a</t></r></si><si>...` would shift every later text of the pack or put markup of
  its own into the file. Such a text is written with `write_rich_string`, as rich text of a few runs in the
  cell's own font, which xlsxwriter escapes like any other text. The runs are cut inside every `_xHHHH_`
  sequence of the text, because xlsxwriter escapes a rich string's text twice and so would turn a typed
  `_x0041_` into another text; one case stays: a control character (or U+FFFE, U+FFFF) inside such a text comes
  back as its `_xHHHH_` code, xlsxwriter's double escape of it, which no run boundary can avoid.
- A cell holds at most 32,767 characters (UTF-16 units) and xlsxwriter silently cuts a longer text, or drops a
  comment: here the text is cut with a note saying so.
- In a page header or footer "&" starts a code: a company called "Smith & Co" is written as "Smith && Co".

Everything else xlsxwriter already writes exactly: `&`, `<`, `>` are XML-escaped; control characters are written
as Excel's `_xHHHH_` escapes and a typed `_x0041_` as `_x005F_x0041_`, which Excel and LibreOffice read back as
typed. Text is never written with the type-guessing `write`, so "=HYPERLINK(...)" stays text, and the pack's
workbook turns off xlsxwriter's conversion of strings to numbers, formulas and links (writer.WORKBOOK_OPTIONS).
"""

from __future__ import annotations

import re

from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

# The most characters (UTF-16 units) Excel keeps in a cell or a comment.
CELL_LIMIT = 32_767
# A sequence Excel reads as an escaped character, e.g. "_x0041_" for "A".
_ESCAPE = re.compile(r"(?=_x[0-9a-fA-F]{4}_)")


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def fit(text: str, limit: int = CELL_LIMIT) -> str:
    """The text if it fits in `limit` UTF-16 units; else its start, with a note that says how long it was.

    Args:
        text: Any text.
        limit: The most UTF-16 units the place holds.

    Returns:
        The text, or its start followed by "… [cut: the text has N characters, more than the L a cell holds]".
    """
    if len(text) * 2 <= limit:  # a character is at most two UTF-16 units: surely fits, without counting
        return text
    length = _utf16_length(text)
    if length <= limit:
        return text
    note = f"… [cut: the text has {length:,} characters, more than the {limit:,} a cell holds]"
    room = limit - _utf16_length(note)
    # Cut on a whole character: a pair of UTF-16 surrogates is never split.
    start = text.encode("utf-16-le")[: 2 * room].decode("utf-16-le", errors="ignore")
    return start + note


def looks_like_rich_text(text: str) -> bool:
    """Whether xlsxwriter would take this text for ready-made rich-text XML (see the module docstring)."""
    return text.startswith("<r>") and text.endswith("</r>")


def _runs(text: str) -> list[str]:
    """A markup-like text cut into runs: after its first and second character (so there are at least three, which
    `write_rich_string` needs) and inside every `_xHHHH_` sequence, so that no run holds a whole one."""
    cuts = {1, 2, *(match.start() + 2 for match in _ESCAPE.finditer(text))}
    bounds = [0, *sorted(cut for cut in cuts if 0 < cut < len(text)), len(text)]
    return [text[start:end] for start, end in zip(bounds, bounds[1:])]


def write_text(ws: Worksheet, row: int, col: int, text: str, cell_format: Format | None = None) -> None:
    """Write text into a cell so that the cell holds exactly that text (see the module docstring).

    Args:
        ws: The worksheet.
        row: Zero-based row.
        col: Zero-based column.
        text: Any text; an empty one leaves a formatted blank cell.
        cell_format: The cell's format.
    """
    if not text:
        ws.write_blank(row, col, None, cell_format)
        return
    text = fit(text)
    if not looks_like_rich_text(text):
        ws.write_string(row, col, text, cell_format)
        return
    parts: list = []
    for run in _runs(text):
        if cell_format is not None:
            parts.append(cell_format)  # each run in the cell's own font
        parts.append(run)
    if cell_format is not None:
        parts.append(cell_format)
    ws.write_rich_string(row, col, *parts)


def comment_text(text: str) -> str:
    """A comment's text as it can be written: cut with a note when longer than a comment holds.

    Args:
        text: The comment.

    Returns:
        The text to give `write_comment`.
    """
    return fit(text)


def header_text(text: str) -> str:
    """Text for a page header or footer, where "&" starts a code: every "&" doubled.

    Args:
        text: Plain text, e.g. a company name.

    Returns:
        The text with every "&" doubled.
    """
    return text.replace("&", "&&")
