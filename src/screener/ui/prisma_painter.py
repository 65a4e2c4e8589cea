"""The PRISMA 2020 flow diagram drawn with QPainter, in the layout of the official template.

One layout, many devices: ``PrismaLayout`` measures every line with QFontMetricsF and places
boxes, bands, headers and arrows in logical pixels (96 per inch); ``paint`` draws that layout on
any QPainter — the live widget, a QImage (PNG), QSvgGenerator (SVG) or QPdfWriter (PDF), see
``prisma_view`` — with the painter scaled to the device. Fonts are set in pixels and unhinted, so a line measures the
same on screen, in the PDF and in the SVG; lines are wrapped with a little slack and a column
grows when a word (or "(n = 1234)") would not fit, so text is never clipped.

Columns as in the template: previous studies (updated reviews only), identification via
databases and registers, and via other methods (only when such sources exist). While screening
goes on, boxes carry "Awaiting decision (n = …)" lines so every box still adds up.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QCoreApplication, QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen, QPolygonF

from screener.stats.prisma import PrismaCounts

FAMILIES = ["Arial", "Helvetica", "Liberation Sans", "DejaVu Sans"]
YELLOW, GREY, BLUE, WHITE = QColor("#FFC125"), QColor("#DCDCDC"), QColor("#A9C6EA"), QColor("#FFFFFF")
AWAITING = QColor("#A04000")
NOTE = QColor("#444444")
NBSP = "\u00a0"


def tr(text: str) -> str:
    return QCoreApplication.translate("PrismaDiagram", text)


def n_of(value: int | None) -> str:
    # no-break spaces keep "(n = 12)" on one line when the text wraps
    return f"(n{NBSP}={NBSP}{0 if value is None else value})"


@dataclass
class Line:
    """A paragraph of a box: wrapped to the box, optionally indented, bold, italic or coloured."""

    text: str
    indent: int = 0
    bold: bool = False
    italic: bool = False
    colour: QColor = field(default_factory=lambda: QColor("#000000"))


@dataclass
class Text:
    """One laid-out line: its baseline origin, the font variant and its measured bounding rect."""

    text: str
    origin: QPointF
    rect: QRectF
    bold: bool = False
    italic: bool = False
    colour: QColor = field(default_factory=lambda: QColor("#000000"))
    size: float = 0.0  # pixel size; 0 = the body size
    rotated: bool = False  # drawn rotated -90° about ``origin`` (band labels)


@dataclass
class Item:
    """A box, header or band: its rect, fill, corner radius and its laid-out text."""

    key: str
    rect: QRectF
    fill: QColor
    radius: float = 0.0
    texts: list[Text] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)


class Fonts:
    """The body font at a pixel size, with bold/italic variants and their metrics."""

    def __init__(self, pixel_size: int):
        self.size = int(pixel_size)
        self._cache: dict[tuple[int, bool, bool], tuple[QFont, QFontMetricsF]] = {}

    def font(self, bold: bool = False, italic: bool = False, size: float = 0) -> QFont:
        return self._get(int(size or self.size), bold, italic)[0]

    def metrics(self, bold: bool = False, italic: bool = False, size: float = 0) -> QFontMetricsF:
        return self._get(int(size or self.size), bold, italic)[1]

    def _get(self, size: int, bold: bool, italic: bool) -> tuple[QFont, QFontMetricsF]:
        key = (size, bold, italic)
        if key not in self._cache:
            f = QFont()
            f.setFamilies(FAMILIES)
            f.setPixelSize(size)
            f.setBold(bold)
            f.setItalic(italic)
            # unhinted advances are the ones PDF and SVG use: measure what every device draws
            f.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
            f.setKerning(False)
            self._cache[key] = (f, QFontMetricsF(f))
        return self._cache[key]

    def width(self, text: str, bold: bool = False, italic: bool = False, size: float = 0) -> float:
        fm = self.metrics(bold, italic, size)
        # slack for rounding on other devices (PDF, SVG viewers): 1.5 % and one pixel
        return fm.horizontalAdvance(text.replace(NBSP, " ")) * 1.015 + 1.0


def _tokens(text: str) -> list[str]:
    return [t for t in text.split(" ") if t]


def wrap(fonts: Fonts, text: str, width: float, bold: bool = False, italic: bool = False, size: float = 0) -> list[str]:
    """Greedy word wrap at ordinary spaces (no-break spaces bind); over-long words are cut."""
    lines: list[str] = []
    current = ""
    for word in _tokens(text):
        candidate = f"{current} {word}" if current else word
        if fonts.width(candidate, bold, italic, size) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word
        while fonts.width(current, bold, italic, size) > width and len(current) > 1:
            cut = len(current) - 1
            while cut > 1 and fonts.width(current[:cut], bold, italic, size) > width:
                cut -= 1
            lines.append(current[:cut])
            current = current[cut:]
    if current:
        lines.append(current)
    return lines


def _named(named: tuple[tuple[str, int], ...], indent: int = 1) -> list[Line]:
    return [Line(f"{name or tr('No reason recorded')} {n_of(n)}", indent=indent) for name, n in named]


def _awaiting(n: int, what: str) -> list[Line]:
    return [Line(f"{what} {n_of(n)}", italic=True, colour=AWAITING)] if n else []


def _reports_excluded(named: tuple[tuple[str, int], ...]) -> list[Line]:
    total = sum(n for _, n in named)
    if not named:
        return [Line(f"{tr('Reports excluded')} {n_of(0)}")]
    return [Line(f"{tr('Reports excluded')} {n_of(total)}:"), *_named(named)]


def box_lines(c: PrismaCounts) -> dict[str, tuple[list[Line], str, QColor]]:
    """Every box's paragraphs, its column ('main', 'side', 'other', 'oside', 'prev') and fill."""
    wait, retrieve = tr("Awaiting decision"), tr("Awaiting retrieval")
    b: dict[str, tuple[list[Line], str, QColor]] = {}
    ident = [Line(tr("Records identified from:")), Line(f"{tr('Databases')} {n_of(c.database_results)}", 1)]
    ident += _named(c.database_specific_results, 2)
    ident.append(Line(f"{tr('Registers')} {n_of(c.register_results)}", 1))
    ident += _named(c.register_specific_results, 2)
    b["identified"] = (ident, "main", WHITE)
    removed = [Line(tr("Records removed before screening:")),
               Line(f"{tr('Duplicate records removed')} {n_of(c.duplicates)}", 1),
               Line(f"{tr('Records marked as ineligible by automation tools')} {n_of(c.excluded_automatic)}", 1),
               Line(f"{tr('Records removed for other reasons')} {n_of(c.excluded_other)}", 1),
               *_named(c.excluded_other_reasons, 2)]
    b["removed"] = (removed, "side", WHITE)
    b["screened"] = ([Line(f"{tr('Records screened')} {n_of(c.records_screened)}"),
                      *_awaiting(c.records_awaiting, wait)], "main", WHITE)
    excluded = [Line(f"{tr('Records excluded')} {n_of(c.records_excluded)}")]
    if c.records_excluded_automation:
        excluded += [Line(f"{tr('by reviewers')} {n_of(c.records_excluded_human)}", 1),
                     Line(f"{tr('by automation tools')} {n_of(c.records_excluded_automation)}", 1)]
    b["excluded"] = (excluded, "side", WHITE)
    b["sought"] = ([Line(f"{tr('Reports sought for retrieval')} {n_of(c.dbr_sought_reports)}"),
                    *_awaiting(c.reports_awaiting_retrieval, retrieve)], "main", WHITE)
    b["not_retrieved"] = ([Line(f"{tr('Reports not retrieved')} {n_of(c.dbr_notretrieved_reports)}")], "side", WHITE)
    b["assessed"] = ([Line(f"{tr('Reports assessed for eligibility')} {n_of(c.dbr_assessed)}"),
                      *_awaiting(c.reports_awaiting_assessment, wait)], "main", WHITE)
    b["reports_excluded"] = (_reports_excluded(c.dbr_excluded), "side", WHITE)
    if c.is_update:
        b["included"] = ([Line(f"{tr('New studies included in review')} {n_of(c.new_studies)}"),
                          Line(f"{tr('Reports of new included studies')} {n_of(c.new_reports)}")], "main", WHITE)
        b["total"] = ([Line(f"{tr('Total studies included in review')} {n_of(c.total_studies)}"),
                       Line(f"{tr('Reports of total included studies')} {n_of(c.total_reports)}")], "main", WHITE)
        b["previous"] = ([Line(f"{tr('Studies included in previous version of review')} {n_of(c.previous_studies)}"),
                          Line(f"{tr('Reports of studies included in previous version of review')}"
                               f" {n_of(c.previous_reports)}")], "prev", GREY)
    else:
        b["included"] = ([Line(f"{tr('Studies included in review')} {n_of(c.new_studies)}"),
                          Line(f"{tr('Reports of included studies')} {n_of(c.new_reports)}")], "main", WHITE)
    if c.total_studies_ma is not None or c.total_reports_ma is not None:
        b["meta"] = ([Line(f"{tr('Studies included in meta-analysis')} {n_of(c.total_studies_ma)}"),
                      Line(f"{tr('Reports of studies included in meta-analysis')} {n_of(c.total_reports_ma)}")],
                     "main", WHITE)
    if c.has_other_methods:
        other = [Line(tr("Records identified from:")), Line(f"{tr('Websites')} {n_of(c.website_results)}", 1),
                 Line(f"{tr('Organisations')} {n_of(c.organisation_results)}", 1),
                 Line(f"{tr('Citation searching')} {n_of(c.citations_results)}", 1)]
        if c.other_results:
            other.append(Line(f"{tr('Other sources')} {n_of(c.other_results)}", 1))
        other += _awaiting(c.other_records_awaiting, tr("Awaiting screening"))
        b["o_identified"] = (other, "other", GREY)
        b["o_sought"] = ([Line(f"{tr('Reports sought for retrieval')} {n_of(c.other_sought_reports)}"),
                          *_awaiting(c.other_reports_awaiting_retrieval, retrieve)], "other", GREY)
        b["o_not_retrieved"] = ([Line(f"{tr('Reports not retrieved')} {n_of(c.other_notretrieved_reports)}")],
                                "oside", GREY)
        b["o_assessed"] = ([Line(f"{tr('Reports assessed for eligibility')} {n_of(c.other_assessed)}"),
                            *_awaiting(c.other_reports_awaiting_assessment, wait)], "other", GREY)
        b["o_reports_excluded"] = (_reports_excluded(c.other_excluded), "oside", GREY)
    return b


