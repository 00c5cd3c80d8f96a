package dev.upshift.server.artifacts;

/**
 * Bytes stored under their SHA-256, with the other digests computed in the same streaming pass. SHA-1 is kept only
 * because Squirrel.Windows {@code RELEASES} and Velopack name packages by it; it is never used as a security check.
 */
public record StoredBlob(String sha256, long size, String md5, String sha1, String sha512) {

    /** A digest as stored (lowercase hex) in the base64 form some protocols carry (electron sha512, Digest, S3). */
    public static String base64OfHex(String hex) {
        return java.util.Base64.getEncoder().encodeToString(java.util.HexFormat.of().parseHex(hex));
    }
}
