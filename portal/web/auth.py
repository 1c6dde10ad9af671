"""Signing in and out: the ``auth`` blueprint and ``init_app``.

``init_app`` sets up Flask-Login (sessions), Flask-WTF's ``CSRFProtect`` (every POST, PUT, PATCH
and DELETE needs a token: the form field, or the ``X-CSRFToken`` header for ``fetch()``),
Flask-Limiter on ``POST /login`` and the session cookie's flags.
"""

from __future__ import annotations

import logging
import unicodedata
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter import Limiter, RateLimitExceeded
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from limits import parse_many

from portal.services.access import require_roles, role_label, wants_json
from portal.services.accounts import User, authenticate, fold_username, load_session_user
from portal.settings import SettingsError
from portal.web.database import get_database, get_session
from portal.web.errors import error_body
from portal.web.forms import LoginForm

__all__ = ["blueprint", "init_app", "require_roles", "safe_next"]

log = logging.getLogger(__name__)

blueprint = Blueprint("auth", __name__)

#: Used until PortalSettings has ``login_rate_limit``; the same value as its default.
DEFAULT_LOGIN_RATE_LIMIT = "5 per minute; 30 per hour"


# --- views --------------------------------------------------------------------------------------


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    """Show the sign-in form; a right username and password sign in and go to ``next``."""
    target = safe_next(request.args.get("next"))
    if request.method == "GET" and current_user.is_authenticated:
        return redirect(target)
    form = LoginForm()
    if form.validate_on_submit():
        user = _check_credentials(form.username.data, form.password.data)
        if user is not None:
            session.clear()  # nothing from before the sign-in survives it
            login_user(user)
            return redirect(target)
    error = _("Wrong username or password.") if request.method == "POST" else None
    return _login_page(form, error)


@blueprint.post("/logout")
def logout():
    """Sign out and go back to the map."""
    if current_user.is_authenticated:
        log.info("Sign-out: %r (user %s)", current_user.username, current_user.id)
        from portal.services import audit

        audit.record_now("logout", actor=current_user.username)
    logout_user()
    session.clear()
    return redirect(url_for("maps.index"))


@blueprint.errorhandler(RateLimitExceeded)
def too_many_attempts(_exc: RateLimitExceeded):
    """Answer a rate-limited sign-in with the form and 429."""
    log.warning(
        "Sign-in rate limit reached: %r from %s", _typed_username(), request.remote_addr
    )
    from portal.services import audit

    audit.record_now("login_failed", actor=_typed_username(),
                     detail={"username": _typed_username(), "rate_limited": True})
    message = _("Too many sign-in attempts. Wait a minute, then try again.")
    return _login_page(LoginForm(formdata=None), message, 429)


def form_expired(_exc: CSRFError):
    """Answer a POST without a valid CSRF token with 400: a fresh form on the sign-in page."""
    if request.endpoint != "auth.login":
        message = _("The form has expired. Reload the page and try again.")
        if wants_json():
            return jsonify(error_body(400, message)), 400
        return render_template("error.html", status=400, message=message), 400
    message = _("The form has expired. Please sign in again.")
    return _login_page(LoginForm(formdata=None), message, 400)


def _login_page(form: LoginForm, error: str | None, status: int = 200):
    next_path = request.args.get("next")
    return (
        render_template(
            "auth/login.html",
            form=form,
            error=error,
            next_path=safe_next(next_path) if next_path else None,
        ),
        status,
    )


def _check_credentials(username: str, password: str) -> User | None:
    from portal.services import audit

    with get_database().transaction() as db_session:
        user = authenticate(db_session, username, password)
        if user is None:
            audit.record(db_session, "login_failed", actor=_clean(username),
                         detail={"username": _clean(username)})
        else:
            audit.record(db_session, "login_ok", actor=user.username)
    if user is None:
        log.warning("Sign-in failed: %r from %s", _clean(username), request.remote_addr)
    else:
        log.info("Sign-in: %r (user %s, %s) from %s", user.username, user.id, user.role,
                 request.remote_addr)
    return user


# --- helpers ------------------------------------------------------------------------------------


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


def _clean(text: str | None, limit: int = 80) -> str:
    # Typed usernames reach the logs; cut them short and keep them on one line.
    return "".join(c for c in (text or "")[:limit] if c.isprintable())


def _typed_username() -> str:
    return _clean(request.form.get("username"))


def login_rate_key() -> str:
    """Return the rate-limit key of a sign-in attempt: client address and username."""
    return f"{request.remote_addr}|{fold_username(_typed_username())}"


def _load_user(session_id: str) -> User | None:
    return load_session_user(get_session(), session_id)


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
            f"Invalid settings: PORTAL_LOGIN_RATE_LIMIT={value!r}: "
            "hint: e.g. '5 per minute; 30 per hour'"
        ) from None
    return value


# --- setup --------------------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    """Set up sessions, CSRF protection, the sign-in rate limit and cookie flags on ``app``."""
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

    CSRFProtect(app)
    app.register_error_handler(CSRFError, form_expired)

    # One limiter per app, so its counters belong to this app; PORTAL_FLASK_RATELIMIT_STORAGE_URI
    # may point every worker at one shared store (e.g. Redis).
    limiter = Limiter(
        key_func=login_rate_key,
        app=app,
        storage_uri=app.config.get("RATELIMIT_STORAGE_URI", "memory://"),
        strategy="moving-window",
        headers_enabled=True,
    )
    limiter.limit(
        _login_rate_limit(app),
        methods=["POST"],
        exempt_when=lambda: request.endpoint != "auth.login",
    )(blueprint)

    @app.context_processor
    def auth_context() -> dict:
        return {"current_user": current_user, "role_label": role_label}

    app.extensions["portal_auth"] = {"login_manager": manager, "limiter": limiter}
