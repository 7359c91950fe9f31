"""The RMM case summary's page furniture: table cells, form answers read through the
audience's redaction profile (:class:`SummaryAnswers`), and :class:`SummaryWriter`, the small
builders every section uses (each text passes the profile's scrub).

The sections themselves are in :mod:`~cse_desktop.reports.summary_sections` and
:mod:`~cse_desktop.reports.summary_record`; the facts they print come from
:mod:`cse_desktop.casework.case_summary`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Table
from reportlab.platypus.flowables import Flowable

from cse_desktop.casework.case_summary import CaseSummary
from cse_desktop.domain.dates import LOCAL_ZONE, uk_date, uk_datetime
from cse_desktop.domain.labels import RISK_WORDS
from cse_desktop.domain.models import RiskLevel, Submission
from cse_desktop.forms.loader import FormRegistry
from cse_desktop.forms.sensitivity import Category
from cse_desktop.forms.spec import PRESENT_LABELS, ChoiceField, FormSpec
from cse_desktop.reports import page
from cse_desktop.reports.redaction import RedactionProfile

#: flags whose message would tell a family what the child asked to keep from them
FAMILY_WITHHELD_FLAGS = frozenset({"not-for-parent"})
WIDTH = 178 * mm  # the page's frame width (A4 less 16 mm margins)


class _Cell(Paragraph):
    """A table cell's paragraph that keeps its line breaks for a width it was wrapped at.

    A table is wrapped again every time it splits across a page, so the rows of a long
    chronology were broken into lines once per page they follow; the lines depend only on the
    width, so they are kept.
    """

    _kept: tuple[float, Any] | None = None

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        kept = self._kept
        if kept is not None and kept[0] == availWidth:
            self.width, self.height, self._wrapWidths, self.blPara = kept[1]
            return self.width, self.height
        size = super().wrap(availWidth, availHeight)
        self._kept = (availWidth, (self.width, self.height, self._wrapWidths, self.blPara))
        return size


def code_words(value: Any) -> str:
    return str(value).replace("_", " ").capitalize()


class SummaryAnswers:
    """Form answers as printable words, with withheld ones left out (never read into text)."""

    def __init__(self, profile: RedactionProfile, registry: FormRegistry | None) -> None:
        self.profile = profile
        self.registry = registry

    def spec(self, sub: Submission) -> FormSpec | None:
        if self.registry is None:
            return None
        try:
            return self.registry.get(sub.form_id, sub.form_version)
        except KeyError:
            return None

    def field(self, sub: Submission, field_id: str,
              group_id: str | None = None) -> tuple[Any | None, Any | None]:
        spec = self.spec(sub)
        if spec is None:
            return None, None
        try:
            if group_id is None:
                return spec.field(field_id), None
            group = spec.field(group_id)
        except KeyError:
            return None, None
        subs = getattr(group, "fields", [])
        return next((f for f in subs if f.id == field_id), None), group

    def withheld(self, sub: Submission, field_id: str, group_id: str | None = None) -> bool:
        """Whether this audience may not see the answer: by the field's sensitivity
        categories (and its group's), its ``sensitive`` mark, or because a worker marked it
        restricted."""
        f, group = self.field(sub, field_id, group_id)
        restricted = field_id in sub.restricted_fields or (
            group_id is not None and group_id in sub.restricted_fields)
        return self.profile.withholds_field(f, field_id, group=group, group_id=group_id,
                                            categories=self.categories(sub, field_id,
                                                                       group_id),
                                            restricted=restricted)

    def categories(self, sub: Submission, field_id: str,
                   group_id: str | None = None) -> frozenset[Category] | None:
        """A field's sensitivity categories with its group's (None: no forms to ask)."""
        if self.registry is None:
            return None
        found = self.registry.categories(sub.form_id, sub.form_version, field_id)
        if group_id is not None:
            found |= self.registry.categories(sub.form_id, sub.form_version, group_id)
        return found

    def wording(self, sub: Submission, field_id: str) -> str | None:
        """A question's label in the newest wording of the same question."""
        if self.registry is None:
            return None
        return self.registry.wording(sub.form_id, sub.form_version, field_id)

    def raw(self, sub: Submission, field_id: str) -> Any:
        """The answer, or None if there is none or it is withheld."""
        if field_id not in sub.answers or self.withheld(sub, field_id):
            return None
        return sub.answers[field_id]

    def show(self, sub: Submission, field_id: str, *, group_id: str | None = None,
             row: dict[str, Any] | None = None) -> str:
        """The answer in words ('' if none or withheld). Inside a repeat group pass the
        group and the row."""
        source = sub.answers if row is None else row
        if field_id not in source or self.withheld(sub, field_id, group_id):
            return ""
        value = source[field_id]
        f, _ = self.field(sub, field_id, group_id)
        return self.profile.scrub(self._format(sub, f, value))

    def rows(self, sub: Submission, group_id: str) -> list[dict[str, Any]]:
        """The rows of a repeat group ([] if it is withheld)."""
        value = sub.answers.get(group_id)
        if not isinstance(value, list) or self.withheld(sub, group_id):
            return []
        return [r for r in value if isinstance(r, dict)]

    def withheld_flags(self, sub: Submission) -> set[str]:
        """The ids of a submission's flags this audience may not see: those whose condition
        reads an answer withheld from it (and, where third-party information is withheld,
        the child's wish that something is not shared with a parent)."""
        out = set(FAMILY_WITHHELD_FLAGS) if self.profile.withhold_third_party else set()
        spec = self.spec(sub)
        if spec is None:
            return out
        ids = {f.id for f in spec.all_fields()}
        for flag in spec.flags:
            if any(self.withheld(sub, name) for name in _flag_names(flag.when) & ids):
                out.add(flag.id)
        return out

    def _format(self, sub: Submission, f: Any, value: Any) -> str:
        if value is None or value == "" or value == []:
            return ""
        spec = self.spec(sub)
        if isinstance(value, list):
            return ", ".join(self._format(sub, f, v) for v in value)
        if isinstance(f, ChoiceField) and spec is not None:
            newest = (self.registry.wording(sub.form_id, sub.form_version, f.id, str(value))
                      if self.registry is not None else None)
            if newest is not None:  # top-level questions read in the newest wording
                return newest
            for choice in spec.choices_of(f):
                if choice.value == value:
                    return choice.label
            return code_words(value)
        kind = getattr(f, "type", None)
        if kind in ("yes_no", "yes_no_possible"):
            return PRESENT_LABELS.get(str(value), code_words(value))
        if kind == "date":
            try:
                return uk_date(date.fromisoformat(str(value)))
            except ValueError:
                return str(value)
        if kind == "datetime":
            try:
                at = datetime.fromisoformat(str(value))
            except ValueError:
                return str(value)
            return uk_datetime(at if at.tzinfo else at.replace(tzinfo=LOCAL_ZONE))
        if isinstance(value, bool):
            return "Yes" if value else "No"
        return str(value)


@dataclass(frozen=True)
class AgendaItem:
    """The meeting a summary is printed for, and why the child is on its agenda."""

    meeting_date: date
    reasons: tuple[str, ...] = ()


class SummaryWriter:
    """One child's summary for one audience: the facts (``summary``), the answers as this
    audience may read them (``answers``) and the builders that put text on the page."""

    def __init__(self, summary: CaseSummary, *, profile: RedactionProfile,
                 registry: FormRegistry | None, date_from: date | None, date_to: date | None,
                 item: AgendaItem | None, verified: dict[str, str]) -> None:
        self.summary = summary
        self.record = summary.record
        self.person = summary.person
        self.profile = profile
        self.registry = registry
        self.answers = SummaryAnswers(profile, registry)
        self.date_from, self.date_to = date_from, date_to
        self.item = item
        #: whether a hub verified each approval, in words, by submission id
        self.verified = verified
        self.now, self.today = summary.now, summary.today
        st = page.styles()
        st["label"] = ParagraphStyle("label", parent=st["cell"], textColor=page.MUTED)
        self.st = st
        self._cells: dict[tuple[str, str, float], _Cell] = {}

    def s(self, value: Any) -> str:
        return self.profile.scrub("" if value is None else str(value))

    def para(self, value: Any, style: str = "body") -> Paragraph:
        return Paragraph(page.text(self.s(value)), self.st[style])

    def labelled(self, label: str, value: Any, style: str = "body") -> Paragraph:
        return Paragraph(f"<b>{page.text(label)}</b> {page.text(self.s(value))}", self.st[style])

    def table(self, rows: list[list[Any]], widths: list[float], *, header: bool = True,
              **kw: Any) -> Table:
        """page.table, with every text scrubbed for the audience, in cells that remember their
        layout (a long table is measured again each time it splits across a page)."""
        clean = [[self._cell(self.s(c), "cellhead" if header and r == 0 else "cell",
                             widths[i]) if isinstance(c, str) else c
                  for i, c in enumerate(row)] for r, row in enumerate(rows)]
        return page.table(clean, widths, header=header, st=self.st, **kw)

    def _cell(self, value: str, style: str, width: float) -> _Cell:
        """The cell for ``value`` in a column of ``width``: made once and reused by the second
        layout pass (and by equal cells in columns of the same width), lines and all."""
        key = (value, style, width)
        cell = self._cells.get(key)
        if cell is None:
            cell = self._cells[key] = _Cell(page.text(value), self.st[style])
        return cell

    def facts(self, pairs: list[tuple[str, Any]], columns: int = 2) -> Table | Paragraph:
        """Label and value pairs in a ruled grid, ``columns`` pairs a row; empty values left
        out."""
        pairs = [(k, v) for k, v in pairs if v not in (None, "", [])]
        if not pairs:
            return page.empty("Nothing recorded.", self.st)
        label_w = 34 * mm if columns == 2 else 44 * mm
        value_w = WIDTH / columns - label_w
        rows = []
        for i in range(0, len(pairs), columns):
            row: list[Any] = []
            for k, v in pairs[i:i + columns]:
                row += [Paragraph(page.text(k), self.st["label"]),
                        Paragraph(page.text(self.s(v)), self.st["cell"])]
            row += [""] * (2 * columns - len(row))
            rows.append(row)
        return page.table(rows, [label_w, value_w] * columns, header=False, st=self.st,
                          extra=[("BACKGROUND", (c, 0), (c, -1), page.HEAD_FILL)
                                 for c in range(0, 2 * columns, 2)])

    def h2(self, title: str) -> list[Flowable]:
        """A sub-heading, moved to the next page rather than left alone at the foot of one."""
        return [page.heading_break(30), Paragraph(page.text(title), self.st["h2"])]

    def nothing(self, message: str) -> Paragraph:
        return page.empty(message, self.st)


def _flag_names(when: str) -> set[str]:
    """The names a flag's condition reads (quoted values left out)."""
    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", re.sub(r"'[^']*'|\"[^\"]*\"", "", when)))


def without_restricted(sub: Submission) -> Submission:
    """A copy of a submission without the answers a worker marked restricted (in memory only:
    the record itself never changes)."""
    if not sub.restricted_fields:
        return sub
    kept = {k: v for k, v in sub.answers.items() if k not in sub.restricted_fields}
    return sub.model_copy(update={"answers": kept})


def without_flags(sub: Submission, flag_ids: set[str]) -> Submission:
    """A copy of a final submission whose outcome leaves out the given flags (in memory only:
    the record itself never changes)."""
    outcome = sub.outcome or {}
    flags = outcome.get("flags") or []
    if not any(isinstance(f, dict) and f.get("id") in flag_ids for f in flags):
        return sub
    kept = [f for f in flags if not (isinstance(f, dict) and f.get("id") in flag_ids)]
    return sub.model_copy(update={"outcome": {**outcome, "flags": kept}})


def with_reason(words: str, reason: str) -> str:
    """An answer with its reason, if there is one ('Was not asked: ...')."""
    return f"{words}: {reason}" if words and reason else words


def level_words(value: Any) -> str:
    """A stored level in the summary's words ('' for anything else)."""
    try:
        return RISK_WORDS[RiskLevel(value)]
    except ValueError:
        return ""
