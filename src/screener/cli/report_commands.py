"""Subcommands that report: agreement, ranking, PRISMA, and the studies PRISMA counts."""

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
    p.add_argument("--exploration", type=_share, default=None, metavar="SHARE",
                   help="share of the queue (0-1) given to records picked at random instead of by the model")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_rank)

    p = sub.add_parser("simulate", help="replay screening of a labeled dataset with the ranking model")
    p.add_argument("dataset")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--n-prior-included", type=int, default=1)
    p.add_argument("--n-prior-excluded", type=int, default=1)
    p.add_argument("--prior-rows", default=None, help="0-based rows of the dataset, comma separated")
    p.add_argument("--order-out", default=None)
    p.add_argument("--exploration", type=_share, default=None, metavar="SHARE",
                   help="share of the queue (0-1) given to records picked at random instead of by the model")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_simulate)

    p = sub.add_parser("prisma", help="PRISMA 2020 counts and flow diagram")
    p.add_argument("project")
    p.add_argument("--out", default=None, help=".svg, .pdf, .png, .csv (R/Shiny template) or .json")
    p.add_argument("--methods", action="store_true", help="print a draft of the selection-process paragraph")
    p.add_argument("--previous-studies", type=int, default=None, metavar="N",
                   help="updated review: store the studies included in the previous version (with --previous-reports)")
    p.add_argument("--previous-reports", type=int, default=None, metavar="N",
                   help="updated review: store the reports of those studies (with --previous-studies)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_prisma)

    p = sub.add_parser("study", help="link several reports (records) of one study, as PRISMA counts them")
    study_sub = p.add_subparsers(dest="study_command", metavar="ACTION", required=True)
    q = study_sub.add_parser("link", help="make REPORT_ID a report of the study whose main record is STUDY_ID")
    q.add_argument("project")
    q.add_argument("report_id", type=int)
    q.add_argument("study_id", type=int)
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_study)
    q = study_sub.add_parser("unlink", help="make REPORT_ID its own study again")
    q.add_argument("project")
    q.add_argument("report_id", type=int)
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_study)
    q = study_sub.add_parser("show", help="the study RECORD_ID belongs to and all its reports")
    q.add_argument("project")
    q.add_argument("report_id", type=int, metavar="record_id")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_study)


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 1")
    return value


def _settings(exploration: float | None):
    from screener.ranking.model import RankerSettings

    return None if exploration is None else RankerSettings(exploration=exploration)


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
    from screener.services.prisma import prisma_counts, prisma_document, set_previous_counts, write_prisma

    with _open(args.project) as store:
        if args.previous_studies is not None or args.previous_reports is not None:
            set_previous_counts(store, args.previous_studies, args.previous_reports)
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


def cmd_study(args) -> int:
    from screener.services import studies

    with _open(args.project) as store:
        if args.study_command == "link":
            link = studies.link_report(store, args.report_id, args.study_id)
        elif args.study_command == "unlink":
            link = studies.unlink_report(store, args.report_id)
        else:
            link = studies.study_of(store, args.report_id)
    if args.json:
        _json_out(link.as_dict())
    else:
        print(f"study {link.study_id}: reports {', '.join(map(str, link.reports))}")
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
        doc = rank_summary(store, args.stage, _settings(args.exploration))
    if args.json:
        _json_out(doc)
        return 0
    print(f"{doc['n_labeled']} records decided ({doc['n_included']} relevant), {doc['n_unlabeled']} to screen")
    print("model: " + ("fitted" if doc["model_fitted"] else "waits for at least one include and one exclude"))
    print("next: " + ", ".join(map(str, doc["top"])))
    st = doc["stopping"]
    if st:
        print(f"stopping: {'safe to stop' if st['safe_to_stop'] else 'keep screening'} "
              f"(recall >= {st['recall_lower_bound']:.2f} at {st['confidence']:.0%} confidence, "
              f"estimated recall {st['estimated_recall']:.2f}); {st['consecutive_excluded']} excluded in a row "
              f"(rule of thumb: stop at {doc['heuristic']['in_a_row']})")
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
                               order_out=args.order_out, settings=_settings(args.exploration))
    except (FileNotFoundError, KeyError, ValueError) as exc:
        raise UserError(f"{args.dataset}: {exc}") from None
    if args.json:
        _json_out(doc)
    else:
        for k in ("n_records", "n_included", "wss95", "wss100", "recall_at_10pct", "atd", "records_to_95",
                  "records_to_100", "seconds"):
            print(f"{k}: {doc[k]}")
    return 0
