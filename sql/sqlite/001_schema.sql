-- vmcrawl logical schema, SQLite dialect (DESIGN §4).
-- Table and column names follow the upstream vmcrawl so existing SQL keeps working.
-- Timestamps are UTC ISO-8601 text with milliseconds and a Z ('2026-11-23T15:38:04.123Z'),
-- which sorts and compares correctly as text; dates are 'YYYY-MM-DD' (UTC).

-- Every known domain and its crawl state.
CREATE TABLE raw_domains (
  domain             TEXT PRIMARY KEY CHECK (domain = lower(domain) AND length(domain) BETWEEN 1 AND 253),
  first_seen         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  last_crawled_at    TEXT,
  next_crawl_at      TEXT,            -- NULL: due now
  last_response_time REAL,            -- seconds the last crawl took
  error_type         TEXT,            -- failure class (DNS, SSL, TCP, TYPE, SIZE, API, JSON, HTTP2XX..HTTP5XX, HARD, ROBOT); NULL when healthy
  error_endpoint     TEXT,            -- which request failed (robots_txt, nodeinfo, instance_api, ...)
  error_reason       TEXT,            -- the finer cause and detail (NXDOMAIN, CERT, RESET, TIMEOUT, REDIRECT, SSRF, the HTTP status, ...)
  error_count        INTEGER NOT NULL DEFAULT 0 CHECK (error_count >= 0),  -- consecutive failures
  terminal_type      TEXT CHECK (terminal_type IN ('DNS','SSL','TCP','TYPE','SIZE','API','JSON','HTTP2XX','HTTP3XX','HTTP4XX','HTTP5XX','HARD','ROBOT')),
  nodeinfo           TEXT,            -- software name of a non-Mastodon server
  alias_of           TEXT,            -- canonical domain when this one is an alias
  peers              INTEGER NOT NULL DEFAULT 1 CHECK (peers IN (0, 1)),  -- still polled for peers
  claimed_by         TEXT,
  claimed_until      TEXT
);
CREATE INDEX idx_raw_domains_next_crawl ON raw_domains (next_crawl_at);
CREATE INDEX idx_raw_domains_error_type ON raw_domains (error_type) WHERE error_type IS NOT NULL;
CREATE INDEX idx_raw_domains_terminal ON raw_domains (terminal_type) WHERE terminal_type IS NOT NULL;
CREATE INDEX idx_raw_domains_uncrawled ON raw_domains (length(domain)) WHERE last_crawled_at IS NULL;

-- The published list: Mastodon-compatible servers that answered.
CREATE TABLE mastodon_domains (
  domain               TEXT PRIMARY KEY CHECK (domain = lower(domain) AND length(domain) BETWEEN 1 AND 253),
  software_version     TEXT,          -- cleaned version
  full_version         TEXT,          -- as reported
  active_users_monthly INTEGER CHECK (active_users_monthly >= 0),
  nodeinfo             TEXT,          -- variant: mastodon, hometown, kmyblue, ...
  timestamp            TEXT           -- last success (UTC)
);
CREATE INDEX idx_mastodon_domains_mau ON mastodon_domains (active_users_monthly DESC);
CREATE INDEX idx_mastodon_domains_version ON mastodon_domains (software_version);
CREATE INDEX idx_mastodon_domains_timestamp ON mastodon_domains (timestamp);

-- Tracked Mastodon branches: n_level -1 = main, 0 = latest release, 1 = previous, ...
CREATE TABLE release_versions (
  n_level INTEGER PRIMARY KEY CHECK (n_level >= -1),
  branch  TEXT NOT NULL UNIQUE,
  status  TEXT NOT NULL CHECK (status IN ('main', 'release', 'eol')),
  latest  TEXT NOT NULL,
  CHECK ((status = 'main') = (n_level = -1))
);

-- Nightly build dates mapped to the pre-release they belong to; is_security rows pin one security build date.
CREATE TABLE nightly_versions (
  version     TEXT NOT NULL,
  start_date  TEXT NOT NULL,
  end_date    TEXT NOT NULL,          -- 2099-12-31: the current nightly
  is_security INTEGER NOT NULL DEFAULT 0 CHECK (is_security IN (0, 1)),
  PRIMARY KEY (version, is_security),
  CHECK (end_date >= start_date)
);
CREATE INDEX idx_nightly_versions_dates ON nightly_versions (start_date DESC, end_date DESC);

-- One row per UTC day.
CREATE TABLE statistics (
  date                         TEXT PRIMARY KEY,
  updated_at                   TEXT,
  mau                          INTEGER NOT NULL DEFAULT 0,
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
  main_branch_mau              INTEGER NOT NULL DEFAULT 0,
  latest_branch_mau            INTEGER NOT NULL DEFAULT 0,
  previous_branch_mau          INTEGER NOT NULL DEFAULT 0,
  deprecated_branch_mau        INTEGER NOT NULL DEFAULT 0,
  eol_branch_mau               INTEGER NOT NULL DEFAULT 0,
  main_patched_mau             INTEGER NOT NULL DEFAULT 0,
  latest_patched_mau           INTEGER NOT NULL DEFAULT 0,
  previous_patched_mau         INTEGER NOT NULL DEFAULT 0,
  deprecated_patched_mau       INTEGER NOT NULL DEFAULT 0,
  invalid                      INTEGER NOT NULL DEFAULT 0 CHECK (invalid IN (0, 1)),
  invalid_reason               TEXT
);

-- Every failure, appended.
CREATE TABLE error_log (
  event          INTEGER PRIMARY KEY AUTOINCREMENT,
  timestamp      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  domain         TEXT,
  error          TEXT,                -- human-readable message
  worker         TEXT,
  error_type     TEXT,
  error_endpoint TEXT,
  error_reason   TEXT
);
CREATE INDEX idx_error_log_domain ON error_log (domain);
CREATE INDEX idx_error_log_timestamp ON error_log (timestamp DESC);

-- Do-not-interact list: hard entries are never crawled, soft entries are never listed individually.
CREATE TABLE dni (
  domain    TEXT PRIMARY KEY CHECK (domain = lower(domain) AND length(domain) BETWEEN 1 AND 253),
  comment   TEXT,
  force     TEXT NOT NULL DEFAULT 'soft' CHECK (force IN ('soft', 'hard')),
  timestamp TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- IANA top-level domains.
CREATE TABLE tld_cache (
  tld          TEXT PRIMARY KEY CHECK (tld = lower(tld)),
  last_updated TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- SQLite only: outcomes and admin changes waiting to be pushed to PostgreSQL.
-- AUTOINCREMENT keeps seq monotonic: a number is never reused, even after the outbox empties.
CREATE TABLE outbox (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  kind       TEXT NOT NULL,
  payload    TEXT NOT NULL CHECK (json_valid(payload)),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
