"""Field-by-field comparisons of two normalised records, used by the pair rules.

Each function answers one question about one field ("same journal, an abbreviation of it, a
different one, or unknown?") so that :mod:`screener.dedup.rules` reads as the evidence it weighs.
"""

from __future__ import annotations

import re

from rapidfuzz.distance import Indel, Levenshtein
from rapidfuzz.fuzz import ratio

from screener.dedup.kinds import preprint_doi
from screener.dedup.normalize import Norm


def _token_close(x: str, y: str) -> bool:
    if x == y:
        return True
    if len(x) < 4 or len(y) < 4:
        return False
    # Truncated or misspelt surnames ("Albarqo"/"Albarqouni", "Nurnberger"/"Nuernberger").
    return x.startswith(y) or y.startswith(x) or Indel.normalized_similarity(x, y) >= 0.85


def _author_close(x: frozenset[str], y: frozenset[str]) -> bool:
    if x & y:
        return True
    return any(_token_close(s, t) for s in x for t in y)


_CORPORATE = frozenset({"group", "study", "studies", "consortium", "collaboration", "collaborative",
                        "committee", "investigators", "network", "society", "association", "trial",
                        "trialists", "team", "working", "council", "organization", "organisation",
                        "inc", "ltd", "pharmaceuticals", "institute", "foundation", "panel"})


def _corporate(tokens: frozenset[str]) -> bool:
    return bool(tokens & _CORPORATE)


def author_match(a: Norm, b: Norm) -> tuple[bool | None, float | None]:
    """(first authors match, share of the shorter author list found in the longer one).

    (None, None) when either list is missing or one names a group rather than people: a
    study group and its writing committee's first author say nothing about each other.
    """
    if not a.authors or not b.authors:
        return None, None
    if _corporate(a.authors[0]) != _corporate(b.authors[0]):
        return None, None
    first = _author_close(a.authors[0], b.authors[0])
    short, long = sorted((a.authors[:15], b.authors[:15]), key=len)
    pool = frozenset().union(*long)
    found = sum(1 for toks in short if toks & pool)
    if found < len(short) and len(short) <= 6:
        # Spelling variants only for short lists: long lists are settled by their exact matches.
        found = sum(1 for toks in short if toks & pool or _author_close(toks, pool))
    return first, found / len(short)


def title_similarity(a: Norm, b: Norm) -> float:
    """Similarity of two title keys in [0, 1], forgiving a dropped label or a cut-off title."""
    s = ratio(a.title, b.title) / 100.0
    if s < 0.97 and (a.title_main != a.title or b.title_main != b.title):
        s = max(s, ratio(a.title_main, b.title_main) / 100.0)
    if s < 0.9 and (a.title_alts or b.title_alts):
        # A translated title against the original that the other record gives.
        for x in (a.title, *a.title_alts):
            for y in (b.title, *b.title_alts):
                s = max(s, ratio(x, y) / 100.0)
    if s < 0.9:
        short, long = sorted((a.title_main, b.title_main), key=len)
        # A title cut off by a database's field limit or a list's line break, or a subtitle
        # that one source dropped.
        if short.count(" ") >= 4 and len(short) >= 30 and long.startswith(short):
            s = 0.9
        elif (a.title_head and a.title_head == b.title) or (b.title_head and b.title_head == a.title):
            s = 0.9
    return s


_NUMBER_WORDS = re.compile(r"\d+|\b(?:i{1,3}|iv|vi{1,3}|ix)\b")


def title_words_clash(a: Norm, b: Norm) -> bool:
    """True when near-identical titles differ by whole words rather than by spelling.

    "... in adult patients" against "... in paediatric patients", or "phase 2" against
    "phase 3", are sibling works (two trials, two parts of a series), whereas "haemolytic"
    against "hemolytic" is one work spelt two ways.
    """
    if a.title == b.title or a.title.startswith(b.title) or b.title.startswith(a.title):
        return False
    if _NUMBER_WORDS.findall(a.title) != _NUMBER_WORDS.findall(b.title):
        return True
    wa, wb = set(a.title.split()), set(b.title.split())
    only_a = [w for w in wa - wb if len(w) > 2]
    only_b = [w for w in wb - wa if len(w) > 2]
    if not only_a or not only_b:
        return False  # words only added or dropped: a cut or extended title
    def close(w: str, o: str) -> bool:  # a spelling variant, or one typo in a short word
        return Indel.normalized_similarity(w, o) >= 0.75 or Levenshtein.distance(w, o, score_cutoff=1) <= 1

    def unmatched(words: list[str], others: set[str]) -> int:
        return sum(1 for w in words if not any(close(w, o) for o in others))
    return unmatched(only_a, wb) > 0 and unmatched(only_b, wa) > 0


