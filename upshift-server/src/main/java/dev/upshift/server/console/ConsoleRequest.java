package dev.upshift.server.console;

import dev.upshift.server.accounts.Principal;
import dev.upshift.server.accounts.Role;
import dev.upshift.server.catalog.App;
import dev.upshift.server.catalog.CatalogSnapshot;
import dev.upshift.server.catalog.StrategyEntry;
import dev.upshift.server.catalog.Version;
import io.javalin.http.Context;

/**
 * One signed-in console request: the Javalin context, who is asking, and the catalog snapshot the whole page reads.
 * The lookups here are the console's tenant boundary: an app, version or strategy of another tenant is "not found",
 * exactly as the admin API answers.
 */
record ConsoleRequest(Context ctx, Principal who, CatalogSnapshot snap) {

    long tenant() {
        return who.tenantId();
    }

    boolean can(Role role) {
        return who.role().atLeast(role);
    }

    /** A query parameter, or "" when absent. */
    String query(String name) {
        String v = ctx.queryParam(name);
        return v == null ? "" : v.strip();
    }

    /** The app named by the {@code appKey} path parameter, inside the caller's tenant. */
    App app() {
        String key = ctx.pathParam("appKey");
        return snap.app(key).filter(a -> a.tenantId() == who.tenantId())
                .orElseThrow(() -> ConsoleException.notFound("There is no app with key '" + key + "'."));
    }

    Version version(App app) {
        long id = pathId("versionId");
        return snap.version(id).filter(v -> v.appId() == app.id())
                .orElseThrow(() -> ConsoleException.notFound("App " + app.name() + " has no version " + id + "."));
    }

    StrategyEntry strategy(App app) {
        long id = pathId("strategyId");
        return snap.strategy(id).filter(s -> s.appId() == app.id())
                .orElseThrow(() -> ConsoleException.notFound("App " + app.name() + " has no strategy " + id + "."));
    }

    private long pathId(String name) {
        String text = ctx.pathParam(name);
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw ConsoleException.notFound("'" + text + "' is not an id.");
        }
    }
}
