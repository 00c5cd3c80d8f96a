package dev.upshift.server.console;

import static j2html.TagCreator.a;
import static j2html.TagCreator.div;
import static j2html.TagCreator.p;

import dev.upshift.server.accounts.Principal;
import dev.upshift.server.accounts.Role;
import dev.upshift.server.accounts.SessionLookup;
import dev.upshift.server.catalog.CatalogStore;
import dev.upshift.server.db.Database;
import dev.upshift.server.events.EventStatistics;
import dev.upshift.server.http.Json;
import dev.upshift.server.protocol.upgradelink.DownloadLinks;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web console under {@code /console}: server-rendered HTML pages, a little htmx, one script and one stylesheet.
 *
 * <h2>How it works</h2>
 * Every console route is a GET. A page reads the catalog snapshot and the database, always inside the signed-in
 * user's tenant, and renders HTML with j2html (which escapes all text and attributes). Every change is made by
 * {@code console.js} calling the JSON admin API under {@code /api/admin/v1} with the session cookie and the
 * {@code X-CSRF-Token} header from the page's {@code csrf-token} meta tag, so roles, validation and the audit log
 * are enforced in one place. The console hides the controls a role cannot use; the API refuses them anyway.
 *
 * <h2>What every response carries</h2>
 * A strict Content-Security-Policy (no inline script or style, no framing), {@code nosniff}, a same-origin referrer,
 * and {@code Cache-Control: no-store} on pages; assets are cached for a year under a URL that names their hash.
 *
 * <h2>Without a session</h2>
 * A page answers 303 to {@code /console/setup} while the installation has no owner, else to
 * {@code /console/login?next=<page>}; an htmx request gets {@code HX-Redirect} instead, so the sign-in page is not
 * swapped into a fragment.
 */
public final class Console {
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
    private static final Logger LOG = LoggerFactory.getLogger(Console.class);

    /** A view of one signed-in page. */
    interface View {
        Page render(ConsoleRequest req);
    }

    private final SessionLookup sessions;
    private final CatalogStore catalog;
    private final ConsoleAssets assets;
    private final Layout layout;
    private final SignInPages signIn;
    private final AppPages apps;
    private final VersionPages versions;
    private final StrategyPages strategies;
    private final DevicePages devices;
    private final AccessKeyPages accessKeys;
    private final AccountPages accounts;
    private final AuditPages audit;

    public Console(CatalogStore catalog, Database db, EventStatistics statistics, DownloadLinks links,
                   SessionLookup sessions, Clock clock) {
        this.sessions = sessions;
        this.catalog = catalog;
        this.assets = new ConsoleAssets();
        this.layout = new Layout(assets);
        this.signIn = new SignInPages(layout);
        this.apps = new AppPages(statistics);
        this.versions = new VersionPages(links);
        this.strategies = new StrategyPages(db, clock);
        this.devices = new DevicePages(db);
        this.accessKeys = new AccessKeyPages(db);
        this.accounts = new AccountPages(db, clock);
        this.audit = new AuditPages(db);
    }

    /** Registers the console's routes, all GET. */
    public void register(RoutesConfig r) {
        r.get("/", ctx -> redirect(ctx, "/console/"));
        r.get(ConsoleAssets.PREFIX + "{version}/{name}", assets::serve);
        r.get("/console/login", this::login);
        r.get("/console/setup", this::setup);
        page(r, "/console/", Role.VIEWER, apps::list); // also answers /console: Javalin ignores trailing slashes
        page(r, "/console/apps", Role.VIEWER, apps::list);
        page(r, "/console/apps/{appKey}", Role.VIEWER, apps::dashboard);
        page(r, "/console/apps/{appKey}/versions", Role.VIEWER, versions::list);
        page(r, "/console/apps/{appKey}/versions/new", Role.PUBLISHER, versions::create);
        page(r, "/console/apps/{appKey}/versions/{versionId}", Role.VIEWER, versions::detail);
        page(r, "/console/apps/{appKey}/strategies", Role.VIEWER, strategies::list);
        page(r, "/console/apps/{appKey}/strategies/new", Role.ADMIN, strategies::create);
        page(r, "/console/apps/{appKey}/strategies/{strategyId}", Role.VIEWER, strategies::edit);
        page(r, "/console/devices", Role.VIEWER, devices::devices);
        page(r, "/console/device-groups", Role.VIEWER, devices::groups);
        page(r, "/console/device-models", Role.VIEWER, devices::models);
        page(r, "/console/access-keys", Role.VIEWER, accessKeys::list);
        page(r, "/console/users", AccountPages.USERS_READ, accounts::users);
        page(r, "/console/tokens", Role.VIEWER, accounts::tokens);
        page(r, "/console/audit", Role.ADMIN, audit::list);
        r.get("/console/*", ctx -> signedIn(ctx, Role.VIEWER, req -> {
            throw ConsoleException.notFound("There is no console page at " + ctx.path() + ".");
        }));
    }

