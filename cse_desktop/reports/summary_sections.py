"""The RMM case summary's first six sections: the meeting, the child, the professionals,
the presenting concerns, risk (with the level chart) and missing episodes.

Each section is a function of a :class:`~cse_desktop.reports.summary_layout.SummaryWriter`
(the facts, read through the audience's profile) returning its flowables;
:data:`CASE_SECTIONS` names them by section id.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus.flowables import Flowable

from cse_desktop.casework.case_summary import (
    COUNT_PERIODS,
    EpisodeFacts,
    event_day,
    trajectory_words,
)
from cse_desktop.casework.chronology import duration_text
from cse_desktop.domain.dates import uk_date, uk_datetime
from cse_desktop.domain.ids import FormId
from cse_desktop.domain.labels import (
    CATEGORY_LABELS,
    EDUCATION_LABELS,
    LEGAL_LABELS,
    POLICE_GRADE_LABELS,
    RISK_WORDS,
    SEN_LABELS,
)
from cse_desktop.domain.models import ActionStatus, EpisodeCategory, LegalStatus, Submission
from cse_desktop.forms.explain import approval_words, fired_rule_words, outcome_routes
from cse_desktop.forms.scoring import WITHHELD_RULE
from cse_desktop.forms.spec import (
    EVIDENCE_LABELS,
    PAPER_TIMING,
    PRESENT_LABELS,
    TIER_LABELS,
    IndicatorField,
    Timing,
)
from cse_desktop.reports import page
from cse_desktop.reports.charts import RiskPoint, risk_history_chart
from cse_desktop.reports.summary_layout import (
    WIDTH,
    SummaryWriter,
    code_words,
    level_words,
    with_reason,
)

# -- 1. meeting ---------------------------------------------------------------------------


def _meeting(w: SummaryWriter) -> list[Flowable]:
    out: list[Flowable] = []
    if w.item is not None:
        out.append(w.labelled("This meeting:", uk_date(w.item.meeting_date)))
        if w.item.reasons:
            out.append(w.labelled("Why on the agenda:", "; ".join(w.item.reasons)))
    rmm = w.record.latest(FormId.RMM_REVIEW)
    if rmm is None:
        out.append(w.nothing("No Risk Management Meeting has been recorded for this "
                             "young person yet."))
        return out
    a = w.answers
    out.append(w.facts([
        ("Last meeting", uk_date(event_day(rmm))),
        ("Chair", a.show(rmm, "chair")),
        ("Why on that agenda", a.show(rmm, "item_reason")),
        ("How the young person took part", with_reason(a.show(rmm, "child_took_part"),
                                                       a.show(rmm, "child_not_asked_reason"))),
        ("How the parent or carer took part", with_reason(a.show(rmm, "parent_took_part"),
                                                          a.show(rmm, "parent_not_asked_reason"))),
        ("Young person told the outcome", _told(w, rmm, "child")),
        ("Parent or carer told the outcome", _told(w, rmm, "parent")),
        ("Themes discussed", with_reason(a.show(rmm, "themes"), a.show(rmm, "themes_other"))),
    ], columns=1))
    rows = a.rows(rmm, "attendees")
    if rows:
        contacts = [a.show(rmm, "att_contact", group_id="attendees", row=r) for r in rows]
        with_contact = any(contacts) and not w.profile.withhold_contact_details
        head = ["Name", "Agency", "Role", "Attended"] + (["Contact"] if with_contact else [])
        body = [[a.show(rmm, k, group_id="attendees", row=r)
                 for k in ("att_name", "att_agency", "att_role", "att_attendance")]
                + ([contact] if with_contact else [])
                for r, contact in zip(rows, contacts, strict=True)]
        widths = ([44, 50, 50, 34] if not with_contact else [38, 40, 38, 24, 38])
        out += [page.gap(2), *w.h2("Attendees and apologies"),
                w.table([head, *body], [x * mm for x in widths])]
    return out


def _told(w: SummaryWriter, rmm: Submission, who: str) -> str:
    """Whether the young person (``who`` "child") or the parent or carer ("parent") was
    told what the meeting decided: when and by whom, or why not (version 2)."""
    a = w.answers
    told = a.raw(rmm, f"{who}_told")
    when, by = a.show(rmm, f"{who}_told_date"), a.show(rmm, f"{who}_told_by")
    detail = ", ".join(p for p in (f"on {when}" if when else "",
                                   f"by {by}" if by else "") if p)
    if told == "yes":
        return "Yes" + (f", {detail}" if detail else "") + "."
    if told == "planned":
        return "Not yet: planned" + (f", {detail}" if detail else "") + "."
    if told == "no":
        return with_reason("No", a.show(rmm, f"{who}_told_reason"))
    return ""


# -- 2. child -----------------------------------------------------------------------------


def _child(w: SummaryWriter) -> list[Flowable]:
    p, prof = w.person, w.profile
    looked_after = p.legal_status in (LegalStatus.LAC_S20, LegalStatus.LAC_S31,
                                      LegalStatus.LAC_S38)
    pairs: list[tuple[str, Any]] = [
        ("Name", p.display_name),
        ("Also known as", ", ".join(p.also_known_as)),
        ("Date of birth", f"{uk_date(p.dob)} (age {p.age_on(w.today)})"),
        ("Gender", p.gender),
        ("Ethnicity", p.ethnicity),
        ("Legal status", LEGAL_LABELS[p.legal_status]),
        ("Looked after", "Yes" if looked_after else "No"),
        ("Placing authority", p.placing_la),
        ("UASC", "Yes" if p.uasc else "No"),
        ("NRM referral", "Yes" if p.nrm_referral else "No"),
        ("Special educational needs", SEN_LABELS[p.sen]),
        ("Disability", ", ".join(p.disability)),
        ("Education", EDUCATION_LABELS[p.education_status]),
        ("School or college", p.school),
        ("Allocated worker", p.allocated_worker),
        ("Team", p.team),
        ("Current risk level", RISK_WORDS[p.risk_level]),
        ("Next review", uk_date(p.next_review) if p.next_review else ""),
    ]
    if not prof.withhold_address:
        pairs.insert(5, ("Address", ", ".join(x for x in (p.address, p.postcode) if x)))
    out: list[Flowable] = [w.facts(pairs)]
    if not prof.withhold_third_party:
        carers = _carers(w)
        if carers:
            out += [page.gap(2), *w.h2("Parents and carers"),
                    w.table([["Name", "Relationship", "Recorded at"], *carers],
                            [70 * mm, 60 * mm, 48 * mm])]
    return out


def _carers(w: SummaryWriter) -> list[list[str]]:
    seen: dict[str, list[str]] = {}
    for sub, row in w.summary.carer_rows():  # oldest first: newest wins
        if w.answers.withheld(sub, "attendees"):
            continue
        name = w.answers.show(sub, "attendee_name", group_id="attendees", row=row)
        if name:
            seen[name.casefold()] = [
                name, w.answers.show(sub, "attendee_relationship", group_id="attendees",
                                     row=row),
                f"Parent session, {uk_date(event_day(sub))}"]
    return list(seen.values())


# -- 3. professionals ---------------------------------------------------------------------


def _professionals(w: SummaryWriter) -> list[Flowable]:
    a, rec = w.answers, w.record
    people: dict[str, dict[str, Any]] = {}

    def add(name: str, agency: str = "", role: str = "", contact: str = "") -> None:
        name = " ".join(name.split())
        if not name:
            return
        entry = people.setdefault(name.casefold(), {"name": name, "agency": "",
                                                    "roles": [], "contact": ""})
        entry["agency"] = entry["agency"] or agency
        if role and role not in entry["roles"]:
            entry["roles"].append(role)
        entry["contact"] = entry["contact"] or contact

    add(w.person.allocated_worker, w.person.team, "Allocated worker")
    rmm = rec.latest(FormId.RMM_REVIEW)
    if rmm is not None:
        for row in a.rows(rmm, "attendees"):
            add(a.show(rmm, "att_name", group_id="attendees", row=row),
                a.show(rmm, "att_agency", group_id="attendees", row=row),
                a.show(rmm, "att_role", group_id="attendees", row=row)
                or "Risk Management Meeting",
                a.show(rmm, "att_contact", group_id="attendees", row=row))
        g = "professionals"  # involved, not at the meeting (version 2)
        for row in a.rows(rmm, g):
            add(a.show(rmm, "prof_name", group_id=g, row=row),
                a.show(rmm, "prof_agency", group_id=g, row=row),
                a.show(rmm, "prof_role", group_id=g, row=row),
                a.show(rmm, "prof_contact", group_id=g, row=row))
    for action in rec.actions:
        if action.status is ActionStatus.OPEN:
            add(action.owner, action.agency, "Action owner")
    rhi = rec.latest(FormId.RETURN_HOME_INTERVIEW)
    if rhi is not None:
        add(a.show(rhi, "interviewer"), a.show(rhi, "interviewer_independence"),
            "Return home interview")
    session = rec.latest(FormId.PARENT_SESSION)
    if session is not None:
        add(a.show(session, "worker"), "", "Parent and carer support")
    if not people:
        return [w.nothing("No professionals are recorded yet.")]
    with_contact = any(p["contact"] for p in people.values()) \
        and not w.profile.withhold_contact_details
    head = ["Name", "Agency", "Role"] + (["Contact"] if with_contact else [])
    rows = [[p["name"], p["agency"], "; ".join(p["roles"])]
            + ([p["contact"]] if with_contact else []) for p in people.values()]
    widths = [50, 60, 68] if not with_contact else [42, 46, 50, 40]
    return [w.table([head, *rows], [x * mm for x in widths])]


# -- 4. concerns --------------------------------------------------------------------------


def _concerns(w: SummaryWriter) -> list[Flowable]:
    a, rec = w.answers, w.record
    rmm, screening = rec.latest(FormId.RMM_REVIEW), rec.latest(FormId.SCREENING)
    out: list[Flowable] = []
    if rmm is not None and a.show(rmm, "presenting_concerns"):
        out.append(w.labelled(f"Presenting concerns (meeting of "
                              f"{uk_date(event_day(rmm))}):",
                              a.show(rmm, "presenting_concerns")))
    elif screening is not None and a.show(screening, "reason"):
        out.append(w.labelled(f"Reason for the latest screening "
                              f"({uk_date(event_day(screening))}):",
                              a.show(screening, "reason")))
    pairs: list[tuple[str, Any]] = []
    for sub in (rmm, screening):
        if sub is not None and a.show(sub, "exploitation_types"):
            types = a.show(sub, "exploitation_types")
            other = a.show(sub, "exploitation_types_other")
            pairs.append(("Type of exploitation", f"{types} ({other})" if other else types))
            break
    if screening is not None:
        pairs.append(("Pattern", a.show(screening, "exploitation_models")))
    if rmm is not None:
        pairs += [("What agencies shared", a.show(rmm, "discussion_summary")),
                  ("Other children at risk", a.show(rmm, "other_children_at_risk")),
                  ("Who, and what is done", a.show(rmm, "other_children_detail"))]
    if screening is not None:  # (its safety goal is printed with the safety plan)
        pairs.append(("Danger statement", a.show(screening, "danger_statement")))
    if any(v for _, v in pairs):
        out += [page.gap(1), w.facts(pairs, columns=1)]
    if not out:
        return [w.nothing("No concerns have been recorded yet: there is no final "
                          "screening or meeting record.")]
    return out


# -- 5. risk ------------------------------------------------------------------------------


def _risk(w: SummaryWriter) -> list[Flowable]:
    a, rec = w.answers, w.record
    screening = rec.latest(FormId.SCREENING)
    out: list[Flowable] = []
    if screening is None:
        out.append(w.nothing("No final exploitation screening has been recorded."))
    else:
        o = screening.outcome or {}
        suggested = o.get("suggested_level")
        agreed = o.get("agreed_level") or screening.answers.get("agreed_level")
        stands = o.get("level")
        pending = bool(o.get("approval_pending"))
        review = o.get("review_date")
        set_by = o.get("level_set_by") or {}
        pairs: list[tuple[str, Any]] = [
            ("Latest screening", uk_datetime(screening.finalised_at)
             if screening.finalised_at else ""),
            ("Suggested level", level_words(suggested)),
            ("Set by", _shown(w, screening, set_by, "text", "withheld")),
            ("Agreed level", level_words(agreed)),
            ("Level that stands", f"{level_words(stands)}. "
                                  f"{o.get('level_standing_because', '')}" if pending
             else ""),
            ("Why the agreed level differs", a.show(screening, "override_rationale")),
            ("Approval", _approval(w, screening) if o.get("downgrade") and not pending
             else ""),
            ("Review by", uk_date(date.fromisoformat(review)) if review else ""),
        ]
        out.append(w.facts(pairs, columns=1))
        out += _rules_fired(w, screening)
        routes = outcome_routes(o)
        if routes:
            # the routes' words ('today') are the screening's: say whose day they mean
            out += w.h2(f"What happens next, as the screening of "
                        f"{uk_date(event_day(screening))} set out")
            out += [w.labelled(f"{r['label']}:", r["text"] + (
                f" Why: {_shown(w, screening, r, 'reason', 'reason_withheld')}."
                if r.get("reason") else "")) for r in routes]
    out += [page.gap(2), w.labelled("Trajectory:", _trajectory(w))]
    points = [RiskPoint(d.day, d.level, d.source) for d in w.summary.decisions]
    out += w.h2("Risk level over time")
    if points:
        out.append(risk_history_chart(points, until=w.today))
        out.append(w.para("Each final screening and each meeting decision sets the "
                          "level; the last one holds until the date printed.", "small"))
    else:
        out.append(w.nothing("No screening or meeting has set a level yet."))
    if screening is not None:
        out += [*w.h2("Indicators present (latest screening)"),
                *_indicators(w, screening)]
    return out


def _rules_fired(w: SummaryWriter, screening: Submission) -> list[Flowable]:
    """Every rule that fired, in order of effect (the one that set the level first), each
    without the answers that made it apply when this audience may not see one of them."""
    rules = [r for r in (screening.outcome or {}).get("rules_fired") or []
             if isinstance(r, dict) and r.get("text")]
    if not rules:
        return []
    lines = []
    for i, r in enumerate(rules, start=1):
        text = _shown(w, screening, r, "text", "withheld") or WITHHELD_RULE
        lines.append(w.para(f"{i}. {fired_rule_words({**r, 'text': text})}", "cell"))
    return [*w.h2("Rules that fired, in order of effect on the level"), *lines,
            w.para("The first rule set the level; rules marked 'no effect' gave a "
                   "lower level.", "small")]


def _approval(w: SummaryWriter, screening: Submission) -> str:
    """Who approved the lower level, when, why (unless this audience may not read the
    reasons for the level), and whether a hub verified it: as the outcome panel says."""
    o = dict(screening.outcome or {})
    if o.get("approval") and w.answers.withheld(screening, "override_rationale"):
        o["approval"] = {**o["approval"], "rationale": "left out of this copy"}
    return approval_words(o, w.verified.get(str(screening.id), ""))


def _shown(w: SummaryWriter, screening: Submission, part: dict[str, Any], full: str,
           short: str) -> str:
    """An outcome sentence, without the indicators that made it apply when this
    audience may not see one of them."""
    hidden = any(w.answers.withheld(screening, i) for i in part.get("indicators") or [])
    return str(part.get(short) or "") if hidden else str(part.get(full) or "")


def _trajectory(w: SummaryWriter) -> str:
    rmm = w.record.latest(FormId.RMM_REVIEW)
    if rmm is not None and w.answers.show(rmm, "trajectory"):
        return (f"{w.answers.show(rmm, 'trajectory')} (meeting of "
                f"{uk_date(event_day(rmm))})")
    return trajectory_words(w.summary.decisions)


def _indicators(w: SummaryWriter, screening: Submission) -> list[Flowable]:
    """The indicators the screening records as present or possible, with their evidence and
    detail.  The Evidence and Detail columns are printed only when some row has one (a
    column empty on every row says nothing); Detail never for an audience that may not read
    an indicator's free text (``withholds_indicator_detail``: the family copy among them)."""
    spec = w.answers.spec(screening)
    if spec is None:
        return [w.nothing("The screening's form version is not available.")]
    may_read_detail = not w.profile.withholds_indicator_detail
    rows = []
    for f in spec.all_fields():
        if not isinstance(f, IndicatorField):
            continue
        value = screening.answers.get(f.id)
        if not isinstance(value, dict) or value.get("present") not in ("yes", "possible"):
            continue
        if w.answers.withheld(screening, f.id):  # by category: never a row at all
            continue
        evidence = value.get("evidence")
        rows.append([w.answers.wording(screening, f.id) or f.label, TIER_LABELS[f.tier],
                     PRESENT_LABELS.get(value["present"], code_words(value["present"])),
                     _timing_words(value.get("timing")) if f.asks_timing else "",
                     EVIDENCE_LABELS.get(str(evidence), code_words(evidence))
                     if evidence else "",
                     str(value.get("detail") or "").strip() if may_read_detail else ""])
    if not rows:
        return [w.nothing("No indicators were recorded as present"
                          + (" that can be shown to this audience."
                                if w.profile.withheld_categories else "."))]
    # Indicator, Tier, Present, When, Evidence, Detail (mm): the indicator takes what the
    # columns left out leave
    columns = [("Indicator", 0), ("Tier", 20), ("Present", 16), ("When", 28),
               ("Evidence", 22), ("Detail", 46)]
    keep = [i for i, _ in enumerate(columns) if i < 4 or any(r[i] for r in rows)]
    widths = [columns[i][1] * mm for i in keep]
    widths[0] = WIDTH - sum(widths[1:])
    table = w.table([[columns[i][0] for i in keep], *[[r[i] for i in keep] for r in rows]],
                    widths)
    return [table, w.para(f"When: counted back from the screening of "
                          f"{uk_date(event_day(screening))}.", "small")]


