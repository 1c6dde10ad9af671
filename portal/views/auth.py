"""Signing in and out: the ``auth`` blueprint (``/login``, ``/logout``)."""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter import RateLimitExceeded
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError

from portal.services import audit
from portal.services.accounts import authenticate, open_login_session, revoke_login_session
from portal.store.users import User
from portal.web.audit_log import record_now
from portal.web.auth import clean_for_log, login_limiter, safe_next, typed_username
from portal.web.database import get_database
from portal.web.forms import LoginForm

log = logging.getLogger(__name__)

blueprint = Blueprint("auth", __name__)


def register(app: Flask) -> None:
    """Register the blueprint on ``app``, with the sign-in rate limit on ``POST /login``."""
    limiter, rate = login_limiter(app)
    limiter.limit(
        rate, methods=["POST"], exempt_when=lambda: request.endpoint != "auth.login"
    )(blueprint)
    app.register_blueprint(blueprint)


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
            with get_database().transaction() as db_session:
                open_login_session(db_session, user)
            login_user(user)
            return redirect(target)
    error = _("Wrong username or password.") if request.method == "POST" else None
    return _login_page(form, error)


@blueprint.post("/logout")
def logout():
    """Sign out and go back to the map."""
    if current_user.is_authenticated:
        log.info("Sign-out: %r (user %s)", current_user.username, current_user.id)
        record_now("logout", actor=current_user.username)
        with get_database().transaction() as db_session:
            revoke_login_session(db_session, current_user.session_token)
    logout_user()
    session.clear()
    return redirect(url_for("maps.index"))


@blueprint.errorhandler(RateLimitExceeded)
def too_many_attempts(_exc: RateLimitExceeded):
    """Answer a rate-limited sign-in with the form and 429."""
    log.warning("Sign-in rate limit reached: %r from %s", typed_username(), request.remote_addr)
    record_now("login_failed", actor=typed_username(),
               detail={"username": typed_username(), "rate_limited": True})
    message = _("Too many sign-in attempts. Wait a minute, then try again.")
    return _login_page(LoginForm(formdata=None), message, 429)


@blueprint.errorhandler(CSRFError)
def form_expired(_exc: CSRFError):
    """Answer a sign-in without a valid CSRF token with 400 and a fresh form."""
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
    with get_database().transaction() as db_session:
        user = authenticate(db_session, username, password)
        if user is None:
            audit.record(db_session, "login_failed", actor=clean_for_log(username),
                         detail={"username": clean_for_log(username)})
        else:
            audit.record(db_session, "login_ok", actor=user.username)
    if user is None:
        log.warning("Sign-in failed: %r from %s", clean_for_log(username), request.remote_addr)
    else:
        log.info("Sign-in: %r (user %s, %s) from %s", user.username, user.id, user.role,
                 request.remote_addr)
    return user
