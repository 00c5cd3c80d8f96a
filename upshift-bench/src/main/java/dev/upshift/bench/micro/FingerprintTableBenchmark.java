package dev.upshift.bench.micro;

import dev.upshift.server.tables.FingerprintTable;
import java.util.SplittableRandom;
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
 * What does a lookup in a per-device table cost once the table is larger than the CPU caches?
 *
 * <p>Workload: a table with values holding a million entries (the size the written device-days reach under the load
 * scenario), filled with random fingerprints that expire in an hour. {@code getHeld} looks up held fingerprints in a
 * random order, as a check's facts do for a device it has seen today: each entry's value is the index of the next
 * one to look up (a random cycle through all of them), so one lookup's cache misses cannot overlap the next one's, as
 * they cannot in a check, where other work comes between. {@code getAbsent} looks up fingerprints that are not held
 * (a device's first check of the day); {@code putHeld} refreshes a held entry, as a remembered offer does. Nearly
 * every operation misses the caches: this measures memory latency, not instructions.
 *
 * <p>Run: {@code java -jar upshift-bench/target/upshift-bench.jar FingerprintTableBenchmark -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 2)
public class FingerprintTableBenchmark {
    static final int ENTRIES = 1 << 20; // a power of two: the index wraps with a mask

    FingerprintTable table;
    final long[] held = new long[ENTRIES];
    final long[] absent = new long[ENTRIES];
    final int[] order = new int[ENTRIES]; // order[i]: the entry looked up after entry i
    long expiresAt;
    int next;
    int absentNext;
    int putNext;

    @Setup(Level.Trial)
    public void fill() {
        table = FingerprintTable.withValues(0);
        SplittableRandom random = new SplittableRandom(42);
        expiresAt = System.currentTimeMillis() + 3_600_000;
        // a random cycle: Sattolo's shuffle of 0..n-1
        for (int i = 0; i < ENTRIES; i++) {
            order[i] = i;
            held[i] = FingerprintTable.finish(random.nextLong());
            absent[i] = FingerprintTable.finish(random.nextLong());
        }
        for (int i = ENTRIES - 1; i > 0; i--) {
            int j = random.nextInt(i);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        for (int i = 0; i < ENTRIES; i++) {
            table.put(held[i], order[i], expiresAt);
        }
    }

    @Benchmark
    public long getHeld() {
        long following = table.get(held[next], 0);
        next = (int) following;
        return following;
    }

    @Benchmark
    public long getAbsent() {
        return table.get(absent[absentNext++ & (ENTRIES - 1)], 0);
    }

    @Benchmark
    public void putHeld() {
        int i = putNext++ & (ENTRIES - 1);
        table.put(held[i], order[i], expiresAt);
    }
}
