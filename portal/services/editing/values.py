"""Checking edited values against a layer's declaration; the errors editing raises.

Values come from forms and JSON, one record at a time. They are read by the single-value readers of
:mod:`layers.values`, the rules a file import reads its cells by (dd/mm/yyyy or ISO dates,
có/không, choice labels or ids, "1.234" as a whole number), so a value accepted in a spreadsheet
is accepted in the form too.
Every problem is collected with an English and a Vietnamese message before one ``InvalidEdit``
is raised, in the API's error shape (``portal.web.errors.row_errors``).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import Any

import shapely
from shapely.geometry import mapping

from geodata.problems import Problem
from geodata.text import nfc
from layers.base import FieldSpec, LayerSpec
from layers.parsing import column_key, parse_date, parse_number
from layers.values import not_a_date, read_value
from layers.values import value_problem as problem
from portal.store.models import Feature, FeatureState

MAX_NAME = 200
MAX_REASON = 1000
_RECORD_ID = re.compile(r"[\w.-]{1,60}")
_MULTI = {"Point": "MultiPoint", "LineString": "MultiLineString", "Polygon": "MultiPolygon"}
# Lạng Sơn lies near 21–23° N, 106–108° E; a coordinate outside the world is a typing error.
_WORLD = (-180.0, -90.0, 180.0, 90.0)


class EditError(Exception):
    """Base of editing errors; ``user_msg`` (English) and ``user_msg_vi`` are safe to show."""

    def __init__(self, user_msg: str, user_msg_vi: str) -> None:
        super().__init__(user_msg)
        self.user_msg = user_msg
        self.user_msg_vi = user_msg_vi


class RecordNotFound(EditError):
    """No record (or photo) has this id in this layer."""

    def __init__(self) -> None:
        super().__init__("No such record.", "Không tìm thấy bản ghi.")


class InvalidEdit(EditError):
    """Values that do not fit the layer; ``problems`` says which field and why."""

    def __init__(self, problems: list[Problem]) -> None:
        first = problems[0] if len(problems) == 1 else None
        super().__init__(
            first.message_en if first else f"{len(problems)} values are not valid.",
            first.message_vi if first else f"{len(problems)} giá trị không hợp lệ.",
        )
        self.problems = problems


class WorkflowViolation(InvalidEdit):
    """A status that skips milestones, or steps back without the right to."""


class EditConflict(EditError):
    """The record changed since the editor loaded it: ``current`` and ``proposed`` versions."""

    def __init__(self, current: dict[str, Any], proposed: dict[str, Any]) -> None:
        super().__init__(
            "Someone else changed this record meanwhile. Compare both versions, reload and "
            "apply your change again.",
            "Bản ghi vừa được người khác thay đổi. Hãy so sánh hai phiên bản, tải lại rồi "
            "cập nhật lại.",
        )
        self.current = current
        self.proposed = proposed


def invalid(field: str | None, value: Any, en: str, vi: str) -> InvalidEdit:
    """Return an ``InvalidEdit`` with a single problem."""
    return InvalidEdit([problem(field, value, en, vi)])


# --- attribute values ------------------------------------------------------------------------


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check_attributes(
    layer: LayerSpec, values: Mapping[str, Any], *, creating: bool
) -> dict[str, Any]:
    """Return ``values`` typed as the layer declares them; raise ``InvalidEdit`` otherwise.

    Parameters
    ----------
    layer : LayerSpec
        The layer whose fields the values are for.
    values : mapping
        Field name -> value as sent (JSON number, text, boolean, None for "empty").
    creating : bool
        A new record must have every required field; a change must not empty one.

    Returns
    -------
    dict
        Field name -> typed value (ISO text for dates), only for the fields in ``values``.
    """
    problems: list[Problem] = []
    result: dict[str, Any] = {}
    for name, raw in values.items():
        try:
            spec = layer.field(name)
        except KeyError:
            problems.append(problem(name, None, f"Layer {layer.name_en} has no field '{name}'",
                                    f"Lớp {layer.name_vi} không có trường «{name}»",
                                    code="unknown_field"))  # fmt: skip
            continue
        value, wrong = (None, None) if _blank(raw) else read_value(spec, raw)
        if wrong is not None:
            problems.append(wrong)
        elif value is None and spec.required:
            problems.append(_missing(spec))
        else:
            result[name] = value
    if creating:
        problems += [_missing(s) for s in layer.fields if s.required and s.name not in values]
    if problems:
        raise InvalidEdit(problems)
    return result


def _missing(spec: FieldSpec) -> Problem:
    return problem(spec.name, None, f"'{spec.label_en}' is required",
                   f"Cần nhập «{spec.label_vi}»", code="missing")  # fmt: skip


# --- state, dates, texts ---------------------------------------------------------------------


def check_status(layer: LayerSpec, status: Any) -> str:
    """Return a status id of ``layer`` given its id or label; raise ``InvalidEdit`` otherwise."""
    if isinstance(status, str):
        for spec in layer.statuses:
            if column_key(status) in {column_key(t) for t in (spec.id, spec.label_vi,
                                                              spec.label_en)}:  # fmt: skip
                return spec.id
    raise invalid(
        "status", status,
        f"Unknown status {status!r}; use one of: " + " / ".join(s.label_en for s in layer.statuses),
        f"Trạng thái «{status}» không có; dùng một trong: "
        + " / ".join(s.label_vi for s in layer.statuses),
    )  # fmt: skip


def check_progress(value: Any) -> float | None:
    """Return a progress in percent (0–100) or None; raise ``InvalidEdit`` otherwise."""
    if _blank(value):
        return None
    number = math.nan
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        number = parse_number(value.strip(), percent=True)
    if not math.isfinite(number) or not 0 <= number <= 100:
        raise invalid("progress", value, f"Progress {value!r} must be a number from 0 to 100",
                      f"Tiến độ «{value}» phải là số từ 0 đến 100")  # fmt: skip
    return number


def check_date(
    value: Any, today: dt.date, earliest: dt.date | None = None, field: str = "date"
) -> dt.date:
    """Return the date of a change: given or today, not after today nor before ``earliest``."""
    if _blank(value):
        day = today
    elif isinstance(value, dt.date):
        day = value
    else:
        found = parse_date(str(value).strip())
        if found is None:
            raise InvalidEdit([not_a_date(field, value)])
        day = found
    if day > today:
        raise invalid(field, day.isoformat(), f"The date {day:%d/%m/%Y} is after today",
                      f"Ngày {day:%d/%m/%Y} sau ngày hôm nay")  # fmt: skip
    if earliest is not None and day < earliest:
        raise invalid(
            field, day.isoformat(),
            f"The date {day:%d/%m/%Y} is before the record's last update ({earliest:%d/%m/%Y})",
            f"Ngày {day:%d/%m/%Y} trước lần cập nhật gần nhất của bản ghi ({earliest:%d/%m/%Y})",
        )  # fmt: skip
    return day


def check_reason(value: Any, required: bool) -> str:
    """Return the reason of a change, stripped; raise ``InvalidEdit`` if required and empty."""
    text = nfc(value) if isinstance(value, str) else ""
    if required and not text:
        raise invalid("reason", None, "Give a reason for this change",
                      "Hãy ghi lý do của thay đổi này")  # fmt: skip
    if len(text) > MAX_REASON:
        raise invalid("reason", text, f"The reason is longer than {MAX_REASON} characters",
                      f"Lý do dài quá {MAX_REASON} ký tự")  # fmt: skip
    return text


def check_name(value: Any) -> str:
    """Return a record name in NFC; raise ``InvalidEdit`` when empty or too long."""
    text = nfc(value) if isinstance(value, str) else ""
    if not text or len(text) > MAX_NAME:
        raise invalid("name", value, f"The name must have 1 to {MAX_NAME} characters",
                      f"Tên phải có từ 1 đến {MAX_NAME} ký tự")  # fmt: skip
    return text


def check_record_id(value: Any) -> str:
    """Return a record id: letters, digits, ``_ . -``, at most 60 characters."""
    if isinstance(value, str) and _RECORD_ID.fullmatch(value.strip()):
        return value.strip()
    raise invalid("record_id", value,
                  "The record id may hold letters, digits, '_', '.' and '-' (60 at most)",
                  "Mã bản ghi chỉ gồm chữ, số, '_', '.', '-' (tối đa 60 ký tự)")  # fmt: skip


def check_geometry(layer: LayerSpec, geometry: Any) -> shapely.Geometry:
    """Return a valid 2D geometry of a type the layer takes; raise ``InvalidEdit`` otherwise."""
    allowed = set(layer.geometry_types) | {_MULTI[t] for t in layer.geometry_types}
    if not isinstance(geometry, shapely.Geometry) or geometry.is_empty:
        raise invalid("geometry", None, "The record has no geometry",
                      "Bản ghi chưa có vị trí trên bản đồ")  # fmt: skip
    if geometry.geom_type not in allowed:
        raise invalid(
            "geometry", geometry.geom_type,
            f"Layer {layer.name_en} takes {' / '.join(layer.geometry_types)}, "
            f"not {geometry.geom_type}",
            f"Lớp {layer.name_vi} nhận {' / '.join(layer.geometry_types)}, "
            f"không nhận {geometry.geom_type}",
        )  # fmt: skip
    geometry = shapely.force_2d(geometry)
    minx, miny, maxx, maxy = geometry.bounds
    inside = _WORLD[0] <= minx and maxx <= _WORLD[2] and _WORLD[1] <= miny and maxy <= _WORLD[3]
    if not inside or not all(map(math.isfinite, geometry.bounds)):
        raise invalid("geometry", None, "Coordinates must be longitude and latitude in degrees",
                      "Tọa độ phải là kinh độ, vĩ độ (độ)")  # fmt: skip
    if not geometry.is_valid:
        raise invalid("geometry", shapely.is_valid_reason(geometry),
                      "The shape is not valid (it crosses itself?)",
                      "Hình vẽ không hợp lệ (tự cắt nhau?)")  # fmt: skip
    return geometry


# --- record snapshots ------------------------------------------------------------------------


def effective_attributes(feature: Feature, state: FeatureState | None) -> dict[str, Any]:
    """Return a record's attribute values: the dated state's over the record's own."""
    return {**(feature.attributes or {}), **((state.attributes or {}) if state else {})}


def record_snapshot(
    layer: LayerSpec, feature: Feature, state: FeatureState | None, *, restricted: bool
) -> dict[str, Any]:
    """Return a record as a GeoJSON Feature with its version; restricted fields if allowed.

    Language-free: the API adds labels. ``state`` is the current state (or, for a deleted
    record, its last one).
    """
    fields = layer.fields if restricted else layer.public_fields
    values = effective_attributes(feature, state)
    return {
        "type": "Feature",
        "id": feature.id,
        "geometry": mapping(shapely.from_wkb(feature.geom)),
        "layer": layer.id,
        "version": feature.version,
        "deleted": feature.deleted_at is not None,
        "restricted": restricted,
        "properties": {
            "id": feature.id,
            "record_id": feature.record_id,
            "name": feature.name,
            "status": state.status if state else None,
            "progress": state.progress if state else None,
            "updated": state.valid_from.isoformat() if state else None,
            "commune_code": feature.commune_code,
            "district_code": feature.district_code,
            "illustrative": bool(feature.illustrative),
            **{f.name: values.get(f.name) for f in fields},
        },
    }
