package dev.upshift.server.auth;

import dev.upshift.server.tables.FingerprintTable;

/**
 * The nonces a {@link NonceJournal} holds in memory: 64-bit fingerprints of the access key and nonce with their
 * expiry, in a {@link FingerprintTable} (open-addressing tables of primitive arrays, striped locks).
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
    private final FingerprintTable table = FingerprintTable.withoutValues(0); // unbounded: an unexpired nonce is never forgotten

    /** Adds the nonce, or returns false if it is already held (expired or not: until it is swept, it counts). */
    boolean addIfAbsent(String accessKey, String nonce, long expiresAtMillis) {
        return table.putIfAbsent(fingerprint(accessKey, nonce), 0, expiresAtMillis);
    }

    /** Adds the nonce or, if held, keeps the later of the two expiry times (journal replay and import). */
    void merge(String accessKey, String nonce, long expiresAtMillis) {
        table.putKeepingLater(fingerprint(accessKey, nonce), 0, expiresAtMillis);
    }

    /** Drops every nonce whose expiry is at or before {@code nowMillis}; returns how many were dropped. */
    int removeExpired(long nowMillis) {
        return table.removeExpired(nowMillis);
    }

    int size() {
        return table.size();
    }

    /** A seeded 64-bit hash of the access key and the nonce, never 0. */
    long fingerprint(String accessKey, String nonce) {
        return table.fingerprint(accessKey, nonce);
    }
}
