"""Include and exclude terms marked in a record's text (whole words and phrases, any case)."""

from __future__ import annotations

import html
import re
from functools import lru_cache

Terms = tuple[str, ...]


@lru_cache(maxsize=32)
def _pattern(include: Terms, exclude: Terms) -> tuple[re.Pattern[str] | None, dict[str, str]]:
    kinds: dict[str, str] = {}
    for kind, terms in (("include", include), ("exclude", exclude)):
        for term in terms:
            key = " ".join(term.lower().split())
            if key and key not in kinds:  # a term in both lists counts as an include term
                kinds[key] = kind
    if not kinds:
        return None, kinds
    # Longest first, so "large language model" wins over "language"; runs of space in a phrase
    # match any whitespace; \w boundaries keep "CT" from matching inside "effect".
    parts = [r"\s+".join(re.escape(w) for w in key.split()) for key in sorted(kinds, key=len, reverse=True)]
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE), kinds


def highlight_html(text: str, include: Terms, exclude: Terms, styles: dict[str, str]) -> str:
    """``text`` as escaped HTML with each term wrapped in a span styled by ``styles[kind]``."""
    pattern, kinds = _pattern(tuple(include), tuple(exclude))
    if pattern is None or not text:
        return html.escape(text)
    out, pos = [], 0
    for m in pattern.finditer(text):
        kind = kinds.get(" ".join(m.group(0).lower().split()), "include")
        out.append(html.escape(text[pos:m.start()]))
        out.append(f'<span class="{kind}" style="{styles[kind]}">{html.escape(m.group(0))}</span>')
        pos = m.end()
    out.append(html.escape(text[pos:]))
    return "".join(out)


def find_terms(text: str, include: Terms, exclude: Terms) -> list[tuple[str, str]]:
    """The (term as written, kind) pairs found in ``text``, in order."""
    pattern, kinds = _pattern(tuple(include), tuple(exclude))
    if pattern is None:
        return []
    return [(m.group(0), kinds.get(" ".join(m.group(0).lower().split()), "include")) for m in pattern.finditer(text)]
