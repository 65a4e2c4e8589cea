"""Turning file bytes into clean text: encoding sniffing and control-character cleaning."""

from __future__ import annotations

import codecs
import re

from screener.core.errors import FileFormatError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# C0 controls except tab, LF and CR, plus DEL and the C1 range. PostgreSQL rejects NUL outright,
# and the others only ever come from broken exports.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def sniff_bom(data: bytes) -> str | None:
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    return None


def looks_binary(data: bytes) -> bool:
    """True for data that is no text in any encoding we read (NULs without a UTF-16/32 BOM)."""
    if sniff_bom(data):
        return False
    head = data[:8192]
    return b"\x00" in head


def decode_bytes(data: bytes, path: str, encoding: str | None = None) -> tuple[str, str]:
    """Decode ``data`` and return ``(text, encoding used)``.

    A BOM decides first, then strict UTF-8. We never guess a legacy code page: mojibake would
    be imported silently, so the user is asked to name the encoding instead.
    """
    if not data or data.isspace():
        raise FileFormatError(path, "the file is empty")
    if encoding:
        try:
            return data.decode(encoding), encoding
        except LookupError:
            raise FileFormatError(path, f"unknown encoding {encoding!r}") from None
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise FileFormatError(path, f"not valid {encoding}", line=line) from None
    bom = sniff_bom(data)
    if bom:
        try:
            return data.decode(bom), bom.replace("-sig", "")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise FileFormatError(path, f"broken {bom} text after its byte-order mark", line=line) from None
    if looks_binary(data):
        raise FileFormatError(path, "this is a binary file, not a reference export")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FileFormatError(
            path,
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); give its encoding with --encoding, e.g. --encoding cp1252",
            line=line,
        ) from None


#: Below this length a regular expression is the fastest look; above it, the bytes' look.
_LONG = 4096
# Every byte but the C0 controls (tab, LF, CR aside) and DEL: what bytes.translate deletes.
_NOT_C0 = bytes(b for b in range(256) if not (b < 0x20 and b not in (0x09, 0x0A, 0x0D) or b == 0x7F))
_C1_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")


def has_control(text: str) -> bool:
    """Whether ``text`` holds a character that :func:`clean` would remove."""
    if len(text) < _LONG:
        return _CONTROL.search(text) is not None
    return bytes_have_control(text.encode("utf-8", "surrogatepass"))


def bytes_have_control(data: bytes) -> bool:
    """:func:`has_control` of the text that UTF-8 ``data`` decodes to, read off the bytes.

    Deleting every other byte leaves nothing unless a C0 control or DEL is there, at memory
    speed and without a copy of the file; a C1 control is the byte pair C2 80..C2 9F.
    """
    if data.translate(None, _NOT_C0):
        return True
    return b"\xc2" in data and _C1_UTF8.search(data) is not None


def clean(text: str) -> str:
    """Remove NUL and other control characters that no bibliographic field should hold."""
    return _CONTROL.sub("", text) if text else text


def squash(text: str) -> str:
    """Collapse runs of whitespace to one space and trim, for single-line fields."""
    return " ".join(clean(text).split()) if text else ""
