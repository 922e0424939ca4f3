"""Run LibreOffice headless in tests: recalculate a workbook on load, convert it, render it to PDF.

LibreOffice does not recalculate files written by other programs by default; it shows the cached values. The
profile written here sets "recalculate on load: always" for .xlsx and .ods, so a converted file holds
LibreOffice's own results of every formula.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

RECALCULATE_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""
TIMEOUT = 300


def soffice() -> str | None:
    """The path of the soffice program, or None when LibreOffice is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def require_soffice() -> str:
    """Return soffice's path; skip the test without it, except in CI (env CI=true), where it must be there."""
    path = soffice()
    if path is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("LibreOffice (soffice) is required in CI: apt-get install libreoffice-calc-nogui")
        pytest.skip("LibreOffice (soffice) is not installed")
    return path


def profile(directory: Path) -> Path:
    """Write a LibreOffice user profile that recalculates every formula on load; return its folder."""
    user = directory / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(RECALCULATE_ALWAYS, encoding="utf-8")
    return directory


def convert(path: Path, target: str, out_dir: Path, work: Path) -> Path:
    """Open `path` in LibreOffice (recalculating on load) and save it as `target` ("xlsx", "ods", "pdf").

    Args:
        path: The file to open.
        target: The output format, as soffice's --convert-to takes it.
        out_dir: Where the converted file goes (must differ from path's folder for xlsx → xlsx).
        work: A scratch folder for LibreOffice's profile.

    Returns:
        The converted file.
    """
    program = require_soffice()
    home = profile(work / "lo-profile")
    out_dir.mkdir(parents=True, exist_ok=True)
    command = [
        program,
        f"-env:UserInstallation={home.resolve().as_uri()}",
        "--headless",
        "--norestore",
        "--nolockcheck",
        "--convert-to",
        target,
        "--outdir",
        str(out_dir),
        str(path),
    ]
    environment = dict(os.environ, HOME=str(work))
    # soffice starts soffice.bin as a child: a session of its own lets a timeout end both, and only them.
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment, start_new_session=True
    )
    try:
        stdout, stderr = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise AssertionError(f"LibreOffice took more than {TIMEOUT} s to convert {path.name}") from None
    extension = target.split(":")[0]
    converted = out_dir / f"{path.stem}.{extension}"
    if process.returncode != 0 or not converted.exists():
        raise AssertionError(f"LibreOffice could not convert {path.name} to {target}:\n{stdout}\n{stderr}")
    return converted
