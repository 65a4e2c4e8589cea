"""Read one reference file of any supported format into a :class:`ParsedFile`."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

from screener.core.errors import FileFormatError
from screener.core.progress import Progress, checkpoint
from screener.core.records import ParsedFile
from screener.io import parallel
from screener.io.parallel import converter, two_halves
from screener.io.pieces import combine

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


@dataclass
class OpenedFile:
    """A reference file read, hashed and decoded, whose records come piece by piece.

    :meth:`pieces` yields ``(piece, done)``: a :class:`ParsedFile` of the next records and
    errors, and how much of ``size`` has been read. A format that cannot be read in pieces, and
    a file that does not clearly look like its format, were parsed whole when the file was
    opened, so every error that refuses a whole file comes from :func:`open_file` itself.
    """

    path: str
    format: str
    encoding: str
    sha256: str
    size: int
    #: ``read(convert)``: the pieces, each passed through the function ``convert`` names.
    _read: Callable[[str | None], Iterator[tuple[Any, int]]] | None

    def pieces(self, convert: str | None = None) -> Iterator[tuple[Any, int]]:
        """The pieces, once. ``convert`` (``"module:function"``) names a function applied to
        each piece where it is parsed, in a helper process too (see :mod:`screener.io.parallel`)."""
        read, self._read = self._read, None  # the file's text goes with it
        if read is None:
            raise RuntimeError(f"the pieces of {self.path} were read already")
        return read(convert)


def whole_pieces(pieces: Iterable[tuple[ParsedFile, int]]) -> Callable[[str | None], Iterator[tuple[Any, int]]]:
    """The ``read`` of an :class:`OpenedFile` whose pieces are parsed already."""
    def read(convert: str | None) -> Iterator[tuple[Any, int]]:
        change = converter(convert)
        return ((change(piece), done) for piece, done in pieces)
    return read


def open_file(path: str | Path, format: str | None = None, encoding: str | None = None,
              progress: Progress | None = None) -> OpenedFile:
    """Open ``path`` for reading; the format is detected from its content unless ``format`` is given."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise FileFormatError(str(p), f"file is too large ({size} bytes) for a reference export")
        return open_bytes(p.read_bytes(), str(p), format=format, encoding=encoding, progress=progress)
    except FileNotFoundError:
        raise FileFormatError(str(p), "no such file") from None
    except IsADirectoryError:
        raise FileFormatError(str(p), "is a folder, not a file") from None
    except PermissionError:
        raise FileFormatError(str(p), "permission denied") from None


def open_bytes(data: bytes, path: str, format: str | None = None, encoding: str | None = None,
               progress: Progress | None = None) -> OpenedFile:
    """:func:`open_file` of ``data`` as read from ``path`` (the path names it in messages and hints the format)."""
    import hashlib

    from screener.io.detect import detect_format
    from screener.io.text import bytes_have_control, decode_bytes

    if not data or data.isspace():
        raise FileFormatError(path, "the file is empty")
    # hashlib lets other threads run while it hashes a large buffer: hash while decoding.
    sha = hashlib.sha256()
    hashing = threading.Thread(target=sha.update, args=(data,), name="screener-hash")
    hashing.start()
    text = None
    try:
        fmt = canonical_format(format) if format else detect_format(data, path, encoding)
        module = importlib.import_module(f"screener.io.{FORMATS[fmt]}")
        checkpoint(progress, 0, 0, f"reading {Path(path).name} as {fmt}")
        source: str | bytes | None = None  # what is read in pieces, for a format read that way
        if fmt == "xlsx":
            whole, enc, size = module.parse_bytes(data, path), "xlsx", 1
        elif not encoding and _streams_as_ascii(data, module):
            # Plain ASCII is valid UTF-8 as it is: it is decoded part by part as it is read.
            enc, size, source = "utf-8", len(data), data
        else:
            text, enc = decode_bytes(data, path, encoding)
            size = len(text)
            if hasattr(module, "parse_pieces") and module.streams(text):
                # A large UTF-8 file is kept as its bytes: a helper process is sent its part.
                source = data if enc == "utf-8" and len(data) >= parallel.PARALLEL_MIN else text
        # Bytes are checked for control characters once (while the hash thread runs) rather
        # than piece by piece as text, four times slower.
        no_control = source is data and not bytes_have_control(data)
    finally:
        hashing.join()
    digest = sha.hexdigest()
    if source is not None:
        read = partial(two_halves, module.__name__, source, path, module.PIECE_MARKER, no_control=no_control)
        return OpenedFile(path, fmt, enc, digest, size, lambda convert: read(convert=convert))
    if text is not None:
        whole = module.parse(text, path, fmt) if FORMATS[fmt] == "tabular" else module.parse(text, path)
        checkpoint(progress)
    return OpenedFile(path, fmt, enc, digest, size, whole_pieces([(whole, size)]))


def _streams_as_ascii(data: bytes, module) -> bool:
    """Whether ``data`` is a large ASCII file that ``module`` reads in pieces, which can then
    be read without decoding it whole first (a fifth of a second for 250 MB)."""
    from screener.io.text import looks_binary

    return (len(data) >= parallel.PARALLEL_MIN and hasattr(module, "parse_pieces") and data.isascii()
            and not looks_binary(data) and module.streams(data[:8192].decode("ascii")))


def read_file(path: str | Path, format: str | None = None, encoding: str | None = None,
              progress: Progress | None = None) -> ParsedFile:
    """Read ``path`` whole; the format is detected from its content unless ``format`` is given."""
    return _whole(open_file(path, format=format, encoding=encoding, progress=progress))


def read_bytes(data: bytes, path: str, format: str | None = None, encoding: str | None = None,
               progress: Progress | None = None) -> ParsedFile:
    """Parse ``data`` as read from ``path`` (the path names it in messages and hints the format)."""
    return _whole(open_bytes(data, path, format=format, encoding=encoding, progress=progress))


def _whole(opened: OpenedFile) -> ParsedFile:
    pieces = [piece for piece, _ in opened.pieces()]
    parsed = pieces[0] if len(pieces) == 1 else combine(opened.path, opened.format, pieces)
    return replace(parsed, path=opened.path, format=opened.format, encoding=opened.encoding, sha256=opened.sha256)
