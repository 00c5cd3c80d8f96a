package dev.upshift.server.accounts;

import dev.upshift.server.auth.RandomKeys;
import dev.upshift.server.config.SessionConfig;
import dev.upshift.server.db.Database;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.Locale;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.jdbi.v3.core.Handle;

/**
 * Server-side console sessions. The cookie carries 256 random bits; the database keeps only their SHA-256, the
 * session's anti-forgery token, and when it was created and last used. A session ends at logout, after
 * {@link SessionConfig#idleTimeout()} without use, {@link SessionConfig#absoluteTimeout()} after sign-in, when its
 * user changes password or is disabled: each of these is a row update, so it holds on every server at once.
 *
 * <p>The cookie is {@code __Host-upshift-session; Path=/; Secure; HttpOnly; SameSite=Strict} whenever the browser
 * will keep it: with an https {@code public-url} or request, and over http to a loopback address (browsers treat
 * those as secure). Plain http to any other address gets {@code upshift-session} without {@code Secure} and the
 * {@code __Host-} prefix, which browsers would otherwise drop; the server logs a warning to put TLS in front.
 */
public final class Sessions implements SessionLookup {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Sessions.class);
    public static final String SECURE_COOKIE = "__Host-upshift-session";
    public static final String PLAIN_COOKIE = "upshift-session";
    /** Last-use times are written at most this often per session, so reads stay reads. */
    private static final long TOUCH_EVERY_MILLIS = 60_000;

    /** A new session: the cookie value (secret), and the anti-forgery token the console sends back. */
    public record Created(long id, String token, String csrfToken) {
    }

    private final Database db;
    private final Clock clock;
    private final SessionConfig config;
    private final LongSupplier installationTenant;
    private final boolean httpsPublicUrl;
    private volatile boolean warnedPlainCookie;

    /**
     * @param installationTenant the id of the installation's first tenant
     * @param httpsPublicUrl     whether the configured public URL is https (TLS ends at a proxy in front)
     */
    public Sessions(Database db, Clock clock, SessionConfig config, LongSupplier installationTenant,
                    boolean httpsPublicUrl) {
        this.httpsPublicUrl = httpsPublicUrl;
        this.db = db;
        this.clock = clock;
        this.config = config;
        this.installationTenant = installationTenant;
    }

    public SessionConfig config() {
        return config;
    }

    /** Starts a session for {@code userId} inside the caller's transaction. */
    public Created create(Handle h, long userId, String ip, String userAgent) {
        String token = RandomKeys.secret43();
        String csrf = RandomKeys.secret43();
        long now = clock.millis();
        long id = h.createQuery("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, ip, "
                        + "user_agent) VALUES (:h, :u, :c, :now, :now, :ip, :ua) RETURNING id")
                .bind("h", RandomKeys.sha256Hex(token)).bind("u", userId).bind("c", csrf).bind("now", now)
                .bind("ip", truncate(ip, 64)).bind("ua", truncate(userAgent == null ? "" : userAgent, 256))
                .mapTo(Long.class).one();
        return new Created(id, token, csrf);
    }

    @Override
    public Optional<Principal> fromSession(Context ctx) {
        return cookie(ctx).flatMap(this::lookup);
    }

    @Override
    public boolean setupNeeded() {
        return !db.jdbi().withHandle(h -> Owners.exist(h, installationTenant.getAsLong()));
    }

    /** The id of the request's live session, if any (to keep it when ending a user's other sessions). */
    public Optional<Long> currentSessionId(Context ctx) {
        return cookie(ctx).flatMap(token -> db.jdbi().withHandle(h -> h.createQuery("SELECT id FROM sessions "
                + "WHERE token_hash = :h AND ended_at IS NULL").bind("h", RandomKeys.sha256Hex(token))
                .mapTo(Long.class).findOne()));
    }

    private record Row(long id, String csrf, long createdAt, long lastSeen, long userId, long tenantId, String username,
                       String role) {
    }

    private Optional<Principal> lookup(String token) {
        long now = clock.millis();
        String hash = RandomKeys.sha256Hex(token);
        return db.jdbi().withHandle(h -> {
            Optional<Row> found = h.createQuery("SELECT s.id, s.csrf_token, s.created_at, s.last_seen_at, "
                            + "u.id AS user_id, u.tenant_id, u.username, u.role FROM sessions s "
                            + "JOIN users u ON u.id = s.user_id "
                            + "WHERE s.token_hash = :h AND s.ended_at IS NULL AND u.disabled_at IS NULL")
                    .bind("h", hash)
                    .map((rs, c) -> new Row(rs.getLong("id"), rs.getString("csrf_token"), rs.getLong("created_at"),
                            rs.getLong("last_seen_at"), rs.getLong("user_id"), rs.getLong("tenant_id"),
                            rs.getString("username"), rs.getString("role")))
                    .findOne();
            if (found.isEmpty()) {
                return Optional.<Principal>empty();
            }
            Row r = found.get();
            if (now - r.lastSeen() >= config.idleTimeout().toMillis()
                    || now - r.createdAt() >= config.absoluteTimeout().toMillis()) {
                h.createUpdate("UPDATE sessions SET ended_at = :now WHERE id = :id").bind("now", now)
                        .bind("id", r.id()).execute();
                return Optional.<Principal>empty();
            }
            if (now - r.lastSeen() >= TOUCH_EVERY_MILLIS) {
                h.createUpdate("UPDATE sessions SET last_seen_at = :now WHERE id = :id").bind("now", now)
                        .bind("id", r.id()).execute();
            }
            Role role = Role.fromWireName(r.role()).orElse(Role.VIEWER);
            return Optional.of(new Principal(r.tenantId(), role, r.userId(), r.username(),
                    role == Role.OWNER && r.tenantId() == installationTenant.getAsLong(), Principal.Via.SESSION,
                    r.csrf()));
        });
    }

    /** Ends the request's session (logout). */
    public void end(Handle h, Context ctx) {
        cookie(ctx).ifPresent(token -> h.createUpdate("UPDATE sessions SET ended_at = :now WHERE token_hash = :h "
                + "AND ended_at IS NULL").bind("now", clock.millis()).bind("h", RandomKeys.sha256Hex(token)).execute());
    }

    /** Ends every session of {@code userId} except {@code keepId} (0 keeps none). */
    public int endAll(Handle h, long userId, long keepId) {
        return h.createUpdate("UPDATE sessions SET ended_at = :now WHERE user_id = :u AND id <> :keep "
                + "AND ended_at IS NULL").bind("now", clock.millis()).bind("u", userId).bind("keep", keepId).execute();
    }

    /** Sets the session cookie on the answer. */
    public void setCookie(Context ctx, String token) {
        boolean secure = secureContext(ctx);
        if (!secure && !warnedPlainCookie) {
            warnedPlainCookie = true;
            LOG.warn("console sign-in over plain http from {}: the session cookie cannot be Secure; put TLS in front "
                    + "and set public-url to the https address", ctx.host());
        }
        ctx.res().addHeader("Set-Cookie", cookieHeader(secure, token, false));
    }

    /** Tells the browser to forget the session cookie. */
    public void clearCookie(Context ctx) {
        ctx.res().addHeader("Set-Cookie", cookieHeader(secureContext(ctx), "", true));
    }

    private static String cookieHeader(boolean secure, String value, boolean expire) {
        return (secure ? SECURE_COOKIE : PLAIN_COOKIE) + "=" + value + "; Path=/; HttpOnly; SameSite=Strict"
                + (secure ? "; Secure" : "") + (expire ? "; Max-Age=0" : "");
    }

    /**
     * Whether sessions use the {@code Secure}, {@code __Host-} cookie: when {@code public-url} is https (TLS ends at
     * a proxy in front), the request came over https, or it went to a loopback name or address over http (browsers
     * keep Secure cookies there).
     */
    boolean secureContext(Context ctx) {
        if (httpsPublicUrl || "https".equalsIgnoreCase(ctx.scheme())) {
            return true;
        }
        String host = ctx.host();
        if (host == null) {
            return false;
        }
        host = host.toLowerCase(Locale.ROOT);
        if (host.startsWith("[")) {
            return host.startsWith("[::1]");
        }
        int colon = host.indexOf(':');
        String name = colon < 0 ? host : host.substring(0, colon);
        return name.equals("localhost") || name.endsWith(".localhost") || name.startsWith("127.");
    }

    /** The session cookie of the request: in a secure context only the {@code __Host-} one, which no other site or
     * plain-http page can set, so nobody can plant a session of their own in a victim's browser. */
    private Optional<String> cookie(Context ctx) {
        String v = ctx.cookie(secureContext(ctx) ? SECURE_COOKIE : PLAIN_COOKIE);
        return v == null || v.isEmpty() || v.length() > 128 ? Optional.empty() : Optional.of(v);
    }

    private static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }
}
