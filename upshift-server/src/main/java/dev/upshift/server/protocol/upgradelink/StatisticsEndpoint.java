package dev.upshift.server.protocol.upgradelink;

import dev.upshift.core.protocol.UpgradeLinkCode;
import dev.upshift.server.catalog.AccessKey;
import dev.upshift.server.catalog.App;
import dev.upshift.server.catalog.CatalogSnapshot;
import dev.upshift.server.catalog.CatalogStore;
import dev.upshift.server.events.EventStatistics;
import dev.upshift.server.http.ClientRouter;
import dev.upshift.server.http.ClientExchange;

/**
 * {@code GET /v1/app/statistics/info?appKey=}: an app's counters for the SDKs that show them (the C# SDK), signed
 * with the query in the signed URL and no body. The data comes from the daily roll-ups (see
 * {@link EventStatistics#info}); the answer is code 0, as for every other successful call that finds no update.
 */
public final class StatisticsEndpoint {
    static final String OK_MSG = "Statistics obtained";

    private final CatalogStore catalog;
    private final ClientCall calls;
    private final EventStatistics statistics;

    public StatisticsEndpoint(CatalogStore catalog, ClientCall calls, EventStatistics statistics) {
        this.catalog = catalog;
        this.calls = calls;
        this.statistics = statistics;
    }

    public void register(ClientRouter r) {
        r.get("/v1/app/statistics/info", ClientRouter.Threading.POOL, this::handle); // queries the database
    }

    private void handle(ClientExchange exchange) {
        CatalogSnapshot snap = catalog.current();
        AccessKey key = calls.authenticate(exchange, snap, calls.body(exchange));
        String appKey = exchange.queryParam("appKey");
        if (appKey == null || appKey.isEmpty()) {
            throw new ClientApiException(UpgradeLinkCode.MISSING_PARAMETER, "Missing parameter: appKey");
        }
        App app = ReportEndpoint.ownedApp(snap, key.tenantId(), appKey);
        ClientCall.respond(exchange, UpgradeLinkCode.OK, OK_MSG, "", statistics.info(app.id()));
    }
}
