"""Coverage-guided fuzzing of every reader with atheris (libFuzzer), seeded with the real exports.

The test suite fuzzes every reader with hypothesis (tests/reliability/test_hostile_input.py);
this goes deeper when atheris is installed (``pip install atheris``). A reader may return a
ParsedFile whose counts add up or raise FileFormatError; anything else is a crash, which
libFuzzer reports with the input that caused it (saved as crash-*).

Run:  python benchmarks/fuzz_readers.py [--runs 20000] [--formats ris bibtex ...]
Each format runs in its own process (libFuzzer exits when it is done) and prints one line.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REFS = REPO.parent / "shared" / "data" / "refs"
SEED_DIRS = {"ris": "ris", "bibtex": "bibtex", "csv": "csv", "tsv": "tsv", "xlsx": "xlsx", "medline": "medline_nbib",
             "pubmed_xml": "pubmed_xml", "endnote_xml": "endnote_xml", "enw": "endnote_tagged", "wos": "wos"}


def fuzz_one(fmt: str) -> None:
    """The libFuzzer process for one format (argv after ``--one FMT`` goes to libFuzzer)."""
    import atheris

    with atheris.instrument_imports(include=["screener.io"]):
        import importlib

        from screener.core.errors import FileFormatError
        from screener.io.reader import FORMATS, read_bytes

        # The reader imports a format's module on first use; import them all here, instrumented.
        for module in {*FORMATS.values(), "detect", "text", "tagged", "columns", "normalize", "xlsx_safety"}:
            importlib.import_module(f"screener.io.{module}")

    name = f"fuzz.{fmt}"

    def one_input(data: bytes) -> None:
        try:
            parsed = read_bytes(data, name, format=fmt)
        except FileFormatError:
            return
        if parsed.found != len(parsed.records) + len(parsed.errors):
            raise AssertionError("found != imported + rejected")

    atheris.Setup(sys.argv[:1] + sys.argv[3:], one_input)
    atheris.Fuzz()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=20000, help="inputs per format")
    ap.add_argument("--formats", nargs="*", default=list(SEED_DIRS))
    ap.add_argument("--max-len", type=int, default=20000)
    args = ap.parse_args()
    try:
        import atheris  # noqa: F401
    except ImportError:
        sys.exit("atheris is not installed: pip install atheris")
    total_crashes = 0
    for fmt in args.formats:
        with tempfile.TemporaryDirectory() as tmp:
            corpus = Path(tmp) / "corpus"
            corpus.mkdir()
            whole = fmt in ("xlsx", "pubmed_xml", "endnote_xml", "csv")  # cut, these only fail to parse
            max_len = args.max_len * 5 if whole else args.max_len
            for i, f in enumerate(sorted((REFS / SEED_DIRS[fmt]).glob("*"))):
                data = f.read_bytes()
                if not whole:
                    data = data[:max_len]
                elif len(data) > max_len:
                    continue
                (corpus / f"seed{i}").write_bytes(data)
            started = time.perf_counter()
            run = subprocess.run([sys.executable, __file__, "--one", fmt, f"-runs={args.runs}",
                                  f"-max_len={max_len}", "-timeout=10", "-rss_limit_mb=4096",
                                  f"-artifact_prefix={tmp}/", str(corpus)], capture_output=True, text=True, cwd=tmp)
            crashes = sorted(Path(tmp).glob("crash-*")) + sorted(Path(tmp).glob("timeout-*"))
            total_crashes += len(crashes)
            cov = [x for x in run.stderr.splitlines() if x.startswith("#") and "cov:" in x]
            print(f"{fmt:12s} {args.runs} runs in {time.perf_counter() - started:6.1f} s, exit {run.returncode}, "
                  f"crashes {len(crashes)}; {cov[-1].split(' ', 1)[1] if cov else ''}")
            if crashes or run.returncode:
                tail = "\n".join(run.stderr.splitlines()[-30:])
                print(f"--- {fmt}:\n{tail}\n---")
                for c in crashes:
                    keep = REPO / "benchmarks" / f"fuzz-{fmt}-{c.name}"
                    keep.write_bytes(c.read_bytes())
                    print(f"    input kept as {keep}")
    print(f"total crashes: {total_crashes}")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--one":
        sys.path.insert(0, str(REPO / "src"))
        fuzz_one(sys.argv[2])
    else:
        main()
