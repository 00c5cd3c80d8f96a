package dev.upshift.core.rollout;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;

/**
 * A request-rate limit on offering a strategy: within a daily time-of-day window (UTC; a window whose end is before
 * its begin runs overnight), at most {@code limit} offers per bucket of one second, minute, hour or day. Over the
 * limit a {@code soft} rule answers "already latest" (clients retry later), a hard one answers 429001.
 */
public record FlowRule(long id, boolean enabled, LocalTime begin, LocalTime end, Dimension dimension, long limit,
                       boolean soft) {

    public enum Dimension {
        SECOND(1), MINUTE(60), HOUR(3600), DAY(86400);

        private final long seconds;

        Dimension(long seconds) {
            this.seconds = seconds;
        }

        public Duration length() {
            return Duration.ofSeconds(seconds);
        }

        /** The bucket an instant falls in: whole buckets since the epoch (UTC days for DAY). */
        public long bucketOf(Instant now) {
            return Math.floorDiv(now.getEpochSecond(), seconds);
        }
    }

    public boolean openAt(Instant now) {
        if (!enabled) {
            return false;
        }
        // Second precision: an end of 23:59:59 covers the whole last second of the day.
        LocalTime t = LocalTime.ofInstant(now, ZoneOffset.UTC).withNano(0);
        if (!end.isBefore(begin)) {
            return !t.isBefore(begin) && !t.isAfter(end);
        }
        return !t.isBefore(begin) || !t.isAfter(end); // overnight, e.g. 22:00-06:00
    }
}
