"""What a minimal office list lacks, made up the way the province asks.

A list with no id column identifies each record by its layer, commune and folded name
(:func:`derived_ids`), so next month's list updates the same records. A row with no coordinates
but a commune is placed at the commune's centre, its position marked approximate
(:func:`commune_only_rows`, :func:`place_at_communes`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

import shapely

from geodata.old_names import old_units
from layers.base import LayerSpec
from layers.importing.geometry import Located
from layers.importing.places import commune_lookup
from layers.importing.seen_keys import SeenKeys
from layers.importing.types import CountedNote, ImportContext, Problems, Texts
from layers.parsing import column_key, fold, parse_keys

# Roles that give a row its place; a row with none of them filled may be placed by its commune.
_PLACE_ROLES = ("wkt", "lon", "lat", "x", "y")
_ID_LENGTH = 60  # the store's record_id column
_NAME_ALIASES = ("ten", "name", "ten_du_an", "ten_thon")


@dataclass
class CommunePlaces:
    """Rows placed by their commune alone, and the commune each row names.

    Attributes
    ----------
    rows : numpy.ndarray
        Mask of the rows placed at their commune's centre.
    named : numpy.ndarray
        Each row's 2025 commune code by its commune cell (None where it names none).
    legacy : numpy.ndarray
        Mask of the placed rows that name a pre-2025 commune.
    centres : numpy.ndarray
        The point of each placed row (None elsewhere).
    column : str
        The commune column.
    ambiguous : dict
        Row index -> its commune cell and the pre-2025 communes ("Xã Hồng Thái (Huyện Bình
        Gia)") it may mean, when several districts had that name and no district cell decides.
    """

    rows: np.ndarray
    named: np.ndarray
    legacy: np.ndarray
    centres: np.ndarray
    column: str = ""
    ambiguous: dict[int, tuple[str, list[str]]] = field(default_factory=dict)

    @property
    def old_named(self) -> np.ndarray:
        """Mask of the rows naming a pre-2025 commune, placed or ambiguous (no 2025 name)."""
        mask = self.legacy.copy()
        mask[list(self.ambiguous)] = True
        return mask


def _centres(units) -> dict[str, shapely.Geometry]:
    """Return each unit's code -> a point inside it (its centre where that lies inside)."""
    points = shapely.point_on_surface(units.geometry.to_numpy())
    return dict(zip(units["code"].astype(str), points, strict=True))


def legacy_lookup(legacy) -> dict[str, str]:
    """Return the keys of the pre-2025 communes whose name is unique in the province."""
    keys = [column_key(name) for name in legacy["name"]]
    counts = Counter(keys)
    return {
        key: str(code)
        for key, code in zip(keys, legacy["code"], strict=True)
        if counts[key] == 1
    }  # fmt: skip


def _unit_keys(name: str, code: str, units: Sequence[str]) -> set[str]:
    """Return the keys a unit may be written as: code, full name, name without its unit word."""
    keys = {column_key(code), column_key(code.lstrip("0")), column_key(name)}
    keys |= {column_key(name[len(u):]) for u in units if name.startswith(u)}
    return keys


def _legacy_codes(
    values: pd.Series, legacy, districts: pd.Series | None, rows: np.ndarray
) -> tuple[np.ndarray, dict[int, tuple[str, list[str]]]]:  # fmt: skip
    """Return the pre-2025 commune each of ``rows`` names, and the rows it cannot tell.

    A name several communes bore ("Xã Hồng Thái" of Bình Gia and of Văn Lãng) is decided by
    the row's district cell (name, short name or code); otherwise the row is ambiguous, with
    its candidates described with their districts.
    """
    codes = np.full(len(values), None, dtype=object)
    ambiguous: dict[int, tuple[str, list[str]]] = {}
    if not rows.any():  # the old units' table is large: read it only when a row needs it
        return codes, ambiguous
    units = {u.code: u for u in old_units() if u.level == "legacy_commune"}
    by_key: dict[str, list[str]] = {}
    for code, name in zip(legacy["code"].astype(str), legacy["name"], strict=True):
        for key in _unit_keys(name, code, ("Xã ", "Phường ", "Thị trấn ")):
            by_key.setdefault(key, []).append(code)
    cells = values.to_numpy(dtype=object, na_value=None)
    given = None if districts is None else districts.to_numpy(dtype=object, na_value=None)
    for i in np.flatnonzero(rows).tolist():
        candidates = list(dict.fromkeys(by_key.get(column_key(cells[i]), [])))
        if len(candidates) > 1 and given is not None and given[i] is not None:
            wanted = column_key(given[i])
            candidates = [c for c in candidates if c in units and wanted in _unit_keys(
                units[c].district_name or "", units[c].district_code or "",
                ("Huyện ", "Thành phố ", "Thị xã "))] or candidates  # fmt: skip
        if len(candidates) == 1:
            codes[i] = candidates[0]
        elif candidates:
            ambiguous[i] = (cells[i], [f"{units[c].name} ({units[c].district_name})"
                                       if c in units else c for c in candidates])  # fmt: skip
    return codes, ambiguous


