package dev.upshift.server.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.upshift.server.catalog.CatalogSnapshot;
import org.junit.jupiter.api.Test;

/** The last offer per (app, device, version) names the strategy of a later report; anything else is unknown. */
class OfferedStrategiesTest {
    private static final CatalogSnapshot NO_STRATEGIES = CatalogSnapshot.empty();

    private static Event offered(long appId, String device, long versionId, long strategyId) {
        return Event.fact(1, appId, Event.OFFERED, System.currentTimeMillis(), 10, 20, versionId, strategyId, device,
                "", "", "");
    }

    @Test
    void theLastOfferToTheDeviceNamesTheStrategy() {
        OfferedStrategies offers = new OfferedStrategies();
        offers.remember(offered(1, "d1", 100, 7));
        assertThat(offers.strategyOf(NO_STRATEGIES, 1, "d1", 100L)).isEqualTo(7);
        offers.remember(offered(1, "d1", 100, 8));
        assertThat(offers.strategyOf(NO_STRATEGIES, 1, "d1", 100L)).as("a later offer replaces").isEqualTo(8);
        assertThat(offers.strategyOf(NO_STRATEGIES, 1, "d2", 100L)).as("another device").isNull();
        assertThat(offers.strategyOf(NO_STRATEGIES, 2, "d1", 100L)).as("another app").isNull();
        assertThat(offers.strategyOf(NO_STRATEGIES, 1, "d1", 101L)).as("another version").isNull();
        assertThat(offers.strategyOf(NO_STRATEGIES, 1, null, 100L)).as("no device").isNull();
        assertThat(offers.strategyOf(NO_STRATEGIES, 1, "d1", null)).as("no version").isNull();
    }

    @Test
    void offersWithoutADeviceOrStrategyAreNotRemembered() {
        OfferedStrategies offers = new OfferedStrategies();
        offers.remember(offered(1, "", 100, 7));
        offers.remember(Event.fact(1, 1, Event.OFFERED, System.currentTimeMillis(), 10, 20, 100L, null, "d1", "", "",
                ""));
        assertThat(offers.strategyOf(NO_STRATEGIES, 1, "", 100L)).isNull();
        assertThat(offers.strategyOf(NO_STRATEGIES, 1, "d1", 100L)).isNull();
    }

    @Test
    void theNewestOffersAreKeptBeyondTheBound() {
        OfferedStrategies offers = new OfferedStrategies();
        int n = OfferedStrategies.MAX_REMEMBERED * 2;
        for (int i = 0; i < n; i++) {
            offers.remember(offered(1, "d" + i, 100, i));
        }
        int newest = 1_000;
        for (int i = n - newest; i < n; i++) {
            assertThat(offers.strategyOf(NO_STRATEGIES, 1, "d" + i, 100L)).isEqualTo(i);
        }
        int oldKept = 0;
        for (int i = 0; i < 1_000; i++) {
            oldKept += offers.strategyOf(NO_STRATEGIES, 1, "d" + i, 100L) == null ? 0 : 1;
        }
        assertThat(oldKept).isZero();
    }
}
