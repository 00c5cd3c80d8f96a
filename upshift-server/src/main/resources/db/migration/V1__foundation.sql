-- Upshift foundation schema. Runs unchanged on SQLite and PostgreSQL; the only dialect difference, the
-- auto-increment primary key, comes in through the ${id} placeholder (see Database.java).
-- Times are UTC epoch milliseconds (BIGINT). Flags are SMALLINT 0/1. Soft-deleted rows keep deleted_at.

CREATE TABLE tenants (
    id          ${id},
    name        VARCHAR(128) NOT NULL,
    created_at  BIGINT       NOT NULL
);
CREATE UNIQUE INDEX ux_tenants_name ON tenants (name);

-- Admin API bearer tokens; only a SHA-256 of the token is stored.
CREATE TABLE admin_tokens (
    id          ${id},
    tenant_id   BIGINT       NOT NULL REFERENCES tenants (id),
    token_hash  CHAR(64)     NOT NULL,
    description VARCHAR(256) NOT NULL,
    is_system   SMALLINT     NOT NULL DEFAULT 0,
    created_at  BIGINT       NOT NULL,
    revoked_at  BIGINT
);
CREATE UNIQUE INDEX ux_admin_tokens_hash ON admin_tokens (token_hash);

-- Client access keys. The secret is needed in clear to check MD5/HMAC signatures, so it is encrypted
-- (AES-256-GCM) under a key kept outside the database, never hashed.
CREATE TABLE access_keys (
    id           ${id},
    tenant_id    BIGINT       NOT NULL REFERENCES tenants (id),
    access_key   VARCHAR(64)  NOT NULL,
    secret_enc   VARCHAR(256) NOT NULL,
    description  VARCHAR(256) NOT NULL,
    enabled      SMALLINT     NOT NULL DEFAULT 1,
    created_at   BIGINT       NOT NULL,
    revoked_at   BIGINT
);
CREATE UNIQUE INDEX ux_access_keys_key ON access_keys (access_key);

-- One table for all nine app kinds.
CREATE TABLE apps (
    id            ${id},
    tenant_id     BIGINT        NOT NULL REFERENCES tenants (id),
    app_key       VARCHAR(64)   NOT NULL,
    kind          VARCHAR(16)   NOT NULL,
    name          VARCHAR(128)  NOT NULL,
    package_name  VARCHAR(256)  NOT NULL DEFAULT '',
    description   VARCHAR(2048) NOT NULL DEFAULT '',
    created_at    BIGINT        NOT NULL,
    updated_at    BIGINT        NOT NULL,
    deleted_at    BIGINT,
    CHECK (kind IN ('url', 'file', 'apk', 'configuration', 'tauri', 'electron', 'win', 'mac', 'lnx'))
);
CREATE UNIQUE INDEX ux_apps_key ON apps (app_key);
CREATE INDEX ix_apps_tenant ON apps (tenant_id);

-- One table for the versions of every kind. platform holds tauri's target and electron's platform; both
-- platform and arch are '' for kinds without them. version_code is the integer sort key (the client's
-- integer code, or UpgradeLink's major*1000000+minor*1000+patch for SemVer kinds); version_key is the
-- version's identity within (app, platform, arch): the code for integer kinds, the canonical SemVer otherwise.
CREATE TABLE versions (
    id                           ${id},
    app_id                       BIGINT        NOT NULL REFERENCES apps (id),
    version_name                 VARCHAR(128)  NOT NULL,
    version_code                 BIGINT        NOT NULL,
    version_key                  VARCHAR(160)  NOT NULL,
    platform                     VARCHAR(32)   NOT NULL DEFAULT '',
    arch                         VARCHAR(32)   NOT NULL DEFAULT '',
    description                  VARCHAR(4096) NOT NULL DEFAULT '',
    release_note                 TEXT          NOT NULL DEFAULT '',
    changelog                    TEXT          NOT NULL DEFAULT '',
    release_url                  VARCHAR(2048) NOT NULL DEFAULT '',
    url_path                     VARCHAR(2048) NOT NULL DEFAULT '',
    content                      TEXT,
    signature                    VARCHAR(4096) NOT NULL DEFAULT '',
    is_pre_release               SMALLINT      NOT NULL DEFAULT 0,
    upgrade_mode                 SMALLINT      NOT NULL DEFAULT 1,
    forced_upgrade_version_code  BIGINT        NOT NULL DEFAULT 0,
    silent_upgrade_version_code  BIGINT        NOT NULL DEFAULT 0,
    update_type                  VARCHAR(32)   NOT NULL DEFAULT 'manual',
    created_at                   BIGINT        NOT NULL,
    deleted_at                   BIGINT
);
CREATE UNIQUE INDEX ux_versions_identity ON versions (app_id, platform, arch, version_key) WHERE deleted_at IS NULL;
CREATE INDEX ix_versions_lookup ON versions (app_id, platform, arch, version_code);

-- Content-addressed artifact bytes: one row per distinct sha256, stored once however often referenced.
CREATE TABLE blobs (
    sha256      CHAR(64)     NOT NULL PRIMARY KEY,
    size        BIGINT       NOT NULL,
    md5         CHAR(32)     NOT NULL,
    sha512      CHAR(128)    NOT NULL,
    created_at  BIGINT       NOT NULL
);

-- The files of a version: the install package and, for updaters that use a separate bundle, the update.
CREATE TABLE version_files (
    id           ${id},
    version_id   BIGINT        NOT NULL REFERENCES versions (id),
    role         VARCHAR(16)   NOT NULL,
    blob_sha256  CHAR(64)      NOT NULL REFERENCES blobs (sha256),
    file_name    VARCHAR(255)  NOT NULL,
    media_type   VARCHAR(128)  NOT NULL,
    created_at   BIGINT        NOT NULL,
    CHECK (role IN ('install', 'update'))
);
CREATE UNIQUE INDEX ux_version_files_role ON version_files (version_id, role);

-- Download totals per version, written in batches by DownloadCounter.
CREATE TABLE version_download_counts (
    version_id  BIGINT NOT NULL PRIMARY KEY REFERENCES versions (id),
    downloads   BIGINT NOT NULL
);

-- Used request nonces, per access key, kept until expires_at (at least twice the timestamp window).
CREATE TABLE nonces (
    access_key  VARCHAR(64)  NOT NULL,
    nonce       VARCHAR(128) NOT NULL,
    expires_at  BIGINT       NOT NULL,
    PRIMARY KEY (access_key, nonce)
);
CREATE INDEX ix_nonces_expiry ON nonces (expires_at);
