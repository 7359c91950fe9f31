-- Schema 2: a name-search column for the caseload (names and also-known-as, lower case).
-- The repository writes it with Python's casefold(); rows from schema 1 are filled here with
-- SQLite's lower() first, then refreshed in Python (migrate.PYTHON_STEPS) with casefold().

ALTER TABLE records ADD COLUMN search_text TEXT NOT NULL DEFAULT '';

UPDATE records
SET search_text = lower(
        json_extract(data, '$.given_name') || ' ' || json_extract(data, '$.family_name')
        || coalesce((SELECT ' ' || group_concat(value, ' ')
                     FROM json_each(records.data, '$.also_known_as')), ''))
WHERE kind = 'person';

CREATE INDEX records_person_names ON records (kind, deleted, search_text);
