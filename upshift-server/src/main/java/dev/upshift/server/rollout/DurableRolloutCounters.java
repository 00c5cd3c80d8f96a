package dev.upshift.server.rollout;

import dev.upshift.core.rollout.InMemoryRolloutCounters;
import dev.upshift.server.db.Database;
import dev.upshift.server.http.RequestThreads;
import dev.upshift.server.metrics.Metrics;
import java.time.Clock;
import java.time.Instant;

/**
 * The in-process counters of this node, with gray admissions made durable: a new admission is inserted into
 * {@code gray_admissions} before it becomes visible (admissions are rare, at most a rule's limit, so this write is
 * not on the path of repeat checks), and all admissions are loaded at start (they stay valid after their window:
 * admitted devices keep the update). A restart therefore keeps
 * both stickiness and quota. Flow-limit buckets live only in memory: they last a second to a day and a restart
 * that forgets one merely lets a few more offers through.
 */
public final class DurableRolloutCounters {
    private DurableRolloutCounters() {
    }

    /** @param metrics records how long each admission insert takes ({@link Metrics#counterStoreLatency}) */
    public static InMemoryRolloutCounters open(Database db, Clock clock, Metrics metrics) {
        InMemoryRolloutCounters counters = new InMemoryRolloutCounters(new InMemoryRolloutCounters.AdmissionListener() {
            @Override
            public void admitted(long ruleId, String deviceKey, Instant expiresAt) {
                long started = System.nanoTime();
                boolean ok = false;
                try {
                    db.jdbi().useHandle(h -> h.createUpdate("INSERT INTO gray_admissions (rule_id, device_key, "
                                    + "admitted_at, expires_at) VALUES (:r, :d, :now, :exp) "
                                    + "ON CONFLICT (rule_id, device_key) DO NOTHING")
                            .bind("r", ruleId).bind("d", deviceKey).bind("now", clock.millis())
                            .bind("exp", expiresAt.toEpochMilli()).execute());
                    ok = true;
                } finally {
                    metrics.counterStoreLatency(System.nanoTime() - started, ok);
                }
            }

            /** The insert (and the rule's lock held around it) must not stall a selector thread's connections. */
            @Override
            public void beforeAdmission() {
                RequestThreads.beforeBlocking();
            }
        });
        db.jdbi().useHandle(h -> {
            // Admissions stay valid after their window: devices admitted earlier keep the update.
            h.createQuery("SELECT rule_id, device_key FROM gray_admissions")
                    .map((rs, ctx) -> new Object[]{rs.getLong(1), rs.getString(2)})
                    .forEach(r -> counters.restore((Long) r[0], (String) r[1]));
        });
        return counters;
    }
}
