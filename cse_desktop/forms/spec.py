"""FormSpec: the pydantic schema every form file must satisfy.

A form is sections of fields.  Field types:

========================  ==================================================================
type                      answer value
========================  ==================================================================
text, long_text           a string
yes_no                    "yes" or "no"
yes_no_possible           "yes", "no" or "possible"
single_choice             one choice value
multiple_choice           a list of choice values
date                      "YYYY-MM-DD"
datetime                  ISO 8601 with a UTC offset, e.g. "2026-03-01T21:30:00+00:00"
number                    a number within ``min``/``max`` (whole numbers if ``integer``)
rating                    a whole number from ``min`` to ``max``
repeat                    a list of rows, each an object of the nested ``fields``
indicator                 {"present": yes/no/possible, "timing": current/6-12m/both/historic,
                          "evidence": ..., "detail": "..."}
computed                  none: the engine computes it from ``expr``
info                      none: a banner or explanation shown to the worker
========================  ==================================================================

Expressions (``show_if``, ``required_if``, constraints, computed fields, scoring floors and
flags) are checked when the form is loaded (see :mod:`cse_desktop.forms.expr`).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SCHEMA_VERSION = 1

FIELD_ID = r"^[a-z][a-z0-9_]{0,63}$"
FORM_ID = r"^[a-z][a-z0-9-]{0,63}$"


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tier(StrEnum):
    VULNERABILITY = "vulnerability"
    MODERATE = "moderate"
    SIGNIFICANT = "significant"
    CRITICAL = "critical"


class Timing(StrEnum):
    CURRENT = "current"
    RECENT = "6-12m"
    BOTH = "both"
    HISTORIC = "historic"


#: the words for each timing, on screen and on paper alike
TIMING_LABELS = {Timing.CURRENT: "Current (last 6 months)", Timing.RECENT: "6 to 12 months ago",
                 Timing.BOTH: "Current and 6 to 12 months ago",
                 Timing.HISTORIC: "Over 12 months ago"}
#: a timing on paper, counted back from the screening: the form's own words ('6 to 12 months
#: ago') are true on the day of the screening only
PAPER_TIMING = {Timing.CURRENT: "Current (within 6 months)",
                Timing.RECENT: "6 to 12 months before",
                Timing.BOTH: "Current and 6 to 12 months before",
                Timing.HISTORIC: "Over 12 months before"}
#: the short heading of each timing in a table's column (the rule sheet's points tables)
SHORT_TIMING = {Timing.CURRENT: "Current", Timing.RECENT: "6 to 12 months",
                Timing.BOTH: "Both", Timing.HISTORIC: "Over 12 months"}
#: the words for each answer to "present?" (and to a yes/no question)
PRESENT_LABELS = {"yes": "Yes", "no": "No", "possible": "Possible"}
#: the words for each kind of evidence an indicator's answer may give (``values.EVIDENCE_VALUES``)
EVIDENCE_LABELS = {"evidenced": "Evidenced", "reported": "Reported",
                   "professional_concern": "Professional concern"}
#: a tier's name, on its own: the filler's tag beside an indicator, the summary's table cell
TIER_LABELS = {Tier.VULNERABILITY: "Vulnerability", Tier.MODERATE: "Moderate",
               Tier.SIGNIFICANT: "Significant", Tier.CRITICAL: "Critical"}
#: a tier in a sentence (the rule sheet): (one, many)
TIER_WORDS = {Tier.CRITICAL: ("critical incident", "Critical incidents"),
              Tier.SIGNIFICANT: ("significant indicator", "Significant indicators"),
              Tier.MODERATE: ("moderate indicator", "Moderate indicators"),
              Tier.VULNERABILITY: ("vulnerability", "Vulnerabilities")}
#: the parts of a score's breakdown (the tiers, and the points for special educational needs)
#: as the outcome panel lists them after a module's total
BREAKDOWN_WORDS = {Tier.VULNERABILITY: "vulnerabilities", Tier.MODERATE: "moderate",
                   Tier.SIGNIFICANT: "significant", "sen": "special educational needs"}


class Level(StrEnum):
    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return list(Level).index(self)


PRESENT_VALUES = ("yes", "no", "possible")


class Choice(_Spec):
    value: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    label: str = Field(min_length=1, max_length=300)
    help: str = Field(default="", max_length=2000)


class Constraint(_Spec):
    expr: str = Field(min_length=1, max_length=2000)
    message: str = Field(min_length=1, max_length=500)


class ChildText(_Spec):
    """A question's or a section's words for the child to read (the "with family" view): plain,
    spoken to the child ("you"), never victim-blaming.  ``label`` stands for the field's label
    or the section's title, ``help`` for its help."""

    label: str = Field(min_length=1, max_length=500)
    help: str = Field(default="", max_length=2000)


