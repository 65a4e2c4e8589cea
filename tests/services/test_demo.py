"""The demo project: the shipped corpus, built through the normal import path."""

from __future__ import annotations

import csv
import importlib.util

import pytest

from screener.core.errors import UserError
from screener.services import demo, queries, taxonomy
from screener.services.project import get_settings, open_project
from screener.services.status import project_status


def test_shipped_corpus_is_derived_not_copied(shared_data):
    shipped = demo.demo_corpus()
    with open(shipped, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["title", "year", "journal", "arxiv_id", "doi", "url", "keywords"]
    assert len(rows) == 978
    assert all(r["keywords"] for r in rows)
    assert shipped.read_bytes() != (shared_data / "demo" / "medfm_papers.csv").read_bytes()


def test_corpus_script_reproduces_the_shipped_file(shared_data, tmp_path):
    spec = importlib.util.spec_from_file_location("make_demo_corpus",
                                                  demo.demo_corpus().parents[2] / "scripts" / "make_demo_corpus.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    out = tmp_path / "demo.csv"
    mod.build(shared_data / "demo" / "medfm_papers.csv", out)
    assert out.read_bytes() == demo.demo_corpus().read_bytes()
    assert mod.keywords("SAM4MIS: Title > CT Models || X: T > Medical Report Generation > 2023") == [
        "segment anything", "segmentation", "CT", "report generation"]


def test_build_demo(tmp_path):
    path = demo.build_demo(tmp_path / "demo.screener")
    with open_project(path) as store:
        st = project_status(store)
        assert st["records"] == 978
        assert st["reviewers"] == list(demo.DEMO_REVIEWERS)
        s = get_settings(store)
        assert s.template == "medical-imaging-fm" and s.stages["title_abstract"].blind
        assert s.inclusion_criteria and s.question
        assert "Task > Segmentation" in [t.path for t in taxonomy.list_tags(store)]
        ids = queries.record_ids(store, queries.RecordQuery("ana", search="segment anything"))
        assert len(ids) > 300
        view = queries.record_view(store, ids[0], "ana")
        assert view.keywords and view.sources == (demo.DEMO_SOURCE,)
    # a second build keeps the existing project (and whatever was screened in it)
    assert demo.build_demo(path) == path
    other = tmp_path / "other.screener"
    other.write_text("not a project")
    with pytest.raises(UserError):
        demo.build_demo(other)
    assert demo.build_demo(path, overwrite=True) == path
