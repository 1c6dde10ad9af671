"""Administration: the audit log, accounts and their personal API tokens.

The audit log: filter, CSV, revert. Accounts: create, change, deactivate. API tokens: issue
(shown once, on the answer of the form only), revoke.

Every route is for administrators only (``before_request``). Each account change writes its
audit event in the same transaction as the change.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import IntegerField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional

from layers import CATALOGUE
from portal.services import api_tokens, audit
from portal.services.access import ROLES
from portal.services.accounts import (
    MAX_PASSWORD_LENGTH,
    AccountError,
    check_areas,
    check_password_strength,
    create_user,
)
from portal.services.revert import RevertRefused, revert
from portal.store.models import Area, utcnow
from portal.store.users import User
from portal.web import params
from portal.web.auth import require_roles, role_label, safe_next
from portal.web.database import get_database, get_session
from portal.web.i18n import current_locale

blueprint = Blueprint("admin", __name__, url_prefix="/admin")

PER_PAGE = 50


@blueprint.before_request
@require_roles("admin")
def admins_only() -> None:
    """Let administrators through; others sign in (anonymous) or get 403."""
    return None


# --- audit log ----------------------------------------------------------------------------------


def _optional_date(name: str) -> dt.date | None:
    value = request.args.get(name)
    return params.parse_date(value, field=name) if value else None


def _audit_filter() -> audit.AuditFilter:
    action = request.args.get("action") or None
    layer = request.args.get("layer") or None
    return audit.AuditFilter(
        action=action if action in audit.ACTIONS_BY_ID else None,
        actor=(request.args.get("actor") or "").strip() or None,
        layer_id=layer if layer in {lay.id for lay in CATALOGUE} else None,
        date_from=_optional_date("from"),
        date_to=_optional_date("to"),
        text=(request.args.get("q") or "").strip() or None,
    )


def _filter_args() -> dict[str, str]:
    keys = ("action", "actor", "layer", "from", "to", "q")
    return {k: request.args[k] for k in keys if request.args.get(k)}


@blueprint.get("/audit")
def audit_log():
    """Show the audit log, newest first, filtered and paginated, with revert buttons."""
    page = params.integer("page", 1, 1, 1_000_000)
    events, total = audit.list_events(get_session(), _audit_filter(), page, PER_PAGE)
    return render_template(
        "admin/audit.html",
        events=events,
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        filters=_filter_args(),
        actions=audit.ACTIONS,
        revertible=audit.REVERTIBLE,
        action_label=audit.action_label,
        locale=current_locale(),
    )


@blueprint.get("/audit.csv")
def audit_csv() -> Response:
    """Download the filtered audit log as CSV."""
    content = audit.events_csv(get_session(), _audit_filter(), current_locale())
    response = Response(content, mimetype="text/csv; charset=utf-8")
    stamp = dt.date.today().isoformat()
    response.headers["Content-Disposition"] = f'attachment; filename="audit_{stamp}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.post("/audit/<int:event_id>/revert")
def revert_event(event_id: int):
    """Revert one logged edit as a new change, then go back to the log."""
    back = safe_next(request.form.get("next")) if request.form.get("next") else None
    try:
        with get_database().transaction() as session:
            user = session.get(User, current_user.id)
            event = revert(session, event_id, user, request.form.get("reason", ""))
            message = _("Event #%(old)s reverted (event #%(new)s).", old=event_id, new=event.id)
        flash(message, "success")
    except RevertRefused as exc:
        flash(exc.message(current_locale()), "danger")
    return redirect(back or url_for("admin.audit_log"))


# --- accounts -----------------------------------------------------------------------------------


class UserCreateForm(FlaskForm):
    """A new account: username, display name, role, areas and the password twice."""

    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)])
    display_name = StringField(_l("Display name"), validators=[Optional(), Length(max=120)])
    role = SelectField(_l("Role"), choices=[], default="viewer")
    areas = SelectMultipleField(_l("Areas (none: the whole province)"), choices=[])
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)],
        render_kw={"autocomplete": "new-password"},
    )
    password_again = PasswordField(
        _l("Password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class UserUpdateForm(FlaskForm):
    """An account's role and areas."""

    role = SelectField(_l("Role"), choices=[])
    areas = SelectMultipleField(_l("Areas (none: the whole province)"), choices=[])


