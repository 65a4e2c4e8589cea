"""PRISMA 2020 flow-diagram counts and the arithmetic they must satisfy.

``PrismaCounts`` holds one number (or list of named numbers) per ``data`` key of the PRISMA2020 R
package's CSV template, plus what the template cannot say: the human / automation split of excluded
records, the reasons behind "removed for other reasons", records from sources of type "other", and
the *awaiting* terms, which are non-zero while screening is still going on. With those terms every
box adds up at any moment, and the diagram can say "Awaiting decision (n)" instead of showing
numbers that silently do not add up.

Column conventions (databases and registers = ``dbr``; other methods = ``other``):

* ``records_awaiting``: records screened (at least one decision) whose title/abstract outcome is
  not final yet.
* ``other_records_awaiting``: records from other methods whose title/abstract outcome is not final
  yet (the template has no "records screened" box there; the diagram notes them under the
  records identified).
* ``reports_awaiting_retrieval``: reports sought that are neither assessed nor marked not retrieved.
* ``reports_awaiting_assessment``: reports assessed (at least one full-text decision) whose outcome
  is not final yet. ``other_*`` twins hold the same for the other-methods column.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

Named = tuple[tuple[str, int], ...]

# The template's data keys in its row order (label-only rows left out).
TEMPLATE_KEYS: tuple[str, ...] = (
    "previous_studies", "previous_reports",
    "database_results", "database_specific_results", "register_results", "register_specific_results",
    "website_results", "organisation_results", "citations_results",
    "duplicates", "excluded_automatic", "excluded_other",
    "records_screened", "records_excluded",
    "dbr_sought_reports", "dbr_notretrieved_reports", "other_sought_reports", "other_notretrieved_reports",
    "dbr_assessed", "dbr_excluded", "other_assessed", "other_excluded",
    "new_studies", "new_reports", "total_studies", "total_reports",
    "total_studies_ma", "total_reports_ma",
)

# Fields this project adds to the template's keys (``prisma --json`` prints them too).
EXTRA_KEYS: tuple[str, ...] = (
    "records_excluded_human", "records_excluded_automation", "excluded_other_reasons", "other_results",
    "records_awaiting", "reports_awaiting_retrieval", "reports_awaiting_assessment",
    "other_reports_awaiting_retrieval", "other_reports_awaiting_assessment", "other_records_awaiting",
    "duplicates_by_source",
)

_NAMED_FIELDS = frozenset(
    {"database_specific_results", "register_specific_results", "dbr_excluded", "other_excluded",
     "excluded_other_reasons", "duplicates_by_source"}
)


def _named(value: Mapping[str, int] | Iterable[tuple[str, int]]) -> Named:
    items = value.items() if isinstance(value, Mapping) else value
    return tuple((str(name), int(n)) for name, n in items)


@dataclass(frozen=True)
class PrismaCounts:
    """Every number of a PRISMA 2020 flow diagram for a new (or updated) systematic review.

    Lists of named numbers (per database, per register, per exclusion reason) are tuples of
    ``(name, n)`` in display order; a mapping is accepted too. ``None`` means "not applicable":
    ``previous_*`` for a review that is not an update, ``total_*_ma`` when no meta-analysis count
    was given. ``total_studies`` / ``total_reports`` are derived (previous + new).
    """

    previous_studies: int | None = None
    previous_reports: int | None = None
    database_results: int = 0
    database_specific_results: Named = ()
    register_results: int = 0
    register_specific_results: Named = ()
    website_results: int = 0
    organisation_results: int = 0
    citations_results: int = 0
    duplicates: int = 0
    excluded_automatic: int = 0
    excluded_other: int = 0
    records_screened: int = 0
    records_excluded: int = 0
    dbr_sought_reports: int = 0
    dbr_notretrieved_reports: int = 0
    other_sought_reports: int = 0
    other_notretrieved_reports: int = 0
    dbr_assessed: int = 0
    dbr_excluded: Named = ()
    other_assessed: int = 0
    other_excluded: Named = ()
    new_studies: int = 0
    new_reports: int = 0
    total_studies_ma: int | None = None
    total_reports_ma: int | None = None
    # Not in the R template:
    records_excluded_human: int = 0
    records_excluded_automation: int = 0
    excluded_other_reasons: Named = ()
    other_results: int = 0
    records_awaiting: int = 0
    reports_awaiting_retrieval: int = 0
    reports_awaiting_assessment: int = 0
    other_reports_awaiting_retrieval: int = 0
    other_reports_awaiting_assessment: int = 0
    other_records_awaiting: int = 0
    # Duplicate records removed, per source they came from (PRISMA-S item 16). A record found in
    # two sources counts under each, and sources of every type are listed, so these need not add
    # up to ``duplicates`` (the databases-and-registers column only).
    duplicates_by_source: Named = ()

    def __post_init__(self) -> None:
        for name in _NAMED_FIELDS:
            object.__setattr__(self, name, _named(getattr(self, name)))

    @property
    def total_studies(self) -> int:
        return (self.previous_studies or 0) + self.new_studies

    @property
    def total_reports(self) -> int:
        return (self.previous_reports or 0) + self.new_reports

    @property
    def is_update(self) -> bool:
        """An updated review: the diagram gets the previous-studies column and the totals box."""
        return self.previous_studies is not None or self.previous_reports is not None

    @property
    def has_other_methods(self) -> bool:
        """Whether the other-methods column has anything to show."""
        return any(
            (self.website_results, self.organisation_results, self.citations_results, self.other_results,
             self.other_sought_reports, self.other_notretrieved_reports, self.other_assessed,
             self.other_excluded, self.other_reports_awaiting_retrieval, self.other_reports_awaiting_assessment,
             self.other_records_awaiting)
        )

    @property
    def awaiting(self) -> int:
        """Records and reports whose outcome is not final yet; 0 once screening is complete."""
        return (self.records_awaiting + self.reports_awaiting_retrieval + self.reports_awaiting_assessment
                + self.other_reports_awaiting_retrieval + self.other_reports_awaiting_assessment
                + self.other_records_awaiting)

    def to_json_dict(self) -> dict[str, Any]:
        """The ``prisma --json`` document: template keys in template order, then the extra keys.

        Named lists become JSON objects ``{name: n}`` (order kept); ``None`` becomes ``null``.
        """
        doc: dict[str, Any] = {}
        for key in TEMPLATE_KEYS + EXTRA_KEYS:
            value = getattr(self, key)
            doc[key] = dict(value) if key in _NAMED_FIELDS else value
        return doc


def _total(named: Named) -> int:
    return sum(n for _, n in named)


def check_invariants(counts: PrismaCounts) -> list[str]:
    """The PRISMA.md invariants that ``counts`` violates, as readable sentences; [] when all hold.

    The awaiting terms take up what is not decided yet, so the checks hold during screening too.
    """
    problems: list[str] = []

    def equal(left: str, right: str, values: dict[str, int]) -> None:
        lhs = sum(values[name] for name in left.split(" + "))
        rhs = sum(values[name] for name in right.split(" + "))
        if lhs != rhs:
            problems.append(f"{left} ({lhs}) != {right} ({rhs})")

    values: dict[str, int] = {}
    for f in fields(counts):
        value = getattr(counts, f.name)
        if f.name in _NAMED_FIELDS:
            for name, n in value:
                if n < 0:
                    problems.append(f"{f.name}: {name!r} is negative ({n})")
            values[f.name] = _total(value)
        elif value is not None:
            if value < 0:
                problems.append(f"{f.name} is negative ({value})")
            values[f.name] = value

    equal("database_results + register_results",
          "duplicates + excluded_automatic + excluded_other + records_screened", values)
    equal("records_screened", "records_excluded + dbr_sought_reports + records_awaiting", values)
    equal("dbr_sought_reports", "dbr_notretrieved_reports + dbr_assessed + reports_awaiting_retrieval", values)
    equal("other_sought_reports",
          "other_notretrieved_reports + other_assessed + other_reports_awaiting_retrieval", values)
    # Both columns feed one "new studies / reports" box, so the assessed reports add up jointly.
    equal("dbr_assessed + other_assessed",
          "dbr_excluded + other_excluded + new_reports + reports_awaiting_assessment"
          " + other_reports_awaiting_assessment", values)
    equal("records_excluded", "records_excluded_human + records_excluded_automation", values)
    if counts.database_specific_results:
        equal("database_results", "database_specific_results", values)
    if counts.register_specific_results:
        equal("register_results", "register_specific_results", values)
    if counts.excluded_other_reasons:
        equal("excluded_other", "excluded_other_reasons", values)
    if counts.new_studies > counts.new_reports:
        problems.append(f"new_studies ({counts.new_studies}) > new_reports ({counts.new_reports}):"
                        " every included study has at least one report")
    if counts.total_studies_ma is not None and counts.total_studies_ma > counts.total_studies:
        problems.append(f"total_studies_ma ({counts.total_studies_ma}) > total_studies ({counts.total_studies})")
    if counts.total_reports_ma is not None and counts.total_reports_ma > counts.total_reports:
        problems.append(f"total_reports_ma ({counts.total_reports_ma}) > total_reports ({counts.total_reports})")
    return problems
