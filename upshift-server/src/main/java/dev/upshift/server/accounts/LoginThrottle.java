package dev.upshift.server.accounts;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.EstimationProbe;
import io.github.bucket4j.TimeMeter;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * Slows down password guessing. Only failures cost: each failed sign-in takes a token from the bucket of its
 * (account, address) pair and from the bucket of its address. An empty bucket refuses further attempts, right or
 * wrong, with a wait in seconds (429 and Retry-After). Policy: 5 failures per account and address, then one more
 * every 3 minutes; 30 failures per address, then one more every 30 seconds. A success clears the pair's bucket.
 *
 * <p>Buckets live in memory (bounded, expiring), so limits are per server process; behind a load balancer with
 * several instances an attacker gets at most that many times the budget.
 */
public final class LoginThrottle {
    private static final int PAIR_CAPACITY = 5;
    private static final Duration PAIR_REFILL = Duration.ofMinutes(3);
    private static final int ADDRESS_CAPACITY = 30;
    private static final Duration ADDRESS_REFILL = Duration.ofSeconds(30);

    private final Cache<String, Bucket> buckets = Caffeine.newBuilder()
            .maximumSize(100_000).expireAfterAccess(Duration.ofHours(2)).build();
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

    /** Seconds to wait before {@code account} may try again from {@code address}, or empty when it may now. */
    public OptionalLong retryAfterSeconds(String account, String address) {
        long wait = Math.max(waitNanos(pairKey(account, address), PAIR_CAPACITY, PAIR_REFILL),
                waitNanos(addressKey(address), ADDRESS_CAPACITY, ADDRESS_REFILL));
        return wait == 0 ? OptionalLong.empty() : OptionalLong.of(Math.max(1, (wait + 999_999_999L) / 1_000_000_000L));
    }

    public void failed(String account, String address) {
        bucket(pairKey(account, address), PAIR_CAPACITY, PAIR_REFILL).tryConsume(1);
        bucket(addressKey(address), ADDRESS_CAPACITY, ADDRESS_REFILL).tryConsume(1);
    }

    public void succeeded(String account, String address) {
        buckets.invalidate(pairKey(account, address));
    }

    private long waitNanos(String key, int capacity, Duration refill) {
        EstimationProbe p = bucket(key, capacity, refill).estimateAbilityToConsume(1);
        return p.canBeConsumed() ? 0 : p.getNanosToWaitForRefill();
    }

    private Bucket bucket(String key, int capacity, Duration refill) {
        return buckets.get(key, k -> Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(capacity).refillGreedy(1, refill).build())
                .withCustomTimePrecision(time).build());
    }

    private static String pairKey(String account, String address) {
        return "p\u0000" + account.toLowerCase(Locale.ROOT) + "\u0000" + address;
    }

    private static String addressKey(String address) {
        return "a\u0000" + address;
    }
}
