"""The quarterly missing-episode profile ("missing problem profile"): pure computation.

Domain research section 6(e) lists the dataset; section 3 gives the rules it measures against
(a return home interview, RHI, offered and done within 72 hours of the return, by someone
independent). :func:`compute_profile` reads the store and returns a :class:`MissingProfile`:
aggregate numbers only. No child's name, address, date of birth or free-text answer ever goes
into it, so nothing printed from it can name a child. :meth:`MissingProfile.suppress` gives the
shareable version, with small numbers hidden.

Definitions (each is also stated where it is used):

* **Quarter**: a calendar quarter written ``YYYYQn`` (``2026Q3`` = 1 July to 30 September
  2026). Its bounds are local midnights in Europe/London, so a quarter that starts in British
  Summer Time starts at 23:00 UTC the day before. Q1 is January to March (not the financial
  year).
* **An episode in the quarter**: a live (not deleted) episode of a live child whose
  ``started_at`` falls in ``[start of quarter, start of next quarter)``. Where the child
  returned, or whether they have yet, does not matter for volumes.
* **Children**: distinct children with at least one episode in the quarter. **Repeat
  children**: children with ``repeat_threshold`` (default 3) or more episodes in the quarter.
* **The interview for an episode**: the newest (by ``finalised_at``) *final*
  return-home-interview submission recorded against the episode; an amendment supersedes what
  it amends because it is finalised later. Drafts are ignored. Where there is no final form, the
  episode's recorded ``rhi_status`` is used, and any time that only a form holds counts as "not
  recorded".
* **RHI base**: episodes in the quarter where the child has returned (``returned_at`` set).
  Episodes still open are counted separately and are not in any RHI rate.
* **Offered**: the form's outcome is anything except ``not_offered`` (the form then requires the
  offer time), or, without a form, the status is offered, completed or declined.
  **Offered within 72 hours**: the form's ``offered_at`` is no more than exactly 72 hours after
  the episode's ``returned_at`` (72:00:00 counts; 72:00:01 does not), the same rule as the
  form's own ``offered_within_72h``. **Completed within 72 hours**: the outcome is
  ``completed`` and ``interview_at`` is no more than 72 hours after the return. An offer or
  interview without a recorded time counts as not within 72 hours and is shown as "time not
  recorded".
* **Rates**: offered, offered within 72 hours and not offered are a percentage of the RHI base;
  completed and declined of those offered; completed within 72 hours of those completed.
  Percentages are rounded to whole numbers when printed.
* **Declined / not completed reasons** are the form's coded outcomes (the young person said no,
  the parent or carer said no, no contact, missing again). Free-text reasons are never
  aggregated or printed: they can identify a child.
* **Demographics** count children, not episodes, from each child's record as it stands now (the
  store keeps no history of legal status or SEN), except the age band, which is the child's age
  at the start of their first episode in the quarter. **Looked after** is legal status s20, s31
  or s38; **own authority** when the placing authority is blank or equals ``home_la``
  (ignoring case and spacing), otherwise **placed in** by another authority.
* **Themes** (push and pull factors, harm, exploitation indicators, travel) count *completed*
  interviews with a form that ticked each answer; one interview can tick several.
* **Hotspots** count episodes with an interview form. An episode's areas are the form's
  "area, town or postcode" where found, the out-of-area towns of the places they went, and the
  postcode sector (``ZZ99 3``) of any postcode written in a place. A full postcode is always cut
  to its sector; an area whose text contains a child's name is shown as withheld. Venue types
  count episodes with at least one place of that type. Ranked by count, then name.
* **Time of day / day of week**: of each episode's start, in UK local time (Europe/London).
* **Comparison**: the same measures for the previous quarter; change = this - previous.
* **Suppression** (shareable version): see :meth:`MissingProfile.suppress`. Zero is not
  suppressed (a zero reveals no child); 1 to ``threshold - 1`` show as ``<threshold``; a
  number hidden so that a small one cannot be worked out by subtraction shows as ``c``.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from cse_desktop.casework.chronology import default_registry
from cse_desktop.domain.errors import UsageError
from cse_desktop.domain.models import (
    LOCAL_ZONE,
    RHI_WINDOW,
    Episode,
    EpisodeCategory,
    LegalStatus,
    Person,
    PoliceRiskGrade,
    RhiStatus,
    SenStatus,
    Submission,
)
from cse_desktop.forms.loader import FormRegistry
from cse_desktop.forms.spec import ChoiceField, RepeatField
from cse_desktop.store.workspace import Workspace

RHI_FORM = "return-home-interview"
DEFAULT_HOME_LA = "Demo Borough Council"
DEFAULT_THRESHOLD = 5
REPEAT_THRESHOLD = 3

#: A count: an int, or in the shareable version a marker string ("<5", or "c").
Count = int | str
SECONDARY = "c"

_QUARTER = re.compile(r"^\s*(\d{4})\s*-?\s*[Qq]\s*([1-4])\s*$")
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]
_POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9])[A-Z]{2}\b", re.IGNORECASE)

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: four-hour bands of the local start time: (first hour, label)
TIME_BANDS = ((0, "00:00-03:59"), (4, "04:00-07:59"), (8, "08:00-11:59"),
              (12, "12:00-15:59"), (16, "16:00-19:59"), (20, "20:00-23:59"))
#: age bands in whole years at the start of the child's first episode in the quarter
AGE_BANDS = ((0, 9, "Under 10"), (10, 12, "10 to 12"), (13, 14, "13 to 14"),
             (15, 16, "15 to 16"), (17, 17, "17"), (18, 200, "18 and over"))

CATEGORY_LABELS = {EpisodeCategory.MISSING: "Missing",
                   EpisodeCategory.ABSENT: "Absent (older police category)",
                   EpisodeCategory.AWAY_FROM_PLACEMENT: "Away from placement without permission"}
GRADE_LABELS = {PoliceRiskGrade.HIGH: "High", PoliceRiskGrade.MEDIUM: "Medium",
                PoliceRiskGrade.LOW: "Low", PoliceRiskGrade.NO_APPARENT_RISK: "No apparent risk",
                PoliceRiskGrade.NOT_KNOWN: "Not known"}
#: the RHI outcome of a returned episode: one row each (a partition of the RHI base)
OUTCOME_LABELS = {
    "completed": "Interview completed",
    "declined_child": "Offered: the young person said no",
    "declined_parent": "Offered: the parent or carer said no",
    "declined_unrecorded": "Offered and declined (who said no not recorded)",
    "unable_to_contact": "Offered: could not make contact",
    "missing_again": "Offered: went missing again",
    "offered_pending": "Offered: no outcome recorded yet",
    "not_offered": "Not offered (reason recorded on the form)",
    "not_offered_unrecorded": "Not offered (no interview form: reason not recorded)",
    "no_outcome": "Nothing recorded yet (due, or overdue)",
}
OFFERED_OUTCOMES = frozenset({"completed", "declined_child", "declined_parent",
                              "declined_unrecorded", "unable_to_contact", "missing_again",
                              "offered_pending"})
DECLINED_OUTCOMES = frozenset({"declined_child", "declined_parent", "declined_unrecorded"})
NOT_OFFERED_OUTCOMES = frozenset({"not_offered", "not_offered_unrecorded"})
#: interviewer roles the form itself treats as not independent
NOT_INDEPENDENT = frozenset({"social_worker", "carer_staff"})
LOOKED_AFTER = frozenset({LegalStatus.LAC_S20, LegalStatus.LAC_S31, LegalStatus.LAC_S38})
LEGAL_LABELS = {
    "lac_own": "Looked after by this authority",
    "lac_placed_in": "Looked after, placed here by another authority",
    "cp": "Child protection plan",
    "cin": "Child in need",
    "care_leaver": "Care leaver",
    "early_help": "Early help",
    "not_known": "Not known",
}
EDUCATION_LABELS = {
    "full_time": "Full-time education", "part_time": "Part-time timetable",
    "alternative_provision": "Alternative provision",
    "elective_home_education": "Elective home education",
    "missing_education": "Missing education", "neet": "Not in education, employment or training",
    "not_known": "Not known",
}
NOT_RECORDED = "Not recorded"


# -- quarters ---------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter; bounds are Europe/London local midnights (see the module doc)."""

    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """``"2026Q3"`` (also ``2026q3``, ``2026-Q3``) -> Quarter(2026, 3); UsageError if not."""
        match = _QUARTER.match(text or "") if isinstance(text, str) else None
        if match is None:
            raise UsageError(f"A quarter is written like 2026Q3 (year, Q, 1 to 4), not {text!r}.")
        year = int(match.group(1))
        if not 2000 <= year <= 2100:
            raise UsageError(f"The quarter's year must be between 2000 and 2100, not {year}.")
        return cls(year, int(match.group(2)))

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self) -> date:
        return self.next().first_day - timedelta(days=1)

    @property
    def starts_at(self) -> datetime:
        """The first instant of the quarter (UTC): local midnight on its first day."""
        return datetime.combine(self.first_day, time(0), LOCAL_ZONE).astimezone(UTC)

    @property
    def ends_at(self) -> datetime:
        """The first instant *after* the quarter (UTC): the next quarter's start."""
        return self.next().starts_at

    @property
    def label(self) -> str:
        """'July to September 2026'."""
        first = _MONTHS[3 * self.number - 3]
        last = _MONTHS[3 * self.number - 1]
        return f"{first} to {last} {self.year}"

    def contains(self, instant: datetime) -> bool:
        return self.starts_at <= instant < self.ends_at

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year,
                                                                            self.number - 1)

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year,
                                                                          self.number + 1)


