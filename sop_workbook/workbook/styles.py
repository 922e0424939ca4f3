"""The pack's cell formats, defined once and looked up by name.

Every format the meeting pack uses is a combination of the named dictionaries below: a number format
("units", "money", "percent", ...), an emphasis ("bold", "total") and a colour ("red", "amber", "green", ...).
`Styles` merges the names asked for into one xlsxwriter Format and keeps it, so the same look is the same
Format object everywhere and the file lists each format once, in the order first asked for (which keeps the
output byte-identical between runs).
"""

from __future__ import annotations

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook

FONT = "Calibri"
DARK_BLUE = "#1F3864"
MID_BLUE = "#2F5597"
LIGHT_BLUE = "#DDEBF7"
GREY = "#595959"
LIGHT_GREY = "#F2F2F2"
BORDER_GREY = "#BFBFBF"

# RAG colours: a fill the eye reads on a projector, with a dark font of the same hue for contrast.
RAG = {
    "green": {"bg_color": "#C6EFCE", "font_color": "#006100"},
    "amber": {"bg_color": "#FFEB9C", "font_color": "#7F4F00"},
    "red": {"bg_color": "#FFC7CE", "font_color": "#9C0006"},
}

# Series colours of the charts, in the order they are used.
CHART_COLOURS = ("#2F5597", "#A5A5A5", "#ED7D31", "#70AD47", "#FFC000")

NAMED: dict[str, dict] = {
    # The base of every format: one font, one size, readable on a projector.
    "base": {"font_name": FONT, "font_size": 11, "valign": "top"},
    # Text.
    "text": {},
    "wrap": {"text_wrap": True},
    "center": {"align": "center"},
    "right": {"align": "right"},
    "bold": {"bold": True},
    "italic": {"italic": True},
    "muted": {"font_color": GREY},
    "small": {"font_size": 9},
    "title": {"bold": True, "font_size": 18, "font_color": DARK_BLUE, "valign": "vcenter"},
    "subtitle": {"font_size": 11, "font_color": GREY, "italic": True},
    "heading": {"bold": True, "font_size": 13, "font_color": DARK_BLUE, "bottom": 2, "bottom_color": DARK_BLUE},
    "header": {
        "bold": True,
        "font_color": "#FFFFFF",
        "bg_color": DARK_BLUE,
        "text_wrap": True,
        "valign": "vcenter",
        "border": 1,
        "border_color": BORDER_GREY,
    },
    "cell": {"border": 1, "border_color": BORDER_GREY},
    "family": {"bold": True, "bg_color": LIGHT_BLUE},
    "block_top": {"top": 2, "top_color": MID_BLUE},
    "total": {"bold": True, "bg_color": LIGHT_GREY},
    "input": {"bg_color": "#FFF2CC", "border": 1, "border_color": "#BF9000"},
    "link": {"font_color": "#0563C1", "underline": 1},
    # Numbers: one format per kind of figure, the same on every sheet.
    "units": {"num_format": "#,##0"},
    "money": {"num_format": "#,##0;[Red]-#,##0"},
    "price": {"num_format": "#,##0.00"},
    "percent": {"num_format": "0.0%"},
    "hours": {"num_format": "#,##0"},
    "rate": {"num_format": "#,##0.00"},
    "days": {"num_format": "0.0"},
    "count": {"num_format": "0"},
    "month": {"num_format": "mmm-yy", "align": "center"},
    "date": {"num_format": "dd-mmm-yy", "align": "center"},
    "timestamp": {"num_format": 'yyyy-mm-dd hh:mm "UTC"', "align": "left"},
    # Tiles of the Executive Summary.
    "tile_label": {
        "bold": True,
        "font_size": 10,
        "font_color": GREY,
        "align": "center",
        "valign": "vcenter",
        "bg_color": LIGHT_GREY,
        "text_wrap": True,
        "top": 1,
        "left": 1,
        "right": 1,
        "border_color": BORDER_GREY,
    },
    "tile_value": {
        "bold": True,
        "font_size": 22,
        "align": "center",
        "valign": "vcenter",
        "left": 1,
        "right": 1,
        "border_color": BORDER_GREY,
    },
    "tile_note": {
        "font_size": 9,
        "font_color": GREY,
        "align": "center",
        "valign": "vcenter",
        "text_wrap": True,
        "bottom": 1,
        "left": 1,
        "right": 1,
        "border_color": BORDER_GREY,
    },
    "neutral": {"bg_color": "#FFFFFF"},
    **RAG,
}


class Styles:
    """The formats of one workbook, created on first use from the names in `NAMED`.

    Example:
        ``styles("money", "bold")`` is the bold money format; asking again returns the same Format.

    Args:
        workbook: The workbook the formats belong to.
    """

    def __init__(self, workbook: Workbook):
        self._workbook = workbook
        self._formats: dict[tuple[str, ...], Format] = {}

    def __call__(self, *names: str | None) -> Format:
        """Return the format that combines the named dictionaries, later names winning.

        Args:
            *names: Keys of `NAMED`; None entries are skipped, so optional colours can be passed as they are.

        Returns:
            The xlsxwriter Format.
        """
        # Called for nearly every cell of the pack: the names as given are looked up first.
        found = self._formats.get(names)
        if found is not None:
            return found
        key = tuple(name for name in names if name)
        if key not in self._formats:
            properties = dict(NAMED["base"])
            for name in key:
                properties.update(NAMED[name])
            self._formats[key] = self._workbook.add_format(properties)
        self._formats[names] = self._formats[key]
        return self._formats[key]
