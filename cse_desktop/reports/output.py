"""Saving and auditing a printed document: where the user chose, optionally password-protected.

Every print or export states its audience profile and a reason, and writes an audit entry
(who and when come with every audit event; what, which profile, the reason and the SHA-256 of
the file written are in the entry). The file appears complete or not at all: it is written
beside its destination and moved into place.
"""

from __future__ import annotations

import hashlib
import io
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

import pikepdf

from cse_desktop.domain.errors import UsageError, ValidationFailed
from cse_desktop.domain.models import AuditAction
from cse_desktop.store.files import write_private

if TYPE_CHECKING:
    from cse_desktop.store.workspace import Workspace

#: the shortest password accepted for a protected PDF
MIN_PASSWORD = 8


def protect(pdf: bytes, password: str) -> bytes:
    """The same document, encrypted with AES-256 (PDF 2.0 security handler, revision 6):
    it opens only with ``password``."""
    if len(password) < MIN_PASSWORD:
        raise ValidationFailed(f"A PDF password needs at least {MIN_PASSWORD} characters.")
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        doc.save(out, encryption=pikepdf.Encryption(
            user=password, owner=secrets.token_urlsafe(24), R=6, aes=True,
            allow=pikepdf.Permissions(extract=False, modify_other=False)))
    return out.getvalue()


def write_pdf(pdf: bytes, out: Path | str) -> None:
    """Write the PDF whole or not at all (beside its destination, then moved into place),
    readable by its owner only."""
    out = Path(out)
    if not out.parent.is_dir():
        raise UsageError(f"There is no folder {str(out.parent)!r} to save into.")
    try:
        write_private(out, pdf)  # 0600: the copy is for its reader, not the laptop's users
    except OSError as exc:
        raise UsageError(f"Could not save the PDF to {str(out)!r}: {exc.strerror}.") from None


def reason_given(reason: str) -> str:
    """The reason for a print or export, tidied; UsageError when there is none."""
    reason = " ".join(reason.split())
    if not reason:
        raise UsageError("Say why you are printing this (a reason is required and audited).")
    return reason


def _audit(ws: Workspace, action: AuditAction, digest: str, *, what: str, record_kind: str,
           record_id: str, profile: str, reason: str, protected: bool = False) -> None:
    """The audit entry of a print or export, in its one wording."""
    ws.audit.append(action, record_kind, record_id, reason=f"{what}; profile {profile}; "
                    f"{'password-protected; ' if protected else ''}reason: {reason}; "
                    f"sha256 {digest}")


def audit_print(ws: Workspace, pdf: bytes, *, what: str, record_kind: str, record_id: str,
                profile: str, reason: str) -> str:
    """Record a print (sent to a printer; nothing saved) in the audit log, worded as
    :func:`save_report` words a saved file; returns the SHA-256 of the document printed."""
    reason = reason_given(reason)
    digest = hashlib.sha256(pdf).hexdigest()
    _audit(ws, AuditAction.PRINT, digest, what=what, record_kind=record_kind,
           record_id=record_id, profile=profile, reason=reason)
    return digest


def save_report(ws: Workspace, pdf: bytes, out: Path | str, *, what: str, record_kind: str,
                record_id: str, profile: str, reason: str, password: str | None = None,
                export: bool = False) -> str:
    """Write ``pdf`` to ``out`` and audit it; returns the SHA-256 of the file written.

    ``what`` names the document ("RMM case summary"); ``export`` audits an export (saved
    file) rather than a print.
    """
    reason = reason_given(reason)
    out = Path(out)
    if not out.parent.is_dir():
        raise UsageError(f"There is no folder {str(out.parent)!r} to save into.")
    data = protect(pdf, password) if password else pdf
    digest = hashlib.sha256(data).hexdigest()
    write_pdf(data, out)
    try:
        _audit(ws, AuditAction.EXPORT if export else AuditAction.PRINT, digest, what=what,
               record_kind=record_kind, record_id=record_id, profile=profile, reason=reason,
               protected=bool(password))
    except Exception:
        out.unlink(missing_ok=True)  # never a print without its audit entry
        raise
    return digest
