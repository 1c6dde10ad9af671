"""``langson-portal report-cards``: the printed report cards of a level (ZIP) or one area (PDF)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from portal.services.access import ROLES
from portal.services.reports.area_card import CardSource, Reader
from portal.store.progress import LEVELS
from portal.web.database import get_database
from portal.web.report_cards import audit_card, render_card
from portal.web.report_jobs import build_zip

LEVEL_WORDS = {"vi": {"province": "tỉnh", "district": "huyện", "commune": "xã"},
               "en": {"province": "province", "district": "districts", "commune": "communes"}}


def _day(value: str | None, name: str, lang: str) -> dt.date | None:
    if not value:
        return None
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    message = (f"--{name}: “{value}” is not a date; write it as dd/mm/yyyy, e.g. 30/11/2025."
               if lang == "en" else
               f"--{name}: “{value}” không phải là ngày; hãy viết dd/mm/yyyy, ví dụ 30/11/2025.")
    raise click.UsageError(message)


@click.command("report-cards")
@click.option("--level", type=click.Choice(LEVELS), default="commune", show_default=True)
@click.option("--area", "code", help="One area's code: write its card alone (a PDF).")
@click.option("--as-of", "as_of", required=True, help="Day of the figures, dd/mm/yyyy.")
@click.option("--since", help="Show what changed since this day, dd/mm/yyyy.")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
@click.option("--role", type=click.Choice(ROLES), default="planner", show_default=True,
              help="Print what this role sees (household names: admin, planner, viewer).")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The ZIP (a level) or PDF (--area) to write.")
@with_appcontext
def report_cards_command(level, code, as_of, since, lang, role, out) -> None:
    """Write the report cards of every area of a level (ZIP), or of one area (PDF)."""
    day, since_day = _day(as_of, "as-of", lang), _day(since, "since", lang)
    if since_day and since_day > day:
        raise click.UsageError("--since > --as-of" if lang == "en" else
                               "--since phải trước hoặc bằng --as-of")
    reader = Reader(role, (), f"cli:{role}")
    with get_database().sessions() as session:
        if code:
            card = render_card(CardSource(session, day, since_day), reader, level, code, lang)
            if card is None:
                click.echo(f"No {level} with the code {code}." if lang == "en" else
                           f"Không có đơn vị cấp {level} mã {code}.", err=True)
                sys.exit(1)
            out.write_bytes(card.pdf)
            with get_database().transaction() as audit_session:
                audit_card(audit_session, reader.username, card, code, "report_card_cli")
            click.echo(f"{out}: {card.file_name}")
            return
        words = LEVEL_WORDS[lang][level]

        def progress(done: int, total: int) -> None:
            click.echo(f"\r {done}/{total} {words}", err=True, nl=done == total)

        count = build_zip(session, reader, level, day, since_day, lang, out, progress,
                          "report_cards_cli")
    click.echo(f"{out}: {count}")


def register(group: click.Group) -> None:
    """Add the report card command to ``group``."""
    group.add_command(report_cards_command)
