package dev.upshift.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.upshift.core.auth.LegacySignatureV1;
import dev.upshift.server.http.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code upshift demo}: drives simulated devices through a running server the way real ones would, then shows that
 * the UpgradeLink statistics endpoint, the admin statistics API and {@code /metrics} all report the same numbers,
 * and that a release with a high failure rate pauses itself.
 *
 * <p>The scenario, with N devices (default 10 000) on a new win app:
 * <ol>
 *   <li>Version 2 goes to everyone, with a 5% failure threshold. Every device checks (offered), downloads the file
 *       and reports the download and the upgrade; every 50th upgrade fails (2%, below the threshold).
 *   <li>Version 3 follows, with the same threshold. The first 500 devices check, download, and report; 30% fail.
 *   <li>The server's health job pauses version 3's strategy within a minute; the command waits for it and shows
 *       that a further check is no longer offered version 3.
 * </ol>
 * Every number is known in advance, so the command prints expected against reported and exits 1 on a mismatch.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Simulate devices against a running server and compare what statistics and metrics report.")
final class DemoCommand extends ClientCommand {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern METRIC = Pattern.compile("^upshift_http_requests_seconds_count\\{([^}]*)} ([0-9.eE+-]+)$");

    @Option(names = "--devices", defaultValue = "10000", description = "Simulated devices (default 10000)")
    int devices;
    @Option(names = "--threads", defaultValue = "8", description = "Concurrent clients (default 8)")
    int threads;
    @Option(names = "--pause-wait-seconds", defaultValue = "90", description = "How long to wait for the automatic pause")
    int pauseWaitSeconds;

    PrintStream out = System.out;
    /** Built when the demo runs (before its threads start), not with the command line: see AdminClient. */
    private HttpClient http;
    private String accessKey;
    private String secretKey;
    private String app;

    @Override
    void run() {
        if (devices < 100 || threads < 1) {
            throw new AdminClient.CliException("--devices must be at least 100 and --threads at least 1.");
        }
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        JsonNode key = client.post("/api/admin/v1/access-keys", Map.of("description", "upshift demo"));
        accessKey = key.get("accessKey").asText();
        secretKey = key.get("secretKey").asText();
        app = client.post("/api/admin/v1/apps", Map.of("kind", "win", "name", "Demo " + System.currentTimeMillis(),
                "packageName", "com.example.demo")).get("key").asText();
        long[] versions = new long[4];
        for (int code = 1; code <= 3; code++) {
            versions[code] = client.post("/api/admin/v1/apps/" + app + "/versions", Map.of("versionName", "1." + code,
                    "versionCode", code, "arch", "x64")).get("id").asLong();
            uploadFile(versions[code], code);
        }
        Map<String, Long> metricsBefore = requestCounts();
        long s2 = client.post("/api/admin/v1/apps/" + app + "/strategies", Map.of("versionId", versions[2],
                "health", Map.of("failureThreshold", 5, "minAttempts", 100))).get("id").asLong();
        out.println("app " + app + ": version 1.2 to everyone (strategy " + s2 + "), " + devices + " devices");

        AtomicLong upgradeFailures = new AtomicLong();
        parallel(devices, i -> {
            JsonNode offer = check("demo-" + i, 1);
            download(offer.at("/data/urlPath").asText());
            report("demo-" + i, "app_upgrade_download", 1, 2, 0);
            int code = i % 50 == 49 ? 1004 : 0;
            if (code != 0) {
                upgradeFailures.incrementAndGet();
            }
            report("demo-" + i, "app_upgrade_upgrade", 1, 2, code);
        });

        int early = Math.min(devices, 500);
        long s3 = client.post("/api/admin/v1/apps/" + app + "/strategies", Map.of("versionId", versions[3],
                "health", Map.of("failureThreshold", 5, "minAttempts", 100))).get("id").asLong();
        out.println("version 1.3 to everyone (strategy " + s3 + "); the first " + early + " devices take it, 30% fail");
        parallel(early, i -> {
            JsonNode offer = check("demo-" + i, 2);
            download(offer.at("/data/urlPath").asText());
        });
        parallel(early, i -> report("demo-" + i, "app_upgrade_upgrade", 2, 3, i % 10 < 3 ? 1004 : 0));

        String reason = waitForPause(s3);
        JsonNode after = signed("/v1/win/upgrade", Json.MAPPER.createObjectNode().put("winKey", app).put("versionCode", 2)
                .put("arch", "x64").put("devKey", "demo-late").toString());
        boolean stillOffered = after.path("code").asInt() == 200;
        out.println(reason == null ? "strategy " + s3 + " did NOT pause within " + pauseWaitSeconds + " s"
                : "strategy " + s3 + " paused itself: " + reason);
        out.println("a device on 1.2 checking now is " + (stillOffered ? "STILL offered 1.3" : "not offered 1.3"));

        long checks = devices + early + 1L;
        long offers = devices + early;
        long downloads = devices + early;
        long upgradesOk = (devices - upgradeFailures.get()) + (early - early * 3L / 10);
        Map<String, long[]> rows = new LinkedHashMap<>();
        JsonNode info = statisticsOnceWritten(offers, downloads, upgradesOk);
        Map<String, Long> metricsAfter = requestCounts();
        rows.put("checks (POST /v1/win/upgrade)", new long[]{checks, -1, -1,
                delta(metricsBefore, metricsAfter, "POST", "/v1/win/upgrade")});
        rows.put("offers (get-strategy)", new long[]{offers, info.path("totalAppGetStrategyCount").asLong(-1), -1, -1});
        rows.put("downloads", new long[]{downloads, info.path("totalDownloadCount").asLong(-1), -1,
                delta(metricsBefore, metricsAfter, "GET", "/v1/win/download")});
        rows.put("successful upgrades", new long[]{upgradesOk, info.path("totalAppUpgradeCount").asLong(-1), -1, -1});
        rows.put("reports (POST /v1/app/report)", new long[]{devices * 2L + early, -1, -1,
                delta(metricsBefore, metricsAfter, "POST", "/v1/app/report")});
        boolean ok = reason != null && !stillOffered;
        out.printf("%-32s %10s %14s %10s%n", "", "expected", "statistics", "metrics");
        for (Map.Entry<String, long[]> e : rows.entrySet()) {
            long[] v = e.getValue();
            out.printf("%-32s %10d %14s %10s%n", e.getKey(), v[0], v[1] < 0 ? "-" : Long.toString(v[1]),
                    v[3] < 0 ? "-" : Long.toString(v[3]));
            ok &= (v[1] < 0 || v[1] == v[0]) && (v[3] < 0 || v[3] == v[0]);
        }
        out.println("admin statistics: GET /api/admin/v1/apps/" + app + "/statistics");
        if (!ok) {
            throw new AdminClient.CliException("the numbers do not agree (see the table above)");
        }
        out.println("all numbers agree");
    }

