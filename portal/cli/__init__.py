"""The ``langson-portal`` command line: a Flask CLI group."""

from __future__ import annotations

import logging
import threading
import time

import click
from flask import current_app
from flask.cli import FlaskGroup, routes_command, shell_command, with_appcontext

from portal.cli.backup import register as register_backup_commands
from portal.cli.data import register as register_data_commands
from portal.cli.users import register as register_auth_commands
from portal.services import bootstrap
from portal.web.database import get_database


def _create_app():
    from portal import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False)
def main() -> None:
    """Bản đồ dự án kế hoạch 2025 tỉnh Lạng Sơn — Lạng Sơn 2025 plan map portal."""


@main.command("init")
@with_appcontext
def init_command() -> None:
    """Create or upgrade the database schema (Alembic)."""
    bootstrap.init_schema(get_database())
    click.echo("Database schema is up to date.")


@main.command("build-boundaries")
@with_appcontext
def build_boundaries_command() -> None:
    """Derive approximate district and commune boundaries and store them."""
    db = get_database()
    bootstrap.init_schema(db)
    seconds = bootstrap.build_boundaries(db)
    click.echo(f"Approximate boundaries built and stored in {seconds:.1f} s.")


@main.command("seed-demo")
@click.option("--seed", default=2025, show_default=True, help="Random seed of the demo data.")
@with_appcontext
def seed_demo_command(seed: int) -> None:
    """Replace the illustrative demo records and targets."""
    db = get_database()
    bootstrap.prepare(db, seed=False)
    count = bootstrap.seed_demo(db, seed=seed)
    click.echo(f"{count} illustrative records loaded.")


@main.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.option("--debug", is_flag=True, help="Use Flask's reloading development server.")
@with_appcontext
def run_command(host: str, port: int, threads: int, debug: bool) -> None:
    """Prepare the database on first start, then serve the portal."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    app = current_app._get_current_object()
    settings = app.config["PORTAL_SETTINGS"]
    report = bootstrap.prepare(get_database(), seed=settings.auto_seed)
    if report:
        click.echo(f"First start: {report}")
    threading.Thread(target=warm_caches, args=(app,), daemon=True).start()
    click.echo(f"Serving the portal at http://{host}:{port}/")
    if debug:
        app.run(host=host, port=port, debug=True)
        return
    from waitress import serve

    serve(app, host=host, port=port, threads=threads)


def warm_caches(app) -> None:
    """Answer the first map's API calls once at start-up, so the first visitor waits less."""
    from layers import CATALOGUE

    started = time.perf_counter()
    client = app.test_client()
    for level in ("commune", "district", "province"):
        client.get(f"/api/areas?level={level}")
    for layer in CATALOGUE:
        client.get(f"/api/progress?layer={layer.id}&level=commune")
        if layer.records_public:
            client.get(f"/api/layers/{layer.id}/features?cluster=auto&zoom=9")
    logging.getLogger(__name__).info(
        "Caches warmed in %.1f s", time.perf_counter() - started
    )


register_auth_commands(main)
register_data_commands(main)
register_backup_commands(main)
main.add_command(routes_command)
main.add_command(shell_command)
