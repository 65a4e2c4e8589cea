"""Text measuring and wrapping for SVG drawn without a GUI toolkit.

There is no font engine here, so widths come from a small table of character classes that is a
little wider than DejaVu Sans (the widest of the usual sans-serif fonts; Arial, Helvetica and
Liberation Sans are narrower). Text wrapped with it therefore never overflows its box, whichever
of those fonts the viewer picks; at worst a line breaks a word earlier than it had to.
"""

from __future__ import annotations

import re

# Break lines at ordinary white space only: a no-break space (U+00A0) binds its neighbours.
_BREAKS = re.compile(r"[ \t\r\n]+")

# Advance widths in em, by class of character, rounded up from DejaVu Sans.
_CLASSES: tuple[tuple[str, float], ...] = (
    ("ijlIJ.,:;'| \u00a0", 0.34),
    ("ftr()[]{}-/!", 0.42),
    ("csz*_\"?", 0.56),
    ("abdeghknopquvxy0123456789", 0.64),
    ("ABCEFKLPRSTVXYZ", 0.70),
    ("DGHNOQU&", 0.79),
    ("M=+<>#~^", 0.87),
    ("mwW%@", 1.0),
)
_WIDTH = {char: width for chars, width in _CLASSES for char in chars}
_OTHER = 0.85  # accented letters, symbols: assume wide
BOLD_FACTOR = 1.22  # DejaVu Sans Bold is at most ~22 % wider than the regular face


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """Estimated rendered width of ``text`` at font ``size`` (an upper bound for common fonts)."""
    width = sum(_WIDTH.get(char, _OTHER) for char in text) * size
    return width * BOLD_FACTOR if bold else width


def _break_word(word: str, width: float, size: float, bold: bool) -> list[str]:
    """Split a word that is wider than a line into pieces that fit."""
    pieces: list[str] = []
    current = ""
    for char in word:
        if current and text_width(current + char, size, bold=bold) > width:
            pieces.append(current)
            current = char
        else:
            current += char
    if current:
        pieces.append(current)
    return pieces


def wrap(text: str, width: float, size: float, *, bold: bool = False) -> list[str]:
    """Greedy word wrap of ``text`` to lines no wider than ``width``; an empty text gives no line."""
    lines: list[str] = []
    current = ""
    for word in filter(None, _BREAKS.split(text)):
        candidate = f"{current} {word}" if current else word
        if text_width(candidate, size, bold=bold) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        if text_width(word, size, bold=bold) <= width:
            current = word
        else:
            *full, current = _break_word(word, width, size, bold)
            lines.extend(full)
    if current:
        lines.append(current)
    return lines
