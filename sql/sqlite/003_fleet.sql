-- Fleet mode and the daemon: the pause switch every node obeys, and (SQLite only) this
-- staging file's own settings, such as the node id its outbox was written under.

CREATE TABLE crawler_control (
  id     INTEGER PRIMARY KEY CHECK (id = 1),
  paused INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
  reason TEXT,
  set_by TEXT,
  set_at TEXT
);
INSERT INTO crawler_control (id, paused) VALUES (1, 0) ON CONFLICT DO NOTHING;

CREATE TABLE local_settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- The daemon takes due domains in order of when they are due.
CREATE INDEX idx_raw_domains_due ON raw_domains (next_crawl_at) WHERE alias_of IS NULL AND terminal_type IS NULL;
