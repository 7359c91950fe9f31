"""Saving a printed document: password protection (AES-256), the file hash, the audit entry."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader
from reportlab.platypus import Paragraph
from support.laptops import new_workspace

from cse_desktop.domain.errors import UsageError, ValidationFailed
from cse_desktop.reports.output import save_report
from cse_desktop.reports.page import PrintMeta, render, styles

SECRET_LINE = "Fictional test content Zephyrine"


def _pdf(pages: int = 3) -> bytes:
    st = styles()
    meta = PrintMeta(title="Test document", printed_by="Sam Tester",
                     printed_at=datetime(2026, 11, 22, 10, 30, tzinfo=UTC))
    return render(lambda: [Paragraph(f"{SECRET_LINE} {i}", st["body"]) for i in range(60 * pages)],
                  meta)


def test_every_page_carries_the_marking_caveat_and_page_x_of_y() -> None:
    reader = PdfReader(io.BytesIO(_pdf()))
    total = len(reader.pages)
    assert total >= 2
    for n, page in enumerate(reader.pages, start=1):
        words = page.extract_text()
        assert words.count("OFFICIAL-SENSITIVE") == 2  # top and bottom
        assert "Not for onward sharing without the chair's agreement" in words
        assert f"Page {n} of {total}" in words
        assert "Printed by Sam Tester on 22 Nov 2026, 10:30" in words


def test_a_protected_pdf_opens_only_with_its_password(tmp_path: Path) -> None:
    ws = new_workspace(tmp_path / "ws")
    out = tmp_path / "summary.pdf"
    digest = save_report(ws, _pdf(1), out, what="RMM case summary", record_kind="person",
                         record_id="p1", profile="police", reason="RMM on Tuesday",
                         password="long enough secret")
    data = out.read_bytes()
    assert SECRET_LINE.encode() not in data
    with pytest.raises(pikepdf.PasswordError):
        pikepdf.open(out)
    with pikepdf.open(out, password="long enough secret") as doc:
        assert doc.encryption.R == 6 and doc.encryption.stream_method.name == "aesv3"
    reader = PdfReader(out)
    assert reader.is_encrypted and not reader.decrypt("wrong password")
    assert reader.decrypt("long enough secret")
    assert SECRET_LINE in reader.pages[0].extract_text()
    assert digest == hashlib.sha256(data).hexdigest()


def test_every_print_is_audited_with_profile_reason_and_hash(tmp_path: Path) -> None:
    ws = new_workspace(tmp_path / "ws")
    out = tmp_path / "pack.pdf"
    before = ws.audit.count()
    digest = save_report(ws, _pdf(1), out, what="RMM agenda pack", record_kind="",
                         record_id="", profile="internal", reason="  weekly   RMM ")
    assert ws.audit.count() == before + 1
    row = ws.db.execute("SELECT action, actor, reason FROM audit_event ORDER BY seq DESC "
                        "LIMIT 1").fetchone()
    assert row[0] == "print" and row[1]
    assert row[2] == f"RMM agenda pack; profile internal; reason: weekly RMM; sha256 {digest}"
    assert ws.audit.verify() > 0


def test_no_reason_no_print_and_nothing_written(tmp_path: Path) -> None:
    ws = new_workspace(tmp_path / "ws")
    before = ws.audit.count()
    with pytest.raises(UsageError, match="reason"):
        save_report(ws, _pdf(1), tmp_path / "x.pdf", what="x", record_kind="", record_id="",
                    profile="internal", reason="   ")
    with pytest.raises(UsageError, match="no folder"):
        save_report(ws, _pdf(1), tmp_path / "missing" / "x.pdf", what="x", record_kind="",
                    record_id="", profile="internal", reason="r")
    with pytest.raises(ValidationFailed, match="at least 8"):
        save_report(ws, _pdf(1), tmp_path / "x.pdf", what="x", record_kind="", record_id="",
                    profile="internal", reason="r", password="short")
    assert not (tmp_path / "x.pdf").exists() and ws.audit.count() == before
    assert [p.name for p in tmp_path.iterdir()] == ["ws"]
