-- Rollout health (V5) counts a target version's upgrade reports since an instant; nothing else reads events by
-- target. App starts and downloads, most of the reports, therefore need no key in that index: every key is a leaf
-- page the event writer dirties in its commit (decision 0028). Partial, and holding the result code, so the count
-- reads the index alone.
DROP INDEX ix_events_target;
CREATE INDEX ix_events_upgrades ON events (target_version_id, received_at, result_code) WHERE event_type = 'upgrade';
