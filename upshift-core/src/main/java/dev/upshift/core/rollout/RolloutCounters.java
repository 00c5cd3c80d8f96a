package dev.upshift.core.rollout;

import java.time.Duration;
import java.time.Instant;

/**
 * The only shared, mutable state of a rollout decision. Implementations must make both operations atomic across
 * every thread (and every node, for distributed stores).
 */
public interface RolloutCounters {

    /**
     * Sticky distinct-device admission to a gray rule: a device admitted once is admitted again for as long as the
     * rule exists; a new device is admitted while fewer than {@code limit} devices are; a refused device stays
     * refused unless capacity appears (the limit is raised).
     *
     * @param expiresAt when the admission record may be forgotten (the rule's end)
     */
    boolean admit(long ruleId, String deviceKey, long limit, Instant expiresAt);

    /** Number of devices admitted to a gray rule so far. */
    int admittedCount(long ruleId);

    /** True if the device was admitted to the rule before (no side effect). */
    boolean wasAdmitted(long ruleId, String deviceKey);

    /**
     * Counts one offer in a flow bucket and says whether it is within the limit. The bucket expires after
     * {@code ttl}; counting and checking are one atomic step.
     */
    boolean tryAcquire(long ruleId, long bucket, long limit, Duration ttl);
}
