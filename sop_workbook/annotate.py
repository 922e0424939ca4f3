"""Findings → copies of the planners' templates with every flagged cell highlighted and commented.

`sop validate --annotate DIR` returns the findings to the planners where they work: a copy of each template in
which every cell named by a finding is filled red (error) or amber (warning) and carries the finding as a
comment, plus a "Findings" sheet, first in the workbook, listing every finding with a link to its cell. The
inputs themselves are only read: each copy is saved under a new name in DIR.
"""

from __future__ import annotations

import io
import warnings
from collections import defaultdict
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.hyperlink import Hyperlink

from .archive import FileRefused, Role, guard
from .errors import ERROR, Finding, OutputError

FINDINGS_SHEET = "Findings"
AUTHOR = "sop validate"

# Excel's own "Bad" and "Neutral" cell-style colours, which planners already read as red and amber.
FILLS = {
    "error": PatternFill("solid", fgColor="FFC7CE"),
    "warning": PatternFill("solid", fgColor="FFEB9C"),
}
HEADER_FILL = PatternFill("solid", fgColor="1F3864")
HEADER_FONT = Font(bold=True, color="FFFFFF")
LINK_FONT = Font(color="0563C1", underline="single")
COLUMNS = (("Severity", 10), ("Sheet", 18), ("Cell", 8), ("Row", 6), ("Message", 100))


def annotated_name(path: Path) -> str:
    """The file name of a template's annotated copy: demand.xlsx → demand-findings.xlsx.

    Args:
        path: The input template.

    Returns:
        The copy's file name; never the input's own name, so that DIR may be the inputs' folder.
    """
    return f"{path.stem}-findings.xlsx"


def annotate(
    findings: list[Finding], demand_path: str | Path, capacity_path: str | Path, directory: str | Path
) -> list[Path]:
    """Write annotated copies of both templates into `directory`.

    A template that could not be read as an .xlsx has nothing to annotate and gets no copy; its findings are in
    the list `validate` returned.

    Args:
        findings: The findings of `validate(demand_path, capacity_path)`.
        demand_path: The demand template the findings are about.
        capacity_path: The capacity template the findings are about.
        directory: The folder to write the copies into (created if missing).

    Returns:
        The paths written, demand first.

    Raises:
        OutputError: when the folder cannot be created or a copy cannot be written.
    """
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(str(directory), f"the folder cannot be created ({exc.strerror})") from exc
    written = []
    for source in (Path(demand_path), Path(capacity_path)):
        own = sorted(f for f in findings if f.file == source.name)
        target = directory / annotated_name(source)
        if target.resolve() == source.resolve():
            raise OutputError(str(target), "is the input itself; choose another folder")
        # A file the reader refused as a whole (a zip bomb, an encrypted or corrupt file) is not opened again:
        # openpyxl has none of the reader's size guards, and there is no cell to mark.
        if any(f.severity == ERROR and not f.sheet for f in own):
            continue
        workbook = _load(source)
        if workbook is None:
            continue
        _mark_cells(workbook, own)
        _write_findings_sheet(workbook, own)
        try:
            workbook.save(target)
        except OSError as exc:
            raise OutputError(
                str(target), f"cannot be written ({exc.strerror}); close it in Excel or choose another folder"
            ) from exc
        written.append(target)
    return written


def _load(source: Path):
    """The workbook of a template, or None when it is not one to open (the findings say why).

    openpyxl parses every sheet and has no size guards of its own: the file goes through `archive.guard` first,
    every sheet included, and openpyxl reads the bytes the guard read.
    """
    if source.suffix.lower() != ".xlsx":
        return None
    try:
        archive = guard(source, Role("the template to annotate", "template"))
        archive.check_sheets()
    except FileRefused:
        return None
    try:
        with warnings.catch_warnings():
            # openpyxl warns about extensions it drops (slicers, some validations); the copy is a report.
            warnings.simplefilter("ignore")
            return load_workbook(io.BytesIO(archive.data))
    except Exception:  # noqa: BLE001 — any failure means the file cannot be annotated; validate reported it
        return None


def _mark_cells(workbook, findings: list[Finding]) -> None:
    """Fill each flagged cell by its worst finding and comment it with every finding about it."""
    by_cell: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.sheet in workbook.sheetnames and finding.cell:
            by_cell[(finding.sheet, finding.cell)].append(finding)
    for (sheet, ref), about in by_cell.items():
        cell = workbook[sheet][ref]
        worst = ERROR if any(f.severity == ERROR for f in about) else about[0].severity
        cell.fill = FILLS.get(worst, FILLS["warning"])
        text = "\n".join(f"{f.severity.capitalize()}: {f.message}" for f in about)
        if cell.comment is not None:
            text = f"{text}\n\n{cell.comment.text}"
        cell.comment = Comment(text, AUTHOR, width=320, height=40 + 30 * len(about))


def _write_findings_sheet(workbook, findings: list[Finding]) -> None:
    """A sheet listing every finding of this file, first in the workbook, each cell linked."""
    name = FINDINGS_SHEET
    suffix = 2
    while name in workbook.sheetnames:
        name = f"{FINDINGS_SHEET} ({suffix})"
        suffix += 1
    ws = workbook.create_sheet(name, 0)
    for col, (header, width) in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=col, value=header)
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
        ws.column_dimensions[cell.column_letter].width = width
    if not findings:
        ws.cell(row=2, column=1, value="No problems found.")
    for row, finding in enumerate(findings, start=2):
        ws.cell(row=row, column=1, value=finding.severity).fill = FILLS.get(finding.severity, FILLS["warning"])
        ws.cell(row=row, column=2, value=finding.sheet or "(whole file)")
        ref = ws.cell(row=row, column=3, value=finding.cell or None)
        if finding.sheet in workbook.sheetnames:
            target = finding.cell or "A1"
            # An internal link (the location attribute, "#'Forecast'!F12" in Excel's words), not a file link.
            ref.hyperlink = Hyperlink(ref=ref.coordinate, location=f"{_quoted(finding.sheet)}!{target}")
            ref.font = LINK_FONT
            if not finding.cell:
                ref.value = "go to sheet"
        ws.cell(row=row, column=4, value=finding.row or None)
        # Messages quote the planners' own text; set as a string so that text like "=SUM(" stays text.
        message = ws.cell(row=row, column=5)
        message.value = finding.message
        message.data_type = "s"
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:E{max(len(findings), 1) + 1}"
    workbook.active = 0
    for sheet in workbook.worksheets:
        sheet.sheet_view.tabSelected = sheet is ws


def _quoted(sheet: str) -> str:
    """A sheet name as a formula or link refers to it: always in single quotes, inner quotes doubled."""
    return "'" + sheet.replace("'", "''") + "'"