# -- counts, rates and breakdowns -------------------------------------------------------------


def pct(numerator: Count, base: Count) -> float | None:
    """``numerator`` as a percentage of ``base``; None when either is suppressed or base is 0."""
    if isinstance(numerator, str) or isinstance(base, str) or base == 0:
        return None
    return 100.0 * numerator / base


def fmt_count(value: Count) -> str:
    return f"{value:,}" if isinstance(value, int) else value


def fmt_pct(value: float | None) -> str:
    """A whole-number percentage, or an en dash when there is none (suppressed, or no base)."""
    return "\u2013" if value is None else f"{value:.0f}%"


def is_small(value: Count, threshold: int = DEFAULT_THRESHOLD) -> bool:
    """True for the counts the shareable version hides: 1 to ``threshold - 1``."""
    return isinstance(value, int) and 0 < value < threshold


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    count: Count


@dataclass(frozen=True)
class Breakdown:
    """Counts by category. ``base`` is what percentages are of (and what ``partition`` rows
    add up to). ``ranked`` rows are ordered by count, largest first, then by label."""

    title: str
    rows: tuple[Row, ...]
    base: Count
    base_label: str
    partition: bool = False
    ranked: bool = False
    #: shareable: rows below the threshold are merged into one unnamed row (named places)
    merge_small: bool = False
    note: str = ""
    #: rows whose number is also printed elsewhere: never chosen to hide a small number
    pinned: frozenset[str] = frozenset()
    #: ranked tables: rows kept at the end whatever their count ("other", "none given")
    last: frozenset[str] = frozenset()

    def count(self, key: str) -> Count:
        for row in self.rows:
            if row.key == key:
                return row.count
        raise KeyError(key)

    def counts(self) -> dict[str, Count]:
        return {row.key: row.count for row in self.rows}

    def pct(self, row: Row) -> float | None:
        return pct(row.count, self.base)

    def total(self, keys: Iterable[str]) -> Count:
        """The sum of some rows. In the shareable version, if any of them is hidden the sum
        is hidden too ("c"): shown beside the other rows it would give the hidden one away."""
        values = [self.count(k) for k in keys]
        if any(isinstance(v, str) for v in values):
            return SECONDARY
        return sum(int(v) for v in values)

    def suppressed(self, threshold: int) -> Breakdown:
        marker = f"<{threshold}"
        base = marker if is_small(self.base, threshold) else self.base
        if self.merge_small:
            big = [r for r in self.rows if not is_small(r.count, threshold)]
            small = [r for r in self.rows if is_small(r.count, threshold)]
            rows = big + ([Row("_other", f"{len(small)} other "
                               f"{'area' if len(small) == 1 else 'areas'}, each fewer than "
                               f"{threshold}", marker)] if small else [])
            return dataclasses.replace(self, rows=tuple(rows), base=base)
        counts: list[Count] = [marker if is_small(r.count, threshold) else r.count
                               for r in self.rows]
        if self.partition and not isinstance(base, str):
            # A single hidden cell could be worked out by subtraction from the total: hide
            # the next smallest non-zero cell too ("c"). See MissingProfile.suppress.
            hidden = [i for i, c in enumerate(counts) if isinstance(c, str)]
            if len(hidden) == 1:
                shown = [(self.rows[i].key in self.pinned, c, i) for i, c in enumerate(counts)
                         if isinstance(c, int) and c > 0]
                if shown:
                    counts[min(shown)[2]] = SECONDARY
        rows = [dataclasses.replace(r, count=c) for r, c in zip(self.rows, counts, strict=True)]
        if self.ranked:  # hidden rows last, alphabetically: their order would reveal sizes
            rows.sort(key=lambda r: (r.key in self.last, isinstance(r.count, str),
                                     -_num(r.count), r.label.casefold()))
        return dataclasses.replace(self, rows=tuple(rows), base=base)


