"""The ``users`` table: who may sign in, with which role, over which areas."""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.store.models import Base, utcnow


class User(Base):
    """A person who may sign in; ``areas`` empty means the whole province."""

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("username", name="uq_users_username"),
        UniqueConstraint("username_key", name="uq_users_username_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80))
    username_key: Mapped[str] = mapped_column(String(80))
    display_name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(30), index=True)
    areas: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)

    # Flask-Login's protocol, written out: its UserMixin defines __eq__ without __hash__,
    # which would make mapped instances unhashable.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        """Return whether the account may sign in."""
        return bool(self.active)

    #: The sign-in this object was loaded for (a `LoginSession` id), set on sign-in and load.
    session_token = None  # not a column: a plain attribute of the loaded object

    def get_id(self) -> str:
        """Return what the session cookie holds: row id, password fingerprint, sign-in id.

        Changing the password ends every session opened with the old one; signing out revokes
        the sign-in on the server, so a copied cookie no longer works either.
        """
        return f"{self.id}:{password_fingerprint(self.password_hash)}:{self.session_token or ''}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username!r} {self.role}>"


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def password_fingerprint(password_hash: str) -> str:
    """Return a short digest of a password hash: part of every session id."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


class LoginSession(Base):
    """One sign-in: its cookie works until it is revoked (sign-out) or the password changes."""

    __tablename__ = "login_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
