package dev.upshift.server.catalog;

/** An APK delta patch that turns installed version {@code fromVersionId} into {@code versionId}. */
public record VersionPatch(long id, long versionId, long fromVersionId, int algo, VersionFile file) {
}
