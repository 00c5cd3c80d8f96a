-- Rollout health: strategies that pause themselves when upgrades fail, and staged rollouts that advance by
-- themselves while healthy. Counted from upgrade reports in the events table (V4). Runs on SQLite and PostgreSQL.

-- Share of upgrade reports with an error code, in basis points, above which the strategy pauses (NULL: never);
-- evaluated once at least failure_min_attempts reports arrived since health_since.
ALTER TABLE strategies ADD COLUMN failure_threshold INTEGER;
ALTER TABLE strategies ADD COLUMN failure_min_attempts INTEGER NOT NULL DEFAULT 20;
-- Share of successful upgrade reports, in basis points, a stage needs before it advances (NULL: holding is enough).
ALTER TABLE strategies ADD COLUMN success_threshold INTEGER;
-- Staged rollout: [{"percentage": basis points, "holdMinutes": n}, ...]; '[]' for none. percentage follows the
-- current stage.
ALTER TABLE strategies ADD COLUMN stages TEXT NOT NULL DEFAULT '[]';
ALTER TABLE strategies ADD COLUMN stage_index INTEGER NOT NULL DEFAULT 0;
ALTER TABLE strategies ADD COLUMN stage_started_at BIGINT;
-- Reports count from this instant (creation, or the last resume, so old failures do not pause it again).
ALTER TABLE strategies ADD COLUMN health_since BIGINT;
ALTER TABLE strategies ADD COLUMN paused_at BIGINT;
ALTER TABLE strategies ADD COLUMN pause_reason VARCHAR(1024) NOT NULL DEFAULT '';
UPDATE strategies SET health_since = created_at;

-- Who changed what, when. Written in the same transaction as the change.
CREATE TABLE audit_log (
    id           ${id},
    tenant_id    BIGINT        NOT NULL,
    at           BIGINT        NOT NULL,
    actor        VARCHAR(128)  NOT NULL,
    action       VARCHAR(64)   NOT NULL,
    target_type  VARCHAR(32)   NOT NULL,
    target_id    VARCHAR(64)   NOT NULL,
    detail       TEXT          NOT NULL DEFAULT '{}'
);
CREATE INDEX ix_audit_log_tenant_time ON audit_log (tenant_id, at);
