"""Normalised identifiers: the same DOI, PMID or arXiv id written in any of its usual forms."""

from __future__ import annotations

import re

_DOI = re.compile(r"10\.\d{4,9}/\S+", re.IGNORECASE)
_ARXIV_NEW = re.compile(r"(?<![\d.])(\d{4}\.\d{4,5})(v\d+)?(?!\d)")
_ARXIV_OLD = re.compile(r"([a-z\-]+(?:\.[A-Z]{2})?/\d{7})(v\d+)?", re.IGNORECASE)


def normalize_doi(value: str) -> str:
    """Lower-case bare DOI (``10.x/y``) from a DOI, a doi: prefix or a doi.org URL; '' if none."""
    if not value:
        return ""
    text = value.strip()
    text = re.sub(r"^(https?://)?(dx\.)?doi\.org/", "", text, flags=re.IGNORECASE)
    text = re.sub(r"^doi:\s*", "", text, flags=re.IGNORECASE)
    m = _DOI.search(text)
    if not m:
        return ""
    doi = m.group(0).rstrip(".,;)]}>\"'")
    return doi.lower()


def normalize_pmid(value: str) -> str:
    """Digits of a PubMed id (``PMID: 123``, ``123 [pmid]``); '' if it has none."""
    if not value:
        return ""
    m = re.search(r"\d{1,9}", str(value))
    return m.group(0).lstrip("0") if m else ""


def normalize_arxiv(value: str) -> str:
    """arXiv id without version or URL (``2301.01234``, ``cs/0101001``); '' if none."""
    if not value:
        return ""
    text = str(value).strip()
    m = _ARXIV_NEW.search(text)
    if m:
        return m.group(1)
    m = _ARXIV_OLD.search(text)
    return m.group(1).lower() if m else ""


def parse_year(value: object) -> int | None:
    """The first plausible four-digit year in ``value`` (``2019/05/01``, ``May 2019``)."""
    if value is None:
        return None
    m = re.search(r"(?<!\d)(1[5-9]\d\d|20\d\d|21\d\d)(?!\d)", str(value))
    return int(m.group(1)) if m else None
