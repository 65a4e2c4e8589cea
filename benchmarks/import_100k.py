"""Import speed and memory: `screener import` of a 100k-record RIS file vs rispy's bare parse.

Goal (issue 3): import <= 1.5 x the bare parse, peak RSS <= 1 GB.
Run:  python benchmarks/import_100k.py [--records N] [--repeat K]
Each timing runs in its own subprocess so peak RSS (ru_maxrss of the child) is its own. The
import reads a file this large on two cores (a helper process parses the second part, see
screener.io.parallel), so its CPU time and the helper's peak RSS are printed too.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = ("foundation model segmentation transformer medical imaging vision language clinical radiology "
         "pathology zero-shot prompt adapter fine-tuning dataset benchmark evaluation accuracy lesion tumor "
         "ultrasound MRI CT X-ray report generation question answering multimodal contrastive pretraining").split()


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def make_ris(path: Path, n: int, seed: int = 7) -> None:
    """Realistic sizes: ~12-word titles, ~220-word abstracts, 6 authors, 5 keywords, ids, pages."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for i in range(n):
            fh.write("TY  - JOUR\n")
            fh.write(f"TI  - {sentence(rng, rng.randint(8, 16))}\n")
            for a in range(rng.randint(3, 9)):
                fh.write(f"AU  - {rng.choice(WORDS).capitalize()}{a}, {chr(65 + a)}. {chr(66 + a)}.\n")
            fh.write(f"PY  - {rng.randint(1995, 2025)}\n")
            fh.write(f"JO  - Journal of {rng.choice(WORDS).capitalize()} {rng.choice(WORDS).capitalize()}\n")
            fh.write(f"VL  - {rng.randint(1, 300)}\nIS  - {rng.randint(1, 12)}\n")
            sp = rng.randint(1, 3000)
            fh.write(f"SP  - {sp}\nEP  - {sp + rng.randint(3, 20)}\n")
            fh.write(f"DO  - 10.{rng.randint(1000, 9999)}/j.{i}.{rng.randint(100, 999)}\n")
            fh.write(f"AN  - {30000000 + i}\n")
            for _ in range(5):
                fh.write(f"KW  - {rng.choice(WORDS)}\n")
            fh.write(f"AB  - {' '.join(sentence(rng, 20) for _ in range(11))}\n")
            fh.write("LA  - eng\nER  - \n\n")


CHILD_RISPY = """
import sys, time, resource, rispy
t = time.perf_counter(); c = time.process_time()
with open(sys.argv[1], encoding="utf-8") as fh:
    entries = rispy.load(fh)
dt = time.perf_counter() - t
print(len(entries), dt, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, time.process_time() - c, 0)
"""

CHILD_IMPORT = """
import sys, time, resource
from screener.cli.main import main
project = sys.argv[2]
assert main(["init", project]) == 0
import os
t = time.perf_counter(); c = os.times()
assert main(["import", project, sys.argv[1], "--source", "Bench"]) == 0
dt = time.perf_counter() - t; e = os.times()
cpu = sum(e[:4]) - sum(c[:4])  # this process and its helper, user + system
import sqlite3
n = sqlite3.connect(project).execute("select count(*) from records").fetchone()[0]
print(n, dt, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, cpu,
      resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def child(code: str, *args: str) -> tuple[int, float, float, float, float]:
    # Start each timing with nothing waiting to be written back (the generated file, the last
    # run's project): otherwise that writeback competes with the import's own fsync.
    os.sync()
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True).stdout
    n, dt, rss_kb, cpu, helper_kb = out.split()
    return int(n), float(dt), int(rss_kb) / 1024, float(cpu), int(helper_kb) / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ris = Path(tmp) / "big.ris"
        make_ris(ris, args.records)
        size_mb = ris.stat().st_size / 1e6
        print(f"file: {args.records} records, {size_mb:.0f} MB")
        bare, ours = [], []
        for rep in range(args.repeat):
            n1, t1, rss1, cpu1, _ = child(CHILD_RISPY, str(ris))
            project = Path(tmp) / f"p{rep}.screener"
            n2, t2, rss2, cpu2, helper = child(CHILD_IMPORT, str(ris), str(project))
            for leftover in Path(tmp).glob(f"{project.name}*"):  # 280 MB each: not kept run after run
                leftover.unlink()
            assert n1 == n2 == args.records, (n1, n2)
            bare.append((t1, rss1, cpu1))
            ours.append((t2, rss2, cpu2, helper))
            print(f"  run {rep + 1}: rispy {t1:5.2f} s, import {t2:5.2f} s, ratio {t2 / t1:4.2f}")
        tb = min(r[0] for r in bare)
        to = min(r[0] for r in ours)
        print(f"rispy.load (bare parse):      {tb:7.2f} s   peak RSS {max(r[1] for r in bare):6.0f} MB"
              f"   CPU {min(r[2] for r in bare):5.2f} s")
        print(f"screener import (to SQLite):  {to:7.2f} s   peak RSS {max(r[1] for r in ours):6.0f} MB"
              f"   CPU {min(r[2] for r in ours):5.2f} s (with its helper process, peak RSS "
              f"{max(r[3] for r in ours):.0f} MB)")
        print(f"ratio import / bare parse:    {to / tb:7.2f}   (best runs; goal <= 1.5; peak RSS goal <= 1024 MB)")
        ratios = sorted(o[0] / b[0] for o, b in zip(ours, bare))
        print(f"ratio run by run:             {', '.join(f'{r:.2f}' for r in ratios)}")


if __name__ == "__main__":
    main()
