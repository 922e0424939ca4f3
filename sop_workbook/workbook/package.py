"""The pack's zip file, its parts compressed quickly and on two threads.

xlsxwriter writes every part of the workbook (each sheet's XML, the styles, the drawings) to a temporary file,
then puts them one by one into a `zipfile.ZipFile`, which deflates each as it goes: 0.3 s of a 500-SKU pack's
close and about 3.5 s of a 5,000-SKU one, on one core while the other waits. Here each part is deflated by a
worker thread as soon as xlsxwriter hands it over (zlib and file reads release the GIL), and the parts are written
to the zip in xlsxwriter's order as they are ready. The deflate stream, CRC, sizes and headers are those
`ZipFile.write` would make, so the file is byte for byte zipfile's at the same level (a test compares them).

The level is `LEVEL`, zlib's fastest, not zipfile's default (6): the 500-SKU pack's 18.2 MB of XML took 0.38 CPU-s
to deflate at 6 and 0.12 at 1, for a file of 2.97 MB instead of 2.38. The meeting waits for the pack; nobody
waits for the extra 0.6 MB.
"""

from __future__ import annotations

import os
import zlib
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from zipfile import ZIP64_LIMIT, ZIP_DEFLATED, LargeZipFile, ZipFile, ZipInfo

import xlsxwriter.workbook

# Threads that deflate parts: the machine's two cores (more would only queue).
THREADS = 2
# The deflate level of every part (see above).
LEVEL = 1
_CHUNK = 1 << 20


def _deflate(source, level: int) -> tuple[int, int, list[bytes]]:
    """Deflate an open file as `ZipFile.write` would (raw deflate at `level`): its CRC-32, size and the
    compressed bytes. Closes the file."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    crc, size, parts = 0, 0, []
    with source:
        while chunk := source.read(_CHUNK):
            crc = zlib.crc32(chunk, crc)
            size += len(chunk)
            parts.append(compressor.compress(chunk))
    parts.append(compressor.flush())
    return crc, size, parts


class ThreadedZipFile(ZipFile):
    """A `ZipFile` for writing whose `write(filename, arcname)` deflates the file on a worker thread.

    The caller may remove the file as soon as `write` returns (xlsxwriter does): it is opened first, and an open
    file stays readable after it is unlinked (POSIX). Parts go into the zip in the order they were given; `close`
    waits for the last. Only plain deflated writes take this path; anything else is ZipFile's own, in order.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._threads = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="sop-deflate")
        self._queued: deque[tuple[ZipInfo, Future]] = deque()

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        if (
            self.mode != "w"
            or compress_type not in (None, ZIP_DEFLATED)
            or self.compression != ZIP_DEFLATED
            or os.path.isdir(filename)
        ):
            self._drain()
            return super().write(filename, arcname, compress_type, compresslevel)
        zinfo = ZipInfo.from_file(filename, arcname, strict_timestamps=self._strict_timestamps)
        zinfo.compress_type = ZIP_DEFLATED
        zinfo._compresslevel = compresslevel if compresslevel is not None else self.compresslevel
        level = zlib.Z_DEFAULT_COMPRESSION if zinfo._compresslevel is None else zinfo._compresslevel
        source = open(filename, "rb")  # noqa: SIM115 - the worker closes it
        self._queued.append((zinfo, self._threads.submit(_deflate, source, level)))
        while self._queued and self._queued[0][1].done():
            self._put(*self._queued.popleft())

    def _drain(self) -> None:
        while self._queued:
            self._put(*self._queued.popleft())

    def _put(self, zinfo: ZipInfo, deflated: Future) -> None:
        """Write one deflated part as `ZipFile.write` does: its local header (with the final CRC and sizes, as
        ZipFile rewrites it once the data is out), then the data, then it is listed for the central directory."""
        crc, size, parts = deflated.result()
        zinfo.flag_bits = 0
        if not zinfo.external_attr:
            zinfo.external_attr = 0o600 << 16
        zip64 = zinfo.file_size * 1.05 > ZIP64_LIMIT
        if zip64 and not self._allowZip64:
            raise LargeZipFile("Filesize would require ZIP64 extensions")
        zinfo.file_size, zinfo.CRC = size, crc
        zinfo.compress_size = sum(len(part) for part in parts)
        if not zip64 and (size > ZIP64_LIMIT or zinfo.compress_size > ZIP64_LIMIT):
            raise RuntimeError("File size too large, try using force_zip64")
        self.fp.seek(self.start_dir)
        zinfo.header_offset = self.fp.tell()
        self._writecheck(zinfo)
        self._didModify = True
        self.fp.write(zinfo.FileHeader(zip64))
        for part in parts:
            self.fp.write(part)
        self.start_dir = self.fp.tell()
        self.filelist.append(zinfo)
        self.NameToInfo[zinfo.filename] = zinfo

    def close(self):
        try:
            if self.fp is not None:
                self._drain()
        finally:
            # After an error, parts still queued are deflated and dropped: each worker closes its file.
            self._threads.shutdown(wait=True)
            self._queued.clear()
            super().close()

    def abandon(self) -> None:
        """After a failure that skipped `close` (xlsxwriter does not close its zip when a write fails): stop the
        threads and close the file as it is, writing nothing more to it."""
        self._threads.shutdown(wait=True)
        self._queued.clear()
        if self.fp is not None:
            fp, self.fp = self.fp, None
            self._fpclose(fp)


@contextmanager
def threaded_zip():
    """While the body runs, xlsxwriter's workbooks are zipped at `LEVEL` by `ThreadedZipFile` (on POSIX, where a
    part may be read after xlsxwriter removes it; elsewhere by zipfile's own, at the same level, so the bytes are
    the same). xlsxwriter makes its ZipFile by the name in its workbook module, which is swapped for the body,
    unless something other than zipfile's own stands there already (a test's stand-in is left in place)."""
    if xlsxwriter.workbook.ZipFile is not ZipFile:
        yield
        return
    made: list[ZipFile] = []
    kind = ThreadedZipFile if os.name == "posix" else ZipFile

    def make(*args, **kwargs) -> ZipFile:
        made.append(kind(*args, **{"compresslevel": LEVEL, **kwargs}))
        return made[-1]

    xlsxwriter.workbook.ZipFile = make
    try:
        yield
    finally:
        xlsxwriter.workbook.ZipFile = ZipFile
        for archive in made:
            if isinstance(archive, ThreadedZipFile):
                archive.abandon()
