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

import codecs
import importlib
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any


#: Smaller texts are read in this process alone: starting a helper costs about 0.2 s.
PARALLEL_MIN = 16 << 20
#: The helper reads the larger share: this process also turns records into rows meanwhile.
SHARE = 0.55
_DONE = "done"  # the helper's last message (it is screener.io.part_reader.DONE)


def converter(name: str | None) -> Callable[[Any], Any]:
    """The function ``"module:function"`` names, or the identity for None."""
    if not name:
        return lambda piece: piece
    module, _, function = name.partition(":")
    return getattr(importlib.import_module(module), function)


def two_halves(module_name: str, source: str | bytes, path: str, marker: str, minimum: int | None = None,
               no_control: bool = False, convert: str | None = None) -> Iterator[tuple[Any, int]]:
    """``parse_pieces`` of the format module ``module_name`` over ``source``, the second part
    read by a helper process when it is large and the machine has a second core.

    ``source`` is the text, or the UTF-8 bytes of a text known to decode (an opened file
    keeps only those; the helper is then sent its part as it is). The parts meet just before a
    ``marker`` line, where the reader would close a record anyway;
    ``module.parse_pieces(text, path, first_line=...)`` reads each. ``minimum`` is the size
    from which a helper is used (:data:`PARALLEL_MIN` by default); ``no_control`` is handed to
    ``parse_pieces`` (the caller knows the text has no control character). Each piece is
    passed through the function ``convert`` names (see :func:`converter`) in the process that
    read it. ``done`` counts characters.
    """
    module = importlib.import_module(module_name)
    change = converter(convert)

    def here(text: str, first_line: int = 1, before: int = 0) -> Iterator[tuple[Any, int]]:
        for piece, done in module.parse_pieces(text, path, first_line=first_line, no_control=no_control):
            yield change(piece), before + done

    raw = isinstance(source, bytes)
    begin = len(codecs.BOM_UTF8) if raw and source.startswith(codecs.BOM_UTF8) else 0
    cut = 0
    large = len(source) >= (PARALLEL_MIN if minimum is None else minimum)
    # A frozen app (PyInstaller) has no interpreter to run a module with.
    if large and (os.cpu_count() or 1) > 1 and sys.executable and not getattr(sys, "frozen", False):
        mark = marker.encode("utf-8") if raw else marker
        cut = source.find(mark, max(begin, int(len(source) * (1 - SHARE)))) + 1
    if cut <= 0:
        text = source[begin:].decode("utf-8") if raw else source
        del source
        yield from here(text)
        return
    # (A cut just after a line break is a character boundary in UTF-8 too.)
    first_part = source[begin:cut].decode("utf-8") if raw else source[:cut]
    part = memoryview(source)[cut:] if raw else source[cut:]
    del source  # this process keeps only its own part
    second_line = first_part.count("\n") + 1
    offset = len(first_part)
    try:
        helper = subprocess.Popen([sys.executable, "-m", "screener.io.part_reader", module_name, path,
                                   str(second_line), str(offset), "1" if no_control else "0", convert or ""],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=_environment())
    except OSError:  # no interpreter to start (an embedded Python): read it all here
        yield from here(first_part)
        yield from here(bytes(part).decode("utf-8") if raw else part, second_line, offset)
        return
    # Sent from a thread: a pipe write lets other threads run, so this process starts on its
    # own part at once while the helper starts and reads.
    feeding = threading.Thread(target=_send, args=(helper.stdin, part), name="screener-feed", daemon=True)
    feeding.start()
    del part
    finished = False
    try:
        yield from here(first_part)
        del first_part
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


def _send(stream, part: str | memoryview, chunk: int = 4 << 20) -> None:
    try:
        if isinstance(part, memoryview):
            with part:
                stream.write(part)  # the interpreter lock is let go for the whole write
        else:
            # A few megabytes at a time: one copy of the whole part would be as large as the file.
            for k in range(0, len(part), chunk):
                stream.write(part[k:k + chunk].encode("utf-8", "surrogatepass"))
    except OSError:  # the helper is gone; reading from it says so
        pass
    finally:
        try:
            stream.close()
        except OSError:
            pass
