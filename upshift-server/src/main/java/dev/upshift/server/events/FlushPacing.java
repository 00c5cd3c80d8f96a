package dev.upshift.server.events;

/**
 * When the next flush of the summed facts starts (decision 0029): {@link #SPACING} times what a flush costs, at least
 * {@link #MIN_INTERVAL_NANOS} and at most {@link #MAX_INTERVAL_NANOS}, so that flushes take about a tenth of the
 * writer thread's time whatever the load.
 *
 * <p>What a flush costs is the last flush's duration or, if that was shorter, the longest recent one fading with a
 * half-life of {@link #COST_HALF_LIFE_NANOS}. Why not the last duration alone: after a lull (a flush with little or
 * nothing to write) the interval fell to a second, and when the load came back the first flushes, each writing
 * nearly every roll-up key again, ran every one to three seconds and took a third of a core for several seconds.
 * Per-second samples of the benchmark's rounds showed 50-65 µs per check for their first 3-4 s against 38-40 µs
 * later; with this pacing 1-2 s, the time wrk then needed to start (a flaw of the harness, since fixed).
 * With the fading cost, a lull of 20 s after flushes of 0.7 s keeps the interval above 5 s, and light load takes
 * about three minutes to bring it back to a second.
 *
 * <p>Callers serialize {@link #flushed} (the flushes themselves are serialized); {@link #intervalNanos} may be read
 * from any thread.
 */
final class FlushPacing {
    /** The interval while flushes are cheap: statistics are current within a second. */
    static final long MIN_INTERVAL_NANOS = 1_000_000_000L;
    /** The longest the summed facts wait, and so the most of them a {@code kill -9} loses. */
    static final long MAX_INTERVAL_NANOS = 10_000_000_000L;
    /** The interval is this many times a flush's cost: flushes take about a tenth of the writer thread's time. */
    static final int SPACING = 10;
    /** How fast the memory of an expensive flush fades. */
    static final long COST_HALF_LIFE_NANOS = 60_000_000_000L;

    private long costNanos;
    private long costAtNanos;
    private volatile long intervalNanos = MIN_INTERVAL_NANOS;

    /**
     * Records a flush that started at {@code startedNanos} ({@link System#nanoTime}) and took {@code tookNanos}
     * (0 if it had nothing to write) and returns the interval until the next one.
     */
    long flushed(long startedNanos, long tookNanos) {
        costNanos = Math.max(Math.max(0, tookNanos), faded(costNanos, startedNanos - costAtNanos));
        costAtNanos = startedNanos;
        intervalNanos = interval(costNanos);
        return intervalNanos;
    }

    /** The interval until the next flush, as set by the last {@link #flushed}. */
    long intervalNanos() {
        return intervalNanos;
    }

    /** The interval for a flush that costs {@code costNanos}. */
    static long interval(long costNanos) {
        if (costNanos >= MAX_INTERVAL_NANOS / SPACING) {
            return MAX_INTERVAL_NANOS;
        }
        return Math.max(MIN_INTERVAL_NANOS, SPACING * costNanos);
    }

    /** {@code costNanos} after {@code elapsedNanos} of fading; a negative elapsed time (a clock step) fades nothing. */
    static long faded(long costNanos, long elapsedNanos) {
        if (elapsedNanos <= 0 || costNanos == 0) {
            return costNanos;
        }
        return (long) (costNanos * Math.pow(0.5, (double) elapsedNanos / COST_HALF_LIFE_NANOS));
    }
}
