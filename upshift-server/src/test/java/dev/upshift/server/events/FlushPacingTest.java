package dev.upshift.server.events;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FlushPacingTest {
    private static final long MS = 1_000_000L;
    private static final long S = 1_000 * MS;

    @Test
    void theIntervalIsTenTimesTheCostBetweenOneAndTenSeconds() {
        assertThat(FlushPacing.interval(0)).isEqualTo(FlushPacing.MIN_INTERVAL_NANOS);
        assertThat(FlushPacing.interval(100 * MS)).isEqualTo(S);
        assertThat(FlushPacing.interval(250 * MS)).isEqualTo(2_500 * MS);
        assertThat(FlushPacing.interval(999 * MS)).isEqualTo(9_990 * MS);
        assertThat(FlushPacing.interval(3 * S)).isEqualTo(FlushPacing.MAX_INTERVAL_NANOS);
        assertThat(FlushPacing.interval(Long.MAX_VALUE)).isEqualTo(FlushPacing.MAX_INTERVAL_NANOS); // no overflow
    }

    @Test
    void aCostHalvesEveryHalfLifeAndAClockStepBackFadesNothing() {
        assertThat(FlushPacing.faded(800 * MS, 0)).isEqualTo(800 * MS);
        assertThat(FlushPacing.faded(800 * MS, FlushPacing.COST_HALF_LIFE_NANOS)).isEqualTo(400 * MS);
        assertThat(FlushPacing.faded(800 * MS, 3 * FlushPacing.COST_HALF_LIFE_NANOS)).isEqualTo(100 * MS);
        assertThat(FlushPacing.faded(800 * MS, -5 * S)).isEqualTo(800 * MS);
        assertThat(FlushPacing.faded(0, 5 * S)).isZero();
    }

    @Test
    void aLongerFlushSpacesTheNextOneAtOnce() {
        FlushPacing pacing = new FlushPacing();
        long t = 1_000 * S; // nanoTime is any long; the first flush's fade from 0 is irrelevant, its cost is 0
        assertThat(pacing.intervalNanos()).isEqualTo(S);
        assertThat(pacing.flushed(t, 50 * MS)).isEqualTo(S);
        assertThat(pacing.flushed(t + S, 700 * MS)).isEqualTo(7 * S);
        assertThat(pacing.intervalNanos()).isEqualTo(7 * S);
    }

    @Test
    void aLullKeepsTheSpacingForMinutesSoTheReturningLoadIsNotFlushedEverySecond() {
        FlushPacing pacing = new FlushPacing();
        long t = 0;
        pacing.flushed(t, 700 * MS);
        // 20 s of nothing to write, a flush every interval: the interval shrinks by about a fifth, not to a second
        long interval = pacing.intervalNanos();
        while (t < 20 * S) {
            t += interval;
            interval = pacing.flushed(t, 0);
        }
        assertThat(interval).isBetween(5 * S, 7 * S);
        // the load comes back: the first flush writes less than the old cost, and the spacing stays
        t += interval;
        assertThat(pacing.flushed(t, 300 * MS)).isBetween(4 * S, 6 * S);
        // light load for minutes: cheap flushes, and the interval comes back down to a second
        for (int i = 0; i < 400; i++) {
            t += pacing.intervalNanos();
            pacing.flushed(t, 20 * MS);
        }
        assertThat(pacing.intervalNanos()).isEqualTo(S);
    }

    @Test
    void theLastFlushCountsWhenItCostMoreThanTheFadedOne() {
        FlushPacing pacing = new FlushPacing();
        pacing.flushed(0, 400 * MS);
        assertThat(pacing.flushed(FlushPacing.COST_HALF_LIFE_NANOS, 300 * MS)).isEqualTo(3 * S); // 200 ms faded
        assertThat(pacing.flushed(FlushPacing.COST_HALF_LIFE_NANOS + S, 0)).isBetween(2_900 * MS, 3 * S);
    }
}
