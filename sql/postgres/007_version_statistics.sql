-- Per-version counts beside each day's statistics: the published servers that answered in the
-- counted window, and their monthly active users, per cleaned version (and its branch). What
-- patch velocity is computed from (src/stats/velocity.ts). Aggregates only, no server: kept for
-- good, as the statistics are.
CREATE TABLE version_statistics (
  date      DATE NOT NULL,
  version   TEXT NOT NULL,
  branch    TEXT,
  instances INTEGER NOT NULL CHECK (instances >= 0),
  mau       BIGINT NOT NULL CHECK (mau >= 0),
  PRIMARY KEY (date, version)
);

-- Every Mastodon release GitHub lists (manage versions update), with the day it was published:
-- where an adoption curve starts. Whether a release fixed an advisory is read from
-- security_advisories' patched versions.
CREATE TABLE releases (
  version      TEXT PRIMARY KEY,
  published_on DATE NOT NULL
);
