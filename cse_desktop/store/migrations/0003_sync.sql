-- Schema 3: sync with the team's hub. Conflicts and refused changes the hub reported, kept
-- here so a person can see (and, for conflicts, settle) them while offline.
-- The hub link (URL, device credential, pinned CA) and the pull cursor live in meta.

CREATE TABLE sync_issue (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('conflict', 'rejected')),
    record_kind  TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    field        TEXT NOT NULL DEFAULT '',
    base_value   TEXT NOT NULL DEFAULT 'null' CHECK (json_valid(base_value)),
    hub_value    TEXT NOT NULL DEFAULT 'null' CHECK (json_valid(hub_value)),
    device_value TEXT NOT NULL DEFAULT 'null' CHECK (json_valid(device_value)),
    message      TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL
) STRICT;

CREATE INDEX sync_issue_by_record ON sync_issue (record_id);
