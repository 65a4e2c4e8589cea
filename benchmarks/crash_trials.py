"""Crash trials at scale: kill -9 a process that records decisions, imports, or upgrades a schema.

The test suite runs about 150 short trials (tests/reliability/test_crash.py); this runs as many as
you ask and prints what happened. Every trial checks, after the kill: integrity_check ok, the
project reopens and takes new work, 0 acknowledged decisions lost, decision rows and their event
log agree exactly (no partial transaction), an import is all or nothing, a migration leaves the
old schema or the new one (never a mix) and a backup whenever it got that far.

Run:  python benchmarks/crash_trials.py [--decisions 1000] [--imports 200] [--migrations 200]
A failed check stops the run with its AssertionError.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.reliability.crash_harness import (CrashServer, decision_trials, import_trials,  # noqa: E402
                                             migration_trials)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--decisions", type=int, default=1000)
    ap.add_argument("--imports", type=int, default=200)
    ap.add_argument("--migrations", type=int, default=200)
    ap.add_argument("--max-delay", type=float, default=0.1, help="seconds of random delay before a decision kill")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--ris", type=Path, default=REPO.parent / "shared" / "data" / "refs" / "ris" / "asreview___baseline.ris")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp, CrashServer() as server:
        root = Path(tmp)
        if args.decisions:
            (root / "d").mkdir()
            t = time.perf_counter()
            s = decision_trials(root / "d", args.decisions, seed=args.seed, max_delay=args.max_delay, server=server)
            print(f"decisions: {s.trials} trials in {time.perf_counter() - t:.1f} s; killed while running "
                  f"{s.killed_running}; killed before the project was open {s.killed_before_open}")
            print(f"  acknowledged writes {s.acked}, committed {s.committed} (committed but not yet acknowledged "
                  f"at the kill: {s.in_flight_committed}); lost {s.lost}; partial transactions {s.partial}; "
                  f"integrity failures {s.integrity_failures}; reopen failures {s.reopen_failures}")
        if args.imports:
            (root / "i").mkdir()
            t = time.perf_counter()
            s = import_trials(root / "i", args.ris, args.imports, seed=args.seed + 1, server=server)
            print(f"imports: {s.trials} trials of {args.ris.name} (a full import takes {s.seconds_full:.2f} s) "
                  f"in {time.perf_counter() - t:.1f} s; killed while running {s.killed_running}")
            print(f"  nothing imported {s.none_imported}, everything imported {s.all_imported}, partial {s.partial}")
        if args.migrations:
            (root / "m").mkdir()
            t = time.perf_counter()
            s = migration_trials(root / "m", args.migrations, seed=args.seed + 2, server=server)
            print(f"migrations 0001 -> head: {s.trials} trials (a full upgrade takes {s.seconds_full:.2f} s) "
                  f"in {time.perf_counter() - t:.1f} s; killed while running {s.killed_running}")
            print(f"  old schema {s.old_schema}, new schema {s.new_schema}, mixed {s.mixed}, "
                  f"upgraded without a backup {s.backup_missing}")


if __name__ == "__main__":
    main()