def _num(value: Count) -> int:
    return value if isinstance(value, int) else 0


def _breakdown(title: str, counter: Counter[str], labels: dict[str, str], base: int,
               base_label: str, *, partition: bool = False, ranked: bool = False,
               keep_zero: bool = True, last: Iterable[str] = (), merge_small: bool = False,
               note: str = "", pinned: Iterable[str] = ()) -> Breakdown:
    """Rows for every key in ``labels`` (in order) and any other key seen, labelled as is."""
    keys = list(labels) if keep_zero else [k for k in labels if counter.get(k)]
    keys += sorted(k for k in counter if k not in labels)
    rows = [Row(k, labels.get(k, k), counter.get(k, 0)) for k in keys]
    last = list(last)
    if ranked:
        rows.sort(key=lambda r: (r.key in last, -_num(r.count), r.label.casefold()))
    return Breakdown(title, tuple(rows), base, base_label, partition=partition, ranked=ranked,
                     merge_small=merge_small, note=note, pinned=frozenset(pinned),
                     last=frozenset(last))


# -- the profile --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Volumes:
    #: episodes that started in the quarter
    episodes: Count
    #: distinct children with an episode in the quarter
    children: Count
    #: children with ``repeat_threshold`` or more episodes in the quarter
    repeat_children: Count
    #: episodes of the repeat children
    repeat_episodes: Count
    #: episodes with no return recorded yet
    not_returned: Count
    #: returned episodes that covered any part of a night (00:00-06:00 UK time)
    overnight: Count
    by_category: Breakdown
    by_risk_grade: Breakdown


