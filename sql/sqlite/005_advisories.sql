-- Mastodon's GitHub security advisories, and which versions each affects (reference §11.5):
-- the ranges as published, the semver range derived from them (affected_spec) with how sure
-- the derivation is, and a person's override, which a refresh never touches.
CREATE TABLE security_advisories (
  ghsa_id          TEXT PRIMARY KEY,
  cve_id           TEXT,
  summary          TEXT NOT NULL,
  severity         TEXT,
  url              TEXT,
  published_at     TEXT,
  vulnerable_range TEXT NOT NULL,   -- every vulnerable_version_range, joined by ", "
  patched_versions TEXT NOT NULL,   -- every patched_versions, joined by ", "
  affected_spec    TEXT NOT NULL,   -- a semver range ('>=4.3.0-0 <4.3.24 || ...'); '' when nothing could be derived
  parse_status     TEXT NOT NULL CHECK (parse_status IN ('ok', 'needs_review')),
  override_spec    TEXT,            -- set by a person; used instead of affected_spec
  updated_at       TEXT NOT NULL
);
