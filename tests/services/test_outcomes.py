"""The outcome rule on hand-made cases."""

from screener.services.outcomes import Rules, decide_outcome

R2 = Rules(required=2, maybe_needs_resolution=True, reason_conflicts=True)


def state(votes, rules=R2, resolution=None):
    return decide_outcome(votes, rules, resolution).state


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
