"""Files the tool writes: nothing the user owns is replaced or lost, and text stays text.

- A target is checked before the work starts (`check_target`, `check_distinct`): its folder exists and is
  writable, its name fits the file system, it is new (or `force`), and it is neither an input nor another output.
- Files are written into a private staging folder beside their target (`.sop-<pid>-<random>`, created
  exclusively, mode 0700, so no other user can plant a file or a link there), flushed to disk, and only then put
  in place, all of a set together (`write_together`): the meeting pack with its Plan Data file, the two
  templates. Without `force` a file is put in place by a hard link, which fails when a file appeared at the
  target meanwhile (another run), so it is never replaced; with `force` it replaces the target by a rename. When
  one file of a set cannot be put in place, those already placed are taken back.
- Scratch files (xlsxwriter's row data, a large sheet's child process) go into one folder per run under the
  system's temporary folder (`working_folder`, `sop-<pid>-<random>`).
- Every working folder is locked (flock) while its run lives, and the processes it forks share the lock. A run
  killed outright (SIGKILL) cannot remove its folders: the next run that writes into the same place removes those
  whose lock is free and whose process is gone.
- Text from the templates stays text: `xlsx_text` for every text written into a cell with openpyxl, and
  `write_plan_data`, which keeps a spreadsheet program from running a CSV field as a formula.
"""

from __future__ import annotations

import contextlib
import contextvars
import errno
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import pandas as pd
from xlsxwriter.exceptions import XlsxWriterException

from .errors import OutputError

try:  # flock is POSIX; elsewhere folders are still removed by their run, only stale ones are not recognised
    import fcntl
except ImportError:  # pragma: no cover - not Linux
    fcntl = None

STAGING_PREFIX = ".sop-"
WORKING_PREFIX = "sop-"
# The name of a working folder: the prefix, the process id, the random part of mkdtemp.
_FOLDER_NAME = re.compile(r"\.?sop-(\d+)-[A-Za-z0-9_]+")
# A text field starting with one of these is a formula to Excel or LibreOffice opening a CSV (OWASP, "CSV
# injection"): a leading apostrophe makes it text there.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The longest file name most file systems take, in bytes (NAME_MAX); asked of the folder where it can be.
NAME_MAX = 255
# When hard links are not supported (FAT, some network shares), a file is put in place by a rename after a check.
_NO_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK}

_working: contextvars.ContextVar[Path | None] = contextvars.ContextVar("sop_working_folder", default=None)


def check_target(path: str | os.PathLike, *, force: bool) -> Path:
    """Check that a file can be written at `path`: its folder exists and is writable, its name fits, it is new
    or `force`.

    Args:
        path: The file to write.
        force: Allow replacing an existing file.

    Returns:
        The path, as a Path.

    Raises:
        OutputError: naming the path and what to do.
    """
    target = Path(path)
    folder = target.parent
    try:
        if not folder.is_dir():
            raise OutputError(str(target), f"the folder {folder} does not exist; create it first")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise OutputError(str(target), f"the folder {folder} is read-only; choose a folder you can write to")
        longest = _name_max(folder)
        if len(os.fsencode(target.name)) > longest:
            raise OutputError(
                str(target),
                f"the file name is longer than the {longest} bytes the file system takes; choose a shorter one",
            )
        if target.is_dir():
            raise OutputError(str(target), "is a folder; give a file name such as pack.xlsx")
        if os.path.lexists(target) and not force:
            raise OutputError(str(target), "exists already; choose another name or pass --force to overwrite it")
    except OSError as error:  # the path itself cannot be looked at (a link loop, a folder on the way not searchable)
        raise OutputError(str(target), f"cannot be written: {_reason(error)}") from error
    return target


def _name_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        return NAME_MAX


