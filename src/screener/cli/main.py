"""`screener` entry point: parse the command line, run one subcommand, map errors to exit codes.

Exit codes (CLI.md): 0 success, 1 user error (one line on stderr), 2 usage error (argparse).
Anything that is not a UserError is a bug and keeps Python's traceback, so it gets reported.
"""

from __future__ import annotations

import argparse
import errno
import json
import sys
from typing import Any, Sequence

from screener import __version__
from screener.cli import commands, report_commands, review_commands, team_commands
from screener.core.errors import UserError


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="screener", description="Screen papers for systematic and scoping reviews.")
    p.add_argument("--version", action="version", version=f"screener {__version__}")
    # Packaging check: open the GUI on a throwaway demo project and quit (see ui/app.py).
    p.add_argument("--smoke", action="store_true", help=argparse.SUPPRESS)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    commands.register(sub)
    review_commands.register(sub)
    report_commands.register(sub)
    team_commands.register(sub)
    return p


def emit_json(doc: Any) -> None:
    sys.stdout.write(json.dumps(doc, ensure_ascii=False, default=str) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        return gui_main(["--smoke"] if args.smoke else [])
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        print(f"screener: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        # A full disk, a read-only place or a missing permission is the user's to fix, not a bug.
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM):
            raise
        print(f"screener: error: {exc.filename or ''}{': ' if exc.filename else ''}{exc.strerror}", file=sys.stderr)
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
