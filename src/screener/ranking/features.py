"""Text features for relevance ranking: one sparse TF-IDF row per record.

The vectoriser is fitted once on every record of the review (labeled or not): that uses no
label, only the vocabulary and document frequencies of the corpus being screened, so the
words that matter in this review get their weight before anyone has decided anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize


@dataclass(frozen=True, slots=True)
class FeatureSettings:
    """How record texts become vectors; part of the settings a ranking run reports."""

    word_ngrams: tuple[int, int] = (1, 2)
    #: character n-grams within word boundaries catch spelling variants, plurals and
    #: compound terms that word tokens miss; (0, 0) turns them off.
    char_ngrams: tuple[int, int] = (0, 0)
    char_weight: float = 0.5
    min_df: int = 1
    max_df: float = 0.95
    sublinear_tf: bool = True
    #: the title is repeated this many times: it is the densest statement of the topic
    title_weight: int = 1


def record_text(title: str = "", abstract: str = "", keywords: Iterable[str] = (), title_weight: int = 1) -> str:
    """The text of one record the ranker reads: title (repeated ``title_weight`` times),
    abstract and keywords."""
    parts = [title or ""] * max(1, title_weight)
    parts.append(abstract or "")
    parts.extend(k for k in keywords if k)
    return " ".join(p for p in parts if p)


def _vectorizer(settings: FeatureSettings, analyzer: str, ngrams: tuple[int, int]) -> TfidfVectorizer:
    # On tiny corpora max_df as a fraction can fall below min_df; sklearn then refuses, so
    # the caller retries without the document-frequency cut.
    return TfidfVectorizer(
        analyzer=analyzer,
        ngram_range=ngrams,
        min_df=settings.min_df,
        max_df=settings.max_df,
        sublinear_tf=settings.sublinear_tf,
        lowercase=True,
        strip_accents="unicode",
        dtype=np.float64,
    )


def _fit_transform(settings: FeatureSettings, analyzer: str, ngrams: tuple[int, int], texts: Sequence[str]) -> sparse.csr_matrix:
    try:
        return _vectorizer(settings, analyzer, ngrams).fit_transform(texts)
    except ValueError:
        # Empty vocabulary after the df cuts (a handful of records, or all texts empty):
        # fall back to keeping every term, and to one constant column if there is none.
        loose = FeatureSettings(
            word_ngrams=settings.word_ngrams, char_ngrams=settings.char_ngrams, min_df=1, max_df=1.0,
            sublinear_tf=settings.sublinear_tf,
        )
        try:
            return _vectorizer(loose, analyzer, ngrams).fit_transform(texts)
        except ValueError:
            return sparse.csr_matrix(np.ones((len(texts), 1), dtype=np.float64))


def build_features(texts: Sequence[str], settings: FeatureSettings | None = None) -> sparse.csr_matrix:
    """The L2-normalised TF-IDF matrix of ``texts`` (one row per text, CSR, float64)."""
    settings = settings or FeatureSettings()
    texts = [t or "" for t in texts]
    if not texts:
        return sparse.csr_matrix((0, 1), dtype=np.float64)
    blocks = [_fit_transform(settings, "word", settings.word_ngrams, texts)]
    if settings.char_ngrams[0] > 0:
        chars = _fit_transform(settings, "char_wb", settings.char_ngrams, texts)
        blocks.append(chars * np.float64(settings.char_weight))
    matrix = sparse.hstack(blocks, format="csr", dtype=np.float64) if len(blocks) > 1 else blocks[0]
    return normalize(matrix, copy=False).tocsr()
