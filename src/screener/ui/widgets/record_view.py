"""The record pane: one record's bibliographic facts, with include/exclude terms highlighted."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QTextBrowser, QWidget

from screener.core.enums import Stage
from screener.services.dto import RecordView
from screener.ui import theme
from screener.ui.context import ProjectContext
from screener.ui.highlight import highlight_html

STAGE_NAMES = {Stage.TITLE_ABSTRACT.value: "title/abstract", Stage.FULL_TEXT.value: "full text"}


def record_links(view: RecordView) -> list[tuple[str, str]]:
    """(label, url) of the record's identifiers, for the pane and the "open link" key."""
    links = []
    if view.doi:
        links.append((f"DOI {view.doi}", f"https://doi.org/{view.doi}"))
    if view.pmid:
        links.append((f"PMID {view.pmid}", f"https://pubmed.ncbi.nlm.nih.gov/{view.pmid}/"))
    if view.arxiv_id:
        links.append((f"arXiv {view.arxiv_id}", f"https://arxiv.org/abs/{view.arxiv_id}"))
    if view.url and not any(view.url == u for _, u in links):
        links.append(("URL", view.url))
    return links


def criteria_html(ctx: ProjectContext) -> str:
    """The review question, criteria and highlight terms, for the Criteria tab."""
    s = ctx.settings
    tr = QCoreApplication.translate
    parts = [f"<h3>{html.escape(ctx.title)}</h3>"]
    for title, text in ((tr("RecordPane", "Question"), s.question),
                        (tr("RecordPane", "Include when"), s.inclusion_criteria),
                        (tr("RecordPane", "Exclude when"), s.exclusion_criteria)):
        if text.strip():
            body = "<br/>".join(html.escape(line) for line in text.strip().splitlines())
            parts.append(f"<h4>{html.escape(title)}</h4><p>{body}</p>")
    for title, terms, kind in ((tr("RecordPane", "Highlighted in green"), s.include_terms, "include_bg"),
                               (tr("RecordPane", "Highlighted in red"), s.exclude_terms, "exclude_bg")):
        if terms:
            chips = " ".join(f"<span style='background-color:{theme.hex_color(kind)}'>&nbsp;{html.escape(t)}&nbsp;</span>"
                             for t in terms)
            parts.append(f"<h4>{html.escape(title)}</h4><p>{chips}</p>")
    if len(parts) == 1:
        parts.append(f"<p>{tr('RecordPane', 'No criteria yet: an owner can write them in Project settings.')}</p>")
    return "".join(parts)


