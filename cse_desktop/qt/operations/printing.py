"""Operations for printing: build a document, save it as a PDF, record a print.

Each reads the workspace (the document's records) or writes to it (the audit entry), so each
runs on the workspace executor; none changes a record.  Rendering and painting the pages of a
built document needs no workspace: the print dialog runs that on the network executor.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cse_desktop.qt.operations.tasks import Operation
from cse_desktop.reports.jobs import Document, PrintJob
from cse_desktop.store import Workspace


def build_document(*, job: PrintJob, document: Document, marking: str,
                   options: Mapping[str, Any]) -> Operation[bytes]:
    """The PDF of ``document``, built with the job's ``options``."""
    return Operation(lambda ws: job.render(ws, document, marking, options))


def save_document(*, job: PrintJob, document: Document, marking: str,
                  options: Mapping[str, Any], out: Path, reason: str,
                  password: str | None) -> Operation[str]:
    """Build ``document``, save it to ``out`` (protected with ``password``, if given) and audit
    the export; the result is the SHA-256 of the file written."""

    def work(ws: Workspace) -> str:
        pdf = job.render(ws, document, marking, options)
        return job.save(ws, document, pdf, out, reason=reason, password=password, export=True)

    return Operation(work)


def record_print(*, job: PrintJob, document: Document, pdf: bytes,
                 reason: str) -> Operation[str]:
    """Audit ``pdf`` as printed (before it goes to the printer); the result is its SHA-256."""
    return Operation(lambda ws: job.audit_print(ws, document, pdf, reason))
