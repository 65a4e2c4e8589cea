"""GUI latency on a 100k-record project: decision key → next record painted, open → first record.

    python benchmarks/gui_latency.py [--records 100000] [--decisions 500] [--project PATH] [--json]

The project is built in a subprocess (synthetic records written with ``import_parsed``), so the
peak RSS reported is that of the GUI process alone: open the project, show the first record,
then screen by keyboard. Each decision is timed from the key press (a real key event through
Qt's shortcut system) until the record pane has painted the next record. Two paces:

* ``paced``: the writer lane is idle before each key press (a reviewer reads for a second or
  more between decisions, which is when the previous write finishes);
* ``burst``: keys back to back, each as soon as the previous record is painted, so writes and
  prefetches pile up behind the user (a worst case).

Goals (issue 4): p95 ≤ 30 ms, open ≤ 2 s, peak RSS ≤ 500 MB. Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

WORDS = ("foundation model segmentation transformer medical imaging zero-shot prompt adapter CT MRI X-ray "
         "ultrasound pathology report generation vision language contrastive pretraining dataset benchmark "
         "evaluation accuracy dice radiology clinical diagnosis detection classification lesion tumour organ "
         "multimodal large language model fine-tuning robustness generalisation cohort retrospective").split()


def build(path: Path, n: int, seed: int = 7) -> None:
    """A project of ``n`` synthetic records (titles, abstracts, authors, keywords) in one import."""
    from screener.core.records import ParsedFile, RecordData
    from screener.services.importing import import_parsed
    from screener.services.project import init_project

    rng = random.Random(seed)

    def words(k: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(k))

    recs = tuple(RecordData(title=f"{words(10).capitalize()} ({i})", abstract=". ".join(words(18) for _ in range(8)),
                            authors=tuple(f"Author{rng.randrange(5000)}, {chr(65 + rng.randrange(26))}."
                                          for _ in range(rng.randrange(1, 7))),
                            year=rng.randrange(2000, 2026), journal=f"Journal of {words(2).title()}",
                            doi=f"10.5555/bench.{i}", keywords=tuple(rng.sample(WORDS, 5)), line=i + 1)
                 for i in range(n))
    store = init_project(path, title="Latency benchmark", reviewers=["ana", "ben"], template="medical-imaging-fm")
    try:
        import_parsed(store, ParsedFile(path=str(path.with_suffix(".ris")), format="ris", encoding="utf-8",
                                        records=recs), source="Synthetic")
    finally:
        store.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def measure(project: Path, decisions: int) -> dict:
    from PySide6.QtCore import QEvent, QObject, QSettings, Qt
    from PySide6.QtTest import QTest

    tmp = Path(tempfile.mkdtemp(prefix="screener-bench-"))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp / "settings"))
    t_start = time.perf_counter()
    from screener.ui import config
    from screener.ui.app import create_app
    from screener.ui.main_window import MainWindow

    app = create_app()
    config.set_value(config.Key.ASK_REASON, False)  # E excludes at once (reasons are optional here)
    from screener.ui.preload import preload

    w = MainWindow()
    w.resize(1400, 880)
    w.show()
    app.processEvents()
    preload_seconds = preload()  # what run() does before it opens a project
    pane = w.screen.record_pane

    class PaintWatch(QObject):
        def __init__(self):
            super().__init__()
            self.painted_id = None

        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint:
                self.painted_id = pane.shown_id
            return False

    watch = PaintWatch()
    pane.viewport().installEventFilter(watch)

    def pump_until(cond, timeout: float = 30.0) -> None:
        end = time.perf_counter() + timeout
        while not cond():
            app.processEvents()
            if time.perf_counter() > end:
                raise TimeoutError("timed out waiting for the window")

    t_open = time.perf_counter()
    w.open_project(str(project), "ana")
    pump_until(lambda: w.session is not None and w.session.current is not None
               and watch.painted_id == w.session.current)
    open_seconds = time.perf_counter() - t_open
    startup_seconds = time.perf_counter() - t_start
    n_records = w.session.model.rowCount()
    pump_until(lambda: w.runner.idle and w.session.idle)

    gui_cpu: list[float] = []

    def one_decision(key) -> float:
        before = w.session.current
        expected = w.session.next_todo_after(before)
        watch.painted_id = None
        t0, c0 = time.perf_counter(), time.thread_time()
        QTest.keyClick(w.screen.table, key)
        pump_until(lambda: watch.painted_id == expected)
        gui_cpu.append(time.thread_time() - c0)
        return time.perf_counter() - t0

    keys = [Qt.Key.Key_I, Qt.Key.Key_I, Qt.Key.Key_E, Qt.Key.Key_M]
    paced = []
    for i in range(decisions):
        pump_until(lambda: w.runner.idle and w.session.idle)
        paced.append(one_decision(keys[i % len(keys)]))
    paced_cpu = list(gui_cpu)
    burst = [one_decision(keys[i % len(keys)]) for i in range(decisions)]
    pump_until(lambda: w.runner.idle and w.session.idle, timeout=120)

    # Jump to the last of 100k rows: the page is fetched in the background, then painted.
    last = w.session.model.ids[-1]
    t0 = time.perf_counter()
    w.session.go_to(last)
    pump_until(lambda: watch.painted_id == last and w.session.model.cached_row(n_records - 1) is not None)
    jump_seconds = time.perf_counter() - t0

    saved = len(w.session.model.mine)
    w.close()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    ms = lambda xs: [x * 1000 for x in xs]  # noqa: E731
    return {
        "records": n_records, "decisions_per_pace": decisions, "decided": saved,
        "open_to_first_record_s": round(open_seconds, 3), "startup_to_first_record_s": round(startup_seconds, 3),
        "preload_s": round(preload_seconds, 3),
        "paced_ms": {"p50": round(statistics.median(ms(paced)), 2), "p95": round(percentile(ms(paced), 0.95), 2),
                     "max": round(max(ms(paced)), 2)},
        "burst_ms": {"p50": round(statistics.median(ms(burst)), 2), "p95": round(percentile(ms(burst), 0.95), 2),
                     "max": round(max(ms(burst)), 2)},
        "paced_gui_thread_cpu_ms": {"p50": round(statistics.median(ms(paced_cpu)), 2),
                                    "p95": round(percentile(ms(paced_cpu), 0.95), 2)},
        "jump_to_last_row_s": round(jump_seconds, 3),
        "load_average_1min": round(os.getloadavg()[0], 2), "cpus": os.cpu_count(),
        "peak_rss_mb": round(rss_mb, 1),
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--records", type=int, default=100_000)
    p.add_argument("--decisions", type=int, default=500)
    p.add_argument("--project", type=Path, default=None, help="reuse (or build) the project here")
    p.add_argument("--json", action="store_true")
    p.add_argument("--build-only", type=Path, default=None, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.build_only is not None:
        build(args.build_only, args.records)
        return 0
    project = args.project or Path(tempfile.mkdtemp(prefix="screener-bench-")) / "bench.screener"
    if not project.exists():
        t0 = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--records", str(args.records), "--build-only", str(project)],
                       check=True)
        print(f"built {args.records} records in {time.perf_counter() - t0:.1f} s: {project}", file=sys.stderr)
    result = measure(project, args.decisions)
    if args.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k}: {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