def check_distinct(outputs: Mapping[str, str | os.PathLike], inputs: Mapping[str, str | os.PathLike]) -> None:
    """Refuse an output that is, or links to, an input or another output.

    Writing the meeting pack over the demand template, last month's pack or the Plan Data file would replace
    it, with --force even on purpose; a symbolic or hard link to one of them is the same file.

    Args:
        outputs: What each output is ("the meeting pack") → its path; None paths are skipped.
        inputs: What each input is ("the demand template") → its path; None paths are skipped.

    Raises:
        OutputError: naming the output, what it would replace and what to do.
    """
    given = [(what, Path(path)) for what, path in outputs.items() if path is not None]
    read = [(what, Path(path)) for what, path in inputs.items() if path is not None]
    for index, (what, path) in enumerate(given):
        for other, other_path in read + given[:index]:
            if _same_file(path, other_path):
                raise OutputError(
                    str(path), f"is {other} ({other_path}); choose another name for {what} so that it is not replaced"
                )


def _same_file(one: Path, other: Path) -> bool:
    """Whether two paths name one file: the same file on disk (links followed), or the same path once resolved."""
    try:
        if os.path.samefile(one, other):
            return True
    except OSError:  # one of them does not exist yet
        pass
    return one.resolve() == other.resolve()


@contextlib.contextmanager
def working_folder() -> Iterator[Path]:
    """This run's folder for scratch files, under the system's temporary folder, removed when the run ends.

    Named `sop-<pid>-<random>`; stale ones of killed runs are removed first. Nested uses (inside `reconcile`,
    `write_pack` asks again) give the same folder, removed by the outermost. Give it to xlsxwriter as its
    `tmpdir` option.

    Yields:
        The folder.

    Raises:
        OutputError: when the temporary folder cannot be written.
    """
    current = _working.get()
    if current is not None and current.is_dir():
        yield current
        return
    parent = Path(tempfile.gettempdir())
    try:
        folder, lock = _new_folder(parent, WORKING_PREFIX)
    except OSError as error:
        raise OutputError(str(parent), f"cannot be written: {_reason(error)}") from error
    token = _working.set(folder)
    try:
        yield folder
    finally:
        _working.reset(token)
        _remove_folder(folder, lock)


def active_working_folder() -> str | None:
    """The folder of the `working_folder` in use here, or None outside one (xlsxwriter then uses TMPDIR)."""
    current = _working.get()
    return str(current) if current is not None else None


def _new_folder(parent: Path, prefix: str) -> tuple[Path, int | None]:
    """A new folder `<prefix><pid>-<random>` in `parent` (after removing stale ones) and the descriptor holding
    its lock: an exclusive flock on the folder itself, held in this process and every process forked meanwhile
    until the descriptor is closed."""
    remove_stale(parent)
    folder = Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=parent))
    if fcntl is None:
        return folder, None
    descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # a file system without locks: the folder is still ours, only not recognisable as in use
        pass
    return folder, descriptor


def _remove_folder(folder: Path, lock: int | None) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    if lock is not None:
        os.close(lock)


def remove_stale(parent: Path) -> list[Path]:
    """Remove the working folders in `parent` left by runs that were killed (SIGKILL, a power cut).

    A folder is stale when its name is one this module gives, it belongs to this user, no process holds its lock
    and the process that made it is gone. Errors are ignored: a folder that cannot be removed stays.

    Args:
        parent: The folder to look in (an output's folder, or the temporary folder).

    Returns:
        The folders removed.
    """
    removed = []
    if fcntl is None:
        return removed
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return removed
    for entry in entries:
        match = _FOLDER_NAME.fullmatch(entry.name)
        if match is None or _process_alive(int(match.group(1))):
            continue
        try:
            if not entry.is_dir(follow_symlinks=False) or entry.stat(follow_symlinks=False).st_uid != os.geteuid():
                continue
            descriptor = os.open(entry.path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | os.O_NOFOLLOW)
        except OSError:
            continue
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # in use: a child process of the killed run is still writing there
            os.close(descriptor)
            continue
        try:
            shutil.rmtree(entry.path, ignore_errors=True)
        finally:
            os.close(descriptor)
        removed.append(Path(entry.path))
    return removed


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # another user's process, or a number no process can have: leave it
    return True


