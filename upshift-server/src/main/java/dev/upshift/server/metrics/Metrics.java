package dev.upshift.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The operator metrics of one server process: a Micrometer {@link PrometheusMeterRegistry} owned by this object
 * (no global registry), and the few recording methods the rest of the server calls. {@link #scrape()} renders
 * everything in the Prometheus text format for {@code GET /metrics}.
 *
 * <h2>What is recorded</h2>
 * <ul>
 *   <li>{@code upshift_http_requests_seconds{method,route,status}}: every HTTP request, as a histogram. The route
 *       is the matched path template ({@code /v1/{kind}/download}-style, never the raw URL), or
 *       {@value #UNMATCHED} for requests no route matched;
 *   <li>{@code upshift_auth_failures_total{reason}}: failed client signatures, by stage;
 *   <li>{@code upshift_batch_write_seconds{writer}} and {@code upshift_batch_size{writer}}: the group commits of
 *       the background writers, {@code upshift_batch_failures_total{writer}} the batches that failed;
 *   <li>{@code upshift_counter_store_write_seconds{outcome}}: durable gray-admission inserts;
 *   <li>gauges registered by the composition root ({@link #gauge}), and JVM and process basics.
 * </ul>
 *
 * <p>Cardinality: every tag value comes from a fixed set (route templates, HTTP methods and status codes, writer
 * names, failure reasons), so the number of series stays bounded whatever clients send.
 *
 * <p>Thread safety: all methods may be called from any thread; the meters are created on first use and cached
 * by the registry.
 */
public final class Metrics implements AutoCloseable {
    /** The route tag of requests that matched no route (404, 405, and errors raised before routing). */
    public static final String UNMATCHED = "unmatched";
    /** The content type of {@link #scrape()}: the Prometheus text exposition format 0.0.4. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private static final Duration[] LATENCY_BUCKETS = {
            Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
            Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10)};

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    /**
     * The request timers by series. Micrometer's own lookup builds tags and an id on every call (about 1 KB and a
     * sorted tag list per request); this map answers with one record allocation. Bounded like the tags themselves.
     */
    private final ConcurrentHashMap<RequestSeries, Timer> requestTimers = new ConcurrentHashMap<>();

    private record RequestSeries(String method, String route, int status) {
    }
    /** Micrometer holds function-counter sources weakly; this list keeps them alive as long as the registry. */
    private final List<Supplier<Number>> strongRefs = new CopyOnWriteArrayList<>();

    public Metrics() {
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    /** One finished HTTP request. {@code route} must be a path template or {@link #UNMATCHED}, never a raw path. */
    public void recordRequest(String method, String route, int status, long nanos) {
        requestTimers.computeIfAbsent(new RequestSeries(method, route, status), k -> Timer.builder("upshift.http.requests")
                .description("HTTP requests by method, matched route template and status")
                .tags("method", k.method(), "route", k.route(), "status", Integer.toString(k.status()))
                .serviceLevelObjectives(LATENCY_BUCKETS)
                .register(registry))
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Creates the auth-failure series for these reasons at zero, so rates and alerts work before the first failure. */
    public void declareAuthFailureReasons(Iterable<String> reasons) {
        reasons.forEach(this::authFailureCounter);
    }

    /** One failed client authentication; {@code reason} is a short stable name of the failing stage. */
    public void authFailure(String reason) {
        authFailureCounter(reason).increment();
    }

    private Counter authFailureCounter(String reason) {
        return Counter.builder("upshift.auth.failures")
                .description("Client requests refused by signature authentication, by failing stage")
                .tag("reason", reason)
                .register(registry);
    }

    /**
     * One group commit of a background writer ({@code nonce}, {@code download_counts}, ...): how long the
     * transaction took and how many items it held.
     */
    public void recordBatch(String writer, long nanos, int size) {
        recordBatchTime(writer, nanos);
        DistributionSummary.builder("upshift.batch.size")
                .description("Items written by one group commit of a background writer")
                .tag("writer", writer)
                .register(registry)
                .record(size);
    }

    /** Only the duration, for writers that do not report how many items a batch held. */
    public void recordBatchTime(String writer, long nanos) {
        Timer.builder("upshift.batch.write")
                .description("Duration of one group commit of a background writer")
                .tag("writer", writer)
                .serviceLevelObjectives(LATENCY_BUCKETS)
                .register(registry)
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    /** A group commit of {@code writer} that failed (its items were refused, retried or dropped, per writer). */
    public void batchFailure(String writer) {
        Counter.builder("upshift.batch.failures")
                .description("Group commits of a background writer that failed")
                .tag("writer", writer)
                .register(registry)
                .increment();
    }

    /** One write to the durable rollout counters store (a new gray admission); {@code ok} false when it failed. */
    public void counterStoreLatency(long nanos, boolean ok) {
        Timer.builder("upshift.counter.store.write")
                .description("Duration of one durable gray-admission insert")
                .tag("outcome", ok ? "ok" : "error")
                .serviceLevelObjectives(LATENCY_BUCKETS)
                .register(registry)
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * A gauge read at every scrape. The supplier is held strongly (it lives as long as this registry), must be
     * cheap and must not block.
     */
    public void gauge(String name, String help, Supplier<Number> value) {
        Gauge.builder(name, value).description(help).strongReference(true).register(registry);
    }

    /** A monotonic count kept elsewhere (e.g. dropped facts), exposed as a Prometheus counter {@code <name>_total}. */
    public void counter(String name, String help, Supplier<Number> value) {
        strongRefs.add(value);
        FunctionCounter.builder(name, value, v -> v.get().doubleValue()).description(help).register(registry);
    }

    /** Every metric in the Prometheus text format ({@link #CONTENT_TYPE}). */
    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
