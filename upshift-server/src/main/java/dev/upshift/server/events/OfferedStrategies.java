package dev.upshift.server.events;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.upshift.server.catalog.CatalogSnapshot;
import dev.upshift.server.catalog.StrategyEntry;
import java.time.Duration;

/**
 * Best-effort answer to "which strategy offered this version to this device?", so that client reports (and
 * downloads) can be counted per strategy: the last offer seen by this process for (app, device, version), else
 * the only strategy of the app that offers the version, else unknown (null).
 *
 * <p>Why memory and not a query: the memory covers what matters (an upgrade usually follows its offer within
 * minutes) at no cost on the report path; after a restart, or for a device offered the version by two strategies
 * of which none is remembered, the strategy is unknown rather than guessed.
 */
public final class OfferedStrategies {
    private record Key(long appId, String deviceKey, long versionId) {
    }

    /**
     * Written by every offer: maintenance runs on the writing thread (amortised by Caffeine's write buffer) instead
     * of being handed to the common pool, which woke a pool thread for most checks under load.
     */
    private final Cache<Key, Long> lastOffer = Caffeine.newBuilder().executor(Runnable::run)
            .maximumSize(200_000)
            .expireAfterWrite(Duration.ofDays(7))
            .build();

    void remember(Event offered) {
        if (!offered.deviceKey().isEmpty() && offered.targetVersionId() != null && offered.strategyId() != null) {
            lastOffer.put(new Key(offered.appId(), offered.deviceKey(), offered.targetVersionId()), offered.strategyId());
        }
    }

    /** The offering strategy's id, or null when unknown; {@code deviceKey} may be null. */
    public Long strategyOf(CatalogSnapshot snap, long appId, String deviceKey, Long versionId) {
        if (versionId == null) {
            return null;
        }
        if (deviceKey != null && !deviceKey.isEmpty()) {
            Long remembered = lastOffer.getIfPresent(new Key(appId, deviceKey, versionId));
            if (remembered != null) {
                return remembered;
            }
        }
        Long only = null;
        for (StrategyEntry s : snap.strategies(appId)) {
            if (s.rule().version().id() == versionId) {
                if (only != null) {
                    return null;
                }
                only = s.id();
            }
        }
        return only;
    }
}