def _area_choices() -> dict[str, list[tuple[str, str]]]:
    rows = get_session().execute(
        select(Area.level, Area.code, Area.name)
        .where(Area.level.in_(("commune", "district")))
        .order_by(Area.level, Area.name_ascii, Area.name)
    ).all()
    groups = {
        "commune": str(_("Communes and wards (from 1 July 2025)")),
        "district": str(_("Districts (until 30 June 2025)")),
    }
    choices: dict[str, list[tuple[str, str]]] = {label: [] for label in groups.values()}
    for level, code, name in rows:
        choices[groups[level]].append((code, f"{name} ({code})"))
    return choices


def _prepare(form: UserCreateForm | UserUpdateForm) -> Any:
    form.role.choices = [(r, role_label(r)) for r in ROLES]
    form.areas.choices = _area_choices()
    return form


def _area_names() -> dict[str, str]:
    return {code: name for group in _area_choices().values() for code, name in group}


#: The token form's field prefix: its fields must not share ids with the account form's.
TOKEN_FORM = "token"


class TokenIssueForm(FlaskForm):
    """A new personal API token: whose, what for, for how many days."""

    username = SelectField(_l("Account"), choices=[])
    name = StringField(_l("What it is for"), validators=[Optional(), Length(max=80)])
    days = IntegerField(_l("Days until it expires"), default=api_tokens.DEFAULT_DAYS,
                        validators=[DataRequired(), NumberRange(1, api_tokens.MAX_DAYS)])


def _users_page(form: UserCreateForm, token_form: TokenIssueForm, status: int,
                issued: api_tokens.IssuedToken | None = None):
    session = get_session()
    listed = session.scalars(select(User).order_by(User.username_key)).all()
    token_form.username.choices = [(u.username, u.username) for u in listed if u.active]
    page = render_template(
        "admin/users.html", form=form, users=listed, area_names=_area_names(),
        token_form=token_form, tokens=api_tokens.list_tokens(session), issued=issued,
        now=utcnow(),
    )
    return page, status, {"Cache-Control": "no-store"}


@blueprint.post("/tokens")
def issue_token():
    """Issue an API token and show it once, on this answer only (never flashed or logged)."""
    token_form = TokenIssueForm(prefix=TOKEN_FORM)
    token_form.username.choices = [(n, n) for n in get_session().scalars(select(User.username))]
    if not token_form.validate_on_submit():
        return _users_page(_prepare(UserCreateForm(formdata=None)), token_form, 400)
    try:
        with get_database().transaction() as session:
            issued = api_tokens.issue_token(
                session, token_form.username.data, token_form.name.data or "",
                token_form.days.data, issued_by=current_user.username)
            audit.record(session, "user_update", actor=current_user.username,
                         detail=api_tokens.token_detail(issued.row, issued.username, "issued"))
    except api_tokens.TokenError as exc:
        message = exc.user_msg if current_locale() == "en" else exc.user_msg_vi
        token_form.username.errors = [*token_form.username.errors, message]
        return _users_page(_prepare(UserCreateForm(formdata=None)), token_form, 400)
    fresh = TokenIssueForm(formdata=None, prefix=TOKEN_FORM)
    return _users_page(_prepare(UserCreateForm(formdata=None)), fresh, 201, issued)


