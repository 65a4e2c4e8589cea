"""Run bib-dedupe on one records.csv and write its clusters; meant for the benchmark venv.

usage: python _bibdedupe_runner.py records.csv clusters.csv

``records.csv`` has the benchmark's common columns (record_id, title, authors, year, journal,
volume, issue, pages, doi, abstract, entrytype). The script writes ``record_id,cluster`` and
prints one JSON line ``{"seconds": ...}`` timing prep + block + match + cluster, the same
span the benchmark times for screener (reading and writing files are left out on both sides).

It is run with /work/bench-venv/bin/python by dedup_bench.py, so it must not import screener.
That venv needs ``pip install bib-dedupe "pandas<3"``: bib-dedupe 0.11.0 fails under pandas 3
on a column that is empty in every record (the demo list entries have no authors).
"""

from __future__ import annotations

import json
import sys
import time

import pandas as pd


def main(argv: list[str]) -> int:
    src, dst = argv[1], argv[2]
    rec = pd.read_csv(src, dtype=str, keep_default_na=False)
    df = pd.DataFrame(
        {
            "ID": rec["record_id"],
            "ENTRYTYPE": rec.get("entrytype", pd.Series(["article"] * len(rec))).replace("", "article"),
            "author": rec["authors"],
            "title": rec["title"],
            "year": rec["year"],
            "journal": rec["journal"],
            "volume": rec["volume"],
            "number": rec["issue"],
            "pages": rec["pages"],
            "doi": rec["doi"],
            "abstract": rec["abstract"],
        }
    )
    from bib_dedupe.bib_dedupe import block, cluster, match, prep

    start = time.perf_counter()
    prepped = prep(df, verbosity_level=0)
    blocked = block(prepped, verbosity_level=0)
    matched = match(blocked, verbosity_level=0)
    components = cluster(matched, verbosity_level=0)
    seconds = time.perf_counter() - start

    rows = [(rid, f"c{n}") for n, comp in enumerate(components) for rid in comp]
    pd.DataFrame(rows, columns=["record_id", "cluster"]).to_csv(dst, index=False)
    print(json.dumps({"seconds": seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
