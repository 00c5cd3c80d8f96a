-- Every client report inserts one row into events, and each index is one more B-tree to update in its commit
-- (decision 0021). Nothing reads events by (app_id, received_at), and the retention sweep now deletes by ranges of
-- the primary key, so both time indexes go. Kept: the client event id (idempotency) and the target index (rollout
-- health).
DROP INDEX ix_events_app_time;
DROP INDEX ix_events_received;
