package dev.upshift.server.auth;

import java.security.SecureRandom;

/**
 * The nonces a {@link NonceJournal} holds in memory: 64-bit fingerprints of {@code accessKey + '\n' + nonce} with
 * their expiry, in open-addressing tables of primitive arrays, split into stripes that each have their own lock.
 *
 * <p>Why not a {@code ConcurrentHashMap<String, Long>}: at the journal's rates it held millions of entries (rate x
 * 10 minutes) at about 150 bytes and three objects each, and every young collection copied the ones added since the
 * last: at 9 000 checks/s that was 12 MB of survivors per collection and pauses near 100 ms, the whole of the p99.
 * Here an entry is 16 bytes of arrays that the collector never traces, at most half full (about 40 bytes an entry).
 *
 * <p>A fingerprint can collide: two different nonces with one fingerprint make the second look used, and that
 * request is refused as a replay. With a random 64-bit seed per process and n nonces held, the chance for one request
 * is about n / 2^64 (5 million held: 3 x 10^-13). A collision can never let a replay through: the same access key and
 * nonce always give the same fingerprint.
 */
final class NonceSet {
    private static final int STRIPES = 64; // a power of two; far more than request threads on a small machine
    private static final int STRIPE_SHIFT = Long.SIZE - Integer.numberOfTrailingZeros(STRIPES);
    private static final int INITIAL_SLOTS = 1024; // per stripe, a power of two

    private final long seed = new SecureRandom().nextLong();
    private final Stripe[] stripes = new Stripe[STRIPES];

    NonceSet() {
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Stripe();
        }
    }

    /** Adds the nonce, or returns false if it is already held (expired or not: until it is swept, it counts). */
    boolean addIfAbsent(String accessKey, String nonce, long expiresAtMillis) {
        long fingerprint = fingerprint(accessKey, nonce);
        return stripeOf(fingerprint).put(fingerprint, expiresAtMillis, false);
    }

    /** Adds the nonce or, if held, keeps the later of the two expiry times (journal replay and import). */
    void merge(String accessKey, String nonce, long expiresAtMillis) {
        long fingerprint = fingerprint(accessKey, nonce);
        stripeOf(fingerprint).put(fingerprint, expiresAtMillis, true);
    }

    /** Drops every nonce whose expiry is at or before {@code nowMillis}; returns how many were dropped. */
    int removeExpired(long nowMillis) {
        int removed = 0;
        for (Stripe stripe : stripes) {
            removed += stripe.removeExpired(nowMillis);
        }
        return removed;
    }

    int size() {
        int size = 0;
        for (Stripe stripe : stripes) {
            size += stripe.size();
        }
        return size;
    }

    private Stripe stripeOf(long fingerprint) {
        return stripes[(int) (fingerprint >>> STRIPE_SHIFT)]; // the top bits; the slot index uses the low bits
    }

    /** A seeded 64-bit hash of {@code accessKey '\n' nonce}, never 0 (0 marks an empty slot). */
    long fingerprint(String accessKey, String nonce) {
        long h = seed;
        h = mixIn(h, accessKey);
        h = (h ^ '\n') * 0x9E3779B97F4A7C15L;
        h = mixIn(h, nonce);
        h ^= (long) (accessKey.length() + nonce.length()) << 32;
        // MurmurHash3's 64-bit finaliser: every input bit affects every output bit
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h == 0 ? 1 : h;
    }

    private static long mixIn(long h, String s) {
        for (int i = 0; i < s.length(); i++) {
            h = (h ^ s.charAt(i)) * 0x9E3779B97F4A7C15L;
            h ^= h >>> 31;
        }
        return h;
    }

    /** One lock's share: linear probing, resized at half full, compacted (expired dropped) by the sweep. */
    private static final class Stripe {
        private long[] fingerprints = new long[INITIAL_SLOTS];
        private long[] expiries = new long[INITIAL_SLOTS];
        private int size;

        synchronized boolean put(long fingerprint, long expiresAt, boolean keepLater) {
            int mask = fingerprints.length - 1;
            int slot = (int) fingerprint & mask;
            while (true) {
                long held = fingerprints[slot];
                if (held == 0) {
                    break;
                }
                if (held == fingerprint) {
                    if (keepLater && expiresAt > expiries[slot]) {
                        expiries[slot] = expiresAt;
                    }
                    return false;
                }
                slot = (slot + 1) & mask;
            }
            fingerprints[slot] = fingerprint;
            expiries[slot] = expiresAt;
            if (++size > fingerprints.length / 2) {
                rebuild(fingerprints.length * 2, Long.MIN_VALUE);
            }
            return true;
        }

        synchronized int removeExpired(long now) {
            int before = size;
            int needed = Math.max(INITIAL_SLOTS, Integer.highestOneBit(Math.max(1, size) * 4 - 1));
            rebuild(Math.min(needed, fingerprints.length), now);
            return before - size;
        }

        synchronized int size() {
            return size;
        }

        /** Re-inserts the entries that expire after {@code now} into tables of {@code slots} slots. */
        private void rebuild(int slots, long now) {
            long[] oldFingerprints = fingerprints;
            long[] oldExpiries = expiries;
            long[] newFingerprints = new long[slots];
            long[] newExpiries = new long[slots];
            int mask = slots - 1;
            int kept = 0;
            for (int i = 0; i < oldFingerprints.length; i++) {
                long fingerprint = oldFingerprints[i];
                if (fingerprint == 0 || oldExpiries[i] <= now) {
                    continue;
                }
                int slot = (int) fingerprint & mask;
                while (newFingerprints[slot] != 0) {
                    slot = (slot + 1) & mask;
                }
                newFingerprints[slot] = fingerprint;
                newExpiries[slot] = oldExpiries[i];
                kept++;
            }
            fingerprints = newFingerprints;
            expiries = newExpiries;
            size = kept;
        }
    }
}
