package dev.upshift.server.protocol.upgradelink;

import dev.upshift.core.kind.AppKind;
import dev.upshift.core.protocol.UpgradeLinkCode;
import dev.upshift.server.auth.LegacyRequestAuthenticator;
import dev.upshift.server.catalog.AccessKey;
import dev.upshift.server.catalog.App;
import dev.upshift.server.catalog.CatalogSnapshot;
import dev.upshift.server.http.ClientExchange;
import dev.upshift.server.http.ClientRouter;
import dev.upshift.server.http.Json;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The shared front half of every signed UpgradeLink call: read the body within the size cap, authenticate the
 * signature against one catalog snapshot, parse the JSON, resolve the app of the expected kind and check that the
 * access key belongs to the app's tenant. Also renders the success envelope.
 */
public final class ClientCall {
    private final LegacyRequestAuthenticator authenticator;
    private final long maxBodyBytes;

    public ClientCall(LegacyRequestAuthenticator authenticator, long maxBodyBytes) {
        this.authenticator = authenticator;
        this.maxBodyBytes = maxBodyBytes;
    }

    /** An authenticated call with its parsed body. */
    record Signed(CatalogSnapshot catalog, AccessKey key, ClientRequest body) {
    }

    /**
     * Where signed routes run: on the selector thread unless the nonce store waits for a commit (PostgreSQL), which
     * would stall every connection that thread serves.
     */
    ClientRouter.Threading threading() {
        return authenticator.waitsForNonceStore() ? ClientRouter.Threading.POOL : ClientRouter.Threading.SELECTOR;
    }

    /**
     * Reads and authenticates the request (its nonce reserved), once: a request that runs again on a pool thread
     * ({@link dev.upshift.server.http.RequestThreads}) gets the call of its first run, instead of a replay error.
     */
    Signed authenticate(ClientExchange exchange, CatalogSnapshot catalog) {
        if (exchange.retained() instanceof Signed earlier) {
            return earlier;
        }
        byte[] body = body(exchange);
        Signed call = new Signed(catalog, authenticate(exchange, catalog, body), ClientRequest.parse(body));
        exchange.retain(call);
        return call;
    }

    /** The raw body, within the client API's body limit (413001 beyond it). */
    byte[] body(ClientExchange exchange) {
        return exchange.body(maxBodyBytes, n -> new ClientApiException(UpgradeLinkCode.PAYLOAD_TOO_LARGE,
                "Request body is larger than " + n + " bytes"));
    }

    /** Checks the v1 signature of a request whose body has been read. */
    AccessKey authenticate(ClientExchange exchange, CatalogSnapshot catalog, byte[] body) {
        return authenticator.authenticate(catalog, exchange.rawTarget(), body, exchange::header);
    }

    /** Checks the v1 signature of a request whose body was streamed through {@code bodyDigest}. */
    AccessKey authenticateStreamed(ClientExchange exchange, CatalogSnapshot catalog,
                                   java.security.MessageDigest bodyDigest) {
        return authenticator.authenticateStreamed(catalog, exchange.rawTarget(), bodyDigest, exchange::header);
    }

    /** The app with this key and kind, owned by the caller's tenant; 404001 or 401001 otherwise. */
    static App ownedApp(Signed call, AppKind kind, String appKey) {
        App app = call.catalog().app(appKey).filter(a -> a.kind() == kind).orElseThrow(() ->
                new ClientApiException(UpgradeLinkCode.NOT_FOUND, "No " + kind.wireName() + " app with "
                        + kind.keyField() + " '" + appKey + "'",
                        "Check the " + kind.keyField() + " in the client configuration against the app in the console."));
        if (app.tenantId() != call.key().tenantId()) {
            throw new ClientApiException(UpgradeLinkCode.AUTH_FAILED,
                    "X-AccessKey does not belong to the tenant that owns this app; use an access key of the app's tenant");
        }
        return app;
    }

    /**
     * The updater feeds (Tauri, electron-updater) cannot sign requests, so they send only {@code X-AccessKey}. It
     * must be present (400002), known and enabled (401001), and belong to the app's tenant (401001).
     */
    static App feedApp(ClientExchange exchange, CatalogSnapshot catalog, AppKind kind, String appKey) {
        String accessKey = exchange.header("X-AccessKey");
        if (accessKey == null || accessKey.isEmpty()) {
            throw new ClientApiException(UpgradeLinkCode.MISSING_PARAMETER, "Missing header X-AccessKey");
        }
        AccessKey key = catalog.accessKey(accessKey).orElseThrow(() -> new ClientApiException(
                UpgradeLinkCode.AUTH_FAILED, "X-AccessKey is unknown or disabled"));
        return ownedApp(new Signed(catalog, key, null), kind, appKey);
    }

