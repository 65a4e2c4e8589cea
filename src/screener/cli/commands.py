"""The subcommands of CLI.md that read and write projects."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from screener.core.enums import Stage


def _json_out(doc) -> None:
    from screener.cli.main import emit_json

    emit_json(doc)


def _err(msg: str) -> None:
    print(msg, file=sys.stderr)


class _StderrProgress:
    """Progress lines on stderr for long imports, at most one per 10%."""

    def __init__(self) -> None:
        self._last = -1

    def __call__(self, done: int, total: int, text: str) -> None:
        if total:
            step = int(10 * done / total)
            if step != self._last:
                self._last = step
                print(f"{text}: {done}/{total}", file=sys.stderr)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init", help="create a project")
    p.add_argument("project")
    p.add_argument("--title", default="")
    p.add_argument("--question", default="")
    p.add_argument("--reviewer", action="append", default=[], metavar="NAME")
    p.add_argument("--template", default="blank", choices=["blank", "medical-imaging-fm"])
    p.add_argument("--auto-dedup", action=argparse.BooleanOptionalAction, default=False,
                   help="merge the sure duplicates after every import (default: off; the GUI's project settings "
                        "change it later)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("import", help="import reference files, one source per file")
    p.add_argument("project")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--source", default=None, help="source name, e.g. PubMed")
    p.add_argument("--source-type", default="database",
                   choices=["database", "register", "website", "organisation", "citation", "other"])
    p.add_argument("--format", default=None)
    p.add_argument("--encoding", default=None)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("status", help="counts per stage, label and reviewer")
    p.add_argument("project")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("export", help="export a table")
    p.add_argument("project")
    p.add_argument("--table", required=True,
                   choices=["records", "included", "excluded", "decisions", "tags", "crosstab", "year-tags"])
    p.add_argument("--out", required=True)
    p.add_argument("--stage", default=None, type=_stage)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("decide", help="record one reviewer's decision")
    p.add_argument("project")
    p.add_argument("record_id", type=int)
    p.add_argument("label", choices=["include", "exclude", "maybe"])
    p.add_argument("--reviewer", required=True)
    p.add_argument("--stage", default="title_abstract", type=_stage)
    p.add_argument("--reason", action="append", default=[])
    p.add_argument("--tag", action="append", default=[])
    p.add_argument("--note", default="")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_decide)

    p = sub.add_parser("decisions", help="bulk decisions")
    dsub = p.add_subparsers(dest="decisions_command", required=True, metavar="ACTION")
    q = dsub.add_parser("import", help="import decisions from a CSV file")
    q.add_argument("project")
    q.add_argument("file")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_decisions_import)

    p = sub.add_parser("reviewer", help="manage reviewers")
    rsub = p.add_subparsers(dest="reviewer_command", required=True, metavar="ACTION")
    q = rsub.add_parser("add", help="add a reviewer")
    q.add_argument("project")
    q.add_argument("name")
    q.add_argument("--role", default="reviewer", choices=["reviewer", "adjudicator", "owner"])
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_reviewer_add)
    q = rsub.add_parser("login", help="team project: give an existing reviewer a login role on the server")
    q.add_argument("project")
    q.add_argument("name")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=_reviewer_login)
    q = rsub.add_parser("list", help="list reviewers")
    q.add_argument("project")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_reviewer_list)

    p = sub.add_parser("fulltext", help="attach a full-text PDF or mark it not retrieved")
    p.add_argument("project")
    p.add_argument("record_id", type=int)
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--attach", metavar="FILE.pdf")
    g.add_argument("--not-retrieved", action="store_true")
    p.add_argument("--by", default="", metavar="NAME")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_fulltext)

    p = sub.add_parser("demo", help="build the demo project and open it")
    p.add_argument("path", nargs="?")
    p.add_argument("--no-gui", action="store_true")
    p.add_argument("--reviewer", default=None)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("gui", help="open the desktop app")
    p.add_argument("project", nargs="?")
    p.add_argument("--reviewer", default=None)
    p.set_defaults(func=cmd_gui)


def _stage(text: str) -> str:
    try:
        return Stage.parse(text).value
    except Exception:
        raise argparse.ArgumentTypeError(f"unknown stage {text!r}: use title_abstract (ta) or full_text (ft)")


def _open(project: str):
    from screener.services.project import open_project

    return open_project(project)


def cmd_init(args) -> int:
    from screener.services.project import init_project

    store = init_project(args.project, title=args.title, reviewers=args.reviewer, template=args.template,
                         question=args.question, auto_dedup=args.auto_dedup)
    store.close()
    if args.json:
        _json_out({"project": args.project, "title": args.title or Path(args.project).stem,
                   "template": args.template, "reviewers": args.reviewer, "auto_dedup": args.auto_dedup})
    else:
        _err(f"created {args.project}")
    return 0


def cmd_import(args) -> int:
    from screener.core.progress import Progress
    from screener.services.importing import import_files

    with _open(args.project) as store:
        summary = import_files(store, args.files, source=args.source, source_type=args.source_type,
                               format=args.format, encoding=args.encoding,
                               progress=Progress(_StderrProgress()))
    for f in summary.files:
        _err(f"{f.path}: {f.format}, found {f.found}, imported {f.imported}, rejected {f.rejected}")
        for e in f.errors:
            where = f"line {e['line']}" if e.get("line") else e.get("element", "?")
            _err(f"  {f.path}:{where}: {e['reason']}" if e.get("line") else f"  {f.path} {where}: {e['reason']}")
    if args.json:
        _json_out(summary.as_dict())
    return 0


def cmd_status(args) -> int:
    from screener.services.status import project_status

    with _open(args.project) as store:
        doc = project_status(store)
    if args.json:
        _json_out(doc)
        return 0
    print(f"records: {doc['records']} (duplicates merged: {doc['duplicates']})")
    print(f"reviewers: {', '.join(doc['reviewers']) or '-'}")
    for stage, c in doc["stages"].items():
        print(f"{stage}: " + ", ".join(f"{k} {v}" for k, v in c.items()))
    return 0


def cmd_export(args) -> int:
    from screener.services.export import export_table

    with _open(args.project) as store:
        res = export_table(store, args.table, args.out, stage=args.stage)
    _err(f"wrote {res['rows']} rows to {res['path']}")
    return 0


def cmd_decide(args) -> int:
    from screener.services.screening import decide

    with _open(args.project) as store:
        info = decide(store, args.record_id, args.reviewer, args.label, stage=args.stage, reasons=args.reason,
                      tags=args.tag, note=args.note, origin="cli")
    if args.json:
        _json_out(info.as_dict())
    return 0


def cmd_decisions_import(args) -> int:
    from screener.services.decisions_io import import_decisions

    with _open(args.project) as store:
        res = import_decisions(store, args.file)
    for item in res["created_reasons"]:
        _err(f"added exclusion reason {item}")
    for item in res["created_tags"]:
        _err(f"added tag {item}")
    if args.json:
        _json_out(res)
    else:
        _err(f"imported {res['imported']} decisions")
    return 0


def _reviewer_login(args) -> int:
    from screener.cli.team_commands import cmd_reviewer_login

    return cmd_reviewer_login(args)


def cmd_reviewer_add(args) -> int:
    from screener.services.reviewers import add_reviewer

    with _open(args.project) as store:
        if store.dialect == "postgresql":
            # A team project: the reviewer also gets a login role, with a password shown once.
            from screener.cli.team_commands import new_password, report_login

            password = new_password()
            info = add_reviewer(store, args.name, args.role, password=password)
            report_login(info, password, args.json)
            return 0
        info = add_reviewer(store, args.name, args.role)
    if args.json:
        _json_out(info.as_dict())
    else:
        _err(f"added {info.role} {info.name}")
    return 0


def cmd_reviewer_list(args) -> int:
    from screener.services.reviewers import list_reviewers

    with _open(args.project) as store:
        people = list_reviewers(store)
    if args.json:
        _json_out({"reviewers": [r.as_dict() for r in people]})
    else:
        for r in people:
            print(f"{r.name}\t{r.role}")
    return 0


def cmd_gui(args) -> int:
    from screener.cli.main import gui_main

    argv = [args.project] if args.project else []
    if args.reviewer:
        argv += ["--reviewer", args.reviewer]
    return gui_main(argv)


def cmd_fulltext(args) -> int:
    from screener.services.fulltext import attach_pdf, mark_not_retrieved

    with _open(args.project) as store:
        if args.attach:
            info = attach_pdf(store, args.record_id, args.attach, added_by=args.by)
        else:
            info = mark_not_retrieved(store, args.record_id, by=args.by)
    if args.json:
        _json_out({"record_id": info.record_id, "status": info.status, "file": str(info.path or ""),
                   "sha256": info.sha256})
    else:
        _err(f"record {info.record_id}: {info.status}" + (f" ({info.path})" if info.path else ""))
    return 0


def cmd_demo(args) -> int:
    from screener.services.demo import build_demo

    path = build_demo(args.path)
    if args.no_gui:
        print(path)
        return 0
    from screener.cli.main import gui_main
    from screener.services.demo import DEMO_REVIEWERS

    # The demo opens straight into screening, as its first reviewer unless told otherwise.
    return gui_main([str(path), "--reviewer", args.reviewer or DEMO_REVIEWERS[0]])
