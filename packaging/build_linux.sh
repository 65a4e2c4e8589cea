#!/usr/bin/env bash
# Build the one-folder Linux app with PyInstaller, add the desktop integration files, smoke-test
# it, and pack it as a tarball.
#
#     PYTHON=/path/to/venv/bin/python packaging/build_linux.sh [OUT_DIR]
#
# PYTHON must have screener and pyinstaller installed (a venv of its own, not the test venv:
#     python3 -m venv /tmp/pyi-venv && /tmp/pyi-venv/bin/pip install -e . pyinstaller).
# OUT_DIR defaults to /tmp/screener-dist; PyInstaller's work files go to /tmp/screener-build.
# Nothing is written into the checkout.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-python3}"
dist="${1:-/tmp/screener-dist}"
work="${SCREENER_BUILD_DIR:-/tmp/screener-build}"
app_id="io.github.screener.Screener"

start=$(date +%s)
"$python" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$dist" --workpath "$work" "$repo/packaging/screener.spec"
built=$(date +%s)
bundle="$dist/screener"
exe="$bundle/screener"

# Desktop integration, laid out as under /usr (or ~/.local): copy share/ there to install it.
share="$bundle/share"
install -Dm644 "$repo/packaging/linux/$app_id.desktop" "$share/applications/$app_id.desktop"
install -Dm644 "$repo/packaging/linux/$app_id.metainfo.xml" "$share/metainfo/$app_id.metainfo.xml"
install -Dm644 "$repo/packaging/linux/$app_id.mime.xml" "$share/mime/packages/$app_id.xml"
mkdir -p "$share/icons/hicolor"
cp -r "$repo/resources/icons/hicolor/." "$share/icons/hicolor/"
install -Dm644 "$repo/resources/icons/screener.svg" "$share/icons/hicolor/scalable/apps/$app_id.svg"

# Smoke test, in a throwaway folder: the command line (migrations create a project, the demo
# corpus and template are found, PRISMA goes through cairo, XLSX through openpyxl), then the GUI
# on the offscreen platform (the demo opens and shows a record, then the app quits by itself).
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
export XDG_CONFIG_HOME="$tmp/config" XDG_DATA_HOME="$tmp/data" XDG_STATE_HOME="$tmp/state"
"$exe" --version
"$exe" demo "$tmp/demo.screener" --no-gui
"$exe" status "$tmp/demo.screener" --json > "$tmp/status.json"
"$exe" prisma "$tmp/demo.screener" --out "$tmp/prisma.png"
"$exe" export "$tmp/demo.screener" --table records --out "$tmp/records.xlsx"
"$exe" init "$tmp/blank.screener" --title "Smoke" --reviewer ana --template blank
for f in status.json prisma.png records.xlsx blank.screener; do
  test -s "$tmp/$f" || { echo "smoke: $f was not written" >&2; exit 1; }
done
QT_QPA_PLATFORM=offscreen "$exe" --smoke

version="$("$exe" --version | awk '{print $2}')"
tarball="$dist/screener-$version-linux-$(uname -m).tar.gz"
tar -C "$dist" -czf "$tarball" screener
echo "built in $((built - start)) s: $bundle ($(du -sh "$bundle" | cut -f1)), $tarball ($(du -sh "$tarball" | cut -f1))"
