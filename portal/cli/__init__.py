"""The ``langson-portal`` command line: a Flask CLI group."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup, routes_command, shell_command, with_appcontext

from portal.cli.backup import register as register_backup_commands
from portal.cli.basemaps import register as register_basemap_commands
from portal.cli.data import register as register_data_commands
from portal.cli.reports import register as register_report_commands
from portal.cli.serve import register as register_serve_command
from portal.cli.tokens import register as register_token_commands
from portal.cli.users import register as register_auth_commands
from portal.services import bootstrap
from portal.web.database import get_database


def _create_app():
    from portal import create_app

    return create_app()


class PortalGroup(FlaskGroup):
    """Flask's command group, with a bad setting reported in one line instead of a traceback."""

    def invoke(self, ctx: click.Context):
        """Run the command; a SettingsError ends it with its message and exit status 1."""
        from portal.settings import SettingsError

        try:
            return super().invoke(ctx)
        except SettingsError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=PortalGroup, create_app=_create_app, add_default_commands=False)
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


register_auth_commands(main)
register_data_commands(main)
register_backup_commands(main)
register_serve_command(main)
register_token_commands(main)
register_basemap_commands(main)
register_report_commands(main)
main.add_command(routes_command)
main.add_command(shell_command)
