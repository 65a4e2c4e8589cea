"""EndNote XML (File > Export > XML: ``<xml><records><record>...``).

EndNote wraps every value in ``<style>`` runs, so a field's value is all the text inside its
element. Fields without a column of their own go to ``extra`` under their path below
``<record>`` (``titles/alt-title``, ``urls/pdf-urls/url``); repeats become lists, and
attributes that name something (``ref-type name``, ``database name``) are kept as
``element@attribute``. Parsed through defusedxml, as PubMed XML is.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from screener.core.errors import FileFormatError
from screener.core.records import ParsedFile, RecordData, RecordError
from screener.io.normalize import normalize_doi, normalize_pmid, parse_year
from screener.io.pubmed_xml import add_extra, parse_xml_safely
from screener.io.text import clean, squash

_WRAPPERS = {"style"}  # EndNote's formatting runs; their text belongs to the parent field


def parse(text: str, path: str) -> ParsedFile:
    """Parse an EndNote XML export; each rejection names ``record[N]`` and its line."""
    root, lines = parse_xml_safely(text, path, ("record",), "EndNote XML")
    if root.tag == "xml":
        records_el = root.find("records")
        items = list(records_el.iter("record")) if records_el is not None else []
    elif root.tag == "records":
        items = list(root.iter("record"))
    else:
        raise FileFormatError(path, f"not EndNote XML: the root element is <{root.tag}>, not <xml><records>")
    records: list[RecordData] = []
    errors: list[RecordError] = []
    for i, rec_el in enumerate(items):
        line = lines[i] if i < len(lines) else None
        rec = _record(rec_el, line)
        if rec.title or rec.abstract or rec.doi or rec.pmid or rec.url:
            records.append(rec)
        else:
            errors.append(RecordError(line=line, reason="record has no title", element=f"record[{i + 1}]"))
    return ParsedFile(path=path, format="endnote_xml", encoding="utf-8", records=tuple(records),
                      errors=tuple(errors))


def _value(elem: Element) -> str:
    # EndNote ends lines inside a field with a bare CR
    text = "".join(elem.itertext()).replace("\r\n", "\n").replace("\r", "\n")
    return clean(text).strip()


def _leaves(elem: Element, prefix: str = ""):
    """(path, element) for every field element below ``elem``, in document order."""
    for child in elem:
        if child.tag in _WRAPPERS:
            continue
        path = f"{prefix}/{child.tag}" if prefix else child.tag
        if any(k.tag not in _WRAPPERS for k in child):
            yield from _leaves(child, path)
        else:
            yield path, child


def _record(rec_el: Element, line: int | None) -> RecordData:
    found: dict[str, list[str]] = {}
    extra: dict[str, object] = {}
    for path, leaf in _leaves(rec_el):
        value = _value(leaf)
        name = leaf.get("name", "")
        if name and name != value:  # <ref-type name="Journal Article">17</ref-type>
            add_extra(extra, f"{path}@name", name)
        if value:
            found.setdefault(path, []).append(value)

    def pop(path: str) -> list[str]:
        return found.pop(path, [])

    def first(*paths: str) -> str:
        for p in paths:
            values = found.get(p)
            if values:
                value = values.pop(0)
                if not values:
                    del found[p]
                return value
        return ""

    title = squash(first("titles/title"))
    abstract = first("abstract")
    authors = tuple(squash(a) for a in pop("contributors/authors/author"))
    year_text = first("dates/year")
    year = parse_year(year_text)
    if year_text and year is None:
        add_extra(extra, "dates/year", year_text)
    journal = squash(first("periodical/full-title", "titles/secondary-title"))
    volume = squash(first("volume"))
    issue = squash(first("issue", "number"))
    pages = squash(first("pages"))
    keywords = tuple(squash(k) for k in pop("keywords/keyword"))
    language = squash(first("language"))
    ref_type = extra.pop("ref-type@name", "")
    pub_type = squash(ref_type) if isinstance(ref_type, str) else ""

    doi_text = first("electronic-resource-num")
    doi = normalize_doi(doi_text)
    if doi_text and not doi:
        add_extra(extra, "electronic-resource-num", doi_text)
    url = squash(first("urls/related-urls/url", "urls/web-urls/url"))

    pmid = ""
    source_db = " ".join(found.get("remote-database-name", []) + found.get("remote-database-provider", [])).lower()
    if any(k in source_db for k in ("medline", "pubmed", "nlm")):
        acc = first("accession-num")
        pmid = normalize_pmid(acc) if acc.strip().isdigit() else ""
        if acc and not pmid:
            add_extra(extra, "accession-num", acc)

    for path, values in found.items():
        for value in values:
            add_extra(extra, path, value)
    return RecordData(title=title, abstract=abstract, authors=authors, year=year, journal=journal,
                      volume=volume, issue=issue, pages=pages, doi=doi, pmid=pmid, url=url,
                      keywords=keywords, pub_type=pub_type, language=language, extra=extra, line=line)
