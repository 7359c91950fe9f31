"""The form engine: start, answer, validate, score, finalise and amend submissions.

Pure functions over :class:`~cse_desktop.domain.models.Submission` values; the caller keeps
them (the store's ``ws.submissions``).  A submission is always validated and scored against the
form version it was started on, so a draft begun on v1 still opens after v2 is added.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property
from typing import Any

from cse_desktop.domain.errors import ValidationFailed
from cse_desktop.domain.ids import RecordId
from cse_desktop.domain.models import (
    Approval,
    Episode,
    LegalStatus,
    Owner,
    Person,
    Role,
    SenStatus,
    Submission,
    SubmissionStatus,
)
from cse_desktop.forms import expr as ex
from cse_desktop.forms.checks import scoring_rules
from cse_desktop.forms.loader import FormRegistry
from cse_desktop.forms.scope import FLOOR_NAMES, form_scope, name_of
from cse_desktop.forms.scoring import ScoringInputs, score
from cse_desktop.forms.spec import (
    TIMING_LABELS,
    FormSpec,
    IndicatorField,
    Level,
    RepeatField,
    Section,
    Timing,
)
from cse_desktop.forms.values import check_value, typed

_PATH = re.compile(r"^([a-z][a-z0-9_]*)(?:\[(\d+)\]\.([a-z][a-z0-9_]*))?$")
_LOOKED_AFTER = {LegalStatus.LAC_S20, LegalStatus.LAC_S31, LegalStatus.LAC_S38}
#: a child's legal status on the person record → as the screening's routes see it
ROUTING_STATUS = {**{s: "looked_after" for s in _LOOKED_AFTER},
                  LegalStatus.CP: "child_protection_plan", LegalStatus.CIN: "child_in_need",
                  LegalStatus.NOT_KNOWN: "not_known"}


class FormInvalid(ValidationFailed):
    """A submission cannot be finalised: ``errors`` maps field paths to messages."""

    code = "form_invalid"

    def __init__(self, errors: dict[str, list[str]], spec: FormSpec) -> None:
        labels = _labels(spec)
        lines = [f"{labels.get(p.split('[')[0], p)}: {m}" for p, ms in errors.items() for m in ms]
        super().__init__(f"The form is not complete ({len(lines)} problem"
                         f"{'s' if len(lines) != 1 else ''}): " + "; ".join(lines[:10]))
        self.errors = errors


@dataclass
class FormContext:
    """What a form may know beyond its answers: the child, the episode, recent history."""

    person: Person | None = None
    episode: Episode | None = None
    #: missing episodes of this child that started in the 30 days before now
    missing_episodes_30d: int = 0
    #: whether any of those was overnight
    missing_overnight: bool = False
    #: overrides for when there is no person record (the command line's --context)
    age: int | None = None
    sen: bool | None = None
    #: the legal status as routes see it (``spec.ROUTING_STATUSES``), when there is no person
    legal_status: str | None = None
    #: the level agreed at the child's last Risk Management Meeting
    rmm_level: str | None = None
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    @classmethod
    def for_person(cls, person: Person, episodes: list[Episode], *,
                   episode: Episode | None = None, now: datetime | None = None) -> FormContext:
        """Derive the missing-history context from a child's episodes."""
        now = now or datetime.now(UTC)
        recent = [e for e in episodes if not e.deleted and 0 <= (now - e.started_at).days < 30]
        return cls(person=person, episode=episode, missing_episodes_30d=len(recent),
                   missing_overnight=any(e.overnight for e in recent), now=now)

    @property
    def today(self) -> date:
        return self.now.date()

    def person_age(self) -> int | None:
        if self.age is not None:
            return self.age
        return self.person.age_on(self.today) if self.person else None

    def routing_status(self) -> str | None:
        if self.legal_status is not None:
            return self.legal_status
        if self.person is None:
            return None
        return ROUTING_STATUS.get(self.person.legal_status, "none")

    def person_sen(self) -> bool:
        if self.sen is not None:
            return self.sen
        return bool(self.person and self.person.sen is not SenStatus.NONE)

    def objects(self) -> dict[str, dict[str, Any]]:
        p, e = self.person, self.episode
        duration = e.duration if e is not None else None
        return {
            "person": {"age": self.person_age(), "dob": p.dob if p else None,
                       "sen": self.person_sen(), "uasc": p.uasc if p else None,
                       "looked_after": (p.legal_status in _LOOKED_AFTER) if p else None},
            "episode": {"started_at": e.started_at if e else None,
                        "returned_at": e.returned_at if e else None,
                        "reported_at": e.started_at if e else None,
                        "overnight": e.overnight if e else None,
                        "duration_hours": (duration.total_seconds() / 3600
                                           if duration is not None else None),
                        "category": e.category.value if e else None,
                        # the episode record's own words: empty text is "not recorded"
                        "police_reference": (e.police_reference or None) if e else None,
                        "police_risk_grade": e.police_risk_grade.value if e else None,
                        "where_found": (e.where_found or None) if e else None,
                        "how_returned": (e.how_returned or None) if e else None,
                        "rhi_due_at": e.rhi_due_at if e else None},
            "context": {"missing_episodes_30d": self.missing_episodes_30d,
                        "missing_overnight": self.missing_overnight},
        }

    def scoring_inputs(self, approval: Approval | None = None) -> ScoringInputs:
        return ScoringInputs(age=self.person_age(), sen=self.person_sen(),
                             missing_episodes_30d=self.missing_episodes_30d,
                             missing_overnight=self.missing_overnight,
                             legal_status=self.routing_status(),
                             rmm_level=Level(self.rmm_level) if self.rmm_level else None,
                             approval=approval.model_dump(mode="json") if approval else None)