def write_together(files: Sequence[tuple[str | os.PathLike, Callable[[str], None]]], *, force: bool) -> list[Path]:
    """Write files and put them in place together: all of them, or none.

    Each file is written by its function into a new file in a private staging folder beside its target and
    flushed to disk. Only when every file is complete are they put in place, in order. Without `force` a target
    that exists by then (another run wrote it meanwhile) is never replaced: this fails instead. If putting one in
    place fails, the files already placed are taken back (the previous file restored, or the new one removed).

    Args:
        files: (target, write) pairs; `write(name)` writes the whole content to the file `name`.
        force: Replace existing targets.

    Returns:
        The targets, as Paths.

    Raises:
        OutputError: when a file cannot be written (disk full, permissions) or a target appeared meanwhile;
            every target is then as it was.
    """
    staged: list[tuple[Path, Path]] = []
    with contextlib.ExitStack() as stack:
        staging: dict[Path, Path] = {}
        for target, write in files:
            target = Path(target)
            folder = target.parent.absolute()
            if folder not in staging:
                try:
                    staging[folder], lock = _new_folder(folder, STAGING_PREFIX)
                except OSError as error:
                    raise OutputError(str(target), f"cannot be written: {_reason(error)}") from error
                stack.callback(_remove_folder, staging[folder], lock)
            temporary = staging[folder] / f"{len(staged)}{target.suffix[:16]}"
            _write_file(temporary, target, write)
            staged.append((temporary, target))
        _put_in_place(staged, force=force)
        for folder in staging:
            _sync_folder(folder)
    return [target for _, target in staged]


def _write_file(temporary: Path, target: Path, write: Callable[[str], None]) -> None:
    """Write one file in the staging folder: created exclusively, written, flushed, given the usual mode."""
    try:
        os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600))
        write(str(temporary))
        with open(temporary, "rb+") as written:
            os.fsync(written.fileno())
        # The staging folder's mode keeps the file private while it is written; in place it gets the umask's.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
    except (OSError, XlsxWriterException) as error:
        raise OutputError(str(target), f"cannot be written: {_reason(error)}") from error


def _put_in_place(staged: list[tuple[Path, Path]], *, force: bool) -> None:
    """Put each written file at its target; on any failure take back the ones already placed."""
    placed: list[tuple[Path, Path | None, int]] = []
    try:
        for temporary, target in staged:
            backup = None
            if force and os.path.lexists(target):
                backup = temporary.with_name(temporary.name + ".previous")
                _keep_previous(target, backup)
                os.replace(temporary, target)
            else:
                _link_new(temporary, target)
            placed.append((target, backup, os.lstat(target).st_ino))
    except BaseException as error:
        for done, backup, inode in reversed(placed):
            _take_back(done, backup, inode)
        if isinstance(error, OSError):
            raise OutputError(str(target), f"cannot be written: {_reason(error)}") from error
        raise


def _link_new(temporary: Path, target: Path) -> None:
    """Give the written file the target's name, failing if a file of that name exists (even one that appeared
    after the checks): a hard link is created only where no name is."""
    try:
        os.link(temporary, target, follow_symlinks=False)
        return
    except FileExistsError:
        raise OutputError(
            str(target),
            "exists already (it appeared while this run was working: another run?); choose another name or pass "
            "--force to overwrite it",
        ) from None
    except OSError as error:
        if error.errno not in _NO_LINKS:
            raise
    # No hard links here: check, then rename; another run could still slip in between the two.
    if os.path.lexists(target):
        raise OutputError(str(target), "exists already; choose another name or pass --force to overwrite it")
    os.rename(temporary, target)


def _keep_previous(target: Path, backup: Path) -> None:
    """Keep the file about to be replaced under a second name, so that it can be put back."""
    if stat.S_ISDIR(os.lstat(target).st_mode):  # a folder is never moved aside, let alone replaced
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(target))
    try:
        os.link(target, backup, follow_symlinks=False)
    except OSError as error:
        if error.errno not in _NO_LINKS:
            raise
        os.rename(target, backup)


def _take_back(target: Path, backup: Path | None, inode: int) -> None:
    """Undo one placed file: the previous file back, or the new one removed (only if it is still ours)."""
    try:
        if backup is not None:
            os.replace(backup, target)
        elif os.lstat(target).st_ino == inode:
            os.remove(target)
    except OSError:
        pass


