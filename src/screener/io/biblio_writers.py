"""Writers of bibliographic formats: RIS, BibTeX, MEDLINE, Web of Science and EndNote tagged.

Each returns the file's text (the caller writes it atomically). Core fields are written under the
tag the matching reader takes first, then every ``extra`` field whose key is a field name of
that format, so reading the text back gives an equal record. ``extra`` keys from another format
(a CSV column, a BibTeX field in a RIS export) are left out: they have no place in this one.

When ``extra`` already holds the value a core field is derived from (``PY - 1948/07//`` for
``year=1948``), only that original is written, never both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from screener.core.records import RecordData
from screener.io import bibtex, enw, medline, ris, wos
from screener.io.tagged import (
    Fields,
    arxiv_from,
    doi_of,
    first_url,
    pmid_from_accession,
    split_pages,
    value_lines,
    year_of,
)

_RIS_TAG = re.compile(r"[A-Z][A-Z0-9]|PMID")

#: BibTeX entry types -> RIS reference types, for records that came from BibTeX.
_BIBTEX_TO_RIS = {
    "article": "JOUR", "inproceedings": "CPAPER", "conference": "CPAPER", "proceedings": "CONF",
    "book": "BOOK", "inbook": "CHAP", "incollection": "CHAP", "phdthesis": "THES",
    "mastersthesis": "THES", "thesis": "THES", "techreport": "RPRT", "report": "RPRT",
    "unpublished": "UNPB", "misc": "GEN", "online": "ELEC", "manual": "GEN", "booklet": "PAMP",
}


def _as_lists(extra: dict, tags: Iterable[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for tag in tags:
        value = extra.get(tag)
        if value:
            out[tag] = [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]
    return out


def derivable(extra: dict, tags: tuple[str, ...], extract, canonical=None) -> str:
    """What a reader would derive for a core field from ``extra`` alone and leave in extra.

    When that equals the core value, the writer writes only the original. A value the reader
    would *take* does not count: writing nothing would lose it from extra on reading back.
    """
    probe = _as_lists(extra, tags)
    before = sum(map(len, probe.values()))
    result = Fields(probe).derived(tags, extract, canonical)
    return result if sum(map(len, probe.values())) == before else ""


def _extra_pairs(extra: dict, valid) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for key, value in extra.items():
        if not valid(key):
            continue
        for item in (value if isinstance(value, (list, tuple)) else [value]):
            if item is not None and str(item).strip():
                out.append((key, str(item)))
    return out


# ---------------------------------------------------------------- RIS


def write_ris(records: Iterable[RecordData]) -> str:
    """RIS text for ``records`` (LF line ends, a blank line after each ``ER``)."""
    out: list[str] = []
    for record in records:
        for tag, value in _ris_pairs(record):
            lines = value_lines(value)
            if not lines:
                continue
            if tag in ris.LIST_TAGS:
                out.extend(f"{tag}  - {line}" for line in lines)
            else:
                out.append(f"{tag}  - {lines[0]}")
                out.extend(f"      {line}" for line in lines[1:])
        out.append("ER  - ")
        out.append("")
    return "\n".join(out) + ("\n" if out else "")


def _ris_pairs(r: RecordData) -> list[tuple[str, str]]:
    x = r.extra
    pairs = [("TY", _BIBTEX_TO_RIS.get(r.pub_type, r.pub_type) or "GEN")]
    pairs.append(("TI", r.title))
    pairs.extend(("AU", a) for a in r.authors)
    if r.year is not None and derivable(x, ris.YEAR, year_of) != str(r.year):
        pairs.append(("PY", str(r.year)))
    pairs += [("JF", r.journal), ("VL", r.volume), ("IS", r.issue)]
    start, end = split_pages(r.pages)
    pairs += [("SP", start), ("EP", end)]
    if r.doi and derivable(x, ris.DOI, doi_of) != r.doi:
        pairs.append(("DO", r.doi))
    pairs.extend(_ris_pmid(r))
    if r.url and derivable(x, ris.URL, first_url) != r.url:
        pairs.append(("UR", r.url))
    if r.arxiv_id and arxiv_from(r.doi, r.url, r.journal) != r.arxiv_id:
        pairs.append(("UR", f"https://arxiv.org/abs/{r.arxiv_id}"))
    pairs.extend(("KW", k) for k in r.keywords)
    pairs += [("LA", r.language), ("AB", r.abstract)]
    pairs += _extra_pairs(x, lambda k: _RIS_TAG.fullmatch(k) is not None and k not in ("TY", "ER"))
    return pairs


def _ris_pmid(r: RecordData) -> list[tuple[str, str]]:
    if not r.pmid:
        return []
    if derivable(r.extra, (ris.PMID_TAG,), ris.pmid_of) == r.pmid or \
            _accession_pmid(r.extra, ris.ACCESSION, ris.DATABASES) == r.pmid:
        return []
    if ris.ACCESSION not in r.extra and not any(db in r.extra for db in ris.DATABASES):
        return [(ris.ACCESSION, r.pmid), ("DB", "PubMed")]
    return [(ris.PMID_TAG, r.pmid)]


def _accession_pmid(extra: dict, accession: str, databases: tuple[str, ...]) -> str:
    """The PubMed id a reader finds in extra's accession + database pair, if it leaves them there."""
    probe = _as_lists(extra, (accession, *databases))
    before = sum(map(len, probe.values()))
    pmid = pmid_from_accession(Fields(probe), accession, databases)
    return pmid if sum(map(len, probe.values())) == before else ""


