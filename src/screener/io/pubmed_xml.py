"""PubMed XML (``efetch``/"Save as XML" from PubMed: ``<PubmedArticleSet>``).

Parsed through defusedxml: a file that declares entities (billion laughs, external entities)
is refused before anything is expanded. PubMed files carry a ``<!DOCTYPE ... PUBLIC ...>``
line, so a DOCTYPE by itself is allowed; its DTD is never fetched.

Fields without a column of their own go to ``extra`` flattened: leaves by tag name (repeats
become lists), dates as ``YYYY-MM-DD`` under their container, MeSH headings as
``Descriptor/Qualifier`` strings (``*`` marks a major topic, as MEDLINE text does).
"""

from __future__ import annotations

from xml.etree.ElementTree import Element, ParseError, TreeBuilder

import defusedxml.ElementTree as DET
from defusedxml.common import DefusedXmlException

from screener.core.errors import FileFormatError
from screener.core.records import ParsedFile, RecordData, RecordError
from screener.io.normalize import normalize_doi, normalize_pmid, parse_year
from screener.io.text import clean, squash

RECORD_TAGS = ("PubmedArticle", "PubmedBookArticle")


class _LineTreeBuilder(TreeBuilder):
    """A TreeBuilder that notes the line where each record element starts."""

    def __init__(self, record_tags: tuple[str, ...]):
        super().__init__()
        self.record_tags = record_tags
        self.lines: list[int] = []
        self.parser: DET.DefusedXMLParser | None = None

    def start(self, tag, attrs):  # type: ignore[override]
        if tag in self.record_tags and self.parser is not None:
            self.lines.append(self.parser.parser.CurrentLineNumber)
        return super().start(tag, attrs)