def _abbreviates(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    if len(short) == 1 and len(long) >= 2 and len(short[0]) >= 2:
        # An acronym: "PNAS", "NMI" (Nature Machine Intelligence).
        initials = "".join(t[0] for t in long)
        return initials == short[0] or len(short[0]) >= 3 and initials.startswith(short[0])
    if len(short) != len(long):
        return False
    for s, t in zip(short, long):
        if s[0] != t[0]:
            return False
        pos = 0
        for ch in s:
            pos = t.find(ch, pos) + 1
            if pos == 0:
                return False
    return True


def _subsequence(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    it = iter(long)
    return all(any(t == s for t in it) for s in short)


def _journal_tokens_relation(x: tuple[str, ...], y: tuple[str, ...]) -> str:
    if x == y:
        return "same"
    short, long = sorted((x, y), key=lambda t: sum(map(len, t)))
    if _abbreviates(short, long):
        return "abbrev"
    if len(short) >= 3 and _subsequence(short, long):
        return "abbrev"  # "Pacific Asia Conference on Information Systems" + a suffix
    if ratio(" ".join(x), " ".join(y)) >= 90:
        return "same"
    return "different"


def journal_relation(a: Norm, b: Norm) -> str | None:
    """"same", "abbrev" (one abbreviates the other), "different", or None when one is missing.

    Names are compared with and without subtitles, since a subtitle is sometimes the name
    ("tripleC: Communication, Capitalism & Critique") and sometimes an addition ("ICIS :
    Transforming Society with Digital Innovation").
    """
    if not a.journal or not b.journal:
        return None
    rel = _journal_tokens_relation(a.journal, b.journal)
    if rel == "different" and (a.journal_full != a.journal or b.journal_full != b.journal):
        rel = _journal_tokens_relation(a.journal_full, b.journal_full)
    return rel


def page_digits(page: str) -> str:
    """The digits of a page ("S78" -> "78", "e1234" -> "1234")."""
    return "".join(ch for ch in page if ch.isdigit())


def _page_shape(page: str) -> str:
    """"n" for a plain number, else its letter prefix ("e" for e1234, "s" for S12, "" roman)."""
    if page.isdigit():
        return "n"
    head = page.rstrip("0123456789.")
    return head if any(ch.isdigit() for ch in page) else ""


def page_relation(a: Norm, b: Norm) -> str | None:
    """"same" or "different" first page, or None when unknown or not comparable."""
    pa, pb = a.first_page, b.first_page
    if not pa or not pb:
        return None
    if pa == pb:
        return "same"
    da, db = page_digits(pa), page_digits(pb)
    if da and da == db:  # "e1234" / "1234", "S12" / "12", "viii108" / "108"
        return "same"
    if pa == "1" or pb == "1":  # online-first articles are paginated from 1
        return None
    if _page_shape(pa) != _page_shape(pb):
        return None  # an article number against print pages (BMJ "a1754" / "969")
    # One source giving only the last page, or a typo in the first page of a range.
    if pa == b.last_page or pb == a.last_page:
        return None
    if a.last_page != pa and b.last_page != pb and page_digits(a.last_page) == page_digits(b.last_page) != "":
        return None  # "S78-S89" / "S3-89"
    return "different"


def number_relation(x: str, y: str) -> str | None:
    """"same" or "different" volume (issue) numbers, or None when either is not a number."""
    if not x or not y or not (x.isdigit() and y.isdigit()):
        return None
    return "same" if x == y else "different"


_IDS = ("doi", "pmid", "arxiv")


def compare_ids(a: Norm, b: Norm) -> tuple[list[str], list[str]]:
    """(identifier types both records share, identifier types on which they differ).

    A preprint server's DOI against a publisher's DOI is no difference: they are two
    registrations of versions of one work, which the preprint rule handles.
    """
    same, diff = [], []
    for name in _IDS:
        x, y = getattr(a, name), getattr(b, name)
        if x and y:
            if x == y:
                same.append(name)
            elif not (name == "doi" and preprint_doi(x) != preprint_doi(y)):
                diff.append(name)
    return same, diff


def abstract_similarity(a: Norm, b: Norm) -> float | None:
    """Similarity of the abstracts' beginnings, or None when either is missing or short."""
    if len(a.abstract) < 100 or len(b.abstract) < 100:
        return None
    return ratio(a.abstract[:600], b.abstract[:600]) / 100.0




def same_page_range(a: Norm, b: Norm, pages: str | None) -> bool:
    """Both records give the same multi-page range (one page of abstracts does not count).

    Last pages compare by their digits, as first pages do ("c37-c42" / "37-42").
    """
    if pages != "same" or a.last_page == a.first_page or b.last_page == b.first_page:
        return False
    return a.last_page == b.last_page or page_digits(a.last_page) == page_digits(b.last_page) != ""


def single_page(n: Norm) -> bool:
    """True when a record gives one page only ("240" or "240-240"): often just where it starts."""
    return bool(n.first_page) and n.last_page == n.first_page


def shifted_citation(a: Norm, b: Norm) -> bool:
    """True when one record lacks a volume and carries the other's volume and issue one field
    to the right (issue "26", pages "9" against volume "26", issue "9", pages "1746").

    Embase exports of conference abstracts arrive like this; the pages of the shifted record
    are then unknown, not different.
    """
    for x, y in ((a, b), (b, a)):
        if (not x.volume and y.volume and y.issue and x.issue == y.volume
                and single_page(x) and x.first_page == y.issue):
            return True
    return False
