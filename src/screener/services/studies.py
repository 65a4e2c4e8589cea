"""Several reports of one study: a report (record) points to the study's main record.

PRISMA 2020 counts *studies* included and *reports* of included studies separately: a trial
may have a protocol paper, the main results and a follow-up, three records that are one study.
A record with ``study_id`` NULL is the main record of its own study; a linked record's
``study_id`` names the main record. Links are kept one level deep (a study's main record is
never itself a report of another study), so "the study of a record" is always
``study_id or id``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update

from screener.core.errors import NotFoundError, UserError
from screener.storage.models import Record
from screener.storage.session import Store


@dataclass(frozen=True)
class StudyLink:
    """The study a report now belongs to, and every report of that study (main record first)."""

    report_id: int
    study_id: int
    reports: tuple[int, ...]

    def as_dict(self) -> dict[str, object]:
        return {"report_id": self.report_id, "study_id": self.study_id, "reports": list(self.reports)}


def _active(session, record_id: int) -> Record:
    rec = session.get(Record, int(record_id))
    if rec is None:
        raise NotFoundError(f"unknown record {record_id}")
    if rec.duplicate_of is not None:
        raise UserError(f"record {record_id} was merged into record {rec.duplicate_of} as a duplicate;"
                        f" link record {rec.duplicate_of} instead")
    return rec


def _reports(session, study_id: int) -> tuple[int, ...]:
    linked = session.scalars(select(Record.id).where(Record.study_id == study_id).order_by(Record.id))
    return (study_id, *linked)


def link_report(store: Store, report_id: int, study_id: int) -> StudyLink:
    """Make record ``report_id`` a report of the study whose main record is ``study_id``.

    If ``study_id`` is itself a report of another study, the link goes to that study's main
    record. If ``report_id`` was the main record of a study with other reports, those reports
    move along with it, so the two studies become one.
    """
    report_id, study_id = int(report_id), int(study_id)
    with store.unit() as s:
        report = _active(s, report_id)
        study = _active(s, study_id)
        main = study.study_id if study.study_id is not None else study.id
        if main == report_id or report_id == study_id:
            raise UserError(f"record {report_id} cannot be a report of its own study")
        report.study_id = main  # the ORM bumps report.version (optimistic concurrency)
        # reports that pointed to report_id follow it into the study (keeps links one level deep);
        # a bulk UPDATE bypasses the ORM's version counter, so it bumps the versions itself
        s.execute(update(Record).where(Record.study_id == report_id)
                  .values(study_id=main, version=Record.version + 1)
                  .execution_options(synchronize_session=False))
        s.flush()
        return StudyLink(report_id, main, _reports(s, main))


def unlink_report(store: Store, report_id: int) -> StudyLink:
    """Make record ``report_id`` its own study again (its former study keeps its other reports)."""
    with store.unit() as s:
        report = _active(s, report_id)
        report.study_id = None
        s.flush()
        return StudyLink(report.id, report.id, _reports(s, report.id))


def study_of(store: Store, record_id: int) -> StudyLink:
    """The study record ``record_id`` belongs to, with all of that study's reports."""
    with store.read() as s:
        rec = _active(s, record_id)
        main = rec.study_id if rec.study_id is not None else rec.id
        return StudyLink(rec.id, main, _reports(s, main))
