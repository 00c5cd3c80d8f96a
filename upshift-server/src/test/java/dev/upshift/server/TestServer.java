package dev.upshift.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.upshift.core.auth.LegacySignatureV1;
import dev.upshift.server.config.ServerConfig;
import dev.upshift.server.http.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A real Upshift server on a free loopback port with its own data directory and database, plus an HTTP client
 * that speaks the admin API and signs client calls like the UpgradeLink SDKs do.
 */
final class TestServer implements AutoCloseable {
    static final String ADMIN_TOKEN = "test-admin-token-0123456789";
    private static final SecureRandom RANDOM = new SecureRandom();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    final Path dir;
    final String dbUrl;
    private final UnaryOperator<ServerConfig> customize;
    private final Clock clock;
    private UpshiftServer server;

    record Key(String accessKey, String secretKey) {
    }

    private TestServer(Path dir, String dbUrl, UnaryOperator<ServerConfig> customize, Clock clock) {
        this.dir = dir;
        this.dbUrl = dbUrl;
        this.customize = customize;
        this.clock = clock;
        this.server = boot();
    }

    static TestServer start(TestDatabase db, Path dir) {
        return start(db, dir, UnaryOperator.identity());
    }

    /** A server whose settings are changed by {@code customize} (e.g. an S3 artifact store). */
    static TestServer start(TestDatabase db, Path dir, UnaryOperator<ServerConfig> customize) {
        return start(db, dir, customize, Clock.systemUTC());
    }

    /** A server with changed settings whose idea of the time is {@code clock}. */
    static TestServer start(TestDatabase db, Path dir, UnaryOperator<ServerConfig> customize, Clock clock) {
        return new TestServer(dir, db.newDatabaseUrl(dir), customize, clock);
    }

    private UpshiftServer boot() {
        ServerConfig config = new ServerConfig("127.0.0.1", 0, dir.resolve("data"), dbUrl, null, null, null,
                64 * 1024, 8L * 1024 * 1024);
        return UpshiftServer.start(customize.apply(config), ADMIN_TOKEN, null, clock);
    }

    /** Stops the server gracefully and starts a new one on the same data directory and database. */
    void restart() {
        server.close();
        server = boot();
    }

    UpshiftServer server() {
        return server;
    }

    String base() {
        return "http://127.0.0.1:" + server.port();
    }

    @Override
    public void close() {
        server.close();
    }

    // ---- admin API -------------------------------------------------------------------------------------------

    HttpResponse<String> admin(String method, String path, String json) {
        return admin(method, path, json, ADMIN_TOKEN);
    }

    HttpResponse<String> admin(String method, String path, String json, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json))
                .header("Content-Type", "application/json");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return send(b.build());
    }

    JsonNode adminOk(String method, String path, String json, int expectedStatus) {
        HttpResponse<String> r = admin(method, path, json);
        if (r.statusCode() != expectedStatus) {
            throw new AssertionError(method + " " + path + " -> " + r.statusCode() + " " + r.body());
        }
        return parse(r.body());
    }

    Key createKey() {
        JsonNode k = adminOk("POST", "/api/admin/v1/access-keys", "{\"description\":\"test\"}", 201);
        return new Key(k.get("accessKey").asText(), k.get("secretKey").asText());
    }

    String createApp(String kind, String name) {
        return adminOk("POST", "/api/admin/v1/apps", Json.MAPPER.createObjectNode().put("kind", kind).put("name", name)
                .put("packageName", kind.equals("apk") || kind.equals("win") || kind.equals("mac") || kind.equals("lnx")
                        ? "com.example." + name : "").toString(), 201).get("key").asText();
    }

    JsonNode createVersion(String appKey, String json) {
        return adminOk("POST", "/api/admin/v1/apps/" + appKey + "/versions", json, 201);
    }

    JsonNode upload(String appKey, long versionId, String role, String fileName, byte[] bytes) {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base() + "/api/admin/v1/apps/" + appKey
                        + "/versions/" + versionId + "/artifact?role=" + role + "&fileName=" + fileName))
                .header("Authorization", "Bearer " + ADMIN_TOKEN)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)).build());
        if (r.statusCode() != 200) {
            throw new AssertionError("upload -> " + r.statusCode() + " " + r.body());
        }
        return parse(r.body());
    }

    // ---- signed client calls ---------------------------------------------------------------------------------

    static String nonce() {
        byte[] b = new byte[8];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    static String timestamp(long offsetSeconds) {
        return OffsetDateTime.now(ZoneOffset.ofHours(8)).plusSeconds(offsetSeconds).withNano(0)
                .format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    }

    /** A POST signed as the SDKs sign it, with a fresh nonce and the current time. */
    HttpResponse<String> signedPost(Key key, String path, String body) {
        return send(signedRequest(key, path, body, nonce(), timestamp(0)).build());
    }

    HttpRequest.Builder signedRequest(Key key, String path, String body, String nonce, String timestamp) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base() + path))
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
        signedHeaders(key, path, bytes, nonce, timestamp).forEach(request::header);
        return request;
    }

    /** The headers of a signed POST, in the order SDKs send them. */
    private static Map<String, String> signedHeaders(Key key, String path, byte[] body, String nonce, String timestamp) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("X-Timestamp", timestamp);
        headers.put("X-Nonce", nonce);
        headers.put("X-AccessKey", key.accessKey());
        headers.put("X-Signature", LegacySignatureV1.sign(body, nonce, key.secretKey(), timestamp, path));
        return headers;
    }

    /** A status and body read off a raw connection. */
    record RawAnswer(int status, String body) {
    }

    /**
     * Sends a signed POST as SDKs on small devices do, headers and body in one write (the JDK client sends them
     * apart), so the server finds the whole body with the headers; {@code nonce} is sent as given.
     */
    RawAnswer signedPostInOneWrite(Key key, String path, String body, String nonce) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: "
                + bytes.length + "\r\nConnection: close\r\n");
        signedHeaders(key, path, bytes, nonce, timestamp(0)).forEach((name, value) ->
                head.append(name).append(": ").append(value).append("\r\n"));
        head.append("\r\n");
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            java.io.ByteArrayOutputStream request = new java.io.ByteArrayOutputStream();
            request.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            request.write(bytes);
            s.getOutputStream().write(request.toByteArray());
            s.getOutputStream().flush();
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return new RawAnswer(Integer.parseInt(answer.substring(9, 12)),
                    answer.substring(answer.indexOf("\r\n\r\n") + 4));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static HttpResponse<String> send(HttpRequest request) {
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static JsonNode parse(String body) {
        try {
            return Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + body, e);
        }
    }

    static String json(Map<String, ?> fields) {
        return Json.MAPPER.valueToTree(fields).toString();
    }
}
