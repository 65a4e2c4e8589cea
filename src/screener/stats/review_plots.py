"""The figures review papers print, as plain SVG: trends per year per tag, and facet × facet heat maps.

Input is the long tables of ``services.review_tables`` (plain rows); output an SVG document that
Qt's SVG renderer and CairoSVG draw alike. Text is sized with ``svg_text``'s conservative width
estimate and the layout makes room for the longest label, so nothing is clipped. ``to_png``
converts with CairoSVG, as the PRISMA diagram does.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from screener.core.errors import UserError
from screener.stats.svg_text import text_width, wrap

FONT = "Arial, Helvetica, 'Liberation Sans', 'DejaVu Sans', sans-serif"
SIZE = 12.0
SMALL = 10.5
MARGIN = 18.0
# Tableau 10: distinguishable, and readable in greyscale print order.
PALETTE = ("#4E79A7", "#F28E2B", "#E15759", "#76B7B2", "#59A14F", "#EDC948", "#B07AA1", "#FF9DA7", "#9C755F",
           "#BAB0AC")
MAX_SERIES = 9  # more values than this: the smallest are pooled as "Other"
NO_YEAR = "n.d."


def _f(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


class _Svg:
    def __init__(self) -> None:
        self.body: list[ET.Element] = []

    def rect(self, x: float, y: float, w: float, h: float, fill: str, stroke: str = "none", title: str = "") -> None:
        el = ET.Element("rect", {"x": _f(x), "y": _f(y), "width": _f(w), "height": _f(h), "fill": fill,
                                 "stroke": stroke, "stroke-width": "0.8"})
        if title:
            ET.SubElement(el, "title").text = title
        self.body.append(el)

    def line(self, x1: float, y1: float, x2: float, y2: float, colour: str = "#000000", width: float = 1.0,
             dash: str = "") -> None:
        attrs = {"x1": _f(x1), "y1": _f(y1), "x2": _f(x2), "y2": _f(y2), "stroke": colour, "stroke-width": _f(width)}
        if dash:
            attrs["stroke-dasharray"] = dash
        self.body.append(ET.Element("line", attrs))

    def text(self, x: float, y: float, text: str, *, size: float = SIZE, bold: bool = False, anchor: str = "start",
             colour: str = "#000000", rotate: float = 0.0) -> None:
        attrs = {"x": _f(x), "y": _f(y), "font-family": FONT, "font-size": _f(size), "fill": colour,
                 "text-anchor": anchor}
        if bold:
            attrs["font-weight"] = "bold"
        if rotate:
            attrs["transform"] = f"rotate({_f(rotate)} {_f(x)} {_f(y)})"
        el = ET.Element("text", attrs)
        el.text = text
        self.body.append(el)

    def document(self, width: float, height: float, title: str) -> str:
        root = ET.Element("svg", {"xmlns": "http://www.w3.org/2000/svg", "version": "1.1", "width": _f(width),
                                  "height": _f(height), "viewBox": f"0 0 {_f(width)} {_f(height)}"})
        ET.SubElement(root, "title").text = title
        ET.SubElement(root, "rect", {"x": "0", "y": "0", "width": _f(width), "height": _f(height), "fill": "#FFFFFF"})
        root.extend(self.body)
        ET.indent(root)
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def nice_ticks(top: int, target: int = 5) -> list[int]:
    """Round tick values 0..≥top for a count axis (steps of 1, 2, 5 × 10^k)."""
    if top <= 0:
        return [0, 1]
    raw = top / target
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    step = max(1, int(step))
    return list(range(0, (math.ceil(top / step) * step) + 1, step))


def _series(rows: Sequence[Sequence[Any]]) -> dict[str, dict[str, dict[Any, int]]]:
    """facet -> value -> year -> records, from the year-tags table's rows (year, facet, value, n)."""
    data: dict[str, dict[str, dict[Any, int]]] = defaultdict(lambda: defaultdict(dict))
    for year, facet, value, n in rows:
        year = int(year) if str(year).strip() not in ("", "None") else None
        data[facet][value][year] = data[facet][value].get(year, 0) + int(n)
    return data


