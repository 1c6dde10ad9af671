"""``add-basemap``, ``remove-basemap``, ``list-basemaps``, ``build-hillshade``: offline basemaps.

A basemap is an MBTiles or PMTiles file checked and copied into ``<instance>/basemaps/``
(`portal.services.basemaps`); a refused file is reported in Vietnamese and English and nothing
is kept.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from geodata.errors import GeodataError
from portal.services import basemaps as service


def _instance() -> Path:
    return Path(current_app.config["PORTAL_SETTINGS"].instance_path)


def _fail(exc: GeodataError) -> click.ClickException:
    vietnamese = getattr(exc, "user_msg_vi", "")
    return click.ClickException(f"{vietnamese}\n{exc.user_msg}" if vietnamese else exc.user_msg)


def _describe(basemap: service.Basemap) -> str:
    west, south, east, north = basemap.bounds
    return (f"{basemap.name}: {basemap.kind} {basemap.format} ({basemap.container}), zoom "
            f"{basemap.min_zoom}-{basemap.max_zoom}, bounds {west:g},{south:g},{east:g},"
            f"{north:g}; {basemap.name_vi or '-'} / {basemap.name_en or '-'}")


@click.command("add-basemap")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--name", default=None, help="Short name in URLs (a-z, 0-9, -, _); default: "
              "from the file's name.")
@click.option("--name-vi", default="", help="Name shown in Vietnamese.")
@click.option("--name-en", default="", help="Name shown in English.")
@click.option("--attribution", default=None, help="Attribution shown on the map (default: the "
              "file's own).")
@with_appcontext
def add_basemap_command(file: Path, name: str | None, name_vi: str, name_en: str,
                        attribution: str | None) -> None:
    """Check an MBTiles or PMTiles FILE and keep it as a basemap."""
    try:
        basemap = service.add_basemap(_instance(), file, name=name, name_vi=name_vi,
                                      name_en=name_en, attribution=attribution)
    except GeodataError as exc:
        raise _fail(exc) from None
    click.echo(f"Basemap added: {_describe(basemap)}")


@click.command("remove-basemap")
@click.argument("name")
@with_appcontext
def remove_basemap_command(name: str) -> None:
    """Remove the basemap NAME (its file and description)."""
    try:
        service.remove_basemap(_instance(), name)
    except GeodataError as exc:
        raise _fail(exc) from None
    click.echo(f"Basemap removed: {name}")


@click.command("list-basemaps")
@with_appcontext
def list_basemaps_command() -> None:
    """List the kept basemaps; the default one is marked with *."""
    kept = service.list_basemaps(_instance())
    default = service.default_name(_instance(), kept)
    for basemap in kept:
        click.echo(("* " if basemap.name == default else "  ") + _describe(basemap))
    if not kept:
        click.echo("No basemap.")


@click.command("build-hillshade")
@click.argument("dem", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", required=True, help="Short name of the basemap (a-z, 0-9, -, _).")
@click.option("--min-zoom", default=8, show_default=True, type=click.IntRange(0, 18))
@click.option("--max-zoom", default=13, show_default=True, type=click.IntRange(0, 18))
@click.option("--z-factor", default=1.0, show_default=True, type=float,
              help="Elevation unit in metres (feet: 0.3048).")
@click.option("--name-vi", default="", help="Name shown in Vietnamese.")
@click.option("--name-en", default="", help="Name shown in English.")
@click.option("--attribution", default="", help="Attribution shown on the map.")
@with_appcontext
def build_hillshade_command(dem: Path, name: str, min_zoom: int, max_zoom: int, z_factor: float,
                            name_vi: str, name_en: str, attribution: str) -> None:
    """Shade the elevation raster DEM (any CRS, VN-2000 too) into a hillshade basemap."""
    try:
        basemap = service.build_hillshade(
            _instance(), dem, name=name, min_zoom=min_zoom, max_zoom=max_zoom,
            z_factor=z_factor, name_vi=name_vi, name_en=name_en, attribution=attribution)
    except GeodataError as exc:
        raise _fail(exc) from None
    click.echo(f"Hillshade basemap added: {_describe(basemap)}")


def register(group: click.Group) -> None:
    """Add the basemap commands to the ``langson-portal`` group."""
    for command in (add_basemap_command, remove_basemap_command, list_basemaps_command,
                    build_hillshade_command):
        group.add_command(command)
