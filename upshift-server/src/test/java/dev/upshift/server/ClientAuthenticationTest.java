package dev.upshift.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.upshift.core.auth.LegacySignatureV1;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Legacy v1 request authentication over real HTTP: every header failure, the timestamp window, the signature,
 * nonce replay (also after a restart and under concurrency) and tenant binding. Each failure must answer the
 * documented code with HTTP status code/1000 and the error envelope with {@code "data": null}.
 */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class ClientAuthenticationTest {
    @Parameter
    TestDatabase database;
    @TempDir
    Path dir;
    TestServer server;
    TestServer.Key key;
    String winKey;
    String body;

    @BeforeEach
    void start() {
        start(TestServer.start(database, dir));
    }

    private void start(TestServer started) {
        server = started;
        key = server.createKey();
        winKey = server.createApp("win", "Demo");
        server.createVersion(winKey, "{\"versionName\":\"v1\",\"versionCode\":1,\"arch\":\"x64\"}");
        body = "{\"winKey\":\"" + winKey + "\",\"versionCode\":1,\"arch\":\"x64\"}";
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static JsonNode assertError(HttpResponse<String> r, int code) {
        JsonNode b = TestServer.parse(r.body());
        assertThat(b.get("code").asInt()).as(r.body()).isEqualTo(code);
        assertThat(r.statusCode()).isEqualTo(code / 1000);
        assertThat(b.get("msg").asText()).isNotBlank();
        assertThat(b.get("traceId").asText()).hasSize(32);
        assertThat(b.has("docs")).isTrue();
        assertThat(b.has("data")).isTrue();
        assertThat(b.get("data").isNull()).isTrue();
        assertThat(r.body()).doesNotContain("Exception").doesNotContain("at dev.upshift").doesNotContain("SQL");
        return b;
    }

    private HttpResponse<String> sendWithout(String header) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.base() + "/v1/win/version"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
        String nonce = TestServer.nonce();
        String ts = TestServer.timestamp(0);
        String sig = LegacySignatureV1.sign(body.getBytes(StandardCharsets.UTF_8), nonce, key.secretKey(), ts, "/v1/win/version");
        if (!header.equals("X-Timestamp")) {
            b.header("X-Timestamp", ts);
        }
        if (!header.equals("X-Nonce")) {
            b.header("X-Nonce", nonce);
        }
        if (!header.equals("X-AccessKey")) {
            b.header("X-AccessKey", key.accessKey());
        }
        if (!header.equals("X-Signature")) {
            b.header("X-Signature", sig);
        }
        return TestServer.send(b.build());
    }

    @Test
    void aCorrectlySignedRequestIsAccepted() {
        HttpResponse<String> r = server.signedPost(key, "/v1/win/version", body);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(TestServer.parse(r.body()).get("code").asInt()).isEqualTo(200);
    }

    @Test
    void eachMissingHeaderIsAnswered400004NamingTheHeader() {
        for (String h : List.of("X-Timestamp", "X-Nonce", "X-AccessKey", "X-Signature")) {
            JsonNode b = assertError(sendWithout(h), 400004);
            assertThat(b.get("msg").asText()).contains(h);
        }
    }

    @Test
    void malformedTimestampIsAnswered400004() {
        for (String ts : List.of("2025-02-17 10:34:55", "1739759695", "2025-02-17T10:34:55", "yesterday")) {
            HttpResponse<String> r = TestServer.send(server.signedRequest(key, "/v1/win/version", body, TestServer.nonce(), ts).build());
            assertThat(assertError(r, 400004).get("msg").asText()).contains("RFC 3339");
        }
    }

    @Test
    void timestampSkewOf300SecondsIsAcceptedAnd301Rejected() {
        // The server's clock stands still at a whole second, so the window's edge is tested exactly: against a running
        // clock a request that takes a second (a slow machine) turns 299 s into 300.x s.
        server.close();
        TestClock clock = new TestClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
        server = TestServer.start(database, dir.resolve("frozen-clock"), c -> c, clock);
        start(server);
        for (long skew : new long[]{300, -300, 299, -299}) {
            HttpResponse<String> ok = TestServer.send(server.signedRequest(key, "/v1/win/version", body,
                    TestServer.nonce(), timestamp(clock, skew)).build());
            assertThat(ok.statusCode()).as("skew %d: %s", skew, ok.body()).isEqualTo(200);
        }
        for (long skew : new long[]{301, -301}) {
            HttpResponse<String> r = TestServer.send(server.signedRequest(key, "/v1/win/version", body,
                    TestServer.nonce(), timestamp(clock, skew)).build());
            assertThat(assertError(r, 401001).get("msg").asText()).contains("server time");
        }
    }

    private static String timestamp(TestClock clock, long offsetSeconds) {
        return OffsetDateTime.ofInstant(clock.instant().plusSeconds(offsetSeconds),
                ZoneOffset.ofHours(8)).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    }

    @Test
    void timestampWithZuluAndFractionIsAccepted() {
        String ts = Instant.now().toString();
        HttpResponse<String> r = TestServer.send(server.signedRequest(key, "/v1/win/version", body, TestServer.nonce(), ts).build());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    @Test
    void nonceShorterThan16CharactersIsAnswered400004() {
        HttpResponse<String> r = TestServer.send(server.signedRequest(key, "/v1/win/version", body,
                "0123456789abcde", TestServer.timestamp(0)).build());
        assertThat(assertError(r, 400004).get("msg").asText()).contains("X-Nonce");
        HttpResponse<String> ok = TestServer.send(server.signedRequest(key, "/v1/win/version", body,
                "0123456789abcdef", TestServer.timestamp(0)).build());
        assertThat(ok.statusCode()).isEqualTo(200);
    }

    @Test
    void wrongSignatureIsAnswered401002() {
        String nonce = TestServer.nonce();
        String ts = TestServer.timestamp(0);
        HttpRequest req = server.signedRequest(key, "/v1/win/version", body, nonce, ts)
                .setHeader("X-Signature", LegacySignatureV1.sign(body.getBytes(StandardCharsets.UTF_8), nonce,
                        "not-the-secret", ts, "/v1/win/version")).build();
        assertError(TestServer.send(req), 401002);
        // A signature over another body does not cover this one.
        HttpRequest tampered = HttpRequest.newBuilder(URI.create(server.base() + "/v1/win/version"))
                .POST(HttpRequest.BodyPublishers.ofString(body.replace("\"versionCode\":1", "\"versionCode\":2")))
                .headers(headersOf(server.signedRequest(key, "/v1/win/version", body, TestServer.nonce(), ts).build()))
                .build();
        assertError(TestServer.send(tampered), 401002);
    }

    private static String[] headersOf(HttpRequest r) {
        List<String> h = new ArrayList<>();
        r.headers().map().forEach((k, v) -> {
            h.add(k);
            h.add(v.get(0));
        });
        return h.toArray(new String[0]);
    }

    @Test
    void failedSignatureDoesNotBurnTheNonce() {
        String nonce = TestServer.nonce();
        String ts = TestServer.timestamp(0);
        HttpRequest bad = server.signedRequest(key, "/v1/win/version", body, nonce, ts)
                .setHeader("X-Signature", "0".repeat(32)).build();
        assertError(TestServer.send(bad), 401002);
        HttpResponse<String> good = TestServer.send(server.signedRequest(key, "/v1/win/version", body, nonce, ts).build());
        assertThat(good.statusCode()).as(good.body()).isEqualTo(200);
    }

    @Test
    void unknownAccessKeyIsAnswered401001() {
        TestServer.Key unknown = new TestServer.Key("AAAAAAAAAAAAAAAAAAAAAA", key.secretKey());
        assertThat(assertError(server.signedPost(unknown, "/v1/win/version", body), 401001).get("msg").asText())
                .contains("X-AccessKey");
    }

    @Test
    void accessKeyOfAnotherTenantIsAnswered401001SayingSo() {
        JsonNode tenant = server.adminOk("POST", "/api/admin/v1/tenants", "{\"name\":\"other\"}", 201);
        String otherToken = tenant.get("adminToken").asText();
        HttpResponse<String> created = server.admin("POST", "/api/admin/v1/access-keys", "{\"description\":\"b\"}", otherToken);
        JsonNode k = TestServer.parse(created.body());
        TestServer.Key foreign = new TestServer.Key(k.get("accessKey").asText(), k.get("secretKey").asText());
        JsonNode b = assertError(server.signedPost(foreign, "/v1/win/version", body), 401001);
        assertThat(b.get("msg").asText()).contains("tenant");
    }

    @Test
    void replayedNonceIsAnswered401001() {
        HttpRequest req = server.signedRequest(key, "/v1/win/version", body, TestServer.nonce(), TestServer.timestamp(0)).build();
        assertThat(TestServer.send(req).statusCode()).isEqualTo(200);
        assertThat(assertError(TestServer.send(req), 401001).get("msg").asText()).contains("X-Nonce");
    }

    @Test
    void replayedNonceIsStillRejectedAfterARestart() {
        HttpRequest first = server.signedRequest(key, "/v1/win/version", body, TestServer.nonce(), TestServer.timestamp(0)).build();
        assertThat(TestServer.send(first).statusCode()).isEqualTo(200);
        server.restart();
        HttpRequest replay = HttpRequest.newBuilder(URI.create(server.base() + "/v1/win/version"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).headers(headersOf(first)).build();
        assertError(TestServer.send(replay), 401001);
        // The restarted server still accepts fresh requests.
        assertThat(server.signedPost(key, "/v1/win/version", body).statusCode()).isEqualTo(200);
    }

    @Test
    void hundredConcurrentCopiesOfOneSignedRequestSucceedExactlyOnce() throws Exception {
        HttpRequest req = server.signedRequest(key, "/v1/win/version", body, TestServer.nonce(), TestServer.timestamp(0)).build();
        ExecutorService pool = Executors.newFixedThreadPool(100);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<HttpResponse<String>>> results = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            results.add(pool.submit(() -> {
                go.await();
                return TestServer.send(req);
            }));
        }
        go.countDown();
        int ok = 0;
        int replay = 0;
        for (Future<HttpResponse<String>> f : results) {
            HttpResponse<String> r = f.get();
            if (r.statusCode() == 200) {
                ok++;
            } else if (TestServer.parse(r.body()).get("code").asInt() == 401001) {
                replay++;
            }
        }
        pool.shutdown();
        assertThat(ok).isEqualTo(1);
        assertThat(replay).isEqualTo(99);
    }

    @Test
    void emptyBodyVerifiesWithAndWithoutTheBodyPart() {
        for (boolean keepEmptyBody : new boolean[]{false, true}) {
            String nonce = TestServer.nonce();
            String ts = TestServer.timestamp(0);
            byte[] canonical = LegacySignatureV1.stringToSign(new byte[0], keepEmptyBody, nonce, key.secretKey(), ts, "/v1/win/version");
            String sig = md5(canonical);
            HttpRequest req = HttpRequest.newBuilder(URI.create(server.base() + "/v1/win/version"))
                    .POST(HttpRequest.BodyPublishers.noBody())
                    .header("X-Timestamp", ts).header("X-Nonce", nonce).header("X-AccessKey", key.accessKey())
                    .header("X-Signature", sig).build();
            // Authentication passes; the empty body is then refused as an invalid body, not a bad signature.
            assertError(TestServer.send(req), 400005);
        }
    }

    @Test
    void signatureCoversTheQueryString() {
        String path = "/v1/win/version?trace=1";
        HttpResponse<String> r = server.signedPost(key, path, body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String nonce = TestServer.nonce();
        String ts = TestServer.timestamp(0);
        HttpRequest signedWithoutQuery = HttpRequest.newBuilder(URI.create(server.base() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .header("X-Timestamp", ts).header("X-Nonce", nonce).header("X-AccessKey", key.accessKey())
                .header("X-Signature", LegacySignatureV1.sign(body.getBytes(StandardCharsets.UTF_8), nonce,
                        key.secretKey(), ts, "/v1/win/version")).build();
        assertError(TestServer.send(signedWithoutQuery), 401002);
    }

    @Test
    void revokedAccessKeyIsRefused() {
        assertThat(server.admin("DELETE", "/api/admin/v1/access-keys/" + key.accessKey(), null).statusCode()).isEqualTo(204);
        assertError(server.signedPost(key, "/v1/win/version", body), 401001);
    }

    private static String md5(byte[] b) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
