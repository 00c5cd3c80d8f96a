-- Artifacts, publishing and yanking. Runs unchanged on SQLite and PostgreSQL (ADD COLUMN, DROP/CREATE INDEX and
-- UPDATE only; no table rebuilds).

-- SHA-1 only for Squirrel.Windows RELEASES and Velopack feeds, which name packages by it. Rows stored before this
-- migration have NULL until `upshift artifacts verify` fills it in.
ALTER TABLE blobs ADD COLUMN sha1 CHAR(40);

-- Keys that published bytes must verify against (empty: not checked). tauri_public_key is the base64 minisign
-- public key from tauri.conf.json; sparkle_public_key the base64 Ed25519 SUPublicEDKey.
ALTER TABLE apps ADD COLUMN tauri_public_key VARCHAR(1024) NOT NULL DEFAULT '';
ALTER TABLE apps ADD COLUMN sparkle_public_key VARCHAR(128) NOT NULL DEFAULT '';

-- A yanked version stays (its files too, for audit) but is never offered, listed in a feed or picked as "latest".
ALTER TABLE versions ADD COLUMN yanked_at BIGINT;
ALTER TABLE versions ADD COLUMN yank_reason VARCHAR(1024) NOT NULL DEFAULT '';
-- Oldest OS release that can run the version (electron minimumSystemVersion, Sparkle minimumSystemVersion).
ALTER TABLE versions ADD COLUMN min_system_version VARCHAR(64) NOT NULL DEFAULT '';

-- A version may now hold one file per (role, format): a Tauri linux build ships an AppImage, a .deb and an .rpm,
-- each with its own updater signature. format is derived from the file name (see FileFormat.java).
ALTER TABLE version_files ADD COLUMN format VARCHAR(16) NOT NULL DEFAULT '';
ALTER TABLE version_files ADD COLUMN signature TEXT NOT NULL DEFAULT '';
ALTER TABLE version_files ADD COLUMN ed_signature VARCHAR(128) NOT NULL DEFAULT '';
ALTER TABLE version_files ADD COLUMN signer_sha256 VARCHAR(64) NOT NULL DEFAULT '';
ALTER TABLE version_files ADD COLUMN blockmap_sha256 CHAR(64) REFERENCES blobs (sha256);

UPDATE version_files SET format = CASE
    WHEN lower(file_name) LIKE '%.appimage' OR lower(file_name) LIKE '%.appimage.tar.gz' THEN 'appimage'
    WHEN lower(file_name) LIKE '%.deb' THEN 'deb'
    WHEN lower(file_name) LIKE '%.rpm' THEN 'rpm'
    WHEN lower(file_name) LIKE '%.app.tar.gz' THEN 'app'
    WHEN lower(file_name) LIKE '%.msi' OR lower(file_name) LIKE '%.msi.zip' THEN 'msi'
    WHEN lower(file_name) LIKE '%-setup.exe' OR lower(file_name) LIKE '%.nsis.zip' THEN 'nsis'
    WHEN lower(file_name) LIKE '%.exe' THEN 'exe'
    WHEN lower(file_name) LIKE '%.dmg' THEN 'dmg'
    WHEN lower(file_name) LIKE '%.pkg' THEN 'pkg'
    WHEN lower(file_name) LIKE '%.zip' THEN 'zip'
    WHEN lower(file_name) LIKE '%.nupkg' THEN 'nupkg'
    WHEN lower(file_name) LIKE '%.apk' THEN 'apk'
    ELSE '' END;

DROP INDEX ux_version_files_role;
CREATE UNIQUE INDEX ux_version_files_format ON version_files (version_id, role, format);

-- A rollback strategy offers its (older) version to clients that run a yanked newer version.
ALTER TABLE strategies ADD COLUMN rollback SMALLINT NOT NULL DEFAULT 0;

-- Files uploaded for a release that is not published yet (CI and `upshift release publish` upload every file first,
-- then post the manifest that names them). The blob is committed; the row keeps it from garbage collection until
-- the manifest attaches it to versions or the upload grows old.
CREATE TABLE publish_uploads (
    id           ${id},
    app_id       BIGINT       NOT NULL REFERENCES apps (id),
    file_name    VARCHAR(255) NOT NULL,
    blob_sha256  CHAR(64)     NOT NULL REFERENCES blobs (sha256),
    created_at   BIGINT       NOT NULL
);
CREATE UNIQUE INDEX ux_publish_uploads_name ON publish_uploads (app_id, file_name);
