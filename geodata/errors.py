"""Errors raised by the spatial core, each with a row, a field and a safe user message."""

from __future__ import annotations


class GeodataError(Exception):
    """Base of every data error a user can fix; ``user_msg`` is safe to show."""

    def __init__(self, user_msg: str, *, row: int | None = None, field: str | None = None) -> None:
        super().__init__(user_msg)
        self.user_msg = user_msg
        self.row = row
        self.field = field


class InvalidCRS(GeodataError):
    """A coordinate reference system is missing, unknown or wrong for the data."""


class MissingField(GeodataError):
    """A required column or attribute is absent."""


class InvalidGeometry(GeodataError):
    """A geometry is empty, broken or outside the province."""


class LegacyEncoding(GeodataError):
    """Text is in a legacy Vietnamese encoding that could not be decided."""
