"""One table from exception to HTTP status, and one JSON error shape for the API."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from flask import Flask, Response, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from geodata.errors import GeodataError
from geodata.problems import Problem
from layers import UnknownLayer

log = logging.getLogger(__name__)


class PermissionDenied(Exception):
    """The user may not see or change this."""

    def __init__(self, user_msg: str) -> None:
        super().__init__(user_msg)
        self.user_msg = user_msg


class BadRequest(Exception):
    """A request parameter is missing or malformed; ``field`` names it."""

    def __init__(self, user_msg: str, field: str | None = None) -> None:
        super().__init__(user_msg)
        self.user_msg = user_msg
        self.field = field


STATUS_CODES: dict[type[Exception], int] = {
    UnknownLayer: 404,
    PermissionDenied: 403,
    BadRequest: 400,
    GeodataError: 422,
}


def error_body(status: int, message: str, errors: list[dict] | None = None) -> dict:
    """Return the one JSON error shape of the API."""
    return {"ok": False, "status": status, "error": message, "errors": errors or []}


def _vietnamese() -> bool:
    from portal.web.i18n import current_locale

    return current_locale() != "en"


def _user_message(exc: Exception) -> str:
    if isinstance(exc, UnknownLayer):
        return _("Unknown layer: %(layer)s", layer=exc.layer_id)
    # The spatial core speaks English in ``user_msg`` and Vietnamese in ``user_msg_vi``.
    if _vietnamese() and getattr(exc, "user_msg_vi", None):
        return exc.user_msg_vi
    return getattr(exc, "user_msg", None) or _("The request could not be handled.")


def row_errors(problems: Sequence[Problem]) -> list[dict]:
    """Return problems in the API's error shape, in the request's language."""
    vietnamese = _vietnamese()
    return [
        {
            "row": p.row,
            "field": p.field,
            "value": p.value,
            "message": p.message_vi if vietnamese else p.message_en,
        }
        for p in problems
    ]


def _field_errors(exc: Exception) -> list[dict]:
    """Return the problems behind an error, or the one field it names, in the API's shape."""
    if isinstance(exc, GeodataError) and exc.problems:
        return row_errors(exc.problems)
    if isinstance(exc, GeodataError | BadRequest) and exc.field is not None:
        row = exc.row if isinstance(exc, GeodataError) else None
        return [{"row": row, "field": exc.field, "message": _user_message(exc)}]
    return []


# Messages written in both languages here rather than in the catalogue, so that a 413 or 429
# answer is translated even before the catalogue is updated.
_BILINGUAL = {
    413: (
        "The file is larger than the limit of %(mb)s MB.",
        "Tệp lớn hơn giới hạn %(mb)s MB.",
    ),
    429: (
        "Too many requests. Wait a minute, then try again.",
        "Quá nhiều yêu cầu. Vui lòng chờ một phút rồi thử lại.",
    ),
}


def _http_message(status: int, exc: HTTPException) -> str:
    """Return our own message for an HTTP error: never the exception's description."""
    if status in _BILINGUAL:
        en, vi = _BILINGUAL[status]
        limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
        return (vi if _vietnamese() else en) % {"mb": f"{limit / 2**20:g}"}
    messages = {
        400: _("The request could not be handled."),
        401: _("Sign in to continue."),
        403: _("You do not have permission to do this."),
        404: _("Page not found."),
        405: _("Method not allowed."),
    }
    if status >= 500:
        return _("Internal error. The administrators have been told.")
    return messages.get(status, exc.name)


def _respond(status: int, message: str, errors: list[dict]):
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return jsonify(error_body(status, message, errors)), status
    try:
        return render_template("error.html", status=status, message=message), status
    except Exception:  # the page itself failed (database down?): a bare page, still no detail
        log.exception("The error page failed on %s", request.path)
        return Response(_BARE_PAGE.format(status=status), status, mimetype="text/html")


_BARE_PAGE = (
    "<!doctype html><html lang=\"vi\"><meta charset=\"utf-8\"><title>{status}</title>"
    "<h1>Lỗi {status} / Error {status}</h1></html>"
)


def register_error_handlers(app: Flask) -> None:
    """Map every known exception, HTTP errors and crashes onto one response shape."""
    for exc_type, status in STATUS_CODES.items():

        def handle(exc: Exception, status: int = status):
            return _respond(status, _user_message(exc), _field_errors(exc))

        app.register_error_handler(exc_type, handle)

    @app.errorhandler(HTTPException)
    def handle_http(exc: HTTPException):
        status = exc.code or 500
        return _respond(status, _http_message(status, exc), [])

    @app.errorhandler(Exception)
    def handle_crash(exc: Exception):
        # The detail goes to the log only: no exception text or traceback reaches a user.
        log.exception("Unhandled error on %s", request.path)
        return _respond(500, _("Internal error. The administrators have been told."), [])