# ---------------------------------------------------------------- BibTeX

_RIS_TO_BIBTEX = {
    "JOUR": "article", "EJOUR": "article", "MGZN": "article", "NEWS": "article", "CPAPER": "inproceedings",
    "CONF": "proceedings", "BOOK": "book", "EBOOK": "book", "EDBOOK": "book", "CHAP": "incollection",
    "ECHAP": "incollection", "THES": "phdthesis", "RPRT": "techreport", "UNPB": "unpublished",
    "ELEC": "online", "GEN": "misc", "Journal Article": "article", "Article": "article",
}
_BIBTEX_TYPES = frozenset(_BIBTEX_TO_RIS) | {"collection", "dataset", "software", "patent", "set", "xdata"}
_IN_BOOK = frozenset({"inproceedings", "incollection", "inbook", "conference"})
# Any name bibtexparser reads back the same (it lower-cases; a key from another format with
# capitals, a RIS tag say, would not come back equal, so it is left out).
_BIB_FIELD = re.compile(r"[^\s,={}\"#%()@A-Z][^,={}\"#%()@A-Z]*")
_KEY_BAD = re.compile(r"[^A-Za-z0-9_:.+/-]+")
_LATEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "%": r"\%", "&": r"\&", "$": r"\$",
                  "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}"}
# "--", "``", "''", "?`" and "!`" are ligatures in LaTeX; an empty group keeps them two characters.
_LIGATURE = re.compile(r"(?<=[-`'!?])(?=[-`'])|(?<=[!?])(?=`)")
_BRACE = re.compile(r"(?<!\\)[{}]")
_AND = re.compile(r"\sand\s", re.IGNORECASE)


def latex_escape(text: str) -> str:
    """LaTeX for plain text, such that the BibTeX reader's decoding gives the text back."""
    out = "".join(_LATEX_SPECIAL.get(c, c) for c in text)
    return _LIGATURE.sub("{}", out)


def write_bibtex(records: Iterable[RecordData]) -> str:
    """BibTeX text for ``records``: one ``@type{key, field = {value}, ...}`` entry each.

    The entry type and key come from ``extra["ENTRYTYPE"]``/``extra["ID"]`` when the record
    has them (keys are made unique within the file), else from ``pub_type`` and the record.
    """
    out: list[str] = []
    used: set[str] = set()
    for number, record in enumerate(records, 1):
        kind, key, fields = _bibtex_entry(record, number, used)
        out.append(f"@{kind}{{{key},")
        out.extend(f"  {name} = {{{value}}}," for name, value in fields)
        out.append("}")
        out.append("")
    return "\n".join(out)


def _bibtex_name(name: str) -> str:
    """One author for an ``author`` field: braced when it holds " and " (one name, not two) or
    an escape (bibtexparser's name splitter drops a trailing ``\\&``)."""
    escaped = latex_escape(name)
    return f"{{{escaped}}}" if _AND.search(name) or "\\" in escaped else escaped


