"""One exception tree, and the findings the reader reports.

Every exception of the library derives from `SopError`. Problems with an input carry where they are: file,
sheet and cell. The CLI turns these into exit codes in one place.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, order=True)
class Finding:
    """One problem found in an input file.

    Attributes:
        file: The file's name (not its full path), e.g. "capacity.xlsx".
        sheet: The sheet's name, or "" when the problem is with the whole file.
        row: The Excel row number (1-based), or 0 when the problem is not in one row; used for sorting.
        cell: The A1 reference of the cell ("D14"), or "" when the problem is not in one cell.
        severity: ERROR (stops the reconcile) or WARNING (reported and carried into the meeting pack).
        message: A sentence a planner can act on: what is wrong and how to fix it.
    """

    file: str
    sheet: str
    row: int
    cell: str
    severity: str
    message: str

    @property
    def location(self) -> str:
        """Where the problem is, as "file, Sheet!A1", "file, Sheet" or "file"."""
        if self.sheet and self.cell:
            return f"{self.file}, {self.sheet}!{self.cell}"
        if self.sheet:
            return f"{self.file}, {self.sheet}"
        return self.file

    def __str__(self) -> str:
        return f"{self.location}: {self.severity}: {self.message}"


def file_name(path: str | os.PathLike) -> str:
    """A file's name as text that can be shown and written anywhere (a finding, the pack, the terminal).

    A name that is not UTF-8 (a Latin-1 "d\\xe9mand.xlsx" copied from an old share) reaches Python with its
    undecodable bytes as lone surrogates, which no UTF-8 file or terminal can hold; they are shown as "\\xe9",
    the way `ls -b` shows them.

    Args:
        path: The file's path.

    Returns:
        Its name, valid Unicode text.
    """
    return os.fsencode(os.path.basename(os.fspath(path))).decode("utf-8", "backslashreplace")


class SopError(Exception):
    """The base of every error the library raises on purpose."""


class TemplateError(SopError):
    """A file cannot be read as a template at all (not an .xlsx, encrypted, corrupt, missing).

    Attributes:
        file: The file's name.
    """

    def __init__(self, file: str, message: str):
        super().__init__(f"{file}: {message}")
        self.file = file
        self.message = message


class InputError(SopError):
    """The inputs have errors that stop planning.

    Attributes:
        findings: Every finding (errors and warnings), sorted by file, sheet and row.
    """

    def __init__(self, findings: list[Finding]):
        self.findings = sorted(findings)
        errors = [f for f in self.findings if f.severity == ERROR]
        super().__init__(f"{len(errors)} error(s) in the inputs; the first: {errors[0] if errors else '-'}")


class PlanError(SopError):
    """The plan cannot be made (an infeasible or unbounded model), said in terms of the inputs that cause it."""


class OutputError(SopError):
    """The meeting pack or another output cannot be written where asked (exists, folder missing, read-only).

    Attributes:
        path: The path that was asked for.
    """

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path
