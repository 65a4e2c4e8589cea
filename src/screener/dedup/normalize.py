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
from functools import lru_cache

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

_SUBTITLE = re.compile(r"\s*[:?]\s+|\s+-{1,2}\s+|\s*--\s*|\.\s+")
_TAGS = re.compile(r"<[^>]{1,40}>")
_NON_ALNUM = re.compile(r"[\W_]+")  # keeps letters of every script
# Bracketed notes that bibliographic databases append to titles: language ("[German]"),
# publication type ("[Review] [51 refs]"), MEDLINE cross-references ("[Erratum appears in
# ...]") and translator notes ("(author's transl)"). They say nothing about which work it is.
_BRACKET_NOTE = re.compile(r"\[[^\[\]]*\]")
_PAREN_NOTE = re.compile(
    r"\((?:author'?s'? transl|provisional abstract|structured abstract|abstract|"
    r"english abstract|[a-z]+ text|see comments?|multiple letters)\)\.?",
    re.IGNORECASE,
)
# The citation of the corrected article that errata carry in their titles (Web of Science
# "(vol 360, pg 542, 2009)", Embase "(New England Journal of Medicine (2009) 360 (542-544))").
_ERRATUM_CITATION = re.compile(
    r"\((?:vol\.?\s*\d+\w*,?\s*(?:pg|p|pp|page)\.?\s*\w+[^()]*|[^()]{3,}\((?:19|20)\d\d\)[^()]*\([^()]*\)?[^()]*)\)?\s*$",
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

_AUTHOR_RUN = re.compile(r"(?<=[A-Z]\.)(?=[A-Z](?:[a-z]|'[A-Z]))")  # "Tan A.Schulze A.O'Donnell C."
_NAME_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_INITIALS = re.compile(r"^(?:[A-Z]\.?-?){1,3}$")
_NAME_STOP = frozenset({"jr", "sr", "ii", "iii", "iv", "van", "von", "der", "den", "de", "del",
                        "da", "di", "la", "le", "du", "dos", "das", "al", "el", "et", "and"})
_ELISION = re.compile(r"\b(?:d|l|dell)['\s](?=\s*[aeiouh])")
_JOURNAL_STOP = frozenset({"the", "of", "and", "in", "for", "on", "de", "la", "des", "der",
                           "und", "fur", "et", "du"})
_JOURNAL_CUT = re.compile(
    r"\s[:;=(\"]|[:;=(\"]|\s-+\s|\.\s*(?:conference|congress|meeting|supplement|abstracts?)\b", re.I
)
# Edition words of conference names: "50th Annual Hawaii International Conference ...".
_EDITION = re.compile(r"^(?:\d+(?:st|nd|rd|th)?|annual|proceedings|proc|first|second|third|fourth|fifth|"
                      r"sixth|seventh|eighth|ninth|tenth|\w+teenth|eleventh|twelfth|twenty|thirty|forty|fifty|\w+ieth)$")
_PAGE = r"(?:[a-z]{0,4}\.?\d[\w.]*|[ivxlc]{1,8}\b)"  # "S12", "e1234", "819.e1", "xii"
_PAGE_RANGE = re.compile(rf"(?:pp?\.|pages?\b)?\s*({_PAGE})(?:\s*(?:-+|–|to)\s*({_PAGE}))?")
_PAGE_COUNT = re.compile(r"^\d+\s*(?:p|pp|pages?)\.?$")
_PAGE_LIST = re.compile(r"\s*[+,;]\s*")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
_EXCEL_DATE = re.compile(rf"^(\d{{1,2}})-{_MONTH}$|^{_MONTH}-(\d{{1,2}})$")
_UNKNOWN = frozenset({"", "unknown", "none", "nan", "n/a", "na", "null", "anonymous", "-", "#name?"})


@dataclass(slots=True)
class Norm:
    """The compared forms of one record; built by :func:`normalize_record`."""

    title: str  # folded, punctuation-free, single spaces
    title_main: str  # title without a leading "Label:" (equal to title when there is none)
    title_head: str  # the part before a subtitle ("Title: subtitle" -> "title"), else ""
    title_alts: tuple[str, ...]  # other titles the record gives (original of a translation)
    title_words: int
    names: tuple[str, ...]  # one string per author, as given
    first_author: str  # the first author's surname (longest part), for blocking
    year: int | None
    journal: tuple[str, ...]  # journal tokens without stop words, subtitle and suffixes
    journal_full: tuple[str, ...]  # the same before cutting subtitles ("tripleC: Communication ...")
    volume: str
    issue: str
    first_page: str
    last_page: str
    doi: str
    pmid: str
    arxiv: str
    url: str
    raw_abstract: str  # the beginning of the abstract, normalised only when a pair needs it
    kind: str  # "" for an ordinary paper, else "erratum", "reply", "comment", "retraction"
    preprint: bool
    # Computed on first use: most records never reach a pair rule, and these two are the
    # costliest fields to normalise.
    _authors: tuple[frozenset[str], ...] | None = None
    _abstract: str | None = None

    @property
    def authors(self) -> tuple[frozenset[str], ...]:
        """Identifying name tokens per author (see :func:`author_tokens`)."""
        if self._authors is None:
            self._authors = tuple(t for t in map(author_tokens, self.names) if t)
        return self._authors

    @property
    def abstract(self) -> str:
        """Abstract key (folded, punctuation-free)."""
        if self._abstract is None:
            self._abstract = _key(self.raw_abstract)
        return self._abstract


_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def fold(text: str) -> str:
    """Lower-case ASCII-ish form: accents dropped, Greek letters spelled out, dashes unified.

    Scripts without a Latin form (Cyrillic, CJK) are kept as they are.
    """
    if not text:
        return ""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKD", text.translate(_FOLD_TABLE))
    return _COMBINING.sub("", text).casefold()


def blank(value: str | None) -> bool:
    """True for empty fields and the placeholders some exports write instead ("UNKNOWN")."""
    return value is None or value.strip().casefold() in _UNKNOWN


def _strip_title_notes(title: str) -> str:
    text = html.unescape(title)
    text = text.split("<ORIGINAL>", 1)[0]  # Ovid appends the original-language title here
    text = _TAGS.sub(" ", text).strip().strip("\"'“”").strip()
    # MEDLINE puts translated titles in brackets: "[Paroxysmal nocturnal hemoglobinuria]. [French]".
    if text.startswith("["):
        end = text.find("]")
        inner = text[1:end] if end > 0 else text[1:]
        if len(inner.split()) >= 2:
            text = inner + " " + text[end + 1:] if end > 0 else inner
    text = _BRACKET_NOTE.sub(" ", text)
    text = _PAREN_NOTE.sub(" ", text)
    text = _ERRATUM_CITATION.sub(" ", text)
    text = re.sub(r"\s+LA:\s*\w+\s*$", " ", text)  # a stray RIS language tag inside a title
    return _TITLE_PREFIXES.sub("", text.strip())


def _key(text: str) -> str:
    return _NON_ALNUM.sub(" ", fold(text)).strip()


def title_key(title: str) -> str:
    """Folded title without notes and punctuation: the form titles are compared in."""
    if blank(title):
        return ""
    return _key(_strip_title_notes(title))


def title_head_key(title: str, stripped: str | None = None) -> str:
    """Key of the main title when a subtitle follows a colon or dash, else ''."""
    text = _strip_title_notes(title or "") if stripped is None else stripped
    m = _SUBTITLE.search(text, 8)
    if not m or m.end() >= len(text):
        return ""
    head = _key(text[: m.start()])
    return head if head.count(" ") >= 1 else ""


def title_alt_keys(title: str) -> tuple[str, ...]:
    """Keys of other titles a record gives: the original of a translated title, written as
    "English [Original]", "Original; English" or "English <ORIGINAL> Original"."""
    if not any(mark in title for mark in ("[", ";", "<ORIGINAL>", " = ")):
        return ()
    text = html.unescape(title).strip().strip("\"'“”")
    alts = []
    if "<ORIGINAL>" in text:
        alts.append(text.split("<ORIGINAL>", 1)[1])
    if not text.startswith("["):
        for inner in re.findall(r"\[([^\[\]]+)\]", text):
            if len(inner.split()) >= 4 and not re.match(r"(?i)\W*(erratum|comment|retract|correct|publish|see|original)", inner):
                alts.append(inner)
    base = _strip_title_notes(text)
    parts = re.split(r"\s*;\s+|\s+=\s+", base)
    if len(parts) == 2 and all(len(p.split()) >= 4 for p in parts):
        alts.extend(parts)
    keys = (_key(_TAGS.sub(" ", a)) for a in alts)
    return tuple(k for k in keys if k.count(" ") >= 3)


def title_main_key(title: str, stripped: str | None = None) -> str:
    """Title key without a leading one-word label ("RETFound: ..."), or '' when there is none."""
    m = _LABEL.match(_strip_title_notes(title or "") if stripped is None else stripped)
    if not m or len(m.group(2).split()) < 4:
        return ""
    return _key(m.group(2))


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
    url, _, query = url.split("#", 1)[0].partition("?")
    url = re.sub(r"(\.full)?(\.pdf)?$", "", url.rstrip("/"))
    query = "&".join(q for q in query.split("&") if q and not q.startswith("utm_"))
    host, _, path = url.partition("/")
    if query and len(path) < 8:  # "openreview.net/pdf?id=TjWdyVWBAG"
        return f"{url}?{query}"
    # A landing page of a journal or site ("aisel.aisnet.org/cais") names no single work.
    if len(path) < 8 or path.count("/") == 0 and not re.search(r"\d{4}", path):
        return ""
    return url


def split_authors(authors: tuple[str, ...] | list[str]) -> list[str]:
    """One string per author, undoing exports that glue Vancouver names ("Tan A.Schulze A.")."""
    out = [a.strip() for a in authors if a and a.strip() and not blank(a)]
    if len(out) == 1 and _AUTHOR_RUN.search(out[0]):  # glued names arrive as one string
        out = [p.strip() for p in _AUTHOR_RUN.split(out[0]) if p.strip()]
    return out


@lru_cache(maxsize=1 << 16)
def author_tokens(name: str) -> frozenset[str]:
    """Name tokens of one author that can identify them: surname parts and full given names.

    Initials are dropped because sources disagree on them (``J`` / ``John`` / ``J.A.``) and
    name order varies (``Smith, J`` / ``J. Smith`` / ``Smith J``); matching on the remaining
    tokens copes with all three orders at once.
    """
    words = _NAME_WORD.findall(name)
    # Initials: one to three capitals ("J", "JA", "J.-P." gives "J", "P").
    kept = " ".join(w for w in words if not (len(w) <= 3 and w.isupper()))
    return frozenset(t for t in _NON_ALNUM.split(fold(kept)) if len(t) >= 2 and t not in _NAME_STOP)


@lru_cache(maxsize=1 << 16)
def surname_key(name: str) -> str:
    """The first author's surname for blocking: the longest token of the surname part."""
    raw = name.strip()
    if "," in raw:
        part = raw.split(",", 1)[0]
    else:
        words = raw.split()
        names = [w for w in words if not _INITIALS.match(w)]
        if not names:
            return ""
        # Initials after ("Le Quintrec M") or before ("K. S. Cook") the surname; else a full
        # name in Western order ("Bruno Abrahao").
        initials_around = _INITIALS.match(words[-1]) or _INITIALS.match(words[0])
        part = " ".join(names) if initials_around else names[-1]
    toks = [t for t in _NON_ALNUM.split(fold(part)) if len(t) >= 2 and t not in _NAME_STOP]
    return max(toks, key=len) if toks else ""


@lru_cache(maxsize=1 << 16)
def journal_tokens(journal: str, cut: bool = True) -> tuple[str, ...]:
    """Tokens of a journal name without stop words and edition words ("50th Annual"), and
    with ``cut`` also without a subtitle or conference suffix."""
    if blank(journal):
        return ()
    text = _BRACKET_NOTE.sub(" ", fold(html.unescape(journal))).replace("&", " and ").strip()
    m = _JOURNAL_CUT.search(text) if cut else None
    if m and m.start() > 1:
        text = text[: m.start()]
    # French and Italian elisions ("d'Anesthesie", often exported as "d Anesthesie").
    text = _ELISION.sub(" ", text)
    return tuple(t for t in _NON_ALNUM.split(text) if t and t not in _JOURNAL_STOP and not _EDITION.match(t))


def _page_range(text: str) -> tuple[str, str]:
    m = _PAGE_RANGE.match(text)
    if not m:
        return "", ""  # "Suppl-29", "t-8": no usable first page
    first = _NON_ALNUM.sub("", m.group(1))
    last = _NON_ALNUM.sub("", m.group(2) or "")
    first = first.lstrip("0") or first
    last = last.lstrip("0") or last
    if first.isdigit() and last.isdigit() and len(last) < len(first):
        last = first[: len(first) - len(last)] + last
    return first, last or first


@lru_cache(maxsize=1 << 16)
def split_pages(pages: str) -> tuple[str, str]:
    """(first page, last page) as lower-case alphanumerics; "221-8" expands to ("221", "228").

    A list of ranges ("233-238+230-235", "230-5, 246-51": an article printed in two
    languages) spans from its lowest to its highest page, whatever order a source lists
    them in. A range that a spreadsheet turned into a date ("01-Aug" for 1-8) is read back.
    """
    if blank(pages):
        return "", ""
    text = fold(pages).strip().strip("\"'")
    if "pagination" in text or _PAGE_COUNT.match(text):
        return "", ""  # "(no pagination)", or a page count such as "215 p"
    m = _EXCEL_DATE.match(text)
    if m:
        day, month = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        low, high = sorted((int(day), _MONTHS.index(month[:3]) + 1))
        return str(low), str(high)
    ranges = [_page_range(part) for part in _PAGE_LIST.split(text)] if _PAGE_LIST.search(text) else []
    ranges = [r for r in ranges if r[0].isdigit() and r[1].isdigit()]
    if len(ranges) >= 2:
        return min((r[0] for r in ranges), key=int), max((r[1] for r in ranges), key=int)
    return _page_range(text)


@lru_cache(maxsize=1 << 16)
def number_key(value: str) -> str:
    """Volume or issue reduced to its first number ("4 (1) (no pagination)" -> "4")."""
    if blank(value):
        return ""
    m = _DIGITS.search(value)
    return (m.group(0).lstrip("0") or "0") if m else fold(value).strip()


def normalize_record(rec: RecordData) -> Norm:
    """Everything the pair rules compare, computed once per record."""
    stripped = "" if blank(rec.title) else _strip_title_notes(rec.title)
    title = _key(stripped)
    main = title_main_key(rec.title, stripped) or title
    names = split_authors(rec.authors)
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
    abstract = "" if blank(rec.abstract) else rec.abstract[:700]
    journal = "" if blank(rec.journal) else rec.journal
    return Norm(
        title=title,
        title_main=main,
        title_head=title_head_key(rec.title, stripped),
        title_alts=title_alt_keys(rec.title),
        title_words=title.count(" ") + 1 if title else 0,
        names=tuple(names),
        first_author=surname_key(names[0]) if names else "",
        year=rec.year,
        journal=journal_tokens(journal),
        journal_full=journal_tokens(journal, cut=False),
        volume=number_key(rec.volume),
        issue=number_key(rec.issue),
        first_page=first,
        last_page=last,
        doi=doi,
        pmid=normalize_pmid(rec.pmid),
        arxiv=arxiv,
        url=normalize_url(url),
        raw_abstract=abstract,
        kind=record_kind(rec.title, rec.pub_type),
        preprint=is_preprint(journal, doi, arxiv, rec.pub_type),
    )