class RecordPane(QTextBrowser):
    """Read-only rich text of the shown record; links open in the system browser."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setOpenExternalLinks(True)
        self.setAccessibleName(self.tr("Record"))
        self.setAccessibleDescription(self.tr("Title, authors, venue, identifiers, keywords and abstract of "
                                              "the record being screened"))
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.document().setDocumentMargin(14)
        self.shown_id: int | None = None

    def show_message(self, text: str) -> None:
        self.shown_id = None
        muted = theme.hex_color("muted")
        self.setHtml(f'<p style="color:{muted}; font-size:large; margin-top:40px" align="center">'
                     f"{html.escape(text)}</p>")

    def show_record(self, view: RecordView, ctx: ProjectContext, stage: str, state: dict[str, Any] | None,
                    draft: dict[str, Any] | None = None) -> None:
        self.setHtml(self.to_html(view, ctx, stage, state, draft or {}))
        self.shown_id = view.id
        self.verticalScrollBar().setValue(0)

    def to_html(self, view: RecordView, ctx: ProjectContext, stage: str, state: dict[str, Any] | None,
               draft: dict[str, Any]) -> str:
        inc, exc = tuple(ctx.settings.include_terms), tuple(ctx.settings.exclude_terms)
        styles = {"include": f"background-color:{theme.hex_color('include_bg')}",
                  "exclude": f"background-color:{theme.hex_color('exclude_bg')}"}
        muted = theme.hex_color("muted")

        def hl(text: str) -> str:
            return highlight_html(text, inc, exc, styles)

        parts = [f"<h2 style='margin-bottom:4px'>{hl(view.title) if view.title else self.tr('(no title)')}</h2>"]
        if view.authors:
            authors = "; ".join(view.authors[:12]) + (self.tr(" … and %1 more").replace("%1", str(len(view.authors) - 12))
                                                      if len(view.authors) > 12 else "")
            parts.append(f"<p style='margin:2px 0'>{html.escape(authors)}</p>")
        where = [str(view.year) if view.year else "", html.escape(view.journal)]
        issue = "".join(x for x in (view.volume, f"({view.issue})" if view.issue else "",
                                    f":{view.pages}" if view.pages else ""))
        if issue:
            where.append(html.escape(issue))
        meta = " · ".join(x for x in where if x)
        if meta:
            parts.append(f"<p style='margin:2px 0; color:{muted}'>{meta}</p>")
        links = record_links(view)
        if links:
            parts.append("<p style='margin:6px 0'>" + " &nbsp;·&nbsp; ".join(
                f'<a href="{html.escape(u, quote=True)}">{html.escape(lbl)}</a>' for lbl, u in links) + "</p>")
        if view.keywords:
            chips = " ".join(f"<span style='color:{muted}'>[</span>{hl(k)}<span style='color:{muted}'>]</span>"
                             for k in view.keywords)
            parts.append(f"<p style='margin:6px 0'><b>{self.tr('Keywords')}:</b> {chips}</p>")
        parts.append(f"<h4 style='margin-bottom:2px'>{self.tr('Abstract')}</h4>")
        if view.abstract:
            paras = [p for p in view.abstract.split("\n") if p.strip()]
            parts.extend(f"<p style='margin-top:2px'>{hl(p)}</p>" for p in paras)
        else:
            parts.append(f"<p style='color:{muted}'>{self.tr('No abstract in the imported record.')}</p>")
        parts.append("<hr/>")
        parts.append(self._decisions_html(view, ctx, stage, state, draft, muted))
        foot = [self.tr("Record %1").replace("%1", str(view.id))]
        if view.sources:
            foot.append(self.tr("from %1").replace("%1", html.escape(", ".join(view.sources))))
        if view.attachment:
            att = view.attachment
            foot.append(self.tr("full text: not retrieved") if att.get("status") == "not_retrieved"
                        else self.tr("full text: %1").replace("%1", html.escape(att.get("original_name") or "")))
        parts.append(f"<p style='color:{muted}'>{' · '.join(foot)}</p>")
        return "".join(parts)

    def _decisions_html(self, view: RecordView, ctx: ProjectContext, stage: str, state: dict[str, Any] | None,
                        draft: dict[str, Any], muted: str) -> str:
        out = []
        stage_name = self.tr(STAGE_NAMES.get(stage, stage))
        if state is None:
            out.append(f"<p><b>{self.tr('Your decision')}</b> ({stage_name}): "
                       f"<span style='color:{muted}'>{self.tr('none yet')}</span></p>")
            pending = [", ".join(draft.get("tags", [])), draft.get("note", "")]
            if any(pending):
                out.append(f"<p style='color:{muted}'>{self.tr('Chosen so far')}: "
                           f"{html.escape(' · '.join(x for x in pending if x))}</p>")
        else:
            out.append(f"<p><b>{self.tr('Your decision')}</b> ({stage_name}): {self._label_html(state)}</p>")
        others = [d for d in view.decisions if d.reviewer != ctx.reviewer and d.stage == stage]
        if ctx.blinded.get(stage, True):
            hidden = self.tr("Blind mode: other reviewers’ decisions are hidden until an owner unblinds this stage.")
            out.append(f"<p style='color:{muted}'>{hidden}</p>")
        elif others:
            for d in others:
                state_d = {"label": d.label, "reasons": list(d.reasons), "tags": list(d.tags), "note": d.note}
                out.append(f"<p><b>{html.escape(d.reviewer)}</b>: {self._label_html(state_d)}</p>")
        else:
            out.append(f"<p style='color:{muted}'>{self.tr('No other reviewer has decided this record yet.')}</p>")
        return "".join(out)

    def _label_html(self, state: dict[str, Any]) -> str:
        label = state["label"]
        text = {"include": self.tr("Include"), "exclude": self.tr("Exclude"), "maybe": self.tr("Maybe")}.get(label, label)
        bits = [f"<span style='color:{theme.hex_color(label)}; font-weight:bold'>{text}</span>"]
        if state.get("reasons"):
            bits.append(html.escape("; ".join(state["reasons"])))
        if state.get("tags"):
            bits.append(self.tr("tags: %1").replace("%1", html.escape(", ".join(state["tags"]))))
        if state.get("note"):
            bits.append(self.tr("note: %1").replace("%1", html.escape(state["note"])))
        return " — ".join(bits)
