"""The helper process of :mod:`screener.io.parallel`: ``python -m screener.io.part_reader``.

It reads its part of a file's text on standard input, parses it whole, and writes the pieces
(pickled, in order) on standard output, then ``DONE``; a failure is sent as an exception.
Nothing imports this module: run as a script, it must not be imported already.
"""

from __future__ import annotations

import gc
import importlib
import pickle
import sys

from screener.io.parallel import converter

DONE = "done"


def read_part(module_name: str, path: str, first_line: int, offset: int, no_control: bool = False,
              convert: str = "") -> None:
    """Parse the part on standard input with ``module_name``'s ``parse_pieces``; send the pieces,
    each passed through the function ``convert`` names (see screener.io.parallel.converter)."""
    gc.disable()  # it keeps every record until the end and makes no cycles: see core.collector
    out = sys.stdout.buffer
    try:
        module = importlib.import_module(module_name)  # while the parent sends the part
        change = converter(convert)
        text = sys.stdin.buffer.read().decode("utf-8", "surrogatepass")
        read = module.parse_pieces(text, path, first_line=first_line, no_control=no_control)
        pieces = [(change(piece), offset + done) for piece, done in read]
        del text
        for piece in pieces:
            pickle.dump(piece, out, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.dump(DONE, out)
    except BrokenPipeError:  # the parent stopped reading (a cancel, or it ended)
        return
    except BaseException as exc:  # handed to the parent, which raises it
        try:
            pickle.dump(RuntimeError(f"reading {path} in a helper process failed: {exc!r}"), out)
        except BrokenPipeError:
            return
    try:
        out.flush()
    except BrokenPipeError:
        pass


if __name__ == "__main__":
    read_part(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == "1", sys.argv[6])
