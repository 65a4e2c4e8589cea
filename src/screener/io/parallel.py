"""Reading a large file on two cores: the second half in a helper process.

Parsing is the part of an import that runs in Python, on one core, while SQLite writes on
another. For a large file a helper process parses the second half while this process parses
the first; its pieces come back in file order, so the result is exactly that of one pass.

The helper is a plain ``python -m screener.io.part_reader`` with pipes, not a multiprocessing
child: "spawn" would run the caller's main script again in the child (every script that
imports a file without an ``if __name__ == "__main__"`` guard would break), and "fork" is
unsafe in a program with threads, such as the GUI. It gets its half on standard input, so it
never reads the file again, and sends pickled pieces on standard output.
"""

from __future__ import annotations

import importlib
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

from screener.core.records import ParsedFile

#: Smaller texts are read in this process alone: starting a helper costs about 0.2 s.
PARALLEL_MIN = 16 << 20
#: The helper reads the larger share: this process also turns records into rows meanwhile.
SHARE = 0.55
_DONE = "done"  # the helper's last message (it is screener.io.part_reader.DONE)


def two_halves(module_name: str, text: str, path: str, marker: str,
               minimum: int | None = None) -> Iterator[tuple[ParsedFile, int]]:
    """``parse_pieces`` of the format module ``module_name`` over ``text``, the second part
    read by a helper process when ``text`` is large and the machine has a second core.

    The parts meet just before a ``marker`` line, where the reader would close a record
    anyway; ``module.parse_pieces(text, path, first_line=...)`` reads each. ``minimum`` is
    the size from which a helper is used (:data:`PARALLEL_MIN` by default).
    """
    module = importlib.import_module(module_name)
    cut = 0
    large = len(text) >= (PARALLEL_MIN if minimum is None else minimum)
    # A frozen app (PyInstaller) has no interpreter to run a module with.
    if large and (os.cpu_count() or 1) > 1 and sys.executable and not getattr(sys, "frozen", False):
        cut = text.find(marker, int(len(text) * (1 - SHARE))) + 1
    if cut <= 0:
        yield from module.parse_pieces(text, path)
        return
    second_line = text.count("\n", 0, cut) + 1
    try:
        helper = subprocess.Popen([sys.executable, "-m", "screener.io.part_reader", module_name, path,
                                   str(second_line), str(cut)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=_environment())
    except OSError:  # no interpreter to start (an embedded Python): read it all here
        yield from module.parse_pieces(text, path)
        return
    # Sent from a thread: a pipe write lets other threads run, so this process starts on its
    # own part at once while the helper starts and reads.
    feeding = threading.Thread(target=_send, args=(helper.stdin, text, cut), name="screener-feed", daemon=True)
    feeding.start()
    finished = False
    try:
        yield from module.parse_pieces(text[:cut], path)
        while True:
            try:
                message = pickle.load(helper.stdout)
            except EOFError:
                raise RuntimeError(f"the helper process reading the second part of {path} stopped "
                                   f"(exit code {helper.wait()})") from None
            if isinstance(message, str) and message == _DONE:
                finished = True
                break
            if isinstance(message, BaseException):
                raise message
            yield message
    finally:
        if not finished:  # left early (a cancel, an error): the helper has nothing left to give
            helper.kill()
        feeding.join()
        helper.stdout.close()
        helper.wait()


def _environment() -> dict[str, str]:
    # The helper imports this very package, wherever it was imported from.
    root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([root, *filter(None, [env.get("PYTHONPATH")])])
    return env


def _send(stream, text: str, start: int, chunk: int = 4 << 20) -> None:
    try:
        # A few megabytes at a time: one copy of the whole part would be as large as the file.
        for k in range(start, len(text), chunk):
            stream.write(text[k:k + chunk].encode("utf-8", "surrogatepass"))
    except OSError:  # the helper is gone; reading from it says so
        pass
    finally:
        try:
            stream.close()
        except OSError:
            pass
