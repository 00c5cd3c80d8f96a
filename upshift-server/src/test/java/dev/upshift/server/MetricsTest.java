package dev.upshift.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code GET /metrics}, {@code /health/live} and {@code /health/ready} over real HTTP: request counts and latency
 * histograms by route template, auth failures by reason, the writer and snapshot gauges, the optional metrics
 * token, and readiness that follows the database.
 */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class MetricsTest {
    private static final String METRICS_TOKEN = "metrics-token-0123456789";

    @Parameter
    TestDatabase database;
    @TempDir
    Path dir;
    TestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private HttpResponse<String> get(String path, String bearer) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.base() + path));
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return noStackTrace(TestServer.send(b.build()));
    }

    private static HttpResponse<String> noStackTrace(HttpResponse<String> r) {
        assertThat(r.body()).doesNotContain("Exception").doesNotContain("\tat ").doesNotContain("\n\tat");
        return r;
    }

    /**
     * Scrapes until {@code done} holds, at most 30 s: a request is counted just after its answer is sent, and the nonce
     * journal is forced about once a second, but a slow disk under a parallel build has held a force for seconds.
     */
    private PrometheusText scrapeUntil(Predicate<PrometheusText> done) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            HttpResponse<String> r = get("/metrics", null);
            assertThat(r.statusCode()).isEqualTo(200);
            PrometheusText text = PrometheusText.parse(r.body());
            if (done.test(text) || System.currentTimeMillis() > deadline) {
                return text;
            }
            Thread.sleep(20);
        }
    }

    private static double value(PrometheusText t, String name, Map<String, String> labels) {
        return t.value(name, labels).orElseThrow(() -> new AssertionError("no sample " + name + labels));
    }

    @Test
    void metricsCountRequestsByRouteTemplateAndAuthFailuresByReason() throws Exception {
        server = TestServer.start(database, dir);
        TestServer.Key key = server.createKey();
        String app = server.createApp("win", "Demo");
        server.createVersion(app, "{\"versionName\":\"v1\",\"versionCode\":1,\"arch\":\"x64\"}");
        String body = "{\"winKey\":\"" + app + "\",\"versionCode\":1,\"arch\":\"x64\"}";
        for (int i = 0; i < 3; i++) {
            assertThat(noStackTrace(server.signedPost(key, "/v1/win/version", body)).statusCode()).isEqualTo(200);
        }
        TestServer.Key forged = new TestServer.Key(key.accessKey(), "not-the-secret-of-this-key");
        HttpResponse<String> bad = noStackTrace(server.signedPost(forged, "/v1/win/version", body));
        assertThat(TestServer.parse(bad.body()).get("code").asInt()).isEqualTo(401002);
        assertThat(get("/v1/no/such/route", null).statusCode()).isEqualTo(404);

        Map<String, String> ok = Map.of("method", "POST", "route", "/v1/win/version", "status", "200");
        Map<String, String> unmatched = Map.of("route", "unmatched", "status", "404");
        // With SQLite the nonce journal is forced about once a second, so its batch shows up within a second or so.
        PrometheusText t = scrapeUntil(p -> p.value("upshift_http_requests_seconds_count", ok).orElse(0) == 3
                && p.value("upshift_http_requests_seconds_count", unmatched).orElse(0) == 1
                && p.value("upshift_batch_size_sum", Map.of("writer", "nonce")).orElse(0) == 3);

        HttpResponse<String> raw = get("/metrics", null);
        assertThat(raw.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/plain; version=0.0.4");

        // Requests: a histogram per method, route template and status.
        assertThat(t.types).containsEntry("upshift_http_requests_seconds", "histogram");
        assertThat(value(t, "upshift_http_requests_seconds_count", ok)).isEqualTo(3);
        assertThat(value(t, "upshift_http_requests_seconds_sum", ok)).isPositive();
        Map<String, String> okInf = new java.util.HashMap<>(ok);
        okInf.put("le", "+Inf");
        assertThat(value(t, "upshift_http_requests_seconds_bucket", okInf)).isEqualTo(3);
        assertThat(t.named("upshift_http_requests_seconds_bucket").stream()
                .filter(s -> s.labels().entrySet().containsAll(ok.entrySet()))).hasSizeGreaterThan(5);
        assertThat(value(t, "upshift_http_requests_seconds_count",
                Map.of("method", "POST", "route", "/v1/win/version", "status", "401"))).isEqualTo(1);
        assertThat(value(t, "upshift_http_requests_seconds_count", unmatched)).isEqualTo(1);
        assertThat(value(t, "upshift_http_requests_seconds_count",
                Map.of("method", "POST", "route", "/api/admin/v1/apps/{appKey}/versions", "status", "201"))).isEqualTo(1);
        // Route labels are templates: no app key, no raw unknown path.
        assertThat(t.samples).noneMatch(s -> s.labels().values().stream()
                .anyMatch(v -> v.contains(app) || v.contains("/no/such")));

        // Auth failures by reason; every reason exists from the start.
        assertThat(t.types).containsEntry("upshift_auth_failures_total", "counter");
        assertThat(value(t, "upshift_auth_failures_total", Map.of("reason", "signature"))).isEqualTo(1);
        assertThat(value(t, "upshift_auth_failures_total", Map.of("reason", "replay"))).isZero();
        assertThat(value(t, "upshift_auth_failures_total", Map.of("reason", "unknown_key"))).isZero();

        // Writers, queues and the snapshot.
        assertThat(value(t, "upshift_events_queue_depth", Map.of())).isGreaterThanOrEqualTo(0);
        assertThat(value(t, "upshift_events_dropped_total", Map.of())).isZero();
        if (database == TestDatabase.SQLITE) {
            assertThat(value(t, "upshift_nonce_entries", Map.of())).isEqualTo(3);
            assertThat(t.value("upshift_nonce_queue_depth", Map.of())).isEmpty();
        } else {
            assertThat(value(t, "upshift_nonce_queue_depth", Map.of())).isGreaterThanOrEqualTo(0);
        }
        assertThat(value(t, "upshift_batch_write_seconds_count", Map.of("writer", "nonce"))).isBetween(1.0, 3.0);
        assertThat(value(t, "upshift_batch_size_sum", Map.of("writer", "nonce"))).isEqualTo(3);
        assertThat(value(t, "upshift_catalog_snapshot_age_seconds", Map.of())).isBetween(0.0, 60.0);

        // JVM and process basics.
        assertThat(t.named("jvm_memory_used_bytes")).isNotEmpty();
        assertThat(t.named("jvm_threads_live_threads")).isNotEmpty();
        assertThat(t.named("process_uptime_seconds")).isNotEmpty();
    }

    @Test
    void downloadCountBatchesAndGrayAdmissionWritesAreTimed() throws Exception {
        server = TestServer.start(database, dir);
        TestServer.Key key = server.createKey();
        String app = server.createApp("win", "Demo");
        server.createVersion(app, "{\"versionName\":\"v1\",\"versionCode\":1,\"arch\":\"x64\"}");
        long v2 = server.createVersion(app, "{\"versionName\":\"v2\",\"versionCode\":2,\"arch\":\"x64\"}")
                .get("id").asLong();
        server.upload(app, v2, "install", "demo.exe", "MZ-demo-bytes".getBytes());
        // Two devices admitted to a gray rule: two durable inserts; a repeat check writes nothing.
        server.adminOk("POST", "/api/admin/v1/apps/" + app + "/strategies", TestServer.json(TestData.map("versionId", v2,
                "grayRules", List.of(TestData.map("begin", TestData.at(-3600), "end", TestData.at(3600), "limit", 5)))), 201);
        for (String device : List.of("dev-a", "dev-b", "dev-a")) {
            HttpResponse<String> r = server.signedPost(key, "/v1/win/upgrade", TestServer.json(TestData.map("winKey", app,
                    "versionCode", 1, "arch", "x64", "devKey", device)));
            assertThat(TestServer.parse(r.body()).get("code").asInt()).as(r.body()).isEqualTo(200);
        }
        // A download is counted in memory and flushed within a second as one batch.
        HttpResponse<String> d = get("/v1/win/download?winKey=" + app + "&versionCode=2&arch=x64", null);
        assertThat(d.statusCode()).as(d.body()).isEqualTo(200);

        // A batch's time is recorded just before its size: wait for both.
        PrometheusText t = scrapeUntil(p -> p.value("upshift_batch_write_seconds_count",
                Map.of("writer", "download_counts")).orElse(0) >= 1
                && p.value("upshift_batch_size_sum", Map.of("writer", "download_counts")).isPresent());
        assertThat(value(t, "upshift_batch_write_seconds_count", Map.of("writer", "download_counts"))).isEqualTo(1);
        assertThat(value(t, "upshift_batch_size_sum", Map.of("writer", "download_counts"))).isEqualTo(1);
        assertThat(value(t, "upshift_http_requests_seconds_count",
                Map.of("method", "GET", "route", "/v1/win/download", "status", "200"))).isEqualTo(1);
        assertThat(t.types).containsEntry("upshift_counter_store_write_seconds", "histogram");
        assertThat(value(t, "upshift_counter_store_write_seconds_count", Map.of("outcome", "ok"))).isEqualTo(2);
        assertThat(value(t, "upshift_counter_store_write_seconds_sum", Map.of("outcome", "ok"))).isPositive();
    }

    @Test
    void aMetricsTokenIsRequiredOnceSetAndHealthStaysOpen() {
        server = TestServer.start(database, dir, c -> c.withMetricsToken(METRICS_TOKEN));
        HttpResponse<String> none = get("/metrics", null);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(TestServer.parse(none.body()).get("status").asText()).isEqualTo("unauthorized");
        assertThat(none.body()).doesNotContain("jvm_");
        assertThat(get("/metrics", "wrong-token-0123456789").statusCode()).isEqualTo(401);
        assertThat(get("/metrics", TestServer.ADMIN_TOKEN).statusCode()).isEqualTo(401);
        HttpResponse<String> ok = get("/metrics", METRICS_TOKEN);
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(PrometheusText.parse(ok.body()).named("upshift_auth_failures_total")).isNotEmpty();
        assertThat(get("/health/live", null).statusCode()).isEqualTo(200);
        assertThat(get("/health/ready", null).statusCode()).isEqualTo(200);
    }

    @Test
    void readyFollowsTheDatabaseWhileLiveStaysUp() throws Exception {
        server = TestServer.start(database, dir);
        TestServer.Key key = server.createKey();
        HttpResponse<String> live = get("/health/live", null);
        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(live.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/json");
        assertThat(TestServer.parse(live.body()).get("status").asText()).isEqualTo("up");
        HttpResponse<String> ready = get("/health/ready", null);
        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
        JsonNode up = TestServer.parse(ready.body());
        assertThat(up.get("status").asText()).isEqualTo("up");
        assertThat(up.get("checks").get("database").asText()).isEqualTo("up");
        assertThat(up.get("checks").get("catalog").asText()).isEqualTo("up");

        server.server().database().close(); // the database goes away under the running server
        if (database == TestDatabase.SQLITE) {
            server.server().nonces().close(); // and with SQLite the nonce journal, which lives outside the database
        }

        long deadline = System.currentTimeMillis() + 30_000;
        HttpResponse<String> down = get("/health/ready", null);
        while (down.statusCode() == 200 && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
            down = get("/health/ready", null);
        }
        assertThat(down.statusCode()).as(down.body()).isEqualTo(503);
        JsonNode body = TestServer.parse(down.body());
        assertThat(body.get("status").asText()).isEqualTo("down");
        assertThat(body.get("checks").get("database").asText()).isEqualTo("down");
        assertThat(body.get("checks").get("catalog").asText()).isEqualTo("up");
        assertThat(get("/health/live", null).statusCode()).isEqualTo(200);
        // A signed call now fails closed at the nonce store, without leaking internals; it shows in the metrics.
        HttpResponse<String> call = noStackTrace(server.signedPost(key, "/v1/win/version",
                "{\"winKey\":\"x\",\"versionCode\":1,\"arch\":\"x64\"}"));
        assertThat(TestServer.parse(call.body()).get("code").asInt()).isEqualTo(503001);
        PrometheusText t = scrapeUntil(p -> p.value("upshift_auth_failures_total",
                Map.of("reason", "nonce_store_unavailable")).orElse(0) == 1);
        assertThat(value(t, "upshift_auth_failures_total", Map.of("reason", "nonce_store_unavailable"))).isEqualTo(1);
        assertThat(value(t, "upshift_batch_failures_total", Map.of("writer", "nonce"))).isEqualTo(1);
        assertThat(value(t, "upshift_http_requests_seconds_count",
                Map.of("route", "/health/ready", "status", "503"))).isGreaterThanOrEqualTo(1);
    }
}
