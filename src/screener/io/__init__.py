"""Readers and writers of reference files. Pure functions on plain data; no database, no Qt.

The entry point is :func:`read_file`. Each format module exposes ``parse(text, path)`` (or
``parse_bytes(data, path)`` for binary formats) returning a :class:`~screener.core.records.ParsedFile`.
"""

from __future__ import annotations

from screener.io.reader import FORMATS, read_bytes, read_file

__all__ = ["FORMATS", "read_bytes", "read_file"]
