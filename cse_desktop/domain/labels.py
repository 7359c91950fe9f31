"""Plain-English words for the stored codes of a young person's record, shared by the desktop
and the printed documents so a status reads the same on screen and on paper."""

from __future__ import annotations

from datetime import date

from cse_desktop.domain.models import EducationStatus, LegalStatus, Rag, RiskLevel, SenStatus


def uk_date(day: date) -> str:
    """5 Mar 2026: unambiguous, and the way UK practitioners write dates."""
    return f"{day.day} {day:%b %Y}"


EDUCATION_LABELS = {
    EducationStatus.FULL_TIME: "Full-time education",
    EducationStatus.PART_TIME: "Part-time timetable",
    EducationStatus.ALTERNATIVE_PROVISION: "Alternative provision",
    EducationStatus.ELECTIVE_HOME_EDUCATION: "Elective home education",
    EducationStatus.MISSING_EDUCATION: "Missing from education",
    EducationStatus.NEET: "Not in education, employment or training (NEET)",
    EducationStatus.NOT_KNOWN: "Not known",
}
SEN_LABELS = {SenStatus.NONE: "None", SenStatus.SEN_SUPPORT: "SEN support",
              SenStatus.EHCP: "Education, health and care plan (EHCP)"}
LEGAL_LABELS = {
    LegalStatus.NOT_KNOWN: "Not known",
    LegalStatus.EARLY_HELP: "Early help",
    LegalStatus.CIN: "Child in need (section 17)",
    LegalStatus.CP: "Child protection plan",
    LegalStatus.LAC_S20: "Looked after: section 20 (voluntary)",
    LegalStatus.LAC_S31: "Looked after: section 31 (care order)",
    LegalStatus.LAC_S38: "Looked after: section 38 (interim care order)",
    LegalStatus.CARE_LEAVER: "Care leaver",
}
RISK_LABELS = {RiskLevel.NOT_ASSESSED: "Not assessed", RiskLevel.NONE: "None",
               RiskLevel.LOW: "Low", RiskLevel.MEDIUM: "Medium", RiskLevel.HIGH: "High"}
#: an action's RAG status as the team reads it: the colour named, then what it means
RAG_WORDS = {Rag.RED: "Red: overdue", Rag.AMBER: "Amber: due soon",
             Rag.GREEN: "Green: on track", Rag.COMPLETE: "Complete"}
RAG_TIPS = {Rag.RED: "The due date has passed", Rag.AMBER: "Due within 7 days",
            Rag.GREEN: "Due in more than 7 days, or no due date", Rag.COMPLETE: "Done"}
