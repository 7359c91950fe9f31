"""The quarterly missing profile's figures: counts, breakdowns, the profile and its
shareable (suppressed) version. No store, no forms: :mod:`cse_desktop.casework.missing_profile`
counts the records into these; :mod:`cse_desktop.casework.quarters` has the periods.

Every definition is in the module doc of :mod:`cse_desktop.casework.missing_profile`.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cse_desktop.casework.quarters import Quarter
from cse_desktop.domain.labels import (
    CATEGORY_LABELS,
    EDUCATION_LABELS,
    LEGAL_LABELS,
    POLICE_GRADE_LABELS,
    RISK_WORDS,
)
from cse_desktop.domain.models import (
    EducationStatus,
    EpisodeCategory,
    LegalStatus,
    PoliceRiskGrade,
    RiskLevel,
)

DEFAULT_THRESHOLD = 5

#: A count: an int, or in the shareable version a marker string ("<5", or "c").
Count = int | str
SECONDARY = "c"

# The rows of the profile's breakdowns, in the order they print: each is keyed by a stored
# code's value, and a code's words are its one wording in :mod:`cse_desktop.domain.labels`.
CATEGORY_ROWS = {c.value: CATEGORY_LABELS[c] for c in EpisodeCategory}
GRADE_ROWS = {g.value: POLICE_GRADE_LABELS[g]
              for g in (PoliceRiskGrade.HIGH, PoliceRiskGrade.MEDIUM, PoliceRiskGrade.LOW,
                        PoliceRiskGrade.NO_APPARENT_RISK, PoliceRiskGrade.NOT_KNOWN)}
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
    "no_outcome_due": "Nothing recorded yet, still within 72 hours",
    "no_outcome_overdue": "Nothing recorded, more than 72 hours after the return",
}
OFFERED_OUTCOMES = frozenset({"completed", "declined_child", "declined_parent",
                              "declined_unrecorded", "unable_to_contact", "missing_again",
                              "offered_pending"})
DECLINED_OUTCOMES = frozenset({"declined_child", "declined_parent", "declined_unrecorded"})
NOT_OFFERED_OUTCOMES = frozenset({"not_offered", "not_offered_unrecorded"})
#: interviewer roles the form itself treats as not independent
NOT_INDEPENDENT = frozenset({"social_worker", "carer_staff"})
#: looked after: split by the placing authority when the home authority is known
LAC_SPLIT = ("lac_own", "lac_placed_in")
#: the legal-status groups (looked after, whatever the section, is split or grouped here)
LEGAL_ROWS = {
    "lac_own": "Looked after by this authority",
    "lac_placed_in": "Looked after, placed here by another authority",
    "lac": "Looked after (own or placed in: home authority not given)",
    **{s.value: LEGAL_LABELS[s] for s in (LegalStatus.CP, LegalStatus.CIN,
                                          LegalStatus.CARE_LEAVER, LegalStatus.EARLY_HELP,
                                          LegalStatus.NOT_KNOWN)},
}
EDUCATION_ROWS = {e.value: EDUCATION_LABELS[e] for e in EducationStatus}
NOT_RECORDED = "Not recorded"
#: the exploitation risk level standing at the end of the quarter (one row per child)
RISK_ROWS = {**{lv.value: RISK_WORDS[lv] for lv in (RiskLevel.HIGH, RiskLevel.MEDIUM,
                                                     RiskLevel.LOW, RiskLevel.NONE)},
             RiskLevel.NOT_ASSESSED.value:
                 f"{RISK_WORDS[RiskLevel.NOT_ASSESSED]} by the end of the quarter"}
#: reasons for an interview not offered, or declined, where no coded reason was given
REASON_TEXT_ONLY = "_text"
REASON_NONE = "_none"
REASON_NO_FORM = "_no_form"
REASON_LABELS = {REASON_TEXT_ONLY: "Reason written as free text only (not counted by reason)",
                 REASON_NONE: "No reason recorded",
                 REASON_NO_FORM: "No interview form (status only)"}


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


def breakdown(title: str, counter: Counter[str], labels: dict[str, str], base: int,
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
    #: why interviews were not offered (rows add up to ``not_offered``)
    not_offered_reasons: Breakdown
    #: why they were declined (rows add up to ``declined``)
    declined_reasons: Breakdown
    #: returned episodes with nothing recorded more than 72 hours after the return
    overdue: Count = 0


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
    #: episodes with an interview form (any outcome): the base of the venue types
    recorded: Count
    #: of those, found out of area (the form's answer)
    found_out_of_area: Count
    #: episodes with a where-found on the episode record or an interview form: the base
    #: of the areas
    located: Count
    #: returned episodes whose episode record says where they were found
    where_found_recorded: Count
    #: returned episodes (every one should say where the child was found)
    returned: Count
    areas: Breakdown
    venue_types: Breakdown


@dataclass(frozen=True)
class Links:
    """Links to exploitation risk, the Risk Management Meeting, the NRM and disruption, for
    the children who went missing in the quarter."""

    #: children who went missing in the quarter: the base
    children: Count
    #: their exploitation risk level standing at the end of the quarter
    by_risk_level: Breakdown
    #: children with a final exploitation screening finalised in the quarter
    screened: Count
    #: children with a Risk Management Meeting record whose meeting date is in the quarter
    discussed_at_rmm: Count
    #: children with an NRM referral recorded in the quarter (a screening, RMM or interview)
    nrm_referred: Count
    #: children whose record says they have been referred to the NRM (at any time)
    nrm_on_record: Count
    #: children with at least one disruption activity dated in the quarter
    disruption_children: Count
    #: disruption activities dated in the quarter, by tactic (base: activities)
    disruption: Breakdown


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
    #: the same quarter a year before, and this minus it
    year_ago: Count | float | None = None
    year_change: float | int | None = None


@dataclass(frozen=True)
class MissingProfile:
    """The quarter's aggregate figures (see the module doc for every definition)."""

    quarter: Quarter
    #: this authority's name; None when not given (looked after children are then not split)
    home_la: str | None
    repeat_threshold: int
    generated_at: datetime
    volumes: Volumes
    rhi: RhiPerformance
    demographics: Demographics
    themes: Themes
    hotspots: Hotspots
    timing: Timing
    links: Links
    #: the same measures for the four quarters before, newest first (empty inside them)
    earlier: tuple[MissingProfile, ...] = ()
    #: None in the restricted version; the suppression threshold in the shareable version
    suppressed_below: int | None = None

    @property
    def shareable(self) -> bool:
        return self.suppressed_below is not None

    @property
    def previous(self) -> MissingProfile | None:
        """The quarter before (None inside an earlier quarter's own figures)."""
        return self.earlier[0] if self.earlier else None

    @property
    def year_ago(self) -> MissingProfile | None:
        """The same quarter a year before."""
        return self.earlier[3] if len(self.earlier) >= 4 else None

    @property
    def trend(self) -> list[MissingProfile]:
        """This quarter and the three before it, oldest first (the trend chart)."""
        return [*reversed(self.earlier[:3]), self]

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
    def completed_within_72h_of_returned_pct(self) -> float | None:
        """Interviews done within 72 hours as a share of every returned episode."""
        return pct(self.rhi.completed_within_72h, self.rhi.returned)

    @property
    def declined_pct(self) -> float | None:
        return pct(self.rhi.declined, self.rhi.offered)

    @property
    def not_offered_pct(self) -> float | None:
        return pct(self.rhi.not_offered, self.rhi.returned)

    @property
    def looked_after(self) -> Count:
        """Children looked after (own and placed in), from the legal status table."""
        legal = self.demographics.legal_status
        return legal.total([k for k in (*LAC_SPLIT, "lac") if k in legal.counts()])

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
            ("RHIs overdue (nothing recorded after 72 hours)", r.overdue, False),
            ("Children at high risk of exploitation", self.links.by_risk_level.count("high"),
             False),
            ("Children discussed at an RMM", self.links.discussed_at_rmm, False),
            ("Children with an NRM referral recorded", self.links.nrm_referred, False),
            ("Disruption activities recorded", self.links.disruption.base, False),
            ("Offered, % of returned episodes", self.offered_pct, True),
            ("Offered within 72 hours, % of returned", self.offered_within_72h_pct, True),
            ("Completed, % of offered", self.completed_pct, True),
            ("Completed within 72 hours, % of returned",
             self.completed_within_72h_of_returned_pct, True),
            ("Completed within 72 hours, % of completed", self.completed_within_72h_pct, True),
        ]

    def comparison(self) -> list[Comparison]:
        """This quarter against the previous one and the same quarter a year before; a
        change is None when either side is hidden (or has no base)."""
        if self.previous is None:
            return []
        year = self.year_ago.headline() if self.year_ago is not None else None
        rows = []
        for n, ((label, now, is_rate), (_, before, _)) in enumerate(
                zip(self.headline(), self.previous.headline(), strict=True)):
            then = year[n][1] if year is not None else None
            rows.append(Comparison(label, now, before, _change(now, before), is_rate, then,
                                   _change(now, then)))
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


