package dev.upshift.core.auth;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * UpgradeLink's legacy request signature ("v1"): the lowercase hex MD5 of
 * {@code body=<raw body>&nonce=<X-Nonce>&secretKey=<secret>&timestamp=<X-Timestamp>&url=<path[?query]>}.
 *
 * <p>Design notes. The fields are joined in alphabetical order without escaping, exactly as every UpgradeLink SDK
 * does, so this class must not "improve" the canonical form. The body takes part as the raw bytes received, never
 * re-serialised JSON and never decoded and re-encoded text, because any normalisation changes the digest. The
 * {@code body=} part is left out when the body is empty (the SDKs' behaviour); the original server kept
 * {@code body=&} for an empty POST, so {@link #verify} accepts both forms for an empty body.
 *
 * <p>MD5 with the secret inside the message is not a MAC; it is kept only because deployed clients speak it.
 * Comparison is constant-time over the expected value's length (the JDK documents
 * {@link MessageDigest#isEqual} as depending only on the first argument's length).
 */
public final class LegacySignatureV1 {
    private static final byte[] BODY = ascii("body=");
    private static final byte[] NONCE = ascii("&nonce=");
    private static final byte[] NONCE_FIRST = ascii("nonce=");
    private static final byte[] SECRET = ascii("&secretKey=");
    private static final byte[] TIMESTAMP = ascii("&timestamp=");
    private static final byte[] URL = ascii("&url=");
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private LegacySignatureV1() {
    }

    /**
     * The exact bytes that are hashed. {@code body} may be null or empty; {@code keepEmptyBody} selects the
     * original server's {@code body=&...} form for an empty body.
     */
    public static byte[] stringToSign(byte[] body, boolean keepEmptyBody, String nonce, String secretKey,
                                      String timestamp, String url) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(
                64 + (body == null ? 0 : body.length) + nonce.length() + secretKey.length() + url.length());
        boolean hasBody = body != null && body.length > 0;
        if (hasBody || keepEmptyBody) {
            out.writeBytes(BODY);
            if (hasBody) {
                out.writeBytes(body);
            }
            out.writeBytes(NONCE);
        } else {
            out.writeBytes(NONCE_FIRST);
        }
        out.writeBytes(utf8(nonce));
        out.writeBytes(SECRET);
        out.writeBytes(utf8(secretKey));
        out.writeBytes(TIMESTAMP);
        out.writeBytes(utf8(timestamp));
        out.writeBytes(URL);
        out.writeBytes(utf8(url));
        return out.toByteArray();
    }

    /** The signature an SDK would send: lowercase hex MD5, {@code body=} omitted for an empty body. */
    public static String sign(byte[] body, String nonce, String secretKey, String timestamp, String url) {
        return new String(hexMd5(stringToSign(body, false, nonce, secretKey, timestamp, url)), StandardCharsets.US_ASCII);
    }

    /**
     * True when {@code provided} is the signature of this request. For an empty body both the SDK form
     * (no {@code body=}) and the original server's form ({@code body=&}) are accepted.
     */
    public static boolean verify(String provided, byte[] body, String nonce, String secretKey, String timestamp,
                                 String url) {
        if (provided == null || provided.length() != 32) {
            return false;
        }
        byte[] given = provided.getBytes(StandardCharsets.US_ASCII);
        boolean match = MessageDigest.isEqual(
                hexMd5(stringToSign(body, false, nonce, secretKey, timestamp, url)), given);
        if (body == null || body.length == 0) {
            match |= MessageDigest.isEqual(hexMd5(stringToSign(body, true, nonce, secretKey, timestamp, url)), given);
        }
        return match;
    }

    private static byte[] hexMd5(byte[] input) {
        byte[] digest = md5().digest(input);
        byte[] hex = new byte[digest.length * 2];
        for (int i = 0; i < digest.length; i++) {
            hex[2 * i] = (byte) HEX[(digest[i] >> 4) & 0xf];
            hex[2 * i + 1] = (byte) HEX[digest[i] & 0xf];
        }
        return hex;
    }

    private static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always provides MD5", e);
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * An MD5 that has consumed {@code body=}: feed it the raw body as it streams, then finish with
     * {@link #verifyStreamed}. For uploads too large to hold in memory; the digest is the same as {@link #sign}'s.
     */
    public static MessageDigest bodyDigest() {
        MessageDigest md = md5();
        md.update(BODY);
        return md;
    }

    /** {@link #verify} for a non-empty body that was fed to {@code afterBody} (from {@link #bodyDigest}). */
    public static boolean verifyStreamed(String provided, MessageDigest afterBody, String nonce, String secretKey,
                                         String timestamp, String url) {
        if (provided == null || provided.length() != 32) {
            return false;
        }
        MessageDigest md;
        try {
            md = (MessageDigest) afterBody.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("MD5 digest cannot be cloned", e);
        }
        md.update(NONCE);
        md.update(utf8(nonce));
        md.update(SECRET);
        md.update(utf8(secretKey));
        md.update(TIMESTAMP);
        md.update(utf8(timestamp));
        md.update(URL);
        md.update(utf8(url));
        byte[] d = md.digest();
        char[] out = new char[32];
        for (int i = 0; i < d.length; i++) {
            out[2 * i] = HEX[(d[i] >> 4) & 0xf];
            out[2 * i + 1] = HEX[d[i] & 0xf];
        }
        return MessageDigest.isEqual(new String(out).getBytes(StandardCharsets.US_ASCII),
                provided.getBytes(StandardCharsets.US_ASCII));
    }
}