class _FieldBase(_Spec):
    id: str = Field(pattern=FIELD_ID)
    label: str = Field(min_length=1, max_length=500)
    help: str = Field(default="", max_length=4000)
    required: bool = False
    required_if: str | None = Field(default=None, max_length=2000)
    show_if: str | None = Field(default=None, max_length=2000)
    constraints: list[Constraint] = Field(default_factory=list, max_length=20)
    #: withheld from redacted prints and exports (issue: printing)
    sensitive: bool = False
    #: the child-friendly wording, shown with a family (only in a section that has its own)
    child_text: ChildText | None = None


class TextField(_FieldBase):
    type: Literal["text", "long_text"]
    max_length: int = Field(default=0, ge=0, le=100_000)  # 0: the type's default
    placeholder: str = Field(default="", max_length=200)

    @property
    def limit(self) -> int:
        return self.max_length or (500 if self.type == "text" else 20_000)


class YesNoField(_FieldBase):
    type: Literal["yes_no", "yes_no_possible"]


class ChoiceField(_FieldBase):
    type: Literal["single_choice", "multiple_choice"]
    #: the name of a reusable choice list, or the choices themselves
    choices: str | list[Choice]


class DateField(_FieldBase):
    type: Literal["date", "datetime"]


class NumberField(_FieldBase):
    type: Literal["number"]
    min: float | None = None
    max: float | None = None
    integer: bool = False
    unit: str = Field(default="", max_length=50)

    @model_validator(mode="after")
    def _range(self) -> NumberField:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is greater than max")
        return self


class RatingField(_FieldBase):
    type: Literal["rating"]
    min: int = 0
    max: int = Field(default=10, le=100)
    min_label: str = Field(default="", max_length=100)
    max_label: str = Field(default="", max_length=100)

    @model_validator(mode="after")
    def _range(self) -> RatingField:
        if self.min >= self.max:
            raise ValueError("min must be less than max")
        return self


class IndicatorField(_FieldBase):
    """One item of the indicator bank: present?, and for risk indicators, when."""

    type: Literal["indicator"]
    group: str = Field(min_length=1, max_length=100)
    tier: Tier
    #: the screening modules this indicator scores in (e.g. cse, cce)
    modules: list[str] = Field(default_factory=list)
    #: ask "possible" as well as yes/no
    allow_possible: bool = True
    #: the timings the worker chooses from; unset: all four for moderate and significant
    #: indicators, none for the other tiers
    timings: list[Timing] | None = None

    @property
    def timing_values(self) -> tuple[Timing, ...]:
        if self.timings is not None:
            return tuple(self.timings)
        return tuple(Timing) if self.tier in (Tier.MODERATE, Tier.SIGNIFICANT) else ()

    @property
    def asks_timing(self) -> bool:
        return bool(self.timing_values)

    @model_validator(mode="after")
    def _timings(self) -> IndicatorField:
        if self.timings is not None:
            if self.tier is Tier.VULNERABILITY:
                raise ValueError("a vulnerability takes no timing")
            if not self.timings or len(set(self.timings)) != len(self.timings):
                raise ValueError("timings must list at least one timing, each once")
        return self


class ComputedField(_FieldBase):
    type: Literal["computed"]
    expr: str = Field(min_length=1, max_length=2000)
    #: how to show the value: "number", "yes_no", "text", "hours", "date", "datetime"
    display: Literal["number", "yes_no", "text", "hours", "date", "datetime"] = "text"
    #: the words for a value that is a code (e.g. the episode's category): a choice list's
    #: name or the choices themselves; a value not among them shows as it is
    choices: str | list[Choice] | None = None

    @model_validator(mode="after")
    def _not_input(self) -> ComputedField:
        if self.required or self.required_if:
            raise ValueError("a computed field cannot be required: it is never typed in")
        return self


class InfoField(_FieldBase):
    type: Literal["info"]
    style: Literal["info", "warning", "danger"] = "info"

    @model_validator(mode="after")
    def _not_input(self) -> InfoField:
        if self.required or self.required_if or self.constraints:
            raise ValueError("an info banner holds no answer, so it cannot be required or "
                             "constrained")
        return self


class RepeatField(_FieldBase):
    type: Literal["repeat"]
    fields: list[FieldSpec] = Field(min_length=1, max_length=50)
    min_rows: int = Field(default=0, ge=0)
    max_rows: int = Field(default=50, ge=1, le=500)
    add_label: str = Field(default="Add", max_length=100)

    @model_validator(mode="after")
    def _no_nested_repeat(self) -> RepeatField:
        if any(f.type == "repeat" for f in self.fields):
            raise ValueError("a repeat group cannot contain another repeat group")
        if self.min_rows > self.max_rows:
            raise ValueError("min_rows is greater than max_rows")
        return self


