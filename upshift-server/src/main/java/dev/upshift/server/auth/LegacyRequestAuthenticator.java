package dev.upshift.server.auth;

import dev.upshift.core.auth.LegacySignatureV1;
import dev.upshift.core.protocol.Rfc3339;
import dev.upshift.core.protocol.UpgradeLinkCode;
import dev.upshift.server.catalog.AccessKey;
import dev.upshift.server.catalog.CatalogSnapshot;
import dev.upshift.server.protocol.upgradelink.ClientApiException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Authenticates a client request signed with UpgradeLink's legacy scheme (v1). The stages run in this order,
 * and the first failure answers the request:
 * <ol>
 *   <li>header syntax: X-Timestamp (RFC 3339 with offset), X-Nonce (16-128 visible ASCII characters),
 *       X-AccessKey, X-Signature (32 lowercase hex) present and well-formed, else 400004;
 *   <li>timestamp within ±300 s of server time, else 401001 (the message carries the server time so a client can
 *       see its clock is off);
 *   <li>access key known and enabled (from the catalog snapshot, no database read), else 401001;
 *   <li>signature, compared in constant time, else 401002;
 *   <li>nonce reserved atomically and durably, else 401001 (replay).
 * </ol>
 * There is no bypass of any kind. Binding the key to the app's tenant happens once the app is known (in the
 * protocol handler), because the app key travels in the body. Every refusal is also reported, with the
 * {@link Failure} stage that refused it, to the listener given at construction (the auth-failure metric).
 *
 * <p>Which URL is signed: SDKs sign the request target as sent (path plus {@code ?query}). The original server
 * percent-decoded it first, so a target with {@code %} escapes is also tried in decoded form, but only when the
 * decoded text is valid UTF-8 without control characters (decoded control bytes are how an MD5
 * length-extension forgery would smuggle padding into the last field).
 */
public final class LegacyRequestAuthenticator {
    public static final long WINDOW_SECONDS = 300;
    private static final DateTimeFormatter SERVER_TIME = DateTimeFormatter.ISO_OFFSET_DATE_TIME;

    /** Why a request was refused, as a short stable name (the {@code reason} tag of the auth-failure metric). */
    public enum Failure {
        MISSING_HEADER("missing_header"), BAD_HEADER("bad_header"), BAD_TIMESTAMP("bad_timestamp"), SKEW("skew"),
        UNKNOWN_KEY("unknown_key"), SIGNATURE("signature"), REPLAY("replay"),
        NONCE_STORE_UNAVAILABLE("nonce_store_unavailable");

        private final String reason;

        Failure(String reason) {
            this.reason = reason;
        }

        public String reason() {
            return reason;
        }
    }

    private final Clock clock;
    private final NonceStore nonces;
    private final Consumer<Failure> onFailure;

    public LegacyRequestAuthenticator(Clock clock, NonceStore nonces) {
        this(clock, nonces, failure -> { });
    }

    /** @param onFailure told of every refused request, on the request thread; must be cheap and must not throw */
    public LegacyRequestAuthenticator(Clock clock, NonceStore nonces, Consumer<Failure> onFailure) {
        this.clock = clock;
        this.nonces = nonces;
        this.onFailure = onFailure;
    }

    /** Whether authenticating waits for the nonce store's storage ({@link NonceStore#reserveWaits}). */
    public boolean waitsForNonceStore() {
        return nonces.reserveWaits();
    }

    /**
     * @param rawTarget the request target exactly as received: raw path plus {@code ?query} if any
     * @param body      the raw body bytes (empty for none)
     * @param headers   header lookup by name (case-insensitive)
     * @return the authenticated access key
     * @throws ClientApiException with the code of the first failing stage
     */
    public AccessKey authenticate(CatalogSnapshot catalog, String rawTarget, byte[] body,
                                  Function<String, String> headers) {
        return authenticate(catalog, rawTarget, headers,
                (sig, nonce, secret, ts, url) -> LegacySignatureV1.verify(sig, body, nonce, secret, ts, url));
    }

    /**
     * The same checks for a body that was streamed (an upload): {@code bodyDigest} came from
     * {@link LegacySignatureV1#bodyDigest()} and has consumed the whole body.
     */
    public AccessKey authenticateStreamed(CatalogSnapshot catalog, String rawTarget, java.security.MessageDigest bodyDigest,
                                          Function<String, String> headers) {
        return authenticate(catalog, rawTarget, headers,
                (sig, nonce, secret, ts, url) -> LegacySignatureV1.verifyStreamed(sig, bodyDigest, nonce, secret, ts, url));
    }

    /** How the signature of one request is checked, given the key's secret and a candidate URL form. */
    private interface SignatureCheck {
        boolean matches(String signature, String nonce, String secret, String timestamp, String url);
    }

