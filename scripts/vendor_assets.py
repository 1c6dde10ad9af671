"""Copy the browser assets installed by npm into portal/static/vendor/ and write fonts.css.

Run after ``npm ci`` at the repository root::

    .venv/bin/python scripts/vendor_assets.py

The file list is ``VENDOR_FILES`` in ``portal/web/assets.py``. Running it again changes nothing
unless node_modules changed. The result is git-ignored: vendor files are installed, never
committed (the same copy step as uMap's ``scripts/vendorsjs.sh``).
"""

from __future__ import annotations

import argparse
import filecmp
import importlib.util
import json
import shutil
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def _load_manifest() -> ModuleType:
    """Load portal/web/assets.py by path.

    Importing it as ``portal.web.assets`` would run ``portal/__init__.py`` and so need the whole
    application (Flask, geopandas, a database) just to copy files at setup.
    """
    path = ROOT / "portal" / "web" / "assets.py"
    spec = importlib.util.spec_from_file_location("_portal_assets", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_ASSETS = _load_manifest()
FONT_SUBSETS = _ASSETS.FONT_SUBSETS
FONT_WEIGHTS = _ASSETS.FONT_WEIGHTS
FONTS_CSS = _ASSETS.FONTS_CSS
VENDOR_DIR = _ASSETS.VENDOR_DIR
VENDOR_FILES = _ASSETS.VENDOR_FILES
FONT_FAMILY = "Be Vietnam Pro"
FONT_UNICODE_JSON = "@fontsource/be-vietnam-pro/unicode.json"


class VendorError(Exception):
    """The vendor step cannot run; the message says what to do."""


def find_missing(node_modules: Path) -> list[str]:
    """Return the VENDOR_FILES sources (and font metadata) absent from `node_modules`."""
    wanted = [*VENDOR_FILES, FONT_UNICODE_JSON]
    return [src for src in wanted if not (node_modules / src.rstrip("/")).exists()]


def copy_file(src: Path, dest: Path) -> bool:
    """Copy `src` to `dest` unless an identical file is already there; return whether copied."""
    if dest.is_file() and filecmp.cmp(src, dest, shallow=False):
        return False
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)
    return True


def copy_entry(src: Path, dest: Path) -> int:
    """Copy one VENDOR_FILES entry, a file or a whole directory; return the files written."""
    if not src.is_dir():
        return int(copy_file(src, dest))
    written = 0
    for path in sorted(src.rglob("*")):
        if path.is_file():
            written += copy_file(path, dest / path.relative_to(src))
    return written


def font_face_rules(node_modules: Path) -> str:
    """Build the @font-face rules for the copied Be Vietnam Pro files.

    The unicode ranges come from the installed @fontsource package, so the browser downloads
    only the subsets a page's text needs.
    """
    ranges = json.loads((node_modules / FONT_UNICODE_JSON).read_text(encoding="utf-8"))
    rules = [
        "/* Be Vietnam Pro (SIL OFL 1.1, see be-vietnam-pro/LICENSE); written by "
        "scripts/vendor_assets.py, do not edit. */"
    ]
    for weight in FONT_WEIGHTS:
        for subset in FONT_SUBSETS:
            name = f"be-vietnam-pro-{subset}-{weight}-normal.woff2"
            rules.append(
                "@font-face {\n"
                f"  font-family: '{FONT_FAMILY}';\n"
                "  font-style: normal;\n"
                f"  font-weight: {weight};\n"
                "  font-display: swap;\n"
                f"  src: url(be-vietnam-pro/{name}) format('woff2');\n"
                f"  unicode-range: {ranges[subset]};\n"
                "}"
            )
    return "\n".join(rules) + "\n"


def write_text(path: Path, text: str) -> bool:
    """Write `text` to `path` unless it already holds exactly that; return whether written."""
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


def vendor_assets(node_modules: Path, static_dir: Path, clean: bool = False) -> int:
    """Copy every VENDOR_FILES entry and write fonts.css; return how many files were written."""
    missing = find_missing(node_modules)
    if missing:
        listed = "\n  ".join(str(node_modules / m) for m in missing)
        raise VendorError(
            f"missing from node_modules:\n  {listed}\n"
            f"Run `npm ci` in {ROOT} first (package.json and package-lock.json list the packages)."
        )
    vendor_dir = static_dir / VENDOR_DIR
    if clean and vendor_dir.exists():
        shutil.rmtree(vendor_dir)
    written = 0
    for src, dest in VENDOR_FILES.items():
        written += copy_entry(node_modules / src.rstrip("/"), vendor_dir / dest.rstrip("/"))
    written += write_text(static_dir / FONTS_CSS, font_face_rules(node_modules))
    return written


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, run the vendor step and report; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--node-modules", type=Path, default=ROOT / "node_modules")
    parser.add_argument("--static", type=Path, default=ROOT / "portal" / "static")
    parser.add_argument(
        "--clean", action="store_true", help="remove portal/static/vendor/ before copying"
    )
    args = parser.parse_args(argv)
    try:
        written = vendor_assets(args.node_modules, args.static, clean=args.clean)
    except VendorError as exc:
        print(f"vendor_assets: {exc}", file=sys.stderr)
        return 1
    print(f"vendor_assets: {written} file(s) written to {args.static / VENDOR_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
