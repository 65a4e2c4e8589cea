"""A first draft of the selection-process paragraph (PRISMA 2020 items 8 and 16a).

The numbers come from the project; the wording is a plain starting point the team edits before
pasting it into the manuscript.
"""

from __future__ import annotations

from screener.services.agreement import stage_agreement
from screener.services.prisma import prisma_counts
from screener.services.project import get_settings
from screener.services.ranking import automation_report
from screener.services.reviewers import list_reviewers
from screener.storage.session import Store


def _n(value: int) -> str:
    return f"{value:,}"


def _agreement_sentence(store: Store, stage: str, what: str) -> str:
    doc = stage_agreement(store, stage)
    if doc["n_items"] == 0:
        return ""
    parts = [f"raw agreement {doc['percent_agreement']:.0%}"]
    if doc["cohen_kappa"] is not None:
        ci = doc.get("cohen_kappa_ci95")
        parts.append(f"Cohen's kappa {doc['cohen_kappa']:.2f}" + (f" (95% CI {ci[0]:.2f} to {ci[1]:.2f})" if ci else ""))
    if doc["gwet_ac1"] is not None:
        parts.append(f"Gwet's AC1 {doc['gwet_ac1']:.2f}")
    return f"Agreement on the {_n(doc['n_items'])} {what} decided by two or more reviewers: {', '.join(parts)}."


def methods_text(store: Store) -> str:
    """The paragraph, with every number taken from the project as it stands."""
    s = get_settings(store)
    c = prisma_counts(store)
    people = [r for r in list_reviewers(store) if r.role in ("reviewer", "owner")]
    ta, ft = s.stages["title_abstract"], s.stages["full_text"]
    blind = lambda st: "independently and blinded to each other's decisions" if st.blind else "independently"  # noqa: E731
    sources = "; ".join(f"{name} ({_n(n)})" for name, n in c.database_specific_results)
    text = [
        f"Records were identified from {sources or 'the databases searched'}"
        f" ({_n(c.database_results + c.register_results)} records in total).",
        f"After removing {_n(c.duplicates)} duplicate records with screener's deduplication"
        f" (identifier and fuzzy bibliographic matching, uncertain pairs checked by a person"
        + ("; duplicates per source: " + ", ".join(f"{name} {_n(n)}" for name, n in c.duplicates_by_source)
           if c.duplicates_by_source else "") + ")"
        + (f" and {_n(c.excluded_other)} records that could not be read" if c.excluded_other else "")
        + f", {_n(c.records_screened)} records were screened on title and abstract.",
        f"Each record was screened by {ta.reviewers_required} of {len(people)} reviewers {blind(ta)}, and each"
        f" full-text report by {ft.reviewers_required} reviewers {blind(ft)}; disagreements were resolved by an"
        " adjudicator.",
        _agreement_sentence(store, "title_abstract", "records"),
        _agreement_sentence(store, "full_text", "reports"),
        f"{_n(c.records_excluded)} records were excluded on title and abstract; {_n(c.dbr_sought_reports)} reports"
        f" were sought, {_n(c.dbr_notretrieved_reports)} could not be retrieved and {_n(c.dbr_assessed)} were"
        f" assessed in full, of which {_n(sum(n for _, n in c.dbr_excluded))} were excluded"
        + (" (" + "; ".join(f"{name}: {_n(n)}" for name, n in c.dbr_excluded) + ")" if c.dbr_excluded else "")
        + f". {_n(c.new_studies)} studies were included"
        + (f", reported in {_n(c.new_reports)} reports." if c.new_reports != c.new_studies else "."),
    ]
    stop = automation_report(store)
    if stop is not None:  # PRISMA item 8: the automation tool, how it was used, and what it decided
        text.insert(2, stop["sentence"])
    if c.awaiting:
        text.append(f"Screening is still in progress: {_n(c.awaiting)} records or reports await a final decision.")
    return " ".join(t for t in text if t)
