"""The PRISMA2020 R package / Shiny app CSV template, filled with a project's numbers.

The package (Haddaway et al. 2022, prisma-flowdiagram/PRISMA2020, ``inst/extdata/PRISMA.csv``)
draws the flow diagram from a CSV with the columns ``data,node,box,description,boxtext,tooltips,
url,n``; it finds each row by its ``data`` value and reads ``n``. A file teams can upload must keep
every row of the template, in order, with the template's texts: ``TEMPLATE_ROWS`` holds them (the
published template, as data), and ``template_csv`` fills ``n``.

How ``n`` is written, following how the package parses it:

* numbers as plain integers (no thousands separators);
* ``NA`` for "not applicable", which makes the package leave the box out: ``previous_*`` of a
  review that is not an update, ``total_*_ma`` without a meta-analysis count, and the
  website / organisation / citation counts when the review used no other methods (so the package
  draws no other-methods column, as our own diagram does);
* named lists as ``Name, n; Name, n``. The package splits on ``;`` and cuts the name at the first
  ``,``, so those characters inside a name become `` /``; an empty name becomes "No reason
  recorded". No reports excluded is written ``0``; an empty per-database list, an empty cell.
"""

from __future__ import annotations

import csv
import io
import re

from screener.stats.prisma import PrismaCounts

COLUMNS: tuple[str, ...] = ("data", "node", "box", "description", "boxtext", "tooltips", "url", "n")

# (data, node, box, description, boxtext, tooltips, url) of every row, in the template's order.
TEMPLATE_ROWS: tuple[tuple[str, str, str, str, str, str, str], ...] = (
    (
        "NA",
        "node4",
        "prevstud",
        "Grey title box; Previous studies",
        "Previous studies",
        "Grey title box; Previous studies",
        "prevstud.html",
    ),
    (
        "previous_studies",
        "node5",
        "box1",
        "Studies included in previous version of review",
        "Studies included in previous version of review",
        "Studies included in previous version of review",
        "previous_studies.html",
    ),
    (
        "previous_reports",
        "NA",
        "box1",
        "Reports of studies included in previous version of review",
        "Reports of studies included in previous version of review",
        "NA",
        "previous_reports.html",
    ),
    (
        "NA",
        "node6",
        "newstud",
        "Yellow title box; Identification of new studies via databases and registers",
        "Identification of new studies via databases and registers",
        "Yellow title box; Identification of new studies via databases and registers",
        "newstud.html",
    ),
    (
        "database_results",
        "node7",
        "box2",
        "Records identified from: Databases",
        "Databases",
        "Records identified from: Databases and Registers",
        "database_results.html",
    ),
    (
        "database_specific_results",
        "NA",
        "box2",
        "Records identified from: specific databases",
        "Specific Databases",
        "NA",
        "database_results.html",
    ),
    ("register_results", "NA", "box2", "Records identified from: Registers", "Registers", "NA", "NA"),
    (
        "register_specific_results",
        "NA",
        "box2",
        "Records identified from: specific registers",
        "Specific Registers",
        "NA",
        "database_results.html",
    ),
    (
        "NA",
        "node16",
        "othstud",
        "Grey title box; Identification of new studies via other methods",
        "Identification of new studies via other methods",
        "Grey title box; Identification of new studies via other methods",
        "othstud.html",
    ),
    (
        "website_results",
        "node17",
        "box11",
        "Records identified from: Websites",
        "Websites",
        "Records identified from: Websites, Organisations and Citation Searching",
        "website_results.html",
    ),
    (
        "organisation_results",
        "",
        "box11",
        "Records identified from: Organisations",
        "Organisations",
        "NA",
        "NA",
    ),
    (
        "citations_results",
        "NA",
        "box11",
        "Records identified from: Citation searching",
        "Citation searching",
        "NA",
        "NA",
    ),
    (
        "duplicates",
        "node8",
        "box3",
        "Duplicate records",
        "Duplicate records",
        "Duplicate records",
        "duplicates.html",
    ),
    (
        "excluded_automatic",
        "NA",
        "box3",
        "Records marked as ineligible by automation tools",
        "Records marked as ineligible by automation tools",
        "NA",
        "NA",
    ),
    (
        "excluded_other",
        "NA",
        "box3",
        "Records removed for other reasons",
        "Records removed for other reasons",
        "NA",
        "NA",
    ),
    (
        "records_screened",
        "node9",
        "box4",
        "Records screened (databases and registers)",
        "Records screened",
        "Records screened (databases and registers)",
        "records_screened.html",
    ),
    (
        "records_excluded",
        "node10",
        "box5",
        "Records excluded (databases and registers)",
        "Records excluded",
        "Records excluded (databases and registers)",
        "records_excluded.html",
    ),
    (
        "dbr_sought_reports",
        "node11",
        "box6",
        "Reports sought for retrieval (databases and registers)",
        "Reports sought for retrieval",
        "Reports sought for retrieval (databases and registers)",
        "dbr_sought_reports.html",
    ),
    (
        "dbr_notretrieved_reports",
        "node12",
        "box7",
        "Reports not retrieved (databases and registers)",
        "Reports not retrieved",
        "Reports not retrieved (databases and registers)",
        "dbr_notretrieved_reports.html",
    ),
    (
        "other_sought_reports",
        "node18",
        "box12",
        "Reports sought for retrieval (other)",
        "Reports sought for retrieval",
        "Reports sought for retrieval (other)",
        "other_sought_reports.html",
    ),
    (
        "other_notretrieved_reports",
        "node19",
        "box13",
        "Reports not retrieved (other)",
        "Reports not retrieved",
        "Reports not retrieved (other)",
        "other_notretrieved_reports.html",
    ),
    (
        "dbr_assessed",
        "node13",
        "box8",
        "Reports assessed for eligibility (databases and registers)",
        "Reports assessed for eligibility",
        "Reports assessed for eligibility (databases and registers)",
        "dbr_assessed.html",
    ),
    (
        "dbr_excluded",
        "node14",
        "box9",
        ("Reports excluded (databases and registers): [separate reasons and numbers using ;"
         " e.g. Reason1, xxx; Reason2, xxx; Reason3, xxx]"),
        "Reports excluded",
        "Reports excluded (databases and registers)",
        "dbrexcludedrecords.html",
    ),
    (
        "other_assessed",
        "node20",
        "box14",
        "Reports assessed for eligibility (other)",
        "Reports assessed for eligibility",
        "Reports assessed for eligibility (other)",
        "other_assessed.html",
    ),
    (
        "other_excluded",
        "node21",
        "box15",
        ("Reports excluded (other): [separate reasons and numbers using ;"
         " e.g. Reason1, xxx; Reason2, xxx; Reason3, xxx]"),
        "Reports excluded",
        "Reports excluded (other)",
        "other_excluded.html",
    ),
    (
        "new_studies",
        "node15",
        "box10",
        "New studies included in review",
        "New studies included in review",
        "New studies included in review",
        "new_studies.html",
    ),
    (
        "new_reports",
        "NA",
        "box10",
        "Reports of new included studies",
        "Reports of new included studies",
        "NA",
        "NA",
    ),
    (
        "total_studies",
        "node22",
        "box16",
        "Total studies included in review",
        "Total studies included in review",
        "Total studies included in review",
        "total_studies.html",
    ),
    (
        "total_reports",
        "NA",
        "box16",
        "Reports of total included studies",
        "Reports of total included studies",
        "NA",
        "NA",
    ),
    (
        "identification",
        "node1",
        "identification",
        "Blue identification box",
        "Identification",
        "Blue identification box",
        "identification.html",
    ),
    (
        "screening",
        "node2",
        "screening",
        "Blue screening box",
        "Screening",
        "Blue screening box",
        "screening.html",
    ),
    ("included", "node3", "included", "Blue included box", "Included", "Blue included box", "included.html"),
    (
        "total_studies_ma",
        "node23",
        "box17",
        "Total studies included in meta-analysis",
        "Total studies included in meta-analysis",
        "Total studies included in meta-analysis",
        "total_studies_meta_analysis.html",
    ),
    (
        "total_reports_ma",
        "NA",
        "box17",
        "Reports of total included studies in meta-analysis",
        "Reports of total included studies in meta-analysis",
        "NA",
        "NA",
    ),
)

