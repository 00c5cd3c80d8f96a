package dev.upshift.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.upshift.server.TestClock;
import dev.upshift.server.db.Database;
import dev.upshift.server.metrics.Metrics;
import dev.upshift.server.testing.KilledProbe;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The nonce journal on real files in a temporary data directory: duplicates, races, reopening after a close and
 * after a crash (a copy of the directory taken while the journal is open, which is what {@code kill -9} leaves),
 * torn tails, expiry, rotation, the import of an earlier version's {@code nonces.db}, the lock, and failing closed.
 * Most tests use 1 KiB segments (about 22 records each) so that rotation happens.
 */
class NonceJournalTest {
    private static final String KEY = "AKtest0000000000001";
    private static final int SMALL = 1024;

    @TempDir
    Path dir;
    private final TestClock clock = new TestClock(Instant.parse("2025-03-01T10:00:00Z"));
    private final Metrics metrics = new Metrics();

    @AfterEach
    void closeMetrics() {
        metrics.close();
    }

    private NonceJournal open(Path data) {
        return NonceJournal.open(data, clock, metrics, SMALL);
    }

    private static String nonce(String prefix, int i) {
        return String.format("%s-%016d", prefix, i);
    }

    @Test
    void aFreshNonceIsAcceptedOnceAndItsRepeatRefused() throws IOException {
        try (NonceJournal journal = NonceJournal.open(dir, clock, metrics)) {
            assertThat(journal.reserve(KEY, "0123456789abcdef")).isTrue();
            assertThat(journal.reserve(KEY, "0123456789abcdef")).isFalse();
            assertThat(journal.entries()).isEqualTo(1);
            assertThat(segments(dir)).singleElement()
                    .satisfies(s -> assertThat(Files.size(s)).isEqualTo(NonceJournal.DEFAULT_SEGMENT_BYTES));
        }
    }

    @Test
    void theSameNonceUnderAnotherAccessKeyIsAccepted() {
        try (NonceJournal journal = open(dir)) {
            assertThat(journal.reserve(KEY, "0123456789abcdef")).isTrue();
            assertThat(journal.reserve("AKother000000000002", "0123456789abcdef")).isTrue();
            assertThat(journal.reserve("AKother000000000002", "0123456789abcdef")).isFalse();
        }
    }

