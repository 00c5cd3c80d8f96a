package dev.upshift.bench.micro;

import dev.upshift.server.auth.DurableNonceStore;
import dev.upshift.server.metrics.Metrics;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How many fresh nonces per second can the durable nonce store reserve, alone and with concurrent requests?
 *
 * <p>Workload: {@link DurableNonceStore#reserve} with a nonce never seen before (every call succeeds and must be
 * committed before it returns), one access key, against a real SQLite database in a temporary directory opened and
 * migrated as the server does (WAL, synchronous=NORMAL). {@code reserveOneThread} is one caller: each reservation
 * waits for its own commit. {@code reserveEightThreads} is eight callers: the writer thread commits whatever arrived
 * meanwhile in one transaction (group commit), so throughput should rise well above one thread's. Replays (the
 * in-memory {@code putIfAbsent} refusal) are not measured: they never reach the database.
 *
 * <p>There is no in-memory-only {@link dev.upshift.server.auth.NonceStore} in the server (the contract demands
 * durability across kill -9), so the durable store is the only alternative measured. The database and the store are
 * created per trial; the temporary directory is deleted afterwards.
 *
 * <p>Run: {@code java -jar upshift-bench/target/upshift-bench.jar NonceReservationBenchmark -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 2)
public class NonceReservationBenchmark {
    static final String ACCESS_KEY = "AKbench0000000000001";

    private TempDatabase database;
    private Metrics metrics;
    private DurableNonceStore store;
    private final AtomicInteger threads = new AtomicInteger();

    @Setup(Level.Trial)
    public void setUp() {
        database = TempDatabase.create("upshift-bench-nonce");
        metrics = new Metrics();
        store = new DurableNonceStore(database.db(), Clock.systemUTC(), metrics);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        store.close();
        metrics.close();
        database.close();
    }

    /** A source of nonces unique across threads: a per-thread prefix and a counter, 20+ visible ASCII characters. */
    @State(Scope.Thread)
    public static class Nonces {
        private String prefix;
        private long next;

        @Setup(Level.Trial)
        public void setUp(NonceReservationBenchmark bench) {
            prefix = String.format("n%02d-%015d-", bench.threads.getAndIncrement(), System.nanoTime() % 1_000_000_000_000_000L);
        }

        String next() {
            return prefix + next++;
        }
    }

    @Benchmark
    public boolean reserveOneThread(Nonces nonces) {
        return reserve(nonces);
    }

    @Benchmark
    @Threads(8)
    public boolean reserveEightThreads(Nonces nonces) {
        return reserve(nonces);
    }

    private boolean reserve(Nonces nonces) {
        if (!store.reserve(ACCESS_KEY, nonces.next())) {
            throw new IllegalStateException("a fresh nonce was refused as a replay");
        }
        return true;
    }
}
