"""The relevance model on small hand-made corpora."""

from __future__ import annotations

import numpy as np
import pytest

from screener.ranking.features import FeatureSettings, build_features, record_text
from screener.ranking.model import Ranker, RankerSettings

TEXTS = [
    "deep learning for chest x-ray classification",  # 0 relevant
    "a survey of medieval farming tools",  # 1
    "convolutional networks detect pneumonia on chest radiographs",  # 2 relevant
    "tax law reform in the nineteenth century",  # 3
    "transformer models segment chest CT scans",  # 4 relevant
    "soil erosion and crop rotation in farming",  # 5
    "history of tax collection in rural villages",  # 6
    "foundation models for radiology report generation from chest images",  # 7 relevant
]


@pytest.mark.parametrize("model", ["svm", "logistic", "nb", "svm+nb", "svm+logistic+nb"])
def test_ranks_similar_records_first(model):
    ranker = Ranker.from_texts(TEXTS, RankerSettings(model=model, exploration=0.0, features=FeatureSettings(max_df=1.0)))
    assert ranker.fit([0, 1], [1, 0])
    order = ranker.rank([3, 4, 5, 6, 7, 2]).tolist()
    assert set(order[:3]) == {2, 4, 7}
    scores = ranker.scores()
    assert scores.shape == (8,)
    assert ranker.last_fit_seconds > 0


def test_before_both_classes_the_given_order_is_kept():
    ranker = Ranker.from_texts(TEXTS)
    assert not ranker.fit([0], [1])
    assert not ranker.is_fitted and ranker.scores() is None
    assert ranker.rank([5, 3, 1]).tolist() == [5, 3, 1]


def test_ties_keep_the_given_order_and_runs_are_reproducible():
    texts = ["alpha beta", "alpha beta", "alpha beta", "gamma delta", "alpha beta"]
    a = Ranker.from_texts(texts, RankerSettings(seed=1, exploration=0.0))
    a.fit([3, 0], [0, 1])
    assert a.rank([4, 2, 1]).tolist() == [4, 2, 1]
    b = Ranker.from_texts(texts, RankerSettings(seed=1, exploration=0.0))
    b.fit([3, 0], [0, 1])
    np.testing.assert_array_equal(a.scores(), b.scores())


def test_exploration_moves_some_records_up_reproducibly():
    texts = [f"record number {i} about topic {i % 7}" for i in range(300)]
    settings = RankerSettings(exploration=0.2, seed=5)
    ranker = Ranker.from_texts(texts, settings)
    ranker.fit([0, 1], [1, 0])
    rows = np.arange(2, 300)
    plain = Ranker.from_texts(texts, RankerSettings(seed=5, exploration=0.0))
    plain.fit([0, 1], [1, 0])
    explored = ranker.rank(rows)
    assert sorted(explored.tolist()) == rows.tolist()  # a permutation
    assert explored.tolist() != plain.rank(rows).tolist()
    assert ranker.rank(rows).tolist() == explored.tolist()  # same seed, same queue


def test_settings_are_checked():
    with pytest.raises(ValueError):
        RankerSettings(model="forest")
    with pytest.raises(ValueError):
        RankerSettings(exploration=2.0)
    with pytest.raises(ValueError):
        RankerSettings(dry_run=0)
    with pytest.raises(ValueError):
        Ranker.from_texts(TEXTS).fit([0, 1], [1])


def test_features_cope_with_empty_and_tiny_corpora():
    assert build_features([]).shape[0] == 0
    x = build_features(["", ""])
    assert x.shape[0] == 2
    x = build_features(["one", "two words"], FeatureSettings(char_ngrams=(3, 4)))
    assert x.shape[0] == 2
    norms = np.sqrt(x.multiply(x).sum(axis=1)).A.ravel()
    np.testing.assert_allclose(norms, 1.0)


def test_record_text():
    assert record_text("Title", "Abstract", ["kw1", ""], title_weight=2) == "Title Title Abstract kw1"
    assert record_text("", "", ()) == ""


def test_records_without_text_wait_until_the_queue_runs_dry():
    texts = ["chest x-ray deep learning"] * 2 + ["farming soil crops"] * 20 + ["", "", ""]
    settings = RankerSettings(no_text_every=4, dry_run=5, exploration=0.0, features=FeatureSettings(max_df=1.0))
    ranker = Ranker.from_texts(texts, settings)
    rest = [r for r in range(25) if r not in (0, 2, 3, 4, 5, 6)]
    # still finding includes (3 excluded in a row < 5): the blank records wait at the end
    ranker.fit([0, 2, 3, 4, 5], [1, 0, 0, 0, 0])
    assert ranker.rank(rest).tolist()[-3:] == [22, 23, 24]
    # run dry (5 in a row): every 4th record screened from there on is one of them
    ranker.fit([0, 2, 3, 4, 5, 6], [1, 0, 0, 0, 0, 0])
    order = ranker.rank(rest).tolist()
    assert order[0] == 1 and [order[i] for i in (3, 7, 11)] == [22, 23, 24]
    # two more excluded: the count runs on from the start of the dry spell, not from the queue
    ranker.fit([0, 2, 3, 4, 5, 6, 7, 8], [1, 0, 0, 0, 0, 0, 0, 0])
    order = ranker.rank([r for r in rest if r not in (7, 8)]).tolist()
    assert [order[i] for i in (1, 5, 9)] == [22, 23, 24]
    # an include ends the dry spell
    ranker.fit([0, 2, 3, 4, 5, 6, 1], [1, 0, 0, 0, 0, 0, 1])
    assert ranker.rank(rest[1:]).tolist()[-3:] == [22, 23, 24]
    # with no_text_every = 0 they are ranked by their score (the intercept) like the rest
    plain = Ranker.from_texts(texts, RankerSettings(no_text_every=0, exploration=0.0,
                                                    features=FeatureSettings(max_df=1.0)))
    plain.fit([0, 2, 3, 4, 5, 6], [1, 0, 0, 0, 0, 0])
    ranked = plain.rank(rest)
    assert np.all(np.diff(plain.scores(ranked)) <= 0)
