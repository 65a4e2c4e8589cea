"""Benchmark of screener.dedup against bib-dedupe on the labeled duplicate sets.

usage: python benchmarks/dedup_bench.py [--sets NAME ...] [--no-bib-dedupe] [--synthetic N]
                                        [--bench-python /work/bench-venv/bin/python]

For every set in ../shared/data/dedup (and the demo list entries in ../shared/data/demo) it
runs screener's ``find_duplicates`` + ``clusters()`` and bib-dedupe (in its own venv, through
``_bibdedupe_runner.py``) on the same records, scores both with the sets' own evaluate.py
(pairwise precision / recall / F1) and prints one table. Times cover the matching only
(normalise, block, compare, cluster), not reading or writing files, on both sides.
A synthetic library (default 100,000 records with injected duplicates) measures speed and
accuracy at scale; bib-dedupe is not run on it (it needs hours at that size).
ASySD is an R package and is not run here; its published scores on the same sets
(``baseline_metrics.csv`` beside them) are printed beside ours.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from itertools import accumulate
from pathlib import Path

import pandas as pd

from screener.core.records import RecordData
from screener.dedup import find_duplicates

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
DEDUP = DATA / "dedup"
DEMO = DATA / "demo"
RUNNER = Path(__file__).resolve().parent / "_bibdedupe_runner.py"
COLUMNS = ["record_id", "title", "authors", "year", "journal", "volume", "issue", "pages", "doi",
           "abstract", "entrytype", "url", "arxiv_id", "duplicate_group"]


def load_evaluate():
    spec = importlib.util.spec_from_file_location("dedup_evaluate", DEDUP / "evaluate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.evaluate


def split_authors(text: str) -> tuple[str, ...]:
    if not text:
        return ()
    return tuple(a.strip() for a in re.split(r"\s+and\s+|;", text) if a.strip())


def to_records(df: pd.DataFrame) -> list[tuple[int, RecordData]]:
    """The benchmark CSV rows as (index, RecordData), the way a reader would fill them."""
    out = []
    for k, row in enumerate(df.to_dict("records")):
        m = re.search(r"\d{4}", row.get("year", "") or "")
        out.append((k, RecordData(
            title=row.get("title", ""), abstract=row.get("abstract", ""),
            authors=split_authors(row.get("authors", "")), year=int(m.group(0)) if m else None,
            journal=row.get("journal", ""), volume=row.get("volume", ""), issue=row.get("issue", ""),
            pages=row.get("pages", ""), doi=row.get("doi", ""), arxiv_id=row.get("arxiv_id", ""),
            url=row.get("url", ""), pub_type=row.get("entrytype", ""),
        )))
    return out


def medfm_records(path: Path) -> pd.DataFrame:
    """The demo list entries with gold groups taken from medfm_papers.csv (the merged list).

    Each entry belongs to the paper whose title variants contain its title (compared without
    case and punctuation) and whose lists include the entry's list; that mapping is unique.
    Entries with an arXiv id and no DOI get arXiv's own DOI (10.48550/arXiv.<id>), so both
    tools see the identifier.

    The gold inherits the merged list's slips: "Design as Desired: Utilizing VQA ..." and "...
    Utilizing Visual Question Answering ..." share arXiv 2404.00226 but are two papers there, and
    "Merlin: (A) Vision Language Foundation Model for 3D Computed Tomography" (2024 with its
    arXiv id, 2025 without) too. A matcher that merges them is charged false positives.
    """
    raw = pd.read_csv(DEMO / "medfm_entries_raw.csv", dtype=str, keep_default_na=False)
    papers = pd.read_csv(DEMO / "medfm_papers.csv", dtype=str, keep_default_na=False)
    key = lambda s: re.sub(r"\W+", "", s.lower())  # noqa: E731
    index: dict[str, list[int]] = {}
    for k, row in papers.iterrows():
        variants = row["title_variants"].split(" || ") if row["title_variants"] else []
        for t in {key(v) for v in variants + [row["title"]]}:
            index.setdefault(t, []).append(k)
    groups = []
    for _, row in raw.iterrows():
        hits = [k for k in index.get(key(row["title"]), []) if row["source_repo"] in papers.at[k, "source_repo"].split(" | ")]
        if len(hits) != 1:
            raise SystemExit(f"medfm gold: entry {row['title']!r} maps to {len(hits)} papers")
        groups.append(f"p{hits[0]}")
    df = pd.DataFrame({
        "record_id": [f"m{k:05d}" for k in range(len(raw))],
        "title": raw["title"], "authors": "", "year": raw["year"], "journal": raw["venue"],
        "volume": "", "issue": "", "pages": "",
        "doi": [d or (f"10.48550/arXiv.{a}" if a else "") for d, a in zip(raw["doi"], raw["arxiv_id"])],
        "abstract": "", "entrytype": "article", "url": raw["url"], "arxiv_id": raw["arxiv_id"],
        "duplicate_group": groups,
    })
    sizes = Counter(groups)
    df["duplicate_group"] = [g if sizes[g] > 1 else f"s_{rid}" for g, rid in zip(groups, df["record_id"])]
    df.to_csv(path, index=False)
    return df


# ---------------------------------------------------------------- synthetic library

def _abbreviate(journal: str) -> str:
    stop = {"of", "the", "and", "in", "for", "&"}
    return " ".join(w[: max(1, min(len(w), 4))] for w in journal.split() if w.lower() not in stop)


def _perturb(rec: dict, rng: random.Random) -> dict:
    """A second copy of a record as another database might export it."""
    dup = dict(rec)
    title = dup["title"]
    r = rng.random()
    if r < 0.2:
        title = title.upper()
    elif r < 0.35:
        title = title.lower()
    if rng.random() < 0.3:
        title = re.sub(r"[:,\-]", " ", title)
    if rng.random() < 0.2:
        title = title + "."
    if rng.random() < 0.1:  # one typo
        pos = rng.randrange(len(title))
        title = title[:pos] + rng.choice("abcdefghijklmnopqrstuvwxyz") + title[pos + 1:]
    dup["title"] = title
    authors = dup["authors"].split(" and ")
    if rng.random() < 0.5:  # "Smith, John A." -> "Smith JA"
        authors = [a.split(", ")[0] + " " + "".join(p[0] for p in a.split(", ")[1].split()) if ", " in a else a
                   for a in authors]
    if rng.random() < 0.2 and len(authors) > 3:
        authors = authors[:3]
    dup["authors"] = " and ".join(authors)
    if rng.random() < 0.4:
        dup["doi"] = ""
    elif dup["doi"] and rng.random() < 0.3:
        dup["doi"] = "https://doi.org/" + dup["doi"].upper()
    if dup["pages"] and rng.random() < 0.4:
        first, _, last = dup["pages"].partition("-")
        if last and len(last) == len(first):
            k = next((n for n in range(len(first)) if first[n] != last[n]), len(first) - 1)
            dup["pages"] = f"{first}-{last[k:]}" if rng.random() < 0.5 else f"{first}--{last}"
    if rng.random() < 0.1:
        dup["year"] = str(int(dup["year"]) + rng.choice((-1, 1)))
    if rng.random() < 0.3:
        dup["journal"] = _abbreviate(dup["journal"])
    if rng.random() < 0.3:
        dup["abstract"] = ""
    if rng.random() < 0.15:
        dup["volume"] = dup["issue"] = ""
    return dup


def synthetic_records(n: int, path: Path, seed: int = 20240501) -> pd.DataFrame:
    """``n`` records: about 80 % distinct works and 20 % injected duplicates of them.

    Titles are drawn from the vocabulary of the real labeled sets, authors from their
    surnames, journals from the dedup sets' journals, so words have realistic frequencies.
    """
    rng = random.Random(seed)
    words: Counter[str] = Counter()
    surnames: Counter[str] = Counter()
    journals: Counter[str] = Counter()
    for f in sorted((DATA / "labeled").glob("*.csv")):
        if f.name == "MANIFEST.csv":
            continue
        df = pd.read_csv(f, dtype=str, keep_default_na=False, usecols=lambda c: c in {"title", "authors"})
        for t in df.get("title", []):
            words.update(w for w in re.findall(r"[A-Za-z][a-z]+", t) if len(w) > 2)
        for a in df.get("authors", []):
            surnames.update(re.findall(r"([A-Z][a-z]{2,})(?=,)", a))
    for f in sorted(DEDUP.glob("*/records.csv")):
        journals.update(pd.read_csv(f, dtype=str, keep_default_na=False)["journal"])
    journals.pop("", None)
    # Cumulative weights once: random.choices would otherwise re-add 20,000 weights per call.
    vocab, vweights = zip(*words.most_common(20000))
    vweights = list(accumulate(vweights))
    names, nweights = zip(*surnames.most_common(5000))
    nweights = list(accumulate(nweights))
    jnames, jweights = zip(*[(j, c) for j, c in journals.most_common(1500) if len(j) > 5])
    jweights = list(accumulate(jweights))
    n_orig = int(n * 0.8)
    rows = []
    for k in range(n_orig):
        title_words = rng.choices(vocab, cum_weights=vweights, k=rng.randint(6, 16))
        title = " ".join(title_words).capitalize()
        if rng.random() < 0.3:
            cut = rng.randint(2, len(title_words) - 2)
            title = " ".join(title_words[:cut]).capitalize() + ": " + " ".join(title_words[cut:])
        authors = " and ".join(
            f"{rng.choices(names, cum_weights=nweights)[0]}, {rng.choice('ABCDEFGHJKLMNPRSTW')}. {rng.choice('ABCDEFGHJKLMNPRSTW')}."
            for _ in range(rng.randint(1, 8))
        )
        first = rng.randint(1, 2000)
        year = rng.randint(1990, 2024)
        rows.append({
            "record_id": f"r{k:07d}", "title": title, "authors": authors, "year": str(year),
            "journal": rng.choices(jnames, cum_weights=jweights)[0], "volume": str(rng.randint(1, 120)),
            "issue": str(rng.randint(1, 12)), "pages": f"{first}-{first + rng.randint(3, 20)}",
            "doi": f"10.{rng.randint(1000, 9999)}/syn.{year}.{k:07d}" if rng.random() < 0.7 else "",
            "abstract": " ".join(rng.choices(vocab, cum_weights=vweights, k=rng.randint(80, 160))) if rng.random() < 0.5 else "",
            "entrytype": "article", "url": "", "arxiv_id": "", "duplicate_group": f"g{k:07d}",
        })
    for k in range(n - n_orig):
        dup = _perturb(rows[rng.randrange(n_orig)], rng)
        dup["record_id"] = f"d{k:07d}"
        rows.append(dup)
    rng.shuffle(rows)
    df = pd.DataFrame(rows, columns=COLUMNS)
    sizes = Counter(df["duplicate_group"])
    df["duplicate_group"] = [g if sizes[g] > 1 else f"s_{rid}" for g, rid in zip(df["duplicate_group"], df["record_id"])]
    df.to_csv(path, index=False)
    return df


# ---------------------------------------------------------------- running the tools

def run_ours(records_csv: Path, out_csv: Path) -> float:
    df = pd.read_csv(records_csv, dtype=str, keep_default_na=False)
    records = to_records(df)
    start = time.perf_counter()
    result = find_duplicates(records)
    clusters = result.clusters()
    seconds = time.perf_counter() - start
    rid = df["record_id"].tolist()
    with out_csv.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["record_id", "cluster"])
        for n, group in enumerate(clusters):
            for k in group:
                w.writerow([rid[k], f"c{n}"])
    return seconds


def run_bibdedupe(records_csv: Path, out_csv: Path, python: str) -> float:
    proc = subprocess.run([python, str(RUNNER), str(records_csv), str(out_csv)],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"bib-dedupe failed on {records_csv.name}:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])["seconds"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", nargs="*", help="only these sets (directory names, or medfm)")
    ap.add_argument("--no-bib-dedupe", action="store_true", help="run screener only")
    ap.add_argument("--bench-python", default="/work/bench-venv/bin/python",
                    help="python of the venv where bib-dedupe is installed")
    ap.add_argument("--synthetic", type=int, default=100_000, help="size of the synthetic library (0: skip)")
    args = ap.parse_args(argv)
    if not DEDUP.is_dir():
        print(f"shared data not found at {DEDUP}", file=sys.stderr)
        return 2
    evaluate = load_evaluate()
    use_bd = not args.no_bib_dedupe and Path(args.bench_python).exists()
    if not args.no_bib_dedupe and not use_bd:
        print(f"bib-dedupe venv not found ({args.bench_python}); its columns are left empty", file=sys.stderr)

    rows = []
    base = pd.read_csv(DEDUP / "baseline_metrics.csv")
    published = {(r["dataset"], r["tool"]): r for r in base.to_dict("records")}
    with tempfile.TemporaryDirectory(prefix="dedup_bench_") as tmp_name:
        tmp = Path(tmp_name)
        sets = [(d.name, d / "records.csv") for d in sorted(DEDUP.iterdir()) if (d / "records.csv").exists()]
        medfm_csv = tmp / "medfm_records.csv"
        sets.append(("medfm_entries_raw", medfm_csv))
        if args.synthetic:
            sets.append((f"synthetic_{args.synthetic // 1000}k", tmp / "synthetic.csv"))
        for name, path in sets:
            if args.sets and not any(s in name for s in args.sets):
                continue
            if path == medfm_csv:
                medfm_records(path)
            elif name.startswith("synthetic"):
                synthetic_records(args.synthetic, path)
            row = {"set": name, "n": sum(1 for _ in open(path, encoding="utf-8")) - 1}
            ours_csv = tmp / f"{name}_ours.csv"
            row["ours_s"] = run_ours(path, ours_csv)
            m = evaluate(str(path), str(ours_csv), "cluster")
            row.update(ours_P=m["pair_precision"], ours_R=m["pair_recall"], ours_F1=m["pair_F1"],
                       ours_FP=m["pair_FP"], ours_FN=m["pair_FN"])
            if use_bd and not name.startswith("synthetic"):
                bd_csv = tmp / f"{name}_bd.csv"
                row["bd_s"] = run_bibdedupe(path, bd_csv, args.bench_python)
                m = evaluate(str(path), str(bd_csv), "cluster")
                row.update(bd_P=m["pair_precision"], bd_R=m["pair_recall"], bd_F1=m["pair_F1"])
            asysd = published.get((name, "asysd"))
            if asysd is not None:
                row.update(asysd_P=asysd["pair_precision"], asysd_R=asysd["pair_recall"], asysd_F1=asysd["pair_F1"])
            rows.append(row)
            print(json.dumps(row), file=sys.stderr)
    print_table(rows)
    return 0


def print_table(rows: list[dict]) -> None:
    def f(v, spec):
        return format(v, spec) if isinstance(v, (int, float)) and v == v else "-"

    head = (f"{'set':<24}{'n':>8} | {'ours P':>7}{'R':>7}{'F1':>7}{'sec':>7}{'FP':>5}{'FN':>5} |"
            f" {'bib-dedupe P':>12}{'R':>7}{'F1':>7}{'sec':>8} | {'ASySD* P':>8}{'R':>7}{'F1':>7}")
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r['set']:<24}{r['n']:>8} | {f(r['ours_P'], '7.4f')}{f(r['ours_R'], '7.3f')}"
              f"{f(r['ours_F1'], '7.3f')}{f(r['ours_s'], '7.2f')}{r['ours_FP']:>5}{r['ours_FN']:>5} |"
              f" {f(r.get('bd_P'), '12.4f')}{f(r.get('bd_R'), '7.3f')}{f(r.get('bd_F1'), '7.3f')}"
              f"{f(r.get('bd_s'), '8.2f')} | {f(r.get('asysd_P'), '8.4f')}{f(r.get('asysd_R'), '7.3f')}"
              f"{f(r.get('asysd_F1'), '7.3f')}")
    print("* ASySD: published scores from baseline_metrics.csv (not run here)")


if __name__ == "__main__":
    sys.exit(main())
