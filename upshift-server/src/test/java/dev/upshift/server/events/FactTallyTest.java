package dev.upshift.server.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.upshift.server.db.Database;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Facts summed in memory: nothing lost under concurrent flushes, devices written once, failed flushes put back. */
class FactTallyTest {
    private static final ZoneId ZONE = ZoneId.of("Asia/Shanghai");

    @TempDir
    Path dir;

    static Event checked(long appId, String device, String model, long at) {
        return Event.fact(1, appId, Event.CHECKED, at, 10, 0, null, null, device, model, "", "");
    }

    @Test
    void concurrentFactsAreAllCountedWhileTheWriterFlushes() throws Exception {
        try (Database db = EventTestDatabase.open("jdbc:sqlite:" + dir.resolve("t.db"))) {
            long now = System.currentTimeMillis();
            int threads = 4;
            int perThread = 50_000;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try (EventQueue queue = new EventQueue(db, Clock.systemUTC(), ZONE, 0)) {
                CountDownLatch go = new CountDownLatch(1);
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    long seed = t;
                    done.add(pool.submit(() -> {
                        Random r = new Random(seed);
                        go.await();
                        for (int i = 0; i < perThread; i++) {
                            queue.record(checked(1 + r.nextInt(3), "dev-" + r.nextInt(500), "", now));
                            if (i % 10_000 == 0) {
                                queue.flush(); // flushes from request threads race with the writer's own
                            }
                        }
                        return null;
                    }));
                }
                go.countDown();
                for (Future<?> f : done) {
                    f.get(60, TimeUnit.SECONDS);
                }
                queue.flush();
                assertThat(queue.dropped()).isZero();
            } finally {
                pool.shutdownNow();
            }
            long day = LocalDate.ofInstant(Instant.ofEpochMilli(now), ZONE).toEpochDay();
            long counted = db.jdbi().withHandle(h -> h.createQuery("SELECT SUM(events) FROM event_daily WHERE "
                    + "event_type = 'checked' AND day = :d").bind("d", day).mapTo(Long.class).one());
            assertThat(counted).isEqualTo((long) threads * perThread);
            long devices = db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM devices").mapTo(Long.class).one());
            assertThat(devices).isEqualTo(500);
            long deviceDays = db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(DISTINCT device_key) FROM "
                    + "event_daily_devices").mapTo(Long.class).one());
            assertThat(deviceDays).isEqualTo(500);
        }
    }

    /**
     * The flush runs its batches a thousand rows at a time: a flush of several batches, ending on a full one (so its
     * last batch is empty), stores every row.
     */
    @Test
    void aFlushOfMoreRowsThanOneBatchStoresThemAll() throws Exception {
        try (Database db = EventTestDatabase.open("jdbc:sqlite:" + dir.resolve("t.db"))) {
            long now = System.currentTimeMillis();
            int keys = 2_000;
            try (EventQueue queue = new EventQueue(db, Clock.systemUTC(), ZONE, 0)) {
                for (int version = 1; version <= keys; version++) {
                    for (int n = 0; n < 1 + version % 3; n++) {
                        queue.record(Event.fact(1, 1, Event.CHECKED, now, version, 0, null, null, "dev-" + version,
                                "", "", ""));
                    }
                }
                queue.flush();
            }
            long day = LocalDate.ofInstant(Instant.ofEpochMilli(now), ZONE).toEpochDay();
            List<long[]> rows = db.jdbi().withHandle(h -> h.createQuery("SELECT version_code, events FROM event_daily "
                    + "WHERE event_type = 'checked' AND day = :d ORDER BY version_code").bind("d", day)
                    .map((rs, ctx) -> new long[] {rs.getLong(1), rs.getLong(2)}).list());
            assertThat(rows).hasSize(keys);
            for (int i = 0; i < keys; i++) {
                assertThat(rows.get(i)).containsExactly(i + 1, 1 + (i + 1) % 3);
            }
            long devices = db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM devices").mapTo(Long.class).one());
            assertThat(devices).isEqualTo(keys);
            long deviceDays = db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM event_daily_devices")
                    .mapTo(Long.class).one());
            assertThat(deviceDays).isEqualTo(keys);
        }
    }

    @Test
    void eachFlushSpacesTheNextOneByItsDurationAndAnEmptyOneKeepsTheSpacing() throws Exception {
        try (Database db = EventTestDatabase.open("jdbc:sqlite:" + dir.resolve("t.db"))) {
            long now = System.currentTimeMillis();
            // Each flush's duration with the interval it set, read inside the flush: the writer thread may flush
            // these facts before the test's own flush() does.
            List<double[]> flushes = java.util.Collections.synchronizedList(new ArrayList<>());
            try (EventQueue queue = new EventQueue(db, Clock.systemUTC(), ZONE, 0)) {
                queue.setBatchListener(took -> flushes.add(new double[]{took, queue.factFlushIntervalSeconds()}));
                for (int version = 1; version <= 20_000; version++) { // a roll-up key each: one upsert each
                    queue.record(Event.fact(1, 1, Event.CHECKED, now, version, 0, null, null, "", "", "", ""));
                }
                queue.flush();
                assertThat(flushes).isNotEmpty();
                for (double[] f : flushes) { // at least ten times the flush's own duration, 1-10 s
                    assertThat(f[1]).isGreaterThanOrEqualTo(FlushPacing.interval((long) f[0]) / 1e9).isBetween(1.0, 10.0);
                }
                double spacing = queue.factFlushIntervalSeconds();
                queue.flush(); // nothing summed since: the cost of the last flush fades over minutes, not at once
                assertThat(queue.factFlushIntervalSeconds()).isBetween(Math.max(1.0, spacing * 0.9), spacing);
            }
            long rows = db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM event_daily")
                    .mapTo(Long.class).one());
            assertThat(rows).isEqualTo(20_000);
        }
    }

    @Test
    void aDeviceIsWrittenOnceUntilItsModelChangesOrItsLastSeenIsAMinuteOld() {
        FactTally tally = new FactTally(ZONE);
        long t0 = 1_700_000_000_000L;
        tally.add(checked(1, "d1", "m1", t0));
        tally.add(checked(1, "d1", "", t0 + 5)); // no model: keeps m1
        FactTally.Drained first = tally.drain();
        assertThat(first.devices()).hasSize(1);
        assertThat(first.devices().values().iterator().next())
                .isEqualTo(new FactTally.DeviceSeen(1, "d1", "m1", t0 + 5));
        assertThat(first.deviceDays().values()).containsExactly("m1");
        assertThat(first.facts()).isEqualTo(2);
        tally.committed(first);

        tally.add(checked(1, "d1", "m1", t0 + 10));
        tally.add(checked(1, "d1", "", t0 + 20));
        FactTally.Drained second = tally.drain();
        assertThat(second.facts()).isEqualTo(2);
        assertThat(second.devices()).isEmpty();
        assertThat(second.deviceDays()).isEmpty();

        tally.add(checked(1, "d1", "m2", t0 + 30)); // a new model is written at once
        FactTally.Drained third = tally.drain();
        assertThat(third.devices().values()).extracting(FactTally.DeviceSeen::model).containsExactly("m2");
        assertThat(third.deviceDays().values()).containsExactly("m2");

        tally.add(checked(1, "d1", "", t0 + 40 + 86_400_000L)); // another day: a new device-day
        assertThat(tally.drain().deviceDays()).hasSize(1);
    }

    @Test
    void aDeviceIsWrittenAgainAMinuteAfterItsLastWriteAndWhenItReturnsToAnEarlierModel() {
        FactTally tally = new FactTally(ZONE);
        long t0 = 1_700_000_000_000L;
        tally.add(checked(1, "d1", "m1", t0));
        tally.committed(tally.drain());

        tally.add(checked(1, "d1", "", t0 + FactTally.DEVICE_REFRESH_MILLIS - 1));
        FactTally.Drained countsOnly = tally.drain();
        assertThat(countsOnly.facts()).isEqualTo(1);
        assertThat(countsOnly.devices()).as("written less than a minute ago").isEmpty();
        assertThat(countsOnly.deviceDays()).isEmpty();
        tally.add(checked(1, "d1", "", t0 + FactTally.DEVICE_REFRESH_MILLIS));
        FactTally.Drained refresh = tally.drain();
        assertThat(refresh.devices().values()).as("last_seen_at moves once a minute")
                .containsExactly(new FactTally.DeviceSeen(1, "d1", "", t0 + FactTally.DEVICE_REFRESH_MILLIS));
        assertThat(refresh.deviceDays()).as("the device-day is written already").isEmpty();
        tally.committed(refresh);

        tally.add(checked(1, "d1", "m2", t0 + 61_000));
        FactTally.Drained m2 = tally.drain();
        assertThat(m2.deviceDays().values()).containsExactly("m2");
        tally.committed(m2);
        tally.add(checked(1, "d1", "m1", t0 + 62_000));
        FactTally.Drained backToM1 = tally.drain();
        assertThat(backToM1.deviceDays().values()).containsExactly("m1");
        assertThat(backToM1.devices().values()).extracting(FactTally.DeviceSeen::model).containsExactly("m1");

        tally.add(checked(2, "d1", "m1", t0 + 63_000));
        assertThat(tally.drain().deviceDays().keySet()).as("device-days are per app")
                .containsExactly(new FactTally.DeviceDay(2, tally.day(t0), "d1"));
    }

    @Test
    void aFailedFlushPutsItsFactsBackForTheNextOne() {
        FactTally tally = new FactTally(ZONE);
        long t0 = 1_700_000_000_000L;
        for (int i = 0; i < 7; i++) {
            tally.add(checked(1, "d" + (i % 2), "", t0 + i));
        }
        FactTally.Drained failed = tally.drain();
        assertThat(tally.drain().isEmpty()).isTrue();
        tally.add(checked(1, "d0", "m", t0 + 100)); // arrives while the failed flush was running
        tally.restore(failed);
        FactTally.Drained retry = tally.drain();
        assertThat(retry.facts()).isEqualTo(8);
        assertThat(retry.devices()).hasSize(2);
        assertThat(retry.devices().get(new FactTally.TenantDevice(1, "d0")))
                .isEqualTo(new FactTally.DeviceSeen(1, "d0", "m", t0 + 100));
        assertThat(tally.dropped()).isZero();
    }

    @Test
    void theDayFollowsTheReportZoneAcrossMidnight() {
        FactTally tally = new FactTally(ZONE);
        long midnight = LocalDate.of(2026, 12, 5).atStartOfDay(ZONE).toInstant().toEpochMilli();
        assertThat(tally.day(midnight - 1)).isEqualTo(LocalDate.of(2026, 12, 4).toEpochDay());
        assertThat(tally.day(midnight)).isEqualTo(LocalDate.of(2026, 12, 5).toEpochDay());
        assertThat(tally.day(midnight - 1)).isEqualTo(LocalDate.of(2026, 12, 4).toEpochDay());
        assertThat(tally.day(midnight + 86_399_999L)).isEqualTo(LocalDate.of(2026, 12, 5).toEpochDay());
        assertThat(tally.day(midnight + 86_400_000L)).isEqualTo(LocalDate.of(2026, 12, 6).toEpochDay());
    }
}
