package dev.upshift.server.artifacts;

/** Bytes stored under their SHA-256, with the other digests computed in the same streaming pass. */
public record StoredBlob(String sha256, long size, String md5, String sha512) {
}
