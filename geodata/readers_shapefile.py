"""Zipped (or unpacked) Shapefile reader: the one .shp of an archive, its .prj, .cpg and DBF text.

DBF text is always read as ISO-8859-1, which maps every byte to one code point, and decoded here:
GDAL's own recoding trusts a ``.cpg`` that may lie and, through iconv, drops the last letter of
cp1258 strings (it waits for a combining mark that never comes).
"""

from __future__ import annotations

import codecs
import csv
import logging
import tempfile
import zipfile
from collections.abc import Hashable
from pathlib import Path

import pandas as pd

import geopandas as gpd
import pyproj

from geodata.archives import DEFAULT_MAX_UNPACKED, extract_members
from geodata.errors import GeodataError, InvalidCRS
from geodata.rawtable import (
    RawTable,
    describe_repairs,
    raise_problems,
    repair_legacy_text,
    share_of_vietnamese,
    user_error,
)
from geodata.readers_gis import chosen_crs, make_table, read_frame, standard_crs

logger = logging.getLogger(__name__)

_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
# Our Shapefile exports list full field names here (see geodata.writers).
_FIELD_MAP = "fields.csv"
_CPG_ALIASES = {"88591": "latin-1", "65001": "utf-8", "UTF8": "utf-8"}
_DBF_RAW = "ISO-8859-1"


def read_shapefile_table(
    path: Path, *, crs: pyproj.CRS | None, max_unpacked: int = DEFAULT_MAX_UNPACKED
) -> RawTable:
    """Read the Shapefile in a ``.zip`` (or a ``.shp`` with its side files) with its geometry.

    ``max_unpacked`` caps what the archive may unpack to, in bytes (`geodata.archives`).
    """
    if path.suffix.lower() != ".zip":
        return _read_shapefile(path, path.name, crs)
    with tempfile.TemporaryDirectory(prefix="shapefile-") as folder:
        shp = _extract_shapefile(path, Path(folder), max_unpacked)
        return _read_shapefile(shp, path.name, crs)


def _extract_shapefile(archive: Path, folder: Path, max_unpacked: int) -> Path:
    """Unpack the one Shapefile in ``archive`` as ``folder/data.*``; return the ``.shp``."""
    try:
        bundle = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        logger.warning("cannot open %s as zip: %r", archive, exc)
        raise user_error(
            GeodataError,
            f"{archive.name} is not a zip archive or is damaged.",
            f"{archive.name} không phải tệp nén zip hoặc bị hỏng.",
        ) from None
    with bundle:
        members = [
            info
            for info in bundle.infolist()
            if not info.is_dir()
            and not info.filename.startswith("__MACOSX/")
            and not Path(info.filename).name.startswith("._")
        ]
        shp = _only_shapefile(archive, [m for m in members if m.filename.lower().endswith(".shp")])
        stem = shp.filename[:-4].lower()
        parts = {
            m.filename[-4:].lower(): m
            for m in members
            if m.filename[:-4].lower() == stem and m.filename[-4:].lower() in _SHAPEFILE_PARTS
        }
        missing = [ext for ext in (".shx", ".dbf") if ext not in parts]
        if missing:
            raise user_error(
                GeodataError,
                f"{archive.name}: {shp.filename} comes without {' and '.join(missing)}; "
                "zip every file of the Shapefile together.",
                f"{archive.name}: {shp.filename} thiếu tệp {' và '.join(missing)}; "
                "hãy nén đủ các tệp của Shapefile.",
            )
        targets = {folder / f"data{ext}": member for ext, member in parts.items()}
        field_map = f"{shp.filename.rpartition('/')[0]}/fields.csv".lstrip("/")
        for member in members:
            if member.filename == field_map:
                targets[folder / _FIELD_MAP] = member
        extract_members(archive, bundle, targets, max_unpacked)
    return folder / "data.shp"


def _only_shapefile(archive: Path, shapefiles: list[zipfile.ZipInfo]) -> zipfile.ZipInfo:
    if len(shapefiles) == 1:
        return shapefiles[0]
    if not shapefiles:
        raise user_error(
            GeodataError,
            f"{archive.name} holds no Shapefile (.shp).",
            f"{archive.name} không chứa Shapefile (.shp) nào.",
        )
    listed = ", ".join(s.filename for s in shapefiles)
    raise user_error(
        GeodataError,
        f"{archive.name} holds several Shapefiles ({listed}); zip one per file.",
        f"{archive.name} chứa nhiều Shapefile ({listed}); mỗi tệp zip chỉ chứa một.",
    )


def _read_shapefile(shp: Path, display: str, crs: pyproj.CRS | None) -> RawTable:
    notes: list[str] = []
    file_crs = _prj_crs(shp.with_suffix(".prj"), display, override=crs is not None, notes=notes)
    if crs is None and file_crs is None:
        raise user_error(
            InvalidCRS,
            f"{display}: the Shapefile has no .prj, so its coordinate system is unknown; "
            "give it with --crs (e.g. --crs vn2000-langson or --crs EPSG:4326).",
            f"{display}: Shapefile không có tệp .prj nên không rõ hệ tọa độ; hãy chỉ rõ bằng "
            "--crs (ví dụ --crs vn2000-langson hoặc --crs EPSG:4326).",
        )
    frame = read_frame(shp, None, "shapefile", encoding=_DBF_RAW)
    cpg = _cpg_encoding(shp.with_suffix(".cpg"), notes)
    frame, encoding = _decode_dbf(frame, cpg, notes)
    frame = _restore_field_names(frame, shp.parent / _FIELD_MAP, notes)
    return make_table(frame, chosen_crs(crs, file_crs, notes), "shapefile", encoding, notes)


