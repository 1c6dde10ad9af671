"""Portal accounts: creating accounts, checking passwords and sessions.

Passwords are stored as scrypt hashes (``portal.services.passwords``), never in clear. A
username is kept as typed (NFC) and is unique case-insensitively through ``username_key``.
"""

from __future__ import annotations

import hmac
import re
import secrets
import unicodedata
from collections.abc import Iterable
from functools import cache

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.services.access import ROLES
from portal.services.passwords import check_password, hash_password
from portal.store.models import Area, utcnow
from portal.store.users import LoginSession, User, password_fingerprint

#: Fewest characters a password may have.
MIN_PASSWORD_LENGTH = 10
#: Most characters a password may have (scrypt of megabytes would be a cheap denial of service).
MAX_PASSWORD_LENGTH = 1024
#: Area levels an account may be limited to: 2025 communes and the pre-2025 districts.
ACCOUNT_AREA_LEVELS = ("commune", "district")

_USERNAME = re.compile(r"[\w.@-]{2,80}")


class AccountError(ValueError):
    """An account cannot be created or changed; ``user_msg`` says why, safe to show."""

    def __init__(self, user_msg: str) -> None:
        super().__init__(user_msg)
        self.user_msg = user_msg


def normalize_username(name: str) -> str:
    """Return ``name`` stripped and in NFC, the form it is stored in.

    >>> normalize_username("  Lan.Nguyen ")
    'Lan.Nguyen'
    """
    return unicodedata.normalize("NFC", name.strip())


def fold_username(name: str) -> str:
    """Return the case-insensitive key of a username.

    >>> fold_username("ĐINH.Lập") == fold_username("đinh.lập")
    True
    """
    return unicodedata.normalize("NFC", normalize_username(name).casefold())


def check_password_strength(password: str, username: str = "") -> None:
    """Raise ``AccountError`` when ``password`` is too short, too long or the username."""
    length = len(unicodedata.normalize("NFC", password))
    if length < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")
    if length > MAX_PASSWORD_LENGTH:
        raise AccountError(f"The password must have at most {MAX_PASSWORD_LENGTH} characters.")
    if username and fold_username(password) == fold_username(username):
        raise AccountError("The password must not be the username.")


def set_password(user: User, password: str) -> None:
    """Check ``password`` and store its scrypt hash on ``user`` (the caller commits)."""
    check_password_strength(password, user.username)
    user.password_hash = hash_password(password)


def check_areas(session: Session, codes: Iterable[str]) -> list[str]:
    """Return ``codes`` deduplicated; raise ``AccountError`` naming any unknown code."""
    wanted = list(dict.fromkeys(code.strip() for code in codes if code.strip()))
    if not wanted:
        return []
    known = set(
        session.scalars(
            select(Area.code).where(
                Area.level.in_(ACCOUNT_AREA_LEVELS), Area.code.in_(wanted)
            )
        )
    )
    unknown = [code for code in wanted if code not in known]
    if unknown:
        raise AccountError(
            "Unknown area code(s): "
            + ", ".join(unknown)
            + ". Use a 2025 commune code or a pre-2025 district code."
        )
    return wanted


def create_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    areas: Iterable[str] = (),
    display_name: str | None = None,
) -> User:
    """Create an active account; raise ``AccountError`` on any bad value (the caller commits)."""
    name = normalize_username(username)
    if not _USERNAME.fullmatch(name):
        raise AccountError(
            "A username has 2 to 80 letters, digits or the characters . _ - @ (no spaces)."
        )
    if role not in ROLES:
        raise AccountError(f"Unknown role {role!r}. Known roles: {', '.join(ROLES)}.")
    codes = check_areas(session, areas)
    if role == "admin" and codes:
        raise AccountError("An admin account covers the whole province; give no area.")
    key = fold_username(name)
    if session.scalar(select(User.id).where(User.username_key == key)) is not None:
        raise AccountError(f"A user called {name!r} already exists.")
    user = User(
        username=name,
        username_key=key,
        display_name=normalize_username(display_name or name),
        role=role,
        areas=codes,
        active=True,
    )
    set_password(user, password)
    session.add(user)
    session.flush()
    return user


@cache
def _decoy_hash() -> str:
    # Checked against when the username is unknown, so both cases cost one scrypt.
    return hash_password("decoy password, never valid")


def authenticate(session: Session, username: str, password: str) -> User | None:
    """Return the active user with this username and password, or None.

    A success stamps ``last_login_at`` (the caller commits).
    """
    if len(password) > MAX_PASSWORD_LENGTH:
        return None
    user = session.scalar(select(User).where(User.username_key == fold_username(username)))
    if user is None:
        check_password(_decoy_hash(), password)
        return None
    if not check_password(user.password_hash, password) or not user.is_active:
        return None
    user.last_login_at = utcnow()
    return user


def open_login_session(session: Session, user: User) -> str:
    """Record a new sign-in of ``user`` and set it on the object; return its id."""
    token = secrets.token_urlsafe(32)
    session.add(LoginSession(id=token, user_id=user.id))
    user.session_token = token
    return token


def revoke_login_session(session: Session, token: str | None) -> None:
    """End one sign-in on the server: its cookie no longer signs anyone in."""
    if token:
        session.execute(
            update(LoginSession)
            .where(LoginSession.id == token, LoginSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )


def load_session_user(session: Session, session_id: str) -> User | None:
    """Return the active user a ``User.get_id()`` value points to, or None when it is stale.

    Stale: the account is gone or inactive, its password changed, or the sign-in was revoked.
    """
    row_id, fingerprint, token = (session_id.split(":") + ["", ""])[:3]
    if not row_id.isdigit() or not token:
        return None
    user = session.get(User, int(row_id))
    if user is None or not user.is_active:
        return None
    if not hmac.compare_digest(password_fingerprint(user.password_hash), fingerprint):
        return None
    sign_in = session.get(LoginSession, token)
    if sign_in is None or sign_in.user_id != user.id or sign_in.revoked_at is not None:
        return None
    user.session_token = token
    return user
