"""Subcommands that report: agreement and PRISMA."""

from __future__ import annotations

import argparse
import sys

from screener.cli.commands import _json_out, _open, _stage


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("agreement", help="inter-rater agreement statistics")
    p.add_argument("project")
    p.add_argument("--stage", default="title_abstract", type=_stage)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_agreement)

    p = sub.add_parser("prisma", help="PRISMA 2020 counts and flow diagram")
    p.add_argument("project")
    p.add_argument("--out", default=None, help=".svg, .pdf, .png, .csv (R/Shiny template) or .json")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_prisma)


def _fmt(v) -> str:
    return "undefined" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v))


def cmd_agreement(args) -> int:
    from screener.services.agreement import stage_agreement

    with _open(args.project) as store:
        doc = stage_agreement(store, args.stage)
    if args.json:
        _json_out(doc)
        return 0
    print(f"{doc['stage']}: {doc['n_items']} records decided by two or more of {', '.join(doc['raters']) or '-'}")
    for key in ("percent_agreement", "cohen_kappa", "cohen_kappa_ci95", "pabak", "gwet_ac1", "fleiss_kappa",
                "krippendorff_alpha"):
        v = doc.get(key)
        print(f"  {key:20s} {'[' + ', '.join(_fmt(x) for x in v) + ']' if isinstance(v, list) else _fmt(v)}")
    return 0


def cmd_prisma(args) -> int:
    from screener.services.prisma import prisma_document, write_prisma

    with _open(args.project) as store:
        doc = prisma_document(store)
        if args.out:
            write_prisma(store, args.out)
            print(f"wrote {args.out}", file=sys.stderr)
    if args.json:
        _json_out(doc)
    elif not args.out:
        for k, v in doc.items():
            print(f"{k}: {v}")
    return 0
