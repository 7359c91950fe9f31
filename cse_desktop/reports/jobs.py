"""Print jobs: every document the app prints, defined once for the command line and the desktop.

A :class:`PrintJob` names a document (its title, what the audit entry calls it, the file name
offered), says what it is about, whether the audience profiles (redaction) apply, and how it is
built.  One run of a job prints a :class:`Document`: the job as the chosen audience and options
make it.  Anyone who can unlock the workspace may print any job; every print and export needs a
reason and writes an audit entry (:mod:`cse_desktop.reports.output` words it).  The
builders, reportlab and pikepdf load only when a job is built or saved, so the command line
starts quickly.

The documents: :func:`summary_job` (one young person's RMM case summary), :func:`agenda_job`
(a Risk Management Meeting's agenda pack) and :func:`profile_job` (the quarterly missing
profile, whose quarter and version name the document: :func:`profile_document`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cse_desktop.casework.quarters import Quarter
from cse_desktop.domain.dates import long_date, uk_date
from cse_desktop.domain.errors import UsageError
from cse_desktop.domain.ids import RecordKind

if TYPE_CHECKING:
    from cse_desktop.reports.page import PrintMeta
    from cse_desktop.store.workspace import Workspace

#: builds the PDF: ``build(ws, meta, profile, **options) -> bytes``
Builder = Callable[..., bytes]

#: the reason box's example text, unless a job has its own
REASON_EXAMPLE = "For example: for the chair of the next Risk Management Meeting"


def audience_profiles() -> list[tuple[str, str, str]]:
    """The audience profiles (name, label, what is withheld), internal RMM first."""
    from cse_desktop.reports.redaction import PROFILES

    return [(name, profile.label, profile.description) for name, profile in PROFILES.items()]


def audience_label(name: str) -> str:
    """How the footer names the audience profile ``name`` (UsageError naming the profiles
    there are, when there is none of that name)."""
    from cse_desktop.reports.redaction import PROFILES

    if name not in PROFILES:
        raise UsageError(f"There is no audience profile {name!r}; choose one of: "
                         + ", ".join(PROFILES) + ".")
    return PROFILES[name].label


@dataclass(frozen=True)
class Document:
    """What one print of a job is: its title, how the audit entry names it, and for whom."""

    #: the title printed on the document (PDF title and metadata)
    title: str
    #: what the audit entry says was printed ("RMM case summary")
    what: str
    #: the audience profile recorded in the audit entry ("internal", "shareable")
    profile: str = "none"
    #: the audience as the footer shows it ("Internal RMM")
    profile_label: str = ""
    #: the file name offered by Save as PDF
    file_name: str = "document.pdf"
    #: a saved copy is password-protected unless the user says otherwise: it leaves the team
    #: (the audience profile's ``leaves_team``)
    protect_by_default: bool = False

    def meta(self, printed_by: str, marking: str) -> PrintMeta:
        """What every page says: this title and audience, who printed it, now."""
        from cse_desktop.reports.page import PrintMeta

        return PrintMeta(title=self.title, printed_by=printed_by,
                         printed_at=datetime.now(UTC), marking=marking,
                         profile_label=self.profile_label)


@dataclass(frozen=True)
class PrintJob:
    """A document that can be previewed, printed and saved.

    ``build(ws, meta, profile, **options)`` returns the PDF (on the workspace's thread).
    ``profiles`` says whether the audience profiles apply; when they do not, the document's
    options name its audience (as :func:`profile_document` does).
    """

    title: str
    what: str
    build: Builder
    #: the record the document is about, for the audit entry ("" when none)
    record_kind: str = ""
    record_id: str = ""
    #: who or what the document is about, in words (the desktop shows it)
    subject: str = ""
    profiles: bool = True
    file_name: str = "document.pdf"
    reason_example: str = REASON_EXAMPLE

    def document(self, profile: str = "internal") -> Document:
        """The document for the audience ``profile`` (not used when profiles do not apply)."""
        if not self.profiles:
            return Document(self.title, self.what, file_name=self.file_name)
        from cse_desktop.reports.redaction import PROFILES

        return Document(self.title, self.what, profile, audience_label(profile), self.file_name,
                        protect_by_default=PROFILES[profile].leaves_team)

    def render(self, ws: Workspace, document: Document, marking: str,
               options: Mapping[str, Any]) -> bytes:
        """Build ``document`` with the job's ``options``, printed by the workspace's owner."""
        return self.build(ws, document.meta(ws.owner.name, marking), document.profile,
                          **options)

    def audit_print(self, ws: Workspace, document: Document, pdf: bytes, reason: str) -> str:
        """Record that ``pdf`` was sent to a printer; returns its SHA-256."""
        from cse_desktop.reports import output

        return output.audit_print(ws, pdf, what=document.what, record_kind=self.record_kind,
                                  record_id=self.record_id, profile=document.profile,
                                  reason=reason)

    def save(self, ws: Workspace, document: Document, pdf: bytes, out: Path | str, *,
             reason: str, password: str | None = None, export: bool = False) -> str:
        """Save ``pdf`` to ``out`` (protected with ``password``, if given) and audit it as a
        print, or an ``export``; returns the SHA-256 of the file written."""
        from cse_desktop.reports import output

        return output.save_report(ws, pdf, out, what=document.what,
                                  record_kind=self.record_kind, record_id=self.record_id,
                                  profile=document.profile, reason=reason, password=password,
                                  export=export)


# -- the documents ------------------------------------------------------------------------------


def summary_sections() -> list[tuple[str, str]]:
    """The case summary's sections, in order: (id, label)."""
    from cse_desktop.reports.summary import SECTIONS

    return list(SECTIONS.items())


def summary_job(person_id: str, name: str = "", *, today: date | None = None) -> PrintJob:
    """The RMM case summary of one young person.  Options: ``sections``, ``date_from`` and
    ``date_to`` (of the chronology)."""

    def build(ws: Workspace, meta: PrintMeta, profile: str, **options: Any) -> bytes:
        from cse_desktop.reports.summary import build_summary

        return build_summary(ws, person_id, meta=meta, profile=profile, **options)

    day = today or date.today()
    return PrintJob(title="RMM case summary", what="RMM case summary", build=build,
                    record_kind=RecordKind.PERSON, record_id=person_id, subject=name,
                    file_name=f"rmm-case-summary-{day:%Y-%m-%d}.pdf")


def agenda_job(meeting: date) -> PrintJob:
    """Everyone due at the Risk Management Meeting on ``meeting``, in one pack."""

    def build(ws: Workspace, meta: PrintMeta, profile: str) -> bytes:
        from cse_desktop.reports.agenda import build_agenda

        return build_agenda(ws, meeting, meta=meta, profile=profile)

    when = long_date(meeting)
    return PrintJob(title=f"RMM agenda pack {uk_date(meeting)}",
                    what=f"RMM agenda pack for {meeting.isoformat()}", build=build,
                    subject=f"The Risk Management Meeting on {when}: a cover agenda and a "
                            "summary of each young person due",
                    file_name=f"rmm-agenda-pack-{meeting:%Y-%m-%d}.pdf",
                    reason_example=f"For example: Risk Management Meeting on {when}")


def profile_job() -> PrintJob:
    """The quarterly missing-episode profile.  Options: ``quarter``, ``shareable`` and
    ``home_la``; the document is named by :func:`profile_document`."""

    def build(ws: Workspace, meta: PrintMeta, _profile: str, *, quarter: str | Quarter,
              shareable: bool, home_la: str) -> bytes:
        from cse_desktop.reports.profile import build_profile

        return build_profile(ws, quarter, meta=meta, shareable=shareable, home_la=home_la)

    return PrintJob(title="Quarterly missing profile", what="Quarterly missing profile",
                    build=build, profiles=False, subject="Missing episodes across the "
                    "caseload for one quarter: volumes, return interviews, patterns, trends",
                    reason_example="For example: the partnership's quarterly missing "
                                   "children report")


def profile_document(quarter: str | Quarter, *, shareable: bool) -> Document:
    """The quarterly profile of ``quarter``, restricted or shareable: the version is its
    audience (the profile names it in the footer itself)."""
    version = "shareable" if shareable else "restricted"
    # not protected by default: the restricted version stays with the team, and the shareable
    # one holds counts only (small numbers suppressed), no one's details
    return Document(title=f"Missing profile {quarter}",
                    what=f"Quarterly missing profile {quarter} ({version})",
                    profile=version, file_name=f"missing-profile-{quarter}-{version}.pdf")
