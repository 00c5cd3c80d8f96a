-- Accounts: users with a role in one tenant, server-side sessions, API tokens per user, and where audited changes
-- came from. Runs on SQLite and PostgreSQL.

-- Usernames are stored lower case and are unique in the installation, so login needs no tenant.
CREATE TABLE users (
    id                  ${id},
    tenant_id           BIGINT        NOT NULL REFERENCES tenants (id),
    username            VARCHAR(64)   NOT NULL,
    display_name        VARCHAR(128)  NOT NULL DEFAULT '',
    -- PHC string, argon2id (t=2, m=19 MiB, p=1)
    password_hash       VARCHAR(256)  NOT NULL,
    role                VARCHAR(16)   NOT NULL,
    created_at          BIGINT        NOT NULL,
    updated_at          BIGINT        NOT NULL,
    password_changed_at BIGINT        NOT NULL,
    disabled_at         BIGINT
);
CREATE UNIQUE INDEX ux_users_username ON users (username);
CREATE INDEX ix_users_tenant ON users (tenant_id);

-- Console sessions. The cookie holds a random token; only its SHA-256 is stored. ended_at is set by logout,
-- password change and disabling the user; idle and absolute limits are checked against last_seen_at/created_at.
CREATE TABLE sessions (
    id            ${id},
    token_hash    CHAR(64)      NOT NULL,
    user_id       BIGINT        NOT NULL REFERENCES users (id),
    csrf_token    VARCHAR(64)   NOT NULL,
    created_at    BIGINT        NOT NULL,
    last_seen_at  BIGINT        NOT NULL,
    ended_at      BIGINT,
    ip            VARCHAR(64)   NOT NULL DEFAULT '',
    user_agent    VARCHAR(256)  NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX ux_sessions_token ON sessions (token_hash);
CREATE INDEX ix_sessions_user ON sessions (user_id);

-- API tokens belong to a user and carry a role (never above the user's) and an expiry. Rows without a user are
-- bootstrap tokens: they work only until their tenant has an owner.
ALTER TABLE admin_tokens ADD COLUMN user_id BIGINT REFERENCES users (id);
ALTER TABLE admin_tokens ADD COLUMN role VARCHAR(16) NOT NULL DEFAULT 'owner';
ALTER TABLE admin_tokens ADD COLUMN expires_at BIGINT;
ALTER TABLE admin_tokens ADD COLUMN last_used_at BIGINT;

-- Where an audited change came from (client address as the server saw it).
ALTER TABLE audit_log ADD COLUMN ip VARCHAR(64) NOT NULL DEFAULT '';
CREATE INDEX ix_audit_log_tenant_action ON audit_log (tenant_id, action);
