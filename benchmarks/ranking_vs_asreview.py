#!/usr/bin/env python
"""screener's relevance ranking against ASReview LAB 3's default model, on the labeled datasets.

For every dataset in ../shared/data/labeled and seeds 42, 43, 44, both tools replay the
screening from the same priors (1 included + 1 excluded record):

* ASReview: ``../shared/bench/asreview_sim.sh`` (``asreview simulate`` with its default model,
  elas_u4, in its own venv). Its priors are read from its project file (``results.db``, rows of
  ``results`` with ``querier IS NULL``) and handed to screener as ``--prior-rows``.
* screener: ``screener simulate DATASET --prior-rows R,R --order-out FILE --json`` (the command
  line, i.e. the ranking code of the GUI).

Both tools' metrics (WSS@95, recall at 10 %, ATD; conventions of ../shared/CLI.md) are computed
from their screening orders by one piece of code (screener.ranking.metrics). ASReview's WSS@95
is checked against the value ../shared/bench/metrics.py wrote.

Where ASReview comes from (``--asreview``):

* ``live``: run it (needs ``ASR_VENV``, default ~/.venvs/asreview, made with
  ``python3 -m venv ~/.venvs/asreview && ~/.venvs/asreview/bin/pip install asreview``). Runs are
  kept in ``--runs DIR`` (default /tmp/asreview_runs) and reused when present.
* ``reference``: no ASReview needed. screener's priors are drawn by seed with ASReview's own
  draw (``draw_priors``: the same records ``asreview simulate --prior-seed SEED`` takes), and
  ASReview's side is the per-dataset mean WSS@95 and step time of
  ../shared/bench/asreview_reference.csv (no recall or ATD there).
* ``auto`` (default): ``live`` when ASReview is installed, else ``reference``. The output says
  which was used.

Time per step. ASReview's step is one refit + rerank + label, one per screened record
(``mean_step_s``; the first step, which also builds the features, left out). screener's
simulation refits after every include and otherwise after a batch of max(1, 2 % of the records
screened so far), as the GUI's debounced refit does; so, like for like, the ``step`` column
times (CPU) one refit + rerank at 30 training-set sizes spread over every step from the priors
to the last include, and compares it with ASReview's reference step time measured on an idle
machine (ASReview's live runs are timed too, but on this shared machine their wall times
depend on the load). ``refit`` is the mean wall time of the simulation's own refits, ``rec``
their total per screened record. The table prints the load average at the start and the end.

    python benchmarks/ranking_vs_asreview.py                       # everything
    python benchmarks/ranking_vs_asreview.py --asreview reference  # without ASReview
    python benchmarks/ranking_vs_asreview.py --datasets Cohen_2006_NSAIDS --seeds 42 --no-50k
    python benchmarks/ranking_vs_asreview.py --stopping            # + where the stopping rules stop
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

from screener.ranking.metrics import post_prior_labels, screening_metrics
from screener.ranking.model import Ranker, RankerSettings
from screener.ranking.simulate import read_labeled_csv

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
LABELED = SHARED / "data" / "labeled"
BENCH = SHARED / "bench"
ASR_VENV = Path(os.environ.get("ASR_VENV", Path.home() / ".venvs" / "asreview"))
STEP_50K_GOAL = 1.0


def load() -> str:
    return Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"


# -- ASReview ----------------------------------------------------------------------------------------

def asreview_installed() -> bool:
    return (ASR_VENV / "bin" / "asreview").exists()


def reference() -> dict[str, dict]:
    with open(BENCH / "asreview_reference.csv", newline="", encoding="utf-8") as fh:
        return {r["dataset"]: r for r in csv.DictReader(fh)}


def asreview_run(runs: Path, name: str, seed: int) -> dict:
    """Run (or reuse) ASReview on one dataset and seed: its order, priors and metrics.json."""
    out = runs / f"{name}_{seed}"
    if not (out / "metrics.json").exists():
        print(f"  asreview simulate {name} seed {seed}", file=sys.stderr, flush=True)
        env = dict(os.environ, SEED=str(seed), ASR_VENV=str(ASR_VENV))
        subprocess.run(["bash", str(BENCH / "asreview_sim.sh"), str(LABELED / f"{name}.csv"), str(out)],
                       env=env, check=True, stdout=subprocess.DEVNULL)
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(out / "sim.asreview") as z:
            z.extract("results.db", tmp)
        con = sqlite3.connect(Path(tmp) / "results.db")
        try:
            rows = con.execute("SELECT record_id, querier FROM results WHERE label IS NOT NULL ORDER BY rowid").fetchall()
        finally:
            con.close()
    return {"order": [int(r) for r, _q in rows], "priors": [int(r) for r, q in rows if q is None],
            "metrics": json.loads((out / "metrics.json").read_text().splitlines()[-1])}


# -- screener ----------------------------------------------------------------------------------------

def screener_run(name: str, seed: int, priors: list[int] | None, tmp: Path) -> dict:
    """``screener simulate`` on one dataset: its JSON document and its order file."""
    order_file = tmp / f"{name}_{seed}.csv"
    cmd = [sys.executable, "-m", "screener.cli.main", "simulate", str(LABELED / f"{name}.csv"),
           "--seed", str(seed), "--order-out", str(order_file), "--json"]
    if priors is not None:
        cmd += ["--prior-rows", ",".join(map(str, priors))]
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise SystemExit(f"screener simulate failed on {name}: {res.stderr.strip()}")
    doc = json.loads(res.stdout)
    with open(order_file, newline="", encoding="utf-8") as fh:
        order = [int(r["row"]) for r in csv.DictReader(fh)]
    return {"doc": doc, "order": order, "priors": doc["prior_rows"]}


def step_every_record(ranker: Ranker, order: list[int], gold: list[int], n_priors: int, upto: int,
                      samples: int = 30) -> float:
    """CPU seconds of one refit + rerank as if screener refitted after every record, like ASReview.

    The simulation refits in growing batches, so its mean refit is weighted towards the early,
    small training sets. Here ``samples`` training-set sizes are spread evenly over the steps
    ASReview takes (from the priors to the last include) and each is timed on the prefix of
    screener's own order: the mean is comparable with ASReview's mean step.
    """
    y = np.asarray(gold)
    sizes = np.unique(np.linspace(n_priors + 1, n_priors + max(1, upto), samples).astype(int))
    times = []
    for k in sizes:
        rows = np.asarray(order[:k])
        unscreened = np.ones(y.size, dtype=bool)
        unscreened[rows] = False
        start = time.process_time()
        ranker.fit(rows, y[rows])
        ranker.rank(np.flatnonzero(unscreened))
        times.append(time.process_time() - start)
    return float(np.mean(times))


def metrics_of(order: list[int], gold: list[int], priors: list[int]):
    return screening_metrics(post_prior_labels(order, gold, priors))


# -- the table ----------------------------------------------------------------------------------------

def fmt(v, spec: str) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "-".rjust(int(spec.lstrip("+").split(".")[0]))
    return format(v, spec)


def mean(values) -> float | None:
    vals = [v for v in values if v is not None and not (isinstance(v, float) and np.isnan(v))]
    return float(np.mean(vals)) if vals else None


HEAD = (f"{'dataset':34s} {'N':>5s} {'n':>4s} | {'WSS@95':>7s} {'R@10%':>6s} {'ATD':>6s} {'refit':>6s} {'step':>6s} "
        f"{'rec':>5s} | {'WSS@95':>7s} {'R@10%':>6s} {'ATD':>6s} {'step':>6s} {'idle':>6s} | {'dWSS':>7s}")


def line(name, n, k, r) -> str:
    return (f"{name:34s} {n:>5s} {k:>4s} | {fmt(r['wss95'], '7.4f')} {fmt(r['r10'], '6.3f')} {fmt(r['atd'], '6.1f')} "
            f"{fmt(r['ms'], '6.2f')} {fmt(r['step_ms'], '6.2f')} {fmt(r['ms_rec'], '5.2f')} | "
            f"{fmt(r['asr_wss95'], '7.4f')} {fmt(r['asr_r10'], '6.3f')} {fmt(r['asr_atd'], '6.1f')} "
            f"{fmt(r['asr_ms'], '6.2f')} {fmt(r['ref_ms'], '6.2f')} | {fmt(r['diff'], '+7.4f')}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--asreview", choices=("auto", "live", "reference"), default="auto")
    ap.add_argument("--runs", type=Path, default=Path(tempfile.gettempdir()) / "asreview_runs",
                    help="where ASReview's runs are kept and reused (live)")
    ap.add_argument("--datasets", help="comma-separated names (default: every labeled dataset)")
    ap.add_argument("--seeds", default="42,43,44")
    ap.add_argument("--no-50k", action="store_true", help="skip the step on 50,000 records")
    ap.add_argument("--stopping", action="store_true", help="also report where the stopping rules stop")
    ap.add_argument("--json", type=Path, help="also write every row as JSON here")
    a = ap.parse_args(argv)

    mode = a.asreview
    if mode == "auto":
        mode = "live" if asreview_installed() else "reference"
    if mode == "live" and not asreview_installed():
        ap.error(f"ASReview is not installed in {ASR_VENV} (set ASR_VENV or use --asreview reference)")
    ref = reference()
    names = a.datasets.split(",") if a.datasets else sorted(p.stem for p in LABELED.glob("*.csv") if p.stem != "MANIFEST")
    seeds = [int(s) for s in a.seeds.split(",")]
    load0 = load()
    if mode == "live":
        print(f"ASReview: live runs of {ASR_VENV / 'bin' / 'asreview'} ({a.runs}; existing runs are reused), "
              f"its own prior draw passed to screener with --prior-rows")
    else:
        print("ASReview: not run; per-dataset means of ../shared/bench/asreview_reference.csv (seeds 42-44, "
              "ASReview 3.0.8 elas_u4); screener's priors drawn with ASReview's draw for each seed")
    print(f"seeds {', '.join(map(str, seeds))}; load average at start {load0}\n")
    print(f"{'':45s}| {'screener':^31s} | {'ASReview ' + ('live' if mode == 'live' else 'reference'):^31s} |")
    print(HEAD)
    print("-" * len(HEAD))

    rows, stops = [], []
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        for name in names:
            texts, gold = read_labeled_csv(LABELED / f"{name}.csv")
            ranker = Ranker.from_texts(texts, RankerSettings())
            per = []
            for seed in seeds:
                asr = asreview_run(a.runs, name, seed) if mode == "live" else None
                scr = screener_run(name, seed, asr["priors"] if asr else None, tmp)
                m = metrics_of(scr["order"], gold, scr["priors"])
                r = {"seed": seed, "priors": scr["priors"], "wss95": m.wss95, "r10": m.recall_at_10pct, "atd": m.atd,
                     "ms": 1000 * scr["doc"]["mean_retrain_seconds"],
                     "cpu_ms": 1000 * scr["doc"]["mean_retrain_cpu_seconds"],
                     "ms_rec": 1000 * scr["doc"]["model_seconds_per_record"],
                     "retrains": scr["doc"].get("n_retrains"), "seconds": scr["doc"]["seconds"],
                     "step_ms": 1000 * step_every_record(ranker, scr["order"], gold, len(scr["priors"]),
                                                         scr["doc"]["records_to_100"])}
                if asr:
                    am = metrics_of(asr["order"], gold, asr["priors"])
                    if abs(am.wss95 - asr["metrics"]["wss95"]) > 1e-3:
                        print(f"  warning: {name} seed {seed}: ASReview WSS@95 {am.wss95:.4f} here, "
                              f"{asr['metrics']['wss95']:.4f} in metrics.py", file=sys.stderr)
                    r.update(asr_wss95=am.wss95, asr_r10=am.recall_at_10pct, asr_atd=am.atd,
                             asr_ms=1000 * asr["metrics"]["mean_step_s"], asr_load=asr["metrics"].get("loadavg1_start"))
                per.append(r)
                if a.stopping:
                    stops.append(stopping_check(name, seed, scr["order"], gold, scr["priors"]))
            row = {"dataset": name, "records": len(gold), "included": int(sum(gold)), "seeds": per}
            for key in ("wss95", "r10", "atd", "ms", "cpu_ms", "ms_rec", "step_ms"):
                row[key] = mean(p[key] for p in per)
            if mode == "live":
                for key in ("asr_wss95", "asr_r10", "asr_atd", "asr_ms"):
                    row[key] = mean(p[key] for p in per)
            else:
                r = ref.get(name, {})
                row.update(asr_wss95=float(r["asreview_wss95_mean_s42_44"]) if r else None, asr_r10=None, asr_atd=None,
                           asr_ms=1000 * float(r["asreview_mean_step_s"]) if r else None)
            r = ref.get(name)
            row["ref_ms"] = 1000 * float(r["asreview_mean_step_s"]) if r else None
            row["diff"] = None if row["asr_wss95"] is None else row["wss95"] - row["asr_wss95"]
            rows.append(row)
            print(line(name, str(len(gold)), str(row["included"]), row), flush=True)

    print("-" * len(HEAD))
    avg = {k: mean(r[k] for r in rows) for k in ("wss95", "r10", "atd", "ms", "cpu_ms", "ms_rec", "step_ms", "asr_wss95",
                                                  "asr_r10", "asr_atd", "asr_ms", "ref_ms", "diff")}
    print(line("MEAN", "", "", avg))
    summary(rows, avg, mode)
    print(f"load average at end {load()}")
    if a.stopping:
        stopping_summary(stops)
    if not a.no_50k:
        step_50k()
    if a.json:
        a.json.write_text(json.dumps({"asreview": mode, "rows": rows, "mean": avg, "stopping": stops}, indent=1))
    return 0


def summary(rows, avg, mode) -> None:
    diffs = [(r["dataset"], r["diff"]) for r in rows if r["diff"] is not None]
    if not diffs:
        return
    worst = min(diffs, key=lambda x: x[1])
    bad = [n for n, d in diffs if d < -0.03]
    print(f"\nmean WSS@95: screener {avg['wss95']:.4f}, ASReview {avg['asr_wss95']:.4f} "
          f"({'above' if avg['wss95'] > avg['asr_wss95'] else 'NOT above'}; goal: above)")
    print(f"worst dataset: {worst[0]} {worst[1]:+.4f}; more than 0.03 worse: {', '.join(bad) or 'none'} (goal: none)")
    if avg["step_ms"] and avg["ref_ms"]:
        ratios = [r["step_ms"] / r["ref_ms"] for r in rows if r["step_ms"] and r["ref_ms"]]
        print(f"time per step, like for like (screener's CPU time of a refit + rerank at the training-set sizes of "
              f"every step, against ASReview's reference step on an idle machine): {avg['step_ms']:.2f} ms vs "
              f"{avg['ref_ms']:.2f} ms, ratio of means {avg['step_ms'] / avg['ref_ms']:.2f}, worst dataset "
              f"{max(ratios):.2f} (goal: at most 0.5)")
    if mode == "live" and avg["step_ms"] and avg["asr_ms"]:
        print(f"  against ASReview's live runs (wall time, machine load at their start "
              f"{', '.join(sorted({str(p.get('asr_load')) for r in rows for p in r['seeds']}))[:60]}...): "
              f"ratio of means {avg['step_ms'] / avg['asr_ms']:.2f}")
    if avg["ms_rec"] and avg["ref_ms"]:
        print(f"  as simulated (refit after each include, otherwise every 2 % of the records screened, as the GUI's "
              f"debounced refit): {avg['ms']:.2f} ms per refit, {avg['ms_rec']:.2f} ms of refits per screened record")


# -- stopping rules ------------------------------------------------------------------------------------

def stopping_check(name, seed, order, gold, priors, target=0.95, confidence=0.95, in_a_row=100) -> dict:
    """Walk screener's order: where does each stopping rule stop, and what recall does it reach?"""
    from screener.ranking.stopping import heuristic_stop, p_value_below_target

    y = np.asarray(gold)[np.asarray(order)]
    n, total = y.size, int(y.sum())
    found = np.cumsum(y)
    stat = heur = None
    for i in range(len(priors) + 1, n + 1, 5):
        if heur is None and heuristic_stop(y[:i], in_a_row):
            heur = i
        if stat is None and p_value_below_target(y[:i], n, target) < 1 - confidence:
            stat = i
        if stat is not None and heur is not None:
            break
    stat, heur = stat or n, heur or n
    return {"dataset": name, "seed": seed, "n": n, "stat_at": stat, "stat_recall": float(found[stat - 1] / total),
            "heur_at": heur, "heur_recall": float(found[heur - 1] / total)}


