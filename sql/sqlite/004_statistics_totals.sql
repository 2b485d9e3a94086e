-- Totals beside the per-branch counters: every published server counted (placed or not), and
-- those on a patched release with their users. Rows written before this have 0 here.
ALTER TABLE statistics ADD COLUMN instances INTEGER NOT NULL DEFAULT 0;
ALTER TABLE statistics ADD COLUMN patched_instances INTEGER NOT NULL DEFAULT 0;
ALTER TABLE statistics ADD COLUMN patched_mau INTEGER NOT NULL DEFAULT 0;
