"""Sign-in form (Flask-WTF: it carries the CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from portal.services.accounts import MAX_PASSWORD_LENGTH


class LoginForm(FlaskForm):
    """Username and password; which of the two is wrong is never said."""

    username = StringField(
        _l("Username"),
        validators=[DataRequired(), Length(max=80)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
