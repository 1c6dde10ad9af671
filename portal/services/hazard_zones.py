"""The projects in hazard zones: the records of the project layers a hazard raster flags.

For the planning page's table "Projects in hazard zones": each record of a project layer at or
over the threshold of the current flood-depth or landslide-hazard raster
(``portal.services.record_values``), with its commune, status and the raster's value; one row
per record and hazard. Labels come in the reader's language (``locale``: "en" or Vietnamese);
the CSV has Vietnamese (English) headers, as the portal's other downloads.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

from layers.base import LayerSpec

#: The layers whose records are projects (industrial parks and clusters, roads, border gates).
PROJECT_LAYERS = ("industry", "transport", "border")
#: The hazard kinds, in the order the table lists them, with their names.
HAZARD_NAMES = {
    "flood_depth": ("Ngập lụt", "Flood"),
    "landslide_hazard": ("Sạt lở đất", "Landslide"),
}
#: The CSV's columns: key, Vietnamese and English header.
CSV_COLUMNS = (
    ("layer_name", "Lớp", "Layer"),
    ("record_id", "Mã", "Id"),
    ("name", "Tên", "Name"),
    ("commune", "Xã/phường", "Commune"),
    ("status_label", "Trạng thái", "Status"),
    ("hazard_name", "Thiên tai", "Hazard"),
    ("value", "Giá trị", "Value"),
    ("unit", "Đơn vị", "Unit"),
    ("raster_as_of", "Ngày dữ liệu", "Raster date"),
    ("provenance", "Nguồn gốc", "Provenance"),
)


def _status_label(layer: LayerSpec, status: str | None, locale: str) -> str:
    try:
        spec = layer.status(status or "")
    except KeyError:
        return status or ""
    return spec.label_en if locale == "en" else spec.label_vi


def hazard_rows(layer: LayerSpec, records: Sequence[Any], answers: Mapping[str, dict],
                communes: Mapping[str, str], locale: str) -> list[dict[str, Any]]:
    """Return a row per record of ``layer`` and hazard kind whose value is at or over.

    ``records``: the layer's records (rows of ``read_features``, with ``status``);
    ``answers``: the ``record_values`` answer of each current hazard kind.
    """
    by_id = {r.id: r for r in records}
    rows = []
    for kind, answer in answers.items():
        raster = answer["raster"]
        for item in answer["values"]:
            record = by_id.get(item["id"])
            if not item.get("over") or record is None:
                continue
            rows.append({
                "layer": layer.id, "layer_name": layer.name(locale), "id": record.id,
                "record_id": record.record_id, "name": record.name,
                "commune": communes.get(record.commune_code or "", ""),
                "status": record.status, "status_label": _status_label(layer, record.status,
                                                                       locale),
                "hazard": kind, "hazard_name": HAZARD_NAMES[kind][locale == "en"],
                "value": item["value"], "threshold": answer["threshold"],
                "unit": raster["unit"] or "", "raster_as_of": raster["as_of"],
                "provenance": raster["provenance"],
            })
    return rows


def rows_csv(rows: Sequence[Mapping[str, Any]]) -> bytes:
    """Return the rows as CSV (UTF-8 with a byte-order mark, for spreadsheet programs)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([f"{vi} ({en})" for _, vi, en in CSV_COLUMNS])
    for row in rows:
        writer.writerow(["" if row[key] is None else row[key] for key, _, _ in CSV_COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