class PrismaLayout:
    """Where everything goes, in logical pixels, for ``counts`` at body text size ``pixel_size``."""

    def __init__(self, counts: PrismaCounts, pixel_size: int = 13, title: str | None = None):
        self.counts = counts
        self.fonts = f = Fonts(pixel_size)
        em = float(pixel_size)
        self.pad_x, self.pad_y = 0.7 * em, 0.6 * em
        self.indent = 1.1 * em
        self.line_h = f.metrics().lineSpacing() + 0.15 * em
        self.margin, self.band_w, self.band_gap = 1.5 * em, 2.3 * em, 1.1 * em
        self.h_gap, self.col_gap, self.v_gap = 3.5 * em, 3.4 * em, 2.6 * em
        base = {"main": 23.0 * em, "side": 22.0 * em, "other": 20.0 * em, "oside": 19.0 * em, "prev": 19.0 * em}
        self.items: list[Item] = []
        self.arrows: list[list[QPointF]] = []
        self.notes: list[Text] = []
        boxes = box_lines(counts)
        self.widths = self._column_widths(boxes, base)
        self._place(boxes, title)

    # -- measuring ---------------------------------------------------------------------------------

    def _column_widths(self, boxes, base: dict[str, float]) -> dict[str, float]:
        """Each column at its template width, grown so its widest unbreakable piece fits (up to 2×)."""
        widths = dict(base)
        for lines, col, _ in boxes.values():
            for line in lines:
                longest = max((self.fonts.width(t, line.bold, line.italic) for t in _tokens(line.text)), default=0)
                need = longest + 2 * self.pad_x + self.indent * line.indent
                widths[col] = min(max(widths[col], need), 2 * base[col])
        return widths

    def _fill(self, item: Item, lines: list[Line]) -> float:
        """Wrap ``lines`` into ``item`` (left aligned, from its top); return the height needed."""
        fm = self.fonts.metrics()
        y = self.pad_y
        for line in lines:
            room = item.rect.width() - 2 * self.pad_x - self.indent * line.indent
            for piece in wrap(self.fonts, line.text, room, line.bold, line.italic) or [""]:
                x = self.pad_x + self.indent * line.indent
                w = self.fonts.width(piece, line.bold, line.italic)
                lm = self.fonts.metrics(line.bold, line.italic)
                base = y + (self.line_h - fm.height()) / 2 + lm.ascent()
                item.texts.append(Text(piece, QPointF(x, base), QRectF(x, base - lm.ascent(), w, lm.height()),
                                       line.bold, line.italic, line.colour))
                y += self.line_h
        return y + self.pad_y

    def _box(self, key: str, lines: list[Line], width: float, fill: QColor, radius: float = 0.0) -> Item:
        item = Item(key, QRectF(0, 0, width, 0), fill, radius, lines=lines)
        item.rect.setHeight(self._fill(item, lines))
        return item

    def _centered(self, key: str, text: str, rect: QRectF, fill: QColor, radius: float) -> Item:
        """A header: bold text wrapped and centred in ``rect`` (whose height grows to fit)."""
        f = self.fonts
        pieces = wrap(f, text, rect.width() - 2 * self.pad_x, bold=True)
        rect.setHeight(max(rect.height(), 2 * self.pad_y + self.line_h * len(pieces)))
        item = Item(key, rect, fill, radius)
        fm = f.metrics(bold=True)
        top = rect.top() + (rect.height() - self.line_h * len(pieces)) / 2
        for i, piece in enumerate(pieces):
            w = f.width(piece, bold=True)
            x = rect.left() + (rect.width() - w) / 2
            base = top + i * self.line_h + (self.line_h - fm.height()) / 2 + fm.ascent()
            item.texts.append(Text(piece, QPointF(x, base), QRectF(x, base - fm.ascent(), w, fm.height()), bold=True))
        return item

    # -- placing -----------------------------------------------------------------------------------

    def _place(self, boxes, title: str | None) -> None:
        c, f, w = self.counts, self.fonts, self.widths
        update, other = c.is_update, c.has_other_methods
        x = self.margin + self.band_w + self.band_gap
        col_x = {"prev": x}
        if update:
            x += w["prev"] + self.col_gap
        col_x["main"] = x
        col_x["side"] = x + w["main"] + self.h_gap
        right = col_x["side"] + w["side"]
        col_x["other"] = right + self.col_gap
        col_x["oside"] = col_x["other"] + w["other"] + self.h_gap
        if other:
            right = col_x["oside"] + w["oside"]
        width = right + self.margin
        y = self.margin
        if title:
            size = round(f.size * 1.25)
            fm = f.metrics(bold=True, size=size)
            for piece in wrap(f, title, width - 2 * self.margin, bold=True, size=size):
                pw = f.width(piece, bold=True, size=size)
                base = y + fm.ascent()
                self.notes.append(Text(piece, QPointF((width - pw) / 2, base),
                                       QRectF((width - pw) / 2, y, pw, fm.height()), bold=True, size=size))
                y += fm.lineSpacing()
            y += 0.6 * f.size

        # column headers, as tall as the tallest of them
        heads = [("head_main", col_x["main"], right if not other else col_x["side"] + w["side"],
                  tr("Identification of new studies via databases and registers"), YELLOW)]
        if other:
            heads.append(("head_other", col_x["other"], col_x["oside"] + w["oside"],
                          tr("Identification of new studies via other methods"), GREY))
        if update:
            heads.append(("head_prev", col_x["prev"], col_x["prev"] + w["prev"], tr("Previous studies"), GREY))
        head_h = max(2 * self.pad_y + self.line_h * len(wrap(f, text, r - l - 2 * self.pad_x, bold=True))
                     for _, l, r, text, _ in heads)
        head_h = max(head_h, 3.0 * f.size)
        for key, left, r, text, fill in heads:
            self.items.append(self._centered(key, text, QRectF(left, y, r - left, head_h), fill, 0.6 * f.size))
        y += head_h + self.v_gap * 0.6

        items = {key: self._box(key, lines, w[col], fill) for key, (lines, col, fill) in boxes.items()}
        column = {key: col for key, (_, col, _) in boxes.items()}
        rows: list[tuple[str, list[str]]] = [
            ("identification", ["identified", "removed"] + (["o_identified"] if other else [])
             + (["previous"] if update else [])),
            ("screening", ["screened", "excluded"]),
            ("screening", ["sought", "not_retrieved"] + (["o_sought", "o_not_retrieved"] if other else [])),
            ("screening", ["assessed", "reports_excluded"] + (["o_assessed", "o_reports_excluded"] if other else [])),
            ("included", ["included"]),
        ]
        if update:
            rows.append(("included", ["total"]))
        if "meta" in items:
            rows.append(("included", ["meta"]))
        heights = [max(items[k].rect.height() for k in keys) for _, keys in rows]
        # a band must be as tall as its rotated label: grow its last row if it is not
        for band in dict.fromkeys(b for b, _ in rows):
            members = [i for i, (b, _) in enumerate(rows) if b == band]
            span = sum(heights[i] for i in members) + self.v_gap * (len(members) - 1)
            need = f.width(tr(band.capitalize()), bold=True) + 2 * self.pad_y
            if span < need:
                heights[members[-1]] += need - span

        bands: dict[str, list[float]] = {}
        self.row_mid: dict[str, float] = {}
        for (band, keys), row_h in zip(rows, heights):
            for key in keys:
                item = items[key]
                item.rect.moveTo(col_x[column[key]], y + (row_h - item.rect.height()) / 2)
                for t in item.texts:  # texts were laid out relative to the box
                    t.origin += item.rect.topLeft()
                    t.rect.translate(item.rect.topLeft())
                self.row_mid[key] = y + row_h / 2
                self.items.append(item)
            span = bands.setdefault(band, [y, y + row_h])
            span[1] = y + row_h
            y += row_h + self.v_gap
        y -= self.v_gap

        fm = f.metrics(bold=True)
        for band, (top, bottom) in bands.items():
            rect = QRectF(self.margin, top, self.band_w, bottom - top)
            item = Item(f"band_{band}", rect, BLUE, 0.6 * f.size)
            label = tr(band.capitalize())
            lw = f.width(label, bold=True)
            # rotated -90°: the text runs upwards, its baseline a little right of the band's centre
            origin = QPointF(rect.center().x() + (fm.ascent() - fm.descent()) / 2, rect.center().y() + lw / 2)
            bounds = QRectF(origin.x() - fm.ascent(), origin.y() - lw, fm.height(), lw)
            item.texts.append(Text(label, origin, bounds, bold=True, rotated=True))
            self.items.append(item)

        self._arrows(items, col_x, update, other)
        y += 1.4 * f.size
        notes = []
        if c.awaiting:
            notes.append(tr("Screening is in progress: %1 records or reports are awaiting a final decision, shown as "
                            "“Awaiting” in the boxes above.").replace("%1", str(c.awaiting)))
        notes.append(tr("Flow diagram after the PRISMA 2020 template: Page MJ, et al. BMJ 2021;372:n71. "
                        "doi:10.1136/bmj.n71"))
        small = max(8, round(f.size * 0.85))
        sfm = f.metrics(size=small)
        for note in notes:
            for piece in wrap(f, note, width - 2 * self.margin, size=small):
                pw = f.width(piece, size=small)
                self.notes.append(Text(piece, QPointF(self.margin, y + sfm.ascent()),
                                       QRectF(self.margin, y, pw, sfm.height()), colour=NOTE, size=small))
                y += sfm.lineSpacing()
        self.size = QSizeF(width, y + self.margin)
        self.boxes = items

    def _arrows(self, items: dict[str, Item], col_x: dict[str, float], update: bool, other: bool) -> None:
        def down(a: str, b: str) -> None:
            cx = items[a].rect.center().x()
            self.arrows.append([QPointF(cx, items[a].rect.bottom()), QPointF(cx, items[b].rect.top())])

        def right(a: str, b: str) -> None:
            y = self.row_mid[a]
            self.arrows.append([QPointF(items[a].rect.right(), y), QPointF(items[b].rect.left(), y)])

        chain = ["identified", "screened", "sought", "assessed", "included"] + (["total"] if update else [])
        chain += ["meta"] if "meta" in items else []
        for a, b in zip(chain, chain[1:]):
            down(a, b)
        for a, b in (("identified", "removed"), ("screened", "excluded"), ("sought", "not_retrieved"),
                     ("assessed", "reports_excluded")):
            right(a, b)
        if other:
            down("o_identified", "o_sought")
            down("o_sought", "o_assessed")
            right("o_sought", "o_not_retrieved")
            right("o_assessed", "o_reports_excluded")
            ox = items["o_assessed"].rect.center().x()
            y = self.row_mid["included"]
            self.arrows.append([QPointF(ox, items["o_assessed"].rect.bottom()), QPointF(ox, y),
                                QPointF(items["included"].rect.right(), y)])
        if update:
            px = items["previous"].rect.center().x()
            y = self.row_mid["total"]
            self.arrows.append([QPointF(px, items["previous"].rect.bottom()), QPointF(px, y),
                                QPointF(items["total"].rect.left(), y)])

    def texts(self) -> list[tuple[Item | None, Text]]:
        """Every laid-out line with the item it belongs to (None for the title and notes)."""
        return [(item, t) for item in self.items for t in item.texts] + [(None, t) for t in self.notes]