def _change(now: Any, before: Any) -> float | int | None:
    if isinstance(now, int | float) and isinstance(before, int | float):
        return now - before
    return None


def _suppress(obj: Any, threshold: int) -> Any:
    if isinstance(obj, Breakdown):
        return obj.suppressed(threshold)
    if isinstance(obj, MissingProfile):
        changes = {f.name: _suppress(getattr(obj, f.name), threshold)
                   for f in dataclasses.fields(obj)
                   if f.name in ("volumes", "rhi", "demographics", "themes", "hotspots",
                                 "timing", "links")}
        changes["earlier"] = tuple(_suppress(p, threshold) for p in obj.earlier)
        rhi = changes["rhi"]
        out = rhi.outcomes
        declined, not_offered = out.total(DECLINED_OUTCOMES), out.total(NOT_OFFERED_OUTCOMES)
        changes["rhi"] = dataclasses.replace(
            rhi, completed=out.count("completed"), offered=out.total(OFFERED_OUTCOMES),
            declined=declined, not_offered=not_offered, overdue=out.count("no_outcome_overdue"),
            not_independent=rhi.independence.total(NOT_INDEPENDENT),
            # the reasons' totals are the figures printed beside them
            declined_reasons=_with_base(rhi.declined_reasons, declined),
            not_offered_reasons=_with_base(rhi.not_offered_reasons, not_offered))
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


def _with_base(b: Breakdown, base: Count) -> Breakdown:
    return b if not isinstance(base, str) else dataclasses.replace(b, base=base)

