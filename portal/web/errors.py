"""One table from exception to HTTP status, and one JSON error shape for the API.

Every error the portal raises on purpose is in ``STATUS_CODES``; its message is the exception's
``user_msg`` (``user_msg_vi`` in Vietnamese), never a library's text. Views that answer an error
their own way (the sign-in page re-shows its form) register a blueprint handler, which Flask
prefers; the status stays the one in this table. Besides the table: other HTTP errors keep their
status, a write that meets a locked SQLite database answers 503 with ``Retry-After``, and
anything else is a 500 whose detail goes to the log only.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from flask import Flask, Response, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from geodata.errors import GeodataError
from geodata.problems import Problem
from layers import UnknownLayer
from portal.services.boundaries import BoundariesMissing
from portal.services.coverage import RasterNotKept
from portal.services.editing.values import EditConflict, InvalidEdit, RecordNotFound
from portal.services.errors import PermissionDenied
from portal.store.db import is_busy

log = logging.getLogger(__name__)


class BadRequest(Exception):
    """A request parameter is missing or malformed; ``field`` names it."""

    def __init__(self, user_msg: str, field: str | None = None) -> None:
        super().__init__(user_msg)
        self.user_msg = user_msg
        self.field = field


class InvalidParameter(BadRequest):
    """A well-formed parameter whose value is not one the portal knows (a layer's status)."""


class MissingResource(BadRequest):
    """A path names something that does not exist (a tile outside the zoom's grid): 404."""


STATUS_CODES: dict[type[Exception], int] = {
    BadRequest: 400,
    InvalidParameter: 422,
    MissingResource: 404,
    CSRFError: 400,
    PermissionDenied: 403,
    UnknownLayer: 404,
    RecordNotFound: 404,
    EditConflict: 409,
    BoundariesMissing: 409,  # the store lacks boundaries: the same file goes in once they exist
    RasterNotKept: 409,  # the store lacks the raster an estimate needs
    GeodataError: 422,  # ImportRejected and BoundariesRejected too
    InvalidEdit: 422,  # WorkflowViolation too
    RateLimitExceeded: 429,
}


#: Seconds a client is asked to wait when the database was busy.
RETRY_AFTER_BUSY_S = 5


def wants_json() -> bool:
    """Return whether the current request expects a JSON answer (API or ``fetch``)."""
    return (
        request.path.startswith(("/api/", "/tiles/"))
        or request.accept_mimetypes.best == "application/json"
        or request.is_json
    )


def error_body(status: int, message: str, errors: list[dict] | None = None) -> dict:
    """Return the one JSON error shape of the API."""
    return {"ok": False, "status": status, "error": message, "errors": errors or []}


def _vietnamese() -> bool:
    from portal.web.i18n import current_locale

    return current_locale() != "en"


def _user_message(exc: Exception) -> str:
    if isinstance(exc, UnknownLayer):
        return _("Unknown layer: %(layer)s", layer=exc.layer_id)
    if isinstance(exc, CSRFError):
        return _("The form has expired. Reload the page and try again.")
    if isinstance(exc, HTTPException):
        return _http_message(exc.code or 500, exc)
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
    if isinstance(exc, GeodataError | InvalidEdit) and exc.problems:
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
    503: (
        "The database is busy with another change. Nothing was saved; try again in a few "
        "seconds.",
        "Cơ sở dữ liệu đang bận với một thay đổi khác. Chưa có gì được lưu; vui lòng thử lại "
        "sau vài giây.",
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


def _extra_body(exc: Exception) -> dict:
    if isinstance(exc, EditConflict):  # the client shows both versions side by side
        return {"current": exc.current, "proposed": exc.proposed}
    if getattr(exc, "preview", None) is not None:  # a dry run's rows (ImportRejected)
        return {"preview": exc.preview}
    return {}


def _respond(status: int, message: str, errors: list[dict], extra: dict | None = None):
    if wants_json():
        return jsonify({**error_body(status, message, errors), **(extra or {})}), status
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
            return _respond(status, _user_message(exc), _field_errors(exc), _extra_body(exc))

        app.register_error_handler(exc_type, handle)

    @app.errorhandler(HTTPException)
    def handle_http(exc: HTTPException):
        status = exc.code or 500
        return _respond(status, _http_message(status, exc), [])

    @app.errorhandler(OperationalError)
    def handle_store_error(exc: OperationalError):
        if not is_busy(exc):
            return handle_crash(exc)
        # Another process holds the write lock: the transaction was rolled back whole.
        log.warning("Database busy on %s", request.path)
        en, vi = _BILINGUAL[503]
        response, status = _respond(503, vi if _vietnamese() else en, [])
        response = app.make_response((response, status))
        response.headers["Retry-After"] = str(RETRY_AFTER_BUSY_S)
        return response

    @app.errorhandler(Exception)
    def handle_crash(exc: Exception):
        # The detail goes to the log only: no exception text or traceback reaches a user.
        log.exception("Unhandled error on %s", request.path)
        return _respond(500, _("Internal error. The administrators have been told."), [])