# Rows that only label a column or a band; their ``n`` keeps the template's 0.
LABEL_ROWS = frozenset({"NA", "identification", "screening", "included"})

_OTHER_IDENTIFICATION = frozenset({"website_results", "organisation_results", "citations_results"})
_NAMED = frozenset({"database_specific_results", "register_specific_results", "dbr_excluded", "other_excluded"})
# Spreadsheet programs run cells that start with these as formulas.
_FORMULA_START = ("=", "+", "-", "@")


def _clean_name(name: str) -> str:
    text = re.sub(r"\s*[,;]\s*", " / ", " ".join(str(name).split()))
    return "'" + text if text.startswith(_FORMULA_START) else text


def _n_cell(counts: PrismaCounts, key: str) -> str:
    if key in _NAMED:
        named = getattr(counts, key)
        if not named:
            # A bare number: the package shows "(n = 0)" under "Reports excluded".
            return "0" if key in ("dbr_excluded", "other_excluded") else ""
        return "; ".join(f"{_clean_name(name) or 'No reason recorded'}, {n}" for name, n in named)
    if key in _OTHER_IDENTIFICATION and not counts.has_other_methods:
        return "NA"
    value = getattr(counts, key)
    return "NA" if value is None else str(int(value))


def template_rows(counts: PrismaCounts) -> list[tuple[str, ...]]:
    """The template's rows (header first) with ``n`` filled from ``counts``."""
    rows: list[tuple[str, ...]] = [COLUMNS]
    for row in TEMPLATE_ROWS:
        key = row[0]
        n = "0" if key in LABEL_ROWS else _n_cell(counts, key)
        rows.append((*row, n))
    return rows


def template_csv(counts: PrismaCounts) -> str:
    """The PRISMA2020 R package / Shiny app template as CSV text, every row in order, ``n`` filled."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(template_rows(counts))
    return out.getvalue()
