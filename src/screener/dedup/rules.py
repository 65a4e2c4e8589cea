"""Pair rules: is this pair one work, perhaps one work, a preprint and its article, or two works?

The rules are written as evidence a librarian would weigh, not as weights fitted to the
benchmark sets:

1. A shared identifier (DOI, PMID, arXiv id) decides, unless the titles contradict it
   (identifiers are sometimes copied onto the wrong record).
2. Vetoes block an automatic merge: different DOIs/PMIDs/arXiv ids, years more than one apart,
   different first pages or volumes, an erratum/reply/comment/retraction notice against an
   ordinary item. A vetoed pair that otherwise looks identical is still reported as uncertain.
3. A preprint and a published item with the same title are a *link*, never a merge.
4. Otherwise the title must match and the rest of the record must corroborate it: authors,
   year, journal, volume, pages, abstract, URL. The shorter or more generic the title, the
   more corroboration is required.
"""

from __future__ import annotations

from dataclasses import dataclass

from screener.dedup.compare import (
    abstract_similarity,
    author_match,
    compare_ids,
    journal_relation,
    number_relation,
    page_relation,
    same_page_range,
    title_similarity,
    title_words_clash,
)
from screener.dedup.normalize import Norm

SURE = "sure"
UNCERTAIN = "uncertain"
LINK = "link"

# Titles that name a kind of item, not a work; they need matching volume and pages to merge.
GENERIC_TITLES = frozenset(
    {
        "editorial", "editorials", "guest editorial", "editor s comments", "editors comments",
        "introduction", "preface", "foreword", "book review", "book reviews", "erratum", "errata",
        "correction", "corrections", "corrigendum", "letter", "letters", "letter to the editor",
        "letters to the editor", "reply", "response", "comment", "commentary", "in this issue",
        "news", "abstracts", "conference abstracts", "index", "contents", "table of contents",
        "announcement", "announcements", "obituary", "untitled", "acknowledgement",
        "acknowledgements", "acknowledgment", "reviewers", "editorial board", "masthead",
        "front matter", "back matter", "cover", "issue information", "retraction",
        "expression of concern", "summary", "abstract", "discussion", "conclusion",
    }
)


@dataclass(frozen=True, slots=True)
class Verdict:
    """A pair's status (SURE, UNCERTAIN or LINK), a score in [0, 1] and the evidence."""

    status: str
    score: float
    reasons: tuple[str, ...]


def conflict(a: Norm, b: Norm) -> bool:
    """True when two records may never share a cluster, however they are linked.

    The hard vetoes of :func:`judge`: different kinds of item, different identifiers, and,
    unless an identifier is shared, years more than one apart or different first pages,
    volumes or issues.
    """
    if a.kind != b.kind:
        return True
    same, diff = compare_ids(a, b)
    if diff:
        return True
    if same:
        return False
    if a.year and b.year and abs(a.year - b.year) > 1:
        return True
    pages = page_relation(a, b)
    volume = number_relation(a.volume, b.volume)
    return (
        pages == "different"
        or volume == "different"
        or _issue_conflict(a, b, pages, volume)
    )


def _issue_conflict(a: Norm, b: Norm, pages: str | None, volume: str | None) -> bool:
    """Different issues, unless volume and whole page range agree (then the issue is a typo:
    a volume never prints the same pages twice)."""
    if number_relation(a.issue, b.issue) != "different":
        return False
    return not (volume == "same" and same_page_range(a, b, pages))


def _generic(n: Norm) -> bool:
    return n.title_words <= 3 or n.title in GENERIC_TITLES


