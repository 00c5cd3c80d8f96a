package dev.upshift.server.events;

import dev.upshift.server.catalog.App;
import dev.upshift.server.catalog.CatalogSnapshot;
import dev.upshift.server.catalog.CatalogStore;
import dev.upshift.server.catalog.Version;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * Turns each download counted by {@code DownloadCounter} into a {@code downloaded} fact: the version's app, code,
 * platform and arch from the catalog snapshot, the strategy when only one strategy offers that version. Downloads
 * carry no device key. A version that is no longer in the snapshot is not recorded.
 */
public final class DownloadFacts implements LongConsumer {
    private final CatalogStore catalog;
    private final EventQueue events;
    private final Clock clock;
    /** Apps by id for the snapshot they were built from; rebuilt when the snapshot changes. */
    private volatile AppIndex index = new AppIndex(null, Map.of());

    private record AppIndex(CatalogSnapshot snapshot, Map<Long, App> apps) {
    }

    public DownloadFacts(CatalogStore catalog, EventQueue events, Clock clock) {
        this.catalog = catalog;
        this.events = events;
        this.clock = clock;
    }

    @Override
    public void accept(long versionId) {
        CatalogSnapshot snap = catalog.current();
        Version v = snap.version(versionId).orElse(null);
        App app = v == null ? null : apps(snap).get(v.appId());
        if (app == null) {
            return;
        }
        events.record(Event.fact(app.tenantId(), app.id(), Event.DOWNLOADED, clock.millis(), 0, v.code(), v.id(),
                events.offers().strategyOf(snap, app.id(), null, v.id()), null, null, v.platform(), v.arch()));
    }

    private Map<Long, App> apps(CatalogSnapshot snap) {
        AppIndex i = index;
        if (i.snapshot() != snap) {
            Map<Long, App> byId = new HashMap<>();
            snap.apps().forEach(a -> byId.put(a.id(), a));
            i = new AppIndex(snap, byId);
            index = i;
        }
        return i.apps();
    }
}
