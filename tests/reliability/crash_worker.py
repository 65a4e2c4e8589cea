"""A fork server for crash trials: it imports screener once, then forks one child per trial.

Each child does real work on a project through the services (what the CLI and the GUI call):
recording decisions one unit of work at a time, importing a file, or upgrading an old schema.
After each commit it appends an acknowledgement line to its ack file with a single ``write``,
so whatever the parent reads there was acknowledged before the child died. The parent kills
the child with SIGKILL at a random moment and then checks the project.

Protocol (one JSON object per line on stdin, one answer per line on stdout):
``{"op": "decide"|"import"|"migrate", "project": ..., "ack": ..., ...}`` → ``{"pid": N}``;
``{"op": "reap", "pid": N}`` → ``{"status": S}``; end of input ends the server.

Forking is safe here because the server itself never opens a database: every connection is
made in the child, after the fork.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time

from screener.services.importing import import_files
from screener.services.screening import clear_decision, decide
from screener.services.taxonomy import list_reasons, list_tags
from screener.storage import engine as storage_engine
from screener.storage.session import Store


def _ack(fd: int, text: str) -> None:
    os.write(fd, (text + "\n").encode("utf-8"))


def run_decide(job: dict, fd: int) -> None:
    """Record decisions until killed (or ``limit`` writes): acknowledge each after its commit."""
    rng = random.Random(job["seed"])
    store = Store.open(job["project"])
    from sqlalchemy import select

    from screener.storage.models import Record

    with store.read() as s:
        ids = list(s.scalars(select(Record.id)))
    reasons = [r.name for r in list_reasons(store, "title_abstract")]
    tags = [t.path for t in list_tags(store) if t.depth > 0]
    reviewers = job["reviewers"]
    _ack(fd, "open")
    for seq in range(1, job.get("limit", 10**9) + 1):
        rid, who = rng.choice(ids), rng.choice(reviewers)
        roll = rng.random()
        origin = f"{job.get('tag', 's')}{seq}"
        if roll < 0.1:
            clear_decision(store, rid, who, "title_abstract", origin=origin)
        elif roll < 0.4:
            decide(store, rid, who, "exclude", reasons=rng.sample(reasons, 2), tags=rng.sample(tags, 2),
                   note=f"note {seq} " + "x" * rng.randrange(0, 2000), origin=origin)
        else:
            decide(store, rid, who, rng.choice(["include", "maybe"]), tags=rng.sample(tags, 1),
                   note=f"note {seq}", origin=origin)
        _ack(fd, f"{seq} {rid} {who}")
    store.close()
    _ack(fd, "done")


def run_import(job: dict, fd: int) -> None:
    store = Store.open(job["project"])
    _ack(fd, "open")
    summary = import_files(store, [job["file"]], source="crash")
    store.close()
    _ack(fd, f"done {summary.imported}")


def run_migrate(job: dict, fd: int) -> None:
    _ack(fd, "start")
    engine = storage_engine.open_database(job["project"])
    engine.dispose()
    _ack(fd, "done")


JOBS = {"decide": run_decide, "import": run_import, "migrate": run_migrate}


def child(job: dict) -> None:
    code = 0
    fd = os.open(job["ack"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    started = time.perf_counter()
    try:
        JOBS[job["op"]](job, fd)
        _ack(fd, f"seconds {time.perf_counter() - started:.4f}")
    except BaseException as exc:  # reported to the parent through the ack file
        _ack(fd, f"error {type(exc).__name__}: {exc}".replace("\n", " ")[:500])
        code = 1
    finally:
        os.close(fd)
    os._exit(code)


def serve() -> None:
    # Load what the children will need once, here: a migration's scripts, the head revision.
    storage_engine.known_revisions()
    for line in sys.stdin:
        job = json.loads(line)
        if job["op"] == "reap":
            _, status = os.waitpid(job["pid"], 0)
            answer = {"status": status}
        else:
            pid = os.fork()
            if pid == 0:
                child(job)
            answer = {"pid": pid}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    serve()
