-- vmcrawl logical schema, PostgreSQL dialect (DESIGN §4). Same tables and columns as
-- sql/sqlite/001_schema.sql except: no outbox (SQLite staging only), plus sync_receipts.
-- Timestamps are timestamptz (UTC instants whatever the session time zone); dates are UTC dates.

CREATE TABLE raw_domains (
  domain             TEXT PRIMARY KEY CHECK (domain = lower(domain) AND length(domain) BETWEEN 1 AND 253),
  first_seen         TIMESTAMPTZ NOT NULL DEFAULT now(),
  last_crawled_at    TIMESTAMPTZ,
  next_crawl_at      TIMESTAMPTZ,
  last_response_time DOUBLE PRECISION,
  error_type         TEXT,
  error_endpoint     TEXT,
  error_reason       TEXT,
  error_count        INTEGER NOT NULL DEFAULT 0 CHECK (error_count >= 0),
  terminal_type      TEXT CHECK (terminal_type IN ('DNS','SSL','TCP','TYPE','SIZE','API','JSON','HTTP2XX','HTTP3XX','HTTP4XX','HTTP5XX','HARD','ROBOT')),
  nodeinfo           TEXT,
  alias_of           TEXT,
  peers              BOOLEAN NOT NULL DEFAULT TRUE,
  claimed_by         TEXT,
  claimed_until      TIMESTAMPTZ
);
CREATE INDEX idx_raw_domains_next_crawl ON raw_domains (next_crawl_at);
CREATE INDEX idx_raw_domains_error_type ON raw_domains (error_type) WHERE error_type IS NOT NULL;
CREATE INDEX idx_raw_domains_terminal ON raw_domains (terminal_type) WHERE terminal_type IS NOT NULL;
CREATE INDEX idx_raw_domains_uncrawled ON raw_domains (length(domain)) WHERE last_crawled_at IS NULL;

CREATE TABLE mastodon_domains (
  domain               TEXT PRIMARY KEY CHECK (domain = lower(domain) AND length(domain) BETWEEN 1 AND 253),
  software_version     TEXT,
  full_version         TEXT,
  active_users_monthly INTEGER CHECK (active_users_monthly >= 0),
  nodeinfo             TEXT,
  timestamp            TIMESTAMPTZ
);
CREATE INDEX idx_mastodon_domains_mau ON mastodon_domains (active_users_monthly DESC NULLS LAST);
CREATE INDEX idx_mastodon_domains_version ON mastodon_domains (software_version);
CREATE INDEX idx_mastodon_domains_timestamp ON mastodon_domains (timestamp);

CREATE TABLE release_versions (
  n_level INTEGER PRIMARY KEY CHECK (n_level >= -1),
  branch  TEXT NOT NULL UNIQUE,
  status  TEXT NOT NULL CHECK (status IN ('main', 'release', 'eol')),
  latest  TEXT NOT NULL,
  CHECK ((status = 'main') = (n_level = -1))
);

CREATE TABLE nightly_versions (
  version     TEXT NOT NULL,
  start_date  DATE NOT NULL,
  end_date    DATE NOT NULL,
  is_security BOOLEAN NOT NULL DEFAULT FALSE,
  PRIMARY KEY (version, is_security),
  CHECK (end_date >= start_date)
);
CREATE INDEX idx_nightly_versions_dates ON nightly_versions (start_date DESC, end_date DESC);

CREATE TABLE statistics (
  date                         DATE PRIMARY KEY,
  updated_at                   TIMESTAMPTZ,
  mau                          BIGINT NOT NULL DEFAULT 0,
  unique_versions              INTEGER NOT NULL DEFAULT 0,
  main_instances               INTEGER NOT NULL DEFAULT 0,
  latest_instances             INTEGER NOT NULL DEFAULT 0,
  previous_instances           INTEGER NOT NULL DEFAULT 0,
  deprecated_instances         INTEGER NOT NULL DEFAULT 0,
  eol_instances                INTEGER NOT NULL DEFAULT 0,
  main_patched_instances       INTEGER NOT NULL DEFAULT 0,
  latest_patched_instances     INTEGER NOT NULL DEFAULT 0,
  previous_patched_instances   INTEGER NOT NULL DEFAULT 0,
  deprecated_patched_instances INTEGER NOT NULL DEFAULT 0,
  main_branch_mau              BIGINT NOT NULL DEFAULT 0,
  latest_branch_mau            BIGINT NOT NULL DEFAULT 0,
  previous_branch_mau          BIGINT NOT NULL DEFAULT 0,
  deprecated_branch_mau        BIGINT NOT NULL DEFAULT 0,
  eol_branch_mau               BIGINT NOT NULL DEFAULT 0,
  main_patched_mau             BIGINT NOT NULL DEFAULT 0,
  latest_patched_mau           BIGINT NOT NULL DEFAULT 0,
  previous_patched_mau         BIGINT NOT NULL DEFAULT 0,
  deprecated_patched_mau       BIGINT NOT NULL DEFAULT 0,
  invalid                      BOOLEAN NOT NULL DEFAULT FALSE,
  invalid_reason               TEXT
);

CREATE TABLE error_log (
  event          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  timestamp      TIMESTAMPTZ NOT NULL DEFAULT now(),
  domain         TEXT,
  error          TEXT,
  worker         TEXT,
  error_type     TEXT,
  error_endpoint TEXT,
  error_reason   TEXT
);
CREATE INDEX idx_error_log_domain ON error_log (domain);
CREATE INDEX idx_error_log_timestamp ON error_log (timestamp DESC);

CREATE TABLE dni (
  domain    TEXT PRIMARY KEY CHECK (domain = lower(domain) AND length(domain) BETWEEN 1 AND 253),
  comment   TEXT,
  force     TEXT NOT NULL DEFAULT 'soft' CHECK (force IN ('soft', 'hard')),
  timestamp TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE tld_cache (
  tld          TEXT PRIMARY KEY CHECK (tld = lower(tld)),
  last_updated TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- PostgreSQL only: the last outbox seq applied from each node, written in the same
-- transaction as the batch, so a batch whose acknowledgement was lost is never applied twice.
CREATE TABLE sync_receipts (
  node_id    TEXT PRIMARY KEY,
  last_seq   BIGINT NOT NULL CHECK (last_seq >= 0),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