def commune_only_rows(
    texts: Texts, roles: Mapping[str, str], context: ImportContext, keep: np.ndarray,
    has_geometry: bool,
) -> CommunePlaces:  # fmt: skip
    """Find the rows placed by their commune alone.

    A row qualifies when the file has no geometry of its own, every coordinate cell of the row is
    empty and its commune cell names a 2025 commune or ward of the province, or a pre-2025
    commune whose name no other bore (2025 names win).
    """
    size = len(keep)
    none = np.zeros(size, dtype=bool)
    places = CommunePlaces(none, np.full(size, None, dtype=object), none.copy(),
                           np.full(size, None, dtype=object))  # fmt: skip
    column = roles.get("commune")
    if column is None:
        return places
    values = texts(column)
    places.column = column
    places.named, _ = parse_keys(values, commune_lookup(context.communes))
    if has_geometry:
        return places
    empty = keep & values.notna().to_numpy()
    for role in _PLACE_ROLES:
        if role in roles:
            empty &= texts(roles[role]).isna().to_numpy()
    current = empty & ~pd.isna(places.named)
    centres = _centres(context.communes)
    places.centres[current] = [centres[code] for code in places.named[current]]
    legacy = context.legacy_communes
    if legacy is not None and len(legacy):
        districts = texts(roles["district"]) if "district" in roles else None
        old, places.ambiguous = _legacy_codes(values, legacy, districts, empty & ~current)
        places.legacy = empty & ~current & ~pd.isna(old)
        old_centres = _centres(legacy)
        places.centres[places.legacy] = [old_centres[code] for code in old[places.legacy]]
    places.rows = current | places.legacy
    return places


def unplaced(size: int, column: str, texts: Texts) -> Located:
    """Return a table's places when it has no coordinate column, only a commune column."""
    return Located(np.full(size, None, dtype=object), column, (texts(column),),
                   np.zeros(size, dtype=bool))  # fmt: skip


def place_at_communes(
    located: Located, places: CommunePlaces, problems: Problems, notes: list[str]
) -> None:
    """Put the rows given by commune alone at a point inside their commune.

    A row naming a pre-2025 commune whose name several districts had, with no district cell
    to decide, is a problem naming the candidates.
    """
    for i, (cell, candidates) in places.ambiguous.items():
        located.failed[i] = True  # reported here, not again as a row with no position
        problems.add_at(
            np.array([i]), places.column, [cell],
            "Row {row}: before 1 July 2025 several communes were named '{value}': {candidates}; "
            "add a district column (huyen) or the coordinates",
            "Dòng {row}: trước 1/7/2025 có nhiều xã tên «{value}»: {candidates}; hãy thêm cột "
            "huyện hoặc ghi tọa độ",
            code="ambiguous_commune", row=[int(problems.rows[i])],
            candidates=["; ".join(candidates)],
        )  # fmt: skip
    index = np.flatnonzero(places.rows)
    if index.size == 0:
        return
    located.geoms[index] = places.centres[index]
    located.failed[index] = False
    notes.append(CountedNote("at_commune_centre", _centre_words, index.size,
                             problems.rows[index][:20].tolist()))  # fmt: skip
    legacy = np.flatnonzero(places.legacy)
    if legacy.size:
        notes.append(CountedNote("at_legacy_centre", _legacy_words, legacy.size,
                                 problems.rows[legacy][:20].tolist()))  # fmt: skip


def _centre_words(count: int, shown: str, more: str) -> str:
    return (f"{count} dòng chỉ ghi tên xã, không có tọa độ, đã đặt tại trung tâm xã (vị trí gần "
            f"đúng): dòng {shown}{more} / "
            f"{count} row(s) give only a commune and were placed at its centre (approximate "
            f"position): rows {shown}{more}")


def _legacy_words(_count: int, shown: str, _more: str) -> str:
    return (f"Dòng {shown} ghi tên xã cũ (trước 1/7/2025), đã đặt tại trung tâm xã cũ / "
            f"Rows {shown} name a commune as it was before 1 July 2025 and were placed at its "
            "centre")


def row_names(
    spec: LayerSpec, rows: np.ndarray, texts: Texts, roles: Mapping[str, str],
    fields: Mapping[str, str],
) -> np.ndarray:  # fmt: skip
    """Return the name each of ``rows`` gives (name column, else the layer's name field)."""
    names = np.full(rows.size, None, dtype=object)
    fallback = name_field(spec)
    for column in (fields.get(fallback) if fallback else None, roles.get("name")):
        if column is not None:
            given = texts(column).iloc[rows].str.normalize("NFC")
            names = np.where(given.isna().to_numpy(), names, given.to_numpy(dtype=object))
    return names


