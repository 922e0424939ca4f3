"""Tests of cli.py through click's CliRunner: exit codes, messages and written files."""

from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from sop_workbook.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.mark.parametrize("name", sorted(main.commands))
def test_every_command_has_help_with_an_example_and_is_in_the_readme(name):
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert f"sop {name}" in README.read_text()


def test_templates_writes_both_files_for_the_cycle_asked(tmp_path):
    result = CliRunner().invoke(
        main, ["templates", str(tmp_path / "blank"), "--cycle-month", "2027-04", "--horizon", "6"]
    )
    assert result.exit_code == 0, result.output
    assert "demand.xlsx" in result.output and "capacity.xlsx" in result.output
    workbook = openpyxl.load_workbook(tmp_path / "blank" / "demand.xlsx")
    assert workbook["Cycle"]["B3"].value.strftime("%Y-%m") == "2027-04"
    assert workbook["Cycle"]["B4"].value == 6


@pytest.mark.parametrize(
    "args, message",
    [
        (["templates", "x", "--cycle-month", "April"], "'April' is not a month; write it as YYYY-MM"),
        (["templates", "x", "--horizon", "0"], "0 is not in the range 1<=x<=60"),
        (["validate", "missing-demand.xlsx", "missing-capacity.xlsx"], "does not exist"),
        (["reconcile", str(README)], "Missing argument 'CAPACITY'"),
    ],
)
def test_usage_errors_exit_2_with_a_message(tmp_path, args, message):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert message in result.output


def test_python_dash_m_runs_the_same_command():
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "sop_workbook", "--help"], capture_output=True, text=True, check=True
    )
    assert "reconcile" in result.stdout and "Usage: sop" in result.stdout


def test_the_program_flushes_its_output_and_exit_code_when_it_ends_without_teardown(tmp_path):
    # `run` ends the process with os._exit: what it printed must still arrive through a buffered pipe, the pack
    # must be complete and no temporary file may be left beside it.
    import os
    import subprocess
    import sys

    env = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    samples = README.parent / "samples"
    pack = tmp_path / "pack.xlsx"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sop_workbook",
            "reconcile",
            str(samples / "demand.xlsx"),
            str(samples / "capacity.xlsx"),
            "-o",
            str(pack),
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == f"Wrote {pack}"
    assert "Executive Summary" in openpyxl.load_workbook(pack, read_only=True).sheetnames
    assert sorted(os.listdir(tmp_path)) == ["pack.xlsx"]

    not_excel = tmp_path / "demand.xlsx"
    not_excel.write_text("SKU,Customer\n")
    failed = subprocess.run(
        [
            sys.executable,
            "-m",
            "sop_workbook",
            "reconcile",
            str(not_excel),
            str(samples / "capacity.xlsx"),
            "-o",
            str(tmp_path / "other.xlsx"),
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert failed.returncode == 1
    assert "is not an Excel workbook" in failed.stdout and "1 error(s), 0 warning(s)." in failed.stdout
    assert "nothing was written" in failed.stderr
    assert not (tmp_path / "other.xlsx").exists()


def test_the_readme_library_example_runs(tmp_path, monkeypatch):
    # The README's Python block, run as a newcomer would, beside a copy of the sample templates.
    import shutil

    text = README.read_text()
    block = text.split("```python\n", 1)[1].split("```", 1)[0]
    (tmp_path / "samples").mkdir()
    for name in ("demand.xlsx", "capacity.xlsx"):
        shutil.copy(README.parent / "samples" / name, tmp_path / "samples" / name)
    monkeypatch.chdir(tmp_path)
    exec(compile(block, "README.md", "exec"), {})
    assert (tmp_path / "pack.xlsx").stat().st_size > 10_000
