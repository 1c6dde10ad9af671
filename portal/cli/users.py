"""The ``create-user`` command: accounts are made on the server, never through the web."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import IntegrityError

from portal.services import bootstrap
from portal.services.access import ROLES
from portal.services.accounts import AccountError, check_password_strength, create_user
from portal.web.database import get_database


def read_password(username: str) -> str:
    """Read the new password: prompted twice on a terminal, one line from a pipe."""
    if sys.stdin.isatty():
        password = click.prompt(
            f"Password for {username}", hide_input=True, confirmation_prompt=True
        )
    else:
        password = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
    if not password:
        raise click.ClickException("No password given on standard input.")
    return password


@click.command("create-user")
@click.argument("name")
@click.option(
    "--role",
    required=True,
    type=click.Choice(ROLES),
    help="What the account may do.",
)
@click.option(
    "--area",
    "areas",
    multiple=True,
    metavar="CODE",
    help="Limit the account to a 2025 commune or a pre-2025 district (repeatable; "
    "none means the whole province).",
)
@click.option("--display-name", default=None, help="Name shown in the navigation bar.")
@with_appcontext
def create_user_command(
    name: str, role: str, areas: tuple[str, ...], display_name: str | None
) -> None:
    """Create an account; the password is read from standard input."""
    password = read_password(name)
    db = get_database()
    bootstrap.init_schema(db)
    try:
        # Checked before the scrypt hash and the transaction, so a weak password fails fast.
        check_password_strength(password, name)
        with db.transaction() as session:
            user = create_user(
                session, name, password, role, areas=areas, display_name=display_name
            )
            from portal.services import audit

            audit.record(session, "user_create", actor="cli", detail=audit.user_detail(user))
            summary = (
                f"User {user.username!r} created with role {user.role}, "
                f"areas: {', '.join(user.areas) or 'whole province'}."
            )
    except AccountError as exc:
        raise click.ClickException(exc.user_msg) from None
    except IntegrityError:
        # Another process created the same username between the check and the commit.
        raise click.ClickException(f"A user called {name!r} already exists.") from None
    click.echo(summary)


def register(cli_group: click.Group) -> None:
    """Add the account commands to ``cli_group`` (the ``langson-portal`` group)."""
    cli_group.add_command(create_user_command)
