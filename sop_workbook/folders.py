"""One side given as a folder of template files (one per sales region or plant, say), read as one template.

The rules, as the README's "One file per team" states them:
- a folder's files are its `*.xlsx` files, less Excel's lock files (`~$…`) and hidden files; each must be a
  template of the folder's side, recognised by its sheets (`template_file.recognised`): a template of the other
  side, a meeting pack or an annotated copy in it is an error naming it;
- required sheets are required across the folder, not per file: a team's file may hold only its Forecast;
- the Cycle sheets of all files must agree;
- how the rows of a sheet combine is the sheet's kind in `schema.py`: REFERENCE sheets may repeat a row
  identically in several files (it is read once), the same key with other values is an error naming both files
  and cells; QUANTITY sheets may not repeat a key across files (it would be counted twice): an error naming both;
  NOTES sheets are put one after the other.

Every row keeps its file and cell (`template_file.Origin`), so every finding names the file it is about.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import schema
from .cells import month_label
from .errors import ERROR, WARNING, Finding, file_name
from .inputs import Cycle
from .schema import Template
from .template_file import Origin, Row, Table, TemplateFile, blank_value, described

# The Cycle keys whose difference between two files changes the plan (errors); Company only labels the pack.
CYCLE_KEYS = (("Cycle month", ERROR), ("Horizon (months)", ERROR), ("Currency", ERROR), ("Company", WARNING))


def folder_files(folder: Path) -> list[Path]:
    """The template files of a folder: its `*.xlsx` files less Excel's lock files and hidden files, by name.

    Args:
        folder: The folder.

    Returns:
        The files, sorted by name.
    """
    return sorted(
        path
        for path in folder.iterdir()
        if path.suffix.lower() == ".xlsx" and not path.name.startswith(("~$", ".")) and path.is_file()
    )


def empty_folder(folder: Path, kind: str) -> str:
    """The message for a folder given as a side that holds no template file."""
    return (
        f"{file_name(folder)} is a folder, not a file, and holds no .xlsx file; give the {kind} template, or put "
        f"the {kind} templates of the teams in the folder"
    )


def cycle_text(value) -> str:
    """A Cycle value as a message shows it (a month as Jan-27)."""
    return month_label(value) if isinstance(value, pd.Timestamp) else str(value)


class Side:
    """One side's folder of template files, read as one template.

    It answers to the checks as a `TemplateFile` does (`sheets`, `cycle`, `add`...): its sheets are the merged
    sheets of its files, and a finding about a row goes to the row's own file.

    Attributes:
        path: The folder.
        name: The folder's name with a slash ("sales/"), as messages name the side.
        template: The side's template.
        files: Its files, each a TemplateFile.
        sheets: The merged sheets, by schema name (after `merge`).
        findings: Findings about the folder as a whole (a required sheet no file has); the files hold theirs.
    """

    def __init__(self, path: Path, template: Template):
        self.path = path
        self.name = f"{file_name(path)}/"
        self.template = template
        self.files = [TemplateFile(file, template, in_folder=True) for file in folder_files(path)]
        self.sheets = {spec.name: Table(spec) for spec in template.sheets if not spec.key_value}
        self.findings: list[Finding] = []
        if not self.files:
            self.findings.append(Finding(file_name(path), "", 0, "", ERROR, empty_folder(path, template.kind)))

    # What the checks ask of a template file -------------------------------------------------------------------

    @property
    def lead(self) -> TemplateFile | None:
        """The file whose Cycle sheet stands for the folder: the first with one."""
        return next((f for f in self.files if f.cycle_cells), None)

    @property
    def workbook(self):
        """A workbook of the folder (None when no file could be read)."""
        return next((f.workbook for f in self.files if f.workbook is not None), None)

    @property
    def cycle(self) -> Cycle | None:
        """The folder's cycle (its lead file's)."""
        return self.lead.cycle if self.lead else None

    @property
    def cycle_cells(self) -> dict:
        """The lead file's Cycle values by key."""
        return self.lead.cycle_cells if self.lead else {}

    @property
    def sheet_names(self) -> dict[str, str]:
        """The lead file's sheet names by schema name."""
        return self.lead.sheet_names if self.lead else {}

    def add(self, severity: str, sheet: str, row: int, cell: str, message: str) -> None:
        """Record a finding: on the row's own file for a row of a file, else on the lead file (the Cycle)."""
        if isinstance(row, Origin):
            row.file.add(severity, row.table.name or sheet, int(row), cell, message)
        elif self.lead is not None:
            self.lead.add(severity, sheet, row, cell, message)
        else:
            self.findings.append(Finding(self.name, sheet, row, cell, severity, message))

    def error(self, sheet: str, row: int, cell: str, message: str) -> None:
        """Record an error (see `add`)."""
        self.add(ERROR, sheet, row, cell, message)

    def warning(self, sheet: str, row: int, cell: str, message: str) -> None:
        """Record a warning (see `add`)."""
        self.add(WARNING, sheet, row, cell, message)

    def _folder_error(self, sheet: str, message: str) -> None:
        self.findings.append(Finding(self.name, sheet, 0, "", ERROR, message))

    def all_findings(self) -> list[Finding]:
        """Every finding of the folder and its files."""
        return self.findings + [finding for file in self.files for finding in file.findings]

    # The folder's own rules ------------------------------------------------------------------------------------

    def check_cycles(self) -> None:
        """Every file's Cycle sheet agrees with the lead file's; some file has one."""
        lead = self.lead
        if lead is None:
            if any(f.workbook is not None for f in self.files):
                self._folder_error(
                    schema.CYCLE.name, "no file of the folder has a Cycle sheet; copy it into one from the template"
                )
            return
        for file in self.files:
            if file is lead or not file.cycle_cells:
                continue
            name = file.sheet_names[schema.CYCLE.name]
            for key, severity in CYCLE_KEYS:
                theirs = lead.cycle_cells.get(key, (None, 0))[0]
                ours, row = file.cycle_cells.get(key, (None, 0))
                if theirs is None or ours is None or theirs == ours:
                    continue  # a blank or wrong value is reported already
                file.add(
                    severity,
                    name,
                    row,
                    f"B{row}",
                    f"{key} is '{cycle_text(ours)}' here but '{cycle_text(theirs)}' in {lead.name}; every file of "
                    f"the folder {self.name} must be for the same cycle",
                )

    def merge(self, cycle: Cycle) -> None:
        """Put the files' sheets together by the sheets' kinds, reporting what the folder rules forbid."""
        for spec in self.template.sheets:
            if spec.key_value:
                continue
            parts = [(file, file.sheets[spec.name]) for file in self.files if file.sheets[spec.name].present]
            merged = self.sheets[spec.name]
            if parts:
                self._merge_sheet(merged, parts, cycle)
            if spec.required and not merged.rows and any(f.workbook is not None for f in self.files):
                have = "has no rows" if parts else "is missing"
                self._folder_error(
                    spec.name,
                    f"the sheet {spec.name} {have} in every file of the folder; it is required: fill it in one of "
                    f"the files (sop templates writes a blank one)",
                )

    def _merge_sheet(self, merged: Table, parts: list[tuple[TemplateFile, Table]], cycle: Cycle) -> None:
        spec = merged.spec
        merged.name = parts[0][1].name
        for _, table in reversed(parts):  # the first file's column wins; cells go through each row's Origin
            merged.columns.update(table.columns)
        months = sorted({month for _, table in parts for month, _ in table.months})
        merged.months = [(month, k) for k, month in enumerate(months)]
        defaults = {header: blank_value(spec.column(header), cycle) for header in merged.columns}
        seen: dict[tuple, tuple[Row, tuple]] = {}
        rows, matrix = [], []
        for file, table in parts:
            values_by_month = table.month_matrix()
            at = {month: j for j, (month, _) in enumerate(table.months)}
            for k, row in enumerate(table.rows):
                by_month = tuple(float(values_by_month[k, at[m]]) if m in at else 0.0 for m in months)
                values = {**defaults, **row.values}
                merged_row = Row(Origin(row.number, file, table), values)
                if spec.kind != schema.NOTES and spec.key and self._repeats(merged_row, by_month, seen):
                    continue
                rows.append(merged_row)
                matrix.append(by_month)
        merged.rows = rows
        merged.matrix = np.array(matrix, dtype=float).reshape(len(rows), len(months))

    def _repeats(self, row: Row, by_month: tuple, seen: dict) -> bool:
        """Whether a row's key is already on the sheet from another file (then it is left out: an identical
        reference row is read once; a clash or a double-counted quantity is reported here)."""
        origin = row.number
        spec = origin.table.spec
        key = tuple(row.values.get(k) for k in spec.key)
        if any(row.values.get(k) is None for k in spec.key if spec.column(k).required):
            return False  # a blank key cell is reported already
        signature = tuple(row.values.get(c.header) for c in spec.columns) + by_month
        earlier = seen.get(key)
        if earlier is None:
            seen[key] = (row, signature)
            return False
        first = earlier[0].number
        if first.file is origin.file:
            return False  # twice in one file: reported by the file's own key check
        where = f"{first.table.name}!{first.table.cell(spec.key[0], int(first))} in {first.file.name}"
        keyed = " and ".join(f"{k} {described(v)}" for k, v in zip(spec.key, key))
        cell = origin.table.cell(spec.key[0], int(origin))
        if spec.kind == schema.QUANTITY:
            origin.file.error(
                origin.table.name,
                int(origin),
                cell,
                f"{keyed} is also on {where}; a line in two files would be counted twice: keep it in one file",
            )
        elif signature != earlier[1]:
            origin.file.error(
                origin.table.name,
                int(origin),
                cell,
                f"{keyed} is also on {where} with other values ({_difference(spec, earlier[1], signature)}); a row "
                f"may repeat in several files only as the same row: make them the same or keep one",
            )
        return True


def _difference(spec: schema.Sheet, there: tuple, here: tuple) -> str:
    """The first difference between two rows' values, for a message."""
    for k, column in enumerate(spec.columns):
        if there[k] != here[k]:
            return f"{column.header} {described(there[k])} there, {described(here[k])} here"
    return "the month values differ"