def _reason(error: BaseException) -> str:
    """The words of the operating system's error behind a failed write ("No space left on device")."""
    # xlsxwriter wraps the OSError of a failed save in its FileCreateError.
    for candidate in (error, *getattr(error, "args", ()), error.__cause__, error.__context__):
        if isinstance(candidate, OSError) and candidate.strerror:
            return candidate.strerror
    return str(error)


def _sync_folder(folder: Path) -> None:
    # A rename is durable only once the folder's entry is on disk; not every platform allows this.
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def plan_data_target(path, *, force: bool) -> Path | None:
    """Check the --plan-data target: a .csv or .parquet file that may be written (see `check_target`)."""
    if path is None:
        return None
    target = check_target(path, force=force)
    if target.suffix.lower() not in (".csv", ".parquet"):
        raise OutputError(str(target), "Plan Data is written as .csv or .parquet; give a file name ending so")
    if target.suffix.lower() == ".parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise OutputError(
                str(target), "writing Parquet needs the pyarrow package (pip install pyarrow); or give a .csv file"
            ) from None
    return target


def write_plan_data(frame: pd.DataFrame, name: str, suffix: str) -> None:
    """Write the whole Plan Data table to the file `name`, as CSV or Parquet by `suffix`.

    In a CSV, a text field that a spreadsheet program would run as a formula (one starting with =, +, -, @, a
    tab or a carriage return: a SKU called "=HYPERLINK(...)") is written with a leading apostrophe, so that
    Excel and LibreOffice show it as text. Numbers and dates are written as they are. Parquet keeps every text
    exactly, since its columns have types.

    Args:
        frame: The Plan Data table.
        name: The file to write (a temporary file of `write_together`).
        suffix: ".csv" or ".parquet" (the target's).
    """
    if suffix.lower() == ".csv":
        csv_safe(frame).to_csv(name, index=False, date_format="%Y-%m-%d")
    else:
        frame.to_parquet(name, index=False)


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """The table with every text field that would be a formula in a spreadsheet program prefixed by "'".

    Args:
        frame: Any table.

    Returns:
        The same table (not a copy) when no text needs it; else a copy with those fields prefixed.
    """
    changed = {}
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_datetime64_any_dtype(values):
            continue
        # The distinct texts are few (SKUs, customers, measures) while the rows are millions: test those.
        risky = [text for text in values.unique() if isinstance(text, str) and text.startswith(FORMULA_STARTS)]
        if risky:
            changed[column] = values.replace({text: "'" + text for text in risky})
    return frame.assign(**changed) if changed else frame


# Characters an XML 1.0 document cannot hold (C0 controls but tab and line feed, and U+FFFE/U+FFFF), the carriage
# return (XML turns it into a line feed when read), and lone surrogates, which no UTF-8 file can hold.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff\ud800-\udfff]")
# Excel's escape of a character as "_xHHHH_"; a text that already contains one has its underscore escaped.
_ESCAPE_LIKE = re.compile("_(?=x[0-9A-Fa-f]{4}_)")


def xlsx_text(text: str) -> str:
    """A text as it must be given to openpyxl for the cell to hold exactly this text once read back.

    Characters XML cannot hold (ESC, the other control characters, a carriage return) are written in Excel's
    escape `_xHHHH_`, which Excel, LibreOffice and the reader turn back into the character; a text that already
    contains something looking like an escape has its underscore escaped (`_x005F_`), as Excel does. A text of
    whitespace only is escaped whole: openpyxl marks a text's spaces for keeping only when it has other characters,
    and readers drop the rest. Lone surrogates (from a file name that is not UTF-8) become U+FFFD.

    Args:
        text: Any text.

    Returns:
        The text to store.
    """
    if text and not text.strip():
        return "".join(f"_x{ord(character):04X}_" for character in text)
    text = _ESCAPE_LIKE.sub("_x005F_", text)
    return _NOT_IN_XML.sub(_xml_escape, text)


def _xml_escape(match: re.Match) -> str:
    code = ord(match.group())
    if 0xD800 <= code <= 0xDFFF:
        return "\ufffd"
    return f"_x{code:04X}_"
