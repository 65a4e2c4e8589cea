"""Read one reference file of any supported format into a :class:`ParsedFile`."""

from __future__ import annotations

import importlib
from dataclasses import replace
from pathlib import Path

from screener.core.errors import FileFormatError
from screener.core.progress import Progress, checkpoint
from screener.core.records import ParsedFile

#: format name -> module under screener.io that parses it
FORMATS: dict[str, str] = {
    "ris": "ris",
    "bibtex": "bibtex",
    "csv": "tabular",
    "tsv": "tabular",
    "xlsx": "tabular",
    "medline": "medline",
    "pubmed_xml": "pubmed_xml",
    "endnote_xml": "endnote_xml",
    "enw": "enw",
    "wos": "wos",
}

_ALIASES = {"bib": "bibtex", "nbib": "medline", "pubmed": "medline", "excel": "xlsx", "isi": "wos",
            "ciw": "wos", "endnote": "endnote_xml", "xml": "pubmed_xml", "txt": "medline"}

#: Largest file we read at all; a bigger one is almost surely not a reference export.
MAX_BYTES = 2 * 1024**3


def canonical_format(name: str) -> str:
    key = (name or "").strip().lower().replace("-", "_")
    key = _ALIASES.get(key, key)
    if key not in FORMATS:
        raise FileFormatError("--format", f"unknown format {name!r}; choose from {', '.join(FORMATS)}")
    return key


def read_file(path: str | Path, format: str | None = None, encoding: str | None = None,
              progress: Progress | None = None) -> ParsedFile:
    """Read ``path``; the format is detected from its content unless ``format`` is given."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise FileFormatError(str(p), f"file is too large ({size} bytes) for a reference export")
        return read_bytes(p.read_bytes(), str(p), format=format, encoding=encoding, progress=progress)
    except FileNotFoundError:
        raise FileFormatError(str(p), "no such file") from None
    except IsADirectoryError:
        raise FileFormatError(str(p), "is a folder, not a file") from None
    except PermissionError:
        raise FileFormatError(str(p), "permission denied") from None


def read_bytes(data: bytes, path: str, format: str | None = None, encoding: str | None = None,
               progress: Progress | None = None) -> ParsedFile:
    """Parse ``data`` as read from ``path`` (the path names it in messages and hints the format)."""
    import hashlib

    from screener.io.detect import detect_format
    from screener.io.text import decode_bytes

    if not data or data.isspace():
        raise FileFormatError(path, "the file is empty")
    digest = hashlib.sha256(data).hexdigest()
    fmt = canonical_format(format) if format else detect_format(data, path, encoding)
    module = importlib.import_module(f"screener.io.{FORMATS[fmt]}")
    checkpoint(progress, 0, 0, f"reading {Path(path).name} as {fmt}")
    if fmt == "xlsx":
        parsed = module.parse_bytes(data, path)
        enc = "xlsx"
    else:
        text, enc = decode_bytes(data, path, encoding)
        del data  # the text is all the parser needs; a large export is hundreds of MB twice over
        parsed = module.parse(text, path, fmt) if FORMATS[fmt] == "tabular" else module.parse(text, path)
    checkpoint(progress)
    return replace(parsed, path=path, format=fmt, encoding=enc, sha256=digest)
