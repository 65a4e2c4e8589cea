#!/usr/bin/env python
"""screener's relevance ranking against ASReview LAB 3 (elas_u4) on the labeled datasets.

For every dataset in ../shared/data/labeled and every seed, screener replays the screening
(screener.ranking.simulate, the code the GUI and ``screener simulate`` use) from the same
1 included + 1 excluded prior records ASReview draws for that seed (``--prior-seed SEED``;
screener's ``draw_priors`` makes the same draw, and when ASReview's own runs are given with
``--asreview-runs`` their recorded priors are used). Metrics follow ../shared/CLI.md.

ASReview's numbers come from, in this order: ``--asreview-runs DIR`` (the OUTDIRs of
../shared/bench/asreview_sim.sh, named DATASET_SEED; ``--run-asreview`` makes them first,
which needs ASReview in its own venv, ASR_VENV), else the per-dataset means of seeds 42-44 in
../shared/bench/asreview_reference.csv.

    python benchmarks/ranking_bench.py                     # all datasets, seeds 42 43 44
    python benchmarks/ranking_bench.py --datasets Cohen_2006_NSAIDS --seeds 42
    python benchmarks/ranking_bench.py --stopping           # also the stopping-rule check
    python benchmarks/ranking_bench.py --run-asreview --asreview-runs /tmp/asr

Timing: ``ms/refit`` is one refit + rerank of the whole pool; ``ms/rec`` is the refit time
spent per record screened by model (with --batch-growth > 0 several records share a refit).
ASReview's ``mean_step_s`` is one refit + rerank + label per record. Run on an idle machine.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from screener.ranking.features import build_features
from screener.ranking.metrics import post_prior_labels, screening_metrics
from screener.ranking.model import Ranker, RankerSettings
from screener.ranking.simulate import DEFAULT_BATCH_GROWTH, draw_priors, read_labeled_csv, simulate
from screener.ranking.stopping import heuristic_stop, p_value_below_target

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
LABELED = SHARED / "data" / "labeled"
BENCH = SHARED / "bench"


def asreview_reference() -> dict[str, dict]:
    with open(BENCH / "asreview_reference.csv", newline="", encoding="utf-8") as fh:
        return {r["dataset"]: r for r in csv.DictReader(fh)}


def asreview_run(runs: Path | None, dataset: str, seed: int) -> dict | None:
    if runs is None:
        return None
    path = runs / f"{dataset}_{seed}" / "metrics.json"
    return json.loads(path.read_text()) if path.exists() else None


def run_asreview(runs: Path, dataset: str, seed: int) -> None:
    out = runs / f"{dataset}_{seed}"
    if (out / "metrics.json").exists():
        return
    env = dict(os.environ, SEED=str(seed))
    print(f"asreview: {dataset} seed {seed}", file=sys.stderr, flush=True)
    subprocess.run(
        ["bash", str(BENCH / "asreview_sim.sh"), str(LABELED / f"{dataset}.csv"), str(out)],
        env=env, check=True, stdout=subprocess.DEVNULL,
    )


def screener_run(texts, gold, prior_rows, settings, batch_growth) -> dict:
    y = np.asarray(gold)
    ranker = Ranker(build_features(texts, settings.features), settings)
    start, cpu = time.perf_counter(), time.process_time()
    order, times, screened = simulate(ranker, y, prior_rows, batch_growth)
    loop, cpu = time.perf_counter() - start, time.process_time() - cpu
    m = screening_metrics(post_prior_labels(order, y, prior_rows))
    return {
        "order": order,
        "wss95": m.wss95, "wss100": m.wss100, "recall_at_10pct": m.recall_at_10pct, "atd": m.atd,
        "records_to_95": m.records_to_95,
        "ms_refit": 1000 * float(np.mean(times)) if times else 0.0,
        "ms_record": 1000 * float(np.sum(times)) / max(1, screened),
        "loop_s": loop,
        # CPU time of the whole loop per record: unlike wall time, not inflated by other load
        "cpu_ms_record": 1000 * cpu / max(1, screened),
        "refits": len(times),
    }


def stopping_check(order, gold, prior_rows, target=0.95, confidence=0.95, every=5, in_a_row=100) -> dict:
    """Walk the screening order; where does each rule stop, and what recall has it then?"""
    y = np.asarray(gold)[np.asarray(order)]
    n, total = y.size, int(y.sum())
    found = np.cumsum(y)
    stop_stat = stop_heur = None
    for i in range(len(prior_rows) + 1, n + 1, every):
        if stop_heur is None and heuristic_stop(y[:i], in_a_row):
            stop_heur = i
        if stop_stat is None and p_value_below_target(y[:i], n, target) < 1 - confidence:
            stop_stat = i
        if stop_stat is not None and stop_heur is not None:
            break
    stop_stat = stop_stat or n
    stop_heur = stop_heur or n
    return {
        "stat_at": stop_stat, "stat_recall": found[stop_stat - 1] / total,
        "heur_at": stop_heur, "heur_recall": found[stop_heur - 1] / total,
        "n": n,
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", help="comma-separated names (default: every labeled dataset)")
    ap.add_argument("--seeds", default="42,43,44")
    ap.add_argument("--model", default=None, help="RankerSettings.model (default: the default)")
    ap.add_argument("--batch-growth", type=float, default=DEFAULT_BATCH_GROWTH,
                    help="records screened between refits, as a share of those screened (0 = refit after each)")
    ap.add_argument("--asreview-runs", type=Path, help="directory of asreview_sim.sh outputs")
    ap.add_argument("--run-asreview", action="store_true", help="make missing ASReview runs first")
    ap.add_argument("--stopping", action="store_true", help="also check the stopping rule")
    ap.add_argument("--stop-seeds", default="42,43,44,45,46,47,48,49,50,51",
                    help="seeds for the stopping check (with --stopping)")
    ap.add_argument("--json", type=Path, help="also write every row as JSON here")
    ap.add_argument("--step50k", action="store_true", help="time one refit + rerank on 50k records")
    a = ap.parse_args(argv)

    ref = asreview_reference()
    names = a.datasets.split(",") if a.datasets else sorted(ref)
    seeds = [int(s) for s in a.seeds.split(",")]
    settings = RankerSettings() if a.model is None else RankerSettings(model=a.model)
    if a.run_asreview:
        if a.asreview_runs is None:
            ap.error("--run-asreview needs --asreview-runs DIR")
        for name in names:
            for seed in seeds:
                run_asreview(a.asreview_runs, name, seed)

    rows = []
    head = (f"{'dataset':34s} {'N':>5s} {'n':>4s} | {'scr WSS95':>9s} {'asr WSS95':>9s} {'diff':>7s} | "
            f"{'scr R10':>7s} {'asr R10':>7s} | {'scr ATD':>8s} {'asr ATD':>8s} | "
            f"{'ms/refit':>8s} {'ms/rec':>6s} {'cpu/rec':>7s} {'asr ms':>6s}")
    print(head)
    print("-" * len(head))
    stops = []
    for name in names:
        texts, gold = read_labeled_csv(LABELED / f"{name}.csv")
        per = []
        for seed in seeds:
            asr = asreview_run(a.asreview_runs, name, seed)
            priors = asr["prior_record_ids"] if asr else draw_priors(gold, 1, 1, seed)
            s = RankerSettings(**{**{k: getattr(settings, k) for k in settings.__dataclass_fields__}, "seed": seed})
            res = screener_run(texts, gold, priors, s, a.batch_growth)
            res.update(dataset=name, seed=seed, priors=list(priors), asr=asr)
            per.append(res)
        if a.stopping:
            for seed in [int(x) for x in a.stop_seeds.split(",")]:
                priors = draw_priors(gold, 1, 1, seed)
                s = RankerSettings(**{**{k: getattr(settings, k) for k in settings.__dataclass_fields__}, "seed": seed})
                res = screener_run(texts, gold, priors, s, a.batch_growth)
                st = stopping_check(res["order"], gold, priors)
                st.update(dataset=name, seed=seed, records_to_95=res["records_to_95"] + len(priors))
                stops.append(st)
        r = ref.get(name, {})
        runs = [p["asr"] for p in per if p["asr"]]
        asr_wss = np.mean([x["wss95"] for x in runs]) if len(runs) == len(per) else float(r.get("asreview_wss95_mean_s42_44", "nan"))
        asr_r10 = np.mean([x["recall_at_10pct"] for x in runs]) if len(runs) == len(per) else float("nan")
        asr_atd = np.mean([x["atd"] for x in runs]) if len(runs) == len(per) else float("nan")
        asr_ms = 1000 * (np.mean([x["mean_step_s"] for x in runs]) if len(runs) == len(per) else float(r.get("asreview_mean_step_s", "nan")))
        row = {
            "dataset": name, "records": len(gold), "included": int(sum(gold)),
            "wss95": float(np.mean([p["wss95"] for p in per])), "asr_wss95": float(asr_wss),
            "recall_at_10pct": float(np.mean([p["recall_at_10pct"] for p in per])), "asr_recall_at_10pct": float(asr_r10),
            "atd": float(np.mean([p["atd"] for p in per])), "asr_atd": float(asr_atd),
            "ms_refit": float(np.mean([p["ms_refit"] for p in per])),
            "ms_record": float(np.mean([p["ms_record"] for p in per])), "asr_ms_step": float(asr_ms),
            "cpu_ms_record": float(np.mean([p["cpu_ms_record"] for p in per])),
            "per_seed_wss95": [round(p["wss95"], 4) for p in per],
        }
        rows.append(row)
        print(f"{name:34s} {row['records']:5d} {row['included']:4d} | {row['wss95']:9.4f} {row['asr_wss95']:9.4f} "
              f"{row['wss95'] - row['asr_wss95']:+7.4f} | {row['recall_at_10pct']:7.3f} {row['asr_recall_at_10pct']:7.3f} | "
              f"{row['atd']:8.1f} {row['asr_atd']:8.1f} | {row['ms_refit']:8.2f} {row['ms_record']:6.2f} "
              f"{row['cpu_ms_record']:7.2f} {row['asr_ms_step']:6.1f}",
              flush=True)
    print("-" * len(head))
    diff = np.array([r["wss95"] - r["asr_wss95"] for r in rows])
    print(f"{'MEAN':34s} {'':5s} {'':4s} | {np.mean([r['wss95'] for r in rows]):9.4f} "
          f"{np.mean([r['asr_wss95'] for r in rows]):9.4f} {diff.mean():+7.4f} | "
          f"{np.mean([r['recall_at_10pct'] for r in rows]):7.3f} {np.nanmean([r['asr_recall_at_10pct'] for r in rows]) if any(np.isfinite(r['asr_recall_at_10pct']) for r in rows) else float('nan'):7.3f} | "
          f"{np.mean([r['atd'] for r in rows]):8.1f} {'':8s} | {np.mean([r['ms_refit'] for r in rows]):8.2f} "
          f"{np.mean([r['ms_record'] for r in rows]):6.2f} {np.mean([r['cpu_ms_record'] for r in rows]):7.2f} "
          f"{np.mean([r['asr_ms_step'] for r in rows]):6.1f}")
    print(f"worst dataset difference {diff.min():+.4f}; datasets more than 0.03 worse: "
          f"{', '.join(r['dataset'] for r, d in zip(rows, diff) if d < -0.03) or 'none'}")
    print(f"settings: {settings.as_dict()} batch_growth={a.batch_growth}")

    if a.stopping and stops:
        stat_ok = np.mean([s["stat_recall"] >= 0.95 for s in stops])
        heur_ok = np.mean([s["heur_recall"] >= 0.95 for s in stops])
        print(f"\nstopping rule (target recall 0.95, confidence 0.95, ranked windows; {len(stops)} runs):")
        print(f"  statistical: recall >= 0.95 in {stat_ok:.1%} of runs, mean recall {np.mean([s['stat_recall'] for s in stops]):.3f}, "
              f"mean share screened {np.mean([s['stat_at'] / s['n'] for s in stops]):.3f}")
        print(f"  100 excluded in a row: recall >= 0.95 in {heur_ok:.1%} of runs, mean recall {np.mean([s['heur_recall'] for s in stops]):.3f}, "
              f"mean share screened {np.mean([s['heur_at'] / s['n'] for s in stops]):.3f}")
        print(f"  oracle (stop at 95 % recall): mean share screened {np.mean([s['records_to_95'] / s['n'] for s in stops]):.3f}")
        for name in names:
            mine = [s for s in stops if s["dataset"] == name]
            print(f"  {name:34s} stat recall min {min(s['stat_recall'] for s in mine):.3f} "
                  f"screened {np.mean([s['stat_at'] / s['n'] for s in mine]):.3f} | heuristic recall min "
                  f"{min(s['heur_recall'] for s in mine):.3f} screened {np.mean([s['heur_at'] / s['n'] for s in mine]):.3f}")

    if a.step50k:
        step_50k(settings)
    if a.json:
        a.json.write_text(json.dumps({"rows": rows, "stopping": stops}, indent=1, default=float))
    return 0


def step_50k(settings: RankerSettings) -> None:
    """One refit + rerank on 50,000 records (all labeled datasets, repeated), 2,000 decided."""
    texts: list[str] = []
    gold: list[int] = []
    for path in sorted(LABELED.glob("*.csv")):
        if path.name == "MANIFEST.csv":
            continue
        t, g = read_labeled_csv(path)
        texts += t
        gold += g
    reps = -(-50_000 // len(texts))
    texts, gold = (texts * reps)[:50_000], (gold * reps)[:50_000]
    start = time.perf_counter()
    ranker = Ranker.from_texts(texts, settings)
    features = time.perf_counter() - start
    rng = np.random.default_rng(0)
    y = np.asarray(gold)
    rows = np.concatenate([rng.choice(np.flatnonzero(y == 1), 100, replace=False),
                           rng.choice(np.flatnonzero(y == 0), 1900, replace=False)])
    pool = np.setdiff1d(np.arange(y.size), rows)
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        ranker.fit(rows, y[rows])
        ranker.rank(pool)
        timings.append(time.perf_counter() - start)
    print(f"\n50,000 records: features {features:.1f} s (once); refit + rerank with 2,000 decided: "
          f"{min(timings):.3f} s (best of 3), {np.mean(timings):.3f} s mean")


if __name__ == "__main__":
    sys.exit(main())
