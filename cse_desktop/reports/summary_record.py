"""The RMM case summary's later sections, from the rest of the record: the chronology,
people and places of concern, disruption, the voice of the child and of the parent or carer,
strengths and the safety and support plan, actions, and decisions with the next review.

Each section is a function of a :class:`~cse_desktop.reports.summary_layout.SummaryWriter`
returning its flowables; :data:`RECORD_SECTIONS` names them by section id.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph
from reportlab.platypus.flowables import Flowable

from cse_desktop.casework.case_summary import ActionKey, event_day
from cse_desktop.casework.chronology import chronology_of, filter_chronology, submission_time
from cse_desktop.domain.dates import uk_date, uk_datetime, uk_day_of
from cse_desktop.domain.ids import FormId
from cse_desktop.domain.labels import ACTION_STATUS_LABELS, ASSOCIATION_LABELS, RAG_WORDS
from cse_desktop.domain.models import Action, Submission
from cse_desktop.reports import page
from cse_desktop.reports.summary_layout import (
    SummaryWriter,
    with_reason,
    without_flags,
    without_restricted,
)

# -- 7. chronology ------------------------------------------------------------------------


def _chronology(w: SummaryWriter) -> list[Flowable]:
    prof, rec = w.profile, w.record
    hide_where = prof.hides_where_found
    episodes = [e.model_copy(update={"where_found": ""}) if hide_where else e
                for e in rec.episodes]
    # a flag raised by answers this audience may not see ("harm disclosed", "asked that
    # something is not shared with a parent") says too much on its own
    finals = [without_flags(f, w.answers.withheld_flags(f)) for f in rec.finals]
    if prof.withhold_restricted:  # the chronology quotes some answers (a session's summary)
        finals = [without_restricted(f) for f in finals]
    events = chronology_of(rec.person, episodes, finals, rec.actions,
                           [] if prof.withhold_associations else rec.associations,
                           now=w.now, registry=w.registry, include_drafts=False,
                           absolute=True)
    events = [e for e in events if not (e.restricted and prof.withhold_associations)]
    events = filter_chronology(events, start=w.date_from, end=w.date_to)
    # cut off at the time printed: a record dated later (entered ahead, or a copy printed
    # as at an earlier time) is not part of the record this document shows
    events = [e for e in events if e.at <= w.now]
    span = span_words(w.date_from, w.date_to)
    out: list[Flowable] = [w.para(
        f"{span}, up to the time printed ({uk_datetime(w.now)}): nothing dated later is "
        "included. Final records only (drafts are not part of the record); newest first.",
        "small")]
    if not events:
        out.append(w.nothing("Nothing is recorded in this period."))
        return out
    rows = []
    for e in events:
        detail = e.detail
        when = uk_date(e.local_date) if e.all_day else uk_datetime(e.at)
        rows.append([when, e.kind_label, Paragraph(
            f"<b>{page.text(w.s(e.title))}</b>"
            + (f"<br/>{page.text(w.s(' '.join(detail.split())))}" if detail.strip()
               else ""), w.st["cell"])])
    out.append(w.table([["When", "Type", "What happened"], *rows],
                       [30 * mm, 30 * mm, 118 * mm]))
    return out


# -- 8. associations ----------------------------------------------------------------------


def _associations(w: SummaryWriter) -> list[Flowable]:
    a, rec, prof = w.answers, w.record, w.profile
    out: list[Flowable] = []
    if not prof.withhold_associations and rec.associations:
        rows = [[ASSOCIATION_LABELS[x.association_kind], x.description, x.details, x.area,
                 uk_day_of(x.created_at)]
                for x in sorted(rec.associations, key=lambda x: x.created_at, reverse=True)]
        out += [*w.h2("Linked records (restricted)"),
                w.table([["Kind", "Description", "Details", "Area", "Recorded"], *rows],
                        [x * mm for x in (24, 50, 50, 30, 24)])]
    screening = rec.latest(FormId.SCREENING)
    if screening is not None:
        g = "people_of_concern"
        rows = [[a.show(screening, k, group_id=g, row=r) for k in (
            "poc_name", "poc_age", "poc_relationship", "poc_contact", "poc_vehicle",
            "poc_area", "poc_reported")] for r in a.rows(screening, g)]
        if rows:
            out += [*w.h2(f"People of concern (screening of "
                              f"{uk_date(event_day(screening))})"),
                    w.table([["Name", "Age", "Relationship", "Contact", "Vehicle",
                              "Area", "Told police"], *rows],
                            [x * mm for x in (32, 12, 28, 30, 30, 28, 18)])]
        g = "places_of_concern"
        rows = [[a.show(screening, k, group_id=g, row=r)
                 for k in ("place_name", "place_type", "place_dates")]
                for r in a.rows(screening, g)]
        if rows:
            out += [*w.h2("Places of concern (screening)"),
                    w.table([["Place", "Type", "When"], *rows],
                            [x * mm for x in (80, 48, 50)])]
    places, people = [], []
    for rhi in rec.of(FormId.RETURN_HOME_INTERVIEW):
        when = uk_date(event_day(rhi))
        places += [[a.show(rhi, k, group_id="locations", row=r)
                    for k in ("loc_place", "loc_type", "loc_when", "loc_town")] + [when]
                   for r in a.rows(rhi, "locations")]
        people += [[a.show(rhi, k, group_id="people_with", row=r)
                    for k in ("pw_name", "pw_age", "pw_relationship", "pw_vehicle",
                              "pw_contact")] + [when]
                   for r in a.rows(rhi, "people_with")]
    if places:
        out += [*w.h2("Where the young person went while missing (return home "
                          "interviews)"),
                w.table([["Place", "Type", "When", "Town", "Interview"], *places],
                        [x * mm for x in (56, 30, 34, 30, 28)])]
    discussed, seen = [], set()
    for rmm in rec.of(FormId.RMM_REVIEW):  # newest first (version 2)
        for r in a.rows(rmm, "discussed"):
            row = [a.show(rmm, k, group_id="discussed", row=r)
                   for k in ("disc_kind", "disc_name", "disc_detail", "disc_on_record")]
            if tuple(row[:3]) not in seen and any(row[:3]):
                seen.add(tuple(row[:3]))
                discussed.append([*row, uk_date(event_day(rmm))])
    if discussed:
        out += [*w.h2("Discussed at Risk Management Meetings"),
                w.table([["What", "Name or description", "What the meeting heard or "
                          "agreed", "On the record", "Meeting"], *discussed],
                        [x * mm for x in (22, 40, 62, 32, 22)])]
    if people:
        out += [*w.h2("Who they were with (return home interviews)"),
                w.table([["Name", "Age", "Relationship", "Vehicle", "Contact",
                          "Interview"], *people],
                        [x * mm for x in (40, 12, 34, 34, 30, 28)])]
    return out or [w.nothing("No people, places, vehicles or handles of concern are "
                             "recorded.")]


# -- 9. disruption ------------------------------------------------------------------------


def _disruption(w: SummaryWriter) -> list[Flowable]:
    a = w.answers
    rows, seen = [], set()
    for rmm in w.record.of(FormId.RMM_REVIEW):
        for r in a.rows(rmm, "disruption"):
            tactic = a.show(rmm, "dis_tactic", group_id="disruption", row=r)
            other = a.show(rmm, "dis_tactic_other", group_id="disruption", row=r)
            row = [f"{tactic}: {other}" if other else tactic,
                   a.show(rmm, "dis_target", group_id="disruption", row=r),
                   a.show(rmm, "dis_agency", group_id="disruption", row=r),
                   a.show(rmm, "dis_date", group_id="disruption", row=r),
                   a.show(rmm, "dis_status", group_id="disruption", row=r)]
            key = tuple(row)
            if key in seen:
                continue
            seen.add(key)
            rows.append([*row, uk_date(event_day(rmm))])
    if not rows:
        return [w.nothing("No disruption activity has been recorded.")]
    return [w.table([["Tactic", "Aimed at", "Agency leading", "Date", "Status",
                      "Meeting"], *rows], [x * mm for x in (42, 38, 34, 22, 20, 22)])]


# -- 10. voice ----------------------------------------------------------------------------


def _voice(w: SummaryWriter) -> list[Flowable]:
    a, rec = w.answers, w.record
    child: list[tuple[datetime, str, str]] = []
    rhi = FormId.RETURN_HOME_INTERVIEW
    sources = [(FormId.RMM_REVIEW, "child_voice", "At the meeting"),
               (FormId.SCREENING, "child_view", "Screening"),
               (rhi, "child_own_words", "Return home interview"),
               (rhi, "what_would_help", "What would help (return home interview)"),
               (rhi, "feeling_notes", "How they feel (return home interview)"),
               (rhi, "trusted_adult", "Trusted adult (return home interview)"),
               (rhi, "not_share_detail",
                "Asked that this is not shared with their parent or carer")]
    for form_id, field_id, label in sources:
        for sub in rec.of(form_id):
            text = a.show(sub, field_id)
            if text:
                child.append((submission_time(sub)[0], label, text))
    parent: list[tuple[datetime, str, str]] = []
    for form_id, field_id, label in [
            (FormId.PARENT_SESSION, "parent_account", "Parent session, in their words"),
            (FormId.PARENT_SESSION, "parent_views_rmm", "For the meeting (parent session)"),
            (FormId.RMM_REVIEW, "parent_view", "At the meeting"),
            (FormId.SCREENING, "parent_view", "Screening")]:
        for sub in rec.of(form_id):
            text = a.show(sub, field_id)
            if text:
                parent.append((submission_time(sub)[0], label, text))
    out: list[Flowable] = [*w.h2("The young person")]
    out += _quotes(w, child, "The young person's own words are not included in this "
                        "copy." if w.profile.withhold_sensitive_fields
                        else "Nothing in the young person's own words is recorded yet.")
    out += w.h2("Parent or carer")
    out += _quotes(w, parent, "No view from a parent or carer is recorded yet.")
    return out


def _quotes(w: SummaryWriter, entries: list[tuple[datetime, str, str]], none: str,
            limit: int = 8) -> list[Flowable]:
    if not entries:
        return [w.nothing(none)]
    entries.sort(key=lambda e: e[0], reverse=True)
    return [Paragraph(f"<b>{page.text(uk_day_of(at))}, "
                      f"{page.text(label)}:</b> {page.text(w.s(text))}", w.st["body"])
            for at, label, text in entries[:limit]]


# -- 11. strengths, safety and support plan ----------------------------------------------


def _safety(w: SummaryWriter) -> list[Flowable]:
    a, rec = w.answers, w.record
    rmm, screening = rec.latest(FormId.RMM_REVIEW), rec.latest(FormId.SCREENING)
    pairs: list[tuple[str, Any]] = []
    for sub, where in ((rmm, "meeting"), (screening, "screening")):
        text = a.show(sub, "strengths") if sub is not None else ""
        if sub is not None and text:
            pairs.append((f"Strengths and protective factors ({where} of "
                          f"{uk_date(event_day(sub))})", text))
            break
    if screening is not None:
        pairs.append((f"Safety goal (screening of {uk_date(event_day(screening))})",
                      a.show(screening, "safety_goal")))
    out: list[Flowable] = _meeting_plan(w, rmm)
    if any(v for _, v in pairs):
        out.append(w.facts(pairs, columns=1))
    else:
        out.append(w.nothing("No strengths or safety goal are recorded yet."))
    out += [*w.h2("Safety plan agreed with the family (parent and carer support)"),
            *_family_plan(w)]
    rhi = rec.latest(FormId.RETURN_HOME_INTERVIEW)
    if rhi is not None:
        out += [*w.h2("Safety plan from the latest return home interview"),
                _rhi_plan(w, rhi)]
    out += [*w.h2("Support in place"), *_support(w, screening, rhi)]
    return out


def _meeting_plan(w: SummaryWriter, rmm: Submission | None) -> list[Flowable]:
    """The safety and support plan the latest meeting agreed (version 2), with its steps:
    a move of home or placement is one (a safety step, not disruption)."""
    if rmm is None or "safety_plan" not in rmm.answers:
        return []
    a = w.answers
    pairs: list[tuple[str, Any]] = [
        ("The plan", a.show(rmm, "safety_plan")),
        ("Steps agreed", with_reason(a.show(rmm, "safety_steps"),
                                     a.show(rmm, "safety_steps_other"))),
        ("The move of home or placement", a.show(rmm, "placement_move_detail")),
    ]
    if not any(v for _, v in pairs):
        return [w.nothing("The meeting's safety and support plan is not included in "
                          "this copy.")]
    return [*w.h2(f"Safety and support plan (meeting of {uk_date(event_day(rmm))})"),
            w.facts(pairs, columns=1), page.gap(2)]


def _family_plan(w: SummaryWriter) -> list[Flowable]:
    a, g = w.answers, "safety_plan"
    sessions = w.record.of(FormId.PARENT_SESSION)
    if not sessions:
        return [w.nothing("No parent or carer support session is recorded.")]
    latest = sessions[0]
    planned = next((s for s in sessions if a.rows(s, g)), None)
    if planned is None:
        if any(s.answers.get(g) for s in sessions):  # recorded, but not for this audience
            return [w.nothing("The safety plan is not included in this copy.")]
        return [w.nothing("No safety plan is recorded in a parent or carer support "
                          "session.")]
    rows = []
    for r in a.rows(planned, g):
        who = a.show(planned, "sp_who", group_id=g, row=r)
        detail = a.show(planned, "sp_who_detail", group_id=g, row=r)
        review = a.show(planned, "sp_review", group_id=g, row=r)
        try:
            late = date.fromisoformat(str(r.get("sp_review"))) < w.today
        except ValueError:
            late = False
        rows.append([a.show(planned, "sp_risk", group_id=g, row=r),
                     a.show(planned, "sp_action", group_id=g, row=r),
                     f"{who}: {detail}" if who and detail else who or detail,
                     a.show(planned, "sp_by_when", group_id=g, row=r),
                     f"{review} (overdue)" if review and late else review])
    note = f"Agreed at the parent or carer support session of {uk_date(event_day(planned))}."
    if planned is not latest:
        note += (f" The latest session ({uk_date(event_day(latest))}) recorded no safety "
                 "plan steps.")
    return [w.para(note, "small"),
            w.table([["The worry or situation", "What was agreed", "Who", "By when",
                      "Review on"], *rows], [x * mm for x in (42, 66, 30, 20, 20)])]


def _rhi_plan(w: SummaryWriter, rhi: Submission) -> Flowable:
    a = w.answers
    day = uk_date(event_day(rhi))
    agreed, plan = a.raw(rhi, "safety_plan_agreed"), a.show(rhi, "safety_plan")
    if agreed == "yes" and plan:
        return w.labelled(f"Agreed at the interview of {day}:", plan)
    if agreed == "yes":
        return w.nothing(f"A safety plan was agreed at the interview of {day}; its "
                         "detail is not included in this copy."
                         if rhi.answers.get("safety_plan") else
                         f"A safety plan was agreed at the interview of {day}, but it "
                         "was not written down.")
    if agreed == "no":
        return w.nothing(f"No safety plan was agreed at the interview of {day}.")
    return w.nothing(f"The interview of {day} does not record whether a safety plan "
                     "was agreed.")


def _support(w: SummaryWriter, screening: Submission | None,
             rhi: Submission | None) -> list[Flowable]:
    a = w.answers
    pairs: list[tuple[str, Any]] = []
    if screening is not None and a.show(screening, "referrals"):
        when = a.show(screening, "referral_date")
        pairs.append((f"Referrals (screening of {uk_date(event_day(screening))})",
                      a.show(screening, "referrals") + (f"; referred {when}" if when
                                                        else "")))
    if rhi is not None and a.show(rhi, "referrals"):
        other = a.show(rhi, "referrals_other")
        pairs.append((f"Referrals (return home interview of {uk_date(event_day(rhi))})",
                      a.show(rhi, "referrals") + (f" ({other})" if other else "")))
    session = w.record.latest(FormId.PARENT_SESSION)
    if session is not None:
        day = uk_date(event_day(session))
        if a.raw(session, "support_ending") == "yes":
            reason = a.show(session, "ending_reason")
            text = f"Ended at the session of {day}" + (f": {reason}" if reason else ".")
        else:
            nxt = a.show(session, "next_session_date")
            text = f"Ongoing: last session {day}" + (f"; next session {nxt}." if nxt
                                                      else ".")
        pairs.append(("Parent and carer support", text))
    if not pairs:
        return [w.nothing("No referrals or parent and carer support are recorded.")]
    return [w.facts(pairs, columns=1)]


# -- 12. actions --------------------------------------------------------------------------


def _actions(w: SummaryWriter) -> list[Flowable]:
    if not w.record.actions:
        return [w.nothing("No actions are recorded.")]
    open_, closed = w.summary.open_actions(), w.summary.closed_actions()
    out: list[Flowable] = [*w.h2("Open actions")]
    if open_:
        rows, extra = [], []
        for i, x in enumerate(open_, start=1):
            rag = x.rag(w.today)
            label = RAG_WORDS[rag]
            rows.append([x.text, x.owner, x.agency, uk_date(x.due) if x.due else "No date",
                         Paragraph(f"<font color='white'><b>{label}</b></font>",
                                   w.st["cell"])])
            extra += [("BACKGROUND", (4, i), (4, i), page.RAG_COLOURS[rag.value]),
                      ("TEXTCOLOR", (4, i), (4, i), colors.white)]
        out += [w.table([["Action", "Owner", "Agency", "Due", "RAG"], *rows],
                        [x * mm for x in (60, 38, 34, 20, 26)], extra=extra),
                w.para(f"RAG as at {uk_date(w.today)}: red is overdue, amber is due "
                       f"within {Action.AMBER_DAYS} days, green is due later or has no "
                       "date.", "small")]
    else:
        out.append(w.nothing("No actions are open."))
    out += w.h2("Previous actions and their completion status")
    if closed:
        ended = _action_endings(w)
        rows = []
        for x in closed:
            when, outcome = ended.get((x.text, x.owner, x.due), ("", ""))
            rows.append([x.text, x.owner, x.agency, uk_date(x.due) if x.due else "No date",
                         ACTION_STATUS_LABELS[x.status],
                         when or uk_day_of(x.updated_at)
                         + " (last change)", outcome])
        out += [w.table([["Action", "Owner", "Agency", "Due", "Completion status",
                          "Date closed", "Outcome"], *rows],
                        [x * mm for x in (40, 26, 22, 18, 20, 20, 32)]),
                w.para("Date closed: the date a meeting record gives; where none "
                       "does (records made before version 2 of the meeting record), "
                       "the action's last change, when it was marked done or "
                       "cancelled.", "small")]
    else:
        out.append(w.nothing("No actions have been completed or cancelled yet."))
    return out


def _action_endings(w: SummaryWriter) -> dict[ActionKey, tuple[str, str]]:
    """(completion date, outcome) of each action a meeting record closed, by the action's
    text, owner and due date (the newest meeting's word wins)."""
    a, g = w.answers, "actions"
    out: dict[ActionKey, tuple[str, str]] = {}
    for key, rmm, r in w.summary.closing_rows():  # oldest first: newest wins
        if a.withheld(rmm, g):
            continue
        when = a.show(rmm, "action_completed", group_id=g, row=r)
        outcome = a.show(rmm, "action_outcome", group_id=g, row=r)
        if when or outcome:
            out[key] = (when, outcome)
    return out


# -- 13. decisions ------------------------------------------------------------------------


def _decisions(w: SummaryWriter) -> list[Flowable]:
    a = w.answers
    rmm = w.record.latest(FormId.RMM_REVIEW)
    review = w.person.next_review
    if rmm is None:
        return [w.nothing("No meeting decision is recorded yet."),
                w.labelled("Next review:", uk_date(review) if review else "Not set")]
    out: list[Flowable] = [w.facts([
        ("Meeting", uk_date(event_day(rmm))),
        ("Agreed risk level", a.show(rmm, "agreed_level")),
        ("Since the last meeting", a.show(rmm, "trajectory")),
        ("Why this level", a.show(rmm, "level_rationale")),
        ("Decisions", a.show(rmm, "decisions")),
        ("What happens next", _next_steps(w, rmm)),
        ("Why stepping down or closing", a.show(rmm, "pathway_reason")),
        ("Next review", a.show(rmm, "next_review_date")
         or (uk_date(review) if review else "")),
    ], columns=1)]
    dist = [[a.show(rmm, "dist_name", group_id="distribution", row=r),
             a.show(rmm, "dist_agency", group_id="distribution", row=r)]
            for r in a.rows(rmm, "distribution")]
    if dist:
        out += [*w.h2("Distribution list"),
                w.table([["Name", "Agency"], *dist], [80 * mm, 98 * mm])]
    return out


def _next_steps(w: SummaryWriter, rmm: Submission) -> str:
    """What the meeting decided happens next: several outcomes, one a line (version 2),
    or version 1's one pathway."""
    a = w.answers
    if not isinstance(rmm.answers.get("outcomes"), list):
        return a.show(rmm, "pathway")
    words = [w.answers.show(rmm, "outcomes", row={"outcomes": v})
             for v in rmm.answers["outcomes"] if v != "other"]
    other = a.show(rmm, "outcomes_other")
    return "\n".join([*words, *([f"Other: {other}"] if other else [])])


def span_words(date_from: date | None, date_to: date | None) -> str:
    if date_from and date_to:
        return f"From {uk_date(date_from)} to {uk_date(date_to)}"
    if date_from:
        return f"From {uk_date(date_from)}"
    if date_to:
        return f"Up to {uk_date(date_to)}"
    return "All dates"


#: the builders of these sections, by section id
RECORD_SECTIONS = {"chronology": _chronology, "associations": _associations,
                   "disruption": _disruption, "voice": _voice, "safety": _safety,
                   "actions": _actions, "decisions": _decisions}