FieldSpec = Annotated[
    TextField | YesNoField | ChoiceField | DateField | NumberField | RatingField
    | IndicatorField | ComputedField | InfoField | RepeatField,
    Field(discriminator="type"),
]
RepeatField.model_rebuild()


class Section(_Spec):
    id: str = Field(pattern=FIELD_ID)
    title: str = Field(min_length=1, max_length=200)
    help: str = Field(default="", max_length=4000)
    show_if: str | None = Field(default=None, max_length=2000)
    fields: list[FieldSpec] = Field(min_length=1, max_length=300)
    #: the section records the child's own words: its wording for the child to read
    child_text: ChildText | None = None


class Band(_Spec):
    min_points: int = Field(ge=0)
    level: Level


#: a child's legal status as the routes see it (from the person record): "not_known" when the
#: record does not say (routes must not assume the child has no social worker)
ROUTING_STATUSES = ("looked_after", "child_protection_plan", "child_in_need", "none",
                    "not_known")
RoutingStatus = Literal["looked_after", "child_protection_plan", "child_in_need", "none",
                        "not_known"]


class Condition(_Spec):
    """When a rule or a route applies: every part that is given must hold.

    The indicator part (``indicators``, ``tiers``, ``modules``, then ``all_of``) selects
    indicators: those
    listed, those of the tiers listed and those scoring in the modules listed (an indicator
    naming the module itself, not a shared one). It holds when at least one selected indicator
    is answered ``present`` (a rule scored per module sees only that module's indicators), with
    one of the ``timing`` values if any are listed (a 'yes' with no timing yet counts as
    current: the cautious reading); and, with ``all_of``, when every indicator listed there
    is answered the same way too.
    """

    indicators: list[str] = Field(default_factory=list)
    #: and every one of these indicators is answered ``present`` too
    all_of: list[str] = Field(default_factory=list)
    tiers: list[Tier] = Field(default_factory=list)
    modules: list[str] = Field(default_factory=list)
    present: Literal["yes", "possible"] = "yes"
    timing: list[Timing] = Field(default_factory=list)
    #: an expression over the counts and the context (see ``scope.FLOOR_NAMES``)
    when: str | None = Field(default=None, min_length=1, max_length=2000)
    #: the level that stands is one of these (routes only)
    levels: list[Level] = Field(default_factory=list)
    #: the child's legal status is one of these / none of these (routes only)
    legal_status: list[RoutingStatus] = Field(default_factory=list)
    not_legal_status: list[RoutingStatus] = Field(default_factory=list)
    #: the immediate-danger question is answered yes (routes only)
    danger: bool = False

    @property
    def selects_indicators(self) -> bool:
        return bool(self.indicators or self.tiers or self.modules)


class Floor(Condition):
    """A raise-only rule (a floor) or a hard trigger: when it holds, the level is at least
    ``level``.  ``scope: module`` rules are tested in each module with that module's indicators;
    ``scope: overall`` rules once, with every indicator, on the overall level."""

    id: str = Field(pattern=r"^[a-z][a-z0-9-]{0,63}$")
    level: Level
    explanation: str = Field(min_length=1, max_length=500)
    scope: Literal["module", "overall"] = "module"
    #: tested only in these modules (``scope: module``; empty: every module)
    only_modules: list[str] = Field(default_factory=list)
    #: a prompt to the worker when the rule fires (e.g. for professional judgement)
    prompt: str = Field(default="", max_length=500)

    @model_validator(mode="after")
    def _has_condition(self) -> Floor:
        if not (self.when or self.selects_indicators):
            raise ValueError("a rule needs 'when' or indicators to test")
        if self.levels or self.legal_status or self.not_legal_status or self.danger:
            raise ValueError("levels, legal status and danger are for routes, not rules")
        if self.only_modules and self.scope != "module":
            raise ValueError("only_modules is for rules tested per module")
        return self


class Pathway(_Spec):
    route: Literal["universal", "early_help", "rmm"]
    text: str = Field(min_length=1, max_length=1000)
    same_day_contact: bool = False


class Route(Condition):
    """Where the outcome sends the worker; several routes can apply at once, each shown with
    the reason it applies."""

    id: str = Field(pattern=r"^[a-z][a-z0-9-]{0,63}$")
    #: a short heading ("Children's social care / MASH")
    label: str = Field(min_length=1, max_length=200)
    #: what to do
    text: str = Field(min_length=1, max_length=1000)
    #: why it applies, in words (the indicators that made it apply are added after)
    reason: str = Field(min_length=1, max_length=500)
    same_day: bool = False
    #: the route also applies when one of these rules fired (instead of its indicator part)
    or_rules_fired: list[str] = Field(default_factory=list)
    #: or when one of these choices is selected: {choice field id: [values]}
    or_selected: dict[str, list[str]] = Field(default_factory=dict)


