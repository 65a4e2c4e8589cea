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

    p = sub.add_parser("rank", help="refit the relevance model and summarise the ranking")
    p.add_argument("project")
    p.add_argument("--stage", default="title_abstract", type=_stage)
    p.add_argument("--stop", action="store_true",
                   help="stop screening: record the undecided records as excluded by automation")
    p.add_argument("--by", default=None, metavar="NAME", help="who stops (with --stop)")
    p.add_argument("--force", action="store_true", help="stop even if the stopping rule does not say so yet")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_rank)

    p = sub.add_parser("simulate", help="replay screening of a labeled dataset with the ranking model")
    p.add_argument("dataset")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--n-prior-included", type=int, default=1)
    p.add_argument("--n-prior-excluded", type=int, default=1)
    p.add_argument("--prior-rows", default=None, help="0-based rows of the dataset, comma separated")
    p.add_argument("--order-out", default=None)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_simulate)

    p = sub.add_parser("prisma", help="PRISMA 2020 counts and flow diagram")
    p.add_argument("project")
    p.add_argument("--out", default=None, help=".svg, .pdf, .png, .csv (R/Shiny template) or .json")
    p.add_argument("--methods", action="store_true", help="print a draft of the selection-process paragraph")
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
    from screener.services.prisma import prisma_counts, prisma_document, write_prisma

    with _open(args.project) as store:
        counts = prisma_counts(store)
        doc = prisma_document(store, counts)
        if args.methods:
            from screener.services.methods_text import methods_text

            doc["methods_text"] = methods_text(store)
            if not args.json:
                print(doc["methods_text"])
        if args.out:
            write_prisma(store, args.out, counts)
            print(f"wrote {args.out}", file=sys.stderr)
    if args.json:
        _json_out(doc)
    elif not args.out and not args.methods:
        for k, v in doc.items():
            print(f"{k}: {v}")
    return 0


def cmd_rank(args) -> int:
    from screener.core.errors import UserError
    from screener.services.ranking import rank_summary, stop_screening

    if args.stop and not args.by:
        raise UserError("--stop needs --by NAME (the reviewer who stops screening)")
    with _open(args.project) as store:
        if args.stop:
            doc = stop_screening(store, args.by, force=args.force)
            if args.json:
                _json_out(doc)
            else:
                print(f"{doc['excluded_by_automation']} records recorded as excluded by automation", file=sys.stderr)
            return 0
        doc = rank_summary(store, args.stage)
    if args.json:
        _json_out(doc)
        return 0
    print(f"{doc['n_labeled']} records decided ({doc['n_included']} relevant), {doc['n_unlabeled']} to screen")
    print("model: " + ("fitted" if doc["model_fitted"] else "waits for at least one include and one exclude"))
    print("next: " + ", ".join(map(str, doc["top"])))
    st = doc["stopping"]
    if st:
        print(f"stopping: {'safe to stop' if st['safe_to_stop'] else 'keep screening'} "
              f"(recall >= {st['recall_lower_bound']:.2f} at {st['confidence']:.0%} confidence)")
    return 0


def cmd_simulate(args) -> int:
    from screener.core.errors import UserError
    from screener.ranking.simulate import simulate_dataset

    prior_rows = None
    if args.prior_rows:
        try:
            prior_rows = [int(x) for x in args.prior_rows.split(",") if x.strip()]
        except ValueError:
            raise UserError(f"--prior-rows {args.prior_rows!r}: give 0-based row numbers separated by commas") from None
    try:
        doc = simulate_dataset(args.dataset, seed=args.seed, n_prior_included=args.n_prior_included,
                               n_prior_excluded=args.n_prior_excluded, prior_rows=prior_rows,
                               order_out=args.order_out)
    except (FileNotFoundError, KeyError, ValueError) as exc:
        raise UserError(f"{args.dataset}: {exc}") from None
    if args.json:
        _json_out(doc)
    else:
        for k in ("n_records", "n_included", "wss95", "wss100", "recall_at_10pct", "atd", "records_to_95",
                  "records_to_100", "seconds"):
            print(f"{k}: {doc[k]}")
    return 0
