-- The outbox quarantine lives in each node's SQLite staging file (sql/sqlite/006); PostgreSQL
-- has nothing to add. Kept so both dialects number their migrations alike.
SELECT 1;
