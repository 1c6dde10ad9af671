"""Sessions, CSRF and the sign-in rate limit; guarding views by role.

``init_app`` sets up Flask-Login (sessions), Flask-WTF's ``CSRFProtect`` (every POST, PUT, PATCH
and DELETE needs a token: the form field, or the ``X-CSRFToken`` header for ``fetch()``),
Flask-Limiter (applied to ``POST /login`` by ``portal.views.auth``) and the session cookie's
flags. What each role may do is decided in ``portal.services.access``; here it is enforced on
requests.

``Authorization: Bearer <token>`` (a personal API token, ``portal.services.api_tokens``) signs
a request in as the token's user through Flask-Login's request loader, for reads only: a token
is checked before CSRF, a bad, revoked or expired one answers 401, and a write carrying one
answers 403 (tokens feed GIS clients and scripts; editing stays with signed-in sessions, which
CSRF protects).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_limiter import Limiter
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect
from limits import parse_many

from portal.services.access import ROLES, signed_in
from portal.services.accounts import fold_username, load_session_user
from portal.services.api_tokens import TokenError, token_user
from portal.services.errors import PermissionDenied
from portal.settings import SettingsError
from portal.store.users import User
from portal.web.database import get_database, get_session
from portal.web.errors import error_body, wants_json
from portal.web.i18n import current_locale

#: Used until PortalSettings has ``login_rate_limit``; the same value as its default.
DEFAULT_LOGIN_RATE_LIMIT = "5 per minute; 30 per hour"

ROLE_LABELS = {
    "admin": lazy_gettext("Administrator"),
    "planner": lazy_gettext("Planner"),
    "industry_editor": lazy_gettext("Industry editor"),
    "border_editor": lazy_gettext("Border economy editor"),
    "tourism_editor": lazy_gettext("Tourism editor"),
    "telecom_editor": lazy_gettext("Telecom editor"),
    "housing_editor": lazy_gettext("Housing editor"),
    "viewer": lazy_gettext("Viewer"),
}


def role_label(role: str) -> str:
    """Return the translated name of ``role`` (the id itself when unknown)."""
    return str(ROLE_LABELS.get(role, role))


def require_roles(*roles: str) -> Callable:
    """Guard a view: anonymous users must sign in, other roles get 403 (admins always pass).

    Anonymous page requests are sent to ``/login?next=...``; anonymous API requests get 401
    with the API's JSON error shape (Flask-Login's unauthorized handler, set in ``init_app``).
    """
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"Unknown role(s): {sorted(unknown)}")
    allowed = frozenset(roles) | {"admin"}

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not signed_in(current_user):
                return current_app.login_manager.unauthorized()
            if current_user.role not in allowed:
                raise PermissionDenied(_("You do not have permission to do this."))
            return current_app.ensure_sync(view)(*args, **kwargs)

        return guarded

    return decorate


def safe_next(target: str | None) -> str:
    """Return ``target`` when it is a path on this site, else the map's address.

    Refuses absolute and scheme-relative URLs, backslashes and control characters, which
    browsers may turn into another host (a backslash after the slash, a tab between slashes).
    """
    fallback = url_for("maps.index")
    if not target or not target.startswith("/") or target.startswith("//"):
        return fallback
    if "\\" in target or any(unicodedata.category(c)[0] in "CZ" and c != " " for c in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    return target


def clean_for_log(text: str | None, limit: int = 80) -> str:
    """Return typed text cut short and on one line, fit for the logs."""
    return "".join(c for c in (text or "")[:limit] if c.isprintable())


def typed_username() -> str:
    """Return the username typed into the sign-in form, cleaned for the logs."""
    return clean_for_log(request.form.get("username"))


def login_rate_key() -> str:
    """Return the rate-limit key of a sign-in attempt: client address and username."""
    return f"{request.remote_addr}|{fold_username(typed_username())}"


def login_limiter(app: Flask) -> tuple[Limiter, str]:
    """Return the app's limiter and the sign-in rate limit it applies."""
    state = app.extensions["portal_auth"]
    return state["limiter"], state["login_rate_limit"]


