"""Project counts: records, duplicates, per stage and label, per reviewer, conflicts."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func, select

from screener.core.enums import Stage
from screener.services.outcomes import active_record_ids, passed, stage_outcomes
from screener.storage.models import Decision, Record, Reviewer
from screener.storage.session import Store


def project_status(store: Store) -> dict[str, Any]:
    """The `status --json` document of CLI.md."""
    with store.read() as s:
        records = s.scalar(select(func.count(Record.id))) or 0
        duplicates = s.scalar(select(func.count(Record.id)).where(Record.duplicate_of.is_not(None))) or 0
        reviewers = list(s.scalars(select(Reviewer.name).order_by(Reviewer.id)))
        stages: dict[str, Any] = {}
        eligible = active_record_ids(s)
        for stage in Stage:  # title/abstract first: its outcomes decide who reaches full text
            outcomes = stage_outcomes(s, stage.value, eligible)
            c = Counter(o.state for o in outcomes.values())
            stages[stage.value] = {
                "eligible": len(eligible),
                "screened": sum(1 for o in outcomes.values() if o.n_decisions > 0 or o.resolved),
                "included": c["include"], "excluded": c["exclude"], "maybe": c["maybe"],
                "conflicts": c["conflict"], "pending": c["pending"], "unscreened": c["unscreened"],
            }
            eligible = passed(outcomes)
        by_reviewer: dict[str, dict[str, int]] = {name: {st.value: 0 for st in Stage} for name in reviewers}
        q = (select(Reviewer.name, Decision.stage, func.count(Decision.id))
             .join(Decision, Decision.reviewer_id == Reviewer.id).group_by(Reviewer.name, Decision.stage))
        for name, stage, n in s.execute(q):
            by_reviewer[name][stage] = n
    return {"records": records, "duplicates": duplicates, "reviewers": reviewers, "stages": stages,
            "by_reviewer": by_reviewer}
