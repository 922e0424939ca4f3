"""Render the first page of a meeting pack (the Executive Summary) to a PNG, as LibreOffice prints it.

Usage:
    python tools/render_summary.py samples/sop-pack.xlsx docs/images/executive-summary.png

Needs LibreOffice (Debian: libreoffice-calc-nogui) and pdftoppm (poppler-utils). Comments are left out of the
PDF, as a printer leaves them out; only the first page is exported, so that the 40,000-row Plan Data table does
not have to be laid out.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

FIRST_PAGE_ONLY = (
    'pdf:calc_pdf_Export:{"PageRange":{"type":"string","value":"1"},"ExportNotes":{"type":"boolean","value":"false"}}'
)


def render(pack: Path, png: Path, dpi: int = 110) -> Path:
    """Render page 1 of `pack` to `png` and return it."""
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        profile = (work / "profile").as_uri()
        subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation={profile}",
                "--headless",
                "--norestore",
                "--convert-to",
                FIRST_PAGE_ONLY,
                "--outdir",
                str(work),
                str(pack),
            ],
            check=True,
            capture_output=True,
            timeout=600,
        )
        pdf = work / f"{pack.stem}.pdf"
        subprocess.run(
            ["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile", str(pdf), str(work / "page")],
            check=True,
            capture_output=True,
        )
        png.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(work / "page.png", png)
    return png


if __name__ == "__main__":
    print(render(Path(sys.argv[1]), Path(sys.argv[2])))