    private void uploadFile(long versionId, int seed) {
        try {
            Path f = Files.createTempFile("upshift-demo-", ".exe");
            byte[] b = new byte[64 * 1024];
            new Random(seed).nextBytes(b);
            Files.write(f, b);
            try {
                client.putFile("/api/admin/v1/apps/" + app + "/versions/" + versionId + "/artifact?fileName=Demo-1."
                        + seed + ".exe", f);
            } finally {
                Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            throw new AdminClient.CliException("cannot write a temporary file: " + e.getMessage());
        }
    }

    private JsonNode check(String device, int versionCode) {
        JsonNode r = signed("/v1/win/upgrade", Json.MAPPER.createObjectNode().put("winKey", app)
                .put("versionCode", versionCode).put("arch", "x64").put("devKey", device).toString());
        if (r.path("code").asInt() != 200) {
            throw new AdminClient.CliException("device " + device + " was not offered an update: " + r);
        }
        return r;
    }

    private void report(String device, String type, int from, int to, int code) {
        var data = Json.MAPPER.createObjectNode().put("versionCode", from).put("devKey", device).put("arch", "x64")
                .put("code", code);
        data.put(type.equals("app_upgrade_download") ? "downloadVersionCode" : "upgradeVersionCode", to);
        var body = Json.MAPPER.createObjectNode().put("eventType", type).put("appKey", app)
                .put("timestamp", OffsetDateTime.now(ZoneOffset.UTC).withNano(0).toString());
        body.set("eventData", data);
        JsonNode r = signed("/v1/app/report", body.toString());
        if (r.path("code").asInt() != 0) {
            throw new AdminClient.CliException("report refused: " + r);
        }
    }

    private void download(String url) {
        if (!url.startsWith("http")) {
            throw new AdminClient.CliException("the offer carries no download URL: '" + url + "'");
        }
        HttpResponse<byte[]> r = send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
            throw new AdminClient.CliException("download of " + url + " answered HTTP " + r.statusCode());
        }
    }