class CompiledForm:
    """A FormSpec with its expressions compiled once."""

    def __init__(self, spec: FormSpec, wording: Callable[[str], str | None] | None = None
                 ) -> None:
        """``wording``: a question's label in the newest wording of the same question."""
        self.spec = spec
        #: the indicators as the outcome names them
        self.indicators = [
            f.model_copy(update={"label": (wording(f.id) if wording else None) or f.label})
            for f in spec.all_fields() if isinstance(f, IndicatorField)]
        scope = form_scope(spec)
        self.exprs: dict[tuple[str, str], ex.Expr] = {}
        for section in spec.sections:
            if section.show_if:
                self.exprs[(section.id, "show_if")] = ex.compile_expr(section.show_if, scope)
            for f in section.fields:
                self._compile_field(f, scope)
        self.flag_exprs = {fl.id: ex.compile_expr(fl.when, scope) for fl in spec.flags}
        #: the ``when`` of every scoring rule and route, by id
        self.rule_exprs: dict[str, ex.Expr] = {}
        if spec.scoring is not None:
            rule_scope = ex.Scope(names=dict(FLOOR_NAMES))
            for rule in scoring_rules(spec.scoring):
                if rule.when:
                    self.rule_exprs[rule.id] = ex.compile_expr(rule.when, rule_scope)

    def _compile_field(self, f: Any, scope: ex.Scope) -> None:
        for attr in ("show_if", "required_if"):
            source = getattr(f, attr)
            if source:
                self.exprs[(f.id, attr)] = ex.compile_expr(source, scope)
        for i, c in enumerate(f.constraints):
            self.exprs[(f.id, f"constraint{i}")] = ex.compile_expr(c.expr, scope)
        if f.type == "computed":
            compiled = ex.compile_expr(f.expr, scope)
            self.exprs[(f.id, "expr")] = compiled
            scope.names[f.id] = ex.Name(compiled.type)
        if isinstance(f, RepeatField):
            inner = ex.Scope(names=dict(scope.names), objects=scope.objects)
            for sub in f.fields:
                inner.names[sub.id] = name_of(sub, self.spec)  # the same typing as at load time
            for sub in f.fields:
                self._compile_field(sub, inner)

    @cached_property
    def fields_by_id(self) -> dict[str, Any]:
        out = {}
        for f in self.spec.all_fields():
            out[f.id] = f
        return out


