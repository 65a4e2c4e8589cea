"""Work run in separate processes by the team tests and the load benchmark (importable by spawn)."""

from __future__ import annotations

import time


def label_for(reviewer_index: int, record_id: int) -> str:
    """A fixed, reviewer-dependent label, so what must be stored is known without asking the database."""
    return ("include", "exclude", "maybe")[(reviewer_index * 7 + record_id) % 3]


def decide_many(url: str, reviewer: str, reviewer_index: int, record_ids: list[int], start_at: float) -> list[float]:
    """Decide ``record_ids`` one unit of work each as ``reviewer``; returns each commit's latency (s)."""
    from screener.services.project import open_project
    from screener.services.screening import decide

    store = open_project(url)
    latencies = []
    try:
        # Every process waits for the same moment, so the writers really overlap.
        time.sleep(max(0.0, start_at - time.time()))
        for rid in record_ids:
            t0 = time.perf_counter()
            decide(store, rid, reviewer, label_for(reviewer_index, rid), note=f"{reviewer} on {rid}")
            latencies.append(time.perf_counter() - t0)
    finally:
        store.close()
    return latencies
