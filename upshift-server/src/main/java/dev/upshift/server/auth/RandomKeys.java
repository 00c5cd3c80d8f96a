package dev.upshift.server.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/** Random identifiers and secrets, in the sizes UpgradeLink uses, from a CSPRNG. */
public final class RandomKeys {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder URL = Base64.getUrlEncoder().withoutPadding();

    private RandomKeys() {
    }

    /** 16 random bytes as URL-safe base64 without padding: 22 characters (app keys, access keys). */
    public static String key22() {
        return random(16);
    }

    /** 32 random bytes as URL-safe base64 without padding: 43 characters (secrets). */
    public static String secret43() {
        return random(32);
    }

    /** An admin API token: a recognisable prefix plus 32 random bytes. */
    public static String adminToken() {
        return "ups_" + random(32);
    }

    /**
     * A request's trace id: 32 hex digits. Only unique, not secret (the client sees it), so it comes from
     * {@link java.util.concurrent.ThreadLocalRandom}: {@link SecureRandom} reads the kernel's pool under a lock on
     * every call, which showed up in the profile of the update check.
     */
    public static String traceId() {
        java.util.concurrent.ThreadLocalRandom r = java.util.concurrent.ThreadLocalRandom.current();
        HexFormat hex = HexFormat.of();
        return hex.toHexDigits(r.nextLong()) + hex.toHexDigits(r.nextLong());
    }

    public static String sha256Hex(String text) {
        try {
            return HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String random(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return URL.encodeToString(b);
    }
}