class FormEngine:
    def __init__(self, registry: FormRegistry) -> None:
        self.registry = registry
        self._compiled: dict[tuple[str, int], CompiledForm] = {}
        #: the last evaluation and what it was of: a form page asks for visibility, problems,
        #: progress and the outcome of the same answers in one refresh (one walk, not five)
        self._last: tuple[tuple[Any, ...], _Evaluation] | None = None

    def form(self, form_id: str, version: int | None = None) -> CompiledForm:
        try:
            spec = self.registry.get(form_id, version)
        except KeyError:
            raise ValidationFailed(f"There is no form '{form_id}'"
                                   + (f" version {version}" if version else "") + ".") from None
        key = (spec.id, spec.version)
        if key not in self._compiled:
            self._compiled[key] = CompiledForm(spec, lambda field_id: self.registry.wording(
                spec.id, spec.version, field_id))
        return self._compiled[key]

    def form_of(self, submission: Submission) -> CompiledForm:
        return self.form(submission.form_id, submission.form_version)

    # -- life cycle ------------------------------------------------------------------------

    def start(self, form_id: str, person_id: str, *, episode_id: str | None = None,
              version: int | None = None) -> Submission:
        """A new draft on the latest version of the form (or the version asked for)."""
        compiled = self.form(form_id, version)
        if compiled.spec.needs_episode and episode_id is None:
            raise ValidationFailed(f"'{compiled.spec.title}' is about a missing episode: choose "
                                   "the episode first.")
        return Submission(form_id=compiled.spec.id, form_version=compiled.spec.version,
                          person_id=RecordId(person_id),
                          episode_id=RecordId(episode_id) if episode_id else None)

    def set_answer(self, submission: Submission, path: str, value: Any) -> Submission:
        """A copy of the draft with one answer set (``None`` clears it).

        ``path`` is a field id, or ``group[row].field`` inside a repeat group.  A value of the
        wrong shape is refused at once with a plain message; whether the form is complete is
        :meth:`validate`'s business.
        """
        if submission.is_final:
            raise ValidationFailed("This submission is final; amend it to make a correction.")
        compiled = self.form_of(submission)
        match = _PATH.match(path)
        if not match or match.group(1) not in compiled.fields_by_id:
            raise ValidationFailed(f"'{path}' is not a field of this form.")
        answers = dict(submission.answers)
        top = compiled.fields_by_id[match.group(1)]
        if match.group(2) is None:
            if value is not None:
                self._check(compiled, top, value)
            if value is None:
                answers.pop(top.id, None)
            else:
                answers[top.id] = value
        else:
            if not isinstance(top, RepeatField):
                raise ValidationFailed(f"'{top.id}' is not a repeat group.")
            subs = {f.id: f for f in top.fields}
            sub_id, row = match.group(3), int(match.group(2))
            if sub_id not in subs:
                raise ValidationFailed(f"'{sub_id}' is not a field of '{top.label}'.")
            rows = [dict(r) for r in answers.get(top.id, [])]
            if row > len(rows) or row >= top.max_rows:
                raise ValidationFailed(f"'{top.label}' has no row {row + 1}.")
            if row == len(rows):
                rows.append({})
            if value is None:
                rows[row].pop(sub_id, None)
            else:
                self._check(compiled, subs[sub_id], value)
                rows[row][sub_id] = value
            answers[top.id] = rows
        return submission.model_copy(update={"answers": answers})

    def set_answers(self, submission: Submission, answers: dict[str, Any]) -> Submission:
        for key, value in answers.items():
            submission = self.set_answer(submission, key, value)
        return submission

    def _check(self, compiled: CompiledForm, f: Any, value: Any) -> None:
        problem = check_value(f, value, compiled.spec)
        if problem:
            raise ValidationFailed(f"{f.label}: {problem}.")

    # -- evaluation ------------------------------------------------------------------------

    def _evaluate(self, compiled: CompiledForm, answers: dict[str, Any],
                  ctx: FormContext, approval: Approval | None = None) -> _Evaluation:
        """Visibility, computed values and the score, as the worker sees the form.

        Fields are walked in form order; a hidden question counts as unanswered for everything
        after it, so a stale answer behind a hidden question never shows or requires anything.
        A scored form is walked twice: once to find the visible answers to score, and again
        with ``suggested_level`` and ``total`` known (the judgement questions depend on them).
        The answer for the same form, answers, context and approval as the last call is the
        last call's (the answers are compared as JSON, so an answer changed in place counts).
        """
        key = (compiled, json.dumps(answers, sort_keys=True, default=str), ctx, approval)
        last = self._last
        if last is not None and all(a is b or a == b for a, b in zip(last[0], key, strict=True)):
            return last[1]
        evaluation = self._walk(compiled, answers, ctx, None)
        if compiled.spec.scoring is not None:
            visible = {k: v for k, v in answers.items() if evaluation.shown.get(k, False)}
            result = score(compiled.spec, visible, ctx.scoring_inputs(approval), ctx.now,
                           compiled.rule_exprs, compiled.indicators)
            evaluation = self._walk(compiled, answers, ctx, result)
        self._last = (key, evaluation)
        return evaluation

    def _walk(self, compiled: CompiledForm, answers: dict[str, Any], ctx: FormContext,
              result: dict[str, Any] | None) -> _Evaluation:
        values: dict[str, Any] = {}
        for f in compiled.spec.all_fields():
            if f.type not in ("computed", "info"):
                values[f.id] = typed(f, answers.get(f.id))
        if compiled.spec.scoring is not None:
            values["suggested_level"] = result["suggested_level"] if result else None
            values["total"] = result["total"] if result else None
        env = ex.Env(values, ctx.objects(), ctx.now)
        shown: dict[str, bool] = {}
        computed: dict[str, Any] = {}
        for section in compiled.spec.sections:
            section_shown = _test(compiled, section.id, "show_if", env, default=True)
            shown[section.id] = section_shown
            for f in section.fields:
                visible = section_shown and _test(compiled, f.id, "show_if", env, default=True)
                shown[f.id] = visible
                if f.type == "computed":
                    value = compiled.exprs[(f.id, "expr")].evaluate(env) if visible else None
                    values[f.id] = value
                    computed[f.id] = value.isoformat() if isinstance(value, date) else value
                elif not visible and f.id in values:
                    values[f.id] = None
        return _Evaluation(env, shown, computed, result)

    def visibility(self, submission: Submission, ctx: FormContext) -> dict[str, bool]:
        """Which sections and top-level fields are shown, by id."""
        return self._evaluate(self.form_of(submission), submission.answers, ctx).shown

    def row_visibility(self, submission: Submission, ctx: FormContext) -> dict[str, bool]:
        """Whether each field of each repeat-group row is shown, by path
        (``group[row].field``): a row's ``show_if`` sees its own fields, then the form's."""
        compiled = self.form_of(submission)
        env = self._evaluate(compiled, submission.answers, ctx).env
        shown: dict[str, bool] = {}
        for f in compiled.spec.all_fields():
            if not isinstance(f, RepeatField):
                continue
            for i, row in enumerate(submission.answers.get(f.id) or []):
                row_env = env.child({sub.id: typed(sub, row.get(sub.id)) for sub in f.fields})
                for sub in f.fields:
                    shown[f"{f.id}[{i}].{sub.id}"] = _test(compiled, sub.id, "show_if",
                                                           row_env, default=True)
        return shown

    def validate(self, submission: Submission, ctx: FormContext) -> dict[str, list[str]]:
        """Problems per field path (empty when the submission could be finalised)."""
        compiled = self.form_of(submission)
        spec = compiled.spec
        answers = submission.answers
        errors: dict[str, list[str]] = {}
        known = set(compiled.fields_by_id)
        for key in answers:
            if key not in known:
                errors.setdefault(key, []).append("is not a field of this form version")
        evaluation = self._evaluate(compiled, answers, ctx)
        env, shown, result = evaluation.env, evaluation.shown, evaluation.score
        for section in spec.sections:
            for f in section.fields:
                if shown[f.id]:
                    self._validate_field(compiled, f, answers.get(f.id), env, f.id, errors)
        if result is not None and spec.scoring is not None:
            rationale = (answers.get(spec.scoring.rationale_field) or "").strip()
            field_id = spec.scoring.rationale_field
            if result["override"] and not rationale and field_id not in errors:
                errors.setdefault(field_id, []).append(
                    "explain why the agreed level differs from the suggested level "
                    f"({result['suggested_level']})")
        return errors

    def _validate_field(self, compiled: CompiledForm, f: Any, value: Any, env: ex.Env,
                        path: str, errors: dict[str, list[str]]) -> None:
        if f.type in ("computed", "info"):
            return
        answered = value not in (None, "", [], {})
        if f.type == "indicator" and isinstance(value, dict) and not value.get("present"):
            answered = False
        required = (f.required or _test(compiled, f.id, "required_if", env, default=False)
                    or (isinstance(f, RepeatField) and f.min_rows > 0))
        if not answered:
            if required:
                errors.setdefault(path, []).append(_required_message(f))
            return
        problem = check_value(f, value, compiled.spec)
        if problem:
            errors.setdefault(path, []).append(problem)
            return
        if isinstance(f, IndicatorField) and f.asks_timing and value.get("present") == "yes" \
                and not value.get("timing"):
            errors.setdefault(path, []).append(
                "say when: " + ", ".join(TIMING_LABELS[t].lower() for t in f.timing_values))
        if isinstance(f, RepeatField):
            if f.min_rows > 1 and len(value) < f.min_rows:
                errors.setdefault(path, []).append(f"needs at least {f.min_rows} "
                                                   f"row{'s' if f.min_rows != 1 else ''}")
            for i, row in enumerate(value):
                row_values = {sub.id: typed(sub, row.get(sub.id)) for sub in f.fields}
                row_env = env.child(row_values)
                for sub in f.fields:
                    if _test(compiled, sub.id, "show_if", row_env, default=True):
                        self._validate_field(compiled, sub, row.get(sub.id), row_env,
                                             f"{path}[{i}].{sub.id}", errors)
            return
        for i, c in enumerate(f.constraints):
            if not _test(compiled, f.id, f"constraint{i}", env, default=True):
                errors.setdefault(path, []).append(c.message)

    def outcome(self, submission: Submission, ctx: FormContext) -> dict[str, Any]:
        """Score breakdown, rules fired, suggested level, pathway, flags, computed values."""
        compiled = self.form_of(submission)
        evaluation = self._evaluate(compiled, submission.answers, ctx, submission.approval)
        flags = [{"id": fl.id, "message": fl.message} for fl in compiled.spec.flags
                 if ex.truth(compiled.flag_exprs[fl.id].evaluate(evaluation.env))]
        # a copy: the evaluation is kept for the next question about the same answers
        return copy.deepcopy({**(evaluation.score or {}), "computed": evaluation.computed,
                              "flags": flags,
                              "form": {"id": compiled.spec.id, "version": compiled.spec.version}})

    def finalise(self, submission: Submission, ctx: FormContext, *,
                 revalidate: bool = True) -> Submission:
        """The final form of a draft: refused with every problem listed while invalid.

        Answers to questions that are hidden (their show_if is false) are dropped, so a final
        record never holds an answer to a question it does not show.  The caller stores it
        (``ws.submissions.finalise``). ``revalidate=False`` is for a manager's approval: its
        answers are the final screening's, checked when that was finalised (a check against
        today, such as a review date, would now refuse what nobody can change).
        """
        if submission.is_final:
            raise ValidationFailed("This submission is already final.")
        compiled = self.form_of(submission)
        errors = self.validate(submission, ctx) if revalidate else {}
        if errors:
            raise FormInvalid(errors, compiled.spec)
        shown = self._evaluate(compiled, submission.answers, ctx).shown
        kept = {k: v for k, v in submission.answers.items() if shown.get(k, False)}
        cleaned = submission.model_copy(update={"answers": kept})
        return cleaned.model_copy(update={"status": SubmissionStatus.FINAL,
                                          "outcome": self.outcome(cleaned, ctx),
                                          "finalised_at": ctx.now})

    def approve(self, final: Submission, approver: Owner, rationale: str,
                now: datetime) -> Submission:
        """A new draft amending a final screening with a manager's approval of its lower level.

        Refused, with a plain message, unless ``approver`` is a team manager, the screening's
        agreed level is lower than its suggested one and not yet approved, and a rationale is
        given. The approval is not an answer: nobody can type it into the form. On a version 1
        screening the manager's name also fills its typed approver field, which version 1
        scores by. The caller finalises and stores the draft (``casework.approve_downgrade``).
        """
        if approver.role is not Role.MANAGER:
            raise ValidationFailed("Only a team manager can approve a lower risk level. Ask your "
                                   "manager to approve it in their workspace.")
        why = " ".join(rationale.split())
        if not why:
            raise ValidationFailed("Say why you approve the lower level: the reason is kept "
                                   "with your approval.")
        outcome = final.outcome or {}
        if not final.is_final or not outcome.get("downgrade") or not outcome.get(
                "approval_pending"):
            raise ValidationFailed("This screening is not waiting for a manager's approval.")
        scoring = self.form_of(final).spec.scoring
        draft = self.amend(final)
        if scoring is not None and scoring.approved_by_field is not None:
            draft = self.set_answer(draft, scoring.approved_by_field, approver.name)
        return draft.model_copy(update={"approval": Approval(
            by=approver.name, role=approver.role, at=now, rationale=why,
            approves=RecordId(final.id), level=outcome.get("agreed_level"),
            instead_of=outcome.get("level"))})

    def amend(self, final: Submission) -> Submission:
        """A new draft correcting a final submission, on the same form version."""
        if not final.is_final:
            raise ValidationFailed("Only a final submission can be amended.")
        return Submission(form_id=final.form_id, form_version=final.form_version,
                          person_id=final.person_id, episode_id=final.episode_id,
                          answers=dict(final.answers), amends=RecordId(final.id),
                          restricted_fields=list(final.restricted_fields))

    def set_restricted(self, submission: Submission, field_id: str,
                       restricted: bool = True) -> Submission:
        """A copy of the draft with one answer (a decision or note: any top-level question or
        repeat group) marked "restricted", or unmarked: a restricted answer is withheld from
        every copy that leaves the team. A final submission is marked through an amendment."""
        if submission.is_final:
            raise ValidationFailed("This submission is final; amend it to mark an answer "
                                   "restricted.")
        spec = self.form(submission.form_id, submission.form_version).spec
        try:
            f = spec.field(field_id)
        except KeyError:
            raise ValidationFailed(f"'{field_id}' is not a question of this form.") from None
        if f.type in ("info", "computed"):
            raise ValidationFailed(f"'{field_id}' holds no answer a worker gives, so it cannot "
                                   "be marked restricted.")
        ids = [x for x in submission.restricted_fields if x != field_id]
        if restricted:
            ids.append(field_id)
        return submission.model_copy(update={"restricted_fields": ids})