def _timing_words(timing: Any) -> str:
    """When an indicator applied, in words that stay true on paper ('' if not answered):
    counted back from the screening, not from the day the page is read."""
    try:
        return PAPER_TIMING[Timing(timing)]
    except ValueError:
        return ""



# -- 6. missing ---------------------------------------------------------------------------


def _missing(w: SummaryWriter) -> list[Flowable]:
    episodes = w.summary.episodes
    counts = w.summary.counts
    head = [f"Last {days} days" for days in COUNT_PERIODS] + ["All recorded"]
    out: list[Flowable] = [w.table(
        [head, [str(counts[d]) for d in COUNT_PERIODS] + [str(len(episodes))]],
        [WIDTH / 4] * 4)]
    if any(f.episode.returned_at is None for f in episodes):
        out.append(w.para("Missing now: an episode is open (the young person has not "
                          "returned).", "body"))
    if not episodes:
        out.append(w.nothing("No missing episodes have been recorded."))
        return out
    hide_where = w.profile.hides_where_found
    head = ["Went missing", "Returned", "Duration", *([] if hide_where else ["Found"]),
            "Return home interview", "Within 72 h"]
    rows = [_episode_row(w, f, hide_where) for f in episodes]
    widths = ([32, 30, 24, 30, 38, 24] if not hide_where else [36, 34, 26, 52, 30])
    out += [page.gap(2), w.table([head, *rows], [x * mm for x in widths])]
    return out


