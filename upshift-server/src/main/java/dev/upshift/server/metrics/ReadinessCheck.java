package dev.upshift.server.metrics;

import dev.upshift.server.catalog.CatalogStore;
import dev.upshift.server.db.Database;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether this process should receive traffic ({@code GET /health/ready}): the database answers
 * {@code SELECT 1} within {@value #TIMEOUT_MILLIS} ms, and a catalog snapshot has been loaded.
 *
 * <p>Cost and safety: the database query runs on one daemon thread ({@code upshift-health}), so a hung pool or
 * network never holds the HTTP thread longer than the timeout. Concurrent probes share the check in flight, and a
 * result is reused for {@value #REUSE_MILLIS} ms, so a flood of probes costs at most one query at a time.
 * The answer names each check with {@code up}, {@code down} or {@code timeout}; the cause goes to the log only.
 */
public final class ReadinessCheck implements AutoCloseable {
    static final long TIMEOUT_MILLIS = 2_000;
    static final long REUSE_MILLIS = 1_000;
    private static final Logger LOG = LoggerFactory.getLogger(ReadinessCheck.class);

    private final Database db;
    private final CatalogStore catalog;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "upshift-health");
        t.setDaemon(true);
        return t;
    });
    private CompletableFuture<String> inFlight;
    private long inFlightStartedAt;

    public ReadinessCheck(Database db, CatalogStore catalog) {
        this.db = db;
        this.catalog = catalog;
    }

    /** The state of each check, in a fixed order: {@code database}, {@code catalog}. */
    public Map<String, String> checks() {
        Map<String, String> checks = new LinkedHashMap<>();
        checks.put("database", database());
        checks.put("catalog", catalog.current().loadedAtMillis() > 0 ? "up" : "down");
        return checks;
    }

    public static boolean allUp(Map<String, String> checks) {
        return checks.values().stream().allMatch("up"::equals);
    }

    private String database() {
        CompletableFuture<String> check = currentCheck();
        try {
            return check.get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warn("readiness: the database did not answer SELECT 1 within {} ms", TIMEOUT_MILLIS);
            return "timeout";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "down";
        } catch (ExecutionException e) {
            return "down";
        }
    }

    private synchronized CompletableFuture<String> currentCheck() {
        long now = System.nanoTime();
        boolean reusable = inFlight != null && (!inFlight.isDone()
                || now - inFlightStartedAt < TimeUnit.MILLISECONDS.toNanos(REUSE_MILLIS));
        if (!reusable) {
            inFlightStartedAt = now;
            inFlight = CompletableFuture.supplyAsync(this::query, executor);
        }
        return inFlight;
    }

    private String query() {
        try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement()) {
            st.setQueryTimeout((int) TimeUnit.MILLISECONDS.toSeconds(TIMEOUT_MILLIS));
            st.execute("SELECT 1");
            return "up";
        } catch (SQLException | RuntimeException e) {
            LOG.warn("readiness: database check failed: {}", e.getMessage());
            return "down";
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
