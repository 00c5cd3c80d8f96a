package dev.upshift.server.tables;

import java.security.SecureRandom;

/**
 * A concurrent map from 64-bit fingerprints to a {@code long} value with an expiry time, held in open-addressing
 * tables of primitive arrays and split into stripes that each have their own lock. For the per-device and per-nonce
 * state the request path keeps: millions of small entries that live for minutes or hours.
 *
 * <p>Why not a {@code ConcurrentHashMap} or a Caffeine cache of records: at an entry of about 150-200 bytes in three
 * to five objects, every young collection copied the entries added since the last one, which made the collection
 * pauses (and so the p99 of a check) grow with the request rate, and a million devices took a few hundred MB of heap.
 * Here an entry is 24 bytes of arrays (16 without values) that the collector never traces, at most half full,
 * and a lookup is one probe into an array instead of a chain of pointers.
 *
 * <p>The key is a fingerprint ({@link #fingerprint}, seeded per table) rather than the key itself, so two keys can
 * collide: with n entries held, the chance that a new key meets an existing fingerprint is about n / 2^64 (ten
 * million held: 5 x 10^-13). Users say what a collision does to them (for nonces: a fresh request refused, never a
 * replay accepted).
 *
 * <p>Bounded tables ({@code maxEntries > 0}) forget entries when a stripe is full: the half that expires first, which
 * includes the expired ones and, for a fixed time-to-live, is the older half. Unbounded tables
 * ({@code maxEntries == 0}) grow until {@link #removeExpired} sweeps them. Values are any {@code long} but
 * {@link #ABSENT}.
 */
public final class FingerprintTable {
    /** What {@link #get} returns for a fingerprint that is not held (or has expired). */
    public static final long ABSENT = Long.MIN_VALUE;

    static final int STRIPES = 64; // far more than request threads on a small machine
    private static final int INITIAL_SLOTS = 256; // per stripe, a power of two

    private final long seed;
    private final Stripe[] stripes;
    private final int stripeShift;

    FingerprintTable(int maxEntries, boolean withValues, int stripes) {
        this(maxEntries, withValues, stripes, new SecureRandom().nextLong());
    }

    /**
     * {@code stripes} is a power of two; tests use 1 to see exactly which entries a full stripe forgets, and a fixed
     * seed to make the spread over stripes repeatable.
     */
    FingerprintTable(int maxEntries, boolean withValues, int stripes, long seed) {
        this.seed = seed;
        if (maxEntries < 0) {
            throw new IllegalArgumentException("maxEntries must be 0 (unbounded) or positive: " + maxEntries);
        }
        if (Integer.bitCount(stripes) != 1) {
            throw new IllegalArgumentException("stripes must be a power of two: " + stripes);
        }
        this.stripes = new Stripe[stripes];
        this.stripeShift = Long.SIZE - Integer.numberOfTrailingZeros(stripes);
        int perStripe = maxEntries == 0 ? Integer.MAX_VALUE : Math.max(2, (maxEntries + stripes - 1) / stripes);
        for (int i = 0; i < stripes; i++) {
            this.stripes[i] = new Stripe(perStripe, withValues);
        }
    }

    /** A table of fingerprints with a value each; {@code maxEntries} bounds it (0: unbounded). */
    public static FingerprintTable withValues(int maxEntries) {
        return new FingerprintTable(maxEntries, true, STRIPES);
    }

    /**
     * A table of fingerprints and expiries only (16 bytes an entry instead of 24): values are not stored and
     * {@link #get} answers 0 for an entry held.
     */
    public static FingerprintTable withoutValues(int maxEntries) {
        return new FingerprintTable(maxEntries, false, STRIPES);
    }

    /** The first step of a fingerprint: this table's seed, so another process (or table) fingerprints differently. */
    public long seed() {
        return seed;
    }

    /** Adds one string to a fingerprint in progress; its length goes in too, so ("ab","c") and ("a","bc") differ. */
    public static long mix(long h, String s) {
        for (int i = 0; i < s.length(); i++) {
            h = (h ^ s.charAt(i)) * 0x9E3779B97F4A7C15L;
            h ^= h >>> 31;
        }
        return mix(h, s.length());
    }

    /** Adds one number to a fingerprint in progress. */
    public static long mix(long h, long v) {
        h = (h ^ v) * 0x9E3779B97F4A7C15L;
        return h ^ (h >>> 29);
    }

    /** Ends a fingerprint: MurmurHash3's 64-bit finaliser (every input bit affects every output bit), never 0. */
    public static long finish(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h == 0 ? 1 : h; // 0 marks an empty slot
    }

    /** A fingerprint of two strings under this table's seed. */
    public long fingerprint(String a, String b) {
        return finish(mix(mix(seed, a), b));
    }

