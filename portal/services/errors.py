"""Errors the services raise for the web layer to answer (``portal.web.errors`` maps them)."""

from __future__ import annotations


class PermissionDenied(Exception):
    """The user may not see or change this; ``user_msg`` is safe to show."""

    def __init__(self, user_msg: str) -> None:
        super().__init__(user_msg)
        self.user_msg = user_msg