    private AccessKey authenticate(CatalogSnapshot catalog, String rawTarget, Function<String, String> headers,
                                   SignatureCheck check) {
        String timestamp = required(headers, "X-Timestamp");
        String nonce = required(headers, "X-Nonce");
        String accessKeyId = required(headers, "X-AccessKey");
        String signature = required(headers, "X-Signature");

        Instant sent = parseTimestamp(timestamp);
        if (nonce.length() < 16 || nonce.length() > 128 || !visibleAscii(nonce)) {
            throw refuse(Failure.BAD_HEADER, UpgradeLinkCode.INVALID_HEADER,
                    "X-Nonce must be 16 to 128 visible ASCII characters (got " + nonce.length()
                            + "); send a fresh random value, e.g. 16 hex digits, with every request");
        }
        if (accessKeyId.length() > 64 || !visibleAscii(accessKeyId)) {
            throw refuse(Failure.BAD_HEADER, UpgradeLinkCode.INVALID_HEADER, "X-AccessKey is malformed");
        }
        if (!isLowerHex32(signature)) {
            throw refuse(Failure.BAD_HEADER, UpgradeLinkCode.INVALID_HEADER,
                    "X-Signature must be 32 lowercase hexadecimal characters (an MD5 digest)");
        }

        Instant now = clock.instant();
        java.time.Duration skewDuration = java.time.Duration.between(sent, now).abs();
        if (skewDuration.compareTo(java.time.Duration.ofSeconds(WINDOW_SECONDS)) > 0) {
            long skew = skewDuration.getSeconds();
            throw refuse(Failure.SKEW, UpgradeLinkCode.AUTH_FAILED,
                    "X-Timestamp is " + skew + " s away from server time " + SERVER_TIME.format(
                            now.atOffset(ZoneOffset.UTC).withNano(0))
                            + "; the allowed window is ±" + WINDOW_SECONDS + " s. Check the client's clock");
        }

        AccessKey key = catalog.accessKey(accessKeyId).orElseThrow(() -> refuse(Failure.UNKNOWN_KEY,
                UpgradeLinkCode.AUTH_FAILED, "X-AccessKey is unknown or disabled"));

        boolean valid = check.matches(signature, nonce, key.secret(), timestamp, rawTarget);
        if (!valid && rawTarget.indexOf('%') >= 0) {
            String decoded = strictPercentDecode(rawTarget);
            if (decoded != null) {
                valid = check.matches(signature, nonce, key.secret(), timestamp, decoded);
            }
        }
        if (!valid) {
            throw refuse(Failure.SIGNATURE, UpgradeLinkCode.SIGNATURE_INVALID,
                    "X-Signature does not match the request; sign body, nonce, secretKey, timestamp and url "
                            + "as documented");
        }

        boolean fresh;
        try {
            fresh = nonces.reserve(key.accessKey(), nonce);
        } catch (NonceStore.NonceStoreUnavailableException e) {
            throw refuse(Failure.NONCE_STORE_UNAVAILABLE, UpgradeLinkCode.UNAVAILABLE,
                    "The server cannot record request nonces right now; retry shortly");
        }
        if (!fresh) {
            throw refuse(Failure.REPLAY, UpgradeLinkCode.AUTH_FAILED,
                    "X-Nonce has already been used with this access key; every request needs a new nonce");
        }
        return key;
    }

    /** The error for a refused request, after telling the failure listener which stage refused it. */
    private ClientApiException refuse(Failure failure, UpgradeLinkCode code, String message) {
        onFailure.accept(failure);
        return new ClientApiException(code, message);
    }

    private String required(Function<String, String> headers, String name) {
        String value = headers.apply(name);
        if (value == null || value.isEmpty()) {
            throw refuse(Failure.MISSING_HEADER, UpgradeLinkCode.INVALID_HEADER, "Missing header " + name);
        }
        return value;
    }

    private Instant parseTimestamp(String value) {
        if (value.length() > 64) {
            throw refuse(Failure.BAD_TIMESTAMP, UpgradeLinkCode.INVALID_HEADER, "X-Timestamp is too long");
        }
        try {
            return Rfc3339.parse(value);
        } catch (DateTimeParseException e) {
            throw refuse(Failure.BAD_TIMESTAMP, UpgradeLinkCode.INVALID_HEADER,
                    "X-Timestamp must be an RFC 3339 time with offset, e.g. 2025-02-17T10:34:55+08:00");
        }
    }

    private static boolean visibleAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    private static boolean isLowerHex32(String s) {
        if (s.length() != 32) {
            return false;
        }
        for (int i = 0; i < 32; i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    /** Percent-decodes strictly ({@code +} stays a plus); null if malformed, not UTF-8, or decoding to controls. */
    static String strictPercentDecode(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()) {
                    return null;
                }
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return null;
                }
                out.write((hi << 4) | lo);
                i += 2;
            } else if (c > 0x7f) {
                return null;
            } else {
                out.write(c);
            }
        }
        String decoded;
        try {
            decoded = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(out.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
        for (int i = 0; i < decoded.length(); i++) {
            char c = decoded.charAt(i);
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
                return null;
            }
        }
        return decoded;
    }
}
