"""The backup file: one file holding a workspace's key file and an encrypted copy of its
database, with a header that lets damage be found before anything is restored.

Layout: :data:`BACKUP_MAGIC`, a 4-byte big-endian header length, the header (JSON: format,
version, when, workspace id, schema, the key file, the database's size and SHA-256), then the
database bytes.  Making the copy and restoring it need an open workspace
(``Workspace.backup``, ``Workspace.restore``); this module only writes and reads the file.
"""

from __future__ import annotations

import hashlib
import json
import struct
from datetime import UTC, datetime
from pathlib import Path

from cse_desktop.domain.errors import BackupInvalid
from cse_desktop.store.files import private_staging

BACKUP_MAGIC = b"CSE-DESKTOP-BACKUP\n"
BACKUP_FORMAT_VERSION = 1
MAX_BACKUP_HEADER = 256 * 1024


def write_backup(out: Path, *, workspace_id: str, schema: int, key_file: bytes,
                 db_bytes: bytes) -> None:
    """Write the backup file ``out`` (0600, whole or not at all)."""
    header = {"format": "cse-desktop-backup", "version": BACKUP_FORMAT_VERSION,
              "created_at": datetime.now(UTC).isoformat(),
              "workspace_id": workspace_id, "schema_version": schema,
              "key_file": key_file.decode("utf-8"),
              "db_size": len(db_bytes),
              "db_sha256": hashlib.sha256(db_bytes).hexdigest()}
    blob = json.dumps(header).encode("utf-8")
    with private_staging(out) as fh:
        fh.write(BACKUP_MAGIC + struct.pack(">I", len(blob)) + blob + db_bytes)


def read_backup(path: Path) -> tuple[bytes, bytes]:
    """(key file bytes, database bytes) from a backup file, checked for damage."""
    bad = BackupInvalid(f"{path.name} is not a CSE Desktop backup, or it is damaged.")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise BackupInvalid(f"There is no backup file at {path}.") from None
    if not raw.startswith(BACKUP_MAGIC) or len(raw) < len(BACKUP_MAGIC) + 4:
        raise bad
    offset = len(BACKUP_MAGIC)
    (size,) = struct.unpack(">I", raw[offset:offset + 4])
    if size > MAX_BACKUP_HEADER:
        raise bad
    try:
        header = json.loads(raw[offset + 4:offset + 4 + size].decode("utf-8"))
        db_bytes = raw[offset + 4 + size:]
        ok = (header["format"] == "cse-desktop-backup"
              and header["version"] == BACKUP_FORMAT_VERSION
              and header["db_size"] == len(db_bytes)
              and header["db_sha256"] == hashlib.sha256(db_bytes).hexdigest())
        key_bytes = header["key_file"].encode("utf-8")
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError):
        raise bad from None
    if not ok:
        raise bad
    return key_bytes, db_bytes
