package dev.upshift.server.metrics;

import dev.upshift.server.http.Json;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The operator endpoints, all cheap and outside the client and admin APIs:
 * <ul>
 *   <li>{@code GET /metrics}: {@link Metrics#scrape()} in the Prometheus text format. Open on the listen address
 *       when {@code metrics-token} is empty; otherwise it requires {@code Authorization: Bearer <token>} and
 *       answers 401 {@code {"status":"unauthorized"}} without it;
 *   <li>{@code GET /health/live}: 200 {@code {"status":"up"}} while the process serves HTTP;
 *   <li>{@code GET /health/ready}: 200 {@code {"status":"up","checks":{...}}} when every {@link ReadinessCheck}
 *       passes, else 503 {@code {"status":"down","checks":{...}}} naming the failing check. No authentication.
 * </ul>
 */
public final class OpsEndpoints {
    private final Metrics metrics;
    private final ReadinessCheck readiness;
    private final byte[] metricsToken;

    /** @param metricsToken the bearer token {@code /metrics} requires, or null to leave it open */
    public OpsEndpoints(Metrics metrics, ReadinessCheck readiness, String metricsToken) {
        this.metrics = metrics;
        this.readiness = readiness;
        this.metricsToken = metricsToken == null ? null : metricsToken.getBytes(StandardCharsets.UTF_8);
    }

    public void register(RoutesConfig r) {
        r.get("/metrics", this::scrape);
        r.get("/health/live", ctx -> Json.respond(ctx, 200, Map.of("status", "up")));
        r.get("/health/ready", this::ready);
    }

    private void scrape(Context ctx) {
        if (metricsToken != null && !authorized(ctx.header("Authorization"))) {
            ctx.header("WWW-Authenticate", "Bearer realm=\"metrics\"");
            Json.respond(ctx, 401, Map.of("status", "unauthorized",
                    "message", "GET /metrics needs Authorization: Bearer <metrics-token>."));
            return;
        }
        ctx.header("Cache-Control", "no-store");
        ctx.status(200).contentType(Metrics.CONTENT_TYPE).result(metrics.scrape());
    }

    private boolean authorized(String header) {
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        byte[] given = header.substring(7).strip().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(given, metricsToken);
    }

    private void ready(Context ctx) {
        Map<String, String> checks = readiness.checks();
        boolean up = ReadinessCheck.allUp(checks);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", up ? "up" : "down");
        body.put("checks", checks);
        ctx.header("Cache-Control", "no-store");
        Json.respond(ctx, up ? 200 : 503, body);
    }
}
