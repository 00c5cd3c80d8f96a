package dev.upshift.server.rollout;

import dev.upshift.server.db.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records what update checks did ("checked", and "offered" with the chosen strategy) and registers the devices
 * they came from, without ever making a check wait: {@link #record} only offers the fact to a bounded queue, and
 * one writer thread inserts whatever has accumulated (up to 2000 facts) in one transaction as soon as anything is
 * queued, upserting each device's first/last-seen time once per batch.
 *
 * <p>Trade-off: when the queue is full (the database is down or far behind), facts are dropped and counted in
 * {@link #dropped()} rather than slowing checks down; on a graceful stop the queue is drained. Durable,
 * acknowledged client reports are a separate path.
 */
public final class CheckEventLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CheckEventLog.class);
    private static final int MAX_BATCH = 2000;

    /** One fact. {@code offeredVersionId} and {@code strategyId} are null unless an update was offered. */
    public record Fact(long tenantId, long appId, String eventType, long clientVersionCode, Long offeredVersionId,
                       Long strategyId, String deviceKey, String deviceModel, String platform, String arch,
                       String outcome, long at) {
    }

    private final Database db;
    private final BlockingQueue<Fact> queue = new ArrayBlockingQueue<>(100_000);
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong inFlight = new AtomicLong();
    private final Thread writer;
    private volatile boolean closed;

    public CheckEventLog(Database db) {
        this.db = db;
        this.writer = new Thread(this::run, "upshift-check-events");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    public void record(Fact fact) {
        inFlight.incrementAndGet();
        if (closed || !queue.offer(fact)) {
            inFlight.decrementAndGet();
            long n = dropped.incrementAndGet();
            if (n == 1 || n % 10_000 == 0) {
                LOG.warn("check-event queue full ({} queued): {} facts dropped so far", queue.size(), n);
            }
        }
    }

    public long dropped() {
        return dropped.get();
    }

    public int queued() { return queue.size(); } // facts waiting for the writer (a metrics gauge)

    public long written() {
        return written.get();
    }

    /** Waits (up to 10 s) until everything recorded so far is written or dropped (tests and shutdown). */
    public void flush() {
        long deadline = System.currentTimeMillis() + 10_000;
        while (inFlight.get() > 0 && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void run() {
        List<Fact> batch = new ArrayList<>(MAX_BATCH);
        while (!closed || !queue.isEmpty()) {
            try {
                Fact first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                write(batch);
                inFlight.addAndGet(-batch.size());
                batch.clear();
            } catch (InterruptedException e) {
                if (closed) {
                    break;
                }
            } catch (RuntimeException | SQLException e) {
                LOG.warn("writing {} check facts failed, they are dropped: {}", batch.size(), e.getMessage());
                dropped.addAndGet(batch.size());
                inFlight.addAndGet(-batch.size());
                batch.clear();
            }
        }
    }

    private void write(List<Fact> batch) throws SQLException {
        Map<String, Fact> devices = new LinkedHashMap<>();
        for (Fact f : batch) {
            if (f.deviceKey() != null && !f.deviceKey().isEmpty()) {
                devices.put(f.tenantId() + "\n" + f.deviceKey(), f);
            }
        }
        try (Connection c = db.dataSource().getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO check_events (tenant_id, app_id, event_type, "
                        + "client_version_code, offered_version_id, strategy_id, device_key, device_model, platform, arch, "
                        + "outcome, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                    for (Fact f : batch) {
                        ps.setLong(1, f.tenantId());
                        ps.setLong(2, f.appId());
                        ps.setString(3, f.eventType());
                        ps.setLong(4, f.clientVersionCode());
                        setNullable(ps, 5, f.offeredVersionId());
                        setNullable(ps, 6, f.strategyId());
                        ps.setString(7, f.deviceKey() == null ? "" : f.deviceKey());
                        ps.setString(8, f.deviceModel() == null ? "" : f.deviceModel());
                        ps.setString(9, f.platform());
                        ps.setString(10, f.arch());
                        ps.setString(11, f.outcome());
                        ps.setLong(12, f.at());
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO devices (tenant_id, device_key, model_key, "
                        + "first_seen_at, last_seen_at, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id, device_key) "
                        + "DO UPDATE SET last_seen_at = excluded.last_seen_at, "
                        + "first_seen_at = COALESCE(devices.first_seen_at, excluded.first_seen_at), "
                        + "model_key = CASE WHEN excluded.model_key <> '' THEN excluded.model_key ELSE devices.model_key END")) {
                    for (Fact f : devices.values()) {
                        ps.setLong(1, f.tenantId());
                        ps.setString(2, f.deviceKey());
                        ps.setString(3, f.deviceModel() == null ? "" : f.deviceModel());
                        ps.setLong(4, f.at());
                        ps.setLong(5, f.at());
                        ps.setLong(6, f.at());
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                c.commit();
                written.addAndGet(batch.size());
            } catch (SQLException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    private static void setNullable(PreparedStatement ps, int i, Long v) throws SQLException {
        if (v == null) {
            ps.setNull(i, Types.BIGINT);
        } else {
            ps.setLong(i, v);
        }
    }

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