@dataclass(frozen=True)
class RhiPerformance:
    #: the RHI base: episodes in the quarter where the child has returned
    returned: Count
    offered: Count
    offered_within_72h: Count
    offered_time_not_recorded: Count
    completed: Count
    completed_within_72h: Count
    completed_time_not_recorded: Count
    declined: Count
    not_offered: Count
    #: completed interviews done by a social worker or carer/staff (the form's rule)
    not_independent: Count
    #: one row per outcome; rows add up to ``returned``
    outcomes: Breakdown
    #: who did the completed interviews; rows add up to ``completed``
    independence: Breakdown


@dataclass(frozen=True)
class Demographics:
    children: Count
    age_band: Breakdown
    gender: Breakdown
    ethnicity: Breakdown
    #: looked after (own authority or placed in), CP, CIN, care leaver...: one row each
    legal_status: Breakdown
    #: UASC, SEN support, EHCP (a child can have several)
    characteristics: Breakdown
    education: Breakdown


@dataclass(frozen=True)
class Themes:
    #: completed interviews with a form: the base of every theme
    interviews: Count
    harm_disclosed: Count
    exploitation_indicated: Count
    push: Breakdown
    pull: Breakdown
    harm: Breakdown
    exploitation: Breakdown
    travel: Breakdown
    other: Breakdown


@dataclass(frozen=True)
class Hotspots:
    #: episodes with an interview form (any outcome): the base of the hotspot tables
    recorded: Count
    found_out_of_area: Count
    areas: Breakdown
    venue_types: Breakdown


@dataclass(frozen=True)
class Timing:
    time_of_day: Breakdown
    day_of_week: Breakdown


@dataclass(frozen=True)
class Comparison:
    label: str
    current: Count | float | None
    previous: Count | float | None
    #: this minus previous (percentage points for a rate); None if either is hidden
    change: float | int | None
    is_rate: bool = False


@dataclass(frozen=True)
class MissingProfile:
    """The quarter's aggregate figures (see the module doc for every definition)."""

    quarter: Quarter
    home_la: str
    repeat_threshold: int
    generated_at: datetime
    volumes: Volumes
    rhi: RhiPerformance
    demographics: Demographics
    themes: Themes
    hotspots: Hotspots
    timing: Timing
    #: the same measures for the quarter before (None inside the previous quarter itself)
    previous: MissingProfile | None = None
    #: None in the restricted version; the suppression threshold in the shareable version
    suppressed_below: int | None = None

    @property
    def shareable(self) -> bool:
        return self.suppressed_below is not None

    # rates (None when hidden or when there is no base)
    @property
    def offered_pct(self) -> float | None:
        return pct(self.rhi.offered, self.rhi.returned)

    @property
    def offered_within_72h_pct(self) -> float | None:
        return pct(self.rhi.offered_within_72h, self.rhi.returned)

    @property
    def completed_pct(self) -> float | None:
        return pct(self.rhi.completed, self.rhi.offered)

    @property
    def completed_within_72h_pct(self) -> float | None:
        return pct(self.rhi.completed_within_72h, self.rhi.completed)

    @property
    def declined_pct(self) -> float | None:
        return pct(self.rhi.declined, self.rhi.offered)

    @property
    def not_offered_pct(self) -> float | None:
        return pct(self.rhi.not_offered, self.rhi.returned)

    @property
    def looked_after(self) -> Count:
        """Children looked after (own and placed in), from the legal status table."""
        return self.demographics.legal_status.total(["lac_own", "lac_placed_in"])

    def headline(self) -> list[tuple[str, Count | float | None, bool]]:
        """The comparable measures: (label, value, is_rate)."""
        v, r = self.volumes, self.rhi
        return [
            ("Episodes", v.episodes, False),
            ("Children who went missing", v.children, False),
            (f"Repeat children ({self.repeat_threshold}+ episodes)", v.repeat_children, False),
            ("Episodes graded high risk by police",
             v.by_risk_grade.count(PoliceRiskGrade.HIGH.value), False),
            ("Children looked after", self.looked_after, False),
            ("Returned episodes (RHI base)", r.returned, False),
            ("RHIs offered", r.offered, False),
            ("RHIs offered within 72 hours", r.offered_within_72h, False),
            ("RHIs completed", r.completed, False),
            ("RHIs completed within 72 hours", r.completed_within_72h, False),
            ("RHIs declined", r.declined, False),
            ("Offered, % of returned episodes", self.offered_pct, True),
            ("Offered within 72 hours, % of returned", self.offered_within_72h_pct, True),
            ("Completed, % of offered", self.completed_pct, True),
            ("Completed within 72 hours, % of completed", self.completed_within_72h_pct, True),
        ]

    def comparison(self) -> list[Comparison]:
        """This quarter against the previous one; a change is None when either side is hidden."""
        if self.previous is None:
            return []
        rows = []
        for (label, now, is_rate), (_, before, _) in zip(self.headline(),
                                                          self.previous.headline(), strict=True):
            change: float | int | None = None
            if isinstance(now, int | float) and isinstance(before, int | float):
                change = now - before
            rows.append(Comparison(label, now, before, change, is_rate))
        return rows

    def suppress(self, threshold: int = DEFAULT_THRESHOLD) -> MissingProfile:
        """The shareable version: every count from 1 to ``threshold - 1`` becomes
        ``"<threshold"`` (``"<5"``), everywhere, the previous quarter included.

        * Zero is shown: "none" reveals no child, and hiding it would hide good news too.
        * A percentage is hidden (None) when its count or its base is hidden, and so is a
          change between quarters when either side is hidden.
        * In a table whose rows add up to a shown total (``partition``), a single hidden row
          could be found by subtraction, so the next smallest non-zero row is hidden as well
          and shown as ``"c"``.
        * A figure that is the sum of rows of such a table (RHIs offered, declined and not
          offered; children looked after; interviews not done independently) is hidden as
          ``"c"`` when any of those rows is hidden, and a row printed elsewhere too (completed
          interviews, high-risk episodes, looked after) is never the one chosen to be hidden.
        * Named places (hotspot areas) below the threshold are not listed by name: they are
          merged into one row that says how many such areas there were.
        * Ranked tables put hidden rows last, alphabetically, so their order says nothing.

        This is primary and simple secondary suppression, not a full statistical disclosure
        review: separately measured counts can still be combined (for example offered within
        72 hours, offered with no time recorded, and offered), so the partnership's usual
        check before publication still applies.
        """
        if threshold < 2:
            raise ValueError("the suppression threshold must be at least 2")
        if self.shareable:
            return self
        return _suppress(self, threshold)


