"""Subcommands for team projects on a PostgreSQL server: push, pull, reviewers' logins."""

from __future__ import annotations

import argparse
import secrets
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("push", help="copy a project file to an empty PostgreSQL database (team mode)")
    p.add_argument("project", metavar="PROJECT.screener")
    p.add_argument("url", metavar="URL")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_push)

    p = sub.add_parser("pull", help="copy a team project into a new project file")
    p.add_argument("url", metavar="URL")
    p.add_argument("project", metavar="PROJECT.screener")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_pull)


def _json_out(doc) -> None:
    from screener.cli.main import emit_json

    emit_json(doc)


def _summary(doc) -> None:
    rows = sum(doc["tables"].values())
    print(f"copied {rows} rows of {len(doc['tables'])} tables from {doc['from']} to {doc['project']}", file=sys.stderr)
    att = doc.get("attachments", {})
    if att.get("missing"):
        print(f"{att['missing']} full-text files were not on this computer and were not copied", file=sys.stderr)
    if doc.get("note"):
        print(doc["note"], file=sys.stderr)


def _report(doc, as_json: bool) -> int:
    if as_json:
        _json_out(doc)
    else:
        _summary(doc)
    return 0


def cmd_push(args) -> int:
    from screener.services.team import push

    return _report(push(args.project, args.url), args.json)


def cmd_pull(args) -> int:
    from screener.services.team import pull

    return _report(pull(args.url, args.project), args.json)


def new_password() -> str:
    """A password for a new login role, shown once to the owner who hands it on."""
    return secrets.token_urlsafe(18)


def login_document(info, password: str | None) -> dict:
    doc = info.as_dict()
    if info.db_role:
        doc["db_password"] = password
    return doc


def report_login(info, password: str | None, as_json: bool) -> None:
    if as_json:
        _json_out(login_document(info, password))
        return
    print(f"added {info.role} {info.name}", file=sys.stderr)
    if info.db_role:
        print(f"login role on the server: {info.db_role}, password: {password} (shown once; "
              "hand it to the reviewer)", file=sys.stderr)


def cmd_reviewer_login(args) -> int:
    from screener.services.project import open_project
    from screener.services.team import grant_login

    password = new_password()
    with open_project(args.project) as store:
        info = grant_login(store, args.name, password)
    report_login(info, password, args.json)
    return 0