    /** The value held for the fingerprint if it expires after {@code nowMillis}, else {@link #ABSENT}. */
    public long get(long fingerprint, long nowMillis) {
        return stripeOf(fingerprint).get(fingerprint, nowMillis);
    }

    /**
     * Adds the entry unless the fingerprint is held; an expired entry still counts as held until
     * {@link #removeExpired} drops it (so a nonce is refused for as long as the journal keeps it). Returns whether it
     * was added.
     */
    public boolean putIfAbsent(long fingerprint, long value, long expiresAtMillis) {
        check(fingerprint, value, expiresAtMillis);
        return stripeOf(fingerprint).put(fingerprint, value, expiresAtMillis, Mode.IF_ABSENT);
    }

    /** Adds the entry or replaces the value and expiry of the one held. */
    public void put(long fingerprint, long value, long expiresAtMillis) {
        check(fingerprint, value, expiresAtMillis);
        stripeOf(fingerprint).put(fingerprint, value, expiresAtMillis, Mode.REPLACE);
    }

    /** Adds the entry or, if held, keeps the later of the two expiry times (and the value that goes with it). */
    public void putKeepingLater(long fingerprint, long value, long expiresAtMillis) {
        check(fingerprint, value, expiresAtMillis);
        stripeOf(fingerprint).put(fingerprint, value, expiresAtMillis, Mode.KEEP_LATER);
    }

    /** Drops every entry whose expiry is at or before {@code nowMillis}; returns how many were dropped. */
    public int removeExpired(long nowMillis) {
        int removed = 0;
        for (Stripe stripe : stripes) {
            removed += stripe.removeExpired(nowMillis);
        }
        return removed;
    }

    /** Entries held, expired ones included until they are swept. */
    public int size() {
        int size = 0;
        for (Stripe stripe : stripes) {
            size += stripe.size();
        }
        return size;
    }

    /** Slots across the stripes, held or free (what the arrays are sized for). */
    int slots() {
        int slots = 0;
        for (Stripe stripe : stripes) {
            slots += stripe.slots();
        }
        return slots;
    }

    /** What the tables cannot hold: 0 marks an empty slot, ABSENT is get's "not held", MIN_VALUE is "never kept". */
    private static void check(long fingerprint, long value, long expiresAt) {
        if (fingerprint == 0) {
            throw new IllegalArgumentException("fingerprint 0 marks an empty slot; make fingerprints with finish()");
        }
        if (value == ABSENT) {
            throw new IllegalArgumentException("ABSENT (Long.MIN_VALUE) cannot be stored: get could not tell it apart");
        }
        if (expiresAt == Long.MIN_VALUE) {
            throw new IllegalArgumentException("an expiry of Long.MIN_VALUE cannot be stored");
        }
    }

    private Stripe stripeOf(long fingerprint) {
        // The top bits (none for one stripe: a shift by 64 is a shift by 0, hence the mask); slots use the low bits.
        return stripes[(int) (fingerprint >>> stripeShift) & (stripes.length - 1)];
    }

    private enum Mode { IF_ABSENT, REPLACE, KEEP_LATER }

    /**
     * One lock's share: linear probing, resized at half full, compacted (expired dropped) by a sweep. An entry's
     * fingerprint, expiry and value sit next to each other in one array, so a lookup in a table larger than the CPU
     * caches costs one cache miss (and one page walk) where three parallel arrays cost up to three.
     */
    private static final class Stripe {
        private static final int EXPIRY = 1;
        private static final int VALUE = 2;

        private final int maxEntries;
        private final int width; // longs an entry: fingerprint, expiry, and the value in a table with values
        private long[] entries;
        private int slots; // entries that fit, a power of two
        private int size;

        Stripe(int maxEntries, boolean withValues) {
            this.maxEntries = maxEntries;
            this.width = withValues ? 3 : 2;
            this.slots = INITIAL_SLOTS;
            this.entries = new long[INITIAL_SLOTS * width];
        }

        synchronized long get(long fingerprint, long now) {
            int mask = slots - 1;
            for (int slot = (int) fingerprint & mask; ; slot = (slot + 1) & mask) {
                int at = slot * width;
                long held = entries[at];
                if (held == 0) {
                    return ABSENT;
                }
                if (held == fingerprint) {
                    return entries[at + EXPIRY] <= now ? ABSENT : width == 2 ? 0 : entries[at + VALUE];
                }
            }
        }

        synchronized boolean put(long fingerprint, long value, long expiresAt, Mode mode) {
            int mask = slots - 1;
            int at;
            for (int slot = (int) fingerprint & mask; ; slot = (slot + 1) & mask) {
                at = slot * width;
                long held = entries[at];
                if (held == 0) {
                    break;
                }
                if (held == fingerprint) {
                    if (mode == Mode.REPLACE || mode == Mode.KEEP_LATER && expiresAt > entries[at + EXPIRY]) {
                        set(entries, at, fingerprint, expiresAt, value);
                    }
                    return false;
                }
            }
            if (size >= maxEntries) {
                makeRoom();
                put(fingerprint, value, expiresAt, mode); // the table changed: probe again
                return true;
            }
            set(entries, at, fingerprint, expiresAt, value);
            if (++size > slots / 2) {
                rebuild(slots * 2, Long.MIN_VALUE, 0, 0);
            }
            return true;
        }

