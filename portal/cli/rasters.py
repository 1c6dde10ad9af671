"""``langson-portal import-raster``: a GeoTIFF checked and kept as a raster layer."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from geodata.errors import GeodataError
from portal.cli.data import _lang, _say
from portal.services.raster_files import KINDS, PROVENANCES
from portal.services.rasters import RasterMeta, import_raster, parse_day
from portal.web.database import get_database
from portal.web.rasters import instance_path, raster_limits


@click.command("import-raster")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--kind", required=True, type=click.Choice(list(KINDS)), help="What it shows.")
@click.option("--name-vi", required=True, help="Name in Vietnamese.")
@click.option("--name-en", required=True, help="Name in English.")
@click.option("--unit", default="", help="Unit of the cells (m, people per cell ...).")
@click.option("--source", default="", help="Who made it.")
@click.option("--as-of", "as_of", required=True, help="Date it shows, dd/mm/yyyy.")
@click.option("--provenance", required=True, type=click.Choice(PROVENANCES))
@click.option("--public", is_flag=True, help="Shown to visitors too (else signed-in staff only).")
@click.option("--lang", type=click.Choice(["vi", "en"]), help="Language of the messages.")
@with_appcontext
def import_raster_command(path, kind, name_vi, name_en, unit, source, as_of, provenance, public,
                          lang) -> None:
    """Check a GeoTIFF and keep it as a Cloud-Optimised GeoTIFF raster layer."""
    lang = _lang(lang)
    try:
        meta = RasterMeta(kind=kind, name_vi=name_vi, name_en=name_en, unit=unit, source=source,
                          as_of=parse_day(as_of), provenance=provenance, public=public)
        raster_id = import_raster(get_database(), path, meta, instance_path(), actor="cli",
                                  limits=raster_limits())
    except GeodataError as exc:
        click.echo(_say(exc, lang), err=True)
        sys.exit(1)
    click.echo(f"raster {raster_id}: {kind} {meta.as_of.isoformat()}")


def register(group: click.Group) -> None:
    """Add the raster commands to ``group``."""
    group.add_command(import_raster_command)
