"""Command-line data in and out: ``import``, ``import-boundaries`` and ``export``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from geodata.errors import GeodataError
from layers import UnknownLayer, get_layer
from layers.importing import ImportRejected
from portal.web.database import get_database


def _lang(value: str | None) -> str:
    return value or current_app.config["PORTAL_SETTINGS"].default_locale


def _say(exc: GeodataError, lang: str) -> str:
    if lang != "en" and getattr(exc, "user_msg_vi", None):
        return exc.user_msg_vi
    return exc.user_msg


def echo_problems(problems, lang: str) -> None:
    """Print every row problem: row, column, value and the message in ``lang``."""
    row_word, column_word, value_word = (
        ("Row", "column", "value") if lang == "en" else ("Dòng", "cột", "giá trị")
    )
    for p in problems:
        where = [f"{row_word} {p.row}" if p.row is not None else "—"]
        if p.field:
            where.append(f"{column_word} {p.field}")
        if p.value not in (None, ""):
            where.append(f"{value_word} {p.value!r}")
        message = p.message_en if lang == "en" else p.message_vi
        click.echo(f"  {', '.join(where)}: {message}", err=True)


def _split_target(args: tuple[str, ...]) -> tuple[str | None, Path]:
    if len(args) == 2:
        return args[0], Path(args[1])
    if len(args) == 1:
        return None, Path(args[0])
    raise click.UsageError("give FILE, or LAYER_ID FILE")


@click.command("import")
@click.argument("args", nargs=-1, required=True, metavar="[LAYER_ID] FILE")
@click.option("--sheet", help="Sheet of an XLSX workbook (default: the first).")
@click.option("--crs", "crs_text", help="CRS of the coordinates: EPSG code, WKT, PROJ or a "
              "VN-2000 profile such as vn2000-langson.")
@click.option("--dry-run", is_flag=True, help="Check and show what would change; write nothing.")
@click.option("--lang", type=click.Choice(["vi", "en"]), help="Language of the messages.")
@with_appcontext
def import_command(args, sheet, crs_text, dry_run, lang) -> None:
    """Import records into a layer (or into the layers a `loai`/`layer` column names)."""
    from portal.services.imports import run_import

    lang = _lang(lang)
    layer_id, path = _split_target(args)
    try:
        result = run_import(get_database(), path, layer_id, sheet=sheet, crs_text=crs_text,
                            dry_run=dry_run, author="cli")
    except UnknownLayer as exc:
        raise click.BadParameter(f"unknown layer {exc.layer_id!r}") from None
    except ImportRejected as exc:
        click.echo(_say(exc, lang), err=True)
        echo_problems(exc.problems, lang)
        sys.exit(1)
    except GeodataError as exc:
        click.echo(_say(exc, lang), err=True)
        sys.exit(2)
    summary = result.plan.summary()
    for note in result.report.notes:
        click.echo(f"  · {note}")
    verb = ("would be " if dry_run else "") if lang == "en" else ("sẽ " if dry_run else "đã ")
    if lang == "en":
        click.echo(f"{summary['added']} {verb}added, {summary['changed']} {verb}changed, "
                   f"{summary['unchanged']} unchanged.")
    else:
        click.echo(f"{summary['added']} bản ghi {verb}thêm, {summary['changed']} {verb}cập nhật, "
                   f"{summary['unchanged']} không đổi.")


@click.command("export")
@click.argument("target", metavar="LAYER_ID|progress")
@click.option("--format", "fmt", default="geojson", show_default=True,
              help="geojson, csv, xlsx, gpkg, shapefile or kml (progress: csv or xlsx).")
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True),
              help="File to write (default: the suggested name in the current folder).")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), help="Date of the figures.")
@click.option("--layer", "progress_layer", help="With `progress`: the layer.")
@click.option("--level", default="commune", show_default=True,
              type=click.Choice(["province", "district", "commune"]))
@click.option("--area", "area_code", help="Only records of this area (code at --level).")
@click.option("--crs", "crs_text", help="Output CRS, e.g. vn2000-langson (GeoPackage, Shapefile, "
              "CSV, XLSX).")
@click.option("--include-restricted", is_flag=True,
              help="Also export restricted fields (personal data): for the server's operators.")
@click.option("--lang", type=click.Choice(["vi", "en"]), help="Language of labels.")
@with_appcontext
def export_command(target, fmt, out, as_of, progress_layer, level, area_code, crs_text,
                   include_restricted, lang) -> None:
    """Export a layer's records, or a per-area progress table (`export progress --layer ...`)."""
    from portal.services import exports

    lang = _lang(lang)
    from portal.web.params import default_as_of

    day = as_of.date() if as_of else default_as_of()
    with get_database().sessions() as session:
        if target == "progress":
            if not progress_layer:
                raise click.UsageError("export progress needs --layer")
            content, _mime, name = exports.export_progress(
                session, get_layer(progress_layer), level, fmt, day, lang
            )
        else:
            area = (level, area_code) if area_code else None
            content, _mime, name = exports.export_layer(
                session, get_layer(target), fmt, day, locale=lang, area=area, crs=crs_text,
                include_restricted=include_restricted,
            )
    path = Path(out or name)
    path.write_bytes(content)
    if target != "progress" and (include_restricted or not get_layer(target).records_public):
        from portal.web.audit_log import record_now

        record_now("export_restricted", actor="cli", layer_id=target,
                   detail={"format": fmt, "file": str(path)})
    click.echo(f"{path} ({len(content):,} bytes)")