def name_field(spec: LayerSpec) -> str | None:
    """Return the layer's field that names a record (a signal village, a road), if any."""
    return next((f.name for f in spec.fields if f.type == "str" and f.required and f.public),
                None)  # fmt: skip


def fill_name_field(
    spec: LayerSpec, rows: np.ndarray, attributes: dict[str, np.ndarray], texts: Texts,
    roles: Mapping[str, str],
) -> None:  # fmt: skip
    """Give the layer's naming field the row's name where the file has only a name column.

    "Tên thôn bản" in a village list is the village: the record is then complete.
    """
    target = name_field(spec)
    if target is None or "name" not in roles:
        return
    given = texts(roles["name"]).iloc[rows].str.normalize("NFC").to_numpy(dtype=object,
                                                                           na_value=None)
    empty = pd.isna(attributes[target])
    attributes[target] = np.where(empty, given, attributes[target])


def name_column(spec: LayerSpec, roles: Mapping[str, str], fields: Mapping[str, str]) -> str:
    """Return the column a row's name comes from, for messages."""
    if "name" in roles:
        return roles["name"]
    fallback = name_field(spec)
    return fields.get(fallback, "ten") if fallback else "ten"


def check_names(
    spec: LayerSpec, rows: np.ndarray, texts: Texts, roles: Mapping[str, str],
    fields: Mapping[str, str], problems: Problems,
) -> None:  # fmt: skip
    """Report the rows of ``rows`` (of a file with an id column) that give no name.

    A record needs a name: the name column, else the layer's naming field (a village, a road).
    A file with neither column lacks a required column.
    """
    column = name_column(spec, roles, fields)
    if column not in texts.frame.columns:
        problems.missing_column(column, "the record's name", "tên bản ghi", _NAME_ALIASES,
                                spec.id)  # fmt: skip
        return
    nameless = rows[pd.isna(row_names(spec, rows, texts, roles, fields))]
    problems.add_at(
        nameless, column, [None] * nameless.size,
        "Row {row} has an id ({record_id}) but no name: fill in column '{header}'",
        "Dòng {row} có mã ({record_id}) nhưng chưa có tên: cần điền cột «{header}»",
        code="missing_name", row=problems.rows[nameless], header=[column] * nameless.size,
        record_id=texts(roles["record_id"]).iloc[nameless].tolist(),
    )  # fmt: skip


def derived_id(commune: str | None, name: str) -> str:
    """Return the record id of a row without one: its commune code and its folded name.

    >>> derived_id("06325", "Bản Nà Lạn"), derived_id(None, "Thôn Khuổi Mực (mới)")
    ('06325-ban-na-lan', 'xa-thon-khuoi-muc-moi')
    """
    slug = re.sub(r"[^0-9a-z]+", "-", fold(name)).strip("-")
    return f"{commune or 'xa'}-{slug}"[:_ID_LENGTH]


def derived_ids(rows: np.ndarray, names: np.ndarray, communes: Sequence) -> np.ndarray:
    """Return the derived id of each of ``rows`` (None where the row has no name).

    The layer is the key's other half: an id is unique within its layer.
    """
    return np.array(
        [None if pd.isna(name) else derived_id(communes[i], str(name))
         for i, name in zip(rows.tolist(), names, strict=True)],
        dtype=object,
    )  # fmt: skip


def report_repeats(
    ids: np.ndarray, layer_ids: np.ndarray, present: np.ndarray, column: str, values,
    problems: Problems, en: str, vi: str, seen: SeenKeys | None = None,
) -> None:  # fmt: skip
    """Report each row whose (layer, id) an earlier row has, naming that row as ``{first}``.

    ``seen`` holds the keys of the rows of earlier chunks of the file (with their row
    numbers): a row repeating one of them names it; this chunk's keys are added (each with
    its first row).
    """
    size = len(ids)
    index = np.flatnonzero(present)
    mine: dict[str, int] = {}  # this chunk's keys -> the row number of their first row
    mask = np.zeros(size, dtype=bool)
    first_rows = np.zeros(size, dtype=np.int64)
    numbers = problems.rows[index].tolist()
    keys = list(map("{}\x00{}".format, layer_ids[index].tolist(), ids[index].tolist()))
    earlier = np.zeros(len(keys), dtype=np.int64) if seen is None else seen.meet(keys, numbers)
    if len(set(keys)) == len(keys) and not earlier.any():  # no key repeats
        return
    for i, key, number, before in zip(index.tolist(), keys, numbers, earlier.tolist(),
                                      strict=True):  # fmt: skip
        first = before or mine.get(key)
        if first is None:
            mine[key] = number
        else:
            mask[i], first_rows[i] = True, first
    problems.add(mask, column, values, en, vi, first=first_rows)
