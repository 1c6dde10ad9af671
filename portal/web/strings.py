"""The words the map client (static/js/) shows, translated on the server."""

from __future__ import annotations

from flask_babel import gettext as _


def map_client_strings() -> dict[str, str]:
    """Return every map-client string in the request's language ("{name}" is filled in JS)."""
    return {
        "boundaries": _("Boundaries"),
        "legend_progress": _("Share of the target done"),
        "legend_as_of": _("as of {date}"),
        "legend_no_target": _("No target"),
        "legend_lagging": _("Behind schedule"),
        "legend_over_target": _("Percent above 100: over target (coloured as the top class)"),
        "over_target": _("over target"),
        "legend_statuses": _("Statuses"),
        "legend_toggle": _("Show or hide the legend"),
        "badge_approximate": _("Approximate boundaries"),
        "badge_approximate_title": _(
            "Boundaries derived from official commune centres, not surveyed lines."
        ),
        "badge_illustrative": _("Illustrative demo data"),
        "illustrative_note": _("Illustrative: position approximate, figures invented."),
        "badge_lagging": _("Lagging"),
        "count": _("Records"),
        "done": _("Done"),
        "target": _("Target"),
        "done_of_target": _("Done / target"),
        "percent": _("Progress"),
        "expected_percent": _("Expected by this date"),
        "area_page_link": _("Open the area page"),
        "no_target": _("no target"),
        "counts_only_note": _("Personal data: only per-area counts are public."),
        "suppressed_note": _("Numbers under 3 are hidden to protect households."),
        "status": _("Status"),
        "progress": _("Progress"),
        "commune": _("Commune (2025)"),
        "district": _("District (before 1 July 2025)"),
        "record_id": _("Record id"),
        "missing_fields": _("Missing: {fields}"),
        "position_approximate": _("Approximate position (by commune)"),
        "yes": _("Yes"),
        "no": _("No"),
        "cluster_title": _("{count} records, {done} done: click to zoom in"),
        "search_label": _("Search a place or project"),
        "search_placeholder": _("Search: commune, project…"),
        "search_no_results": _("Nothing found"),
        "search_kind_area": _("Area"),
        "search_kind_feature": _("Record"),
        "search_kind_old_area": _("Before 1 July 2025"),
        "settings_title": _("Map options"),
        "settings_layer": _("Colour areas by"),
        "settings_level": _("Areas"),
        "settings_as_of": _("As of"),
        "close": _("Close"),
        "error_generic": _("Could not load data."),
    }


def filter_strings() -> dict[str, str]:
    """Return the words of the map's record filters (static/js/map-filters.js)."""
    return {
        "filter_title": _("Filter records"),
        "filter_incomplete": _("Incomplete records only"),
        "filter_paused": _("Paused"),
        "filter_cancelled": _("Cancelled"),
        "filter_hint": _("Nothing ticked: every record is shown."),
        "filter_download": _("Download the records shown"),
    }


def terrain_strings() -> dict[str, str]:
    """Return the words of terrain and hazards at records (static/js/map-terrain.js)."""
    return {
        "terrain_title": _("Terrain & hazards"),
        "terrain_elevation": _("Elevation:"),
        "terrain_people": _("People within 1 km:"),
        "terrain_people_value": _("{count} people"),
        "terrain_flood": _("Flood depth:"),
        "terrain_flood_in": _("In a flood zone ≥ {threshold} m"),
        "terrain_flood_out": _("{value} m (below {threshold} m)"),
        "terrain_landslide": _("Landslide hazard:"),
        "terrain_landslide_in": _("In a landslide zone (class ≥ {threshold})"),
        "terrain_landslide_out": _("class {value} (below {threshold})"),
        "terrain_no_value": _("no data here"),
        "terrain_source": _("raster of {date}"),
        "terrain_approximate": _("approximate"),
        "terrain_illustrative": _("illustrative"),
        "terrain_filter_title": _("Terrain and hazards"),
        "terrain_filter_flood": _("Only records in a flood zone"),
        "terrain_filter_landslide": _("Only records in a landslide zone"),
        "terrain_filter_elevation": _("Elevation between"),
        "terrain_filter_min": _("from (m)"),
        "terrain_filter_max": _("to (m)"),
    }