def _pool(values: dict[str, dict[Any, int]]) -> list[tuple[str, dict[Any, int]]]:
    """The values of a facet, largest first; beyond MAX_SERIES the rest pooled as "Other"."""
    ranked = sorted(values.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    if len(ranked) <= MAX_SERIES + 1:
        return ranked
    other: dict[Any, int] = defaultdict(int)
    for _, by_year in ranked[MAX_SERIES:]:
        for y, n in by_year.items():
            other[y] += n
    return ranked[:MAX_SERIES] + [(f"Other ({len(ranked) - MAX_SERIES} values)", dict(other))]


def _heading(svg: _Svg, title: str, width: float) -> float:
    """The figure's title, centred and wrapped to ``width``; returns the y below it."""
    y = MARGIN
    for piece in wrap(title, width - 2 * MARGIN, 15.0, bold=True):
        svg.text(width / 2, y + 15, piece, size=15.0, bold=True, anchor="middle")
        y += 20
    return y + 6


def _empty(svg: _Svg, width: float, y: float, message: str, title: str) -> str:
    """The whole document when there is nothing to draw: the title and ``message``."""
    svg.text(width / 2, y + 30, message, anchor="middle", colour="#555555")
    return svg.document(width, y + 60 + MARGIN, title)


def year_tags_svg(rows: Sequence[Sequence[Any]], title: str = "Included records per year and tag") -> str:
    """One panel per facet: stacked bars of records per publication year, one colour per value."""
    data = _series(rows)
    svg = _Svg()
    years = sorted({y for values in data.values() for by_year in values.values() for y in by_year if y is not None})
    has_unknown = any(None in by_year for values in data.values() for by_year in values.values())
    columns: list[Any] = list(range(years[0], years[-1] + 1)) if years else []
    if has_unknown:
        columns.append(None)
    labels = [str(y) if y is not None else NO_YEAR for y in columns]
    bar_w = 26.0 if len(columns) <= 20 else max(8.0, 520.0 / max(1, len(columns)))
    plot_w = max(300.0, bar_w * len(columns) * 1.25)
    rotate_years = plot_w / max(1, len(columns)) < text_width("2020", SMALL) + 6
    legend_w = 230.0
    axis_w = text_width("0000", SMALL) + 10 + SMALL + 6  # tick labels and the rotated axis title
    width = MARGIN + axis_w + plot_w + 24 + legend_w + MARGIN
    y = _heading(svg, title, width)
    if not data:
        return _empty(svg, width, y, "No included records with tags yet", title)
    year_label_h = (max(text_width(t, SMALL) for t in labels) * 0.71 + 10) if rotate_years else SMALL + 8
    for facet in sorted(data):
        series = _pool(data[facet])
        stack = {c: sum(by_year.get(c, 0) for _, by_year in series) for c in columns}
        ticks = nice_ticks(max(stack.values(), default=0))
        top = ticks[-1]
        # legend first: its height may make the panel taller
        # listed top to bottom as the bars stack, so the legend reads like the bars
        legend: list[tuple[str, list[str]]] = [(PALETTE[i % len(PALETTE)], wrap(name, legend_w - 20, SMALL))
                                               for i, (name, _) in reversed(list(enumerate(series)))]
        legend_h = sum(max(1, len(lines)) * (SMALL + 3) + 4 for _, lines in legend)
        plot_h = max(160.0, legend_h)
        svg.text(MARGIN, y + SIZE, facet, bold=True)
        y += SIZE + 10
        x0, y0 = MARGIN + axis_w, y
        for t in ticks:
            ty = y0 + plot_h - plot_h * t / top
            svg.line(x0, ty, x0 + plot_w, ty, "#DDDDDD", 0.8)
            svg.text(x0 - 5, ty + SMALL * 0.35, str(t), size=SMALL, anchor="end")
        slot = plot_w / max(1, len(columns))
        for ci, c in enumerate(columns):
            cx = x0 + slot * (ci + 0.5)
            base = y0 + plot_h
            for si, (name, by_year) in enumerate(series):
                n = by_year.get(c, 0)
                if not n:
                    continue
                h = plot_h * n / top
                base -= h
                svg.rect(cx - bar_w / 2, base, bar_w, h, PALETTE[si % len(PALETTE)], "#FFFFFF",
                         title=f"{name}, {labels[ci]}: {n}")
            if rotate_years:
                svg.text(cx + SMALL * 0.35, y0 + plot_h + 6, labels[ci], size=SMALL, anchor="end", rotate=-45)
            else:
                svg.text(cx, y0 + plot_h + SMALL + 4, labels[ci], size=SMALL, anchor="middle")
        svg.line(x0, y0 + plot_h, x0 + plot_w, y0 + plot_h, "#000000", 1.0)
        svg.line(x0, y0, x0, y0 + plot_h, "#000000", 1.0)
        svg.text(MARGIN + SMALL, y0 + plot_h / 2, "Records", size=SMALL, anchor="middle", colour="#444444",
                 rotate=-90)
        lx, ly = x0 + plot_w + 24, y0
        for colour, lines in legend:
            svg.rect(lx, ly + 1, 12, 12, colour)
            for i, piece in enumerate(lines):
                svg.text(lx + 18, ly + SMALL + i * (SMALL + 3), piece, size=SMALL)
            ly += max(1, len(lines)) * (SMALL + 3) + 4
        y = y0 + plot_h + year_label_h + 4
        svg.text(x0 + plot_w / 2, y + SMALL, "Publication year", size=SMALL, anchor="middle", colour="#444444")
        y += SMALL + 22
    return svg.document(width, y + MARGIN - 12, title)


def _shade(n: int, top: int) -> str:
    """White to dark blue, by the share of the largest count."""
    t = 0.0 if top <= 0 else n / top
    r, g, b = (int(255 + (c - 255) * t) for c in (0x1F, 0x4E, 0x8C))
    return f"#{r:02X}{g:02X}{b:02X}"


def crosstab_svg(rows: Sequence[Sequence[Any]], title: str = "Included records: facet × facet") -> str:
    """One heat map per pair of facets (rows: values of the first, columns: of the second), counts written."""
    pairs: dict[tuple[str, str], dict[tuple[str, str], int]] = defaultdict(dict)
    for fa, va, fb, vb, n in rows:
        pairs[(fa, fb)][(va, vb)] = int(n)
    svg = _Svg()
    cell = 34.0
    blocks = []
    width = 420.0
    for (fa, fb), cells in sorted(pairs.items()):
        row_vals = sorted({va for va, _ in cells})
        col_vals = sorted({vb for _, vb in cells})
        row_w = max([text_width(v, SMALL) for v in row_vals] + [text_width(fa, SMALL, bold=True)]) + 10
        col_h = max(text_width(v, SMALL) for v in col_vals) * 0.71 + SMALL + 8  # labels at -45°
        grid_w = cell * len(col_vals)
        # the last column label leans right beyond the grid by about its own projected length
        overhang = max(text_width(v, SMALL) for v in col_vals) * 0.71
        need = MARGIN + row_w + grid_w + overhang + MARGIN
        blocks.append((fa, fb, cells, row_vals, col_vals, row_w, col_h))
        width = max(width, need, MARGIN * 2 + text_width(f"{fa} × {fb}", SIZE, bold=True))
    y = _heading(svg, title, width)
    if not blocks:
        return _empty(svg, width, y, "No included records with tags of two facets yet", title)
    for fa, fb, cells, row_vals, col_vals, row_w, col_h in blocks:
        svg.text(MARGIN, y + SIZE, f"{fa} × {fb}", bold=True)
        y += SIZE + 8
        gx = MARGIN + row_w
        gy = y + col_h
        top = max(cells.values())
        for ci, vb in enumerate(col_vals):
            cx = gx + cell * (ci + 0.5)
            svg.text(cx - 2, gy - 6, vb, size=SMALL, rotate=-45)
        for ri, va in enumerate(row_vals):
            ry = gy + cell * ri
            svg.text(gx - 6, ry + cell / 2 + SMALL * 0.35, va, size=SMALL, anchor="end")
            for ci, vb in enumerate(col_vals):
                n = cells.get((va, vb), 0)
                svg.rect(gx + cell * ci, ry, cell, cell, _shade(n, top), "#BBBBBB", title=f"{va} × {vb}: {n}")
                if n:
                    svg.text(gx + cell * (ci + 0.5), ry + cell / 2 + SMALL * 0.35, str(n), size=SMALL,
                             anchor="middle", colour="#FFFFFF" if n / top > 0.55 else "#000000")
        grid_h = cell * len(row_vals)
        svg.text(gx - 6, gy - 6, fa, size=SMALL, bold=True, anchor="end")
        y = gy + grid_h + 26
    return svg.document(width, y + MARGIN - 10, title)


def to_png(svg: str, scale: float = 2.0) -> bytes:
    """PNG bytes of an SVG document (CairoSVG; ``scale`` 2 gives print resolution)."""
    try:
        import cairosvg  # noqa: PLC0415 - only needed for PNG
    except (ImportError, OSError) as error:  # OSError: the cairo C library is missing
        raise UserError(f"PNG export needs the cairosvg package and the cairo library ({error})") from None
    return cairosvg.svg2png(bytestring=svg.encode("utf-8"), scale=scale)
