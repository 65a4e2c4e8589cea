"""Record fields reduced to the forms that deduplication compares.

Every record is normalised once into a :class:`Norm`; pair rules then only compare these
precomputed values, which keeps the per-pair cost small enough for 100k records.

The identifier rules repeat a little of ``screener.io.normalize`` on purpose: ``dedup`` is a
sibling of ``io`` and may not import it, and records can come from anywhere (a CSV column may
hold a doi.org URL or a bioRxiv DOI with a version suffix).
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

from screener.core.records import RecordData
from screener.dedup.kinds import is_preprint, record_kind

# Letters that NFKD does not split into a base letter and a combining mark.
_FOLD_TABLE = str.maketrans(
    {
        "ß": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ø": "o", "Ø": "o",
        "ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ð": "d", "þ": "th", "ı": "i",
        "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon",
        "κ": "kappa", "λ": "lambda", "μ": "mu", "π": "pi", "σ": "sigma", "τ": "tau",
        "ω": "omega", "θ": "theta", "χ": "chi", "ψ": "psi", "φ": "phi", "ζ": "zeta",
        "η": "eta", "ι": "iota", "ν": "nu", "ξ": "xi", "ρ": "rho", "υ": "upsilon",
        "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "−": "-",
        "’": "'", "‘": "'", "“": '"', "”": '"',
    }
)

_TAGS = re.compile(r"<[^>]{1,40}>")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
# Bracketed notes that bibliographic databases append to titles: language ("[German]"),
# publication type ("[Review] [51 refs]"), MEDLINE cross-references ("[Erratum appears in
# ...]") and translator notes ("(author's transl)"). They say nothing about which work it is.
_BRACKET_NOTE = re.compile(r"\[[^\[\]]*\]")
_PAREN_NOTE = re.compile(
    r"\((?:author'?s'? transl|provisional abstract|structured abstract|abstract|"
    r"english abstract|[a-z]+ text|see comments?)\)\.?",
    re.IGNORECASE,
)
_TITLE_PREFIXES = re.compile(r"^(?:retracted|withdrawn)\s*[:.-]\s*", re.IGNORECASE)
# A short label before a colon ("RETFound: A foundation model ..."): names of methods and
# systems that some lists prepend and others drop.
_LABEL = re.compile(r"^\s*([^\s:]{1,24})\s*:\s+(.+)$")

_DOI = re.compile(r"10\.\d{4,9}/[^\s\"<>]+", re.IGNORECASE)
_BIORXIV_VERSION = re.compile(r"(10\.1101/[\d.]+)v\d+.*$")
_ARXIV_NEW = re.compile(r"(?<![\d.])(\d{4}\.\d{4,5})(?:v\d+)?(?![\d])")
_ARXIV_OLD = re.compile(r"\b([a-z\-]+(?:\.[a-z]{2})?/\d{7})(?:v\d+)?", re.IGNORECASE)
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf|html)/([^\s?#]+?)(?:v\d+)?(?:\.pdf)?(?:[?#].*)?$", re.I)
_DIGITS = re.compile(r"\d+")
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d|21\d\d)(?!\d)")

_AUTHOR_RUN = re.compile(r"(?<=[A-Z]\.)(?=[A-Z][a-z])")  # "Tan A.Schulze A." glued authors
_INITIALS = re.compile(r"^(?:[A-Z]\.?-?){1,3}$")
_NAME_STOP = frozenset({"jr", "sr", "ii", "iii", "iv", "van", "von", "der", "den", "de", "del",
                        "da", "di", "la", "le", "du", "dos", "das", "al", "el", "et", "and"})
_JOURNAL_STOP = frozenset({"the", "of", "and", "in", "for", "on", "de", "la", "des", "der",
                           "und", "fur", "et", "du", "a", "an"})
_JOURNAL_CUT = re.compile(r"\s[:=(]|[:=(]|\.\s*(?:conference|congress|meeting|supplement|abstracts?)\b", re.I)
_UNKNOWN = frozenset({"", "unknown", "none", "nan", "n/a", "na", "null", "anonymous", "-", "#name?"})


@dataclass(slots=True)
class Norm:
    """The compared forms of one record; built by :func:`normalize_record`."""

    title: str  # folded, punctuation-free, single spaces
    title_main: str  # title without a leading "Label:" (equal to title when there is none)
    title_words: int
    authors: tuple[frozenset[str], ...]  # name tokens per author, surnames first
    year: int | None
    journal: tuple[str, ...]  # journal tokens without stop words
    volume: str
    issue: str
    first_page: str
    last_page: str
    doi: str
    pmid: str
    arxiv: str
    url: str
    abstract: str
    kind: str  # "" for an ordinary paper, else "erratum", "reply", "comment", "retraction"
    preprint: bool
    filled: int  # number of filled fields, a cheap completeness measure


def fold(text: str) -> str:
    """Lower-case ASCII-ish form: accents dropped, Greek letters spelled out, dashes unified."""
    if not text:
        return ""
    text = text.translate(_FOLD_TABLE)
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()


def blank(value: str | None) -> bool:
    """True for empty fields and the placeholders some exports write instead ("UNKNOWN")."""
    return value is None or value.strip().casefold() in _UNKNOWN


def _strip_title_notes(title: str) -> str:
    text = _TAGS.sub(" ", html.unescape(title)).strip()
    # MEDLINE puts translated titles in brackets: "[Paroxysmal nocturnal hemoglobinuria]. [French]".
    if text.startswith("["):
        end = text.find("]")
        inner = text[1:end] if end > 0 else text[1:]
        if len(inner.split()) >= 2:
            text = inner + " " + text[end + 1:] if end > 0 else inner
    text = _BRACKET_NOTE.sub(" ", text)
    text = _PAREN_NOTE.sub(" ", text)
    text = re.sub(r"\s+LA:\s*\w+\s*$", " ", text)  # a stray RIS language tag inside a title
    return _TITLE_PREFIXES.sub("", text.strip())


def title_key(title: str) -> str:
    """Folded title without notes and punctuation: the form titles are compared in."""
    if blank(title):
        return ""
    return _NON_ALNUM.sub(" ", fold(_strip_title_notes(title))).strip()


def title_main_key(title: str) -> str:
    """Title key without a leading one-word label ("RETFound: ..."), or '' when there is none."""
    m = _LABEL.match(_strip_title_notes(title or ""))
    if not m or len(m.group(2).split()) < 4:
        return ""
    return _NON_ALNUM.sub(" ", fold(m.group(2))).strip()


def normalize_doi(value: str) -> str:
    """Bare lower-case DOI from a DOI, ``doi:`` prefix or doi.org URL; '' when there is none.

    bioRxiv/medRxiv DOIs lose their version and page suffix (``v2.full``), which web pages add.
    """
    if blank(value):
        return ""
    m = _DOI.search(value)
    if not m:
        return ""
    doi = m.group(0).rstrip(".,;)]}>'").lower()
    doi = _BIORXIV_VERSION.sub(r"\1", doi)
    return doi.rstrip(".")


def normalize_pmid(value: str) -> str:
    """PubMed id digits without leading zeros; '' when there is none."""
    if blank(value):
        return ""
    m = _DIGITS.search(value)
    return m.group(0).lstrip("0") if m else ""


def normalize_arxiv(value: str) -> str:
    """arXiv id without version (``2301.01234``, ``cs/0101001``); '' when there is none."""
    if blank(value):
        return ""
    m = _ARXIV_NEW.search(value)
    if m:
        return m.group(1)
    m = _ARXIV_OLD.search(value)
    return m.group(1).lower() if m else ""


def normalize_url(value: str) -> str:
    """Scheme-, www- and query-free URL; '' for URLs too generic to identify one work."""
    if blank(value):
        return ""
    url = value.strip().lower()
    url = re.sub(r"^[a-z]+://", "", url)
    url = re.sub(r"^www\.", "", url)
    url = re.split(r"[?#]", url, maxsplit=1)[0].rstrip("/")
    url = re.sub(r"(\.full)?(\.pdf)?$", "", url)
    host, _, path = url.partition("/")
    # A landing page of a journal or site ("aisel.aisnet.org/cais") names no single work.
    if len(path) < 8 or path.count("/") == 0 and not re.search(r"\d{4}", path):
        return ""
    return url


def split_authors(authors: tuple[str, ...] | list[str]) -> list[str]:
    """One string per author, undoing exports that glue Vancouver names ("Tan A.Schulze A.")."""
    out: list[str] = []
    for a in authors:
        if blank(a):
            continue
        parts = _AUTHOR_RUN.split(a) if _AUTHOR_RUN.search(a) else [a]
        out.extend(p.strip() for p in parts if p.strip())
    return out


def author_tokens(name: str) -> frozenset[str]:
    """Name tokens of one author that can identify them: surname parts and full given names.

    Initials are dropped because sources disagree on them (``J`` / ``John`` / ``J.A.``) and
    name order varies (``Smith, J`` / ``J. Smith`` / ``Smith J``); matching on the remaining
    tokens copes with all three orders at once.
    """
    raw = _TAGS.sub(" ", name)
    words = re.split(r"[\s,;]+", raw.strip())
    toks = set()
    for w in words:
        if not w or _INITIALS.match(w):
            continue
        for t in _NON_ALNUM.split(fold(w)):
            if len(t) >= 2 and t not in _NAME_STOP:
                toks.add(t)
    return frozenset(toks)


def journal_tokens(journal: str) -> tuple[str, ...]:
    """Tokens of a journal name without subtitles, conference suffixes and stop words."""
    if blank(journal):
        return ()
    text = fold(html.unescape(journal)).replace("&", " and ")
    m = _JOURNAL_CUT.search(text)
    if m and m.start() > 2:
        text = text[: m.start()]
    return tuple(t for t in _NON_ALNUM.split(text) if t and t not in _JOURNAL_STOP)


def split_pages(pages: str) -> tuple[str, str]:
    """(first page, last page) as lower-case alphanumerics; "221-8" expands to ("221", "228")."""
    if blank(pages):
        return "", ""
    text = fold(pages).strip()
    text = re.sub(r"^(?:pp?\.?|pages?)\s*", "", text)
    parts = re.split(r"\s*(?:-+|–|to)\s*", text, maxsplit=1)
    first = re.sub(r"[^0-9a-z]", "", parts[0].split(":")[0].split(";")[0])
    last = re.sub(r"[^0-9a-z]", "", parts[1].split(":")[0].split(";")[0]) if len(parts) > 1 else ""
    first = first.lstrip("0") or first
    last = last.lstrip("0") or last
    if first.isdigit() and last.isdigit() and len(last) < len(first):
        last = first[: len(first) - len(last)] + last
    if first in {"", "n", "na"} or "pagination" in text:
        return "", ""
    return first, last or first


def number_key(value: str) -> str:
    """Volume or issue reduced to its first number ("4 (1) (no pagination)" -> "4")."""
    if blank(value):
        return ""
    m = _DIGITS.search(value)
    return m.group(0).lstrip("0") or "0" if m else fold(value).strip()


def parse_year(value: object) -> int | None:
    """First plausible four-digit year in ``value``."""
    if value is None:
        return None
    if isinstance(value, int):
        return value
    m = _YEAR.search(str(value))
    return int(m.group(1)) if m else None


def normalize_record(rec: RecordData) -> Norm:
    """Everything the pair rules compare, computed once per record."""
    title = title_key(rec.title)
    main = title_main_key(rec.title) or title
    authors = tuple(t for t in (author_tokens(a) for a in split_authors(rec.authors)) if t)
    doi = normalize_doi(rec.doi)
    url = rec.url or ""
    if not doi and "doi.org/" in url.lower():
        doi = normalize_doi(url)
    arxiv = normalize_arxiv(rec.arxiv_id)
    if not arxiv:
        m = _ARXIV_URL.search(url.strip())
        if m:
            arxiv = normalize_arxiv(m.group(1))
        elif doi.startswith("10.48550/arxiv."):
            arxiv = normalize_arxiv(doi.split("arxiv.", 1)[1])
    first, last = split_pages(rec.pages)
    abstract = "" if blank(rec.abstract) else _NON_ALNUM.sub(" ", fold(rec.abstract[:1500])).strip()
    journal = "" if blank(rec.journal) else rec.journal
    values = (title, authors, rec.year, journal, rec.volume, rec.issue, first, doi, rec.pmid, abstract)
    return Norm(
        title=title,
        title_main=main,
        title_words=title.count(" ") + 1 if title else 0,
        authors=authors,
        year=rec.year,
        journal=journal_tokens(journal),
        volume=number_key(rec.volume),
        issue=number_key(rec.issue),
        first_page=first,
        last_page=last,
        doi=doi,
        pmid=normalize_pmid(rec.pmid),
        arxiv=arxiv,
        url=normalize_url(url),
        abstract=abstract,
        kind=record_kind(rec.title, rec.pub_type),
        preprint=is_preprint(journal, doi, arxiv, rec.pub_type),
        filled=sum(1 for v in values if v),
    )
