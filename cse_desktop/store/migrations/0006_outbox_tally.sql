-- Schema 6: sync at scale.
--
-- outbox_tally: what the outbox holds, kept up to date in the same transaction as every write
-- to the outbox or to a form, so "changes waiting" and "draft forms held back" are read in
-- microseconds instead of counted (a backlog of 100,000 unsent forms took seconds). New rows
-- are counted by the code that adds them (store/outbox.py: a row trigger on every insert made
-- bulk writes several times slower); rows leaving and forms changing, by the triggers below:
--   change  outbox rows of records other than forms (each is one change to send);
--   final   final forms with rows in the outbox (each goes as one create);
--   draft   draft forms, not deleted, with rows in the outbox (kept on this laptop).
-- A deleted draft counts nowhere: its rows are dropped at the next sync, unsent.
--
-- sync_echo: the hub sequence number of each change of this laptop that the hub accepted as
-- it was sent. When a pull brings that change back, the laptop already holds it and skips it,
-- unless another change to the same record was applied in between (then the row goes).

CREATE TABLE outbox_tally (
    what TEXT PRIMARY KEY CHECK (what IN ('change', 'final', 'draft')),
    n    INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

WITH forms AS MATERIALIZED (
    SELECT coalesce(sum(status = 'final'), 0) AS final,
           coalesce(sum(status = 'draft' AND deleted = 0), 0) AS draft
      FROM (SELECT json_extract(r.data, '$.status') AS status, r.deleted
              FROM (SELECT DISTINCT record_id FROM outbox WHERE record_kind = 'submission') o
              JOIN records r ON r.id = o.record_id AND r.kind = 'submission'))
INSERT INTO outbox_tally (what, n)
SELECT 'change', count(*) FROM outbox WHERE record_kind <> 'submission'
UNION ALL SELECT 'final', final FROM forms
UNION ALL SELECT 'draft', draft FROM forms;

CREATE TRIGGER outbox_tally_change_out AFTER DELETE ON outbox
WHEN OLD.record_kind <> 'submission'
BEGIN
    UPDATE outbox_tally SET n = n - 1 WHERE what = 'change';
END;

-- its last row leaving the outbox uncounts it
CREATE TRIGGER outbox_tally_form_out AFTER DELETE ON outbox
WHEN OLD.record_kind = 'submission'
     AND NOT EXISTS (SELECT 1 FROM outbox WHERE record_id = OLD.record_id)
BEGIN
    UPDATE outbox_tally SET n = n - 1 WHERE what = (
        SELECT CASE WHEN json_extract(data, '$.status') = 'final' THEN 'final'
                    WHEN deleted = 0 AND json_extract(data, '$.status') = 'draft' THEN 'draft'
               END FROM records WHERE id = OLD.record_id AND kind = 'submission');
END;

-- a form with rows in the outbox that is finalised or deleted moves with it
CREATE TRIGGER outbox_tally_form_changed AFTER UPDATE OF data, deleted ON records
WHEN NEW.kind = 'submission' AND EXISTS (SELECT 1 FROM outbox WHERE record_id = NEW.id)
BEGIN
    UPDATE outbox_tally SET n = n - 1 WHERE what =
        CASE WHEN json_extract(OLD.data, '$.status') = 'final' THEN 'final'
             WHEN OLD.deleted = 0 AND json_extract(OLD.data, '$.status') = 'draft' THEN 'draft'
        END;
    UPDATE outbox_tally SET n = n + 1 WHERE what =
        CASE WHEN json_extract(NEW.data, '$.status') = 'final' THEN 'final'
             WHEN NEW.deleted = 0 AND json_extract(NEW.data, '$.status') = 'draft' THEN 'draft'
        END;
END;

CREATE TABLE sync_echo (
    seq       INTEGER PRIMARY KEY,
    record_id TEXT NOT NULL
) STRICT;

CREATE INDEX sync_echo_by_record ON sync_echo (record_id);
