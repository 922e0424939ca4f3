"""Generate docs/robustness.md from the case tables of tests/test_robustness.py (and bench/hostile.json if present).

The tables the tests run are the tables the doc shows, so the doc cannot claim a case nobody tests.

    python tools/robustness_doc.py           # rewrite docs/robustness.md
    python tools/robustness_doc.py --check   # exit 1 when docs/robustness.md is not what would be written
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "robustness.md"
BENCH = ROOT / "bench" / "hostile.json"
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import test_robustness as cases  # noqa: E402

from sop_workbook import reader  # noqa: E402


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    return f"`{text}`" if "`" not in text else f"``{text}``"


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
    return lines + [""]


def _hostile_rows() -> list[list[str]]:
    rows = []
    for case in cases.HOSTILE_FILES:
        if case.response:
            where = f"{case.name}, sheet {case.sheet}" if case.sheet else case.name
            response = f"one error ({where}): “…{case.response}…”"
        else:
            response = "read without errors" + (
                f"; {case.warnings} warnings, one per extra sheet ('ignored')" if case.warnings else ""
            )
        rows.append([case.given, response, f"< {case.seconds:g} s, < {case.megabytes} MB", case.id])
    return rows


def _bench_lines() -> list[str]:
    if not BENCH.exists():
        return ["No measurements recorded yet: run `python bench/hostile.py --write`.", ""]
    data = json.loads(BENCH.read_text())
    lines = [
        f"Measured by `python bench/hostile.py` on {data['machine']}, a machine shared with other work, so "
        f"the seconds are rough. Each case runs in a fresh process: the seconds include about "
        f"{data.get('startup_s', 0.5):.1f} s of start-up and the peak RSS about {data['baseline_mb']:.0f} MB of "
        f"Python and libraries.",
        "",
    ]
    rows = [[row["case"], row["outcome"], f"{row['seconds']:.2f}", f"{row['peak_mb']:.0f}"] for row in data["rows"]]
    return lines + _table(["Case", "Outcome", "Seconds", "Peak RSS (MB)"], rows)


def _kept_lines() -> list[str]:
    rows = [
        [
            case.given,
            str(case.exit_code),
            "writes its own files; the linked file is untouched" if not case.exit_code else f"“…{case.response}…”",
            case.id,
        ]
        for case in cases.KEPT
    ]
    return [
        "### Nothing the user owns is replaced",
        "",
        "Each command runs in a folder holding filled templates, last month's pack and someone's file; the test "
        "compares every file (and link) before and after. An output that is, or links to, an input, last month's "
        "pack or the other output is refused before any work, `--force` or not.",
        "",
        *_table(["Command", "Exit", "Message", "Test id"], rows),
        "Also tested: a Plan Data CSV that fills the disk half way leaves last month's pack in place and no "
        "file behind (exit 1, “plan.csv: cannot be written: No space left on device”); `sop templates` into a"
        " folder where the disk fills up half way through the second template leaves neither (exit 1, "
        "“capacity.xlsx: cannot be written: No space left on device”); into a read-only folder it is exit 1 "
        "(“is read-only”, or “the folder cannot be created (Permission denied)”); two `sop reconcile` runs "
        "started together to one new name: one writes it, the other exits 1 with “exists already” (the final "
        "step never replaces a file that appeared meanwhile: `tests/test_output.py`); a demand template named"
        " in Latin-1 (`d\\xe9mand.xlsx`) is read, planned and named so in the pack and the terminal; a pack "
        "name of 250 characters is written (staging names are short)."
        "",
    ]


def _stop_lines() -> list[str]:
    rows = []
    for case in cases.STOPS:
        if case.signal == "SIGKILL":
            left = (
                "its working folders (`sop-<pid>-…` under TMPDIR, `.sop-<pid>-…` beside the pack) stay until its "
                "last process ends; the next run removes them and writes the pack"
            )
        else:
            left = f"“{case.message}”; nothing in TMPDIR; the pack and the CSV both in place or neither; no process"
        rows.append([case.given, str(case.exit_code), f"< {case.seconds:g} s", left, case.id])
    return [
        "### Stopped or killed",
        "",
        "`sop` handles SIGTERM and SIGHUP as Ctrl-C: the clean-up runs (staging and working folders removed, child "
        "processes stopped), then it exits with 128 + the signal's number. Scratch files (xlsxwriter's row data, "
        "which at 5,000 SKUs is 50-130 MB, and a large sheet's child process) live in one folder per run under "
        "TMPDIR. Every working folder is locked (flock) while its run lives, and the processes it forks share the "
        "lock: a later run removes those whose lock is free and whose process is gone. Each case runs "
        "`sop reconcile --plan-data` on the sample company in a process of its own, with TMPDIR a folder of the "
        "test's; the bound is from the signal to the process's end.",
        "",
        *_table(["Signal", "Exit", "Bound", "Left behind", "Test id"], rows),
    ]


def _text_lines() -> list[str]:
    return [
        "## Text stays text in the terminal, the CSV and the annotated copies",
        "",
        "Everything `sop` prints goes through one function that shows what a terminal would act on as an escape. "
        "Each of these, in a SKU, customer or company name (written in the template as `_x001B_` escapes or line "
        "breaks), is printed as shown by `validate` (an unknown SKU), `reconcile` (the summary's company and top "
        "gaps), `promise` (the customers displaced) and in an error message:",
        "",
        *_table(
            ["Text", "Printed as"],
            [[given, _code(printed)] for given, _, printed in cases.TERMINAL_TEXTS],
        ),
        "In the `--plan-data` CSV a text field starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets "
        "a leading `'` (OWASP's advice against CSV injection), so that Excel and LibreOffice show it as text; "
        "numbers and dates are written as they are, and Parquet keeps every text exactly. The test opens the CSV "
        "in LibreOffice: no cell is a formula, every Value is a number.",
        "",
        *_table(
            ["Column", "Name", "CSV field"],
            [[column, _code(text), _code("'" + text)] for column, text in cases.CSV_FORMULAS.items()],
        ),
        "Cells written with openpyxl (filled templates, annotated copies) get every text as a string: a sheet "
        "called `=SUM(1)` in the Findings sheet, a value `#N/A` or `=1+1` in a template stay text; a character XML "
        "cannot hold (ESC, a carriage return) is written in Excel's escape `_x001B_`, and text that already looks "
        "like an escape has its underscore escaped (`_x005F_`). The reader and LibreOffice read each back as the "
        "exact text (hypothesis writes random text, `tests/test_output.py`).",
        "",
    ]


def render() -> str:
    """The whole of docs/robustness.md."""
    lines = [
        "# Robustness: nothing breaks it, nothing is lost",
        "",
        "<!-- Generated by tools/robustness_doc.py from the case tables of tests/test_robustness.py; do not edit. -->",
        "",
        "Every bad input below is a case in `tests/test_robustness.py`; the response is what the test asserts.",
        "A bad input never gives a traceback: the reader turns it into findings (file, sheet, cell, what is wrong "
        "and how to fix it), and the CLI into exit code 1 (2 for a usage error).",
        "",
        "## Limits checked before anything is parsed",
        "",
        "Every file the tool opens goes through them (`archive.guard`): both templates, last month's pack "
        "(`--previous`) and the templates copied by `validate --annotate`.",
        "",
        f"- Any part of the .xlsx unpacks to at most {reader.MAX_PART_BYTES // 2**20} MB and all parts together "
        f"to at most {reader.MAX_TOTAL_BYTES // 2**20} MB, read from the zip directory before any part is "
        f"inflated (zip bombs). A file on disk of more than {reader.MAX_TOTAL_BYTES // 2**20} MB is not read.",
        "- No XML part may carry a document type declaration (`<!DOCTYPE`, `<!ENTITY`): Excel never writes one, "
        "and refusing it stops entity expansion ('billion laughs') and external entities before any parser "
        "runs. (calamine, which reads the cells, also refuses unknown entities; openpyxl, used for annotated "
        "copies, parses through defusedxml.)",
        f"- A sheet whose cells would make calamine's dense grid larger than {reader.MAX_GRID_CELLS:,} cells "
        "(last row × last column) is refused with an error on that sheet; the bound comes from a fast scan of "
        "the sheet's XML, so one value in XFD1048576 costs milliseconds instead of ending the process. Empty "
        "formatted cells and rows do not count.",
        "- Only regular files are read: a pipe or a device would block or never end.",
        "",
        "## Hostile and broken files",
        "",
        "Each file is given as the demand template, with a clean capacity template, and read in a forked child "
        "with an address-space limit and an alarm, so that a reader that tried to allocate the grid or read "
        "forever would fail the test instead of the test run. The bound is what the test asserts: wall time and "
        "memory added by the read (peak RSS of the child above an idle fork).",
        "",
        *_table(["Input", "Response", "Bound", "Test id"], _hostile_rows()),
        "A file that cannot be read because of its permissions (chmod 000) is one error, “demand.xlsx cannot be "
        "read (Permission denied); close it in Excel or check its permissions”: the test reads it as the user "
        "'nobody' in a forked child, since root reads any file.",
        "",
        "## Last month's pack (`--previous`)",
        "",
        "Each file is given to `sop reconcile --previous` (with clean templates) in a forked child with an "
        "address-space limit and an alarm; the answer is exit 1 with the message below, before the templates are "
        "read, and no pack.",
        "",
        *_table(
            ["Input", "Response", "Bound", "Test id"],
            [
                [case.given, f"“…{case.response}…”", f"< {case.seconds:g} s, < {case.megabytes} MB", case.id]
                for case in cases.PREVIOUS_FILES
            ],
        ),
        "## Values out of bounds, codes spelled two ways, text with two readings",
        "",
        "Each value is typed into one cell of a clean pair of templates, then `sop reconcile` runs: exit 1, the "
        "finding on that cell, never a traceback. The bounds are in the README's template reference.",
        "",
        *_table(
            ["Typed", "Cell", "Finding"],
            [
                [case.given, f"{case.kind}.xlsx, {case.sheet}!{case.cell}", f"“…{case.response}…”"]
                for case in cases.BAD_VALUES
            ],
        ),
        "## Random values in every cell (fuzzing)",
        "",
        "Hypothesis writes 1 to 8 random values into random cells (headers and the Cycle sheet included, rows "
        "up to 210 and columns up to 40) of a valid pair of templates with openpyxl, then reads them. The "
        "reader must return (never raise), and every finding must name a sheet that exists in that file and a "
        "cell within the sheet's used range (plus one row or column), whose row is the finding's row. Kinds of "
        "values:",
        "",
        ", ".join(cases.FUZZ_VALUES) + ".",
        "",
        "## Nothing lost",
        "",
        "Every file the tool writes (the meeting pack and its `--plan-data` file, the templates of `sop templates` "
        "and `sop sample`, the copies of `sop validate --annotate`) is written into a staging folder beside its "
        "target, `.sop-<pid>-<random>`, created exclusively with mode 0700, and flushed to disk. Only when every "
        "file of the set is complete are they put in place together: without `--force` by a hard link, which "
        "fails when a file appeared at the target meanwhile, with `--force` by a rename; if one cannot be put in "
        "place, those already placed are taken back. A failure part way leaves the previous file byte for byte and "
        "nothing else:",
        "",
        *_table(["Failure", "Response"], [[case.given, case.response] for case in cases.MID_WRITE_FAILURES]),
        "Through the CLI a full disk is exit 1 with “pack.xlsx: cannot be written: No space left on device”, no "
        "traceback and nothing in the folder. A full `sop reconcile` (with `--plan-data`) and `sop validate "
        "--annotate` leave both input files with the same SHA-256 and modification time.",
        "",
        *_table(
            ["Output asked for", "Exit", "Message"],
            [[case.given, str(case.exit_code), f"“…{case.response}…”"] for case in cases.OUTPUT_TARGETS],
        ),
        *_kept_lines(),
        *_stop_lines(),
        "## Degenerate plans",
        "",
        "Each goes through the whole pipeline: `build_inputs` → `write_filled` → `sop reconcile` (CliRunner). "
        "A pack, or exit 1 with the finding; never a solver status code or a traceback.",
        "",
        *_table(
            ["Plan", "Response"],
            [
                [case.given, "a pack" if case.response == "a pack" else f"exit 1: “…{case.response}…”"]
                for case in cases.DEGENERATE_PLANS
            ],
        ),
        "## Formula and link injection",
        "",
        "Every planner text field (SKU, customer, family, description, unit, resource, site, material, supplier, "
        "subcontractor, order ref, notes, assumptions, risks, mitigation, owners, company, prepared by) holds "
        "one of these, numbered:",
        "",
        ", ".join(_code(text) for text in cases.INJECTIONS),
        "",
        "In the pack each stays a string cell (openpyxl `data_type` 's'), no formula contains one, no cell links "
        "to one, and no part of the file has an external relationship. The test also checks that each value "
        "is shown, as text, on the sheets below:",
        "",
        *_table(["Text", "Sheets checked"], [[kind, ", ".join(sheets)] for kind, sheets in cases.SHOWN_ON.items()]),
        "## Any text, exactly as typed",
        "",
        "Hypothesis writes 20 sets of random texts into every text column of a valid pair of templates (each "
        "stored as Excel stores what is typed: control characters and a typed `_xHHHH_` escaped), one "
        "assumption and one risk included, runs `sop reconcile`, and checks the pack: it opens in openpyxl; "
        "no sheet has a link; each text is on the Inputs sheet (assumptions and risks also on Assumptions & "
        "Risks) exactly as the reader read it, in a string cell without a link. LibreOffice then opens the "
        "20 packs in one run. The texts are made of:",
        "",
        ", ".join(
            _code(piece) if piece.isascii() and "Unicode" not in piece else piece for piece in cases.EXACT_TEXT_PIECES
        )
        + ".",
        "",
        "What the reader and the pack do to a text, which the test models:",
        "",
        *_table(["Typed", "Shown in the pack"], [list(row) for row in cases.TEXT_AS_READ]),
        "Every text reaches a cell through `sop_workbook/workbook/text.py`: a text that starts with `<r>` and "
        "ends with `</r>` (which xlsxwriter would store as raw rich-text XML) is written as rich text of a few "
        "runs in the cell's own font; a text longer than the 32,767 characters a cell holds is cut with a note "
        "that says so; `&` is doubled in page headers and footers.",
        "",
        *_text_lines(),
        "## Also covered",
        "",
        "- Text starting with `=` stays text through `templates.write_filled` and back through the reader "
        "(`test_injected_text_round_trips_through_the_templates_as_text`).",
        "- `sop validate --annotate` does not open a file the reader refused as a whole, so a zip bomb is never "
        "inflated by openpyxl (`test_validate_annotate_does_not_open_a_file_the_reader_refused`), nor a template "
        "with a sheet too large to parse, even one the reader ignores "
        "(`test_validate_annotate_opens_no_template_with_a_sheet_too_large_to_parse`).",
        "- Text longer than the 32,767 characters a cell holds is an error, not cut "
        "(`test_text_longer_than_a_cell_holds_is_an_error_not_cut` in tests/test_reader.py).",
        "",
        "## Measurements",
        "",
        *_bench_lines(),
    ]
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write docs/robustness.md, or with --check say whether it is up to date.

    Args:
        argv: The command-line arguments.

    Returns:
        The exit code: 0, or 1 when --check finds the doc out of date.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="Only check that the doc is up to date.")
    arguments = parser.parse_args(argv)
    text = render()
    if arguments.check:
        if not DOC.exists() or DOC.read_text() != text:
            print(f"{DOC} is out of date; run: python tools/robustness_doc.py")
            return 1
        return 0
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text)
    print(f"Wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