class Scoring(_Spec):
    """SERAF-style points, bands, raise-only floors and hard triggers (domain research 7)."""

    modules: dict[str, str] = Field(min_length=1)
    vulnerability_points: int = Field(default=1, ge=0, le=20)
    points: dict[Literal["moderate", "significant"], dict[Timing, int]]
    #: points added when the child has special educational needs (SEN support or EHCP)
    sen_points: int = Field(default=0, ge=0, le=20)
    bands: list[Band] = Field(min_length=1)
    hard_trigger_level: Level = Level.HIGH
    #: the hard triggers, as rules; unset (version 1): any critical incident answered yes
    #: sets the module's level to ``hard_trigger_level``
    hard_triggers: list[Floor] | None = None
    floors: list[Floor] = Field(default_factory=list)
    #: one pathway per level (version 1), or routes that may apply together (later versions)
    pathways: dict[Level, Pathway] | None = None
    routes: list[Route] | None = None
    #: the form's own "special educational needs" indicator: with it, SEN scores once,
    #: whether it comes from the child's record or from the form
    sen_indicator: str | None = Field(default=None, pattern=FIELD_ID)
    #: field ids of the professional-judgement part of the form
    danger_field: str = Field(pattern=FIELD_ID)
    agreed_level_field: str = Field(pattern=FIELD_ID)
    rationale_field: str = Field(pattern=FIELD_ID)
    #: a typed-in approver (version 1); later versions record approval by the manager's
    #: approval action, by role
    approved_by_field: str | None = Field(default=None, pattern=FIELD_ID)
    review_date_field: str | None = Field(default=None, pattern=FIELD_ID)
    review_months: int = Field(default=3, ge=1, le=24)

    @field_validator("bands")
    @classmethod
    def _bands_ascend(cls, bands: list[Band]) -> list[Band]:
        mins = [b.min_points for b in bands]
        if mins[0] != 0:
            raise ValueError("the first band must start at 0 points")
        if mins != sorted(set(mins)):
            raise ValueError("bands must be in increasing order of min_points, without repeats")
        ranks = [b.level.rank for b in bands]
        if ranks != sorted(ranks):
            raise ValueError("a higher band cannot have a lower level")
        return bands

    @model_validator(mode="after")
    def _complete(self) -> Scoring:
        if (self.pathways is None) == (self.routes is None):
            raise ValueError("give either pathways (one per level) or routes")
        if self.pathways is not None:
            missing = [lvl.value for lvl in Level if lvl not in self.pathways]
            if missing:
                raise ValueError(f"pathways are missing for: {', '.join(missing)}")
        if self.routes is not None:
            uncovered = [lvl.value for lvl in Level
                         if not any(lvl in r.levels for r in self.routes)]
            if uncovered:
                raise ValueError("every level needs at least one route; none for: "
                                 + ", ".join(uncovered))
        rules: list[Floor | Route] = [*(self.hard_triggers or []), *self.floors,
                                       *(self.routes or [])]
        ids = [r.id for r in rules]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"rule and route ids must be unique: {', '.join(repeated)}")
        for tier in ("moderate", "significant"):
            if tier not in self.points or set(self.points[tier]) != set(Timing):
                raise ValueError(f"points.{tier} must give points for every timing: "
                                 f"{', '.join(t.value for t in Timing)}")
        return self


class Flag(_Spec):
    """A flag the outcome raises when ``when`` is true (e.g. 'rescreen', 'repeat missing')."""

    id: str = Field(pattern=r"^[a-z][a-z0-9-]{0,63}$")
    when: str = Field(min_length=1, max_length=2000)
    message: str = Field(min_length=1, max_length=500)


class FormSpec(_Spec):
    schema_version: Literal[1]
    id: str = Field(pattern=FORM_ID)
    version: int = Field(ge=1)
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=4000)
    #: the form is about a missing episode, and one must be chosen to start it
    needs_episode: bool = False
    choice_lists: dict[str, list[Choice]] = Field(default_factory=dict)
    sections: list[Section] = Field(min_length=1, max_length=50)
    scoring: Scoring | None = None
    flags: list[Flag] = Field(default_factory=list)

    def all_fields(self) -> list[Any]:
        """Every top-level field in order (repeat groups' nested fields not expanded)."""
        return [f for s in self.sections for f in s.fields]

    def field(self, field_id: str) -> Any:
        for f in self.all_fields():
            if f.id == field_id:
                return f
        raise KeyError(field_id)

    def choices_of(self, field: ChoiceField | ComputedField) -> list[Choice]:
        if field.choices is None:
            return []
        if isinstance(field.choices, str):
            return self.choice_lists[field.choices]
        return field.choices
