"""Subcommands for several reviewers: conflicts, resolve, unblind, merge (and dedup)."""

from __future__ import annotations

import argparse
import sys

from screener.cli.commands import _json_out, _open, _stage


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("conflicts", help="records whose reviewers disagree")
    p.add_argument("project")
    p.add_argument("--stage", default="title_abstract", type=_stage)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_conflicts)

    p = sub.add_parser("resolve", help="record the final decision of a conflict")
    p.add_argument("project")
    p.add_argument("record_id", type=int)
    p.add_argument("label", choices=["include", "exclude", "maybe"])
    p.add_argument("--by", required=True, metavar="NAME")
    p.add_argument("--stage", default="title_abstract", type=_stage)
    p.add_argument("--reason", action="append", default=[])
    p.add_argument("--tag", action="append", default=None, metavar="PATH",
                   help="the record's final tags (settles the reviewers' tag disagreement)")
    p.add_argument("--note", default="")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_resolve)

    p = sub.add_parser("dedup", help="find duplicate records; --auto merges the sure ones")
    p.add_argument("project")
    p.add_argument("--auto", action="store_true")
    p.add_argument("--by", default="", metavar="NAME")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_dedup)

    p = sub.add_parser("merge", help="merge the decisions of another copy of the project")
    p.add_argument("project")
    p.add_argument("other")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_merge)

    p = sub.add_parser("unblind", help="end blinding for a stage")
    p.add_argument("project")
    p.add_argument("--stage", required=True, type=_stage)
    p.add_argument("--by", default=None, metavar="NAME", help="the owner ending blinding")
    p.set_defaults(func=cmd_unblind)


def cmd_conflicts(args) -> int:
    from screener.services.conflicts import list_conflicts

    with _open(args.project) as store:
        doc = list_conflicts(store, args.stage)
    if args.json:
        _json_out(doc)
        return 0
    print(f"{doc['count']} conflicts at {doc['stage']}")
    for c in doc["conflicts"]:
        votes = "; ".join(f"{d['reviewer']}" + (f" on #{d['record_id']}" if d["record_id"] != c["record_id"] else "")
                          + f": {d['label']}" + (f" ({', '.join(d['reasons'])})" if d["reasons"] else "")
                          for d in c["decisions"])
        print(f"{c['record_id']}\t{c['title'][:70]}\t{votes}")
    if doc["tag_count"]:
        print(f"{doc['tag_count']} included records tagged differently (settle with resolve ID include --tag ...)")
        for c in doc["tag_disagreements"]:
            tags = "; ".join(f"{d['reviewer']}: {', '.join(d['tags']) or '-'}" for d in c["decisions"])
            print(f"{c['record_id']}\t{c['title'][:70]}\t{tags}")
    return 0


def cmd_resolve(args) -> int:
    from screener.services.conflicts import resolve

    with _open(args.project) as store:
        doc = resolve(store, args.record_id, args.label, args.by, args.stage, args.reason, args.note, args.tag)
    if args.json:
        _json_out(doc)
    else:
        print(f"record {args.record_id}: {doc['label']} at {doc['stage']} (resolved by {args.by})", file=sys.stderr)
    return 0


def cmd_unblind(args) -> int:
    from screener.services.conflicts import unblind

    with _open(args.project) as store:
        unblind(store, args.stage, args.by)
    print(f"{args.stage} is no longer blind", file=sys.stderr)
    return 0


def cmd_merge(args) -> int:
    from screener.services.merge import merge_projects

    with _open(args.project) as store:
        doc = merge_projects(store, args.other)
    if args.json:
        _json_out(doc)
    else:
        print(f"merged {args.other}: {doc['decisions_added']} new and {doc['decisions_updated']} newer decisions, "
              f"{doc['unchanged']} unchanged, {doc['kept_newer_here']} kept (newer here), "
              f"{doc['resolutions']} resolutions", file=sys.stderr)
        for stage, ids in doc["new_conflicts"].items():
            if ids:
                print(f"new conflicts at {stage}: {', '.join(map(str, ids))}", file=sys.stderr)
        for stage, ids in doc["new_tag_disagreements"].items():
            if ids:
                print(f"new tag disagreements at {stage}: {', '.join(map(str, ids))}", file=sys.stderr)
    return 0


def cmd_dedup(args) -> int:
    from screener.services.dedup import duplicates_by_source, find_candidates

    with _open(args.project) as store:
        doc = find_candidates(store, auto=args.auto, by=args.by)
        doc["duplicates_by_source"] = duplicates_by_source(store)
    if args.json:
        _json_out(doc)
    else:
        print(f"{doc['candidates']} candidate pairs; merged {doc['merged']} records into {doc['groups']} groups; "
              f"{doc['to_review']} pairs to review; {doc['links']} preprint/published links", file=sys.stderr)
    return 0