def _bibtex_entry(r: RecordData, number: int, used: set[str]) -> tuple[str, str, list[tuple[str, str]]]:
    x = r.extra
    kind = str(x.get("ENTRYTYPE") or "").lower() or _RIS_TO_BIBTEX.get(r.pub_type, "")
    if not kind:
        kind = r.pub_type.lower() if r.pub_type.lower() in _BIBTEX_TYPES else "misc"
    key = _unique_key(str(x.get("ID") or "") or _make_key(r, number), used)
    text: list[tuple[str, str]] = [("title", r.title)]
    authors = [_bibtex_name(a) for a in r.authors if a]
    fields = [(n, latex_escape(v)) for n, v in text if v]
    if authors:
        fields.append(("author", " and ".join(authors)))
    if r.year is not None and derivable(x, bibtex.YEAR, year_of) != str(r.year):
        fields.append(("year", str(r.year)))
    if r.journal:
        taken = any(name in x for name in bibtex.JOURNAL)
        fields.append(("booktitle" if kind in _IN_BOOK and not taken else "journal", latex_escape(r.journal)))
    fields += [(n, latex_escape(v)) for n, v in (("volume", r.volume), ("number", r.issue)) if v]
    if r.pages:
        fields.append(("pages", _verbatim(r.pages.replace("-", "--"))))
    if r.doi and derivable(x, bibtex.DOI, doi_of) != r.doi:
        fields.append(("doi", _verbatim(r.doi)))
    if r.pmid and derivable(x, bibtex.PMID, bibtex.pmid_of) != r.pmid:
        fields.append(("pmid", r.pmid))
    if r.arxiv_id and "eprint" not in x and \
            arxiv_from(r.doi, r.url, r.journal, str(x.get("note") or "")) != r.arxiv_id:
        fields += [("eprint", _verbatim(r.arxiv_id)), ("archiveprefix", "arXiv")]
    if r.url and derivable(x, bibtex.URL, first_url) != r.url:
        fields.append(("url", _verbatim(r.url)))
    if r.keywords:
        joined = "; ".join(r.keywords)
        if len(r.keywords) == 1 and "," in joined:
            joined += ";"  # else the reader would split one keyword at its commas
        fields.append(("keywords", latex_escape(joined)))
    if r.language:
        fields.append(("language", latex_escape(r.language)))
    if r.abstract:
        fields.append(("abstract", latex_escape(r.abstract)))
    for name, value in _extra_pairs(x, lambda k: _BIB_FIELD.fullmatch(k) is not None):
        value = " ".join(value.split())
        fields.append((name, _verbatim(value) if name in bibtex.VERBATIM or name == "pages"
                       else latex_escape(value)))
    return kind, key, fields


def _verbatim(value: str) -> str:
    """A value written as is (URLs, DOIs); unbalanced braces would break the entry: escape them."""
    if value.endswith("\\"):
        value += " "  # else it escapes the closing brace; the reader strips the space
    depth = 0
    for m in _BRACE.finditer(value):
        depth += 1 if m.group(0) == "{" else -1
        if depth < 0:
            break
    if depth == 0:
        return value
    return value.replace("{", "\\{").replace("}", "\\}")  # the reader takes the backslashes off


def _make_key(r: RecordData, number: int) -> str:
    surname = r.authors[0].split(",")[0].split()[-1] if r.authors and r.authors[0].strip() else "ref"
    word = next((w for w in re.findall(r"[A-Za-z]{4,}", r.title)), "")
    return f"{surname}{r.year or ''}{word.lower()}" or f"ref{number}"


def _unique_key(key: str, used: set[str]) -> str:
    base = _KEY_BAD.sub("", key) or "ref"
    candidate, n = base, 1
    while candidate.lower() in used:
        n += 1
        candidate = f"{base}_{n}"
    used.add(candidate.lower())
    return candidate


# ---------------------------------------------------------------- MEDLINE

_MEDLINE_TAG = re.compile(r"[A-Z][A-Z0-9]{1,3}")


def write_medline(records: Iterable[RecordData]) -> str:
    """MEDLINE (PubMed .nbib) text for ``records``, one blank line between records."""
    out: list[str] = []
    for r in records:
        x = r.extra
        pairs: list[tuple[str, str]] = []
        if r.pmid:
            pairs.append(("PMID", r.pmid))
        pairs += [("TI", r.title), ("AB", r.abstract)]
        pairs += [("FAU", a) for a in r.authors]
        if r.year is not None and derivable(x, medline.YEAR, year_of) != str(r.year):
            pairs.append(("DP", str(r.year)))
        pairs += [("JT", r.journal), ("VI", r.volume), ("IP", r.issue), ("PG", r.pages)]
        if r.doi and derivable(x, medline.DOI, medline.medline_doi, medline.doi_line) != r.doi:
            pairs.append(("LID", medline.doi_line(r.doi)))
        pairs += [("OT", k) for k in r.keywords]
        pairs += [("PT", r.pub_type), ("LA", r.language)]
        pairs += _extra_pairs(x, lambda k: _MEDLINE_TAG.fullmatch(k) is not None and k != "PMID")
        for tag, value in pairs:
            lines = value_lines(value)
            if lines:
                out.append(f"{tag:<4}- {lines[0]}")
                out.extend(f"      {line}" for line in lines[1:])
        out.append("")
    return "\n".join(out)