        private void set(long[] into, int at, long fingerprint, long expiresAt, long value) {
            into[at] = fingerprint;
            into[at + EXPIRY] = expiresAt;
            if (width > VALUE) {
                into[at + VALUE] = value;
            }
        }

        /**
         * A full bounded stripe forgets the half of its entries that expire first (expired ones are among them), of
         * entries expiring at the same time as many as it takes. Sorting the expiries costs O(n log n) once per n/2
         * additions, under the stripe's lock: for a stripe of 15 625 entries (a table of a million) about a
         * millisecond in which that stripe's callers wait, once per 7 800 additions to it.
         */
        private void makeRoom() {
            long[] sorted = new long[size];
            int n = 0;
            for (int at = 0; at < entries.length; at += width) {
                if (entries[at] != 0) {
                    sorted[n++] = entries[at + EXPIRY];
                }
            }
            java.util.Arrays.sort(sorted);
            int drop = Math.max(1, size / 2);
            long cut = sorted[drop - 1]; // the last expiry dropped
            int below = 0; // entries expiring before the cut: all go, then as many at the cut as make up the half
            while (sorted[below] < cut) {
                below++;
            }
            rebuild(slots, cut - 1, cut, drop - below);
        }

        /**
         * Drops expired entries in place and shrinks only a table at most an eighth full (to a quarter full). Why
         * not rebuild: the sweep runs every minute, and a fresh array per stripe each time made the nonce table's
         * whole size (hundreds of MB at tens of thousands of checks a second) in new arrays a minute, mostly
         * humongous regions for G1, so the heap kept growing and shrinking and requests paid for first-touch page
         * faults. Shrinking to half full, as before, also made a table at a steady size shrink and grow back every
         * minute.
         */
        synchronized int removeExpired(long now) {
            int before = size;
            for (int slot = 0; slot < slots; ) {
                int at = slot * width;
                if (entries[at] != 0 && entries[at + EXPIRY] <= now) {
                    delete(slot); // may move a later entry into this slot: look at it again
                } else {
                    slot++;
                }
            }
            if (slots > INITIAL_SLOTS && (long) size * 8 <= slots) {
                int quarterFull = Integer.highestOneBit(Math.max(1, size) * 4 - 1) * 2; // a power of two >= 4 x size
                rebuild(Math.max(INITIAL_SLOTS, quarterFull), Long.MIN_VALUE, 0, 0);
            }
            return before - size;
        }

        /**
         * Empties a slot of this linear-probing table without a tombstone (Knuth's algorithm R): each later entry of
         * the cluster whose home slot does not lie cyclically after the hole moves back into it.
         */
        private void delete(int slot) {
            int mask = slots - 1;
            int hole = slot;
            entries[hole * width] = 0;
            size--;
            for (int next = (hole + 1) & mask; entries[next * width] != 0; next = (next + 1) & mask) {
                int home = (int) entries[next * width] & mask;
                boolean staysAfterHole = hole <= next ? hole < home && home <= next : hole < home || home <= next;
                if (!staysAfterHole) {
                    System.arraycopy(entries, next * width, entries, hole * width, width);
                    entries[next * width] = 0;
                    hole = next;
                }
            }
        }

        synchronized int size() {
            return size;
        }

        synchronized int slots() {
            return slots;
        }

        /**
         * Re-inserts into a table of {@code newSlots} slots the entries that expire after {@code now}, except the
         * first {@code tieDrops} of those that expire at {@code tieExpiry}.
         */
        private void rebuild(int newSlots, long now, long tieExpiry, int tieDrops) {
            long[] old = entries;
            long[] fresh = new long[newSlots * width];
            int mask = newSlots - 1;
            int kept = 0;
            for (int at = 0; at < old.length; at += width) {
                long fingerprint = old[at];
                long expiry = old[at + EXPIRY];
                if (fingerprint == 0 || expiry <= now) {
                    continue;
                }
                if (tieDrops > 0 && expiry == tieExpiry) {
                    tieDrops--;
                    continue;
                }
                int slot = (int) fingerprint & mask;
                while (fresh[slot * width] != 0) {
                    slot = (slot + 1) & mask;
                }
                set(fresh, slot * width, fingerprint, expiry, width > VALUE ? old[at + VALUE] : 0);
                kept++;
            }
            entries = fresh;
            slots = newSlots;
            size = kept;
        }
    }
}
