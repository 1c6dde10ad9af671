"""Personal API tokens: issued by an administrator, shown once, stored as SHA-256 only.

A token acts as its user (the user's current role and areas) on reads; it stops working when
revoked, when it expires or when the account is deactivated. The token itself is never stored
or logged: only its hash, its name, its owner and its dates.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.services.accounts import fold_username
from portal.store.api_tokens import ApiToken
from portal.store.models import utcnow
from portal.store.users import User

#: What every token starts with, so a leaked one is recognisable (secret scanners, logs).
PREFIX = "lsp_"
#: Days a token lives unless told otherwise; the most it may be given.
DEFAULT_DAYS, MAX_DAYS = 90, 3650
#: A token's last use is written at most this often (a read per request stays a read).
LAST_USED_EVERY = dt.timedelta(minutes=1)

_SHAPE = re.compile(re.escape(PREFIX) + r"[A-Za-z0-9_-]{43}")


class TokenError(ValueError):
    """A token cannot be issued, revoked or used; ``user_msg``/``user_msg_vi`` say why."""

    def __init__(self, user_msg: str, user_msg_vi: str) -> None:
        super().__init__(user_msg)
        self.user_msg = user_msg
        self.user_msg_vi = user_msg_vi


@dataclass(frozen=True)
class IssuedToken:
    """A new token: its stored row, its owner's username and the token itself, shown once."""

    row: ApiToken
    username: str
    token: str


def token_hash(token: str) -> str:
    """Return the stored form of a token (hex SHA-256).

    >>> len(token_hash("lsp_x"))
    64
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username_key == fold_username(username)))
    if user is None:
        raise TokenError(f"There is no account called {username!r}.",
                         f"Không có tài khoản tên {username!r}.")
    return user


def issue_token(session: Session, username: str, name: str = "", days: int = DEFAULT_DAYS,
                issued_by: str = "") -> IssuedToken:
    """Store the hash of a new token of ``username`` valid ``days`` days; return the token."""
    if not 1 <= days <= MAX_DAYS:
        raise TokenError(f"days must be a whole number from 1 to {MAX_DAYS}.",
                         f"Số ngày phải là số nguyên từ 1 đến {MAX_DAYS}.")
    user = _user(session, username)
    if not user.is_active:
        raise TokenError(f"The account {user.username!r} is deactivated.",
                         f"Tài khoản {user.username!r} đã bị khóa.")
    token, now = PREFIX + secrets.token_urlsafe(32), utcnow()
    row = ApiToken(user_id=user.id, name=name.strip()[:80], token_hash=token_hash(token),
                   created_at=now, created_by=issued_by[:80],
                   expires_at=now + dt.timedelta(days=days))
    session.add(row)
    session.flush()
    return IssuedToken(row, user.username, token)


def revoke_token(session: Session, token_id: int) -> ApiToken:
    """Revoke a token by its id (again: nothing changes); return its row."""
    row = session.get(ApiToken, token_id)
    if row is None:
        raise TokenError(f"There is no API token #{token_id}.",
                         f"Không có khóa API số {token_id}.")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    return row


def token_user(session: Session, token: str,
               now: dt.datetime | None = None) -> tuple[User, int]:
    """Return the active user a presented token signs in and the token's id; else TokenError.

    Notes the use (``last_used_at``, at most once per ``LAST_USED_EVERY``).
    """
    refused = TokenError("The API token is not valid: it is unknown, revoked or expired.",
                         "Khóa API không hợp lệ: không tồn tại, đã bị thu hồi hoặc hết hạn.")
    if not _SHAPE.fullmatch(token):
        raise refused
    now = now or utcnow()
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise refused
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise refused
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_EVERY:
        row.last_used_at = now
    return user, row.id


def list_tokens(session: Session) -> list[tuple[ApiToken, str]]:
    """Return every token with its owner's username, newest first."""
    rows = session.execute(
        select(ApiToken, User.username).join(User, User.id == ApiToken.user_id)
        .order_by(ApiToken.id.desc())
    )
    return [(token, username) for token, username in rows]


def token_detail(row: ApiToken, username: str, change: str) -> dict:
    """Return the loggable facts of a token (never the token or its hash)."""
    return {"username": username, "api_access": {
        "id": row.id, "name": row.name, "change": change,
        "expires_at": row.expires_at.isoformat(timespec="minutes")}}