    private JsonNode signed(String path, String body) {
        String nonce = nonce();
        String ts = OffsetDateTime.now(ZoneOffset.UTC).withNano(0).toString();
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return parse(send(HttpRequest.newBuilder(URI.create(client.baseUrl() + path))
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).header("Content-Type", "application/json")
                .header("X-Timestamp", ts).header("X-Nonce", nonce).header("X-AccessKey", accessKey)
                .header("X-Signature", LegacySignatureV1.sign(bytes, nonce, secretKey, ts, path)).build(),
                HttpResponse.BodyHandlers.ofByteArray()).body());
    }

    private JsonNode signedGet(String pathAndQuery) {
        String nonce = nonce();
        String ts = OffsetDateTime.now(ZoneOffset.UTC).withNano(0).toString();
        return parse(send(HttpRequest.newBuilder(URI.create(client.baseUrl() + pathAndQuery)).GET()
                .header("X-Timestamp", ts).header("X-Nonce", nonce).header("X-AccessKey", accessKey)
                .header("X-Signature", LegacySignatureV1.sign(new byte[0], nonce, secretKey, ts, pathAndQuery)).build(),
                HttpResponse.BodyHandlers.ofByteArray()).body());
    }

    private String waitForPause(long strategyId) {
        long deadline = System.nanoTime() + Duration.ofSeconds(pauseWaitSeconds).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode s = client.get("/api/admin/v1/apps/" + app + "/strategies/" + strategyId);
            if (!s.path("paused").isNull() && !s.path("paused").isMissingNode()) {
                return s.at("/paused/reason").asText();
            }
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }

    /**
     * The app's statistics once they show the expected counts, or after 15 s: check facts reach the roll-ups the
     * statistics read every 1-10 s, later under load (decision 0029), so the last checks may still be summing.
     */
    private JsonNode statisticsOnceWritten(long offers, long downloads, long upgradesOk) {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (true) {
            JsonNode info = signedGet("/v1/app/statistics/info?appKey=" + app).path("data");
            boolean written = info.path("totalAppGetStrategyCount").asLong(-1) == offers
                    && info.path("totalDownloadCount").asLong(-1) == downloads
                    && info.path("totalAppUpgradeCount").asLong(-1) == upgradesOk;
            if (written || System.nanoTime() >= deadline) {
                return info;
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return info;
            }
        }
    }

    /** Request counts per method and route from {@code /metrics} ({@code METHOD route} → count, all statuses). */
    private Map<String, Long> requestCounts() {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(client.baseUrl() + "/metrics")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        Map<String, Long> counts = new LinkedHashMap<>();
        if (r.statusCode() != 200) {
            return counts;
        }
        for (String line : r.body().split("\n")) {
            Matcher m = METRIC.matcher(line);
            if (m.matches()) {
                Matcher method = Pattern.compile("method=\"([^\"]*)\"").matcher(m.group(1));
                Matcher route = Pattern.compile("route=\"([^\"]*)\"").matcher(m.group(1));
                if (method.find() && route.find()) {
                    counts.merge(method.group(1) + " " + route.group(1), (long) Double.parseDouble(m.group(2)), Long::sum);
                }
            }
        }
        return counts;
    }

    private static long delta(Map<String, Long> before, Map<String, Long> after, String method, String route) {
        String k = method + " " + route;
        return after.isEmpty() ? -1 : after.getOrDefault(k, 0L) - before.getOrDefault(k, 0L);
    }

    private void parallel(int n, IntConsumer work) {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            int chunk = (n + threads - 1) / threads;
            for (int t = 0; t < threads; t++) {
                int from = t * chunk;
                int to = Math.min(n, from + chunk);
                futures.add(pool.submit(() -> {
                    for (int i = from; i < to; i++) {
                        work.accept(i);
                    }
                }));
            }
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw e.getCause() instanceof RuntimeException re ? re
                            : new AdminClient.CliException(String.valueOf(e.getCause()));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AdminClient.CliException("interrupted");
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private <T> HttpResponse<T> send(HttpRequest req, HttpResponse.BodyHandler<T> handler) {
        try {
            return http.send(req, handler);
        } catch (IOException e) {
            throw new AdminClient.CliException("cannot reach " + req.uri() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AdminClient.CliException("interrupted");
        }
    }

    private static JsonNode parse(byte[] body) {
        try {
            return Json.parse(body);
        } catch (IOException e) {
            throw new AdminClient.CliException("the server answered something that is not JSON");
        }
    }

    private static String nonce() {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
