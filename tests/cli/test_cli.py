"""The command line as a user runs it: a real subprocess, exit codes, JSON on stdout only."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest

RIS = """TY  - JOUR
TI  - Segment anything in medical images
AU  - Ma, Jun
AU  - Wang, Bo
PY  - 2024
JO  - Nature Communications
DO  - 10.1038/s41467-024-44824-z
AB  - A foundation model for universal medical image segmentation.
ER  - 

TY  - JOUR
TI  - Towards generalist biomedical AI
AU  - Tu, Tao
PY  - 2024
DO  - 10.1056/AIoa2300138
ER  - 
"""


def run(*args: str, check: int | None = 0):
    res = subprocess.run([sys.executable, "-m", "screener.cli.main", *args], capture_output=True, text=True,
                         timeout=120)
    if check is not None:
        assert res.returncode == check, (res.returncode, res.stdout, res.stderr)
    return res


@pytest.fixture
def project(tmp_path):
    path = tmp_path / "review.screener"
    run("init", str(path), "--title", "FM review", "--reviewer", "ana", "--reviewer", "ben",
        "--template", "medical-imaging-fm")
    return path


def test_import_status_decide_export(project, tmp_path):
    ris = tmp_path / "pubmed.ris"
    ris.write_text(RIS, encoding="utf-8")
    res = run("import", str(project), str(ris), "--source", "PubMed", "--json")
    doc = json.loads(res.stdout)
    assert doc["imported"] == 2 and doc["rejected"] == 0
    f = doc["files"][0]
    assert f["format"] == "ris" and f["source"] == "PubMed" and f["found"] == 2
    run("decide", str(project), "1", "include", "--reviewer", "ana", "--tag", "Task > Segmentation")
    run("decide", str(project), "1", "include", "--reviewer", "ben")
    run("decide", str(project), "2", "exclude", "--reviewer", "ana", "--reason", "Not medical imaging")
    st = json.loads(run("status", str(project), "--json").stdout)
    assert st["records"] == 2 and st["stages"]["title_abstract"]["included"] == 1
    assert st["by_reviewer"]["ana"]["title_abstract"] == 2
    out = tmp_path / "records.csv"
    run("export", str(project), "--table", "records", "--out", str(out))
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    assert rows[0]["record_id"] == "1" and rows[0]["doi"] == "10.1038/s41467-024-44824-z"
    assert rows[0]["sources"] == "PubMed" and rows[0]["authors"] == "Ma, Jun; Wang, Bo"
    dec = tmp_path / "decisions.csv"
    run("export", str(project), "--table", "decisions", "--out", str(dec))
    assert len(list(csv.DictReader(dec.read_text(encoding="utf-8").splitlines()))) == 3


def test_user_errors_are_one_line_exit_1(project, tmp_path):
    res = run("decide", str(project), "99", "include", "--reviewer", "ana", check=1)
    assert res.stderr.strip() == "screener: error: unknown record 99"
    assert "Traceback" not in res.stderr and res.stdout == ""
    res = run("status", str(tmp_path / "nope.screener"), check=1)
    assert "no such project file" in res.stderr and len(res.stderr.strip().splitlines()) == 1
    empty = tmp_path / "empty.ris"
    empty.write_bytes(b"")
    res = run("import", str(project), str(empty), check=1)
    assert "empty.ris" in res.stderr and "empty" in res.stderr
    res = run("init", str(project), check=1)
    assert "already exists" in res.stderr


def test_usage_errors_exit_2(project):
    run("decide", str(project), "1", "perhaps", "--reviewer", "ana", check=2)
    run("frobnicate", check=2)
    run("status", check=2)


def test_reviewer_add_list_json(project):
    doc = json.loads(run("reviewer", "add", str(project), "cy", "--role", "adjudicator", "--json").stdout)
    assert doc == {"name": "cy", "role": "adjudicator", "db_role": None}
    doc = json.loads(run("reviewer", "list", str(project), "--json").stdout)
    assert [r["name"] for r in doc["reviewers"]] == ["ana", "ben", "cy"]
    res = run("reviewer", "add", str(project), "cy", check=1)
    assert "already exists" in res.stderr
