"""`screener` entry point: parse the command line, run one subcommand, map errors to exit codes.

Exit codes (CLI.md): 0 success, 1 user error (one line on stderr), 2 usage error (argparse).
Anything that is not a UserError is a bug and keeps Python's traceback, so it gets reported.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Sequence

from screener import __version__
from screener.cli import commands, report_commands, review_commands
from screener.core.errors import UserError


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="screener", description="Screen papers for systematic and scoping reviews.")
    p.add_argument("--version", action="version", version=f"screener {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    commands.register(sub)
    review_commands.register(sub)
    report_commands.register(sub)
    return p


def emit_json(doc: Any) -> None:
    sys.stdout.write(json.dumps(doc, ensure_ascii=False, default=str) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        return gui_main([])
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        print(f"screener: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("screener: interrupted", file=sys.stderr)
        return 130


def gui_main(argv: Sequence[str] | None = None) -> int:
    """Open the desktop app (Qt is imported only here)."""
    from screener.ui.app import run

    return run(list(argv or []))


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
