package dev.upshift.bench.micro;

import dev.upshift.server.auth.DurableNonceStore;
import dev.upshift.server.auth.NonceJournal;
import dev.upshift.server.auth.NonceStore;
import dev.upshift.server.db.Database;
import dev.upshift.server.metrics.Metrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How many fresh nonces per second can a durable nonce store reserve, alone and with concurrent requests?
 *
 * <p>Workload: {@link NonceStore#reserve} with a nonce never seen before (every call succeeds and must be durable
 * against kill -9 before it returns), one access key, in a temporary data directory. The stores ({@code store}):
 * <ul>
 *   <li>{@code JOURNAL}: the {@link NonceJournal} the server uses with SQLite (decision 0019), opened as the server
 *       opens it (64 MiB memory-mapped segments): a map insert and a copy into the mapping under a short lock;
 *   <li>{@code SQLITE_GROUP_COMMIT}: the {@link DurableNonceStore} it replaced, on its own {@code nonces.db} opened
 *       with {@link Database#openNonceDatabase} (WAL, synchronous=NORMAL; decision 0016): each caller waits for the
 *       writer thread's group commit.
 * </ul>
 * {@code reserveOneThread} is one caller; {@code reserveEightThreads} is eight. Replays (the in-memory refusal) are
 * not measured. The store is created per iteration, so memory and files hold at most one iteration's nonces (the
 * server holds 10 minutes' worth); the directory is deleted afterwards.
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

    /** The alternatives measured. */
    public enum StoreType { JOURNAL, SQLITE_GROUP_COMMIT }

    @Param
    public StoreType store;

    private Path dir;
    private Metrics metrics;
    private Database database;
    private NonceStore nonces;
    private final AtomicInteger threads = new AtomicInteger();

    @Setup(Level.Iteration)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("upshift-bench-nonce");
        metrics = new Metrics();
        switch (store) {
            case JOURNAL -> nonces = NonceJournal.open(dir, Clock.systemUTC(), metrics);
            case SQLITE_GROUP_COMMIT -> {
                database = Database.openNonceDatabase(dir.resolve("nonces.db"));
                nonces = new DurableNonceStore(database, Clock.systemUTC(), metrics);
            }
        }
    }

    @TearDown(Level.Iteration)
    public void tearDown() {
        nonces.close();
        if (database != null) {
            database.close();
            database = null;
        }
        metrics.close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
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

    private boolean reserve(Nonces source) {
        if (!nonces.reserve(ACCESS_KEY, source.next())) {
            throw new IllegalStateException("a fresh nonce was refused as a replay");
        }
        return true;
    }
}
