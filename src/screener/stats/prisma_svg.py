"""The PRISMA 2020 flow diagram as SVG, laid out like the official template (Page et al. 2021).

Columns: identification of new studies via databases and registers (yellow header), via other
methods (grey header and boxes; only when that column has data), and, for an updated review, the
previous version's studies on the left. Bands on the left: Identification, Screening, Included.
While screening goes on, boxes show "Awaiting decision (n = ...)" lines so that every box still adds
up. Text is wrapped to box widths with a conservative width estimate (``svg_text``), so nothing is
clipped. Only plain SVG is used (no CSS, no markers: arrowheads are polygons), which Qt's SVG
renderer and CairoSVG both draw the same.

``render_png`` / ``render_pdf`` convert the SVG with CairoSVG when it is installed.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from screener.core.errors import UserError
from screener.stats.prisma import PrismaCounts
from screener.stats.svg_text import text_width, wrap

FONT = "Arial, Helvetica, 'Liberation Sans', 'DejaVu Sans', sans-serif"
SIZE = 13.0  # body text, px
LINE = 17.0  # line height
PAD_X, PAD_Y = 9.0, 8.0
INDENT = 14.0  # indentation of list items (databases, reasons)
MARGIN = 20.0
BAND_W, BAND_GAP = 30.0, 14.0
MAIN_W, SIDE_W, OTHER_W, PREV_W = 270.0, 280.0, 240.0, 240.0
H_GAP = 46.0  # room for a horizontal arrow between a box and its side box
COL_GAP = 44.0  # between column groups
V_GAP = 34.0  # room for a vertical arrow between rows
HEAD_H_MIN = 40.0

YELLOW, GREY, BLUE, WHITE = "#FFC125", "#DCDCDC", "#A9C6EA", "#FFFFFF"
AWAITING_COLOUR = "#A04000"


@dataclass
class Line:
    """A paragraph of a box: wrapped to the box, optionally indented, bold or italic."""

    text: str
    indent: int = 0  # nesting level of list items
    bold: bool = False
    italic: bool = False
    colour: str = "#000000"


@dataclass
class Box:
    lines: list[Line]
    width: float
    fill: str = WHITE
    center: bool = False
    wrapped: list[tuple[Line, str]] = field(default_factory=list)

    def layout(self) -> float:
        """Wrap the paragraphs; return the box height."""
        self.wrapped = []
        for line in self.lines:
            room = self.width - 2 * PAD_X - INDENT * line.indent
            for piece in wrap(line.text, room, SIZE, bold=line.bold) or [""]:
                self.wrapped.append((line, piece))
        return 2 * PAD_Y + LINE * len(self.wrapped)


def _n(value: int | None) -> str:
    # No-break spaces keep "(n = 12)" on one line when the text wraps.
    return f"(n\u00a0=\u00a0{0 if value is None else value})"


def _named_lines(named: tuple[tuple[str, int], ...]) -> list[Line]:
    return [Line(f"{name or 'No reason recorded'} {_n(n)}", indent=1) for name, n in named]


def _awaiting(n: int, what: str = "Awaiting decision") -> list[Line]:
    return [Line(f"{what} {_n(n)}", italic=True, colour=AWAITING_COLOUR)] if n else []


def _excluded_reports(named: tuple[tuple[str, int], ...]) -> list[Line]:
    total = sum(n for _, n in named)
    if not named:
        return [Line(f"Reports excluded {_n(0)}")]
    return [Line(f"Reports excluded {_n(total)}:"), *_named_lines(named)]


def _boxes(c: PrismaCounts) -> dict[str, Box]:
    """Every box of the diagram, keyed by position name."""
    boxes: dict[str, Box] = {}
    identified = [Line("Records identified from:"), Line(f"Databases {_n(c.database_results)}", indent=1)]
    identified += [Line(f"{name} {_n(n)}", indent=2) for name, n in c.database_specific_results]
    identified.append(Line(f"Registers {_n(c.register_results)}", indent=1))
    identified += [Line(f"{name} {_n(n)}", indent=2) for name, n in c.register_specific_results]
    boxes["identified"] = Box(identified, MAIN_W)
    removed = [
        Line("Records removed before screening:"),
        Line(f"Duplicate records removed {_n(c.duplicates)}", indent=1),
        Line(f"Records marked as ineligible by automation tools {_n(c.excluded_automatic)}", indent=1),
        Line(f"Records removed for other reasons {_n(c.excluded_other)}", indent=1),
    ]
    removed += [Line(f"{name} {_n(n)}", indent=2) for name, n in c.excluded_other_reasons]
    boxes["removed"] = Box(removed, SIDE_W)
    boxes["screened"] = Box([Line(f"Records screened {_n(c.records_screened)}"), *_awaiting(c.records_awaiting)],
                            MAIN_W)
    excluded = [Line(f"Records excluded {_n(c.records_excluded)}")]
    if c.records_excluded_automation:
        excluded += [Line(f"by reviewers {_n(c.records_excluded_human)}", indent=1),
                     Line(f"by automation tools {_n(c.records_excluded_automation)}", indent=1)]
    boxes["excluded"] = Box(excluded, SIDE_W)
    boxes["sought"] = Box([Line(f"Reports sought for retrieval {_n(c.dbr_sought_reports)}"),
                           *_awaiting(c.reports_awaiting_retrieval, "Awaiting retrieval")], MAIN_W)
    boxes["not_retrieved"] = Box([Line(f"Reports not retrieved {_n(c.dbr_notretrieved_reports)}")], SIDE_W)
    boxes["assessed"] = Box([Line(f"Reports assessed for eligibility {_n(c.dbr_assessed)}"),
                             *_awaiting(c.reports_awaiting_assessment)], MAIN_W)
    boxes["reports_excluded"] = Box(_excluded_reports(c.dbr_excluded), SIDE_W)
    if c.is_update:
        boxes["included"] = Box([Line(f"New studies included in review {_n(c.new_studies)}"),
                                 Line(f"Reports of new included studies {_n(c.new_reports)}")], MAIN_W)
        boxes["total"] = Box([Line(f"Total studies included in review {_n(c.total_studies)}"),
                              Line(f"Reports of total included studies {_n(c.total_reports)}")], MAIN_W)
        boxes["previous"] = Box(
            [Line(f"Studies included in previous version of review {_n(c.previous_studies)}"),
             Line(f"Reports of studies included in previous version of review {_n(c.previous_reports)}")],
            PREV_W, fill=GREY)
    else:
        boxes["included"] = Box([Line(f"Studies included in review {_n(c.new_studies)}"),
                                 Line(f"Reports of included studies {_n(c.new_reports)}")], MAIN_W)
    if c.total_studies_ma is not None or c.total_reports_ma is not None:
        boxes["meta"] = Box([Line(f"Studies included in meta-analysis {_n(c.total_studies_ma)}"),
                             Line(f"Reports of studies included in meta-analysis {_n(c.total_reports_ma)}")], MAIN_W)
    if c.has_other_methods:
        other = [Line("Records identified from:"), Line(f"Websites {_n(c.website_results)}", indent=1),
                 Line(f"Organisations {_n(c.organisation_results)}", indent=1),
                 Line(f"Citation searching {_n(c.citations_results)}", indent=1)]
        if c.other_results:
            other.append(Line(f"Other sources {_n(c.other_results)}", indent=1))
        other += _awaiting(c.other_records_awaiting, "Awaiting screening")
        boxes["o_identified"] = Box(other, OTHER_W, fill=GREY)
        boxes["o_sought"] = Box([Line(f"Reports sought for retrieval {_n(c.other_sought_reports)}"),
                                 *_awaiting(c.other_reports_awaiting_retrieval, "Awaiting retrieval")],
                                OTHER_W, fill=GREY)
        boxes["o_not_retrieved"] = Box([Line(f"Reports not retrieved {_n(c.other_notretrieved_reports)}")],
                                       OTHER_W, fill=GREY)
        boxes["o_assessed"] = Box([Line(f"Reports assessed for eligibility {_n(c.other_assessed)}"),
                                   *_awaiting(c.other_reports_awaiting_assessment)], OTHER_W, fill=GREY)
        boxes["o_reports_excluded"] = Box(_excluded_reports(c.other_excluded), OTHER_W, fill=GREY)
    return boxes


class _Svg:
    """Collects SVG elements; coordinates in px."""

    def __init__(self) -> None:
        self.body: list[ET.Element] = []

    def rect(self, x: float, y: float, w: float, h: float, fill: str, *, radius: float = 0.0,
             stroke: str = "#000000") -> None:
        attrs = {"x": _f(x), "y": _f(y), "width": _f(w), "height": _f(h), "fill": fill, "stroke": stroke,
                 "stroke-width": "1.2"}
        if radius:
            attrs.update(rx=_f(radius), ry=_f(radius))
        self.body.append(ET.Element("rect", attrs))

    def text(self, x: float, y: float, text: str, *, size: float = SIZE, bold: bool = False, italic: bool = False,
             colour: str = "#000000", anchor: str = "start", rotate: bool = False) -> None:
        attrs = {"x": _f(x), "y": _f(y), "font-family": FONT, "font-size": _f(size), "fill": colour,
                 "text-anchor": anchor}
        if bold:
            attrs["font-weight"] = "bold"
        if italic:
            attrs["font-style"] = "italic"
        if rotate:
            attrs["transform"] = f"rotate(-90 {_f(x)} {_f(y)})"
        element = ET.Element("text", attrs)
        element.text = text
        self.body.append(element)

    def arrow(self, points: list[tuple[float, float]]) -> None:
        """A polyline ending in an arrowhead at its last point."""
        self.body.append(ET.Element("polyline", {
            "points": " ".join(f"{_f(x)},{_f(y)}" for x, y in points[:-1]) + " " + _tip_base(points),
            "fill": "none", "stroke": "#000000", "stroke-width": "1.3"}))
        (x0, y0), (x1, y1) = points[-2], points[-1]
        dx, dy = _unit(x1 - x0, y1 - y0)
        size, half = 9.0, 4.5
        base = (x1 - dx * size, y1 - dy * size)
        corners = [(x1, y1), (base[0] - dy * half, base[1] + dx * half), (base[0] + dy * half, base[1] - dx * half)]
        self.body.append(ET.Element("polygon", {"points": " ".join(f"{_f(x)},{_f(y)}" for x, y in corners),
                                                "fill": "#000000"}))


def _unit(dx: float, dy: float) -> tuple[float, float]:
    length = (dx * dx + dy * dy) ** 0.5 or 1.0
    return dx / length, dy / length


def _tip_base(points: list[tuple[float, float]]) -> str:
    """End the line under the arrowhead so its square end does not poke through the tip."""
    (x0, y0), (x1, y1) = points[-2], points[-1]
    dx, dy = _unit(x1 - x0, y1 - y0)
    return f"{_f(x1 - dx * 6)},{_f(y1 - dy * 6)}"


def _f(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _draw_box(svg: _Svg, box: Box, x: float, y: float, h: float) -> None:
    svg.rect(x, y, box.width, h, box.fill)
    top = y + PAD_Y + LINE * 0.5 + SIZE * 0.35  # baseline of the first line
    for i, (line, piece) in enumerate(box.wrapped):
        lx = x + PAD_X + INDENT * line.indent
        svg.text(lx, top + i * LINE, piece, bold=line.bold, italic=line.italic, colour=line.colour)


def render_svg(counts: PrismaCounts, *, title: str | None = None) -> str:
    """The PRISMA 2020 flow diagram of ``counts`` as a standalone SVG document."""
    boxes = _boxes(counts)
    heights = {name: box.layout() for name, box in boxes.items()}
    update, other = counts.is_update, counts.has_other_methods

    # Column x positions.
    x = MARGIN + BAND_W + BAND_GAP
    x_prev = x
    if update:
        x += PREV_W + COL_GAP
    x_main, x_side = x, x + MAIN_W + H_GAP
    x_end = x_side + SIDE_W
    x_other = x_end + COL_GAP
    x_oside = x_other + OTHER_W + H_GAP
    if other:
        x_end = x_oside + OTHER_W
    width = x_end + MARGIN

    svg = _Svg()
    y = MARGIN
    if title:
        for piece in wrap(title, width - 2 * MARGIN, 16.0, bold=True):
            svg.text(width / 2, y + 16.0, piece, size=16.0, bold=True, anchor="middle")
            y += 21.0
        y += 8.0

    # Column headers.
    headers = [(x_main, x_end if not other else x_side + SIDE_W,
                "Identification of new studies via databases and registers", YELLOW)]
    if other:
        headers.append((x_other, x_oside + OTHER_W, "Identification of new studies via other methods", GREY))
    if update:
        headers.append((x_prev, x_prev + PREV_W, "Previous studies", GREY))
    head_lines = {h[2]: wrap(h[2], h[1] - h[0] - 2 * PAD_X, SIZE, bold=True) for h in headers}
    head_h = max(HEAD_H_MIN, max(2 * PAD_Y + LINE * len(v) for v in head_lines.values()))
    for left, right, label, fill in headers:
        svg.rect(left, y, right - left, head_h, fill, radius=8.0)
        lines = head_lines[label]
        first = y + head_h / 2 - LINE * (len(lines) - 1) / 2 + SIZE * 0.35
        for i, piece in enumerate(lines):
            svg.text((left + right) / 2, first + i * LINE, piece, bold=True, anchor="middle")
    y += head_h + V_GAP * 0.6

    # Rows: (name, [(box name, x)]).
    rows: list[tuple[str, list[tuple[str, float]]]] = [
        ("identification", [("identified", x_main), ("removed", x_side)]
         + ([("o_identified", x_other)] if other else []) + ([("previous", x_prev)] if update else [])),
        ("screening", [("screened", x_main), ("excluded", x_side)]),
        ("screening", [("sought", x_main), ("not_retrieved", x_side)]
         + ([("o_sought", x_other), ("o_not_retrieved", x_oside)] if other else [])),
        ("screening", [("assessed", x_main), ("reports_excluded", x_side)]
         + ([("o_assessed", x_other), ("o_reports_excluded", x_oside)] if other else [])),
        ("included", [("included", x_main)]),
    ]
    if update:
        rows.append(("included", [("total", x_main)]))
    if "meta" in boxes:
        rows.append(("included", [("meta", x_main)]))

    row_heights = [max(heights[name] for name, _ in cells) for _, cells in rows]
    # A band must be tall enough for its rotated label: grow its last row if it is not.
    for band in dict.fromkeys(band for band, _ in rows):
        members = [i for i, (b, _) in enumerate(rows) if b == band]
        span = sum(row_heights[i] for i in members) + V_GAP * (len(members) - 1)
        need = text_width(band.capitalize(), SIZE, bold=True) + 2 * PAD_Y
        if span < need:
            row_heights[members[-1]] += need - span

    top: dict[str, float] = {}  # each box's top edge
    row_mid: dict[str, float] = {}  # the middle of the row of each box
    bands: dict[str, list[float]] = {}
    for (band, cells), row_h in zip(rows, row_heights):
        for name, bx in cells:
            top[name] = y + (row_h - heights[name]) / 2
            row_mid[name] = y + row_h / 2
            _draw_box(svg, boxes[name], bx, top[name], heights[name])
        span = bands.setdefault(band, [y, y + row_h])
        span[1] = y + row_h
        y += row_h + V_GAP
    y -= V_GAP

    for band, (b_top, b_bottom) in bands.items():
        svg.rect(MARGIN, b_top, BAND_W, b_bottom - b_top, BLUE, radius=8.0)
        svg.text(MARGIN + BAND_W / 2 + SIZE * 0.35, (b_top + b_bottom) / 2, band.capitalize(), bold=True,
                 anchor="middle", rotate=True)

    def bottom(name: str) -> float:
        return top[name] + heights[name]

    def down(a: str, b: str, cx: float) -> None:
        svg.arrow([(cx, bottom(a)), (cx, top[b])])

    def right(a: str, xa: float, b: str, xb: float) -> None:
        svg.arrow([(xa + boxes[a].width, row_mid[a]), (xb, row_mid[a])])

    mid = x_main + MAIN_W / 2
    chain = ["identified", "screened", "sought", "assessed", "included"] + (["total"] if update else [])
    chain += ["meta"] if "meta" in boxes else []
    for a, b in zip(chain, chain[1:]):
        down(a, b, mid)
    for a, b in (("identified", "removed"), ("screened", "excluded"), ("sought", "not_retrieved"),
                 ("assessed", "reports_excluded")):
        right(a, x_main, b, x_side)
    if other:
        o_mid = x_other + OTHER_W / 2
        down("o_identified", "o_sought", o_mid)
        down("o_sought", "o_assessed", o_mid)
        right("o_sought", x_other, "o_not_retrieved", x_oside)
        right("o_assessed", x_other, "o_reports_excluded", x_oside)
        svg.arrow([(o_mid, bottom("o_assessed")), (o_mid, row_mid["included"]),
                   (x_main + MAIN_W, row_mid["included"])])
    if update:
        p_mid = x_prev + PREV_W / 2
        svg.arrow([(p_mid, bottom("previous")), (p_mid, row_mid["total"]), (x_main, row_mid["total"])])

    y += 18.0
    notes = []
    if counts.awaiting:
        notes.append(f"Screening is in progress: {counts.awaiting} records or reports are awaiting a final "
                     "decision, shown as \u201cAwaiting\u201d in the boxes above.")
    notes.append("Flow diagram after the PRISMA 2020 template: Page MJ, et al. BMJ 2021;372:n71. "
                 "doi:10.1136/bmj.n71")
    for note in notes:
        for piece in wrap(note, width - 2 * MARGIN, 11.0):
            svg.text(MARGIN, y + 11.0, piece, size=11.0, colour="#444444")
            y += 15.0
    height = y + MARGIN

    root = ET.Element("svg", {"xmlns": "http://www.w3.org/2000/svg", "version": "1.1",
                              "width": _f(width), "height": _f(height),
                              "viewBox": f"0 0 {_f(width)} {_f(height)}"})
    ET.SubElement(root, "title").text = title or "PRISMA 2020 flow diagram"
    ET.SubElement(root, "rect", {"x": "0", "y": "0", "width": _f(width), "height": _f(height), "fill": WHITE})
    root.extend(svg.body)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _cairosvg():
    try:
        import cairosvg  # noqa: PLC0415 - optional, only for PNG/PDF export
    except (ImportError, OSError) as error:  # OSError: the cairo C library is missing
        raise UserError(f"PNG and PDF export need the cairosvg package and the cairo library ({error})") from None
    return cairosvg


def render_png(counts: PrismaCounts, *, title: str | None = None, scale: float = 2.0) -> bytes:
    """The diagram as PNG bytes (``scale`` 2 gives print resolution for a page-wide figure)."""
    return _cairosvg().svg2png(bytestring=render_svg(counts, title=title).encode("utf-8"), scale=scale)


def render_pdf(counts: PrismaCounts, *, title: str | None = None) -> bytes:
    """The diagram as a one-page vector PDF."""
    return _cairosvg().svg2pdf(bytestring=render_svg(counts, title=title).encode("utf-8"))