def _restore_field_names(frame: gpd.GeoDataFrame, field_map: Path, notes: list[str]
                         ) -> gpd.GeoDataFrame:
    """Give back the full names our own Shapefile exports list in ``fields.csv``."""
    if not field_map.exists():
        return frame
    with open(field_map, encoding="utf-8-sig", newline="") as handle:
        names = {
            row.get("short_name"): row.get("name")
            for row in csv.DictReader(handle)
            if row.get("short_name") in frame.columns
            and row.get("name")
            and row.get("name") != row.get("short_name")
        }
    if names:
        notes.append("full field names restored from fields.csv")
    return frame.rename(columns=names)


def _prj_crs(prj: Path, display: str, *, override: bool, notes: list[str]) -> pyproj.CRS | None:
    if not prj.exists():
        return None
    try:
        return standard_crs(prj.read_text(encoding="latin-1"), notes)
    except InvalidCRS as exc:
        logger.warning("%s: unreadable .prj: %s", display, exc.user_msg)
        if not override:
            raise user_error(
                InvalidCRS,
                f"{display}: the .prj does not describe a coordinate system the portal can "
                "read; give the right one with --crs (e.g. --crs vn2000-langson).",
                f"{display}: tệp .prj không mô tả hệ tọa độ mà cổng bản đồ đọc được; hãy chỉ "
                "rõ bằng --crs (ví dụ --crs vn2000-langson).",
            ) from None
        notes.append(f"{display}: the .prj was not understood; the given CRS was used")
        return None


def _cpg_encoding(cpg: Path, notes: list[str]) -> str | None:
    """Return the Python codec a ``.cpg`` names, or ``None`` when absent or unknown."""
    if not cpg.exists():
        return None
    said = cpg.read_text(encoding="latin-1").strip()
    key = said.upper().replace("ANSI", "").replace("ISO", "").replace(" ", "").replace("-", "")
    name = _CPG_ALIASES.get(key) or (f"cp{key}" if key.isdigit() else said)
    try:
        return codecs.lookup(name).name
    except LookupError:
        notes.append(f"the .cpg names an unknown encoding {said!r}; it was ignored")
        return None


def _decode_dbf(
    frame: gpd.GeoDataFrame, cpg: str | None, notes: list[str]
) -> tuple[gpd.GeoDataFrame, str]:
    """Decode DBF text read as ISO-8859-1 with the ``.cpg``, a guess or a legacy repair."""
    text = [c for c in frame.columns if c != frame.geometry.name and _is_text(frame[c])]
    raw = b"\n".join(v.encode("latin-1") for c in text for v in frame[c] if isinstance(v, str))
    if cpg is not None:
        try:
            raw.decode(cpg)
            return _recode(frame, text, cpg), cpg
        except UnicodeDecodeError:
            notes.append(f"the .cpg says {cpg} but the text is not {cpg}; the .cpg was ignored")
    guess = _guess_encoding(raw)
    if guess is not None:
        return _recode(frame, text, guess), guess
    repair = repair_legacy_text(pd.DataFrame(frame[text]), "latin-1", row_offset=1)
    raise_problems(repair.problems, {c: str(c) for c in text})
    legacy, legacy_notes = describe_repairs(repair.found, {c: c for c in text})
    notes.extend(legacy_notes)
    if legacy is None:
        # No legacy font either: Windows Vietnamese is the likeliest code page left.
        fallback = "cp1258" if _decodes(raw, "cp1258") else "latin-1"
        notes.append(f"text encoding not recognised; read as {fallback}")
        return _recode(frame, text, fallback), fallback
    for column in repair.found:
        frame[column] = repair.frame[column].to_numpy()
    return frame, legacy


def _guess_encoding(raw: bytes) -> str | None:
    """UTF-8 if the bytes are, cp1258 if they read as Vietnamese; else ``None``."""
    if raw.isascii():
        return "ascii"
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    if _decodes(raw, "cp1258") and share_of_vietnamese(raw.decode("cp1258")) >= 0.9:
        return "cp1258"
    return None


def _decodes(raw: bytes, encoding: str) -> bool:
    try:
        raw.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _recode(frame: gpd.GeoDataFrame, columns: list[Hashable], encoding: str) -> gpd.GeoDataFrame:
    def decode(value: object) -> object:
        if isinstance(value, str):
            try:
                return value.encode("latin-1").decode(encoding)
            except UnicodeError:  # a field name in another encoding than the values
                return value
        return value

    recoded = frame.copy()
    for column in columns:
        recoded[column] = [decode(v) for v in frame[column]]
    names = {c: decode(c) for c in frame.columns if c != frame.geometry.name}
    return recoded.rename(columns=names)


def _is_text(values: pd.Series) -> bool:
    return bool(values.map(lambda v: isinstance(v, str)).any())
