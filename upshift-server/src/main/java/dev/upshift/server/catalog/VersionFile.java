package dev.upshift.server.catalog;

/**
 * A file attached to a version under a role ({@code install} or {@code update}), with the hashes computed when
 * its bytes were uploaded.
 */
public record VersionFile(String role, String sha256, long size, String md5, String sha512, String fileName,
                          String mediaType, long createdAt) {
}
