"""The records a workspace holds (DESIGN.md section 4), as pydantic models.

Every record shares the bookkeeping fields of :class:`Record`; the repositories in
``cse_desktop.store`` fill them in.  Derived values (episode duration, the 72-hour return home
interview clock, action RAG status) are computed here, never stored, so they cannot drift.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from cse_desktop.domain.dates import LOCAL_ZONE
from cse_desktop.domain.ids import RecordId, new_id

#: A return home interview is due within 72 hours of the child's return.
RHI_WINDOW = timedelta(hours=72)

Text = str


def utc_now() -> datetime:
    return datetime.now(UTC)


def _clean(value: str) -> str:
    return " ".join(value.split())


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, str_strip_whitespace=True)


# ---------------------------------------------------------------------------------------------
# Enumerations (values are stable wire/storage codes; labels live in the UI)


class Role(StrEnum):
    PRACTITIONER = "practitioner"
    MANAGER = "manager"


class RiskLevel(StrEnum):
    NOT_ASSESSED = "not_assessed"
    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return list(RiskLevel).index(self)


class SenStatus(StrEnum):
    NONE = "none"
    SEN_SUPPORT = "sen_support"
    EHCP = "ehcp"


class LegalStatus(StrEnum):
    NOT_KNOWN = "not_known"
    EARLY_HELP = "early_help"
    CIN = "cin"
    CP = "cp"
    LAC_S20 = "lac_s20"
    LAC_S31 = "lac_s31"
    LAC_S38 = "lac_s38"
    CARE_LEAVER = "care_leaver"


class EducationStatus(StrEnum):
    FULL_TIME = "full_time"
    PART_TIME = "part_time"
    ALTERNATIVE_PROVISION = "alternative_provision"
    ELECTIVE_HOME_EDUCATION = "elective_home_education"
    MISSING_EDUCATION = "missing_education"
    NEET = "neet"
    NOT_KNOWN = "not_known"


class EpisodeCategory(StrEnum):
    MISSING = "missing"
    ABSENT = "absent"  # legacy police category, kept for older records
    AWAY_FROM_PLACEMENT = "away_from_placement"


class PoliceRiskGrade(StrEnum):
    NO_APPARENT_RISK = "no_apparent_risk"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    NOT_KNOWN = "not_known"


class RhiStatus(StrEnum):
    NOT_YET_DUE = "not_yet_due"  # the child has not returned yet
    DUE = "due"
    OFFERED = "offered"
    COMPLETED = "completed"
    DECLINED = "declined"
    NOT_OFFERED = "not_offered"


class SubmissionStatus(StrEnum):
    DRAFT = "draft"
    FINAL = "final"


class ActionStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class Rag(StrEnum):
    RED = "red"
    AMBER = "amber"
    GREEN = "green"
    COMPLETE = "complete"


class AssociationKind(StrEnum):
    PERSON = "person"
    PLACE = "place"
    VEHICLE = "vehicle"
    HANDLE = "handle"  # social media or phone handle
    OTHER = "other"


# ---------------------------------------------------------------------------------------------
# The workspace owner (not a synced record)


class Owner(Strict):
    name: str = Field(min_length=1, max_length=200)
    role: Role
    team: str = Field(min_length=1, max_length=200)


# ---------------------------------------------------------------------------------------------
# Records


class Record(Strict):
    """Fields every record carries; the store sets them, callers normally leave them alone."""

    kind: ClassVar[str] = "record"

    id: RecordId = Field(default_factory=new_id)
    created_at: AwareDatetime = Field(default_factory=utc_now)
    updated_at: AwareDatetime = Field(default_factory=utc_now)
    created_by: str = ""
    version: int = Field(default=0, ge=0)
    server_seq: int | None = None
    deleted: bool = False

    #: fields the store owns; a change to these alone is not a user's edit
    BOOKKEEPING: ClassVar[frozenset[str]] = frozenset(
        {"id", "created_at", "updated_at", "created_by", "version", "server_seq", "deleted"}
    )

    def content(self) -> dict[str, Any]:
        """The record's own fields (JSON-ready), without the bookkeeping."""
        return self.model_dump(mode="json", exclude=set(self.BOOKKEEPING))

    @field_validator("created_at", "updated_at")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)


