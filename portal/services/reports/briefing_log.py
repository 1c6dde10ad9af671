"""Which monthly briefings were printed: each print is an audit event, the next one starts there.

A briefing reports what changed since the last one. Each print writes ``briefing_print`` to the
audit log (who, for which date, since which date, in which language), and a briefing printed
without ``since`` counts the changes from the latest date printed before its own.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.services import audit
from portal.store.models import AuditEvent

#: The prints looked at for the last one (a year of monthly briefings many times over).
_LOOKED_AT = 500


def note_print(session: Session, actor: str | None, as_of: dt.date, since: dt.date,
               locale: str) -> None:  # fmt: skip
    """Log that ``actor`` printed the briefing of ``as_of`` (changes since ``since``)."""
    audit.record(session, "briefing_print", actor=actor,
                 detail={"as_of": as_of.isoformat(), "since": since.isoformat(),
                         "lang": locale})  # fmt: skip


def last_printed(session: Session, before: dt.date) -> dt.date | None:
    """Return the latest date of a briefing printed for a day before ``before`` (None: none)."""
    details = session.scalars(
        select(AuditEvent.detail).where(AuditEvent.action == "briefing_print")
        .order_by(AuditEvent.id.desc()).limit(_LOOKED_AT)
    )  # fmt: skip
    days = []
    for detail in details:
        try:
            day = dt.date.fromisoformat(str((detail or {}).get("as_of")))
        except ValueError:
            continue
        if day < before:
            days.append(day)
    return max(days, default=None)
