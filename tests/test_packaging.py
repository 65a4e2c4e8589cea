"""Packaging: what the PyInstaller spec bundles exists and is found where the frozen app looks,
the desktop files pass the freedesktop validators, the icons match their SVG, the Flatpak
manifest points at real files, and the hidden smoke check of the built app opens the demo.

PyInstaller itself is not run here (minutes); packaging/build_linux.sh builds and smoke-tests.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, need

PACKAGING = REPO / "packaging"
sys.path.insert(0, str(PACKAGING))
import bundle  # noqa: E402  (packaging/bundle.py)
import render_icons  # noqa: E402  (packaging/render_icons.py)

APP_ID = bundle.APP_ID
LINUX = PACKAGING / "linux"


def test_spec_is_python_and_uses_the_bundle_lists():
    tree = ast.parse((PACKAGING / "screener.spec").read_text(encoding="utf-8"))
    calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    assert {"Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE"} <= calls
    names = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)
             and isinstance(n.value, ast.Name) and n.value.id == "bundle"}
    assert {"datas", "HIDDEN_IMPORTS", "HIDDEN_PACKAGES", "EXCLUDES", "APP_NAME", "APP_ID"} <= names
    assert (PACKAGING / "screener_entry.py").is_file()


def test_bundled_data_exists_with_what_the_app_reads():
    sources = {dest: Path(src) for src, dest in bundle.datas()}
    resources = sources["screener/resources"]
    for part in ("templates/blank.json", "templates/medical-imaging-fm.json", "demo/medfm_demo.csv",
                 "icons/screener.svg", f"icons/hicolor/512x512/apps/{APP_ID}.png"):
        assert (resources / part).is_file(), part
    migrations = sources["screener/storage/migrations"]
    assert (migrations / "env.py").is_file()
    assert sorted(p.name[:4] for p in (migrations / "versions").glob("0*.py"))[:2] == ["0001", "0002"]
    assert bundle.ICON.is_file()


def test_migrations_go_where_the_engine_looks_for_them():
    from screener.storage import engine

    src = REPO / "src"
    dest = dict((d, Path(s)) for s, d in bundle.datas())
    # engine.MIGRATIONS is found beside the module, so the bundle must mirror the package layout
    assert Path(engine.MIGRATIONS).resolve().relative_to(src).as_posix() == "screener/storage/migrations"
    assert dest["screener/storage/migrations"].resolve() == Path(engine.MIGRATIONS).resolve()


def test_frozen_app_finds_resources_in_its_data_folder(tmp_path, monkeypatch):
    """Lay the data out as PyInstaller does and ask screener.core.resources as a frozen app would."""
    from screener.core import resources

    for src, dest in bundle.datas():
        (tmp_path / dest).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / dest).symlink_to(src, target_is_directory=True)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources.resources_dir() == tmp_path / "screener" / "resources"
    assert resources.resource("demo", "medfm_demo.csv").is_file()


def test_hidden_imports_exist():
    for name in bundle.HIDDEN_IMPORTS + bundle.HIDDEN_PACKAGES:
        assert importlib.util.find_spec(name) is not None, name
    assert not bundle.wanted_module("alembic.testing.suite") and bundle.wanted_module("alembic.ddl.sqlite")
    assert bundle.unwanted_binary("PySide6/Qt/lib/libQt6Quick.so.6")
    assert not bundle.unwanted_binary("PySide6/Qt/lib/libQt6Pdf.so.6")


def test_build_script_is_valid_bash_and_installs_existing_files():
    script = PACKAGING / "build_linux.sh"
    assert os.access(script, os.X_OK)
    subprocess.run(["bash", "-n", str(script)], check=True)
    text = script.read_text(encoding="utf-8")
    paths = [p.replace("$app_id", APP_ID) for p in re.findall(r'"\$repo/([^"]+)"', text)]
    assert len(paths) >= 6
    for rel in paths:
        assert (REPO / rel).exists(), rel


def test_app_id_is_the_same_everywhere():
    from screener.ui.app import APP_ID as ui_app_id

    assert ui_app_id == APP_ID == render_icons.APP_ID
    desktop = (LINUX / f"{APP_ID}.desktop").read_text(encoding="utf-8")
    assert f"Icon={APP_ID}\n" in desktop
    assert re.search(r"^Exec=screener gui %f$", desktop, re.M)
    meta = (LINUX / f"{APP_ID}.metainfo.xml").read_text(encoding="utf-8")
    assert f"<id>{APP_ID}</id>" in meta and f"{APP_ID}.desktop</launchable>" in meta
    from screener import __version__

    assert f'<release version="{__version__}"' in meta  # a release entry for the version shipped


def _validator(name: str) -> str:
    path = shutil.which(name)
    need(path is not None, f"{name} is not installed (apt-get install desktop-file-utils appstream)")
    return path


def test_desktop_file_is_valid():
    tool = _validator("desktop-file-validate")
    out = subprocess.run([tool, str(LINUX / f"{APP_ID}.desktop")], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "", out.stdout + out.stderr


def test_metainfo_is_valid():
    tool = _validator("appstreamcli")
    out = subprocess.run([tool, "validate", "--no-net", str(LINUX / f"{APP_ID}.metainfo.xml")],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    # No error and no warning; infos may remain (appstream 0.16 does not know <developer> yet).
    issues = [line for line in out.stdout.splitlines() if re.match(r"^[EW]: ", line)]
    assert not issues, out.stdout


def test_mime_file_is_well_formed():
    import xml.etree.ElementTree as ET

    root = ET.parse(LINUX / f"{APP_ID}.mime.xml").getroot()
    ns = "{http://www.freedesktop.org/standards/shared-mime-info}"
    kind = root.find(f"{ns}mime-type")
    assert kind.get("type") in (LINUX / f"{APP_ID}.desktop").read_text(encoding="utf-8")
    assert kind.find(f"{ns}glob").get("pattern") == "*.screener"


@pytest.mark.parametrize("size", render_icons.SIZES)
def test_png_icons_are_rendered_from_the_svg(size, tmp_path):
    from PySide6.QtGui import QImage

    shipped = QImage(str(render_icons.png_path(size)))
    assert (shipped.width(), shipped.height()) == (size, size)
    fresh = QImage(str(render_icons.render(size, tmp_path / "fresh.png")))
    a = shipped.convertToFormat(QImage.Format.Format_RGBA8888)
    b = fresh.convertToFormat(QImage.Format.Format_RGBA8888)
    diff = sum(abs(x - y) for x, y in zip(bytes(a.constBits()), bytes(b.constBits())))
    # Same artwork within anti-aliasing noise of another cairo version; an edited SVG that was
    # not re-rendered (python packaging/render_icons.py) differs by far more.
    assert diff / (size * size * 4) < 2.0


def test_flatpak_manifest_installs_existing_files():
    manifest = yaml.safe_load((PACKAGING / "flatpak" / f"{APP_ID}.yml").read_text(encoding="utf-8"))
    assert manifest["id"] == APP_ID and manifest["command"] == "screener"
    module = manifest["modules"][-1]
    assert (PACKAGING / "flatpak" / module["sources"][0]["path"]).resolve() == REPO
    commands = "\n".join(module["build-commands"])
    for rel in re.findall(r"\s((?:packaging|resources)/[^\s]+)", commands):
        assert (REPO / rel.rstrip("/.")).exists(), rel
    for folder in ("applications", "metainfo", "icons/hicolor/scalable/apps", "mime/packages"):
        assert f"${{FLATPAK_DEST}}/share/{folder}/" in commands


def _run_smoke(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"),
               XDG_DATA_HOME=str(tmp_path / "data"), XDG_STATE_HOME=str(tmp_path / "state"))
    code = "import sys; from screener.cli.main import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True,
                          timeout=180, cwd=tmp_path)


def test_smoke_check_opens_the_demo_and_quits(tmp_path):
    out = _run_smoke(["--smoke"], tmp_path)
    assert out.returncode == 0, out.stderr
    assert re.search(r"smoke: ok: .* as ana, 9\d\d records, icon sizes \[16, 24, .*512\]", out.stdout), out.stdout
    assert not (tmp_path / "config" / "screener").exists()  # the user's settings were not touched


def test_smoke_check_fails_on_an_error_message(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_STATE_HOME=str(tmp_path / "state"))
    code = ("import sys; from screener.ui.app import run; "
            "sys.exit(run([sys.argv[1], '--reviewer', 'ana', '--smoke']))")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "missing.screener")], env=env,
                         capture_output=True, text=True, timeout=180)
    assert out.returncode == 1
    assert "smoke: FAILED" in out.stderr and "no such project file" in out.stderr


def test_package_list_names_every_package_under_src():
    import tomllib

    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    on_disk = {".".join(p.parent.relative_to(REPO / "src").parts) for p in (REPO / "src").rglob("__init__.py")}
    assert set(config["packages"]) == on_disk | {"screener.resources"}
    assert config["package-dir"]["screener.resources"] == "resources"


def test_wheel_ships_resources_and_migrations(tmp_path):
    """A non-editable install must find resources/ inside the package (core/resources.py)."""
    import zipfile

    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                    "-w", str(tmp_path), str(REPO)], check=True, capture_output=True)
    (wheel,) = tmp_path.glob("screener-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {n.removeprefix("screener/resources/") for n in names if n.startswith("screener/resources/")}
    expected = {p.relative_to(REPO / "resources").as_posix() for p in (REPO / "resources").rglob("*") if p.is_file()}
    assert shipped == expected
    migrations = {p.name for p in (REPO / "src/screener/storage/migrations/versions").glob("*.py")}
    assert {n.rsplit("/", 1)[1] for n in names if "/migrations/versions/" in n} == migrations
