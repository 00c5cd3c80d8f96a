-- SQLite only: the nonce table in its own database file (data/nonces.db), so reserving a nonce never waits behind
-- another writer of the main database (SQLite allows one writer per file). Same shape as V1's nonces table, which
-- PostgreSQL keeps using. See decision 0016.
CREATE TABLE nonces (
    access_key  VARCHAR(64)  NOT NULL,
    nonce       VARCHAR(128) NOT NULL,
    expires_at  BIGINT       NOT NULL,
    PRIMARY KEY (access_key, nonce)
);
CREATE INDEX ix_nonces_expiry ON nonces (expires_at);
