"""Refuse a hostile or broken .xlsx before openpyxl unpacks it.

An .xlsx is a zip archive; a small one can claim gigabytes of XML (a "zip bomb") and openpyxl
would inflate it all. We read only the zip's central directory (sizes as the archive states
them) and refuse archives that are too big, too many, or compressed far beyond what a real
spreadsheet ever is. Python's zipfile stops inflating a member at its stated size and checks
its CRC, so a member cannot quietly grow past what was checked here. openpyxl itself parses
the XML inside through defusedxml when that is installed, as it is for screener.
"""

from __future__ import annotations

import io
import zipfile

from screener.core.errors import FileFormatError

#: Total uncompressed size of all members.
MAX_TOTAL_BYTES = 500 * 1024**2
#: A real workbook has a few dozen parts; thousands are an attack or not a workbook.
MAX_MEMBERS = 10_000
#: Worksheet XML compresses about 5-20x; beyond this, on a member big enough to matter, refuse.
MAX_RATIO = 100
#: Members smaller than this are never a threat, whatever their ratio.
RATIO_MIN_BYTES = 10 * 1024**2


def check_xlsx(data: bytes, path: str) -> None:
    """Raise :class:`FileFormatError` unless ``data`` is a plausible, safe-to-open workbook."""
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):  # NotImplemented: a
        # damaged header can claim a zip version or a compression that does not exist (found by fuzzing)
        raise FileFormatError(path, "not a valid .xlsx workbook (the zip archive is damaged)") from None
    if len(infos) > MAX_MEMBERS:
        raise FileFormatError(path, f"refused: the workbook has {len(infos)} parts (more than {MAX_MEMBERS})")
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        raise FileFormatError(path, "not an Excel workbook: the archive has no xl/workbook.xml")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size >= RATIO_MIN_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            raise FileFormatError(
                path,
                f"refused: {info.filename} would inflate {ratio}x to {info.file_size // 1024**2} MB "
                f"(a zip bomb?); real workbooks compress far less",
            )
    if total > MAX_TOTAL_BYTES:
        limit = MAX_TOTAL_BYTES // 1024**2
        raise FileFormatError(path, f"refused: the workbook would unpack to {total // 1024**2} MB (limit {limit} MB)")
