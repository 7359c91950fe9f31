"""Plain-English words for the stored codes of the domain (the enums of
:mod:`cse_desktop.domain.models` and :class:`~cse_desktop.domain.ids.RecordKind`), shared by the
desktop, the printed documents and the command line so a code reads the same everywhere.

This is the one home for these words: no other module defines a table for these codes (a test,
``tests/domain/test_labels.py``, checks both that and that every member has its words).  Where
a screen cell and a sentence need different lengths there are two tables side by side, each
saying what it is for.  Dates and times in words are in :mod:`cse_desktop.domain.dates`.
"""

from __future__ import annotations

from cse_desktop.domain.ids import RecordKind
from cse_desktop.domain.models import (
    ActionStatus,
    AssociationKind,
    EducationStatus,
    EpisodeCategory,
    LegalStatus,
    PoliceRiskGrade,
    Rag,
    RhiStatus,
    RiskLevel,
    Role,
    SenStatus,
)

#: a worker's role on its own (a choice, a header)
ROLE_LABELS = {Role.PRACTITIONER: "Practitioner", Role.MANAGER: "Manager"}
#: the same role within a sentence ("approved by the team manager")
ROLE_WORDS = {Role.PRACTITIONER: "practitioner", Role.MANAGER: "team manager"}

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

#: a risk level on screen (a cell, a list, a badge, a message) and on a chart's axis: short
RISK_LABELS = {RiskLevel.NOT_ASSESSED: "Not assessed", RiskLevel.NONE: "None",
               RiskLevel.LOW: "Low", RiskLevel.MEDIUM: "Medium", RiskLevel.HIGH: "High"}
#: a risk level in a printed document and in a screening's outcome (on screen too): what
#: "none" means to a chair
RISK_WORDS = {RiskLevel.NOT_ASSESSED: "Not assessed", RiskLevel.NONE: "No current concern",
              RiskLevel.LOW: "Low", RiskLevel.MEDIUM: "Medium", RiskLevel.HIGH: "High"}

#: an action's RAG status as the team reads it: the colour named, then what it means (the
#: manager's overview and the printed summary, where actions of many kinds are compared)
RAG_WORDS = {Rag.RED: "Red: overdue", Rag.AMBER: "Amber: due soon",
             Rag.GREEN: "Green: on track", Rag.COMPLETE: "Complete"}
#: the same status in a narrow cell beside its colour swatch (a child's Actions list)
RAG_SHORT = {Rag.RED: "Overdue", Rag.AMBER: "Due soon", Rag.GREEN: "On track",
             Rag.COMPLETE: "Done"}
#: what each RAG status means, for a tooltip
RAG_TIPS = {Rag.RED: "The due date has passed", Rag.AMBER: "Due within 7 days",
            Rag.GREEN: "Due in more than 7 days, or no due date", Rag.COMPLETE: "Done"}
ACTION_STATUS_LABELS = {ActionStatus.OPEN: "Open", ActionStatus.DONE: "Done",
                        ActionStatus.CANCELLED: "Cancelled"}

CATEGORY_LABELS = {EpisodeCategory.MISSING: "Missing",
                   EpisodeCategory.ABSENT: "Absent (older police category)",
                   EpisodeCategory.AWAY_FROM_PLACEMENT: "Away from placement without permission"}
POLICE_GRADE_LABELS = {PoliceRiskGrade.NO_APPARENT_RISK: "No apparent risk",
                       PoliceRiskGrade.LOW: "Low", PoliceRiskGrade.MEDIUM: "Medium",
                       PoliceRiskGrade.HIGH: "High", PoliceRiskGrade.NOT_KNOWN: "Not known"}
RHI_STATUS_LABELS = {RhiStatus.NOT_YET_DUE: "Not yet due",
                     RhiStatus.DUE: "Due", RhiStatus.OFFERED: "Offered",
                     RhiStatus.COMPLETED: "Completed", RhiStatus.DECLINED: "Declined",
                     RhiStatus.NOT_OFFERED: "Not offered"}
ASSOCIATION_LABELS = {AssociationKind.PERSON: "Person", AssociationKind.PLACE: "Place",
                      AssociationKind.VEHICLE: "Vehicle",
                      AssociationKind.HANDLE: "Online or phone handle",
                      AssociationKind.OTHER: "Other"}

#: each kind of record in a practitioner's words
RECORD_LABELS = {
    RecordKind.PERSON: "Young person's details",
    RecordKind.EPISODE: "Missing episode",
    RecordKind.SUBMISSION: "Form",
    RecordKind.ACTION: "RMM action",
    RecordKind.ASSOCIATION: "Person, place or vehicle of concern",
}
