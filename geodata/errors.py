"""Errors raised by the spatial core, each with a row, a field and a safe user message."""

from __future__ import annotations

from collections.abc import Sequence

from geodata.problems import Problem


class GeodataError(Exception):
    """Base of every data error a user can fix; ``user_msg`` is safe to show.

    ``problems`` lists every :class:`~geodata.problems.Problem` behind the error, when there are
    several (a file rejected as a whole); empty otherwise.
    """

    def __init__(
        self,
        user_msg: str,
        *,
        row: int | None = None,
        field: str | None = None,
        problems: Sequence[Problem] = (),
    ) -> None:
        super().__init__(user_msg)
        self.user_msg = user_msg
        self.row = row
        self.field = field
        self.problems = list(problems)

    @classmethod
    def from_problem(cls, problem: Problem, problems: Sequence[Problem] = ()) -> GeodataError:
        """Return an error worded as ``problem`` (``user_msg_vi`` too), carrying ``problems``."""
        error = cls(problem.message_en, row=problem.row, field=problem.field, problems=problems)
        error.user_msg_vi = problem.message_vi  # type: ignore[attr-defined]
        return error


class BilingualError(GeodataError):
    """An error the raising code words itself, in English (``user_msg``) and Vietnamese.

    ``field`` names what is wrong (a form field, a parameter, ``file``); subclasses set the
    usual one as ``default_field``.
    """

    default_field: str | None = "file"

    def __init__(self, message_en: str, message_vi: str, field: str | None = None) -> None:
        super().__init__(message_en, field=field or self.default_field)
        self.user_msg_vi = message_vi


class InvalidCRS(GeodataError):
    """A coordinate reference system is missing, unknown or wrong for the data."""


class MissingField(GeodataError):
    """A required column or attribute is absent."""


class InvalidGeometry(GeodataError):
    """A geometry is empty, broken or outside the province."""


class LegacyEncoding(GeodataError):
    """Text is in a legacy Vietnamese encoding that could not be decided."""
