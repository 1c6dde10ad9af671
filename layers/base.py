"""Declarative description of a thematic layer: fields, statuses, progress rule, style."""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

FieldType = Literal["str", "int", "float", "date", "bool", "choice"]
GeometryType = Literal["Point", "LineString", "Polygon"]


@dataclass(frozen=True)
class Choice:
    """One value a ``choice`` field takes, with its label in both languages."""

    value: str
    label_vi: str
    label_en: str

    def label(self, locale: str) -> str:
        """Return the label in ``locale`` ("en", otherwise Vietnamese)."""
        return self.label_en if locale == "en" else self.label_vi


@dataclass(frozen=True)
class FieldSpec:
    """One attribute of a layer's records.

    ``public`` fields may reach anonymous users (API, popups, exports);
    the others are restricted and never leave the server unauthenticated. A ``choice`` field
    lists its values, each labelled in both languages, in ``choices``. ``multiline`` text is
    edited in a text area; ``help_vi``/``help_en`` say what the value means for this layer.
    """

    name: str
    type: FieldType
    label_vi: str
    label_en: str
    public: bool = True
    required: bool = False
    choices: tuple[Choice, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    multiline: bool = False
    help_vi: str = ""
    help_en: str = ""

    @property
    def choice_values(self) -> tuple[str, ...]:
        """The values a ``choice`` field takes, in declared order."""
        return tuple(choice.value for choice in self.choices)


@dataclass(frozen=True)
class StatusSpec:
    """One status (or workflow milestone) of a layer, in workflow order."""

    id: str
    label_vi: str
    label_en: str
    color: str
    done: bool = False
    # A stop off the workflow (paused, cancelled), not a milestone a record passes.
    halted: bool = False


# The two stops every layer has: a paused record counts as lagging, a cancelled one leaves the
# target. Layers append them after their milestones (and keep their own word for a pause).
PAUSED = StatusSpec("paused", "Tạm dừng", "Paused", "#c62828", halted=True)
CANCELLED = StatusSpec("cancelled", "Đã hủy", "Cancelled", "#616161", halted=True)
# The province's generic statuses, in the order a record passes them.
GENERIC_STATUSES = ("not_started", "in_progress", "paused", "cancelled", "done")


@dataclass(frozen=True)
class LayerStyle:
    """How the map draws a layer."""

    color: str
    icon: str = "circle"
    cluster: bool = False
    weight: float = 3.0
    fill_opacity: float = 0.35


@dataclass(frozen=True)
class AreaTally:
    """What one area holds for a layer on a date, the input of a progress rule."""

    count: int
    status_counts: Mapping[str, int]
    progress_sum: float


class ProgressRule(abc.ABC):
    """Turns one area's records into a number of units done."""

    @abc.abstractmethod
    def done(self, tally: AreaTally, statuses: tuple[StatusSpec, ...]) -> float:
        """Return the units done in an area."""

    @property
    @abc.abstractmethod
    def description_vi(self) -> str:
        """Explain the rule to Vietnamese readers."""

    @property
    @abc.abstractmethod
    def description_en(self) -> str:
        """Explain the rule to English readers."""


class CountDone(ProgressRule):
    """Each record whose current status is a *done* status counts as one unit."""

    def done(self, tally: AreaTally, statuses: tuple[StatusSpec, ...]) -> float:
        """Count records in a done status."""
        done_ids = {s.id for s in statuses if s.done}
        return float(sum(n for status, n in tally.status_counts.items() if status in done_ids))

    @property
    def description_vi(self) -> str:
        """Explain the rule to Vietnamese readers."""
        return "Số bản ghi đã hoàn thành so với chỉ tiêu"

    @property
    def description_en(self) -> str:
        """Explain the rule to English readers."""
        return "Records completed against the target"


class SumProgress(ProgressRule):
    """Each record counts as its progress percentage / 100 (a half-built road is 0.5)."""

    def done(self, tally: AreaTally, statuses: tuple[StatusSpec, ...]) -> float:
        """Add up fractional progress."""
        return tally.progress_sum / 100.0

    @property
    def description_vi(self) -> str:
        """Explain the rule to Vietnamese readers."""
        return "Tổng tiến độ (%) của các dự án so với chỉ tiêu"

    @property
    def description_en(self) -> str:
        """Explain the rule to English readers."""
        return "Sum of project progress (%) against the target"


@dataclass(frozen=True)
class LayerSpec:
    """Everything the portal knows about a thematic layer."""

    id: str
    name_vi: str
    name_en: str
    description_vi: str
    description_en: str
    geometry_types: tuple[GeometryType, ...]
    fields: tuple[FieldSpec, ...]
    statuses: tuple[StatusSpec, ...]
    progress_rule: ProgressRule
    style: LayerStyle
    popup_fields: tuple[str, ...]
    deadline: dt.date
    target_label_vi: str
    target_label_en: str
    editor_role: str
    records_public: bool = True
    workflow: bool = False
    default_visible: bool = True
    # The province's generic statuses (``GENERIC_STATUSES``: not started, in progress, paused,
    # cancelled, done) -> this layer's status ids; every layer has all five.
    generic_statuses: Mapping[str, str] = field(default_factory=dict)
    # What the status and the progress percent mean for this layer's records (form help).
    status_help_vi: str = ""
    status_help_en: str = ""
    progress_help_vi: str = ""
    progress_help_en: str = ""

    def field(self, name: str) -> FieldSpec:
        """Return the field called ``name``; raise ``KeyError`` if there is none."""
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def status(self, status_id: str) -> StatusSpec:
        """Return the status called ``status_id``; raise ``KeyError`` if there is none."""
        for spec in self.statuses:
            if spec.id == status_id:
                return spec
        raise KeyError(status_id)

    @property
    def public_fields(self) -> tuple[FieldSpec, ...]:
        """Fields that anonymous users may see."""
        return tuple(f for f in self.fields if f.public)

    @property
    def restricted_fields(self) -> tuple[FieldSpec, ...]:
        """Fields only signed-in, authorised users may see."""
        return tuple(f for f in self.fields if not f.public)

    def choice_label(self, field_name: str, value: str, locale: str) -> str:
        """Return the label of a choice value in ``locale`` (the value itself if unlabelled)."""
        for spec in self.fields:
            if spec.name == field_name:
                for choice in spec.choices:
                    if choice.value == value:
                        return choice.label(locale)
        return value

    def choice_labels(self, field_name: str, locale: str) -> dict[str, str]:
        """Return value -> label for every choice of a field."""
        return {c.value: c.label(locale) for c in self.field(field_name).choices}

    def name(self, locale: str) -> str:
        """Return the layer's name in ``locale`` ("vi" or "en")."""
        return self.name_en if locale == "en" else self.name_vi
