-- Schema 1: records, outbox, audit log. Released migrations are never edited.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- Every record kind (person, episode, submission, action, association) in one table: the
-- bookkeeping fields as columns, the record's own fields as JSON in `data`.
CREATE TABLE records (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    person_id  TEXT,
    version    INTEGER NOT NULL CHECK (version >= 1),
    server_seq INTEGER,
    deleted    INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    data       TEXT NOT NULL CHECK (json_valid(data))
) STRICT;

CREATE INDEX records_by_kind ON records (kind, deleted);
CREATE INDEX records_by_person ON records (person_id, kind);

-- A final submission never changes (a correction is a new submission that amends it).
CREATE TRIGGER final_submission_immutable
BEFORE UPDATE ON records
WHEN OLD.kind = 'submission' AND json_extract(OLD.data, '$.status') = 'final'
     AND (NEW.data IS NOT OLD.data OR NEW.deleted IS NOT OLD.deleted)
BEGIN
    SELECT RAISE(ABORT, 'final submissions are immutable');
END;

-- One row per local change, written in the same transaction as the change.
CREATE TABLE outbox (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    change_id    TEXT NOT NULL UNIQUE,
    record_kind  TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    op           TEXT NOT NULL CHECK (op IN ('create', 'update', 'delete')),
    version      INTEGER NOT NULL,
    base_version INTEGER NOT NULL,
    base_seq     INTEGER,
    fields       TEXT NOT NULL CHECK (json_valid(fields)),
    created_at   TEXT NOT NULL
) STRICT;

CREATE INDEX outbox_by_record ON outbox (record_id, version);

-- Append-only, hash-chained audit log. The head (last seq and hash) is kept in meta.
CREATE TABLE audit_event (
    seq         INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    record_kind TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    reason      TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
) STRICT;

CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