def _suppress(obj: Any, threshold: int) -> Any:
    if isinstance(obj, Breakdown):
        return obj.suppressed(threshold)
    if isinstance(obj, MissingProfile):
        changes = {f.name: _suppress(getattr(obj, f.name), threshold)
                   for f in dataclasses.fields(obj)
                   if f.name in ("volumes", "rhi", "demographics", "themes", "hotspots",
                                 "timing", "previous")}
        rhi = changes["rhi"]
        out = rhi.outcomes
        changes["rhi"] = dataclasses.replace(
            rhi, completed=out.count("completed"), offered=out.total(OFFERED_OUTCOMES),
            declined=out.total(DECLINED_OUTCOMES), not_offered=out.total(NOT_OFFERED_OUTCOMES),
            not_independent=rhi.independence.total(NOT_INDEPENDENT))
        return dataclasses.replace(obj, suppressed_below=threshold, **changes)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        changes = {}
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if isinstance(value, bool):
                continue
            if isinstance(value, int):
                changes[f.name] = f"<{threshold}" if is_small(value, threshold) else value
            elif isinstance(value, Breakdown):
                changes[f.name] = value.suppressed(threshold)
        return dataclasses.replace(obj, **changes)
    return obj


# -- computing ----------------------------------------------------------------------------------


@dataclass
class _Labels:
    """Choice labels of the RHI form (the newest version), by field id."""

    choices: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def load(cls, registry: FormRegistry | None) -> _Labels:
        labels = cls()
        if registry is None:
            return labels
        try:
            spec = registry.latest(RHI_FORM)
        except KeyError:
            return labels
        fields = list(spec.all_fields())
        for f in list(fields):
            if isinstance(f, RepeatField):
                fields += f.fields
        for f in fields:
            if isinstance(f, ChoiceField):
                labels.choices[f.id] = {c.value: c.label for c in spec.choices_of(f)}
        return labels

    def of(self, field_id: str) -> dict[str, str]:
        return dict(self.choices.get(field_id, {}))


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else None


def _ticked(answers: dict[str, Any], field_id: str) -> set[str]:
    value = answers.get(field_id)
    return {v for v in value if isinstance(v, str)} if isinstance(value, list) else set()