def stopping_summary(stops) -> None:
    print(f"\nstopping rules on screener's orders ({len(stops)} runs; target recall 0.95):")
    for key, label in (("stat", "statistical (95 % confidence)"), ("heur", "100 excluded in a row")):
        ok = np.mean([s[f"{key}_recall"] >= 0.95 for s in stops])
        print(f"  {label:30s} recall >= 0.95 in {ok:.0%} of runs, mean recall "
              f"{np.mean([s[f'{key}_recall'] for s in stops]):.3f}, mean share screened "
              f"{np.mean([s[f'{key}_at'] / s['n'] for s in stops]):.3f}")


# -- 50k records ---------------------------------------------------------------------------------------

def step_50k(n_records: int = 50_000, n_decided: int = 2_000) -> None:
    """One refit + rerank on 50,000 records (the labeled datasets concatenated and repeated)."""
    texts: list[str] = []
    gold: list[int] = []
    for path in sorted(LABELED.glob("*.csv")):
        if path.stem != "MANIFEST":
            t, g = read_labeled_csv(path)
            texts += t
            gold += g
    reps = -(-n_records // len(texts))
    texts, gold = (texts * reps)[:n_records], (gold * reps)[:n_records]
    start = time.perf_counter()
    ranker = Ranker.from_texts(texts, RankerSettings())
    features = time.perf_counter() - start
    rng = np.random.default_rng(0)
    y = np.asarray(gold)
    rows = np.concatenate([rng.choice(np.flatnonzero(y == 1), n_decided // 20, replace=False),
                           rng.choice(np.flatnonzero(y == 0), n_decided - n_decided // 20, replace=False)])
    pool = np.setdiff1d(np.arange(y.size), rows)
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        ranker.fit(rows, y[rows])
        ranker.rank(pool)
        timings.append(time.perf_counter() - start)
    best = min(timings)
    print(f"\none step on {n_records:,} records ({n_decided:,} decided): refit + rerank {best:.3f} s best of 3, "
          f"{np.mean(timings):.3f} s mean ({'under' if best < STEP_50K_GOAL else 'NOT under'} the "
          f"{STEP_50K_GOAL:.0f} s goal); features once: {features:.1f} s; load average {load()}")


if __name__ == "__main__":
    sys.exit(main())