class Person(Record):
    kind: ClassVar[str] = "person"

    given_name: str = Field(min_length=1, max_length=100)
    family_name: str = Field(min_length=1, max_length=100)
    also_known_as: list[str] = Field(default_factory=list, max_length=20)
    dob: date
    gender: str = Field(default="", max_length=50)
    ethnicity: str = Field(default="", max_length=100)
    address: str = Field(default="", max_length=500)
    postcode: str = Field(default="", max_length=10)
    school: str = Field(default="", max_length=200)
    education_status: EducationStatus = EducationStatus.NOT_KNOWN
    sen: SenStatus = SenStatus.NONE
    disability: list[str] = Field(default_factory=list, max_length=20)
    legal_status: LegalStatus = LegalStatus.NOT_KNOWN
    placing_la: str = Field(default="", max_length=200)
    uasc: bool = False
    nrm_referral: bool = False
    allocated_worker: str = Field(default="", max_length=200)
    team: str = Field(default="", max_length=200)
    risk_level: RiskLevel = RiskLevel.NOT_ASSESSED
    next_review: date | None = None
    flags: list[str] = Field(default_factory=list, max_length=50)

    @field_validator("given_name", "family_name")
    @classmethod
    def _tidy_name(cls, value: str) -> str:
        return _clean(value)

    @field_validator("also_known_as")
    @classmethod
    def _tidy_aliases(cls, value: list[str]) -> list[str]:
        if not value:  # as most people have: nothing to tidy (the hub checks every push)
            return value
        cleaned = [_clean(v) for v in value]
        if any(not v or len(v) > 100 for v in cleaned):
            raise ValueError("each also-known-as name must be 1 to 100 characters")
        return cleaned

    @property
    def display_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def age_on(self, day: date) -> int:
        years = day.year - self.dob.year
        if (day.month, day.day) < (self.dob.month, self.dob.day):
            years -= 1
        return years

    def search_text(self) -> str:
        """What name search matches against: names and also-known-as, case-folded."""
        return " ".join([self.given_name, self.family_name, *self.also_known_as]).casefold()