# ---------------------------------------------------------------- Web of Science

_WOS_TAG = re.compile(r"[A-Z][A-Z0-9]")
_WOS_OWN = frozenset({"PT", "ER", "EF", "FN", "VR"})


def write_wos(records: Iterable[RecordData]) -> str:
    """Web of Science plain text (``FN``/``VR`` header, ``PT`` ... ``ER`` records, ``EF``)."""
    out = ["FN Clarivate Analytics Web of Science", "VR 1.0"]
    for r in records:
        x = r.extra
        kind = x.get("PT") or wos.DEFAULT_PT
        out.append(f"PT {kind[0] if isinstance(kind, (list, tuple)) else kind}")
        pairs: list[tuple[str, str]] = [("AF", a) for a in r.authors]
        pairs += [("TI", r.title), ("SO", r.journal), ("LA", r.language), ("DT", r.pub_type)]
        if r.keywords:
            pairs.append(("DE", "; ".join(r.keywords)))
        pairs.append(("AB", r.abstract))
        if r.doi and derivable(x, wos.DOI, doi_of) != r.doi:
            pairs.append(("DI", r.doi))
        if r.pmid:
            pairs.append(("PM", r.pmid))
        if r.year is not None and derivable(x, wos.YEAR, year_of) != str(r.year):
            pairs.append(("PY", str(r.year)))
        start, end = split_pages(r.pages)
        pairs += [("VL", r.volume), ("IS", r.issue), ("BP", start), ("EP", end)]
        pairs += _extra_pairs(x, lambda k: _WOS_TAG.fullmatch(k) is not None and k not in _WOS_OWN)
        previous = ""
        for tag, value in pairs:
            lines = value_lines(value)
            if not lines:
                continue
            if tag == previous and tag in wos.LIST_TAGS:
                out.extend(f"   {line}" for line in lines)
            else:
                out.append(f"{tag} {lines[0]}")
                out.extend(f"   {line}" for line in lines[1:])
            previous = tag
        out.append("ER")
        out.append("")
    out.append("EF")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- EndNote tagged

_ENW_TAG = re.compile(r"%\S")


def write_enw(records: Iterable[RecordData]) -> str:
    """EndNote tagged (.enw) text: ``%0`` first in each record, a blank line after each."""
    out: list[str] = []
    for r in records:
        x = r.extra
        pairs: list[tuple[str, str]] = [("%0", r.pub_type or "Generic"), ("%T", r.title)]
        pairs += [("%A", a) for a in r.authors]
        if r.year is not None and derivable(x, enw.YEAR, year_of) != str(r.year):
            pairs.append(("%D", str(r.year)))
        pairs += [("%J", r.journal), ("%V", r.volume), ("%N", r.issue), ("%P", r.pages)]
        if r.doi and derivable(x, enw.DOI, doi_of) != r.doi:
            pairs.append(("%R", r.doi))
        if r.pmid and _accession_pmid(x, enw.ACCESSION, enw.DATABASES) != r.pmid \
                and enw.ACCESSION not in x and not any(db in x for db in enw.DATABASES):
            pairs += [(enw.ACCESSION, r.pmid), (enw.DATABASES[0], "PubMed")]
        if r.url and derivable(x, enw.URL, first_url) != r.url:
            pairs.append(("%U", r.url))
        pairs += [("%K", k) for k in r.keywords]
        pairs += [("%G", r.language), ("%X", r.abstract)]
        pairs += _extra_pairs(x, lambda k: _ENW_TAG.fullmatch(k) is not None and k != "%0")
        for tag, value in pairs:
            lines = value_lines(value)
            if not lines:
                continue
            if tag in enw.LIST_TAGS:
                out.extend(f"{tag} {line}" for line in lines)
                continue
            out.append(f"{tag} {lines[0]}")
            for line in lines[1:]:
                if enw.tag_of(line) is not None:  # would read as a tag: keep it on the line above
                    out[-1] = f"{out[-1]} {line}"
                else:
                    out.append(line)
        out.append("")
    return "\n".join(out)
