-- Rollout: strategies with gray and flow rules, devices, device groups and models, durable gray admissions,
-- and the asynchronous fact log of update checks. Same conventions as V1.

CREATE TABLE strategies (
    id              ${id},
    app_id          BIGINT        NOT NULL REFERENCES apps (id),
    version_id      BIGINT        NOT NULL REFERENCES versions (id),
    name            VARCHAR(128)  NOT NULL,
    description     VARCHAR(1024) NOT NULL DEFAULT '',
    enabled         SMALLINT      NOT NULL DEFAULT 1,
    begin_at        BIGINT        NOT NULL,
    end_at          BIGINT        NOT NULL,
    upgrade_type    SMALLINT      NOT NULL DEFAULT 1,
    prompt_text     VARCHAR(4096) NOT NULL DEFAULT '',
    targeting       VARCHAR(16)   NOT NULL DEFAULT 'all',
    targeting_data  TEXT          NOT NULL DEFAULT '[]',
    source_type     VARCHAR(16)   NOT NULL DEFAULT 'all',
    source_data     TEXT          NOT NULL DEFAULT '{}',
    channel         VARCHAR(32)   NOT NULL DEFAULT 'stable',
    percentage      INTEGER       NOT NULL DEFAULT 10000,
    created_at      BIGINT        NOT NULL,
    updated_at      BIGINT        NOT NULL,
    deleted_at      BIGINT,
    CHECK (targeting IN ('all', 'groups', 'models')),
    CHECK (source_type IN ('all', 'listed', 'range')),
    CHECK (percentage BETWEEN 0 AND 10000),
    CHECK (upgrade_type BETWEEN 0 AND 3)
);
CREATE INDEX ix_strategies_app ON strategies (app_id);

CREATE TABLE gray_rules (
    id            ${id},
    strategy_id   BIGINT   NOT NULL REFERENCES strategies (id),
    enabled       SMALLINT NOT NULL DEFAULT 1,
    begin_at      BIGINT   NOT NULL,
    end_at        BIGINT   NOT NULL,
    device_limit  BIGINT   NOT NULL,
    deleted_at    BIGINT
);
CREATE INDEX ix_gray_rules_strategy ON gray_rules (strategy_id);

CREATE TABLE flow_rules (
    id           ${id},
    strategy_id  BIGINT      NOT NULL REFERENCES strategies (id),
    enabled      SMALLINT    NOT NULL DEFAULT 1,
    begin_time   VARCHAR(8)  NOT NULL,
    end_time     VARCHAR(8)  NOT NULL,
    dimension    VARCHAR(8)  NOT NULL,
    rule_limit   BIGINT      NOT NULL,
    soft         SMALLINT    NOT NULL DEFAULT 0,
    deleted_at   BIGINT,
    CHECK (dimension IN ('second', 'minute', 'hour', 'day'))
);
CREATE INDEX ix_flow_rules_strategy ON flow_rules (strategy_id);

-- Devices admitted to a gray rule (sticky, distinct devices). Written when a device is admitted, read at start.
CREATE TABLE gray_admissions (
    rule_id     BIGINT       NOT NULL,
    device_key  VARCHAR(128) NOT NULL,
    admitted_at BIGINT       NOT NULL,
    expires_at  BIGINT       NOT NULL,
    PRIMARY KEY (rule_id, device_key)
);

CREATE TABLE devices (
    id             ${id},
    tenant_id      BIGINT       NOT NULL REFERENCES tenants (id),
    device_key     VARCHAR(128) NOT NULL,
    model_key      VARCHAR(128) NOT NULL DEFAULT '',
    first_seen_at  BIGINT,
    last_seen_at   BIGINT,
    created_at     BIGINT       NOT NULL
);
CREATE UNIQUE INDEX ux_devices_key ON devices (tenant_id, device_key);

CREATE TABLE device_groups (
    id          ${id},
    tenant_id   BIGINT        NOT NULL REFERENCES tenants (id),
    name        VARCHAR(128)  NOT NULL,
    description VARCHAR(1024) NOT NULL DEFAULT '',
    created_at  BIGINT        NOT NULL,
    deleted_at  BIGINT
);
CREATE UNIQUE INDEX ux_device_groups_name ON device_groups (tenant_id, name) WHERE deleted_at IS NULL;

CREATE TABLE device_group_members (
    group_id   BIGINT NOT NULL REFERENCES device_groups (id),
    device_id  BIGINT NOT NULL REFERENCES devices (id),
    PRIMARY KEY (group_id, device_id)
);

CREATE TABLE device_models (
    id          ${id},
    tenant_id   BIGINT       NOT NULL REFERENCES tenants (id),
    model_key   VARCHAR(128) NOT NULL,
    name        VARCHAR(128) NOT NULL DEFAULT '',
    created_at  BIGINT       NOT NULL,
    deleted_at  BIGINT
);
CREATE UNIQUE INDEX ux_device_models_key ON device_models (tenant_id, model_key) WHERE deleted_at IS NULL;

-- APK delta patches: a patch turns the installed from_version into version_id.
CREATE TABLE version_patches (
    id               ${id},
    version_id       BIGINT       NOT NULL REFERENCES versions (id),
    from_version_id  BIGINT       NOT NULL REFERENCES versions (id),
    patch_algo       SMALLINT     NOT NULL,
    blob_sha256      CHAR(64)     NOT NULL REFERENCES blobs (sha256),
    file_name        VARCHAR(255) NOT NULL,
    created_at       BIGINT       NOT NULL
);
CREATE UNIQUE INDEX ux_version_patches ON version_patches (version_id, from_version_id, patch_algo);

-- Facts about update checks ("checked", "offered"), appended in batches off the request path.
CREATE TABLE check_events (
    id                  ${id},
    tenant_id           BIGINT       NOT NULL,
    app_id              BIGINT       NOT NULL,
    event_type          VARCHAR(16)  NOT NULL,
    client_version_code BIGINT       NOT NULL,
    offered_version_id  BIGINT,
    strategy_id         BIGINT,
    device_key          VARCHAR(128) NOT NULL DEFAULT '',
    device_model        VARCHAR(128) NOT NULL DEFAULT '',
    platform            VARCHAR(32)  NOT NULL DEFAULT '',
    arch                VARCHAR(32)  NOT NULL DEFAULT '',
    outcome             VARCHAR(16)  NOT NULL,
    created_at          BIGINT       NOT NULL
);
CREATE INDEX ix_check_events_app_time ON check_events (app_id, created_at);
