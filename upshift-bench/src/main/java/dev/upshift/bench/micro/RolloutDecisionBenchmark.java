package dev.upshift.bench.micro;

import dev.upshift.core.rollout.ClientVersion;
import dev.upshift.core.rollout.Decision;
import dev.upshift.core.rollout.FlowRule;
import dev.upshift.core.rollout.GrayRule;
import dev.upshift.core.rollout.InMemoryRolloutCounters;
import dev.upshift.core.rollout.ReleaseVersion;
import dev.upshift.core.rollout.RolloutEngine;
import dev.upshift.core.rollout.RolloutQuery;
import dev.upshift.core.rollout.Strategy;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What does one rollout decision cost for an app with several live strategies?
 *
 * <p>Workload: {@link RolloutEngine#decide} for an integer-code app with five strategies, newest first:
 * <ol>
 *   <li>v105 at 10% (percentage hash, most devices fall through);
 *   <li>v104 at 50% with an open gray window capped at 20 000 distinct devices;
 *   <li>v103 for device group 7 only (the devices are in no group: targeting fails);
 *   <li>v102 at 100% with an open soft flow rule per day that never runs out (every offer takes a unit);
 *   <li>v101 on the beta channel (filtered out for stable clients).
 * </ol>
 * Clients run code 100 on the stable channel; each call takes the next of 65 536 random device keys (UUIDs), with
 * a fresh {@link RolloutQuery} as {@code UpdateChecks} builds one, the wall-clock time as now and one shared
 * {@link InMemoryRolloutCounters}. Early in a run the gray window admits devices (and takes its lock); once it is
 * full, most devices are refused without the lock, as on a long-running server.
 *
 * <p>Run: {@code java -jar upshift-bench/target/upshift-bench.jar RolloutDecisionBenchmark -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 2)
public class RolloutDecisionBenchmark {
    static final int DEVICES = 65_536; // a power of two: the index wraps with a mask

    private List<Strategy> strategies;
    private InMemoryRolloutCounters counters;
    private final String[] devices = new String[DEVICES];
    private final ClientVersion current = ClientVersion.ofCode(100);

    @Setup(Level.Trial)
    public void setUp() {
        Instant now = Instant.now();
        Instant begin = now.minus(Duration.ofDays(1));
        Instant end = now.plus(Duration.ofDays(30));
        GrayRule gray = new GrayRule(41, true, begin, now.plus(Duration.ofDays(1)), 20_000);
        FlowRule flow = new FlowRule(51, true, LocalTime.MIN, LocalTime.of(23, 59, 59), FlowRule.Dimension.DAY,
                Long.MAX_VALUE / 2, true);
        strategies = List.of(
                strategy(1, 105, begin, end, new Strategy.Targeting.All(), "stable", 1_000, List.of(), List.of()),
                strategy(2, 104, begin, end, new Strategy.Targeting.All(), "stable", 5_000, List.of(gray), List.of()),
                strategy(3, 103, begin, end, new Strategy.Targeting.Groups(Set.of(7L)), "stable", 10_000, List.of(),
                        List.of()),
                strategy(4, 102, begin, end, new Strategy.Targeting.All(), "stable", 10_000, List.of(), List.of(flow)),
                strategy(5, 101, begin, end, new Strategy.Targeting.All(), "beta", 10_000, List.of(), List.of()));
        counters = new InMemoryRolloutCounters();
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < DEVICES; i++) {
            devices[i] = new UUID(random.nextLong(), random.nextLong()).toString();
        }
    }

    private static Strategy strategy(long id, long code, Instant begin, Instant end, Strategy.Targeting targeting,
                                     String channel, int percentage, List<GrayRule> gray, List<FlowRule> flow) {
        return new Strategy(id, new ReleaseVersion(1_000 + id, code, null, "", "", false), true, begin, end, 1,
                "Bug fixes and performance improvements", targeting, new Strategy.SourceRestriction.AnyVersion(),
                channel, percentage, gray, flow, false);
    }

    /** The cursor into the device keys; per thread so that threads do not share a counter. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;

        int advance() {
            return next++ & (DEVICES - 1);
        }
    }

    @Benchmark
    public Decision decide(Cursor cursor) {
        RolloutQuery q = new RolloutQuery(current, null, null, "", "", "stable", devices[cursor.advance()], null,
                Set.of(), Instant.now(), false);
        return RolloutEngine.decide(strategies, q, counters);
    }
}
