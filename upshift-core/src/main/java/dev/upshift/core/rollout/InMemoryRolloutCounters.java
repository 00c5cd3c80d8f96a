package dev.upshift.core.rollout;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@link RolloutCounters} for one process. Gray admission takes a per-rule lock only for devices not yet admitted,
 * so repeat checks of admitted devices are a hash lookup. Flow limits keep one live bucket per rule: a request in a
 * newer bucket replaces the old one, so expired buckets never accumulate (the TTL is the bucket length by
 * construction).
 *
 * <p>An optional {@link AdmissionListener} sees each new admission before it becomes visible to other callers, so a
 * server can make admissions durable; {@link #restore} loads them back at start-up.
 */
public final class InMemoryRolloutCounters implements RolloutCounters {

    /**
     * Called, under the rule's lock, for every new admission, before it is visible. If it throws, the device is not
     * admitted and the exception propagates to the caller (the check fails rather than admit an unrecorded device).
     */
    public interface AdmissionListener {
        void admitted(long ruleId, String deviceKey, Instant expiresAt);

        /**
         * Called before a new admission takes the rule's lock, which is held while {@link #admitted} runs. A
         * listener that waits (a database insert) can throw here to refuse waiting on this thread, before anything
         * changed: the caller may try again on a thread that can wait.
         */
        default void beforeAdmission() {
        }
    }

    private static final class Rule {
        final Set<String> devices = ConcurrentHashMap.newKeySet();
    }

    private record Bucket(long index, long lengthSeconds, AtomicLong count) {
    }

    private final ConcurrentHashMap<Long, Rule> rules = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, Bucket> buckets = new ConcurrentHashMap<>();
    private final AdmissionListener listener;

    public InMemoryRolloutCounters() {
        this((ruleId, deviceKey, expiresAt) -> { });
    }

    public InMemoryRolloutCounters(AdmissionListener listener) {
        this.listener = listener;
    }

    /** Re-adds an admission recorded earlier (start-up), without calling the listener. */
    public void restore(long ruleId, String deviceKey) {
        rules.computeIfAbsent(ruleId, k -> new Rule()).devices.add(deviceKey);
    }

    @Override
    public boolean admit(long ruleId, String deviceKey, long limit, Instant expiresAt) {
        Rule rule = rules.computeIfAbsent(ruleId, k -> new Rule());
        if (rule.devices.contains(deviceKey)) {
            return true;
        }
        if (rule.devices.size() >= limit) {
            return false; // full: refused devices never wait for the lock (admissions only grow)
        }
        listener.beforeAdmission();
        synchronized (rule) {
            if (rule.devices.contains(deviceKey)) {
                return true;
            }
            if (rule.devices.size() >= limit) {
                return false;
            }
            listener.admitted(ruleId, deviceKey, expiresAt);
            rule.devices.add(deviceKey);
            return true;
        }
    }

    @Override
    public boolean wasAdmitted(long ruleId, String deviceKey) {
        Rule rule = rules.get(ruleId);
        return rule != null && rule.devices.contains(deviceKey);
    }

    @Override
    public int admittedCount(long ruleId) {
        Rule rule = rules.get(ruleId);
        return rule == null ? 0 : rule.devices.size();
    }

    @Override
    public boolean tryAcquire(long ruleId, long bucket, long limit, Duration ttl) {
        long length = ttl.getSeconds();
        // A rule whose period changed (PATCH second -> day) starts a fresh bucket instead of comparing bucket
        // numbers of different periods.
        Bucket b = buckets.compute(ruleId, (k, old) -> old == null || old.lengthSeconds() != length || old.index() < bucket
                ? new Bucket(bucket, length, new AtomicLong()) : old);
        if (b.index() > bucket) {
            return true; // a request from an older bucket arriving late: it no longer competes
        }
        return b.count().incrementAndGet() <= limit;
    }
}