# -- drawing ---------------------------------------------------------------------------------------------


def _draw_text(p: QPainter, fonts: Fonts, t: Text) -> None:
    p.setFont(fonts.font(t.bold, t.italic, t.size))
    p.setPen(QPen(t.colour))
    text = t.text.replace(NBSP, " ")
    if t.rotated:
        p.save()
        p.translate(t.origin)
        p.rotate(-90)
        p.drawText(QPointF(0, 0), text)
        p.restore()
    else:
        p.drawText(t.origin, text)


def _arrow(p: QPainter, points: list[QPointF], size: float) -> None:
    a, b = points[-2], points[-1]
    d = b - a
    length = max(1e-6, (d.x() ** 2 + d.y() ** 2) ** 0.5)
    ux, uy = d.x() / length, d.y() / length
    base = QPointF(b.x() - ux * size, b.y() - uy * size)
    path = QPainterPath(points[0])
    for pt in points[1:-1]:
        path.lineTo(pt)
    path.lineTo(QPointF(b.x() - ux * size * 0.6, b.y() - uy * size * 0.6))  # stop under the head
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawPath(path)
    half = size * 0.5
    head = QPolygonF([b, QPointF(base.x() - uy * half, base.y() + ux * half),
                      QPointF(base.x() + uy * half, base.y() - ux * half)])
    p.setBrush(QBrush(QColor("#000000")))
    p.drawPolygon(head)


def paint(p: QPainter, layout: PrismaLayout) -> None:
    """Draw ``layout`` at the painter's current transform (logical pixels), on white paper."""
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    p.fillRect(QRectF(QPointF(0, 0), layout.size), WHITE)
    stroke = max(1.0, layout.fonts.size / 11.0)
    for item in layout.items:
        p.setPen(QPen(QColor("#000000"), stroke))
        p.setBrush(QBrush(item.fill))
        if item.radius:
            p.drawRoundedRect(item.rect, item.radius, item.radius)
        else:
            p.drawRect(item.rect)
        for t in item.texts:
            _draw_text(p, layout.fonts, t)
    pen = QPen(QColor("#000000"), stroke)
    pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
    for points in layout.arrows:
        p.setPen(pen)
        _arrow(p, points, 0.7 * layout.fonts.size)
    for t in layout.notes:
        _draw_text(p, layout.fonts, t)
    p.restore()
