"""Render the application icon's PNG sizes from resources/icons/screener.svg.

    python packaging/render_icons.py

The PNGs go in a freedesktop "hicolor" tree under resources/icons/, named by the app id, so the
Linux packages copy the tree as it is and the app's window icon needs no SVG plugin. Run this
after any change to the SVG (tests/test_packaging.py checks that the PNGs match it).
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SVG = REPO / "resources" / "icons" / "screener.svg"
HICOLOR = REPO / "resources" / "icons" / "hicolor"
APP_ID = "io.github.screener.Screener"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def png_path(size: int, root: Path = HICOLOR) -> Path:
    return root / f"{size}x{size}" / "apps" / f"{APP_ID}.png"


def render(size: int, target: Path, svg: Path = SVG) -> Path:
    import cairosvg

    target.parent.mkdir(parents=True, exist_ok=True)
    cairosvg.svg2png(url=str(svg), write_to=str(target), output_width=size, output_height=size)
    return target


def main() -> list[Path]:
    return [render(size, png_path(size)) for size in SIZES]


if __name__ == "__main__":
    for path in main():
        print(path.relative_to(REPO))
    sys.exit(0)