    static void respond(ClientExchange exchange, UpgradeLinkCode code, String msg, String docs, Object data) {
        exchange.respondJson(code.httpStatus(), Json.bytes(envelope(code, msg, exchange.traceId(), docs, data)));
    }

    /** The UpgradeLink envelope, in its wire order: {@code {code,msg,traceId,docs,data}}. */
    private static Map<String, Object> envelope(UpgradeLinkCode code, String msg, String traceId, String docs,
                                                Object data) {
        Map<String, Object> envelope = new LinkedHashMap<>();
        envelope.put("code", code.code());
        envelope.put("msg", msg);
        envelope.put("traceId", traceId);
        envelope.put("docs", docs);
        envelope.put("data", data);
        return envelope;
    }

    /**
     * An answer whose envelope differs between requests only in its trace id, rendered once: "already latest" is
     * most of what an update server answers, and rendering it through maps and the mapper was a few percent of a
     * check's CPU. The bytes are the mapper's own, split around the trace id, so they cannot drift from
     * {@link #respond}. The split is at the first occurrence of a marker, checked to be the {@code traceId} value: only
     * the code and Upshift's own message come before it, so text an operator wrote (a prompt, configuration content)
     * can hold the marker without moving the split.
     */
    public static final class FixedAnswer {
        private static final String MARKER = "upshift-trace-id-goes-here";
        private static final byte[] FIELD = "\"traceId\":".getBytes(StandardCharsets.US_ASCII);
        private final int status;
        private final byte[] head;
        private final byte[] tail;

        public FixedAnswer(UpgradeLinkCode code, String msg, String docs, Object data) {
            byte[] rendered = Json.bytes(envelope(code, msg, MARKER, docs, data));
            byte[] marker = ("\"" + MARKER + "\"").getBytes(StandardCharsets.US_ASCII);
            int at = indexOf(rendered, marker);
            if (at < FIELD.length || !Arrays.equals(rendered, at - FIELD.length, at, FIELD, 0, FIELD.length)) {
                throw new IllegalArgumentException("the trace id marker must first occur as the traceId value");
            }
            this.status = code.httpStatus();
            this.head = Arrays.copyOfRange(rendered, 0, at);
            this.tail = Arrays.copyOfRange(rendered, at + marker.length, rendered.length);
        }

        void respond(ClientExchange exchange) {
            exchange.respondJson(status, render(exchange.traceId()));
        }

        /** The answer's bytes with this trace id; a missing one renders as null, as the mapper writes it. */
        public byte[] render(String traceId) {
            // Trace ids are hex (RandomKeys.traceId) and need no escaping; anything else goes through the mapper.
            byte[] id = traceId == null ? NULL : isHex(traceId) ? ("\"" + traceId + "\"").getBytes(StandardCharsets.US_ASCII)
                    : Json.bytes(traceId);
            byte[] body = new byte[head.length + id.length + tail.length];
            System.arraycopy(head, 0, body, 0, head.length);
            System.arraycopy(id, 0, body, head.length, id.length);
            System.arraycopy(tail, 0, body, head.length + id.length, tail.length);
            return body;
        }

        private static boolean isHex(String s) {
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                    return false;
                }
            }
            return true;
        }

        private static final byte[] NULL = "null".getBytes(StandardCharsets.US_ASCII);

        private static int indexOf(byte[] haystack, byte[] needle) {
            outer:
            for (int i = 0; i <= haystack.length - needle.length; i++) {
                for (int j = 0; j < needle.length; j++) {
                    if (haystack[i + j] != needle[j]) {
                        continue outer;
                    }
                }
                return i;
            }
            return -1;
        }
    }

    /** The error body: {@code {code,msg,traceId,docs,data:null}}, HTTP status code/1000. */
    public static void respondError(ClientExchange exchange, UpgradeLinkCode code, String msg, String docs) {
        respond(exchange, code, msg, docs == null ? "" : docs, null);
    }
}