@dataclass
class _Evaluation:
    env: ex.Env
    shown: dict[str, bool]
    computed: dict[str, Any]
    score: dict[str, Any] | None


def _test(compiled: CompiledForm, owner: str, attr: str, env: ex.Env, *, default: bool) -> bool:
    compiled_expr = compiled.exprs.get((owner, attr))
    if compiled_expr is None:
        return default
    return ex.truth(compiled_expr.evaluate(env))


def _required_message(f: Any) -> str:
    if f.type == "indicator":
        return "answer yes, no" + (" or possible" if f.allow_possible else "")
    if f.type in ("single_choice", "yes_no", "yes_no_possible"):
        return "choose an answer"
    if f.type == "multiple_choice":
        return "choose at least one"
    if f.type == "repeat":
        return "add at least one row"
    return "this needs an answer"


def _labels(spec: FormSpec) -> dict[str, str]:
    out = {}
    for f in spec.all_fields():
        out[f.id] = f.label
    return out


def section_progress(engine: FormEngine, submission: Submission,
                     ctx: FormContext) -> list[tuple[Section, int, int]]:
    """(section, answered, to answer) for each visible section: the filler's progress.

    "To answer" counts the questions that must be answered (``required``, or ``required_if``
    now true); optional questions, such as most of a screening's indicators, do not hold the
    bar back. A section of optional questions only reports (section, answered, 0).
    """
    compiled = engine.form_of(submission)
    evaluation = engine._evaluate(compiled, submission.answers, ctx)
    shown, env = evaluation.shown, evaluation.env
    out = []
    for section in compiled.spec.sections:
        if not shown[section.id]:
            continue
        inputs = [f for f in section.fields if shown[f.id] and f.type not in ("computed", "info")]
        needed = [f for f in inputs if f.required or (isinstance(f, RepeatField) and f.min_rows)
                  or _test(compiled, f.id, "required_if", env, default=False)]
        counted = needed or inputs
        answered = sum(1 for f in counted if _answered(submission.answers.get(f.id)))
        out.append((section, answered, len(needed)))
    return out


def _answered(value: Any) -> bool:
    if isinstance(value, dict):  # an indicator: answered once "present" is chosen
        return bool(value.get("present"))
    if isinstance(value, list):  # a repeat group: answered once a row holds something
        return any(bool(row) for row in value) if value and isinstance(value[0], dict) \
            else bool(value)
    return value not in (None, "")


__all__ = ["CompiledForm", "FormContext", "FormEngine", "FormInvalid", "Timing",
           "section_progress"]
