"""compute_agreement on {item: {rater: label}} data, against scikit-learn, statsmodels and krippendorff."""

from __future__ import annotations

import json
import math
import warnings
from itertools import combinations

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from screener.stats.agreement import LABEL_CATEGORIES, agreement_by_block, compute_agreement

LABELS = list(LABEL_CATEGORIES)
CLI_FIELDS = {
    "stage", "n_items", "raters", "percent_agreement", "cohen_kappa", "cohen_kappa_ci95",
    "pabak", "gwet_ac1", "fleiss_kappa", "krippendorff_alpha", "pairs",
}
PAIR_FIELDS = {"a", "b", "n_items", "percent_agreement", "cohen_kappa"}


def sklearn_kappa(y1, y2, labels=LABELS):
    """scikit-learn's kappa, with its 'undefined' (NaN plus a warning) turned into None."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        value = cohen_kappa_score(y1, y2, labels=labels)
    return None if math.isnan(value) else float(value)


def random_ratings(rng, n_items, raters, p_missing, labels=LABELS, skew=None):
    data = {}
    for item in range(n_items):
        data[item] = {
            r: str(rng.choice(labels, p=skew)) for r in raters if rng.random() >= p_missing
        }
    return data


def test_cli_fields_and_json_safety():
    ratings = {1: {"ana": "include", "ben": "include"}, 2: {"ana": "exclude", "ben": "maybe"}}
    doc = compute_agreement(ratings).to_json_dict("title_abstract")
    assert CLI_FIELDS <= doc.keys()
    assert doc["stage"] == "title_abstract"
    assert doc["raters"] == ["ana", "ben"]
    assert PAIR_FIELDS <= doc["pairs"][0].keys()
    json.dumps(doc, allow_nan=False)


def test_two_raters_match_sklearn():
    rng = np.random.default_rng(1)
    for trial in range(80):
        n = int(rng.integers(1, 60))
        skew = [0.1, 0.8, 0.1] if trial % 3 == 0 else None
        ratings = random_ratings(rng, n, ["ana", "ben"], 0.0, skew=skew)
        result = compute_agreement(ratings)
        y1 = [ratings[i]["ana"] for i in ratings]
        y2 = [ratings[i]["ben"] for i in ratings]
        assert result.n_items == n
        expected = sklearn_kappa(y1, y2)
        if expected is None:
            assert result.cohen_kappa is None
        else:
            assert result.cohen_kappa == pytest.approx(expected, abs=1e-12)
        assert result.percent_agreement == pytest.approx(np.mean(np.array(y1) == np.array(y2)))
        assert result.pairs[0].cohen_kappa == result.cohen_kappa


def test_pairs_with_missing_ratings_match_sklearn_and_lights_kappa():
    rng = np.random.default_rng(2)
    raters = ["ana", "ben", "cy", "dee"]
    for _ in range(30):
        ratings = random_ratings(rng, int(rng.integers(5, 80)), raters, 0.4)
        result = compute_agreement(ratings)
        defined = []
        for pair in result.pairs:
            both = [i for i, r in ratings.items() if pair.a in r and pair.b in r]
            assert pair.n_items == len(both)
            if not both:
                assert pair.cohen_kappa is None and pair.percent_agreement is None
                continue
            expected = sklearn_kappa([ratings[i][pair.a] for i in both], [ratings[i][pair.b] for i in both])
            if expected is None:
                assert pair.cohen_kappa is None
            else:
                assert pair.cohen_kappa == pytest.approx(expected, abs=1e-12)
                defined.append(expected)
        if result.n_items and len({r for i in ratings.values() if len(i) >= 2 for r in i}) > 2:
            assert result.cohen_kappa_ci95 is None
            assert result.cohen_kappa == (pytest.approx(np.mean(defined)) if defined else None)


def test_krippendorff_package_with_missing_ratings():
    rng = np.random.default_rng(3)
    raters = ["ana", "ben", "cy"]
    for trial in range(80):
        skew = [0.05, 0.9, 0.05] if trial % 4 == 0 else None
        ratings = random_ratings(rng, int(rng.integers(3, 80)), raters, 0.35, skew=skew)
        result = compute_agreement(ratings)
        code = {label: float(i) for i, label in enumerate(LABELS)}
        data = np.array([[code[ratings[i][r]] if r in ratings[i] else np.nan for i in ratings] for r in raters])
        pairable = [i for i in ratings if len(ratings[i]) >= 2]
        used = {ratings[i][r] for i in pairable for r in ratings[i]}
        if len(used) < 2:
            assert result.krippendorff_alpha is None
            continue
        expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal", value_domain=[0.0, 1.0, 2.0])
        assert result.krippendorff_alpha == pytest.approx(expected, abs=1e-10)


def test_fleiss_matches_statsmodels_when_every_rater_rates_every_item():
    rng = np.random.default_rng(4)
    raters = ["ana", "ben", "cy", "dee", "eve"]
    for _ in range(60):
        ratings = random_ratings(rng, int(rng.integers(2, 50)), raters, 0.0)
        result = compute_agreement(ratings)
        counts = np.array([[sum(v == label for v in r.values()) for label in LABELS] for r in ratings.values()])
        if result.fleiss_kappa is None:
            assert (counts.sum(axis=0) > 0).sum() == 1
        else:
            assert result.fleiss_kappa == pytest.approx(sm_fleiss_kappa(counts), abs=1e-12)
        assert result.pabak == pytest.approx(sm_fleiss_kappa(counts, method="randolph"), abs=1e-12)


def test_gwet_handbook_example_through_compute_agreement():
    # Gwet (2014), p. 120, with units 11 and 12 (one rating each, or one pairable pair) as given;
    # Krippendorff's alpha ignores unpairable units, so the published 0.743 holds here too.
    columns = {
        "r1": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
        "r2": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, None],
        "r3": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 3],
        "r4": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
    }
    ratings = {u: {r: (None if v[u] is None else str(v[u])) for r, v in columns.items()} for u in range(12)}
    result = compute_agreement(ratings, categories=["1", "2", "3", "4", "5"])
    assert result.n_items == 11
    assert round(result.krippendorff_alpha, 3) == 0.743
    assert round(result.percent_agreement, 3) == 0.818


def test_everyone_agrees_on_one_category():
    ratings = {i: {"ana": "exclude", "ben": "exclude"} for i in range(20)}
    result = compute_agreement(ratings)
    assert result.percent_agreement == 1.0
    assert result.pabak == 1.0
    assert result.gwet_ac1 == 1.0
    assert result.cohen_kappa is None
    assert result.cohen_kappa_ci95 is None
    assert result.fleiss_kappa is None
    assert result.krippendorff_alpha is None
    doc = result.to_json_dict()
    assert doc["cohen_kappa"] is None
    json.dumps(doc, allow_nan=False)


def test_no_items():
    ratings = {1: {"ana": "include"}, 2: {"ben": "exclude", "cy": None}, 3: {}}
    result = compute_agreement(ratings)
    assert result.n_items == 0
    assert result.raters == ("ana", "ben")
    for name in ("percent_agreement", "cohen_kappa", "cohen_kappa_ci95", "pabak", "gwet_ac1",
                 "fleiss_kappa", "krippendorff_alpha"):
        assert getattr(result, name) is None
    assert [(p.a, p.b, p.n_items) for p in result.pairs] == [("ana", "ben", 0)]
    json.dumps(result.to_json_dict(), allow_nan=False)
    empty = compute_agreement({})
    assert empty.n_items == 0 and empty.raters == () and empty.pairs == ()


def test_maybe_is_its_own_category_unless_merged():
    ratings = {1: {"a": "maybe", "b": "include"}, 2: {"a": "exclude", "b": "exclude"},
               3: {"a": "include", "b": "include"}}
    separate = compute_agreement(ratings)
    merged = compute_agreement(ratings, maybe_as_include=True)
    assert separate.percent_agreement == pytest.approx(2 / 3)
    assert merged.percent_agreement == 1.0
    assert merged.categories == ("include", "exclude")
    assert merged.pabak == 1.0
    assert separate.pabak == pytest.approx((3 * 2 / 3 - 1) / 2)


def test_confusion_matrix_and_tags_as_yes_no():
    ratings = {1: {"a": "yes", "b": "no"}, 2: {"a": "yes", "b": "yes"}, 3: {"a": "no", "b": "no"},
               4: {"a": "yes", "b": "yes"}}
    result = compute_agreement(ratings, categories=("yes", "no"))
    assert result.pairs[0].confusion == ((2, 1), (0, 1))
    assert result.cohen_kappa == pytest.approx(sklearn_kappa(["yes", "yes", "no", "yes"], ["no", "yes", "no", "yes"], labels=["yes", "no"]))


def test_invalid_input():
    with pytest.raises(ValueError, match="perhaps"):
        compute_agreement({7: {"a": "include", "b": "perhaps"}})
    with pytest.raises(ValueError):
        compute_agreement({}, categories=("yes",))
    with pytest.raises(ValueError):
        compute_agreement({}, categories=("yes", "yes"))


def test_agreement_by_block():
    items = [(i, {"a": "include", "b": "include" if i < 10 else "exclude"}) for i in range(25)]
    items.insert(3, (99, {"a": "include"}))  # one rating only: not an item
    blocks = agreement_by_block(items, 10)
    assert [b.n_items for b in blocks] == [10, 10, 5]
    assert [b.percent_agreement for b in blocks] == [1.0, 0.0, 0.0]
    with pytest.raises(ValueError):
        agreement_by_block(items, 0)


# ---- properties -------------------------------------------------------------------------------

rater_names = st.sampled_from(["ana", "ben", "cy", "dee"])
label = st.sampled_from(LABELS)
ratings_strategy = st.dictionaries(
    st.integers(0, 200), st.dictionaries(rater_names, label, max_size=4), max_size=40
)
two_rater_strategy = st.lists(st.tuples(label, label), max_size=40)

STATS = ("percent_agreement", "cohen_kappa", "pabak", "gwet_ac1", "fleiss_kappa", "krippendorff_alpha")


@settings(max_examples=100, deadline=None)
@given(ratings_strategy)
def test_statistics_are_bounded_or_none(ratings):
    result = compute_agreement(ratings)
    for name in STATS:
        value = getattr(result, name)
        assert value is None or (math.isfinite(value) and -1.0 - 1e-9 <= value <= 1.0 + 1e-9), name
    if result.cohen_kappa_ci95 is not None:
        low, high = result.cohen_kappa_ci95
        assert -1.0 <= low <= result.cohen_kappa + 1e-9 and result.cohen_kappa - 1e-9 <= high <= 1.0
    assert result.n_items == sum(1 for r in ratings.values() if len(r) >= 2)
    assert len(result.pairs) == len(list(combinations(result.raters, 2)))
    json.dumps(result.to_json_dict(), allow_nan=False)


@settings(max_examples=100, deadline=None)
@given(two_rater_strategy)
def test_symmetric_in_raters(pairs):
    forward = compute_agreement({i: {"a": x, "b": y} for i, (x, y) in enumerate(pairs)})
    backward = compute_agreement({i: {"a": y, "b": x} for i, (x, y) in enumerate(pairs)})
    for name in STATS + ("cohen_kappa_ci95",):
        f, b = getattr(forward, name), getattr(backward, name)
        assert (f is None and b is None) or f == pytest.approx(b, abs=1e-12), name


@settings(max_examples=60, deadline=None)
@given(st.lists(label, min_size=1, max_size=40), st.integers(2, 4))
def test_identical_raters_agree_perfectly(labels, n_raters):
    raters = ["ana", "ben", "cy", "dee"][:n_raters]
    result = compute_agreement({i: {r: x for r in raters} for i, x in enumerate(labels)})
    assert result.percent_agreement == 1.0
    assert result.pabak == pytest.approx(1.0)
    assert result.gwet_ac1 == pytest.approx(1.0)
    single_category = len(set(labels)) == 1
    for name in ("cohen_kappa", "fleiss_kappa", "krippendorff_alpha"):
        value = getattr(result, name)
        assert value is None if single_category else value == pytest.approx(1.0), name


@settings(max_examples=50, deadline=None)
@given(ratings_strategy)
def test_relabelling_items_changes_nothing(ratings):
    renamed = {f"rec-{k}": v for k, v in reversed(list(ratings.items()))}
    x, y = compute_agreement(renamed), compute_agreement(ratings)
    assert x.n_items == y.n_items
    for name in STATS:
        a, b = getattr(x, name), getattr(y, name)
        assert (a is None and b is None) or a == pytest.approx(b, abs=1e-12), name
