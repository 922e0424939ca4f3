"""Tests of cli.py through click's CliRunner: exit codes, messages and written files."""

from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from sop_workbook.cli import main, shown

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


def test_the_program_flushes_its_output_and_exit_code_and_leaves_no_temporary_file(tmp_path):
    # What it printed must arrive through a buffered pipe, the pack must be complete and nothing left beside it.
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


@pytest.mark.parametrize("command", ["templates", "sample"])
def test_templates_and_sample_refuse_templates_that_exist_unless_force(tmp_path, command):
    extra = ["--cycle-month", "2027-04", "--horizon", "6"] if command == "templates" else []
    first = CliRunner().invoke(main, [command, str(tmp_path), *extra])
    assert first.exit_code == 0, first.output
    (tmp_path / "demand.xlsx").write_bytes(b"Sales' filled template")
    before = (tmp_path / "capacity.xlsx").read_bytes()
    again = CliRunner().invoke(main, [command, str(tmp_path), *extra])
    assert again.exit_code == 1
    assert f"Error: {tmp_path / 'demand.xlsx'}: exists already; choose another name or pass --force" in again.output
    assert (tmp_path / "demand.xlsx").read_bytes() == b"Sales' filled template"
    assert (tmp_path / "capacity.xlsx").read_bytes() == before
    forced = CliRunner().invoke(main, [command, str(tmp_path), *extra, "--force"])
    assert forced.exit_code == 0, forced.output
    assert openpyxl.load_workbook(tmp_path / "demand.xlsx").sheetnames[0] == "Instructions"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["capacity.xlsx", "demand.xlsx"]


@pytest.mark.parametrize(
    "text, printed",
    [
        ("plain text, accents é and emoji 🙂", "plain text, accents é and emoji 🙂"),
        ("\x1b]0;title\x07", "\\x1b]0;title\\x07"),
        ("\x1b[2J", "\\x1b[2J"),
        ("one\ntwo\rthree\tfour", "one\\x0atwo\\x0dthree\\x09four"),
        ("\x7f\x85\x9b", "\\x7f\\x85\\x9b"),
        ("\u202eevil\u2066\u2028", "\\u202eevil\\u2066\\u2028"),
        ("caf\udce9.xlsx", "caf\\xe9.xlsx"),
    ],
    ids=["plain", "osc-title", "csi-clear", "line-breaks", "del-and-c1", "bidi-and-separator", "latin-1-file-name"],
)
def test_shown_makes_every_character_a_terminal_would_act_on_visible(text, printed):
    assert shown(text) == printed


def test_every_line_the_command_prints_goes_through_one_function():
    # `_echo` shows control characters; a direct click.echo elsewhere would print text from a file raw.
    source = (Path(__file__).resolve().parent.parent / "sop_workbook" / "cli.py").read_text()
    assert source.count("click.echo(") == 1 and "print(" not in source


def test_the_public_names_are_the_functions_even_when_their_module_was_imported_first():
    # `sop_workbook.promise` is the function, although importing the module sop_workbook.promise sets the
    # package's attribute of that name to the module: the package's own imports come after.
    import subprocess
    import sys

    probe = (
        "import sop_workbook.promise, sop_workbook.reconcile, types, sop_workbook as sop\n"
        "print([n for n in sop.__all__ if isinstance(getattr(sop, n), types.ModuleType) or not hasattr(sop, n)])"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


# --- Issue 24: one side alone, folders of team files -----------------------------------------------------------


@pytest.fixture(scope="module")
def teams(tmp_path_factory):
    folder = tmp_path_factory.mktemp("teams")
    assert CliRunner().invoke(main, ["sample", str(folder), "--teams"]).exit_code == 0
    return folder


def test_validate_one_side_alone_finds_no_errors_and_annotates_its_files(teams, tmp_path):
    # Sales checks its folder without Operations' files: no error about what it cannot know.
    result = CliRunner().invoke(main, ["validate", str(teams / "demand"), "--annotate", str(tmp_path / "checked")])
    assert result.exit_code == 0, result.output
    assert "No problems found." in result.output
    assert sorted(p.name for p in (tmp_path / "checked").iterdir()) == ["europe-findings.xlsx", "uk-findings.xlsx"]


def test_validate_a_blank_capacity_template_alone_reports_only_its_own_sheets(tmp_path):
    CliRunner().invoke(main, ["templates", str(tmp_path)])
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "capacity.xlsx")])
    assert result.exit_code == 1
    # The blank file's own gaps (no company, no resources...), never a demand sheet.
    assert "capacity.xlsx" in result.output and "demand.xlsx" not in result.output
    assert "— Products" not in result.output


def test_validate_a_folder_with_a_pack_in_it_names_the_pack(teams, tmp_path):
    folder = tmp_path / "sales"
    folder.mkdir()
    for name in ("uk.xlsx", "europe.xlsx"):
        (folder / name).write_bytes((teams / "demand" / name).read_bytes())
    result = CliRunner().invoke(
        main, ["reconcile", str(folder), str(teams / "capacity"), "-o", str(folder / "pack.xlsx")]
    )
    assert result.exit_code == 0, result.output
    again = CliRunner().invoke(main, ["validate", str(folder), str(teams / "capacity")])
    assert again.exit_code == 1
    assert "pack.xlsx is a meeting pack (sop reconcile), not a demand template; move it out of a folder of demand" in (
        again.output
    )


def test_validate_refuses_three_paths(teams):
    result = CliRunner().invoke(main, ["validate", str(teams / "demand"), str(teams / "capacity"), str(teams)])
    assert result.exit_code == 2 and "give one or two files or folders" in result.output


def test_reconcile_and_promise_take_folders(teams):
    result = CliRunner().invoke(
        main,
        [
            "promise",
            str(teams / "demand"),
            str(teams / "capacity"),
            "--sku",
            "KT-ECO-17",
            "--quantity",
            "100",
            "--date",
            "2027-03-15",
            "--customer",
            "Kitchen and Co",
        ],
    )
    # An unknown customer is an error with the closest names.
    assert result.exit_code == 1
    assert "customer 'Kitchen and Co' is not on the demand template's Customers sheet (closest: 'Kitchen & Co'" in (
        result.output
    )
