package dev.upshift.core.rollout;

import java.time.Instant;

/**
 * A gray-release window: while it is open, at most {@code limit} distinct devices are admitted to the strategy.
 * Admission is sticky (see {@link RolloutCounters#admit}).
 */
public record GrayRule(long id, boolean enabled, Instant begin, Instant end, long limit) {
    public boolean openAt(Instant now) {
        return enabled && !now.isBefore(begin) && !now.isAfter(end);
    }
}
