"""The ``issue-token`` and ``revoke-token`` commands: personal API tokens made on the server."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from portal.services import audit, bootstrap
from portal.services.api_tokens import (
    DEFAULT_DAYS,
    MAX_DAYS,
    TokenError,
    issue_token,
    revoke_token,
    token_detail,
)
from portal.store.users import User
from portal.web.database import get_database


@click.command("issue-token")
@click.argument("username")
@click.option("--name", default="", help="What the token is for (e.g. 'QGIS, district office').")
@click.option("--days", default=DEFAULT_DAYS, show_default=True,
              type=click.IntRange(1, MAX_DAYS), help="Days until the token expires.")
@with_appcontext
def issue_token_command(username: str, name: str, days: int) -> None:
    """Issue a personal API token of USERNAME and print it once (only its hash is stored)."""
    db = get_database()
    bootstrap.init_schema(db)
    try:
        with db.transaction() as session:
            issued = issue_token(session, username, name=name, days=days, issued_by="cli")
            audit.record(session, "user_update", actor="cli",
                         detail=token_detail(issued.row, issued.username, "issued"))
            number, expires = issued.row.id, issued.row.expires_at
    except TokenError as exc:
        raise click.ClickException(exc.user_msg) from None
    click.echo(f"Token #{number} of {issued.username}, valid until {expires:%Y-%m-%d %H:%M} UTC "
               "(shown once, keep it secret):", err=True)
    click.echo(issued.token)


@click.command("revoke-token")
@click.argument("token_id", type=int)
@with_appcontext
def revoke_token_command(token_id: int) -> None:
    """Revoke the API token numbered TOKEN_ID (see the accounts page)."""
    db = get_database()
    bootstrap.init_schema(db)
    try:
        with db.transaction() as session:
            row = revoke_token(session, token_id)
            owner = session.get(User, row.user_id)
            audit.record(session, "user_update", actor="cli",
                         detail=token_detail(row, owner.username, "revoked"))
    except TokenError as exc:
        raise click.ClickException(exc.user_msg) from None
    click.echo(f"Token #{token_id} revoked.")


def register(cli_group: click.Group) -> None:
    """Add the token commands to ``cli_group`` (the ``langson-portal`` group)."""
    cli_group.add_command(issue_token_command)
    cli_group.add_command(revoke_token_command)
