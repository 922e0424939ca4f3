"""Findings → copies of the planners' templates with every flagged cell highlighted and commented.

`sop validate --annotate DIR` returns the findings to the planners where they work: a copy of each template in
which every cell named by a finding is filled red (error) or amber (warning) and carries the finding as a
comment, plus a "Findings" sheet, first in the workbook, listing every finding with a link to its cell. The
inputs themselves are only read: each copy is saved under a new name in DIR, both put in place together, and a
copy's name that is (or links to) an input is refused. Every text written is exactly the text of the finding (see
output.xlsx_text): a sheet or value starting with "=" is never a formula in the copy.
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
from .errors import ERROR, Finding, OutputError, file_name
from .folders import folder_files
from .output import check_distinct, check_target, write_together, xlsx_text
from .template_file import FINDINGS_SHEET

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
    findings: list[Finding], demand_path: str | Path | None, capacity_path: str | Path | None, directory: str | Path
) -> list[Path]:
    """Write annotated copies of the templates into `directory`: of each file, or of each file of a folder.

    A template that could not be read as an .xlsx has nothing to annotate and gets no copy; its findings are in
    the list `validate` returned.

    Args:
        findings: The findings of `validate(...)` of these paths.
        demand_path: The demand template (or a folder of them) the findings are about; None when only the
            capacity side was checked.
        capacity_path: The capacity template (or a folder of them); None when only the demand side was checked.
        directory: The folder to write the copies into (created if missing).

    Returns:
        The paths written, demand first.

    Raises:
        OutputError: when the folder cannot be created, a copy would be an input (or both copies one file), or a
            copy cannot be written (neither is then replaced).
    """
    directory = Path(directory)
    sources = {}
    for kind, path in (("demand", demand_path), ("capacity", capacity_path)):
        if path is None:
            continue
        path = Path(path)
        files = folder_files(path) if path.is_dir() else [path]
        if path.is_dir():
            sources.update({f"{kind} template {file_name(file)}": file for file in files})
        else:
            sources[f"{kind} template"] = path
    targets = {label: directory / annotated_name(source) for label, source in sources.items()}
    check_distinct(
        {f"the annotated copy of the {label}": target for label, target in targets.items()},
        {f"the {label}": source for label, source in sources.items()},
    )
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(str(directory), f"the folder cannot be created ({exc.strerror})") from exc
    files = []
    for label, source in sources.items():
        own = sorted(f for f in findings if f.file == file_name(source))
        # A file the reader refused as a whole (a zip bomb, an encrypted or corrupt file) is not opened again:
        # openpyxl has none of the reader's size guards, and there is no cell to mark.
        if any(f.severity == ERROR and not f.sheet for f in own):
            continue
        workbook = _load(source)
        if workbook is None:
            continue
        _mark_cells(workbook, own)
        _write_findings_sheet(workbook, own)
        # The copies are this command's own files, written again at every run: they are replaced.
        files.append((check_target(targets[label], force=True), workbook.save))
    return write_together(files, force=True)


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
        text = xlsx_text(text)
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
        _text(ws, 2, 1, "No problems found.")
    for row, finding in enumerate(findings, start=2):
        _text(ws, row, 1, finding.severity).fill = FILLS.get(finding.severity, FILLS["warning"])
        _text(ws, row, 2, finding.sheet or "(whole file)")
        ref = _text(ws, row, 3, finding.cell or "go to sheet")
        if finding.sheet in workbook.sheetnames:
            target = finding.cell or "A1"
            # An internal link (the location attribute, "#'Forecast'!F12" in Excel's words), not a file link.
            ref.hyperlink = Hyperlink(ref=ref.coordinate, location=f"{_quoted(finding.sheet)}!{target}")
            ref.font = LINK_FONT
        elif not finding.cell:
            ref.value = None
        ws.cell(row=row, column=4, value=finding.row or None)
        _text(ws, row, 5, finding.message)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:E{max(len(findings), 1) + 1}"
    workbook.active = 0
    for sheet in workbook.worksheets:
        sheet.sheet_view.tabSelected = sheet is ws


def _text(ws, row: int, column: int, text: str):
    """Write a text cell: exactly this text, never a formula, an error value or an illegal character.

    A finding quotes the planners' own text (a sheet called "=Plan", a value "=SUM("), which openpyxl would
    otherwise store as a formula.
    """
    cell = ws.cell(row=row, column=column)
    cell.value = xlsx_text(text)
    cell.data_type = "s"
    return cell


def _quoted(sheet: str) -> str:
    """A sheet name as a formula or link refers to it: always in single quotes, inner quotes doubled."""
    return "'" + sheet.replace("'", "''") + "'"
