"""The relevance model: a classifier refitted on the decisions so far that orders the rest.

:class:`Ranker` holds the feature matrix of every record of a review (rows 0..n-1) and is
refitted after decisions with :meth:`Ranker.fit`; :meth:`Ranker.rank` orders any set of
rows, most likely relevant first. It is plain Python on numpy/scikit-learn data: the GUI runs
it in a worker thread, the simulation runs it in a loop, and both run exactly this code.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import MultinomialNB
from sklearn.svm import LinearSVC

from screener.ranking.features import FeatureSettings, build_features

#: the classifiers; a model is one of them or several joined by "+" (an ensemble that
#: averages their standardised scores)
CLASSIFIERS = ("svm", "logistic", "nb")
#: excluded records in a row after which the ranked queue counts as run dry
DRY_RUN = 100


@dataclass(frozen=True, slots=True)
class RankerSettings:
    """Everything that decides the ranking; reported with every result so runs can be redone."""

    #: chosen by benchmarks/ranking_vs_asreview.py: ensembles with naive Bayes (z-score or rank
    #: averaged) and character n-grams raised the mean WSS@95 on some datasets but lost more
    #: than 0.03 to ASReview on others (and character n-grams double the time of a refit)
    model: str = "svm"
    features: FeatureSettings = field(default_factory=FeatureSettings)
    #: regularisation of the linear models (larger = fits the labeled records more closely);
    #: svm_c and positive_ratio are the values ASReview tuned on the SYNERGY datasets
    svm_c: float = 0.11
    logistic_c: float = 1.0
    nb_alpha: float = 0.05
    #: the included records together weigh this many times the excluded ones: relevant
    #: records are rare and missing one costs far more than reading one more irrelevant one
    positive_ratio: float = 9.8
    #: the ranked queue has "run dry" after this many excluded records in a row (the rule of
    #: thumb for stopping that the screening view shows beside the statistical rule)
    dry_run: int = DRY_RUN
    #: once the queue has run dry, every this-many-th record screened is one without any text,
    #: which the model cannot rank (0 = rank them by score like the rest): see Ranker.rank
    no_text_every: int = 10
    #: share of queue positions given to a random record instead of the top-ranked one, so
    #: that topics the model has not seen yet still come up; on the benchmark 2 % costs about
    #: 0.003 of mean WSS@95
    exploration: float = 0.02
    seed: int = 42

    def __post_init__(self) -> None:
        parts = self.model.split("+")
        if not parts or any(p not in CLASSIFIERS for p in parts) or len(set(parts)) != len(parts):
            raise ValueError(
                f"unknown model {self.model!r}: use {', '.join(CLASSIFIERS)} or several joined by '+'"
            )
        if self.no_text_every < 0:
            raise ValueError("no_text_every cannot be negative")
        if self.dry_run < 1:
            raise ValueError("dry_run must be at least 1")
        if not 0.0 <= self.exploration <= 1.0:
            raise ValueError("exploration must be between 0 and 1")

    def as_dict(self) -> dict:
        return asdict(self)


def _sample_weights(y: np.ndarray, positive_ratio: float) -> np.ndarray:
    n_pos = int(y.sum())
    n_neg = y.size - n_pos
    w = np.ones(y.size, dtype=np.float64)
    if n_pos and n_neg:
        # total weight of the negatives = n_pos / ratio (the form of ASReview's balancer)
        w[y == 0] = n_pos / (positive_ratio * n_neg)
    # mean weight 1, so that C means the same whatever the class balance
    return w * (y.size / w.sum())


def _standardise(values: np.ndarray) -> np.ndarray:
    spread = values.std()
    return (values - values.mean()) / spread if spread > 0 else values - values.mean()


class Ranker:
    """A relevance model over a fixed set of records (rows of a feature matrix)."""

    def __init__(self, features: sparse.csr_matrix, settings: RankerSettings | None = None):
        self.settings = settings or RankerSettings()
        # float64 with sorted indices is what liblinear wants: anything else is converted
        # (copied and re-sorted) on every refit
        self.features = sparse.csr_matrix(features, dtype=np.float64)
        self.features.sort_indices()
        # records without any text: the model has nothing to rank them by (see rank)
        self._no_text = np.diff(self.features.indptr) == 0
        self._models: list = []
        self._scores: np.ndarray | None = None
        self._excluded_in_a_row = 0
        #: seconds the last :meth:`fit` took (fit + scoring every record)
        self.last_fit_seconds = 0.0

    @classmethod
    def from_texts(cls, texts: Sequence[str], settings: RankerSettings | None = None) -> "Ranker":
        """A ranker whose rows are ``texts`` in order (see :func:`features.record_text`)."""
        settings = settings or RankerSettings()
        return cls(build_features(texts, settings.features), settings)

    @property
    def n_records(self) -> int:
        return self.features.shape[0]

    @property
    def is_fitted(self) -> bool:
        """True once a model was fitted on at least one included and one excluded record."""
        return self._scores is not None

    def fit(self, rows: Sequence[int], labels: Sequence[int]) -> bool:
        """Refit on the records ``rows`` with 0/1 ``labels`` (1 = include) and rescore all rows.

        ``rows`` are in the order they were screened: the excluded records in a row at the end
        tell whether the ranked queue has run dry (see :meth:`rank`). Returns False (and keeps
        no model) while only one class has been seen: then :meth:`rank` keeps the given order.
        """
        start = time.perf_counter()
        rows = np.asarray(rows, dtype=np.int64)
        y = np.asarray(labels, dtype=np.int64)
        if rows.shape != y.shape:
            raise ValueError("rows and labels differ in length")
        ones = np.flatnonzero(y)
        self._excluded_in_a_row = int(y.size if ones.size == 0 else y.size - 1 - ones[-1])
        if y.size == 0 or y.min() == y.max():
            self._models, self._scores = [], None
            self.last_fit_seconds = time.perf_counter() - start
            return False
        # records without text are trained on too: as empty documents they move only the
        # intercept, the model's base rate for a record it has no words for
        x = self.features[rows]
        x.has_sorted_indices = True  # row selection keeps each row's sorted column order
        weights = _sample_weights(y, self.settings.positive_ratio)
        self._models = [self._fit_one(name, x, y, weights) for name in self._model_names()]
        self._scores = self._score_all()
        self.last_fit_seconds = time.perf_counter() - start
        return True

    def _model_names(self) -> tuple[str, ...]:
        return tuple(self.settings.model.split("+"))

    def _fit_one(self, name: str, x: sparse.csr_matrix, y: np.ndarray, weights: np.ndarray):
        s = self.settings
        if name == "svm":
            model = LinearSVC(C=s.svm_c, loss="squared_hinge", random_state=s.seed)
        elif name == "logistic":
            # the dual solver is several times faster here: far fewer records than features
            model = LogisticRegression(C=s.logistic_c, solver="liblinear", dual=True, random_state=s.seed)
        else:
            model = MultinomialNB(alpha=s.nb_alpha)
        model.fit(x, y, sample_weight=weights)
        return model

    def _score_all(self) -> np.ndarray:
        parts = []
        for model in self._models:
            if isinstance(model, MultinomialNB):
                # log-odds of relevance; a linear function of the features like the others
                log_prob = model.feature_log_prob_[1] - model.feature_log_prob_[0]
                raw = self.features @ log_prob + (model.class_log_prior_[1] - model.class_log_prior_[0])
            else:
                raw = self.features @ model.coef_.ravel() + model.intercept_[0]
            parts.append(np.asarray(raw, dtype=np.float64).ravel())
        if len(parts) == 1:
            return parts[0]
        # the models' scales differ; standardise each before averaging
        return np.mean([_standardise(p) for p in parts], axis=0)

    def scores(self, rows: Sequence[int] | None = None) -> np.ndarray | None:
        """The relevance score of ``rows`` (all rows when None); higher = more likely relevant.

        None before the first successful :meth:`fit`.
        """
        if self._scores is None:
            return None
        return self._scores if rows is None else self._scores[np.asarray(rows, dtype=np.int64)]

    def rank(self, rows: Sequence[int], rng: np.random.Generator | None = None) -> np.ndarray:
        """``rows`` ordered most likely relevant first.

        Before a model exists the given order is kept (imported order; shuffle it yourself for
        a random start). Records without any text (no title, abstract or keywords) carry no
        evidence the model can weigh: they wait at the end of the queue while it still finds
        includes, and once it has run dry (``dry_run`` excluded in a row, the rule-of-thumb
        stopping point) every ``no_text_every``-th record screened is one of them, in the given
        order, so that a team stopping there has looked at them all. (Placing them by the
        model's intercept instead, as ASReview does, leaves them to chance; screening them
        from the start costs their share of the review on every dataset where none is
        relevant.) With ``exploration > 0`` that share of positions, drawn with ``rng`` (seeded
        from the settings when None), holds a random record from the rest of the queue.
        """
        rows = np.asarray(rows, dtype=np.int64)
        if self._scores is None or rows.size == 0:
            return rows.copy()
        every = self.settings.no_text_every
        blank = self._no_text[rows] if every else np.zeros(rows.size, dtype=bool)
        texts, blanks = rows[~blank], rows[blank]
        # stable sort on the negated score: ties keep the given (imported) order
        order = texts[np.argsort(-self._scores[texts], kind="stable")]
        if blanks.size:
            dry_for = self._excluded_in_a_row - self.settings.dry_run
            if dry_for >= 0:
                # counted from the start of the dry spell, so that a queue re-ranked after
                # every decision still brings one up every `every` decisions
                order = _interleave(order, blanks, every, every - 1 - dry_for % every)
            else:
                order = np.concatenate([order, blanks])
        if self.settings.exploration > 0:
            order = _explore(order, self.settings.exploration, rng or np.random.default_rng(self.settings.seed))
        return order


def _interleave(order: np.ndarray, extra: np.ndarray, every: int, first: int | None = None) -> np.ndarray:
    """``order`` with ``extra`` at positions first, first+every, first+2*every, ... (first
    defaults to every-1); those that do not fit between the ranked records go last."""
    first = every - 1 if first is None else first
    out = np.empty(order.size + extra.size, dtype=np.int64)
    taken = np.zeros(out.size, dtype=bool)
    positions = first + np.arange(extra.size) * every
    positions = positions[positions < out.size]
    taken[positions] = True
    rest = extra.size - positions.size
    if rest:
        taken[np.flatnonzero(~taken)[-rest:]] = True
    out[taken] = extra
    out[~taken] = order
    return out


#: exploration only touches the head of the queue: that is what a reviewer sees next, and the
#: queue is re-ranked after the next refit anyway
EXPLORE_HEAD = 200


def _explore(order: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    """Move a random record into each head position chosen with probability ``share``."""
    out = order.copy()
    picks = np.flatnonzero(rng.random(min(out.size, EXPLORE_HEAD)) < share)
    for pos in picks:
        if pos + 1 >= out.size:
            break
        j = rng.integers(pos, out.size)
        # take record j out and put it at pos; the ones between move down by one
        record = out[j]
        out[pos + 1 : j + 1] = out[pos:j]
        out[pos] = record
    return out
