package dev.upshift.server.admin;

import dev.upshift.server.accounts.Role;
import dev.upshift.server.catalog.App;
import dev.upshift.server.catalog.CatalogSnapshot;
import dev.upshift.server.catalog.CatalogStore;
import dev.upshift.server.events.EventStatistics;
import dev.upshift.server.http.Json;
import io.javalin.http.Context;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;

/**
 * {@code GET /api/admin/v1/apps/{appKey}/statistics?from=&to=[&versionId=][&strategyId=]}: the funnel, per version
 * and per strategy, adoption, active devices, device models and platforms of an app over a range of report-zone
 * days, read from the daily roll-ups ({@link EventStatistics#report}). Both dates are inclusive; without them the
 * range is the last 30 days up to today. At most {@value #MAX_DAYS} days.
 */
public final class StatisticsAdmin {
    static final int MAX_DAYS = 366;

    private final CatalogStore catalog;
    private final EventStatistics statistics;

    public StatisticsAdmin(CatalogStore catalog, EventStatistics statistics) {
        this.catalog = catalog;
        this.statistics = statistics;
    }

    /** Registers the route; the admin token filter of {@link AdminApi} covers it like every admin route. */
    public void register(AdminRoutes r) {
        r.get(AdminApi.PREFIX + "/apps/{appKey}/statistics", Role.VIEWER, this::get);
    }

    private void get(Context ctx) {
        CatalogSnapshot snap = catalog.current();
        App app = AdminApi.ownedApp(ctx, snap);
        LocalDate today = statistics.today();
        LocalDate to = date(ctx, "to", today);
        LocalDate from = date(ctx, "from", to.minusDays(29));
        if (from.isAfter(to)) {
            throw AdminApiException.invalid("Query 'from' (" + from + ") is after 'to' (" + to + ").");
        }
        long days = to.toEpochDay() - from.toEpochDay() + 1;
        if (days > MAX_DAYS) {
            throw AdminApiException.invalid("The range " + from + " to " + to + " spans " + days + " days; ask for at most "
                    + MAX_DAYS + " days at a time.");
        }
        Long versionId = id(ctx, "versionId");
        Long strategyId = id(ctx, "strategyId");
        Json.respond(ctx, 200, statistics.report(new EventStatistics.Query(app.id(), from, to, versionId, strategyId),
                snap));
    }

    private static LocalDate date(Context ctx, String name, LocalDate fallback) {
        String text = ctx.queryParam(name);
        if (text == null || text.isEmpty()) {
            return fallback;
        }
        try {
            return LocalDate.parse(text);
        } catch (DateTimeParseException e) {
            throw AdminApiException.invalid("Query '" + name + "' must be a date as YYYY-MM-DD; got '" + text + "'.");
        }
    }

    private static Long id(Context ctx, String name) {
        String text = ctx.queryParam(name);
        if (text == null || text.isEmpty()) {
            return null;
        }
        try {
            long v = Long.parseLong(text);
            if (v > 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw AdminApiException.invalid("Query '" + name + "' must be a positive integer id; got '" + text + "'.");
    }
}