def _echo_checks(checks, lang: str) -> None:
    for check in checks:
        message = check.message_en if lang == "en" else check.message_vi
        click.echo(f"  ! {message}")


@click.command("import-boundaries")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--level", required=True,
              type=click.Choice(["commune", "district", "province", "legacy_commune"]))
@click.option("--vintage", required=True, type=click.Choice(["2025", "2019"]))
@click.option("--crs", "crs_text", help="CRS when the file does not say (e.g. vn2000-langson).")
@click.option("--source", help="Who published the file (kept with the boundaries).")
@click.option("--date", "source_date", type=click.DateTime(["%Y-%m-%d"]),
              help="Date of the official boundaries.")
@click.option("--dry-run", is_flag=True, help="Check only; replace nothing.")
@click.option("--lang", type=click.Choice(["vi", "en"]), help="Language of the messages.")
@with_appcontext
def import_boundaries_command(file, level, vintage, crs_text, source, source_date, dry_run,
                              lang) -> None:
    """Store one level's official boundaries (Shapefile, GPKG, GeoJSON), on any store."""
    from portal.services.boundaries import LEVEL_NOUNS, BoundariesRejected, run_boundary_import

    lang = _lang(lang)
    try:
        result = run_boundary_import(
            get_database(), file, level, vintage, crs=crs_text, source=source,
            source_date=source_date.date() if source_date else None, dry_run=dry_run,
        )
    except BoundariesRejected as exc:
        click.echo(_say(exc, lang), err=True)
        echo_problems(exc.problems, lang)
        _echo_checks(exc.checks, lang)
        sys.exit(1)
    except GeodataError as exc:
        click.echo(_say(exc, lang), err=True)
        sys.exit(2)
    _echo_checks(result.imported.checks, lang)
    if lang == "en":
        verb = "checked (dry run)" if dry_run else "now official"
        click.echo(f"{result.units} {level} units {verb}; {result.records_reassigned} records "
                   "re-assigned to their areas.")
    else:
        verb = "đã kiểm tra (chạy thử)" if dry_run else "đã lưu theo ranh giới chính thức"
        click.echo(f"{result.units} đơn vị {LEVEL_NOUNS[level][1]} {verb}; "
                   f"{result.records_reassigned} bản ghi đã được gán lại địa bàn.")
    next_step = result.next_step(vietnamese=lang != "en")
    if next_step:
        click.echo(f"  → {next_step}")


def register(group: click.Group) -> None:
    """Add the data commands to the ``langson-portal`` group."""
    group.add_command(import_command)
    group.add_command(import_boundaries_command)
    group.add_command(export_command)
