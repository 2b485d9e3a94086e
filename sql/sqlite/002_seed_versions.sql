-- Known Mastodon branches and nightly ranges as of the upstream seed (June 2026,
-- reference §3.3–3.4), so a fresh database can place versions before the first
-- `manage versions update`. Existing rows are never overwritten: re-running this
-- (or upgrading) must not reset what an operator has changed.
-- The text is identical in both dialects (SQLite reads FALSE as 0); a test keeps it so.

INSERT INTO release_versions (n_level, branch, status, latest) VALUES
  (-1, '4.6', 'main',    '4.6.0-alpha.4'),
  ( 0, '4.5', 'release', '4.5.6'),
  ( 1, '4.4', 'release', '4.4.13'),
  ( 2, '4.3', 'release', '4.3.19'),
  ( 3, '4.2', 'eol',     '4.2.29'),
  ( 4, '4.1', 'eol',     '4.1.22'),
  ( 5, '4.0', 'eol',     '4.0.15')
ON CONFLICT DO NOTHING;

-- 4.2.x and earlier have no nightly builds. The upstream seed ends 4.5.0-alpha.1 on
-- 2029-08-05, a typo that overlaps every later range; it ends the day before
-- 4.5.0-alpha.2 begins.
INSERT INTO nightly_versions (version, start_date, end_date, is_security) VALUES
  ('4.3.0-alpha.0', '2023-09-28', '2024-01-29', FALSE),
  ('4.3.0-alpha.1', '2024-01-30', '2024-02-14', FALSE),
  ('4.3.0-alpha.2', '2024-02-15', '2024-02-17', FALSE),
  ('4.3.0-alpha.3', '2024-02-17', '2024-05-30', FALSE),
  ('4.3.0-alpha.4', '2024-05-31', '2024-07-04', FALSE),
  ('4.3.0-alpha.5', '2024-07-05', '2024-08-23', FALSE),
  ('4.3.0-beta.1',  '2024-08-24', '2024-09-17', FALSE),
  ('4.3.0-beta.2',  '2024-09-18', '2024-09-30', FALSE),
  ('4.3.0-rc.1',    '2024-10-01', '2024-10-07', FALSE),
  ('4.4.0-alpha.1', '2024-10-08', '2025-01-16', FALSE),
  ('4.4.0-alpha.2', '2025-01-17', '2025-02-27', FALSE),
  ('4.4.0-alpha.3', '2025-02-28', '2025-03-13', FALSE),
  ('4.4.0-alpha.4', '2025-03-14', '2025-05-06', FALSE),
  ('4.4.0-alpha.5', '2025-05-07', '2025-06-03', FALSE),
  ('4.4.0-beta.1',  '2025-06-05', '2025-06-17', FALSE),
  ('4.4.0-beta.2',  '2025-06-18', '2025-07-01', FALSE),
  ('4.4.0-rc.1',    '2025-07-02', '2025-07-02', FALSE),
  ('4.5.0-alpha.1', '2025-07-03', '2025-08-05', FALSE),
  ('4.5.0-alpha.2', '2025-08-06', '2025-10-13', FALSE),
  ('4.5.0-alpha.3', '2025-10-14', '2025-10-15', FALSE),
  ('4.5.0-beta.1',  '2025-10-16', '2025-10-21', FALSE),
  ('4.5.0-beta.2',  '2025-10-22', '2025-10-29', FALSE),
  ('4.5.0-rc.1',    '2025-10-30', '2025-10-31', FALSE),
  ('4.6.0-alpha.1', '2025-11-01', '2026-01-07', FALSE),
  ('4.6.0-alpha.2', '2026-01-08', '2026-01-20', FALSE),
  ('4.6.0-alpha.3', '2026-01-21', '2099-12-31', FALSE)
ON CONFLICT DO NOTHING;
