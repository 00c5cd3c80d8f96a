package dev.upshift.server.catalog;

/**
 * A file attached to a version under a role ({@code install} or {@code update}), with the hashes computed when its
 * bytes were uploaded. A version holds at most one file per (role, format).
 *
 * @param format       package format from the file name ({@link dev.upshift.server.artifacts.FileFormat}), or ""
 * @param sha1         hex SHA-1 for Squirrel/Velopack feeds; null for blobs stored before it was computed
 * @param signature    the updater signature of these bytes as published (Tauri: base64 minisign .sig), or ""
 * @param edSignature  Sparkle's base64 Ed25519 signature of these bytes, or ""
 * @param signerSha256 SHA-256 of the APK signing certificate, or ""
 * @param blockmap     electron-builder's differential-download block map of this file, or null
 */
public record VersionFile(long id, String role, String format, String sha256, long size, String md5, String sha1,
                          String sha512, String fileName, String mediaType, String signature, String edSignature,
                          String signerSha256, Blockmap blockmap, long createdAt) {

    /** A {@code .blockmap} stored next to a file: served at the file's URL + {@code .blockmap}. */
    public record Blockmap(String sha256, long size) {
    }

    /** A patch or other file that is served like an artifact but has no role metadata. */
    public static VersionFile plain(String role, String sha256, long size, String md5, String sha1, String sha512,
                                    String fileName, String mediaType, long createdAt) {
        return new VersionFile(0, role, "", sha256, size, md5, sha1, sha512, fileName, mediaType, "", "", "", null,
                createdAt);
    }
}
