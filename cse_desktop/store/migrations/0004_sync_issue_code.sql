-- Schema 4: a refused change keeps the hub's stable code (not_found, immutable,
-- approval_not_allowed...) in a column of its own; until now it was written into the message
-- as "code: message". Conflicts carry no code. Rows written before are split here.

ALTER TABLE sync_issue ADD COLUMN code TEXT NOT NULL DEFAULT '';

UPDATE sync_issue
   SET code = substr(message, 1, instr(message, ': ') - 1),
       message = substr(message, instr(message, ': ') + 2)
 WHERE kind = 'rejected' AND instr(message, ': ') > 0;
