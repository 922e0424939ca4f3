"""Files the tool writes: checked targets, written through a temporary file and renamed into place atomically."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from xlsxwriter.exceptions import XlsxWriterException

from .errors import OutputError


def check_target(path: str | os.PathLike, *, force: bool) -> Path:
    """Check that a file can be written at `path`: its folder exists and is writable; it is new or `force`.

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
    if target.is_dir():
        raise OutputError(str(target), "is a folder; give a file name such as pack.xlsx")
    if not folder.is_dir():
        raise OutputError(str(target), f"the folder {folder} does not exist; create it first")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(str(target), f"the folder {folder} is read-only; choose a folder you can write to")
    if target.exists() and not force:
        raise OutputError(str(target), "exists already; choose another name or pass --force to overwrite it")
    return target


def atomic_write(path: Path, write: Callable[[str], None]) -> Path:
    """Write a file through a temporary file in the same folder, then rename it over the target.

    The temporary file is flushed to disk before the rename, so the target is either the old file or the
    whole new one, never a part. On any failure the temporary file is removed and the target is untouched.

    Args:
        path: The target file (its folder checked by `check_target`).
        write: Called with the temporary file's name; writes the whole content there.

    Returns:
        The target path.

    Raises:
        OutputError: when the file cannot be written (disk full, permissions).
    """
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        write(temporary)
        with open(temporary, "rb+") as written:
            os.fsync(written.fileno())
        # The mode of mkstemp (0600) is too strict for a file meant to be shared: use the umask's default.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException as error:
        try:
            os.remove(temporary)
        except FileNotFoundError:
            pass
        if isinstance(error, (OSError, XlsxWriterException)):
            raise OutputError(str(path), f"cannot be written: {_reason(error)}") from error
        raise
    _sync_folder(path.parent)
    return path


def _reason(error: BaseException) -> str:
    """The words of the operating system's error behind a failed write ("No space left on device")."""
    # xlsxwriter wraps the OSError of a failed save in its FileCreateError.
    for candidate in (error, *getattr(error, "args", ()), error.__cause__, error.__context__):
        if isinstance(candidate, OSError) and candidate.strerror:
            return candidate.strerror
    return str(error)


def _sync_folder(folder: Path) -> None:
    # The rename is durable only once the folder's entry is on disk; not every platform allows this.
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


def write_plan_data_file(frame: pd.DataFrame, target: Path) -> Path:
    """Write the whole Plan Data table as CSV or Parquet (by the suffix), atomically.

    Args:
        frame: The Plan Data table.
        target: The checked target file.

    Returns:
        The path written.
    """
    if target.suffix.lower() == ".csv":
        return atomic_write(target, lambda name: frame.to_csv(name, index=False, date_format="%Y-%m-%d"))
    return atomic_write(target, lambda name: frame.to_parquet(name, index=False))
