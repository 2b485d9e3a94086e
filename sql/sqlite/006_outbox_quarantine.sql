-- Staged changes PostgreSQL refused (a value it cannot store, whatever the cause): moved here
-- with its error so they never hold back the entries staged after them. Nothing leaves this
-- table silently: `vmcrawl sync --retry-quarantined` stages them again (with new numbers, after
-- everything since; the timestamp guard still keeps newer data) and `--drop-quarantined`
-- deletes them.
CREATE TABLE outbox_quarantine (
  seq            INTEGER PRIMARY KEY,
  kind           TEXT NOT NULL,
  payload        TEXT NOT NULL,
  created_at     TEXT NOT NULL,
  quarantined_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  error          TEXT NOT NULL
);
