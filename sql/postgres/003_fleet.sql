-- Fleet mode and the daemon: the pause switch every node obeys.

CREATE TABLE crawler_control (
  id     BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (id),
  paused BOOLEAN NOT NULL DEFAULT FALSE,
  reason TEXT,
  set_by TEXT,
  set_at TIMESTAMPTZ
);
INSERT INTO crawler_control (id, paused) VALUES (TRUE, FALSE) ON CONFLICT DO NOTHING;

-- Nodes claim due domains in order of when they are due (FOR UPDATE SKIP LOCKED).
CREATE INDEX idx_raw_domains_due ON raw_domains (next_crawl_at NULLS FIRST) WHERE alias_of IS NULL AND terminal_type IS NULL;