def _episode_row(w: SummaryWriter, facts: EpisodeFacts, hide_where: bool) -> list[str]:
    e, state, interview = facts.episode, facts.rhi, facts.interview
    started = uk_datetime(e.started_at)
    if e.category is not EpisodeCategory.MISSING:
        started += f"\n{CATEGORY_LABELS[e.category]}"
    started += f"\nPolice grade: {POLICE_GRADE_LABELS[e.police_risk_grade]}"
    returned = uk_datetime(e.returned_at) if e.returned_at else "Not yet returned"
    duration = ""
    if e.duration is not None:
        duration = duration_text(e.duration) + (", overnight" if e.overnight else "")
    rhi = state.due_by  # absolute: paper is read long after it is printed
    if facts.contact is not None:
        when, label = facts.contact
        rhi += f"\n{label} {uk_datetime(when)}"
    reason = _rhi_reason(w, interview)
    if reason:
        rhi += f"\nWhy: {reason}"
    harm = _harm(w, interview)
    if harm:
        rhi += f"\nHarm disclosed: {harm}"
    row = [started, returned, duration]
    if not hide_where:
        row.append(e.where_found)
    return [*row, rhi, facts.on_time]


def _rhi_reason(w: SummaryWriter, sub: Submission | None) -> str:
    """Why the interview was not offered, or not completed (the form asks every time)."""
    if sub is None or sub.answers.get("outcome") in (None, "completed"):
        return ""
    return w.answers.show(sub, "outcome_reason")


def _harm(w: SummaryWriter, sub: Submission | None) -> str:
    if sub is None or w.profile.withhold_sensitive_fields:
        return ""
    harm = sub.answers.get("harm")
    if not harm or harm == ["none"]:
        return ""
    return w.answers.show(sub, "harm")


#: the builders of these sections, by section id
CASE_SECTIONS = {"meeting": _meeting, "child": _child, "professionals": _professionals,
                 "concerns": _concerns, "risk": _risk, "missing": _missing}
