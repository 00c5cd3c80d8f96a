package dev.upshift.server.accounts;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.EstimationProbe;
import io.github.bucket4j.TimeMeter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Slows down password guessing. Every attempt takes a token, before the password is hashed, from three buckets:
 * its (account, address) pair (5, then one every 3 minutes), its address (30, then one every 30 seconds) and its
 * account from anywhere (50, then one a minute). An empty bucket refuses the attempt, right or wrong, with a wait in
 * seconds (429 and Retry-After). A success gives the address and account tokens back and clears the pair, so
 * people who sign in correctly never wear the limits down. Taking the token first means parallel guesses cannot
 * slip through between the check and the charge.
 *
 * <p>IPv6 addresses count per /64, the block one subscriber usually gets. Buckets live in memory (bounded,
 * expiring), so limits are per server process. Password hashing is also capped at {@link #MAX_CONCURRENT_HASHES}
 * at once: each argon2id hash holds 19 MiB, so a flood of sign-ins cannot exhaust the heap.
 */
public final class LoginThrottle {
    static final int MAX_CONCURRENT_HASHES = 4;
    private record Limit(String prefix, int capacity, Duration refill) {
    }

    private static final Limit PAIR = new Limit("p", 5, Duration.ofMinutes(3));
    private static final Limit ADDRESS = new Limit("a", 30, Duration.ofSeconds(30));
    private static final Limit ACCOUNT = new Limit("u", 50, Duration.ofMinutes(1));

    private final Cache<String, Bucket> buckets = Caffeine.newBuilder()
            .maximumSize(200_000).expireAfterAccess(Duration.ofHours(2)).build();
    private final Semaphore hashing = new Semaphore(MAX_CONCURRENT_HASHES, true);
    private final TimeMeter time;

    public LoginThrottle(Clock clock) {
        this.time = new TimeMeter() {
            @Override
            public long currentTimeNanos() {
                return clock.millis() * 1_000_000L;
            }

            @Override
            public boolean isWallClockBased() {
                return true;
            }
        };
    }

    /**
     * Takes one attempt for {@code account} from {@code address}: empty when it may go ahead, else the seconds to
     * wait (and nothing is taken).
     */
    public synchronized OptionalLong attempt(String account, String address) {
        List<String> keys = keys(account, address);
        long wait = 0;
        for (int i = 0; i < keys.size(); i++) {
            EstimationProbe p = bucket(keys.get(i), LIMITS.get(i)).estimateAbilityToConsume(1);
            if (!p.canBeConsumed()) {
                wait = Math.max(wait, p.getNanosToWaitForRefill());
            }
        }
        if (wait > 0) {
            return OptionalLong.of(Math.max(1, (wait + 999_999_999L) / 1_000_000_000L));
        }
        for (int i = 0; i < keys.size(); i++) {
            bucket(keys.get(i), LIMITS.get(i)).tryConsume(1);
        }
        return OptionalLong.empty();
    }

    /** The attempt was right: its tokens go back and the pair starts afresh. */
    public synchronized void succeeded(String account, String address) {
        List<String> keys = keys(account, address);
        buckets.invalidate(keys.get(0));
        bucket(keys.get(1), ADDRESS).addTokens(1);
        bucket(keys.get(2), ACCOUNT).addTokens(1);
    }

    /**
     * Runs a password hash or check with at most {@link #MAX_CONCURRENT_HASHES} at once; false (nothing run) when
     * none frees up within 5 seconds.
     */
    public boolean hash(Runnable work) throws InterruptedException {
        if (!hashing.tryAcquire(5, TimeUnit.SECONDS)) {
            return false;
        }
        try {
            work.run();
            return true;
        } finally {
            hashing.release();
        }
    }

    private static final List<Limit> LIMITS = List.of(PAIR, ADDRESS, ACCOUNT);

    private static List<String> keys(String account, String address) {
        String a = account.toLowerCase(Locale.ROOT);
        String from = network(address);
        return List.of(PAIR.prefix() + "\u0000" + a + "\u0000" + from, ADDRESS.prefix() + "\u0000" + from,
                ACCOUNT.prefix() + "\u0000" + a);
    }

    /** The address itself for IPv4, its /64 for IPv6. */
    static String network(String address) {
        if (address == null || address.indexOf(':') < 0) {
            return String.valueOf(address);
        }
        try {
            byte[] b = InetAddress.getByName(address.startsWith("[") ? address.substring(1, address.length() - 1)
                    : address).getAddress();
            if (b.length != 16) {
                return address;
            }
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 8; i += 2) {
                sb.append(String.format("%02x%02x:", b[i], b[i + 1]));
            }
            return sb.append(":/64").toString();
        } catch (UnknownHostException e) {
            return address;
        }
    }

    private Bucket bucket(String key, Limit limit) {
        return buckets.get(key, k -> Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(limit.capacity()).refillGreedy(1, limit.refill()).build())
                .withCustomTimePrecision(time).build());
    }
}