    @Test
    void eightThreadsRacingForTheSameNoncesAcceptEachExactlyOnce() throws Exception {
        int nonces = 1000;
        AtomicIntegerArray accepted = new AtomicIntegerArray(nonces);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (NonceJournal journal = open(dir)) {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> runs = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                runs.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < nonces; i++) {
                        if (journal.reserve(KEY, nonce("race", i))) {
                            accepted.incrementAndGet(i);
                        }
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> run : runs) {
                run.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        for (int i = 0; i < nonces; i++) {
            assertThat(accepted.get(i)).as("nonce %d", i).isEqualTo(1);
        }
        try (NonceJournal reopened = open(dir)) {
            assertThat(reopened.entries()).isEqualTo(nonces);
        }
    }

    @Test
    void everyReservationSurvivesCloseAndReopen() {
        try (NonceJournal journal = open(dir)) {
            for (int i = 0; i < 50; i++) {
                assertThat(journal.reserve(KEY, nonce("kept", i))).isTrue();
            }
        }
        try (NonceJournal journal = open(dir)) {
            assertThat(journal.entries()).isEqualTo(50);
            for (int i = 0; i < 50; i++) {
                assertThat(journal.reserve(KEY, nonce("kept", i))).as("nonce %d", i).isFalse();
            }
            assertThat(journal.reserve(KEY, nonce("new", 0))).isTrue();
        }
    }

    @Test
    void everyAcknowledgedReservationSurvivesACrashWithoutClose() throws IOException {
        Path copy = dir.resolve("after-crash");
        try (NonceJournal journal = open(dir.resolve("live"))) {
            for (int i = 0; i < 100; i++) {
                assertThat(journal.reserve(KEY, nonce("crash", i))).isTrue();
            }
            // What kill -9 leaves: the files as they are in the page cache, no force, no close, the lock not released.
            copyTree(dir.resolve("live").resolve(NonceJournal.DIRECTORY), copy.resolve(NonceJournal.DIRECTORY));
            try (NonceJournal restarted = open(copy)) {
                assertThat(restarted.entries()).isEqualTo(100);
                for (int i = 0; i < 100; i++) {
                    assertThat(restarted.reserve(KEY, nonce("crash", i))).as("nonce %d", i).isFalse();
                }
            }
        }
    }

    @Test
    void everyAcknowledgedReservationSurvivesKillMinus9OfItsProcess() throws Exception {
        Path data = dir.resolve("data");
        List<String> done = KilledProbe.runUntil(dir, NonceJournalCrashProbe.class, 5_000, 30_000, data.toString());
        try (NonceJournal journal = open(data)) {
            for (String n : done) {
                assertThat(journal.reserve("AKprobe000000000001", NonceJournalCrashProbe.nonce(Long.parseLong(n))))
                        .as("acknowledged nonce %s", n).isFalse();
            }
        }
    }

    @Test
    void aTornLastRecordIsIgnoredAndTheSegmentIsNeverWrittenAgain() throws IOException {
        try (NonceJournal journal = open(dir)) {
            for (int i = 0; i < 5; i++) {
                journal.reserve(KEY, nonce("torn", i));
            }
        }
        Path segment = segments(dir).get(0);
        List<Integer> records = recordOffsets(segment);
        assertThat(records).hasSize(5);
        // A copy cut short by kill -9: the last record's final bytes (its CRC) are not what was meant.
        int end = endOfRecords(segment);
        byte[] crc = Arrays.copyOfRange(Files.readAllBytes(segment), end - 3, end);
        for (int i = 0; i < crc.length; i++) {
            crc[i] ^= (byte) 0xff;
        }
        writeAt(segment, end - 3, crc);
        byte[] torn = Files.readAllBytes(segment);

        try (NonceJournal journal = open(dir)) {
            assertThat(journal.entries()).isEqualTo(4);
            for (int i = 0; i < 4; i++) {
                assertThat(journal.reserve(KEY, nonce("torn", i))).isFalse();
            }
            assertThat(journal.reserve(KEY, nonce("torn", 4))).as("the torn record was never acknowledged").isTrue();
            assertThat(journal.reserve(KEY, nonce("after", 0))).isTrue();
        }
        assertThat(Files.readAllBytes(segment)).as("nothing is written after a torn tail").isEqualTo(torn);

        try (NonceJournal journal = open(dir)) {
            for (int i = 0; i < 5; i++) {
                assertThat(journal.reserve(KEY, nonce("torn", i))).as("nonce %d", i).isFalse();
            }
            assertThat(journal.reserve(KEY, nonce("after", 0))).isFalse();
        }
    }

    @Test
    void garbageAfterTheLastRecordIsIgnored() throws IOException {
        try (NonceJournal journal = open(dir)) {
            for (int i = 0; i < 5; i++) {
                journal.reserve(KEY, nonce("garbage", i));
            }
        }
        Path segment = segments(dir).get(0);
        writeAt(segment, endOfRecords(segment), new byte[] {0x00, 0x00, 0x00, 0x30, 1, 2, 3, 4, 5, 6, 7, 8, 9});

        try (NonceJournal journal = open(dir)) {
            assertThat(journal.entries()).isEqualTo(5);
            assertThat(journal.reserve(KEY, nonce("after", 0))).isTrue();
        }
        try (NonceJournal journal = open(dir)) {
            assertThat(journal.entries()).isEqualTo(6);
            assertThat(journal.reserve(KEY, nonce("garbage", 4))).isFalse();
            assertThat(journal.reserve(KEY, nonce("after", 0))).isFalse();
        }
    }

    @Test
    void reservationsRotateAcrossSmallSegmentsAndAllSurviveAReopen() throws IOException {
        try (NonceJournal journal = open(dir)) {
            for (int i = 0; i < 200; i++) {
                assertThat(journal.reserve(KEY, nonce("rotate", i))).isTrue();
            }
        }
        assertThat(segments(dir).stream().filter(s -> recordOffsets(s).size() > 0)).hasSizeGreaterThanOrEqualTo(9);
        try (NonceJournal journal = open(dir)) {
            assertThat(journal.entries()).isEqualTo(200);
            for (int i = 0; i < 200; i++) {
                assertThat(journal.reserve(KEY, nonce("rotate", i))).as("nonce %d", i).isFalse();
            }
        }
    }

    @Test
    void expiredReservationsAreDroppedAndFullyExpiredSegmentsDeleted() throws IOException {
        Instant start = clock.instant();
        List<Path> oldOnly;
        try (NonceJournal journal = open(dir)) {
            for (int i = 0; i < 50; i++) {
                journal.reserve(KEY, nonce("old", i));
            }
            List<Path> written = segments(dir).stream().filter(s -> !recordOffsets(s).isEmpty()).toList();
            oldOnly = written.subList(0, written.size() - 1); // the last one is still being written
            assertThat(oldOnly).hasSizeGreaterThanOrEqualTo(2);

            clock.advance(Duration.ofMinutes(5));
            for (int i = 0; i < 10; i++) {
                journal.reserve(KEY, nonce("new", i));
            }
            clock.set(start.plus(Duration.ofMinutes(10)).plusSeconds(1));
            journal.maintain();
            assertThat(journal.entries()).isEqualTo(10);
            assertThat(oldOnly).allSatisfy(s -> assertThat(s).doesNotExist());
            assertThat(mappedFiles()).as("unmapped, so their disk space is free").noneMatch(m ->
                    oldOnly.stream().anyMatch(s -> m.contains(s.toString())));
            assertThat(journal.reserve(KEY, nonce("old", 0))).as("expired, so usable again").isTrue();
            assertThat(journal.reserve(KEY, nonce("new", 0))).isFalse();
        }

        clock.set(start.plus(Duration.ofMinutes(14)));
        try (NonceJournal journal = open(dir)) {
            assertThat(journal.entries()).as("only unexpired records are loaded").isEqualTo(11);
            assertThat(journal.reserve(KEY, nonce("old", 1))).isTrue();
        }

        clock.set(start.plus(Duration.ofMinutes(30)));
        try (NonceJournal journal = open(dir)) {
            assertThat(journal.entries()).isZero();
            assertThat(segments(dir)).as("only the new, empty segment is left").hasSize(1);
        }
    }

    @Test
    void unexpiredNoncesOfAnEarlierVersionsDatabaseAreImportedOnce() throws IOException {
        long now = clock.millis();
        Path legacy = dir.resolve("nonces.db");
        try (Database db = Database.openNonceDatabase(legacy)) {
            db.jdbi().useHandle(h -> {
                for (int i = 0; i < 3; i++) {
                    h.execute("INSERT INTO nonces (access_key, nonce, expires_at) VALUES (?, ?, ?)", KEY,
                            nonce("live", i), now + 300_000);
                    h.execute("INSERT INTO nonces (access_key, nonce, expires_at) VALUES (?, ?, ?)", KEY,
                            nonce("expired", i), now - 1);
                }
            });
        }
        try (NonceJournal journal = open(dir)) {
            assertThat(legacy).doesNotExist();
            assertThat(dir.resolve("nonces.db.imported")).exists();
            assertThat(journal.entries()).isEqualTo(3);
            assertThat(journal.reserve(KEY, nonce("live", 0))).isFalse();
            assertThat(journal.reserve(KEY, nonce("expired", 0))).isTrue();
        }
        try (NonceJournal journal = open(dir)) {
            assertThat(journal.entries()).as("from the journal, not a second import").isEqualTo(4);
            for (int i = 0; i < 3; i++) {
                assertThat(journal.reserve(KEY, nonce("live", i))).isFalse();
            }
        }
        assertThat(legacy).doesNotExist();
    }

    @Test
    void aSecondJournalOnTheSameDirectoryIsRefusedWithAClearMessage() {
        try (NonceJournal journal = open(dir)) {
            journal.reserve(KEY, nonce("first", 0));
            assertThatThrownBy(() -> open(dir))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("in use by another Upshift process")
                    .hasMessageContaining(dir.resolve("nonces").resolve("lock").toString());
            assertThat(journal.reserve(KEY, nonce("first", 1))).as("the first one is unharmed").isTrue();
        }
        try (NonceJournal journal = open(dir)) {
            assertThat(journal.entries()).isEqualTo(2);
        }
    }

    @Test
    void aDataDirectoryWhereNoJournalCanBeCreatedStopsStartUp() throws IOException {
        Files.writeString(dir.resolve("nonces"), "not a directory");
        assertThatThrownBy(() -> open(dir))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Cannot create the nonce journal directory " + dir.resolve("nonces"));
    }

    @Test
    void aSegmentOfAnUnknownFormatStopsStartUp() throws IOException {
        Files.createDirectories(dir.resolve("nonces"));
        Files.writeString(dir.resolve("nonces").resolve("segment-000000000007.log"), "UPNONCE9 from the future");
        assertThatThrownBy(() -> open(dir))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("unknown format");
    }

    @Test
    void aSegmentWhoseHeaderWasCutShortIsDeleted() throws IOException {
        Path unfinished = dir.resolve("nonces").resolve("segment-000000000003.log");
        Files.createDirectories(unfinished.getParent());
        byte[] bytes = new byte[SMALL];
        System.arraycopy("UPNO".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, bytes, 0, 4);
        Files.write(unfinished, bytes);
        try (NonceJournal journal = open(dir)) {
            assertThat(unfinished).doesNotExist();
            assertThat(segments(dir)).singleElement()
                    .satisfies(s -> assertThat(s.getFileName().toString()).isEqualTo("segment-000000000004.log"));
            assertThat(journal.reserve(KEY, nonce("fresh", 0))).isTrue();
        }
    }

    @Test
    void whenNoSegmentCanBeCreatedReservationsFailClosedAndTheNonceStaysReserved() throws IOException {
        Path moved = dir.resolve("moved");
        List<String> acknowledged = new ArrayList<>();
        try (NonceJournal journal = open(dir)) {
            journal.reserve(KEY, nonce("before", 0));
            acknowledged.add(nonce("before", 0));
            // The directory disappears: the mapped segment can still be filled, but no next one can be created.
            Files.move(dir.resolve("nonces"), moved);
            Files.writeString(dir.resolve("nonces"), "in the way");
            NonceStore.NonceStoreUnavailableException refused = null;
            for (int i = 0; i < 200 && refused == null; i++) {
                try {
                    journal.reserve(KEY, nonce("until", i));
                    acknowledged.add(nonce("until", i));
                } catch (NonceStore.NonceStoreUnavailableException e) {
                    refused = e;
                    assertThat(journal.reserve(KEY, nonce("until", i))).as("a retry is refused").isFalse();
                }
            }
            assertThat(refused).isNotNull();
            assertThat(refused.getMessage()).contains("cannot create nonce journal segment");
            assertThat(metrics.scrape()).contains("upshift_batch_failures_total{writer=\"nonce\"} 1.0");
        }
        Path restored = dir.resolve("restored");
        copyTree(moved, restored.resolve("nonces"));
        try (NonceJournal journal = open(restored)) {
            for (String n : acknowledged) {
                assertThat(journal.reserve(KEY, n)).as(n).isFalse();
            }
        }
    }

    @Test
    void aClosedJournalRefusesReservations() {
        NonceJournal journal = open(dir);
        journal.close();
        journal.close();
        assertThatThrownBy(() -> journal.reserve(KEY, nonce("late", 0)))
                .isInstanceOf(NonceStore.NonceStoreUnavailableException.class)
                .hasMessageContaining("closed");
    }

    // ---- files -------------------------------------------------------------------------------------------------

    private static List<Path> segments(Path data) throws IOException {
        try (Stream<Path> files = Files.list(data.resolve(NonceJournal.DIRECTORY))) {
            return files.filter(f -> f.getFileName().toString().startsWith("segment-")).sorted().toList();
        }
    }

    /** The lines of /proc/self/maps (empty where there is no such file). */
    private static List<String> mappedFiles() throws IOException {
        Path maps = Path.of("/proc/self/maps");
        return Files.exists(maps) ? Files.readAllLines(maps) : List.of();
    }

    /** Where each record of a segment starts, following the length fields (not checking CRCs). */
    private static List<Integer> recordOffsets(Path segment) {
        try {
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(segment));
            List<Integer> offsets = new ArrayList<>();
            int p = 8;
            while (p + 4 <= b.capacity() && b.getInt(p) != 0) {
                offsets.add(p);
                p += 4 + b.getInt(p);
            }
            return offsets;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static int endOfRecords(Path segment) throws IOException {
        List<Integer> offsets = recordOffsets(segment);
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(segment));
        int last = offsets.get(offsets.size() - 1);
        return last + 4 + b.getInt(last);
    }

    private static void writeAt(Path file, int position, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(bytes), position);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }

}
