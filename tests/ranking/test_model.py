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
    ranker = Ranker.from_texts(TEXTS, RankerSettings(model=model, features=FeatureSettings(max_df=1.0)))
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
    a = Ranker.from_texts(texts, RankerSettings(seed=1))
    a.fit([3, 0], [0, 1])
    assert a.rank([4, 2, 1]).tolist() == [4, 2, 1]
    b = Ranker.from_texts(texts, RankerSettings(seed=1))
    b.fit([3, 0], [0, 1])
    np.testing.assert_array_equal(a.scores(), b.scores())


def test_exploration_moves_some_records_up_reproducibly():
    texts = [f"record number {i} about topic {i % 7}" for i in range(300)]
    settings = RankerSettings(exploration=0.2, seed=5)
    ranker = Ranker.from_texts(texts, settings)
    ranker.fit([0, 1], [1, 0])
    rows = np.arange(2, 300)
    plain = Ranker.from_texts(texts, RankerSettings(seed=5))
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


def test_records_without_text_are_interleaved_not_last():
    texts = ["chest x-ray deep learning"] * 2 + ["farming soil crops"] * 20 + ["", "", ""]
    ranker = Ranker.from_texts(texts, RankerSettings(no_text_every=4, features=FeatureSettings(max_df=1.0)))
    ranker.fit([0, 2], [1, 0])
    order = ranker.rank(np.arange(1, 25)[np.arange(1, 25) != 2]).tolist()
    assert order[0] == 1
    assert [order[i] for i in (3, 7, 11)] == [22, 23, 24]
    last = Ranker.from_texts(texts, RankerSettings(no_text_every=0, features=FeatureSettings(max_df=1.0)))
    last.fit([0, 2], [1, 0])
    # with interleaving off they are ranked by their score (the model's intercept) like the rest
    rows = np.arange(3, 25)
    ranked = last.rank(rows)
    assert np.all(np.diff(last.scores(ranked)) <= 0)
