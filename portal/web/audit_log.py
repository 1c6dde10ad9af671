"""The audit log inside requests: each request's client address, and events with no change."""

from __future__ import annotations

from typing import Any

from flask import Flask, g, request
from flask_login import current_user

from portal.services import audit
from portal.web.database import get_database


def record_now(action: str, **kwargs: Any) -> None:
    """Write one event in its own transaction (sign-out, exports: no other change to join)."""
    with get_database().transaction() as session:
        audit.record(session, action, **kwargs)


def _remember_client() -> None:
    g.audit_ip_token = audit.CLIENT_IP.set(request.remote_addr)


def _forget_client(_exc: BaseException | None) -> None:
    token = g.pop("audit_ip_token", None)
    if token is not None:
        audit.CLIENT_IP.reset(token)


def init_app(app: Flask) -> None:
    """Give every audit event written during a request that request's client address."""
    app.before_request(_remember_client)
    app.teardown_request(_forget_client)


def personal_read(
    layer_id: str, feature_ids: list[int], what: str, feature: Any = None, **extra: Any
) -> None:
    """Log, in its own transaction, that the signed-in user was shown these personal records.

    Nothing is written when ``feature_ids`` is empty (no personal record was shown). A read
    through a personal API token names the token (``api_access``: its number on the accounts
    page), so that a leaked token's reads can be told from the account's own.
    """
    if not feature_ids:
        return
    if g.get("api_token_id") is not None:
        extra = {**extra, "api_access": g.api_token_id}
    with get_database().transaction() as session:
        audit.record_personal_read(
            session, actor=getattr(current_user, "username", None), layer_id=layer_id,
            feature_ids=list(feature_ids), what=what, extra=extra,
            feature=feature,
        )
