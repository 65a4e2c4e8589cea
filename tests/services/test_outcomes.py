"""The outcome rule on hand-made cases."""

from screener.services.outcomes import Rules, decide_outcome

R2 = Rules(required=2, maybe_needs_resolution=True, reason_conflicts=True)


def state(votes, rules=R2, resolution=None, duplicates=()):
    return decide_outcome(votes, rules, resolution, duplicates).state


def test_basic_agreement_and_pending():
    assert state([]) == "unscreened"
    assert state([("include", None)]) == "pending"
    assert state([("include", None), ("include", None)]) == "include"
    assert state([("include", None)], Rules(required=1)) == "include"


def test_conflicts():
    assert state([("include", None), ("exclude", 1)]) == "conflict"
    assert state([("exclude", 1)] * 1 + [("include", None)], Rules(required=3)) == "conflict"
    assert state([("maybe", None), ("maybe", None)]) == "conflict"
    assert state([("maybe", None), ("maybe", None)], Rules(2, maybe_needs_resolution=False)) == "maybe"
    assert state([("exclude", 1), ("exclude", 2)]) == "conflict"
    assert state([("exclude", 1), ("exclude", 2)], Rules(2, reason_conflicts=False)) == "exclude"
    assert state([("exclude", 1), ("exclude", 1)]) == "exclude"


def test_resolution_wins():
    o = decide_outcome([("include", None), ("exclude", 1)], R2, "exclude")
    assert o.state == "exclude" and o.resolved and o.n_decisions == 2


def test_duplicates_disagreeing_make_a_conflict_and_never_count_towards_agreement():
    inc, exc = ("include", None), ("exclude", 1)
    o = decide_outcome([inc, inc], R2, None, duplicates=[exc])
    assert o.state == "conflict" and o.merged and o.n_decisions == 3
    assert decide_outcome([], R2, None, duplicates=[inc, exc]).merged  # the duplicates disagree among themselves
    assert state([inc], duplicates=[inc]) == "pending"  # an agreeing duplicate is no second vote
    assert state([], duplicates=[inc]) == "unscreened"
    assert state([inc, inc], duplicates=[inc]) == "include"
    assert state([("exclude", 1)] * 2, duplicates=[("exclude", 2)]) == "conflict"  # reasons differ (full text)
    assert state([("exclude", 1)] * 2, Rules(2), duplicates=[("exclude", 2)]) == "exclude"
    own = decide_outcome([inc, exc], R2, None, duplicates=[inc])
    assert own.state == "conflict" and not own.merged  # the reviewers disagreed before any merge


def test_only_a_resolution_after_the_merge_settles_disagreeing_duplicates():
    inc, exc = ("include", None), ("exclude", 1)
    assert state([inc, inc], resolution="include", duplicates=[exc]) == "include"
    old = decide_outcome([inc, exc], R2, "include", duplicates=[exc], resolved_since_merge=False)
    assert old.state == "conflict" and old.merged
    agreeing = decide_outcome([inc, exc], R2, "exclude", duplicates=[exc], resolved_since_merge=False)
    assert agreeing.state == "exclude" and agreeing.resolved
