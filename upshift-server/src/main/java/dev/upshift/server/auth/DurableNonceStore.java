package dev.upshift.server.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.upshift.server.db.Database;
import dev.upshift.server.http.RequestThreads;
import dev.upshift.server.metrics.Metrics;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link NonceStore} of a PostgreSQL installation: it answers from memory and makes every reservation durable in
 * the shared {@code nonces} table with group commit, so that every node sees every nonce. (SQLite installations use
 * the {@link NonceJournal}; decision 0019.)
 *
 * <p>Design. Two layers:
 * <ol>
 *   <li>An in-process map ({@code putIfAbsent}) decides concurrent duplicates within this process at once,
 *       without touching the database: 100 concurrent copies of one request produce one database insert.
 *   <li>A single writer thread drains all pending reservations and inserts them in one transaction
 *       ({@code INSERT ... ON CONFLICT DO NOTHING}), so the cost of a commit (an fsync on SQLite) is shared by
 *       every request that arrived meanwhile. A request is answered only after its batch committed; a row that
 *       already existed (a replay after a restart, or one accepted by another node) counts as a replay.
 * </ol>
 * After a restart the memory layer is empty and the table alone rejects replays. Expired rows are deleted by the
 * writer thread every minute, which keeps the table near (request rate x 10 minutes) rows.
 *
 * <p>Trade-off: a client request waits for one group commit. If the database does not confirm within {@code 5 s},
 * the request is refused rather than accepted unrecorded (fail closed).
 */
public final class DurableNonceStore implements NonceStore {
    private static final Logger LOG = LoggerFactory.getLogger(DurableNonceStore.class);
    private static final int MAX_BATCH = 1024;
    private static final long SWEEP_EVERY_MILLIS = 60_000;
    private static final long WAIT_MILLIS = 5_000;

    private final Database db;
    private final Clock clock;
    private final Metrics metrics;
    private final Cache<String, Boolean> recent;
    private final BlockingQueue<Pending> queue = new ArrayBlockingQueue<>(65_536);
    private final Thread writer;
    private volatile boolean closed;
    private long lastSweep;

    private record Pending(String accessKey, String nonce, long expiresAt, CompletableFuture<Boolean> inserted) {
    }

    public DurableNonceStore(Database db, Clock clock, Metrics metrics) {
        this.db = db;
        this.clock = clock;
        this.metrics = metrics;
        this.recent = Caffeine.newBuilder().executor(Runnable::run)
                .expireAfterWrite(Duration.ofMillis(RETENTION_MILLIS))
                .build();
        this.writer = new Thread(this::runWriter, "upshift-nonce-writer");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    @Override
    public boolean reserveWaits() {
        return true;
    }

    @Override
    public boolean reserve(String accessKey, String nonce) {
        RequestThreads.beforeBlocking(); // before anything is reserved: the request runs again on a pool thread
        String memoryKey = accessKey + '\n' + nonce;
        if (recent.asMap().putIfAbsent(memoryKey, Boolean.TRUE) != null) {
            return false;
        }
        Pending p = new Pending(accessKey, nonce, clock.millis() + RETENTION_MILLIS, new CompletableFuture<>());
        try {
            if (closed || !queue.offer(p, WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                throw new NonceStoreUnavailableException("nonce store is closed or its queue is full ("
                        + queue.size() + " pending)", null);
            }
            return p.inserted().get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NonceStoreUnavailableException("interrupted while waiting for the nonce to be stored", e);
        } catch (ExecutionException | TimeoutException e) {
            // The nonce stays in memory: a retry with the same nonce is refused, which is safe.
            throw new NonceStoreUnavailableException("nonce could not be stored (" + queue.size() + " pending)", e);
        }
    }

    /** Reservations waiting for the writer (the {@code upshift_nonce_queue_depth} gauge). */
    public int pending() {
        return queue.size();
    }

    private void runWriter() {
        List<Pending> batch = new ArrayList<>(MAX_BATCH);
        while (!closed || !queue.isEmpty()) {
            try {
                Pending first = queue.poll(1, TimeUnit.SECONDS);
                if (first != null) {
                    batch.add(first);
                    queue.drainTo(batch, MAX_BATCH - 1);
                    writeBatch(batch);
                    batch.clear();
                }
                sweepIfDue();
            } catch (InterruptedException e) {
                if (closed) {
                    break;
                }
            } catch (RuntimeException e) {
                LOG.error("nonce writer failed; requests in this batch are refused", e);
                batch.forEach(p -> p.inserted().completeExceptionally(e));
                batch.clear();
            }
        }
    }

    private void writeBatch(List<Pending> batch) {
        // One multi-row INSERT per batch; RETURNING lists exactly the rows that were new (both SQLite >= 3.35 and
        // PostgreSQL), which is more trustworthy than JDBC batch update counts.
        StringBuilder sql = new StringBuilder("INSERT INTO nonces (access_key, nonce, expires_at) VALUES ");
        for (int i = 0; i < batch.size(); i++) {
            sql.append(i == 0 ? "(?, ?, ?)" : ", (?, ?, ?)");
        }
        sql.append(" ON CONFLICT (access_key, nonce) DO NOTHING RETURNING access_key, nonce");
        Set<String> inserted = new HashSet<>();
        long started = System.nanoTime();
        try (Connection c = db.dataSource().getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                int i = 1;
                for (Pending p : batch) {
                    ps.setString(i++, p.accessKey());
                    ps.setString(i++, p.nonce());
                    ps.setLong(i++, p.expiresAt());
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        inserted.add(rs.getString(1) + '\n' + rs.getString(2));
                    }
                }
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            LOG.error("storing {} nonces failed: {}", batch.size(), e.getMessage());
            metrics.batchFailure("nonce");
            batch.forEach(p -> p.inserted().completeExceptionally(e));
            return;
        }
        metrics.recordBatch("nonce", System.nanoTime() - started, batch.size());
        for (Pending p : batch) {
            p.inserted().complete(inserted.contains(p.accessKey() + '\n' + p.nonce()));
        }
    }

    private void sweepIfDue() {
        long now = clock.millis();
        if (now - lastSweep < SWEEP_EVERY_MILLIS) {
            return;
        }
        lastSweep = now;
        try {
            int deleted = db.jdbi().withHandle(h -> h.createUpdate("DELETE FROM nonces WHERE expires_at < :now")
                    .bind("now", now).execute());
            if (deleted > 0) {
                LOG.debug("swept {} expired nonces", deleted);
            }
        } catch (RuntimeException e) {
            LOG.warn("sweeping expired nonces failed, will retry: {}", e.getMessage());
        }
    }

    /** Stops accepting reservations and waits for the pending ones to be written. */
    @Override
    public void close() {
        closed = true;
        try {
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