class Episode(Record):
    """A missing episode (or an absence from placement without authorisation)."""

    kind: ClassVar[str] = "episode"

    person_id: RecordId
    police_reference: str = Field(default="", max_length=50)
    category: EpisodeCategory = EpisodeCategory.MISSING
    police_risk_grade: PoliceRiskGrade = PoliceRiskGrade.NOT_KNOWN
    started_at: AwareDatetime
    returned_at: AwareDatetime | None = None
    where_found: str = Field(default="", max_length=500)
    how_returned: str = Field(default="", max_length=200)
    rhi_status: RhiStatus = RhiStatus.NOT_YET_DUE

    @field_validator("started_at", "returned_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return None if value is None else value.astimezone(UTC)

    @model_validator(mode="after")
    def _return_after_start(self) -> Episode:
        if self.returned_at is not None and self.returned_at < self.started_at:
            raise ValueError("the return time is before the time the child went missing")
        return self

    @property
    def duration(self) -> timedelta | None:
        """How long the child was missing; None while the episode is open."""
        return None if self.returned_at is None else self.returned_at - self.started_at

    @property
    def overnight(self) -> bool | None:
        """True when the episode covered any part of a night (00:00-06:00 UK time).

        None while the episode is open, because it is not yet known.
        """
        if self.returned_at is None:
            return None
        start = self.started_at.astimezone(LOCAL_ZONE)
        end = self.returned_at.astimezone(LOCAL_ZONE)
        day = start.date()
        while day <= end.date():
            night_start = datetime.combine(day, time(0, 0), LOCAL_ZONE)
            night_end = datetime.combine(day, time(6, 0), LOCAL_ZONE)
            if start < night_end and end > night_start:
                return True
            day += timedelta(days=1)
        return False

    @property
    def rhi_due_at(self) -> datetime | None:
        """The return home interview is due 72 hours after the return (UTC instants)."""
        return None if self.returned_at is None else self.returned_at + RHI_WINDOW

    def rhi_time_left(self, now: datetime) -> timedelta | None:
        due = self.rhi_due_at
        return None if due is None else due - now


class Approval(Strict):
    """A team manager's approval of a screening's lower agreed level.

    Set only through the manager's approval action (``casework.approve_downgrade``), never
    typed into a form: the approver is the workspace owner, whose role the hub vouches for
    when the workspace is enrolled. The hub refuses an approval pushed by a device whose user
    is not a manager, or made in another user's name.
    """

    #: the approving manager's name (the workspace owner's)
    by: str = Field(min_length=1, max_length=200)
    role: Role
    at: AwareDatetime
    #: why the lower level is agreed
    rationale: str = Field(min_length=1, max_length=4000)
    #: the final screening whose lower level this approves
    approves: RecordId
    #: the level approved, and the level it was approved instead of (the one standing then)
    level: str | None = Field(default=None, max_length=20)
    instead_of: str | None = Field(default=None, max_length=20)


class Submission(Record):
    """A form filled in for a person. Drafts change freely; a final submission never changes."""

    kind: ClassVar[str] = "submission"

    form_id: str = Field(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9-]*$")
    form_version: int = Field(ge=1)
    person_id: RecordId
    episode_id: RecordId | None = None
    answers: dict[str, Any] = Field(default_factory=dict)
    outcome: dict[str, Any] | None = None
    status: SubmissionStatus = SubmissionStatus.DRAFT
    amends: RecordId | None = None
    finalised_at: AwareDatetime | None = None
    finalised_by: str = ""
    #: a manager's approval of a lower agreed level (screenings only)
    approval: Approval | None = None
    #: ids of the answers (top-level fields or repeat groups) a worker marked "restricted":
    #: a decision or note withheld from every copy that leaves the team
    restricted_fields: list[str] = Field(default_factory=list, max_length=500)

    @property
    def is_final(self) -> bool:
        return self.status is SubmissionStatus.FINAL


class Action(Record):
    """An action agreed at a Risk Management Meeting."""

    kind: ClassVar[str] = "action"

    person_id: RecordId
    text: str = Field(min_length=1, max_length=2000)
    owner: str = Field(default="", max_length=200)
    agency: str = Field(default="", max_length=200)
    due: date | None = None
    status: ActionStatus = ActionStatus.OPEN
    #: marked "restricted" by a worker: withheld from every copy that leaves the team
    restricted: bool = False

    #: an open action due within this many days is amber
    AMBER_DAYS: ClassVar[int] = 7

    def rag(self, today: date) -> Rag:
        if self.status is not ActionStatus.OPEN:
            return Rag.COMPLETE
        if self.due is None:
            return Rag.GREEN
        if self.due < today:
            return Rag.RED
        if self.due <= today + timedelta(days=self.AMBER_DAYS):
            return Rag.AMBER
        return Rag.GREEN


class Association(Record):
    """A person, place, vehicle or handle of concern. Restricted: withheld by redaction."""

    kind: ClassVar[str] = "association"

    person_id: RecordId
    episode_id: RecordId | None = None
    association_kind: AssociationKind
    description: str = Field(min_length=1, max_length=500)
    details: str = Field(default="", max_length=4000)
    area: str = Field(default="", max_length=200)


RECORD_TYPES: dict[str, type[Record]] = {
    cls.kind: cls for cls in (Person, Episode, Submission, Action, Association)
}


class AuditAction(StrEnum):
    CREATE = "create"
    EDIT = "edit"
    DELETE = "delete"
    FINALISE = "finalise"
    VIEW = "view"
    PRINT = "print"
    EXPORT = "export"
    SYNC = "sync"
    UNLOCK = "unlock"
    LOCK = "lock"
    FAILED_UNLOCK = "failed-unlock"
    CHANGE_PASSPHRASE = "change-passphrase"  # noqa: S105 - an audit action name
    BACKUP = "backup"
    RESTORE = "restore"
    OWNER = "owner"
    APPROVE = "approve"
    #: the first keyed row of a workspace whose older rows use the unkeyed hash
    AUDIT_KEYED = "audit-keyed"
    #: found at an unlock: the log no longer holds the end the key file recorded
    AUDIT_CUT = "audit-cut"


class AuditEvent(Strict):
    seq: int
    at: AwareDatetime
    actor: str
    action: AuditAction
    record_kind: str = ""
    record_id: str = ""
    reason: str = ""
    prev_hash: str
    hash: str
