"""The ranking box of the screening view: the model refitted in the background, the stopping rules.

A refit runs on the runner's CPU lane a moment after the reviewer's last decision (debounced,
so a run of quick decisions costs one refit, and never on the GUI thread). Its result gives the
record list its relevance scores and, when the queue is ordered by relevance, its new order;
the record on screen stays where the reviewer is, at the head of what is left to screen. The box
shows the estimated recall and the statistical stopping rule beside the simple heuristic
(N excluded in a row), and can stop screening: the records nobody has decided are then
recorded as excluded by automation, with the model, its settings and the criterion.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QMessageBox, QPushButton, QSpinBox, QVBoxLayout, QWidget

from screener.core.enums import Stage
from screener.services import ranking
from screener.ui import config
from screener.ui.errors import show_error

#: quiet time after a decision before the model is refitted
REFIT_DELAY_MS = 1500


class RankingPanel(QWidget):
    order_changed = Signal()  # the list was re-ranked: the view selects the current record again
    stopped = Signal(int)  # screening was stopped; records excluded by automation
    message = Signal(str)

    def __init__(self, runner, parent: QWidget | None = None):
        super().__init__(parent)
        self.runner = runner
        self.session = None
        self.snapshot: ranking.RankingSnapshot | None = None
        self.refits = 0  # finished refits (tests and the status line read it)
        self._busy = False
        self._again = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFIT_DELAY_MS)
        self._timer.timeout.connect(self.refit)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addWidget(QLabel(self.tr("<b>Relevance ranking</b>")))
        self.model_label = QLabel()
        self.recall_label = QLabel()
        self.rule_label = QLabel()
        self.heuristic_label = QLabel()
        for label, name in ((self.model_label, self.tr("Ranking model")),
                            (self.recall_label, self.tr("Estimated recall")),
                            (self.rule_label, self.tr("Statistical stopping rule")),
                            (self.heuristic_label, self.tr("Excluded in a row"))):
            label.setWordWrap(True)
            label.setAccessibleName(name)
            layout.addWidget(label)
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        self.explore_spin = QSpinBox()
        self.explore_spin.setRange(0, 50)
        self.explore_spin.setSuffix(" %")
        self.explore_spin.setAccessibleName(self.tr("Exploration"))
        self.explore_spin.setToolTip(self.tr("Share of the queue given to records picked at random rather than by "
                                             "the model, so that topics it has not seen yet still come up"))
        self.explore_spin.setValue(config.get_int(config.Key.RANK_EXPLORATION, default_exploration_percent()))
        self.explore_spin.valueChanged.connect(self._on_exploration)
        form.addRow(self.tr("Exploration:"), self.explore_spin)
        layout.addLayout(form)
        self.stop_button = QPushButton(self.tr("Stop screening…"))
        self.stop_tip = self.tr("Record every record nobody has decided yet as excluded by automation "
                                "(reported in PRISMA with the model and the stopping criterion)")
        self.stop_button.setToolTip(self.stop_tip)
        self.stop_button.clicked.connect(self.request_stop)
        layout.addWidget(self.stop_button)
        self._show(None)

    # -- session --------------------------------------------------------------------------------------

    def set_session(self, session) -> None:
        self.clear_session()
        self.session = session
        session.undo_stack.indexChanged.connect(self.schedule)
        session.list_changed.connect(self.schedule)
        self._show(None)

    def clear_session(self) -> None:
        s = self.session
        if s is None:
            return
        s.undo_stack.indexChanged.disconnect(self.schedule)
        s.list_changed.disconnect(self.schedule)
        self._timer.stop()
        ranking.forget_features(s.store)
        self.session = None
        self.snapshot = None
        self._show(None)

    def set_delay(self, ms: int) -> None:
        """How long the reviewer must pause before a refit (tests shorten it)."""
        self._timer.setInterval(ms)

    def schedule(self, *_args) -> None:
        """Refit a moment from now (each call pushes it back: debounced)."""
        if self.session is not None:
            self._timer.start()

    def exploration(self) -> float:
        return self.explore_spin.value() / 100.0

    def _on_exploration(self, value: int) -> None:
        config.set_value(config.Key.RANK_EXPLORATION, value)
        self.schedule()

    # -- refit ------------------------------------------------------------------------------------------

    def refit(self) -> None:
        s = self.session
        if s is None:
            return
        if s.writes_pending or not s.idle:
            self._timer.start()  # let the decisions reach the database first
            return
        if self._busy:
            self._again = True  # one refit at a time; another once this one is back
            return
        self._busy = True
        settings = ranking.with_exploration(None, self.exploration())
        self.runner.submit(ranking.ranking_snapshot, s.store, s.stage, s.reviewer, settings, lane="cpu",
                           done=partial(self._on_snapshot, s, s.query), failed=partial(self._on_failed, s))

    def _on_failed(self, session, exc: BaseException, tb: str) -> None:
        self._busy = False
        if session is self.session:
            show_error(self.window(), exc, tb)

    def _on_snapshot(self, session, query, snap: ranking.RankingSnapshot) -> None:
        self._busy = False
        self.refits += 1
        if session is not self.session:
            return
        if self._again:
            self._again = False
            self.schedule()
        if snap.stage != session.stage:
            return
        self.snapshot = snap
        self._show(snap)
        session.model.set_scores(snap.scores)
        if session.query == query and query.order == "relevance" and query.sort == "queue":
            self._apply_order(snap)

    def _apply_order(self, snap: ranking.RankingSnapshot) -> None:
        s = self.session
        model = s.model
        old = model.ids
        present = set(old)
        new = [rid for rid in snap.order if rid in present]
        if len(new) != len(old):  # records that came in meanwhile keep their place at the end
            seen = set(new)
            new += [rid for rid in old if rid not in seen]
        mine = model.mine
        cur = s.current
        if cur is not None and cur not in mine and cur in present:
            # the record on screen stays the next one to decide: the reviewer may be reading it
            new.remove(cur)
            head = next((i for i, rid in enumerate(new) if rid not in mine), len(new))
            new.insert(head, cur)
        if s.query.descending:
            new.reverse()
        if new != old:
            model.set_ids(new)
            self.order_changed.emit()

    # -- what it shows ----------------------------------------------------------------------------------

    def _show(self, snap: ranking.RankingSnapshot | None) -> None:
        title_abstract = self.session is not None and self.session.stage == Stage.TITLE_ABSTRACT.value
        # stopping decides the unscreened records for the whole team (services.ranking.stop_screening)
        may_stop = self.session is not None and self.session.ctx.role in ("owner", "adjudicator")
        self.stop_button.setEnabled(may_stop and snap is not None and title_abstract and snap.n_labeled < snap.n_records)
        self.stop_button.setToolTip(self.stop_tip if may_stop or self.session is None else self.tr(
            "Only the project owner or an adjudicator can stop screening for the team"))
        if snap is None:
            self.model_label.setText(self.tr("Model: not fitted yet"))
            for label in (self.recall_label, self.rule_label, self.heuristic_label):
                label.setText("")
            return
        if snap.model_fitted:
            self.model_label.setText(self.tr("Model: fitted on %1 decided records (%2 relevant)")
                                     .replace("%1", f"{snap.n_labeled:,}").replace("%2", f"{snap.n_included:,}"))
        else:
            self.model_label.setText(self.tr("Model: waits for one include and one exclude (imported order until "
                                             "then)"))
        st = snap.stopping
        if not title_abstract:
            self.recall_label.setText(self.tr("Stopping rules apply to title/abstract screening"))
            self.rule_label.setText("")
            self.heuristic_label.setText("")
            return
        if st is None or st.n_included == 0:
            self.recall_label.setText(self.tr("Estimated recall: unknown until a relevant record is found"))
            self.rule_label.setText(self.tr("Stopping rule: keep screening"))
        else:
            self.recall_label.setText(self.tr("Estimated recall: %1 (at least %2 with %3 confidence)")
                                      .replace("%1", f"{st.estimated_recall:.0%}")
                                      .replace("%2", f"{st.recall_lower_bound:.0%}")
                                      .replace("%3", f"{st.confidence:.0%}"))
            verdict = self.tr("safe to stop") if st.safe_to_stop else self.tr("keep screening")
            self.rule_label.setText(self.tr("Stopping rule (recall %1 at %2 confidence): %3, p = %4")
                                    .replace("%1", f"{st.recall_target:.0%}").replace("%2", f"{st.confidence:.0%}")
                                    .replace("%3", verdict).replace("%4", f"{st.p_value:.2g}"))
        run = st.consecutive_excluded if st is not None else 0
        self.heuristic_label.setText(self.tr("%1 excluded in a row (rule of thumb: stop at %2)")
                                     .replace("%1", f"{run:,}").replace("%2", f"{snap.heuristic_in_a_row:,}"))

    # -- stopping -----------------------------------------------------------------------------------------

    def request_stop(self) -> None:
        snap = self.snapshot
        if self.session is None or snap is None or snap.stopping is None:
            return
        left = snap.n_records - snap.n_labeled
        st = snap.stopping
        if st.safe_to_stop:
            text = self.tr("The stopping rule says recall is at least %1 with %2 confidence.\n\nStop screening and "
                           "record the %3 records nobody has decided as excluded by automation?")
        else:
            text = self.tr("The stopping rule does NOT say it is safe to stop yet (recall at least %1 with %2 "
                           "confidence).\n\nStop anyway and record the %3 records nobody has decided as excluded "
                           "by automation? PRISMA will report that the team stopped before the rule allowed it.")
        text = (text.replace("%1", f"{st.recall_lower_bound:.0%}").replace("%2", f"{st.confidence:.0%}")
                .replace("%3", f"{left:,}"))
        answer = QMessageBox.question(self.window(), self.tr("Stop screening"), text,
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                                      QMessageBox.StandardButton.Cancel)
        if answer == QMessageBox.StandardButton.Yes:
            self.stop(force=not st.safe_to_stop)

    def stop(self, force: bool = False) -> None:
        """Stop title/abstract screening (see services.ranking.stop_screening), off the GUI thread."""
        s = self.session
        if s is None:
            return
        s.flush()
        self.runner.submit(ranking.stop_screening, s.store, s.reviewer, force, lane="db",
                           title=self.tr("Stopping screening…"), parent=self.window(),
                           done=partial(self._on_stopped, s), failed=partial(self._on_failed, s))

    def _on_stopped(self, session, result: dict) -> None:
        if session is not self.session:
            return
        n = result["excluded_by_automation"]
        self.message.emit(self.tr("Screening stopped: %1 records recorded as excluded by automation")
                          .replace("%1", f"{n:,}"))
        session.reload()
        self.stopped.emit(n)


def default_exploration_percent() -> int:
    """The model's default exploration, in percent (what a reviewer gets before choosing)."""
    return round(100 * ranking.RankerSettings().exploration)