@blueprint.post("/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int):
    """Revoke an API token: it answers 401 from now on."""
    try:
        with get_database().transaction() as session:
            row = api_tokens.revoke_token(session, token_id)
            owner = session.get(User, row.user_id)
            audit.record(session, "user_update", actor=current_user.username,
                         detail=api_tokens.token_detail(row, owner.username, "revoked"))
        flash(_("API token #%(id)s revoked.", id=token_id), "success")
    except api_tokens.TokenError:
        abort(404)
    return redirect(url_for("admin.users", _anchor="api-tokens"))


@blueprint.route("/users", methods=["GET", "POST"])
def users():
    """List the accounts; create one from the form (the password is stored hashed)."""
    form = _prepare(UserCreateForm())
    if form.validate_on_submit():
        try:
            with get_database().transaction() as session:
                check_password_strength(form.password.data, form.username.data)
                user = create_user(
                    session, form.username.data, form.password.data, form.role.data,
                    areas=form.areas.data, display_name=form.display_name.data or None,
                )
                audit.record(
                    session, "user_create", actor=current_user.username,
                    detail=audit.user_detail(user),
                )
                name = user.username
            flash(_("Account %(name)s created.", name=name), "success")
            return redirect(url_for("admin.users"))
        except AccountError as exc:
            form.username.errors = [*form.username.errors, exc.user_msg]
    status = 400 if request.method == "POST" else 200
    return _users_page(form, TokenIssueForm(formdata=None, prefix=TOKEN_FORM), status)


def _other_active_admins(session, user: User) -> int:
    return session.scalar(
        select(func.count()).select_from(User).where(
            User.role == "admin", User.active.is_(True), User.id != user.id
        )
    ) or 0


def _refuse_lockout(session, user: User, role: str, active: bool) -> None:
    """Keep one active administrator: nobody demotes or deactivates the last one."""
    losing_admin = user.role == "admin" and user.active and (role != "admin" or not active)
    if losing_admin and not _other_active_admins(session, user):
        raise AccountError(_("The portal needs at least one active administrator."))
    if user.id == current_user.id and losing_admin:
        raise AccountError(_("You cannot remove your own administrator rights."))


def _get_user(session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@blueprint.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int):
    """Change an account's role and areas."""
    shown = _get_user(get_session(), user_id)
    form = _prepare(UserUpdateForm(obj=shown) if request.method == "GET" else UserUpdateForm())
    if form.validate_on_submit():
        try:
            with get_database().transaction() as session:
                _update_user(session, user_id, form.role.data, form.areas.data)
            flash(_("Account %(name)s changed.", name=shown.username), "success")
            return redirect(url_for("admin.users"))
        except AccountError as exc:
            form.role.errors = [*form.role.errors, exc.user_msg]
    status = 400 if request.method == "POST" else 200
    return render_template("admin/user_edit.html", form=form, user=shown), status


def _update_user(session, user_id: int, role: str, areas: list[str]) -> None:
    user = _get_user(session, user_id)
    if role not in ROLES:
        raise AccountError(_("Unknown role %(role)s.", role=role))
    codes = check_areas(session, areas)
    if role == "admin" and codes:
        raise AccountError(_("An admin account covers the whole province; give no area."))
    _refuse_lockout(session, user, role, user.active)
    before = audit.user_detail(user)
    user.role, user.areas = role, codes
    audit.record(
        session, "user_update", actor=current_user.username,
        detail={"username": user.username, "before": before, "after": audit.user_detail(user)},
    )


@blueprint.post("/users/<int:user_id>/active")
def set_active(user_id: int):
    """Deactivate an account (its sessions end at once) or reactivate it."""
    active = request.form.get("active") == "1"
    try:
        with get_database().transaction() as session:
            user = _get_user(session, user_id)
            _refuse_lockout(session, user, user.role, active)
            before = audit.user_detail(user)
            user.active = active
            audit.record(
                session, "user_update" if active else "user_deactivate",
                actor=current_user.username,
                detail={"username": user.username, "before": before,
                        "after": audit.user_detail(user)},
            )
            name = user.username
        if active:
            flash(_("Account %(name)s reactivated.", name=name), "success")
        else:
            flash(_("Account %(name)s deactivated.", name=name), "success")
    except AccountError as exc:
        flash(exc.user_msg, "danger")
    return redirect(url_for("admin.users"))
