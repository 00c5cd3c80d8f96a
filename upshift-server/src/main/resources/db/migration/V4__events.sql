-- One event pipeline (decision 0015): raw events from client reports and server facts, plus daily roll-ups that
-- the statistics read. Raw rows are deleted after event-retention-days; roll-ups are kept.
-- check_events (V2) is no longer written; its rows are left in place for anyone who still reads them.

CREATE TABLE events (
    id                  ${id},
    tenant_id           BIGINT       NOT NULL,
    app_id              BIGINT       NOT NULL,
    event_type          VARCHAR(16)  NOT NULL,        -- checked | offered | downloaded | app_start | download | upgrade
    occurred_at         BIGINT       NOT NULL,        -- epoch ms: the client's timestamp for reports, server time for facts
    received_at         BIGINT       NOT NULL,        -- epoch ms, server time
    client_event_id     VARCHAR(64),                  -- reports only; unique per app when present
    version_code        BIGINT       NOT NULL DEFAULT 0, -- the client's current version code
    target_version_code BIGINT       NOT NULL DEFAULT 0, -- offered / downloaded / upgraded-to code
    target_version_id   BIGINT,                       -- resolved catalog id of the target when known
    strategy_id         BIGINT,                       -- offering strategy (offered facts; best effort for reports)
    result_code         BIGINT       NOT NULL DEFAULT 0, -- eventData.code for reports (0 = success)
    device_key          VARCHAR(128) NOT NULL DEFAULT '',
    device_model        VARCHAR(128) NOT NULL DEFAULT '',
    platform            VARCHAR(32)  NOT NULL DEFAULT '',
    arch                VARCHAR(32)  NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX ux_events_client_id ON events (app_id, client_event_id) WHERE client_event_id IS NOT NULL;
CREATE INDEX ix_events_target ON events (target_version_id, event_type, received_at);
CREATE INDEX ix_events_app_time ON events (app_id, received_at);
-- For the retention delete, which spans all apps.
CREATE INDEX ix_events_received ON events (received_at);

-- Event counts per app and day (in report-zone, by received_at), per every dimension the statistics group by.
-- "None" is 0 in target_version_id and strategy_id so that the primary key has no NULLs.
CREATE TABLE event_daily (
    app_id              BIGINT       NOT NULL,
    day                 BIGINT       NOT NULL,        -- days since 1970-01-01 in the report zone
    event_type          VARCHAR(16)  NOT NULL,
    version_code        BIGINT       NOT NULL,
    target_version_code BIGINT       NOT NULL,
    target_version_id   BIGINT       NOT NULL,
    strategy_id         BIGINT       NOT NULL,
    result_code         BIGINT       NOT NULL,
    platform            VARCHAR(32)  NOT NULL,
    arch                VARCHAR(32)  NOT NULL,
    events              BIGINT       NOT NULL,
    PRIMARY KEY (app_id, day, event_type, version_code, target_version_code, target_version_id, strategy_id,
                 result_code, platform, arch)
);

-- One row per device key seen for an app on a day (active devices, top device models).
CREATE TABLE event_daily_devices (
    app_id       BIGINT       NOT NULL,
    day          BIGINT       NOT NULL,
    device_key   VARCHAR(128) NOT NULL,
    device_model VARCHAR(128) NOT NULL,
    PRIMARY KEY (app_id, day, device_key)
);