def _tidy(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def postcode_sector(text: str) -> str | None:
    """The sector of the first UK-style postcode in ``text`` ('zz99 3ab' -> 'ZZ99 3')."""
    match = _POSTCODE.search(text or "")
    return None if match is None else f"{match.group(1).upper()} {match.group(2)}"


def current_interviews(submissions: Iterable[Submission]) -> dict[str, Submission]:
    """The interview for each episode: its newest final RHI form (see the module doc)."""
    best: dict[str, Submission] = {}
    for s in submissions:
        if s.form_id != RHI_FORM or not s.is_final or s.episode_id is None or s.deleted:
            continue
        key = (s.finalised_at or s.created_at, s.created_at)
        held = best.get(s.episode_id)
        if held is None or key >= (held.finalised_at or held.created_at, held.created_at):
            best[s.episode_id] = s
    return best


def rhi_outcome(episode: Episode, interview: Submission | None) -> str:
    """The key of ``OUTCOME_LABELS`` for a returned episode."""
    if interview is not None:
        outcome = interview.answers.get("outcome")
        if outcome in ("completed", "declined_child", "declined_parent", "unable_to_contact",
                       "missing_again", "not_offered"):
            return str(outcome)
    status = episode.rhi_status
    if status is RhiStatus.COMPLETED:
        return "completed"
    if status is RhiStatus.DECLINED:
        return "declined_unrecorded"
    if status is RhiStatus.NOT_OFFERED:
        return "not_offered_unrecorded"
    if status is RhiStatus.OFFERED:
        return "offered_pending"
    return "no_outcome"


def within_72h(returned_at: datetime, at: datetime | None) -> bool:
    """True when ``at`` is recorded and no more than exactly 72 hours after the return."""
    return at is not None and at - returned_at <= RHI_WINDOW


def age_band(age: int) -> str:
    for low, high, label in AGE_BANDS:
        if low <= age <= high:
            return label
    return AGE_BANDS[0][2] if age < 0 else AGE_BANDS[-1][2]


def time_band(instant: datetime) -> str:
    hour = instant.astimezone(LOCAL_ZONE).hour
    return next(label for first, label in reversed(TIME_BANDS) if hour >= first)


def _same_la(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def legal_group(person: Person, home_la: str) -> str:
    """The key of ``LEGAL_LABELS`` for a child (looked after split by the placing authority)."""
    status = person.legal_status
    if status in LOOKED_AFTER:
        return ("lac_own" if not person.placing_la.strip() or _same_la(person.placing_la,
                                                                         home_la)
                else "lac_placed_in")
    return {LegalStatus.CP: "cp", LegalStatus.CIN: "cin",
            LegalStatus.CARE_LEAVER: "care_leaver",
            LegalStatus.EARLY_HELP: "early_help"}.get(status, "not_known")


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+", text.casefold())


class _NameGuard:
    """Withholds an area label that contains a child's name, alias included (whole words)."""

    def __init__(self, people: Iterable[Person]) -> None:
        words: set[str] = set()
        for p in people:
            for name in (p.given_name, p.family_name, *p.also_known_as):
                words.update(w for w in _words(name) if len(w) > 1)
        self.words = words

    def __call__(self, label: str) -> str:
        found = set(_words(label))
        return "Area withheld (the text names a person)" if found & self.words else label


def compute_profile(ws: Workspace, quarter: str | Quarter, *,
                    home_la: str = DEFAULT_HOME_LA, repeat_threshold: int = REPEAT_THRESHOLD,
                    registry: FormRegistry | None = None,
                    now: datetime | None = None) -> MissingProfile:
    """The profile of ``quarter`` (``"2026Q3"``) with the previous quarter for comparison.

    Reads people, episodes and submissions (no audit entry: the caller audits the print).
    UsageError for a badly written quarter.
    """
    q = quarter if isinstance(quarter, Quarter) else Quarter.parse(quarter)
    if repeat_threshold < 1:
        raise UsageError("The repeat-children threshold must be at least 1.")
    people = {p.id: p for p in ws.people.list()}
    episodes = [e for e in ws.episodes.list() if e.person_id in people]
    interviews = current_interviews(ws.submissions.list())
    labels = _Labels.load(registry if registry is not None else default_registry())
    guard = _NameGuard(people.values())
    generated = now or datetime.now(UTC)

    def one(qq: Quarter) -> MissingProfile:
        return profile_of(qq, people, episodes, interviews, labels=labels, guard=guard,
                          home_la=home_la, repeat_threshold=repeat_threshold, now=generated)

    return dataclasses.replace(one(q), previous=one(q.previous()))


def profile_of(q: Quarter, people: dict[str, Person], all_episodes: Sequence[Episode],
               interviews: dict[str, Submission], *, labels: _Labels,
               guard: Callable[[str], str], home_la: str, repeat_threshold: int,
               now: datetime) -> MissingProfile:
    """One quarter's figures over records already read (no previous quarter)."""
    episodes = sorted((e for e in all_episodes if q.contains(e.started_at)),
                      key=lambda e: (e.started_at, e.id))
    by_child: dict[str, list[Episode]] = defaultdict(list)
    for e in episodes:
        by_child[e.person_id].append(e)
    n_episodes, n_children = len(episodes), len(by_child)

    # -- volumes
    repeaters = [pid for pid, eps in by_child.items() if len(eps) >= repeat_threshold]
    volumes = Volumes(
        episodes=n_episodes, children=n_children, repeat_children=len(repeaters),
        repeat_episodes=sum(len(by_child[pid]) for pid in repeaters),
        not_returned=sum(1 for e in episodes if e.returned_at is None),
        overnight=sum(1 for e in episodes if e.overnight),
        by_category=_breakdown("By category", Counter(e.category.value for e in episodes),
                               {k.value: v for k, v in CATEGORY_LABELS.items()}, n_episodes,
                               "episodes", partition=True),
        by_risk_grade=_breakdown("By police risk grade",
                                 Counter(e.police_risk_grade.value for e in episodes),
                                 {k.value: v for k, v in GRADE_LABELS.items()}, n_episodes,
                                 "episodes", partition=True, pinned=["high"]),
    )

    # -- RHI performance
    returned = [e for e in episodes if e.returned_at is not None]
    outcomes: Counter[str] = Counter()
    offered_in_time = offered_no_time = completed_in_time = completed_no_time = 0
    independence: Counter[str] = Counter()
    for e in returned:
        assert e.returned_at is not None
        form = interviews.get(e.id)
        outcome = rhi_outcome(e, form)
        outcomes[outcome] += 1
        answers = form.answers if form is not None else {}
        if outcome in OFFERED_OUTCOMES:
            offered_at = _when(answers.get("offered_at"))
            offered_in_time += within_72h(e.returned_at, offered_at)
            offered_no_time += offered_at is None
        if outcome == "completed":
            interview_at = _when(answers.get("interview_at"))
            completed_in_time += within_72h(e.returned_at, interview_at)
            completed_no_time += interview_at is None
            if form is None:
                independence["_no_form"] += 1
            else:
                who = answers.get("interviewer_independence")
                independence[who if isinstance(who, str) and who else "_not_recorded"] += 1
    who_labels = labels.of("interviewer_independence")
    who_labels.update({"_not_recorded": NOT_RECORDED,
                       "_no_form": "No interview form (status only)"})
    n_completed = outcomes["completed"]
    rhi = RhiPerformance(
        returned=len(returned),
        offered=sum(outcomes[k] for k in OFFERED_OUTCOMES),
        offered_within_72h=offered_in_time, offered_time_not_recorded=offered_no_time,
        completed=n_completed, completed_within_72h=completed_in_time,
        completed_time_not_recorded=completed_no_time,
        declined=sum(outcomes[k] for k in DECLINED_OUTCOMES),
        not_offered=sum(outcomes[k] for k in NOT_OFFERED_OUTCOMES),
        not_independent=sum(independence[k] for k in NOT_INDEPENDENT),
        outcomes=_breakdown("Outcome for each returned episode", outcomes, OUTCOME_LABELS,
                            len(returned), "returned episodes", partition=True,
                            pinned=["completed"]),
        independence=_breakdown("Who did the completed interviews", independence, who_labels,
                                n_completed, "completed interviews", partition=True),
    )

    # -- demographics (children; age at their first episode in the quarter)
    children = [people[pid] for pid in by_child]
    ages: Counter[str] = Counter()
    for pid, eps in by_child.items():
        first = eps[0].started_at.astimezone(LOCAL_ZONE).date()
        ages[age_band(people[pid].age_on(first))] += 1
    legal = Counter(legal_group(p, home_la) for p in children)
    characteristics = Counter({
        "uasc": sum(p.uasc for p in children),
        "sen_support": sum(p.sen is SenStatus.SEN_SUPPORT for p in children),
        "ehcp": sum(p.sen is SenStatus.EHCP for p in children),
    })
    demographics = Demographics(
        children=n_children,
        age_band=_breakdown("Age at the start of their first episode", ages,
                            {label: label for _, _, label in AGE_BANDS}, n_children, "children",
                            partition=True),
        gender=_breakdown("Gender", Counter(_tidy(p.gender) or NOT_RECORDED for p in children),
                          {}, n_children, "children", partition=True, ranked=True,
                          last=[NOT_RECORDED]),
        ethnicity=_breakdown("Ethnicity",
                             Counter(_tidy(p.ethnicity) or NOT_RECORDED for p in children), {},
                             n_children, "children", partition=True, ranked=True,
                             last=[NOT_RECORDED]),
        legal_status=_breakdown("Legal status", legal, LEGAL_LABELS, n_children, "children",
                                partition=True, pinned=["lac_own", "lac_placed_in"]),
        characteristics=_breakdown("Other characteristics", characteristics, {
            "uasc": "Unaccompanied asylum-seeking child",
            "sen_support": "Special educational needs: SEN support",
            "ehcp": "Education, health and care plan (EHCP)"}, n_children, "children"),
        education=_breakdown("Education", Counter(p.education_status.value for p in children),
                             EDUCATION_LABELS, n_children, "children", partition=True),
    )

    # -- themes (completed interviews with a form)
    done = [interviews[e.id].answers for e in returned
            if e.id in interviews and rhi_outcome(e, interviews[e.id]) == "completed"]
    n_done = len(done)

    def tally(field_id: str) -> Counter[str]:
        return Counter(v for a in done for v in _ticked(a, field_id))

    def theme(title: str, field_id: str, none: str) -> Breakdown:
        return _breakdown(title, tally(field_id), labels.of(field_id), n_done,
                          "completed interviews", ranked=True, last=[none])

    themes = Themes(
        interviews=n_done,
        harm_disclosed=sum(1 for a in done if _ticked(a, "harm") - {"none"}),
        exploitation_indicated=sum(1 for a in done
                                   if _ticked(a, "exploitation_indicators") - {"none"}),
        push=theme("What pushed them to leave", "push_factors", "none_given"),
        pull=theme("What drew them away", "pull_factors", "none_given"),
        harm=theme("Harm they told us about", "harm", "none"),
        exploitation=theme("Signs of exploitation", "exploitation_indicators", "none"),
        travel=theme("How they travelled", "travel", ""),
        other=_breakdown("Other answers", Counter({
            "drugs_alcohol": sum(1 for a in done if a.get("drugs_alcohol") == "yes"),
            "online_contact": sum(1 for a in done if a.get("online_contact") == "yes"),
            "health_needs": sum(1 for a in done if a.get("health_needs") == "yes"),
            "immediate_safety": sum(1 for a in done if a.get("immediate_safety") == "yes"),
            "rmm_referral": sum(1 for a in done if a.get("rmm_referral") == "yes"),
        }), {"drugs_alcohol": "Given or used drugs or alcohol",
             "online_contact": "In contact with someone online about going",
             "health_needs": "Health needs identified",
             "immediate_safety": "Immediate safety concerns",
             "rmm_referral": "Referred to the Risk Management Meeting"},
            n_done, "completed interviews"),
    )

    # -- hotspots (episodes with an interview form, any outcome)
    recorded = [interviews[e.id].answers for e in episodes if e.id in interviews]
    mentions: list[set[str]] = []
    spelling: dict[str, Counter[str]] = defaultdict(Counter)
    venues: Counter[str] = Counter()
    for answers in recorded:
        places = [r for r in answers.get("locations") or [] if isinstance(r, dict)]
        names = {area_label(answers.get("found_area"))}
        names |= {postcode_sector(_tidy(r.get("loc_place"))) for r in places}
        names |= {area_label(r.get("loc_town")) for r in places
                  if r.get("loc_out_of_area") == "yes"}
        keys = set()
        for name in names:
            if name:
                shown = guard(name)
                spelling[shown.casefold()][shown] += 1
                keys.add(shown.casefold())
        mentions.append(keys)
        venues.update({r["loc_type"] for r in places if isinstance(r.get("loc_type"), str)})
    # one spelling per area: the commonest, then the first alphabetically
    shown_as = {k: min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] for k, c in spelling.items()}
    areas = Counter(shown_as[k] for keys in mentions for k in keys)
    hotspots = Hotspots(
        recorded=len(recorded),
        found_out_of_area=sum(1 for a in recorded if a.get("found_out_of_area") == "yes"),
        areas=_breakdown("Areas: where found, and places they went", areas, {}, len(recorded),
                         "episodes with an interview form", ranked=True, merge_small=True,
                         note="An episode counts once in each area it mentions."),
        venue_types=_breakdown("Types of place they went", venues, labels.of("loc_type"),
                               len(recorded), "episodes with an interview form", ranked=True,
                               last=["other"]),
    )

    # -- timing (episode starts, UK local time)
    starts = [e.started_at.astimezone(LOCAL_ZONE) for e in episodes]
    timing = Timing(
        time_of_day=_breakdown("Time of day the episode started", Counter(
            time_band(s) for s in starts), {label: label for _, label in TIME_BANDS},
            n_episodes, "episodes", partition=True),
        day_of_week=_breakdown("Day of the week the episode started", Counter(
            DAYS[s.weekday()] for s in starts), {d: d for d in DAYS}, n_episodes, "episodes",
            partition=True),
    )
    return MissingProfile(quarter=q, home_la=home_la, repeat_threshold=repeat_threshold,
                          generated_at=now, volumes=volumes, rhi=rhi, demographics=demographics,
                          themes=themes, hotspots=hotspots, timing=timing)


def area_label(value: Any) -> str | None:
    """An area as printed: a postcode becomes its sector; other text is tidied."""
    text = _tidy(value)
    if not text:
        return None
    sector = postcode_sector(text)
    return sector if sector is not None else text
