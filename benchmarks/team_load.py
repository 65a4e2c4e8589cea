"""Team load on a PostgreSQL server: sustained decisions per second with N concurrent writers.

    python benchmarks/team_load.py [--url postgresql+psycopg://postgres@127.0.0.1:5432/test]
                                   [--writers 10] [--decisions 500] [--as-owner] [--json]

A team project is created in a fresh schema of the server (dropped afterwards, with the login
roles it made), the demo corpus (978 real papers, ../shared/data/demo/medfm_papers.csv) is
imported, and ``--writers`` reviewers are added, each with its own login role. Each writer is a
separate process that logs in as its reviewer (so row-level security, the policies' checks and
the notify triggers are all in the path) and records ``--decisions`` decisions, one unit of
work each through ``services.screening.decide`` — the same call the GUI and the CLI make — all
writers on the same records, starting together. ``--as-owner`` runs the writers on the owner's
connection instead (no row-level security), to see what the policies cost.

Prints: decisions per second sustained over the run (all decisions / wall time from the common
start to the last commit), per-writer rates, and the latency of one decision (the unit of work,
commit included): p50, p95, p99, max. Then checks that every decision and every event is there.
Asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import statistics
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "demo" / "medfm_papers.csv"
LABELS = ("include", "exclude", "maybe")


def writer(url: str, name: str, index: int, ids: list[int], barrier, results) -> None:
    from screener.services.project import open_project
    from screener.services.screening import decide

    store = open_project(url)
    try:
        decide(store, ids[0], name, "maybe")  # connect and warm up before the common start
        barrier.wait()
        t0 = time.time()
        lat = []
        for rid in ids:
            a = time.perf_counter()
            decide(store, rid, name, LABELS[(index + rid) % 3], note=f"{name} on {rid}")
            lat.append(time.perf_counter() - a)
        results.put((name, t0, time.time(), lat))
    finally:
        store.close()


def url_for(base: str, schema: str, user: str | None = None) -> str:
    from sqlalchemy.engine import make_url

    u = make_url(base)
    if user is not None:
        u = u.set(username=user, password=None)
    return f"{u.render_as_string(hide_password=False)}?options=-csearch_path%3D{quote(schema)}"


def run(args) -> dict:
    import sqlalchemy as sa

    from screener.services.importing import import_files
    from screener.services.project import init_project
    from screener.services.reviewers import add_reviewer
    from screener.storage import team
    from screener.storage.models import Decision, DecisionEvent, Record

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(args.url)
    with admin.begin() as c:
        c.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    owner_url = url_for(args.url, schema)
    try:
        store = init_project(owner_url, title="team load", reviewers=["owner"])
        import_files(store, [DATA])
        people = [add_reviewer(store, f"writer{i}") for i in range(args.writers)]
        with store.read() as s:
            ids = list(s.scalars(sa.select(Record.id).where(Record.duplicate_of.is_(None)).order_by(Record.id)))
        ids = (ids * (args.decisions // len(ids) + 1))[: args.decisions]
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["screener.services.screening", "screener.services.project"])
        barrier, results = ctx.Barrier(args.writers), ctx.Queue()
        procs = []
        for i, p in enumerate(people):
            url = owner_url if args.as_owner else url_for(args.url, schema, p.db_role)
            order = ids[i * 37 % len(ids):] + ids[: i * 37 % len(ids)]  # same records, other starting points
            procs.append(ctx.Process(target=writer, args=(url, p.name, i, order, barrier, results)))
        for p in procs:
            p.start()
        done = [results.get(timeout=3600) for _ in procs]
        for p in procs:
            p.join()
        start = min(t0 for _, t0, _, _ in done)
        end = max(t1 for _, _, t1, _ in done)
        lat = sorted(x for *_, l in done for x in l)
        total = len(lat)
        with store.read() as s:
            n_decisions = s.scalar(sa.select(sa.func.count()).select_from(Decision))
            n_events = s.scalar(sa.select(sa.func.count()).select_from(DecisionEvent))
        store.close()

        def pct(q: float) -> float:
            return round(1000 * lat[min(len(lat) - 1, int(q * len(lat)))], 1)

        return {
            "writers": args.writers, "decisions_per_writer": args.decisions, "as_owner": args.as_owner,
            "decisions": total, "seconds": round(end - start, 2),
            "decisions_per_second": round(total / (end - start), 1),
            "per_writer_per_second": sorted(round(len(l) / (t1 - t0), 1) for _, t0, t1, l in done),
            "latency_ms": {"p50": pct(0.50), "p95": pct(0.95), "p99": pct(0.99), "max": round(1000 * lat[-1], 1),
                           "mean": round(1000 * statistics.fmean(lat), 1)},
            # Every writer decided every one of its records (plus one warm-up decision, replaced later).
            "stored_decisions": n_decisions, "expected_decisions": args.writers * len(set(ids)),
            "events": n_events, "expected_events": args.writers * (len(ids) + 1),
            "cpu_count": os.cpu_count(), "load_average": [round(x, 1) for x in os.getloadavg()],
        }
    finally:
        with admin.begin() as c:
            c.exec_driver_sql(f'SET LOCAL search_path = "{schema}"')
            team.drop_roles(c)
            c.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", default=os.environ.get("SCREENER_TEST_PG_URL",
                                                    "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    ap.add_argument("--writers", type=int, default=10)
    ap.add_argument("--decisions", type=int, default=500, help="decisions per writer")
    ap.add_argument("--as-owner", action="store_true", help="write on the owner's connection (no row-level security)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    doc = run(args)
    if args.json:
        print(json.dumps(doc))
        return 0
    print(f"{doc['writers']} writers x {doc['decisions_per_writer']} decisions"
          f"{' (owner connection)' if doc['as_owner'] else ' (own login roles, row-level security)'}")
    print(f"  {doc['decisions']} decisions in {doc['seconds']} s: {doc['decisions_per_second']} decisions/s sustained")
    print(f"  per writer: {doc['per_writer_per_second']} decisions/s")
    lat = doc["latency_ms"]
    print(f"  commit latency ms: p50 {lat['p50']}  p95 {lat['p95']}  p99 {lat['p99']}  max {lat['max']}")
    print(f"  stored decisions {doc['stored_decisions']} (expected {doc['expected_decisions']}), "
          f"events {doc['events']} (expected {doc['expected_events']})")
    print(f"  machine: {doc['cpu_count']} cores, load average {doc['load_average']}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO / "src"))
    sys.exit(main())
