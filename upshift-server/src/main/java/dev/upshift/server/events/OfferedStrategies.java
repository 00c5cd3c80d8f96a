package dev.upshift.server.events;

import dev.upshift.server.catalog.CatalogSnapshot;
import dev.upshift.server.catalog.StrategyEntry;
import dev.upshift.server.tables.FingerprintTable;

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
    static final int MAX_REMEMBERED = 200_000;
    static final long REMEMBERED_MILLIS = 7 * 86_400_000L;

    /**
     * Written by every offer, so a fingerprint table (decision 0024): (app, device, version) to the strategy's id,
     * forgetting the oldest offers first when full. A fingerprint collision could name the strategy of another
     * device's offer of the same version, about once in 2^64 / 200 000 reports.
     */
    private final FingerprintTable lastOffer = FingerprintTable.withValues(MAX_REMEMBERED);

    void remember(Event offered) {
        if (!offered.deviceKey().isEmpty() && offered.targetVersionId() != null && offered.strategyId() != null) {
            lastOffer.put(fingerprint(offered.appId(), offered.deviceKey(), offered.targetVersionId()),
                    offered.strategyId(), System.currentTimeMillis() + REMEMBERED_MILLIS);
        }
    }

    private long fingerprint(long appId, String deviceKey, long versionId) {
        return FingerprintTable.finish(FingerprintTable.mix(FingerprintTable.mix(
                FingerprintTable.mix(lastOffer.seed(), appId), deviceKey), versionId));
    }

    /** The offering strategy's id, or null when unknown; {@code deviceKey} may be null. */
    public Long strategyOf(CatalogSnapshot snap, long appId, String deviceKey, Long versionId) {
        if (versionId == null) {
            return null;
        }
        if (deviceKey != null && !deviceKey.isEmpty()) {
            long remembered = lastOffer.get(fingerprint(appId, deviceKey, versionId), System.currentTimeMillis());
            if (remembered != FingerprintTable.ABSENT) {
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