def parse_xml_safely(text: str, path: str, record_tags: tuple[str, ...], kind: str) -> tuple[Element, list[int]]:
    """The root element of ``text`` and the start line of each ``record_tags`` element.

    Entity declarations and external references raise a :class:`FileFormatError` at once;
    so does malformed XML, with its line.
    """
    builder = _LineTreeBuilder(record_tags)
    parser = DET.DefusedXMLParser(target=builder, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    builder.parser = parser
    try:
        parser.feed(text)
        root = parser.close()
    except DefusedXmlException as exc:
        raise FileFormatError(
            path, f"refused: the XML declares entities or external references ({exc.__class__.__name__}), "
                  f"which a {kind} export never does") from None
    except ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        raise FileFormatError(path, f"broken XML: {exc.msg if hasattr(exc, 'msg') else exc}", line=line) from None
    return root, builder.lines


def text_of(elem: Element | None) -> str:
    """All text inside ``elem`` (markup like <i> or <sup> dropped), whitespace collapsed."""
    if elem is None:
        return ""
    return squash("".join(elem.itertext()))


def add_extra(extra: dict[str, object], key: str, value: str) -> None:
    """Put ``value`` under ``key``; a second value for the same key turns it into a list."""
    if not value:
        return
    old = extra.get(key)
    if old is None:
        extra[key] = value
    elif isinstance(old, list):
        old.append(value)
    else:
        extra[key] = [old, value]


def parse(text: str, path: str) -> ParsedFile:
    """Parse a PubMed XML export into records; element index and line name each rejection."""
    root, lines = parse_xml_safely(text, path, RECORD_TAGS, "PubMed XML")
    if root.tag not in ("PubmedArticleSet",) + RECORD_TAGS:
        raise FileFormatError(path, f"not PubMed XML: the root element is <{root.tag}>, not <PubmedArticleSet>")
    articles = [root] if root.tag in RECORD_TAGS else [e for e in root if e.tag in RECORD_TAGS]
    records: list[RecordData] = []
    errors: list[RecordError] = []
    counts = {tag: 0 for tag in RECORD_TAGS}
    for i, art in enumerate(articles):
        counts[art.tag] += 1
        element = f"{art.tag}[{counts[art.tag]}]"
        line = lines[i] if i < len(lines) else None
        rec = _article(art, line)
        if rec.title or rec.abstract or rec.pmid or rec.doi:
            records.append(rec)
        else:
            errors.append(RecordError(line=line, reason="record has no title", element=element))
    return ParsedFile(path=path, format="pubmed_xml", encoding="utf-8", records=tuple(records),
                      errors=tuple(errors), source_hint="PubMed")


_DATE_PARTS = ("Year", "Month", "Day", "Hour", "Minute", "Second", "Season", "MedlineDate")


def _article(art: Element, line: int | None) -> RecordData:
    consumed: set[int] = set()

    def take(elem: Element | None) -> Element | None:
        if elem is not None:
            consumed.add(id(elem))
        return elem

    book = art.tag == "PubmedBookArticle"
    cite = art.find("BookDocument" if book else "MedlineCitation")
    article = cite.find("Book" if book else "Article") if cite is not None else None
    if cite is None:
        cite = art
    if article is None:
        article = cite

    title = text_of(take(article.find("ArticleTitle") if not book else cite.find("ArticleTitle")))
    if not title and book:
        title = text_of(take(article.find("BookTitle")))
    abstract_parts = []
    abstract = cite.find("Abstract") if book else article.find("Abstract")
    take(abstract)
    if abstract is not None:
        for part in abstract.findall("AbstractText"):
            body = clean("".join(part.itertext())).strip()
            label = part.get("Label")
            abstract_parts.append(f"{label}: {body}" if label and body else body)
        copyright_ = abstract.find("CopyrightInformation")
    else:
        copyright_ = None
    extra: dict[str, object] = {}
    if copyright_ is not None:
        add_extra(extra, "CopyrightInformation", text_of(copyright_))

    authors = []
    alist = take((cite if book else article).find("AuthorList"))
    if alist is not None:
        for a in alist.findall("Author"):
            name = _author_name(a)
            if name:
                authors.append(name)
            for aff in a.iter("Affiliation"):
                add_extra(extra, "Affiliation", text_of(aff))

    journal = volume = issue = ""
    year = None
    jn = take(article.find("Journal"))
    if jn is not None:
        journal = text_of(jn.find("Title"))
        add_extra(extra, "ISOAbbreviation", text_of(jn.find("ISOAbbreviation")))
        for issn in jn.findall("ISSN"):
            add_extra(extra, "ISSN", text_of(issn))
        ji = jn.find("JournalIssue")
        if ji is not None:
            volume, issue = text_of(ji.find("Volume")), text_of(ji.find("Issue"))
            year = _year(ji.find("PubDate"))
    if year is None:
        year = _year(article.find("PubDate")) or _year(article.find("ArticleDate"))

    pages = ""
    pg = take(article.find("Pagination"))
    if pg is not None:
        pages = text_of(pg.find("MedlinePgn"))
        if not pages:
            start, end = text_of(pg.find("StartPage")), text_of(pg.find("EndPage"))
            pages = f"{start}-{end}" if start and end else start or end

    pmid = normalize_pmid(text_of(take(cite.find("PMID"))))
    doi = ""
    for loc in article.findall("ELocationID"):
        take(loc)
        if loc.get("EIdType") == "doi" and not doi:
            doi = normalize_doi(text_of(loc))
        else:
            add_extra(extra, f"ELocationID:{loc.get('EIdType', '')}", text_of(loc))
    ids = art.find("PubmedData/ArticleIdList")
    if ids is None:
        ids = art.find("PubmedBookData/ArticleIdList")
    take(ids)
    if ids is not None:
        for aid in ids.findall("ArticleId"):
            kind, value = aid.get("IdType", ""), text_of(aid)
            if kind == "doi" and not doi:
                doi = normalize_doi(value)
            elif kind == "pubmed" and not pmid:
                pmid = normalize_pmid(value)
            elif kind not in ("doi", "pubmed"):
                add_extra(extra, f"ArticleId:{kind}", value)

    languages = [text_of(take(e)) for e in article.findall("Language")]
    pub_types = [text_of(e) for e in article.findall("PublicationTypeList/PublicationType")]
    take(article.find("PublicationTypeList"))
    if len(pub_types) > 1:
        extra["PublicationType"] = pub_types
    if len(languages) > 1:
        extra["Language"] = languages
    keywords = [text_of(k) for k in cite.findall("KeywordList/Keyword") if text_of(k)]
    for kl in cite.findall("KeywordList"):
        take(kl)
    mesh = take(cite.find("MeshHeadingList"))
    if mesh is not None:
        extra["MeshHeading"] = [_mesh(h) for h in mesh.findall("MeshHeading")]
    for rl in art.findall("PubmedData/ReferenceList"):
        take(rl)
        for ref in rl.iter("Reference"):
            add_extra(extra, "Reference", text_of(ref.find("Citation")))

    _flatten(art, extra, consumed)
    return RecordData(
        title=title, abstract="\n".join(p for p in abstract_parts if p), authors=tuple(authors),
        year=year, journal=journal, volume=volume, issue=issue, pages=pages, doi=doi, pmid=pmid,
        keywords=tuple(keywords), pub_type=pub_types[0] if pub_types else "",
        language=languages[0] if languages else "", extra=extra, line=line,
    )


def _author_name(a: Element) -> str:
    collective = text_of(a.find("CollectiveName"))
    if collective:
        return collective
    last = text_of(a.find("LastName"))
    first = text_of(a.find("ForeName")) or text_of(a.find("Initials"))
    suffix = text_of(a.find("Suffix"))
    name = f"{last}, {first}" if last and first else last or first
    return f"{name} {suffix}" if suffix and name else name


def _year(date: Element | None) -> int | None:
    if date is None:
        return None
    return parse_year(text_of(date.find("Year"))) or parse_year(text_of(date.find("MedlineDate")))


def _mesh(heading: Element) -> str:
    parts = []
    for child in heading:
        if child.tag in ("DescriptorName", "QualifierName"):
            star = "*" if child.get("MajorTopicYN") == "Y" else ""
            parts.append(star + text_of(child))
    return "/".join(parts)


def _date_string(elem: Element) -> str:
    year, month, day = (text_of(elem.find(t)) for t in ("Year", "Month", "Day"))
    if not year:
        return text_of(elem.find("MedlineDate")) or text_of(elem.find("Season"))
    return "-".join(p for p in (year, month.zfill(2) if month.isdigit() else month,
                                day.zfill(2) if day.isdigit() else day) if p)


def _flatten(elem: Element, extra: dict[str, object], consumed: set[int]) -> None:
    """Everything not read into a field yet: leaves by tag, date containers as one string."""
    for child in elem:
        if id(child) in consumed:
            continue
        kids = list(child)
        if kids and all(k.tag in _DATE_PARTS for k in kids):
            status = child.get("PubStatus")
            value = _date_string(child)
            add_extra(extra, child.tag, f"{status}: {value}" if status and value else value)
        elif kids:
            _flatten(child, extra, consumed)
        else:
            add_extra(extra, child.tag, text_of(child))
