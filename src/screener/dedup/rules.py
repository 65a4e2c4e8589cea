"""Pair rules: is this pair one work, perhaps one work, a preprint and its article, or two works?

The rules are written as evidence a librarian would weigh, not as weights fitted to the
benchmark sets:

1. A shared identifier (DOI, PMID, arXiv id) decides, unless the titles contradict it
   (identifiers are sometimes copied onto the wrong record).
2. Vetoes block an automatic merge: different DOIs/PMIDs/arXiv ids, years more than one apart,
   different first pages or volumes, an erratum/reply/comment/retraction notice against an
   ordinary item. A vetoed pair that otherwise looks identical is still reported as uncertain.
   What databases do to citations is no veto: a volume or issue shifted into the next field,
   one meeting abstract printed twice in one issue, an issue typo under the same pages, an
   Embase record of several letters against one of them.
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
    page_digits,
    page_relation,
    same_page_range,
    shifted_citation,
    single_page,
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
    if not _same_kind(a, b):
        return True
    same, diff = compare_ids(a, b)
    if diff:
        return True
    if same:
        return False
    if a.year and b.year and abs(a.year - b.year) > 1:
        return True
    pages, volume, issue = _citation(a, b)
    return (
        pages == "different" and not _printed_twice(a, b, volume, issue)
        or volume == "different"
        or _issue_conflict(a, b, pages, volume, issue)
    )


def _citation(a: Norm, b: Norm) -> tuple[str | None, str | None, str | None]:
    """(pages, volume, issue) relations, reading a citation shifted by one field as agreeing."""
    if shifted_citation(a, b):
        return None, "same", "same"
    return page_relation(a, b), number_relation(a.volume, b.volume), number_relation(a.issue, b.issue)


def _same_kind(a: Norm, b: Norm) -> bool:
    """Same kind of item, or a record of several letters and one letter or reply it holds
    (its first page within the record's pages, when both give pages)."""
    if a.kind == b.kind:
        return True
    letters, other = (a, b) if a.kind == "letters" else (b, a)
    if letters.kind != "letters" or other.kind not in ("", "reply", "comment"):
        return False
    first, last, page = letters.first_page, letters.last_page, other.first_page
    if first.isdigit() and last.isdigit() and page.isdigit():
        return int(first) <= int(page) <= int(last)
    return True


def _short_item(n: Norm) -> bool:
    """One or two pages ("e3", "e8-e9", "1746"): the size of a meeting abstract."""
    if single_page(n):
        return True
    first, last = page_digits(n.first_page), page_digits(n.last_page)
    return first.isdigit() and last.isdigit() and 0 <= int(last) - int(first) <= 1


def _printed_twice(a: Norm, b: Norm, volume: str | None, issue: str | None) -> bool:
    """One abstract printed twice in one issue (a meeting's list and its full abstracts): a
    long title and the whole author list identical, in the same volume and issue of the same
    journal in the same year, at different pages, each at most two pages long.

    Without issue numbers, both records must give a single page (two one-page abstracts):
    an article and a one-page notice about it later in the volume stay apart. Two articles
    of several pages that disagree on their pages are left to a person.
    """
    if volume != "same" or a.year != b.year or a.title_words < 8 or b.title_words < 8:
        return False
    if not (_short_item(a) and _short_item(b)):
        return False
    if issue != "same" and not (not a.issue and not b.issue and single_page(a) and single_page(b)):
        return False
    if len(a.authors) < 2 or len(a.authors) != len(b.authors):
        return False
    first, share = author_match(a, b)
    if first is not True or share != 1.0 or journal_relation(a, b) not in ("same", "abbrev"):
        return False
    return title_similarity(a, b) >= 0.97 and not title_words_clash(a, b)


def _issue_conflict(a: Norm, b: Norm, pages: str | None, volume: str | None, issue: str | None) -> bool:
    """Different issues, unless volume and pages agree (then the issue is a typo: a volume
    never prints the same pages twice). A record giving one page only ("240-240") agrees with
    a range starting there; page 1 does not count, since some journals start every issue at 1.
    """
    if issue != "different" or volume != "same":
        return issue == "different"
    if same_page_range(a, b, pages):
        return False
    return not (pages == "same" and a.first_page != "1" and (single_page(a) or single_page(b)))


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
    kinds_differ = not _same_kind(a, b)

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
    pages, volume, issue = _citation(a, b)
    vetoes = []
    if diff_ids:
        vetoes.append("different " + "/".join(n.upper() if n != "arxiv" else "arXiv id" for n in diff_ids))
    if year_gap is not None and year_gap > 1:
        vetoes.append("years differ")
    if pages == "different" and not _printed_twice(a, b, volume, issue):
        vetoes.append("different pages")
    if volume == "different":
        vetoes.append("different volumes")
    if _issue_conflict(a, b, pages, volume, issue):
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
    # proceedings without volumes, the same venue and the same page range do. An item
    # published online one year and in print the next keeps its volume, issue and pages.
    same_range = same_page_range(a, b, pages)
    coordinates = pages == "same" and a.first_page != "1" and (
        year_gap == 0 and (volume == "same" or volume is None and same_range and journal in ("same", "abbrev"))
        or year_gap == 1 and volume == "same" and issue == "same" and same_range
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
        # Journals that start every article at page 1 make "1-8" in one volume common, but
        # not under a short topical title by the same authors ("Empyema thoracis"); titles
        # naming a kind of item ("Editorial") still need a page other than 1.
        first_page_range = (pages == "same" and a.first_page == "1" and same_range and year_gap == 0
                            and volume == "same" and issue != "different" and strong_authors
                            and a.title not in GENERIC_TITLES and b.title not in GENERIC_TITLES)
        if t >= 0.9 and (coordinates or first_page_range) and authors_ok and not clash:
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
        # Below half the title, the whole author list (three or more) must agree.
        whole_team = share == 1.0 and min(len(a.authors), len(b.authors)) >= 3
        if (t >= 0.5 or whole_team) and strong_authors and journal in ("same", "abbrev") and same_range:
            return Verdict(SURE, score, why)
        return Verdict(UNCERTAIN, score, why)
    return None