    private void page(RoutesConfig r, String path, Role least, View view) {
        r.get(path, ctx -> signedIn(ctx, least, view));
    }

    private void signedIn(Context ctx, Role least, View view) {
        securityHeaders(ctx);
        ctx.header("Cache-Control", "no-store");
        ctx.header("Vary", "Cookie, HX-Request");
        Optional<Principal> who = sessions.fromSession(ctx);
        if (who.isEmpty()) {
            toSignIn(ctx);
            return;
        }
        Principal p = who.get();
        try {
            if (!p.role().atLeast(least)) {
                throw ConsoleException.forbidden("This page needs the " + least.wireName() + " role or higher; you are "
                        + p.role().wireName() + ".");
            }
            Page page = view.render(new ConsoleRequest(ctx, p, catalog.current()));
            boolean fragment = page.partial() != null && ctx.header("HX-Request") != null
                    && ctx.header("HX-History-Restore-Request") == null;
            html(ctx, 200, fragment ? page.partial().render() : layout.page(page, p));
        } catch (ConsoleException e) {
            html(ctx, e.status(), layout.page(problem(e.status(), e.getMessage()), p));
        } catch (RuntimeException e) {
            LOG.error("console page {} failed", ctx.path(), e);
            html(ctx, 500, layout.page(problem(500, "Something went wrong on the server; the log has the details."), p));
        }
    }

    private static Page problem(int status, String message) {
        String title = switch (status) {
            case 403 -> "Not allowed";
            case 404 -> "Not found";
            case 400 -> "Cannot show this page";
            default -> "Server error";
        };
        return new Page(title, Page.Section.NONE, div(p(message), p(a("Back to the apps").withHref("/console/"))));
    }

    private void toSignIn(Context ctx) {
        String target;
        if (sessions.setupNeeded()) {
            target = "/console/setup";
        } else {
            String here = ctx.path() + (ctx.queryString() == null ? "" : "?" + ctx.queryString());
            target = "/console/login" + (here.equals("/console/") ? "" : "?next=" + Html.enc(here));
        }
        if (ctx.header("HX-Request") != null) {
            ctx.header("HX-Redirect", target);
            text(ctx, 401, "Sign in first.");
        } else {
            redirect(ctx, target);
        }
    }

    private void login(Context ctx) {
        securityHeaders(ctx);
        ctx.header("Cache-Control", "no-store");
        if (sessions.setupNeeded()) {
            redirect(ctx, "/console/setup");
        } else if (sessions.fromSession(ctx).isPresent()) {
            redirect(ctx, "/console/");
        } else {
            html(ctx, 200, signIn.login());
        }
    }

    private void setup(Context ctx) {
        securityHeaders(ctx);
        ctx.header("Cache-Control", "no-store");
        if (!sessions.setupNeeded()) {
            redirect(ctx, "/console/login");
        } else {
            html(ctx, 200, signIn.setup());
        }
    }

    /** The headers every console response carries. */
    static void securityHeaders(Context ctx) {
        ctx.header("Content-Security-Policy", CSP);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "same-origin");
    }

    private static void redirect(Context ctx, String location) {
        securityHeaders(ctx);
        ctx.header("Cache-Control", "no-store");
        ctx.attribute(Json.RENDERED, Boolean.TRUE);
        ctx.redirect(location, HttpStatus.SEE_OTHER);
    }

    /** Answers HTML; marked as rendered so the server's JSON error pages never replace a console 404. */
    static void html(Context ctx, int status, String html) {
        ctx.attribute(Json.RENDERED, Boolean.TRUE);
        ctx.status(status).contentType("text/html; charset=utf-8").result(html.getBytes(StandardCharsets.UTF_8));
    }

    static void text(Context ctx, int status, String text) {
        ctx.attribute(Json.RENDERED, Boolean.TRUE);
        ctx.status(status).contentType("text/plain; charset=utf-8").result(text.getBytes(StandardCharsets.UTF_8));
    }
}
