package dev.upshift.server.tables;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class FingerprintTableTest {
    private record Entry(long value, long expiresAt) {
    }

    @Test
    void getAnswersTheValueUntilItExpiresAndPutReplacesIt() {
        FingerprintTable table = FingerprintTable.withValues(0);
        long fp = table.fingerprint("app", "device");
        assertThat(table.get(fp, 0)).isEqualTo(FingerprintTable.ABSENT);
        table.put(fp, 42, 1_000);
        assertThat(table.get(fp, 999)).isEqualTo(42);
        assertThat(table.get(fp, 1_000)).as("an expiry at 'now' is expired").isEqualTo(FingerprintTable.ABSENT);
        table.put(fp, 7, 2_000);
        assertThat(table.get(fp, 1_500)).isEqualTo(7);
        assertThat(table.putIfAbsent(fp, 9, 5_000)).isFalse();
        assertThat(table.get(fp, 1_500)).as("putIfAbsent leaves a held entry alone").isEqualTo(7);
        table.putKeepingLater(fp, 8, 1_800);
        assertThat(table.get(fp, 1_900)).as("an earlier expiry does not replace").isEqualTo(7);
        table.putKeepingLater(fp, 8, 3_000);
        assertThat(table.get(fp, 2_500)).isEqualTo(8);
        assertThat(table.size()).isEqualTo(1);
    }

    @Test
    void aTableWithoutValuesAnswersZeroForAnEntryHeld() {
        FingerprintTable table = FingerprintTable.withoutValues(0);
        long fp = table.fingerprint("k", "n");
        assertThat(table.putIfAbsent(fp, 123, 1_000)).isTrue();
        assertThat(table.get(fp, 0)).isZero();
        assertThat(table.putIfAbsent(fp, 0, 1_000)).isFalse();
        assertThat(table.removeExpired(1_000)).isEqualTo(1);
        assertThat(table.get(fp, 0)).isEqualTo(FingerprintTable.ABSENT);
    }

    @Test
    void fingerprintsKeepTheirPartsApartAndDependOnTheSeed() {
        FingerprintTable a = FingerprintTable.withoutValues(0);
        FingerprintTable b = FingerprintTable.withoutValues(0);
        assertThat(a.fingerprint("ab", "c")).isNotEqualTo(a.fingerprint("a", "bc"));
        assertThat(a.fingerprint("", "x")).isNotEqualTo(a.fingerprint("x", ""));
        assertThat(a.fingerprint("k", "n")).isEqualTo(a.fingerprint("k", "n")).isNotEqualTo(b.fingerprint("k", "n"));
        assertThat(FingerprintTable.finish(0)).isNotZero();
        Set<Long> seen = new HashSet<>();
        for (long app = 0; app < 100; app++) {
            for (int device = 0; device < 1_000; device++) {
                seen.add(FingerprintTable.finish(FingerprintTable.mix(FingerprintTable.mix(a.seed(), app), "d" + device)));
            }
        }
        assertThat(seen).as("no collision among 100 000 near-identical keys").hasSize(100_000);
    }

    /** Seeded random operations against a HashMap with the same semantics, unbounded (no entry may be lost). */
    @Test
    void behavesLikeAMapOfValuesAndExpiriesUnderRandomOperations() {
        for (long seed = 1; seed <= 20; seed++) {
            Random random = new Random(seed);
            // One stripe (many resizes and collisions) and the real striping: a sweep deletes in every stripe.
            FingerprintTable table = new FingerprintTable(0, true, seed % 2 == 0 ? 1 : FingerprintTable.STRIPES);
            Map<Long, Entry> reference = new HashMap<>();
            long now = 0;
            for (int op = 0; op < 20_000; op++) {
                long fp = table.fingerprint("k" + random.nextInt(5), Integer.toString(random.nextInt(3_000), 36));
                long value = random.nextInt(1_000);
                long expiresAt = now + 1 + random.nextInt(10_000);
                Entry held = reference.get(fp);
                switch (random.nextInt(100) == 0 ? 0 : 1 + random.nextInt(5)) {
                    case 0 -> {
                        now += random.nextInt(3_000);
                        long cutoff = now;
                        int before = reference.size();
                        reference.values().removeIf(e -> e.expiresAt() <= cutoff);
                        assertThat(table.removeExpired(now)).isEqualTo(before - reference.size());
                    }
                    case 1 -> {
                        assertThat(table.putIfAbsent(fp, value, expiresAt)).isEqualTo(held == null);
                        reference.putIfAbsent(fp, new Entry(value, expiresAt));
                    }
                    case 2 -> {
                        table.put(fp, value, expiresAt);
                        reference.put(fp, new Entry(value, expiresAt));
                    }
                    case 3 -> {
                        table.putKeepingLater(fp, value, expiresAt);
                        if (held == null || expiresAt > held.expiresAt()) {
                            reference.put(fp, new Entry(value, expiresAt));
                        }
                    }
                    default -> assertThat(table.get(fp, now)).isEqualTo(
                            held == null || held.expiresAt() <= now ? FingerprintTable.ABSENT : held.value());
                }
            }
            assertThat(table.size()).isEqualTo(reference.size());
        }
    }

    /**
     * The sweep deletes in place: a cluster that wraps around the end of the slots loses entries from its middle and
     * both ends, and every entry left must still be found where a lookup starts, at its home slot.
     */
    @Test
    void sweepingInPlaceKeepsEveryEntryOfAClusterThatWrapsAroundReachable() {
        FingerprintTable table = new FingerprintTable(0, true, 1);
        // One stripe of 256 slots: a fingerprint's home slot is its low 8 bits. Inserted in this order they fill
        // slots 254, 255, 0, 1, 2, 3, 4, 5.
        long[] fingerprints = {254, 510, 255, 511, 767, 256, 1, 512};
        long[] expiries = {10, 100, 10, 100, 100, 10, 100, 10};
        for (int i = 0; i < fingerprints.length; i++) {
            assertThat(table.putIfAbsent(fingerprints[i], i, expiries[i])).isTrue();
        }
        assertThat(table.removeExpired(10)).isEqualTo(4);
        assertThat(table.size()).isEqualTo(4);
        for (int i = 0; i < fingerprints.length; i++) {
            assertThat(table.get(fingerprints[i], 20)).as("fingerprint %d", fingerprints[i])
                    .isEqualTo(expiries[i] > 10 ? i : FingerprintTable.ABSENT);
            assertThat(table.putIfAbsent(fingerprints[i], 99, 200)).isEqualTo(expiries[i] <= 10);
        }
        assertThat(table.size()).isEqualTo(8);
    }

    /**
     * Across the end of the slots an entry after the hole may stay or move back, on both sides of the wrap: one whose
     * home is after the hole (255 and 511, home 255) and one whose home is at or before its slot (256, home 0, in
     * slot 1 behind 511) stay where they are when 254 goes, and must still be found.
     */
    @Test
    void aDeletionBeforeTheWrapKeepsEntriesWhoseHomeIsAfterTheHole() {
        FingerprintTable table = new FingerprintTable(0, true, 1);
        long[] fingerprints = {254, 255, 511, 256}; // slots 254, 255, 0, 1
        for (int i = 0; i < fingerprints.length; i++) {
            table.put(fingerprints[i], i, i == 0 ? 10 : 100);
        }
        assertThat(table.removeExpired(10)).isEqualTo(1);
        assertThat(table.get(254, 20)).isEqualTo(FingerprintTable.ABSENT);
        for (int i = 1; i < fingerprints.length; i++) {
            assertThat(table.get(fingerprints[i], 20)).as("fingerprint %d", fingerprints[i]).isEqualTo(i);
        }
        // Deleting 255 now must move 511 back into slot 255 and 256 into slot 0, or lookups from their homes miss.
        table.put(255, 1, 30);
        assertThat(table.removeExpired(30)).isEqualTo(1);
        assertThat(table.get(511, 40)).isEqualTo(2);
        assertThat(table.get(256, 40)).isEqualTo(3);
        assertThat(table.size()).isEqualTo(2);
    }

    /** A sweep that leaves a table at most an eighth full shrinks it, and the table still answers for what it holds. */
    @Test
    void aSweepShrinksATableLeftNearlyEmpty() {
        FingerprintTable table = new FingerprintTable(0, true, 1);
        for (long fp = 1; fp <= 10_000; fp++) {
            table.put(FingerprintTable.finish(fp), fp, fp <= 100 ? 1_000 : 10);
        }
        assertThat(table.removeExpired(10)).isEqualTo(9_900);
        for (long fp = 1; fp <= 10_000; fp++) {
            assertThat(table.get(FingerprintTable.finish(fp), 20)).isEqualTo(fp <= 100 ? fp : FingerprintTable.ABSENT);
        }
        assertThat(table.size()).isEqualTo(100);
        assertThat(table.slots()).isEqualTo(512); // 100 entries a quarter full at most: from 32 768 slots
    }

    @Test
    void aFullStripeForgetsTheHalfThatExpiresFirst() {
        FingerprintTable table = new FingerprintTable(100, true, 1);
        List<Long> fingerprints = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            long fp = table.fingerprint("device", Integer.toString(i));
            fingerprints.add(fp);
            table.put(fp, i, 1_000L + (i * 37 % 100)); // expiries 1 000-1 099 in a scrambled order
        }
        assertThat(table.size()).isEqualTo(100);
        long newest = table.fingerprint("device", "new");
        table.put(newest, -1, 5_000);
        assertThat(table.size()).isEqualTo(51);
        assertThat(table.get(newest, 0)).isEqualTo(-1);
        for (int i = 0; i < 100; i++) {
            boolean expiresLate = i * 37 % 100 >= 50;
            assertThat(table.get(fingerprints.get(i), 0) != FingerprintTable.ABSENT).as("entry %d", i).isEqualTo(expiresLate);
        }
        // Updating a held entry never evicts anything, even in a full stripe.
        for (int i = 0; table.size() < 100; i++) {
            table.put(table.fingerprint("filler", Integer.toString(i)), i, 10_000);
        }
        table.put(newest, -2, 6_000);
        assertThat(table.size()).isEqualTo(100);
        assertThat(table.get(newest, 0)).isEqualTo(-2);
    }

    @Test
    void entriesExpiringTogetherAreHalvedRatherThanAllForgotten() {
        FingerprintTable table = new FingerprintTable(64, false, 1);
        for (int i = 0; i < 64; i++) {
            table.put(table.fingerprint("day", Integer.toString(i)), 0, 86_400_000L); // one expiry, as for a day
        }
        table.put(table.fingerprint("day", "one more"), 0, 86_400_000L);
        assertThat(table.size()).isEqualTo(33);
        int held = 0;
        for (int i = 0; i < 64; i++) {
            held += table.get(table.fingerprint("day", Integer.toString(i)), 0) == FingerprintTable.ABSENT ? 0 : 1;
        }
        assertThat(held).isEqualTo(32);
    }

    @Test
    void aFullStripeDropsExpiredEntriesBeforeLiveOnes() {
        FingerprintTable table = new FingerprintTable(32, true, 1);
        List<Long> live = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            long fp = table.fingerprint("x", Integer.toString(i));
            boolean isLive = i % 100 == 0;
            table.put(fp, i, isLive ? 1_000_000 : 10);
            if (isLive) {
                live.add(fp);
            }
            assertThat(table.size()).isLessThanOrEqualTo(32);
        }
        assertThat(live).allSatisfy(fp -> assertThat(table.get(fp, 100)).isNotEqualTo(FingerprintTable.ABSENT));
    }

    @Test
    void aBoundedStripedTableStaysWithinItsBoundAndKeepsTheNewest() {
        int bound = FingerprintTable.STRIPES * 100;
        FingerprintTable table = new FingerprintTable(bound, true, FingerprintTable.STRIPES, 42); // a fixed spread
        List<Long> fingerprints = new ArrayList<>();
        for (int i = 0; i < 10 * bound; i++) {
            long fp = table.fingerprint("device", Integer.toString(i));
            fingerprints.add(fp);
            table.put(fp, i, 1_000_000L + i); // a fixed time-to-live: later entries expire later
            assertThat(table.size()).isLessThanOrEqualTo(bound);
        }
        long newestKept = fingerprints.subList(fingerprints.size() - bound / 4, fingerprints.size()).stream()
                .filter(fp -> table.get(fp, 0) != FingerprintTable.ABSENT).count();
        long oldestKept = fingerprints.subList(0, fingerprints.size() / 2).stream()
                .filter(fp -> table.get(fp, 0) != FingerprintTable.ABSENT).count();
        // Each stripe keeps at least the newer half of its bound, and about 25 of the newest quarter fall into each.
        assertThat(newestKept).isEqualTo(bound / 4);
        assertThat(oldestKept).isZero();
    }

    @Test
    void concurrentPutIfAbsentAdmitsEachFingerprintExactlyOnce() throws Exception {
        FingerprintTable table = FingerprintTable.withoutValues(0);
        int threads = 8;
        int keys = 50_000;
        AtomicInteger admitted = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        List<Throwable> failures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread worker = new Thread(() -> {
                try {
                    go.await();
                    for (int i = 0; i < keys; i++) {
                        if (table.putIfAbsent(table.fingerprint("k", Integer.toString(i)), 0, Long.MAX_VALUE)) {
                            admitted.incrementAndGet();
                        }
                    }
                } catch (Throwable e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                }
            });
            workers.add(worker);
            worker.start();
        }
        go.countDown();
        for (Thread worker : workers) {
            worker.join();
        }
        assertThat(failures).isEmpty();
        assertThat(admitted.get()).isEqualTo(keys);
        assertThat(table.size()).isEqualTo(keys);
    }

    @Test
    void whatTheTablesCannotHoldIsRefused() {
        assertThatThrownBy(() -> FingerprintTable.withValues(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxEntries");
        assertThatThrownBy(() -> new FingerprintTable(0, true, 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("power of two");
        assertThatThrownBy(() -> FingerprintTable.withValues(0).put(1, FingerprintTable.ABSENT, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot be stored");
        assertThatThrownBy(() -> FingerprintTable.withValues(0).put(0, 1, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty slot");
        assertThatThrownBy(() -> FingerprintTable.withoutValues(0).putIfAbsent(1, 0, Long.MIN_VALUE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expiry");
    }
}
