"""Records of one duplicate group side by side, as HTML for the Duplicates view.

One column per record, the kept record first; a field whose values differ has a coloured row
and, in titles, abstracts, journals and authors, the words a record does not share with the
kept record are marked (in the kept record: the words some other record lacks). The column
the reviewer has chosen (for K "keep" or X "take out") has a highlighted heading.
"""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Callable, Sequence

from screener.services.dto import RecordView
from screener.ui import theme

FIELDS = (("title", "Title"), ("authors", "Authors"), ("year", "Year"), ("journal", "Journal"),
          ("volume", "Volume"), ("issue", "Issue"), ("pages", "Pages"), ("doi", "DOI"), ("pmid", "PMID"),
          ("arxiv_id", "arXiv"), ("abstract", "Abstract"))
WORD_DIFF = ("title", "abstract", "journal", "authors")
_COLORS = {False: {"differ": "#fff3bf", "word": "#ffc9c9", "missing": "#e7f5ff", "chosen": "#e5dbff"},
           True: {"differ": "#4d3f00", "word": "#7a2e2e", "missing": "#1c3a52", "chosen": "#3b2f5c"}}


def field_text(view: RecordView, field: str) -> str:
    value = getattr(view, field)
    if isinstance(value, tuple):
        return "; ".join(value)
    return "" if value is None else str(value)


def _key(text: str) -> str:
    # case, punctuation and spacing are not differences a reviewer cares about
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


def differing_fields(*views: RecordView) -> dict[str, str]:
    """Field → ``differ`` (two records give different values) or ``missing`` (some records
    lack a value the others agree on)."""
    out = {}
    for f, _ in FIELDS:
        keys = {_key(field_text(v, f)) for v in views}
        filled = keys - {""}
        if len(keys) > 1:
            out[f] = "differ" if len(filled) > 1 else "missing"
    return out


def _changed_words(wa: list[str], wb: list[str]) -> tuple[set[int], set[int]]:
    matcher = difflib.SequenceMatcher(None, [w.casefold() for w in wa], [w.casefold() for w in wb],
                                      autojunk=False)
    changed_a: set[int] = set()
    changed_b: set[int] = set()
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op != "equal":
            changed_a.update(range(i1, i2))
            changed_b.update(range(j1, j2))
    return changed_a, changed_b


def _render(parts: list[str], changed: set[int], style: str) -> str:
    out = []
    for k, part in enumerate(parts):  # odd items are the words
        text = html.escape(part)
        out.append(f'<span style="{style}">{text}</span>' if k % 2 and k // 2 in changed else text)
    return "".join(out)


def word_diff_html(a: str, b: str, style: str) -> tuple[str, str]:
    """Both texts as HTML with the words that are not in the other one wrapped in ``style``.

    Only words are compared and marked; the punctuation and spaces between them stay plain.
    """
    pa, pb = re.split(r"(\w+)", a), re.split(r"(\w+)", b)
    changed_a, changed_b = _changed_words(pa[1::2], pb[1::2])
    return _render(pa, changed_a, style), _render(pb, changed_b, style)


def _word_diffs(texts: Sequence[str], style: str) -> list[str]:
    """Each text marked against the first; the first marked where any other differs from it."""
    parts = [re.split(r"(\w+)", t) for t in texts]
    ref_changed: set[int] = set()
    out = [""]
    for p in parts[1:]:
        ca, cb = _changed_words(parts[0][1::2], p[1::2])
        ref_changed |= ca
        out.append(_render(p, cb, style))
    out[0] = _render(parts[0], ref_changed, style)
    return out


def group_html(views: Sequence[RecordView], kept: int, chosen: int | None, header: str,
               tr: Callable[[str], str]) -> str:
    """The records side by side as an HTML table, the kept record first, differences coloured.

    ``chosen`` is the id of the record whose column the reviewer has selected; ``header`` is
    already-escaped HTML shown above the table (score and evidence).
    """
    colors = _COLORS[theme.is_dark()]
    views = sorted(views, key=lambda v: (v.id != kept, v.id))
    diff = differing_fields(*views)
    mark = f"background-color:{colors['word']}; font-weight:bold"
    width = 88 // max(1, len(views))
    head = ['<th width="12%"></th>']
    for n, view in enumerate(views, start=1):
        # the column's number is the key that chooses it
        badge = f'<span style="color:{theme.hex_color("muted")}">{n}</span>&nbsp;&nbsp;#{view.id}'
        if view.id == kept:
            badge += f" &nbsp;★ {html.escape(tr('kept'))}"
        extra = html.escape(", ".join(view.sources))
        if view.decisions:
            extra += "<br/>" + html.escape(tr("Decisions: ") + ", ".join(
                f"{d.reviewer} {d.label}" for d in view.decisions))
        bg = f' bgcolor="{colors["chosen"]}"' if view.id == chosen else ""
        marker = "▶ " if view.id == chosen else ""
        head.append(f'<th align="left" width="{width}%"{bg}>{marker}{badge}<br/>'
                    f'<span style="font-weight:normal">{extra}</span></th>')
    rows = ["<tr>" + "".join(head) + "</tr>"]
    for f, label in FIELDS:
        texts = [field_text(v, f) for v in views]
        kind = diff.get(f)
        if kind == "differ" and f in WORD_DIFF:
            cells = _word_diffs(texts, mark)
        else:
            cells = [html.escape(t) for t in texts]
        bg = f' bgcolor="{colors[kind]}"' if kind else ""
        rows.append(f'<tr><td valign="top"><b>{html.escape(tr(label))}</b></td>'
                    + "".join(f'<td valign="top"{bg}>{c or "—"}</td>' for c in cells) + "</tr>")
    return header + '<table width="100%" cellspacing="0" cellpadding="4" border="1" ' \
        'style="border-collapse:collapse">' + "".join(rows) + "</table>"