def judge(a: Norm, b: Norm, title_sim: float | None = None) -> Verdict | None:
    """The verdict on one candidate pair, or None when the two are different works."""
    t = title_similarity(a, b) if title_sim is None or title_sim < 0.97 else title_sim
    has_titles = bool(a.title and b.title)
    if not has_titles:
        t = 0.0
    same_ids, diff_ids = compare_ids(a, b)

    first_author, share = author_match(a, b)
    authors_ok = first_author is True or (share is not None and share >= 0.5)
    authors_clash = first_author is False and share is not None and share < 0.34
    year_gap = abs(a.year - b.year) if a.year and b.year else None
    kinds_differ = a.kind != b.kind

    # 1. Identifiers.
    if same_ids and not diff_ids:
        reasons = tuple(f"same {n.upper() if n != 'arxiv' else 'arXiv id'}" for n in same_ids)
        # Translated or retitled records still fit when their citation agrees.
        citation_agrees = authors_ok and year_gap == 0 and (
            page_relation(a, b) == "same" or number_relation(a.volume, b.volume) == "same"
        )
        short, long = sorted((a.title, b.title), key=len)
        cut_title = short.count(" ") >= 2 and long.startswith(short)
        title_fits = (not has_titles or t >= 0.8 or cut_title or citation_agrees
                      or (abstract_similarity(a, b) or 0) >= 0.9)
        if title_fits and not kinds_differ and (year_gap is None or year_gap <= 1 or a.preprint != b.preprint):
            return Verdict(SURE, 1.0, reasons)
        if t >= 0.5 or authors_ok:
            why = "titles differ" if not title_fits else ("item kinds differ" if kinds_differ else "years differ")
            return Verdict(UNCERTAIN, round(0.5 + 0.4 * t, 4), reasons + (why,))
        return None

    if kinds_differ:
        return None  # an erratum, reply or comment is never its article
    if not has_titles:
        return None

    # 3. Preprint and published version.
    if a.preprint != b.preprint:
        if t >= 0.9 and not authors_clash and (year_gap is None or year_gap <= 3):
            return Verdict(LINK, round(t, 4), ("preprint and published version",))
        return None

    # 2. Vetoes.
    journal = journal_relation(a, b)
    pages = page_relation(a, b)
    volume = number_relation(a.volume, b.volume)
    vetoes = []
    if diff_ids:
        vetoes.append("different " + "/".join(n.upper() if n != "arxiv" else "arXiv id" for n in diff_ids))
    if year_gap is not None and year_gap > 1:
        vetoes.append("years differ")
    if pages == "different":
        vetoes.append("different pages")
    if volume == "different":
        vetoes.append("different volumes")
    if _issue_conflict(a, b, pages, volume):
        vetoes.append("different issues")
    if vetoes:
        if t >= 0.95 and not authors_clash and not (_generic(a) or _generic(b)):
            return Verdict(UNCERTAIN, round(0.5 * t, 4), tuple(vetoes))
        return None
    if authors_clash:
        if t >= 0.95 and not (_generic(a) or _generic(b)):
            return Verdict(UNCERTAIN, round(0.5 * t, 4), ("different authors",))
        return None

    # 4. Title plus corroboration.
    # Volume, first page and year together locate one item in one journal issue; in
    # proceedings without volumes, the same venue and the same page range do.
    same_range = same_page_range(a, b, pages)
    coordinates = pages == "same" and year_gap == 0 and a.first_page != "1" and (
        volume == "same" or volume is None and same_range and journal in ("same", "abbrev")
    )
    support = 0.0
    reasons: list[str] = []
    if year_gap == 0:
        support += 1
        reasons.append("same year")
    if journal in ("same", "abbrev"):
        support += 1
        reasons.append("same journal")
    elif journal == "different" and not coordinates:
        support -= 1
        reasons.append("journals differ")
    if volume == "same":
        support += 1
        reasons.append("same volume")
    if pages == "same":
        support += 1
        reasons.append("same pages")
    if a.url and a.url == b.url:
        # A specific URL is strong evidence, but not an identifier that overrides the vetoes.
        support += 2
        reasons.append("same URL")
    abstract = abstract_similarity(a, b)
    if abstract is not None:
        if abstract >= 0.9:
            support += 2
            reasons.append("same abstract")
        elif abstract < 0.5:
            support -= 2
            reasons.append("abstracts differ")
    strong_authors = first_author is True and share is not None and share >= 0.8
    if strong_authors:
        support += 1
        reasons.append("same authors")
    elif authors_ok:
        reasons.append("authors overlap")
    clash = t >= 0.75 and not coordinates and title_words_clash(a, b)
    if clash:
        reasons.append("titles differ in words")
    score = round(min(1.0, 0.7 * t + 0.1 * max(0.0, min(support, 3.0))), 4)
    reasons.insert(0, f"title {t:.2f}")
    why = tuple(reasons)

    if _generic(a) or _generic(b):
        if t >= 0.9 and coordinates and authors_ok and not clash:
            return Verdict(SURE, score, why)
        if t >= 0.9 and support >= 2 and first_author is not False:
            return Verdict(UNCERTAIN, round(score * 0.8, 4), why)
        return None

    if t >= 0.9 and (clash or journal == "different" and not coordinates):
        # Sibling titles, or one title in two venues (a conference paper and its journal
        # version, an abstract and the article): a person should decide.
        return Verdict(UNCERTAIN, round(score * 0.8, 4), why) if support >= 0 else None
    if t >= 0.97:
        long_title = a.title_words >= 8 and b.title_words >= 8
        if first_author is None:
            if support >= (1 if long_title else 2):
                return Verdict(SURE, score, why)
        elif authors_ok and support - strong_authors >= 1:
            # Title and authors plus at least one detail of the citation (a thesis and its
            # abstract a year later share title and author and nothing else).
            return Verdict(SURE, score, why)
        return Verdict(UNCERTAIN, score, why) if support >= 0 else None
    if t >= 0.9:
        # A slightly different title needs the same year too.
        if year_gap != 1 and (authors_ok and support >= 2 or first_author is None and support >= 3):
            return Verdict(SURE, score, why)
        return Verdict(UNCERTAIN, score, why) if support >= 0 else None
    if t >= 0.75:
        if strong_authors and coordinates and not clash:
            return Verdict(SURE, score, why)
        if authors_ok and support >= 2:
            return Verdict(UNCERTAIN, score, why)
        return None
    if t >= 0.4 and coordinates and first_author is True:
        # Translated titles: the same authors at the same place in the same journal.
        why = why + ("titles differ (translation?)",)
        # A shared multi-page range, not one page of abstracts shared by many items.
        if t >= 0.5 and strong_authors and journal in ("same", "abbrev") and same_range:
            return Verdict(SURE, score, why)
        return Verdict(UNCERTAIN, score, why)
    return None
