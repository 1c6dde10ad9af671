"""The ``backup`` and ``restore`` commands: a whole instance in one zip, and back."""

from __future__ import annotations

import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.web.database import get_database


def _portal_version() -> str:
    try:
        return version("langson-portal")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def _lang(value: str | None) -> str:
    return value or current_app.config["PORTAL_SETTINGS"].default_locale


def _instance() -> Path:
    return Path(current_app.config["PORTAL_SETTINGS"].instance_path)


@click.command("backup")
@click.argument("dest", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--lang", type=click.Choice(["vi", "en"]), help="Language of the messages.")
@with_appcontext
def backup_command(dest: Path, lang: str | None) -> None:
    """Write the database (a consistent copy, while the portal serves) and files to DEST (zip)."""
    from portal.services.backup import BackupError, create_backup

    lang = _lang(lang)
    try:
        manifest = create_backup(get_database().engine, _instance(), dest, _portal_version())
    except BackupError as exc:
        click.echo(exc.user_msg if lang == "en" else exc.user_msg_vi, err=True)
        sys.exit(1)
    records = sum(manifest["counts"]["layers"].values())
    files = len(manifest["files"]) - 1
    if lang == "en":
        click.echo(f"{dest}: {records:,} records, schema {manifest['alembic_revision']}, "
                   f"{files} other files ({dest.stat().st_size:,} bytes).")
    else:
        click.echo(f"{dest}: {records:,} bản ghi, lược đồ {manifest['alembic_revision']}, "
                   f"{files} tệp khác ({dest.stat().st_size:,} byte).")


@click.command("restore")
@click.argument("src", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a store that already holds data.")
@click.option("--lang", type=click.Choice(["vi", "en"]), help="Language of the messages.")
@with_appcontext
def restore_command(src: Path, force: bool, lang: str | None) -> None:
    """Restore a backup made by `backup` into this (new, empty) instance."""
    from portal.services.backup import BackupError, restore_backup

    lang = _lang(lang)
    try:
        manifest = restore_backup(get_database().engine, _instance(), src, force=force)
    except BackupError as exc:
        click.echo(exc.user_msg if lang == "en" else exc.user_msg_vi, err=True)
        sys.exit(1)
    records = sum(manifest["counts"]["layers"].values())
    migrated = manifest.get("migrated_from")
    if lang == "en":
        click.echo(f"Restored {records:,} records from {src.name} "
                   f"(made {manifest['created_at']}).")
        if migrated:
            click.echo(f"Schema upgraded from {migrated}.")
    else:
        click.echo(f"Đã khôi phục {records:,} bản ghi từ {src.name} "
                   f"(tạo lúc {manifest['created_at']}).")
        if migrated:
            click.echo(f"Đã nâng cấp lược đồ từ {migrated}.")


def register(group: click.Group) -> None:
    """Add the backup commands to the ``langson-portal`` group."""
    group.add_command(backup_command)
    group.add_command(restore_command)
