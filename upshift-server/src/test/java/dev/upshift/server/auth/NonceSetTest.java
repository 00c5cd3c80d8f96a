package dev.upshift.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class NonceSetTest {
    @Test
    void aNonceIsHeldOnceAndOnlyTheExactPairMatches() {
        NonceSet set = new NonceSet();
        assertThat(set.addIfAbsent("key", "n1", 1_000)).isTrue();
        assertThat(set.addIfAbsent("key", "n1", 2_000)).isFalse();
        assertThat(set.addIfAbsent("key", "n2", 1_000)).isTrue();
        assertThat(set.addIfAbsent("other", "n1", 1_000)).as("nonces are per access key").isTrue();
        // the separator keeps ("ab", "c") and ("a", "bc") apart
        assertThat(set.addIfAbsent("ab", "c", 1_000)).isTrue();
        assertThat(set.addIfAbsent("a", "bc", 1_000)).isTrue();
        assertThat(set.size()).isEqualTo(5);
    }

    @Test
    void mergeKeepsTheLaterExpiryAndTheSweepDropsOnlyExpired() {
        NonceSet set = new NonceSet();
        set.merge("k", "a", 1_000);
        set.merge("k", "a", 5_000);
        set.merge("k", "a", 3_000);
        set.merge("k", "b", 2_000);
        assertThat(set.removeExpired(2_000)).as("an expiry at 'now' is expired").isEqualTo(1);
        assertThat(set.addIfAbsent("k", "b", 9_000)).isTrue();
        assertThat(set.addIfAbsent("k", "a", 9_000)).as("kept until 5 000").isFalse();
        assertThat(set.removeExpired(4_999)).isZero();
        assertThat(set.removeExpired(5_000)).isEqualTo(1);
        assertThat(set.size()).isEqualTo(1);
    }

    /** Seeded random operations against a HashMap doing what the journal's map did. */
    @Test
    void behavesLikeAMapOfExpiriesUnderRandomOperations() {
        for (long seed = 1; seed <= 20; seed++) {
            Random random = new Random(seed);
            NonceSet set = new NonceSet();
            Map<String, Long> reference = new HashMap<>();
            long now = 0;
            for (int op = 0; op < 20_000; op++) {
                String key = "k" + random.nextInt(5);
                String nonce = Integer.toString(random.nextInt(3_000), 36);
                long expiresAt = now + 1 + random.nextInt(10_000);
                switch (random.nextInt(10)) {
                    case 0 -> {
                        now += random.nextInt(3_000);
                        long cutoff = now;
                        int before = reference.size();
                        reference.values().removeIf(e -> e <= cutoff);
                        assertThat(set.removeExpired(now)).as("seed %d op %d", seed, op)
                                .isEqualTo(before - reference.size());
                    }
                    case 1 -> {
                        reference.merge(key + '\n' + nonce, expiresAt, Math::max);
                        set.merge(key, nonce, expiresAt);
                    }
                    default -> assertThat(set.addIfAbsent(key, nonce, expiresAt)).as("seed %d op %d", seed, op)
                            .isEqualTo(reference.putIfAbsent(key + '\n' + nonce, expiresAt) == null);
                }
                assertThat(set.size()).isEqualTo(reference.size());
            }
        }
    }

    @Test
    void growsPastManyResizesWithoutLosingAnEntry() {
        NonceSet set = new NonceSet();
        int n = 300_000;
        for (int i = 0; i < n; i++) {
            assertThat(set.addIfAbsent("key", "nonce-" + i, 10_000)).isTrue();
        }
        assertThat(set.size()).isEqualTo(n);
        for (int i = 0; i < n; i += 7) {
            assertThat(set.addIfAbsent("key", "nonce-" + i, 10_000)).isFalse();
        }
        assertThat(set.removeExpired(10_000)).isEqualTo(n);
        assertThat(set.size()).isZero();
        assertThat(set.addIfAbsent("key", "nonce-1", 20_000)).as("the tables still work after shrinking").isTrue();
    }

    @Test
    void concurrentReservationsOfTheSameNoncesAdmitEachExactlyOnce() throws Exception {
        NonceSet set = new NonceSet();
        int threads = 8;
        int nonces = 20_000;
        AtomicInteger admitted = new AtomicInteger();
        Map<String, Boolean> winners = new ConcurrentHashMap<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < nonces; i++) {
                    if (set.addIfAbsent("key", "n" + i, 1_000)) {
                        admitted.incrementAndGet();
                        assertThat(winners.put("n" + i, true)).isNull();
                    }
                }
            });
            thread.start();
            all.add(thread);
        }
        start.countDown();
        for (Thread thread : all) {
            thread.join();
        }
        assertThat(admitted.get()).isEqualTo(nonces);
        assertThat(winners).hasSize(nonces);
        assertThat(set.size()).isEqualTo(nonces);
    }

    @Test
    void fingerprintsAreNeverTheEmptyMarkerAndDifferAcrossProcessesSeeds() {
        NonceSet a = new NonceSet();
        NonceSet b = new NonceSet();
        assertThat(a.fingerprint("key", "nonce")).isNotZero().isEqualTo(a.fingerprint("key", "nonce"))
                .isNotEqualTo(b.fingerprint("key", "nonce"));
    }
}
