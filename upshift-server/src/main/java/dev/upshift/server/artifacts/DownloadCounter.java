package dev.upshift.server.artifacts;

import dev.upshift.server.db.Database;
import dev.upshift.server.metrics.Metrics;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts downloads per version without a database write on the download path.
 *
 * <p>Totals are loaded once at start; each download increments an in-memory adder; a background task adds the
 * accumulated deltas to {@code version_download_counts} every second and at shutdown.
 * The in-memory total is counted on the download itself, so it is exact at every moment. A kill -9 can lose at most
 * the last second of counts, never more, and never counts anything twice. {@link #total} is what
 * {@code downloadTimes} reports: the persisted total plus what is still pending. Each counted download is also
 * passed to the {@link #onCount} listener, which records a {@code downloaded} event.
 */
public final class DownloadCounter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DownloadCounter.class);
    private final Database db;
    private final Metrics metrics;
    private final Map<Long, LongAdder> totals = new ConcurrentHashMap<>();
    private final Map<Long, LongAdder> pending = new ConcurrentHashMap<>();
    private final ScheduledExecutorService flusher;
    private volatile LongConsumer onCount = versionId -> { };

    public DownloadCounter(Database db, Metrics metrics) {
        this.db = db;
        this.metrics = metrics;
        db.jdbi().useHandle(h -> h.createQuery("SELECT version_id, downloads FROM version_download_counts")
                .map((rs, ctx) -> Map.entry(rs.getLong(1), rs.getLong(2)))
                .forEach(e -> totals.computeIfAbsent(e.getKey(), k -> new LongAdder()).add(e.getValue())));
        this.flusher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "upshift-download-counter");
            t.setDaemon(true);
            return t;
        });
        flusher.scheduleWithFixedDelay(this::flush, 1, 1, TimeUnit.SECONDS);
    }

    public void increment(long versionId) {
        totals.computeIfAbsent(versionId, k -> new LongAdder()).increment();
        pending.computeIfAbsent(versionId, k -> new LongAdder()).increment();
        onCount.accept(versionId);
    }

    /** Called with the version id of every counted download, on the download's thread; it must not block. */
    public void onCount(LongConsumer listener) {
        this.onCount = listener;
    }

    public long total(long versionId) {
        LongAdder t = totals.get(versionId);
        return t == null ? 0 : t.sum();
    }

    /** Writes pending deltas; safe to call at any time from any thread. */
    public synchronized void flush() {
        Map<Long, Long> deltas = new HashMap<>();
        pending.forEach((id, adder) -> {
            long d = adder.sumThenReset();
            if (d != 0) {
                deltas.put(id, d);
            }
        });
        if (deltas.isEmpty()) {
            return;
        }
        long started = System.nanoTime();
        try {
            db.jdbi().useTransaction(h -> {
                for (Map.Entry<Long, Long> e : deltas.entrySet()) {
                    h.createUpdate("INSERT INTO version_download_counts (version_id, downloads) VALUES (:id, :d) "
                                    + "ON CONFLICT (version_id) DO UPDATE SET downloads = version_download_counts.downloads + :d")
                            .bind("id", e.getKey()).bind("d", e.getValue()).execute();
                }
            });
            metrics.recordBatch("download_counts", System.nanoTime() - started, deltas.size());
        } catch (RuntimeException e) {
            metrics.batchFailure("download_counts");
            // Put the deltas back so the next flush retries them.
            deltas.forEach((id, d) -> pending.computeIfAbsent(id, k -> new LongAdder()).add(d));
            LOG.warn("writing download counts failed ({} versions pending), will retry: {}", deltas.size(), e.getMessage());
        }
    }

    @Override
    public void close() {
        flusher.shutdown();
        try {
            flusher.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        flush();
    }
}