def _load_user(session_id: str) -> User | None:
    return load_session_user(get_session(), session_id)


#: Methods a personal API token may be used with.
TOKEN_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def bearer_token() -> str | None:
    """Return the token of an ``Authorization: Bearer ...`` header ("" when garbled), else None.

    Other schemes (a reverse proxy's Basic authentication) are not the portal's and are ignored.
    """
    scheme, _sep, value = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip()


def _token_refused(status: int, exc: TokenError) -> Any:
    message = exc.user_msg_vi if current_locale() != "en" else exc.user_msg
    response = jsonify(error_body(status, message))
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _nameless_form_part() -> bool:
    """Tell whether a form has a part without a name (Flask-WTF's CSRF check fails on it)."""
    if request.method in TOKEN_METHODS or request.mimetype != "multipart/form-data":
        return False
    return None in request.form or None in request.files


def _before_csrf() -> Any:
    """Refuse a malformed form and resolve a presented API token before the CSRF check."""
    if _nameless_form_part():
        abort(400)
    token = bearer_token()
    if token is None:
        return None
    if request.method not in TOKEN_METHODS:
        return _token_refused(403, TokenError(
            "An API token can only read; sign in to change data.",
            "Khóa API chỉ dùng để đọc; hãy đăng nhập để thay đổi dữ liệu."))
    try:
        with get_database().transaction() as session:
            user, g.api_token_id = token_user(session, token)
            g.api_token_user_id = user.id
    except TokenError as exc:
        return _token_refused(401, exc)
    return None


def _load_token_user(_request: Any) -> User | None:
    user_id = g.get("api_token_user_id")
    return get_session().get(User, user_id) if user_id is not None else None


def _answer_unauthorized():
    if wants_json():
        return jsonify(error_body(401, _("Sign in to continue."))), 401
    path = request.full_path if request.query_string else request.path
    return redirect(url_for("auth.login", next=path))


def _setting(app: Flask, name: str, default: Any) -> Any:
    return getattr(app.config["PORTAL_SETTINGS"], name, default)


def _login_rate_limit(app: Flask) -> str:
    value = _setting(app, "login_rate_limit", DEFAULT_LOGIN_RATE_LIMIT)
    try:
        parse_many(value)
    except ValueError:
        raise SettingsError(
            f"Cấu hình không hợp lệ / Invalid settings: PORTAL_LOGIN_RATE_LIMIT={value!r}: "
            "hint: e.g. '5 per minute; 30 per hour'"
        ) from None
    return value


def init_app(app: Flask) -> None:
    """Set up sessions, CSRF protection, the rate limiter and cookie flags on ``app``."""
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=bool(_setting(app, "secure_cookies", False)),
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=bool(_setting(app, "secure_cookies", False)),
    )
    # Pages stay open for hours and edit with fetch(): the token lives as long as the session.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)

    manager = LoginManager()
    manager.init_app(app)
    manager.session_protection = "strong"
    manager.login_view = "auth.login"
    manager.user_loader(_load_user)
    manager.unauthorized_handler(_answer_unauthorized)
    manager.request_loader(_load_token_user)

    app.before_request(_before_csrf)  # before CSRFProtect's check: a token write is a 403
    CSRFProtect(app)

    # One limiter per app, so its counters belong to this app; with PORTAL_REDIS_URL every
    # worker and host counts in the same Redis (in memory while Redis does not answer).
    redis_url = _setting(app, "redis_url", "")
    limiter = Limiter(
        key_func=login_rate_key,
        app=app,
        storage_uri=redis_url or app.config.get("RATELIMIT_STORAGE_URI", "memory://"),
        storage_options={"socket_timeout": 0.5, "socket_connect_timeout": 0.5}
        if redis_url else {},
        in_memory_fallback_enabled=bool(redis_url),
        key_prefix="portal",
        strategy="moving-window",
        headers_enabled=True,
    )

    @app.context_processor
    def auth_context() -> dict:
        return {"current_user": current_user, "role_label": role_label}

    app.extensions["portal_auth"] = {
        "login_manager": manager,
        "limiter": limiter,
        "login_rate_limit": _login_rate_limit(app),
    }
