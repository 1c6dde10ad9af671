"""The change log: which records' area, status or progress changed, in commit order.

Every session made by ``portal.store.db.open_database`` notes the ``Feature`` and
``FeatureState`` rows it adds, changes or deletes (``after_flush``); bulk writers that bypass the
ORM note theirs with ``note_features`` / ``note_layer`` / ``note_all``. At commit the notes become
``change_log`` rows. Before writing them the transaction locks the store's ``data_version`` row
(PostgreSQL; SQLite has one writer at a time anyway), so entry ids grow in commit order: a reader
that has seen every entry up to id *w* will find every later change past *w*. That is what lets
each worker process keep its own area index and catch up from the database alone. A commit that
writes entries also moves the data version on, so an index caught up at the version a request
read has nothing to look for (``portal.store.log_follower``).

A transaction that touches more than ``LAYER_RELOAD_AT`` records of a layer writes one entry
for the whole layer (feature_id NULL) instead. Entries older than ``KEEP`` ids are pruned; the
meta key ``change_log_floor`` says up to which id, so an index that fell further behind reloads.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain

from sqlalchemy import (
    Engine,
    Integer,
    Text,
    cast,
    delete,
    event,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session, sessionmaker

from portal.store.models import ChangeLogEntry, Feature, FeatureState, Meta

#: Above this many records of one layer in one transaction the layer is reloaded instead.
LAYER_RELOAD_AT = 20_000
#: How many entries the log keeps; pruned every ``PRUNE_EVERY`` ids.
KEEP = 200_000
PRUNE_EVERY = 10_000
FLOOR_KEY = "change_log_floor"
_NOTES = "portal_change_log"
_BUMPED = "portal_version_bumped"  # this transaction moved the data version on already
_ALL = "*"


def _notes(session: Session) -> dict[str, set[int] | None]:
    return session.info.setdefault(_NOTES, {})


def note_features(session: Session, layer_id: str, feature_ids: Iterable[int]) -> None:
    """Note records of ``layer_id`` whose area, status or progress changed in this transaction."""
    notes = _notes(session)
    if _ALL in notes or (layer_id in notes and notes[layer_id] is None):
        return
    ids = notes.setdefault(layer_id, set())
    ids.update(int(i) for i in feature_ids)
    if len(ids) > LAYER_RELOAD_AT:
        notes[layer_id] = None


def note_layer(session: Session, layer_id: str) -> None:
    """Note that the whole of ``layer_id`` changed (indexes reload it)."""
    _notes(session)[layer_id] = None


def note_all(session: Session) -> None:
    """Note that every layer changed (new boundaries, bulk deletes): indexes reload all."""
    _notes(session)[_ALL] = None


def _after_flush(session: Session, _context) -> None:  # noqa: ANN001 - SQLAlchemy hook
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Feature) and obj.id is not None:
            note_features(session, obj.layer_id, (obj.id,))
        elif isinstance(obj, FeatureState) and obj.feature_id is not None:
            note_features(session, obj.layer_id, (obj.feature_id,))


def _entries(notes: dict[str, set[int] | None]) -> list[dict]:
    if _ALL in notes:
        return [{"layer_id": None, "feature_id": None}]
    rows = []
    for layer_id, ids in sorted(notes.items()):
        if ids is None:
            rows.append({"layer_id": layer_id, "feature_id": None})
        else:
            rows.extend({"layer_id": layer_id, "feature_id": i} for i in sorted(ids))
    return rows


def _prune(session: Session, first: int, last: int) -> None:
    if last // PRUNE_EVERY == (first - 1) // PRUNE_EVERY or last <= KEEP:
        return
    floor = last - KEEP
    session.execute(delete(ChangeLogEntry).where(ChangeLogEntry.id <= floor))
    session.merge(Meta(key=FLOOR_KEY, value=str(floor)))


def _before_commit(session: Session) -> None:
    session.flush()
    notes = session.info.pop(_NOTES, None)
    if not notes:
        return
    # Entries get their ids while this lock is held, until the commit: ids follow commit order.
    session.execute(select(Meta.key).where(Meta.key == "data_version").with_for_update())
    rows = _entries(notes)
    session.execute(insert(ChangeLogEntry), rows)
    last = session.scalar(select(func.max(ChangeLogEntry.id))) or 0
    _prune(session, last - len(rows) + 1, last)
    if not session.info.get(_BUMPED):  # a new entry means a new version: followers rely on it
        bump_version(session)


def bump_version(session: Session) -> int | None:
    """Add one to the store's data version in one ``UPDATE``; None while the store has none.

    One statement: two writers committing at once each add one (a read, then a write, let both
    write the same number on PostgreSQL).
    """
    bumped = session.execute(
        update(Meta)
        .where(Meta.key == "data_version")
        .values(value=cast(cast(Meta.value, Integer) + 1, Text))
        .returning(Meta.value)
        .execution_options(synchronize_session=False)
    ).scalar()
    if bumped is None:
        return None
    session.info[_BUMPED] = True
    return int(bumped)


def _forget(session: Session, transaction) -> None:  # noqa: ANN001 - SQLAlchemy hook
    if transaction.parent is None:  # the whole transaction ended (a rollback: nothing happened)
        session.info.pop(_NOTES, None)
        session.info.pop(_BUMPED, None)


def track(sessions: sessionmaker[Session]) -> None:
    """Make the sessions of ``sessions`` write the change log at each commit."""
    event.listen(sessions, "after_flush", _after_flush)
    event.listen(sessions, "before_commit", _before_commit)
    event.listen(sessions, "after_transaction_end", _forget)


def entries_after(session: Session, watermark: int, layer_id: str) -> list[tuple]:
    """Return the entries past ``watermark`` for ``layer_id`` (or all layers): (id, feature_id)."""
    return list(
        session.execute(
            select(ChangeLogEntry.id, ChangeLogEntry.feature_id)
            .where(ChangeLogEntry.id > watermark)
            .where((ChangeLogEntry.layer_id == layer_id) | ChangeLogEntry.layer_id.is_(None))
            .order_by(ChangeLogEntry.id)
        ).all()
    )


def last_entry(session: Session) -> int:
    """Return the id of the latest entry (0 when the log is empty)."""
    return session.scalar(select(func.max(ChangeLogEntry.id))) or 0


def floor(session: Session) -> int:
    """Return the id up to which entries were pruned (0 when none were)."""
    value = session.scalar(select(Meta.value).where(Meta.key == FLOOR_KEY))
    return int(value) if value else 0


# --- a store replaced underneath running processes (restore --force) ------------------------


def position(engine: Engine) -> tuple[int, int]:
    """Return (data version, last entry id) of a store; zeros where it has neither yet."""
    tables = set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        version = connection.scalar(
            select(Meta.value).where(Meta.key == "data_version")) if "meta" in tables else None
        last = connection.scalar(
            select(func.max(ChangeLogEntry.id))) if "change_log" in tables else None
    return int(version or 0), int(last or 0)


def move_past(engine: Engine, before: tuple[int, int]) -> None:
    """Put a restored store's data version and change log past where they stood ``before``.

    A restore brings back an older data version and an older log. Processes still serving
    (and Redis) would take the cached answers of a version number they met before for the
    restored data, and indexes whose watermark is past the restored log would wait for entries
    that never come. So the version moves past both, and one entry past both says: reload all.
    """
    version, last = (max(a, b) + 1 for a, b in zip(before, position(engine), strict=True))
    with engine.begin() as connection:
        connection.execute(delete(Meta).where(Meta.key == "data_version"))
        connection.execute(insert(Meta).values(key="data_version", value=str(version)))
        connection.execute(insert(ChangeLogEntry).values(id=last, layer_id=None, feature_id=None))
        if engine.dialect.name == "postgresql":  # later entries are numbered after this one
            connection.execute(text(
                "SELECT setval(pg_get_serial_sequence('change_log', 'id'), :last)"),
                {"last": last})
