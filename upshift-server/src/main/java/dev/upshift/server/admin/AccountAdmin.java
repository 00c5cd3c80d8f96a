package dev.upshift.server.admin;

import dev.upshift.server.accounts.LoginThrottle;
import dev.upshift.server.accounts.Owners;
import dev.upshift.server.accounts.Passwords;
import dev.upshift.server.accounts.Principal;
import dev.upshift.server.accounts.Role;
import dev.upshift.server.accounts.Sessions;
import dev.upshift.server.audit.AuditLog;
import dev.upshift.server.auth.RandomKeys;
import dev.upshift.server.db.Database;
import dev.upshift.server.db.Sql;
import dev.upshift.server.http.Json;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accounts in the admin API: first-owner setup, sign-in and sign-out (console sessions), users and their roles,
 * and API tokens. Users belong to one tenant and have one {@link Role}; usernames are unique in the installation.
 * Passwords and tokens are never stored, logged or audited in clear (argon2id hashes; SHA-256 of tokens).
 */
public final class AccountAdmin {
    private static final Logger LOG = LoggerFactory.getLogger(AccountAdmin.class);
    private static final Pattern USERNAME = Pattern.compile("[a-z0-9][a-z0-9._-]{2,63}");
    private static final int MAX_TOKEN_DAYS = 366;

    private final Database db;
    private final AdminAuth auth;
    private final Sessions sessions;
    private final LoginThrottle throttle;
    private final Clock clock;
    private final long maxBodyBytes;

    public AccountAdmin(Database db, AdminAuth auth, Sessions sessions, LoginThrottle throttle, Clock clock,
                        long maxBodyBytes) {
        this.db = db;
        this.auth = auth;
        this.sessions = sessions;
        this.throttle = throttle;
        this.clock = clock;
        this.maxBodyBytes = maxBodyBytes;
    }

    public void register(AdminRoutes r) {
        String p = AdminApi.PREFIX;
        r.publicRoute("GET", p + "/setup", this::setupState);
        r.publicRoute("POST", p + "/setup", this::setup);
        r.publicRoute("POST", p + "/session", this::login);
        r.delete(p + "/session", Role.VIEWER, this::logout);
        r.get(p + "/me", Role.VIEWER, this::me);
        r.put(p + "/me/password", Role.VIEWER, this::changeOwnPassword);
        r.get(p + "/users", Role.ADMIN, this::listUsers);
        r.post(p + "/users", Role.OWNER, this::createUser);
        r.get(p + "/users/{userId}", Role.ADMIN, this::getUser);
        r.patch(p + "/users/{userId}", Role.OWNER, this::patchUser);
        r.delete(p + "/users/{userId}", Role.OWNER, this::deleteUser);
        r.get(p + "/tokens", Role.VIEWER, this::listTokens);
        r.post(p + "/tokens", Role.VIEWER, this::createToken);
        r.delete(p + "/tokens/{tokenId}", Role.VIEWER, this::revokeToken);
    }

    // ---- setup and sessions --------------------------------------------------------------------------------

    private void setupState(Context ctx) {
        Json.respond(ctx, 200, Map.of("setupNeeded", sessions.setupNeeded()));
    }

    /**
     * {@code POST /setup}: creates the installation's first owner and signs them in. Proving the setup code (the
     * bootstrap token printed at first start) keeps a stranger who reaches the server first from claiming it.
     */
    private void setup(Context ctx) {
        requireBrowserSafeJson(ctx);
        JsonInput in = JsonInput.parse(AdminApi.body(ctx, maxBodyBytes), Set.of("setupCode", "username", "password",
                "displayName"));
        String ip = ctx.ip();
        if (!sessions.setupNeeded()) {
            throw new AdminApiException(AdminApiException.AdminError.FORBIDDEN,
                    "Setup is done: an owner exists. Sign in instead.");
        }
        // Field mistakes reveal nothing and do not count; only guesses at the setup code do.
        String username = username(in);
        String password = password(in, "password", username);
        String displayName = in.string("displayName", "", 128).strip();
        takeAttempt("setup", ip);
        if (!auth.isSetupCode(in.string("setupCode", "", 256))) {
            throw new AdminApiException(AdminApiException.AdminError.FORBIDDEN, "Wrong setup code. Use the setup "
                    + "link the server printed at first start, or the token in <data-dir>/admin-token.");
        }
        long tenant = auth.installationTenantId();
        String hash = hashPassword(password);
        long now = clock.millis();
        Sessions.Created session = db.jdbi().inTransaction(h -> {
            // Re-checked inside the transaction, so two racing setups cannot both create an owner.
            if (Owners.exist(h, tenant)) {
                throw new AdminApiException(AdminApiException.AdminError.FORBIDDEN,
                        "Setup is done: an owner exists. Sign in instead.");
            }
            long id = insertUser(h, tenant, username, displayName, hash, Role.OWNER, now);
            AuditLog.record(h, new AuditLog.Actor(tenant, username, ip), now, "setup.first_owner", "user",
                    id, Map.of("username", username, "role", Role.OWNER.wireName()));
            return sessions.create(h, id, ip, ctx.userAgent());
        });
        throttle.succeeded("setup", ip);
        sessions.setCookie(ctx, session.token());
        Json.respond(ctx, 201, signedIn(findUser(tenant, userIdOf(username)), session));
    }

    /** {@code POST /session}: signs in with username and password; throttled per account and address. */
    private void login(Context ctx) {
        requireBrowserSafeJson(ctx);
        JsonInput in = JsonInput.parse(AdminApi.body(ctx, maxBodyBytes), Set.of("username", "password"));
        String username = in.string("username", "", 256).strip().toLowerCase(Locale.ROOT);
        String password = in.string("password", "", 1024);
        String ip = ctx.ip();
        takeAttempt(username, ip);
        record Candidate(long id, long tenantId, String hash, boolean disabled) {
        }
        Optional<Candidate> user = db.jdbi().withHandle(h -> h.createQuery("SELECT id, tenant_id, password_hash, "
                        + "disabled_at FROM users WHERE username = :u").bind("u", username)
                .map((rs, c) -> new Candidate(rs.getLong("id"), rs.getLong("tenant_id"), rs.getString("password_hash"),
                        rs.getObject("disabled_at") != null)).findOne());
        boolean ok = checkPassword(password, user.map(Candidate::hash).orElse(null))
                && user.isPresent() && !user.get().disabled();
        long now = clock.millis();
        if (!ok) {
            user.ifPresent(u -> db.jdbi().useTransaction(h -> AuditLog.record(h, new AuditLog.Actor(u.tenantId(),
                    username, ip), now, "session.login_failed", "user", u.id(), Map.of())));
            LOG.info("failed sign-in for '{}' from {}", username.replaceAll("\\p{Cntrl}", "?"), ip);
            throw new AdminApiException(AdminApiException.AdminError.UNAUTHORIZED, "Wrong username or password.");
        }
        throttle.succeeded(username, ip);
        Candidate u = user.get();
        Sessions.Created session = db.jdbi().inTransaction(h -> {
            AuditLog.record(h, new AuditLog.Actor(u.tenantId(), username, ip), now, "session.login", "user", u.id(),
                    Map.of());
            return sessions.create(h, u.id(), ip, ctx.userAgent());
        });
        sessions.setCookie(ctx, session.token());
        Json.respond(ctx, 200, signedIn(findUser(u.tenantId(), u.id()), session));
    }

    private Map<String, Object> signedIn(Map<String, Object> user, Sessions.Created session) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("user", user);
        out.put("csrfToken", session.csrfToken());
        out.put("idleTimeoutSeconds", sessions.config().idleTimeout().toSeconds());
        out.put("absoluteTimeoutSeconds", sessions.config().absoluteTimeout().toSeconds());
        return out;
    }

    /** {@code DELETE /session}: ends the session for good (the cookie alone no longer works anywhere). */
    private void logout(Context ctx) {
        Principal p = AdminApi.principal(ctx);
        db.jdbi().useTransaction(h -> {
            sessions.end(h, ctx);
            if (p.via() == Principal.Via.SESSION) {
                AuditLog.record(h, AdminApi.actor(ctx), clock.millis(), "session.logout", "user", p.userId(),
                        Map.of());
            }
        });
        sessions.clearCookie(ctx);
        ctx.status(204);
    }

    /**
     * Sign-in and setup take JSON only and refuse cross-site browser requests: a form on another site cannot send
     * {@code application/json} without a CORS preflight, which this server never grants.
     */
    private static void requireBrowserSafeJson(Context ctx) {
        String type = ctx.contentType();
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            throw AdminApiException.invalid("Send the body as Content-Type: application/json.");
        }
        AdminApi.requireSameOrigin(ctx);
    }

    /** Takes one sign-in attempt from the throttle (before any password is hashed), or answers 429. */
    private void takeAttempt(String account, String ip) {
        OptionalLong wait = throttle.attempt(account, ip);
        if (wait.isPresent()) {
            throw new AdminApiException(AdminApiException.AdminError.TOO_MANY_REQUESTS, "Too many failed sign-in "
                    + "attempts; try again in " + humanSeconds(wait.getAsLong()) + ".")
                    .withRetryAfter(wait.getAsLong());
        }
    }

    private boolean checkPassword(String password, String phc) {
        boolean[] ok = new boolean[1];
        boundedHash(() -> ok[0] = Passwords.verify(password, phc));
        return ok[0];
    }

    private String hashPassword(String password) {
        String[] out = new String[1];
        boundedHash(() -> out[0] = Passwords.hash(password));
        return out[0];
    }

    /** Password hashes run a few at a time (each holds 19 MiB); a flood waits, then gets 503 with Retry-After. */
    private void boundedHash(Runnable work) {
        boolean done;
        try {
            done = throttle.hash(work);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            done = false;
        }
        if (!done) {
            throw new AdminApiException(AdminApiException.AdminError.UNAVAILABLE,
                    "The server is busy checking passwords; try again in a few seconds.").withRetryAfter(5);
        }
    }

    private static String humanSeconds(long s) {
        return s < 90 ? s + " seconds" : ((s + 59) / 60) + " minutes";
    }

    // ---- me ------------------------------------------------------------------------------------------------

    private void me(Context ctx) {
        Principal p = AdminApi.principal(ctx);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("user", p.userId() == 0 ? null : findUser(p.tenantId(), p.userId()));
        out.put("via", p.via().name().toLowerCase(Locale.ROOT));
        out.put("role", p.role().wireName());
        out.put("tenantId", p.tenantId());
        out.put("installation", p.installation());
        Json.respond(ctx, 200, out);
    }

    /** {@code PUT /me/password}: needs the current password; ends the user's other sessions. */
    private void changeOwnPassword(Context ctx) {
        Principal p = requireUser(ctx);
        JsonInput in = JsonInput.parse(AdminApi.body(ctx, maxBodyBytes), Set.of("currentPassword", "newPassword"));
        String current = in.string("currentPassword", "", 1024);
        String username = usernameOf(p.userId());
        String stored = db.jdbi().withHandle(h -> h.createQuery("SELECT password_hash FROM users WHERE id = :id")
                .bind("id", p.userId()).mapTo(String.class).one());
        takeAttempt(username, ctx.ip());
        if (!checkPassword(current, stored)) {
            throw new AdminApiException(AdminApiException.AdminError.FORBIDDEN, "The current password is wrong.");
        }
        throttle.succeeded(username, ctx.ip());
        String hash = hashPassword(password(in, "newPassword", username));
        long keep = sessions.currentSessionId(ctx).orElse(0L);
        long now = clock.millis();
        db.jdbi().useTransaction(h -> {
            h.createUpdate("UPDATE users SET password_hash = :h, password_changed_at = :now, updated_at = :now "
                    + "WHERE id = :id").bind("h", hash).bind("now", now).bind("id", p.userId()).execute();
            int ended = sessions.endAll(h, p.userId(), keep);
            AuditLog.record(h, AdminApi.actor(ctx), now, "user.password_change", "user", p.userId(),
                    Map.of("otherSessionsEnded", ended));
        });
        ctx.status(204);
    }

    // ---- users ---------------------------------------------------------------------------------------------

    private void listUsers(Context ctx) {
        long tenant = AdminApi.principal(ctx).tenantId();
        Json.respond(ctx, 200, Map.of("items", db.jdbi().withHandle(h -> h.createQuery(USER_SELECT
                + "WHERE tenant_id = :t ORDER BY id").bind("t", tenant).map((rs, c) -> renderUser(rs)).list())));
    }

    private void getUser(Context ctx) {
        Principal p = AdminApi.principal(ctx);
        Json.respond(ctx, 200, findUser(p.tenantId(), pathId(ctx, "userId")));
    }

    private void createUser(Context ctx) {
        Principal p = AdminApi.principal(ctx);
        JsonInput in = JsonInput.parse(AdminApi.body(ctx, maxBodyBytes), Set.of("username", "password", "role",
                "displayName"));
        String username = username(in);
        Role role = role(in.requiredString("role", 16));
        String displayName = in.string("displayName", "", 128).strip();
        String hash = hashPassword(password(in, "password", username));
        long now = clock.millis();
        long id;
        try {
            id = db.jdbi().inTransaction(h -> {
                long uid = insertUser(h, p.tenantId(), username, displayName, hash, role, now);
                AuditLog.record(h, AdminApi.actor(ctx), now, "user.create", "user", uid,
                        Map.of("username", username, "role", role.wireName(), "displayName", displayName));
                return uid;
            });
        } catch (RuntimeException e) {
            if (Sql.isUniqueViolation(e)) {
                throw AdminApiException.conflict("The username '" + username + "' is taken; choose another one.");
            }
            throw e;
        }
        Json.respond(ctx, 201, findUser(p.tenantId(), id));
    }

    /**
     * {@code PATCH /users/{id}}: role, display name, disabled, or a new password set by an owner. Disabling or a new
     * password ends the user's sessions; disabling also revokes their API tokens. The last active owner can be
     * neither demoted nor disabled.
     */
    private void patchUser(Context ctx) {
        Principal p = AdminApi.principal(ctx);
        long id = pathId(ctx, "userId");
        Map<String, Object> before = findUser(p.tenantId(), id);
        JsonInput in = JsonInput.parse(AdminApi.body(ctx, maxBodyBytes), Set.of("role", "displayName", "disabled",
                "password"));
        Role role = in.has("role") ? role(in.requiredString("role", 16)) : Role.fromWireName((String) before.get("role"))
                .orElseThrow();
        String displayName = in.has("displayName") ? in.string("displayName", "", 128).strip()
                : (String) before.get("displayName");
        Boolean disabledInput = in.bool("disabled");
        boolean disabled = disabledInput == null ? (Boolean) before.get("disabled") : disabledInput;
        String newHash = in.has("password") ? hashPassword(password(in, "password", (String) before.get("username")))
                : null;
        long now = clock.millis();
        db.jdbi().useTransaction(h -> {
            refuseIfLastOwner(h, p.tenantId(), id, role != Role.OWNER || disabled);
            h.createUpdate("UPDATE users SET role = :r, display_name = :d, updated_at = :now, disabled_at = "
                            + (disabled ? "COALESCE(disabled_at, :now)" : "NULL") + " WHERE id = :id")
                    .bind("r", role.wireName()).bind("d", displayName).bind("now", now).bind("id", id).execute();
            if (newHash != null) {
                h.createUpdate("UPDATE users SET password_hash = :h, password_changed_at = :now WHERE id = :id")
                        .bind("h", newHash).bind("now", now).bind("id", id).execute();
            }
            if (disabled || newHash != null) {
                sessions.endAll(h, id, 0);
            }
            if (disabled || newHash != null) {
                // A reset by an owner is account recovery: whatever the old password let someone create goes too.
                revokeTokensOf(h, id, now);
            }
            Map<String, Object> after = new LinkedHashMap<>(before);
            after.put("role", role.wireName());
            after.put("displayName", displayName);
            after.put("disabled", disabled);
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("before", settings(before));
            detail.put("after", settings(after));
            detail.put("passwordReset", newHash != null);
            AuditLog.record(h, AdminApi.actor(ctx), now, "user.update", "user", id, detail);
        });
        Json.respond(ctx, 200, findUser(p.tenantId(), id));
    }

    /** {@code DELETE /users/{id}}: disables the user (kept for the audit trail), ends sessions, revokes tokens. */
    private void deleteUser(Context ctx) {
        Principal p = AdminApi.principal(ctx);
        long id = pathId(ctx, "userId");
        Map<String, Object> before = findUser(p.tenantId(), id);
        long now = clock.millis();
        db.jdbi().useTransaction(h -> {
            refuseIfLastOwner(h, p.tenantId(), id, true);
            h.createUpdate("UPDATE users SET disabled_at = COALESCE(disabled_at, :now), updated_at = :now "
                    + "WHERE id = :id").bind("now", now).bind("id", id).execute();
            sessions.endAll(h, id, 0);
            revokeTokensOf(h, id, now);
            AuditLog.record(h, AdminApi.actor(ctx), now, "user.delete", "user", id,
                    Map.of("before", settings(before)));
        });
        ctx.status(204);
    }

    private static Map<String, Object> settings(Map<String, Object> user) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (String k : List.of("username", "displayName", "role", "disabled")) {
            m.put(k, user.get(k));
        }
        return m;
    }

    private void refuseIfLastOwner(Handle h, long tenant, long userId, boolean removesOwner) {
        if (!removesOwner) {
            return;
        }
        // Locked on PostgreSQL; SQLite has one writer at a time, so its transactions cannot interleave like this.
        if (Owners.active(h, tenant, db.dialect() == Database.Dialect.POSTGRESQL).equals(List.of(userId))) {
            throw AdminApiException.conflict("This is the tenant's last active owner; make another user owner first.");
        }
    }

    private static void revokeTokensOf(Handle h, long userId, long now) {
        h.createUpdate("UPDATE admin_tokens SET revoked_at = :now WHERE user_id = :u AND revoked_at IS NULL")
                .bind("now", now).bind("u", userId).execute();
    }

    private static final String USER_SELECT = "SELECT id, username, display_name, role, created_at, disabled_at "
            + "FROM users ";

    private static Map<String, Object> renderUser(java.sql.ResultSet rs) throws java.sql.SQLException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", rs.getLong("id"));
        m.put("username", rs.getString("username"));
        m.put("displayName", rs.getString("display_name"));
        m.put("role", rs.getString("role"));
        m.put("createdAt", Sql.rfc3339(rs.getLong("created_at")));
        m.put("disabled", rs.getObject("disabled_at") != null);
        return m;
    }

    private Map<String, Object> findUser(long tenant, long id) {
        return db.jdbi().withHandle(h -> h.createQuery(USER_SELECT + "WHERE id = :id AND tenant_id = :t")
                .bind("id", id).bind("t", tenant).map((rs, c) -> renderUser(rs)).findOne())
                .orElseThrow(() -> AdminApiException.notFound("No user with id " + id + "."));
    }

    private long userIdOf(String username) {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT id FROM users WHERE username = :u").bind("u", username)
                .mapTo(Long.class).one());
    }

    private String usernameOf(long id) {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT username FROM users WHERE id = :id").bind("id", id)
                .mapTo(String.class).one());
    }

    private static long insertUser(Handle h, long tenant, String username, String displayName, String hash, Role role,
                                   long now) {
        return h.createQuery("INSERT INTO users (tenant_id, username, display_name, password_hash, role, created_at, "
                        + "updated_at, password_changed_at) VALUES (:t, :u, :d, :h, :r, :now, :now, :now) RETURNING id")
                .bind("t", tenant).bind("u", username).bind("d", displayName).bind("h", hash)
                .bind("r", role.wireName()).bind("now", now).mapTo(Long.class).one();
    }

    private static String username(JsonInput in) {
        String u = in.requiredString("username", 64).strip().toLowerCase(Locale.ROOT);
        if (!USERNAME.matcher(u).matches()) {
            throw AdminApiException.invalid("Field 'username' must be 3 to 64 characters: letters, digits, '.', '_' "
                    + "or '-', starting with a letter or digit.");
        }
        return u;
    }

    private static String password(JsonInput in, String field, String username) {
        String pw = in.requiredString(field, 4 * Passwords.MAX_LENGTH);
        Passwords.problem(pw, username).ifPresent(problem -> {
            throw AdminApiException.invalid("Field '" + field + "': " + problem);
        });
        return pw;
    }

    private static Role role(String text) {
        return Role.fromWireName(text).orElseThrow(() -> AdminApiException.invalid("Field 'role' must be one of "
                + Role.allWireNames() + "; got '" + text + "'."));
    }

    private static long pathId(Context ctx, String name) {
        String v = ctx.pathParam(name);
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw AdminApiException.notFound("No " + name.replace("Id", "") + " with id '" + v + "'.");
        }
    }

    private static Principal requireUser(Context ctx) {
        Principal p = AdminApi.principal(ctx);
        if (p.userId() == 0) {
            throw AdminApiException.invalid("A bootstrap token has no user; create the first owner (console setup or "
                    + "POST /api/admin/v1/setup) and act as that user.");
        }
        return p;
    }

    // ---- API tokens ----------------------------------------------------------------------------------------

    /** {@code GET /tokens}: the caller's own tokens; owners see every user's tokens in the tenant. */
    private void listTokens(Context ctx) {
        Principal p = AdminApi.principal(ctx);
        boolean all = p.role() == Role.OWNER;
        Json.respond(ctx, 200, Map.of("items", db.jdbi().withHandle(h -> h.createQuery("SELECT t.id, t.description, "
                        + "t.role, t.user_id, u.username, t.created_at, t.expires_at, t.last_used_at FROM admin_tokens t "
                        + "JOIN users u ON u.id = t.user_id WHERE t.tenant_id = :t AND t.revoked_at IS NULL "
                        + (all ? "" : "AND t.user_id = :u ") + "ORDER BY t.id")
                .bind("t", p.tenantId()).bind("u", p.userId())
                .map((rs, c) -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("id", rs.getLong("id"));
                    m.put("name", rs.getString("description"));
                    m.put("role", rs.getString("role"));
                    m.put("userId", rs.getLong("user_id"));
                    m.put("username", rs.getString("username"));
                    m.put("createdAt", Sql.rfc3339(rs.getLong("created_at")));
                    m.put("expiresAt", Sql.rfc3339(rs.getLong("expires_at")));
                    long used = rs.getLong("last_used_at");
                    m.put("lastUsedAt", rs.wasNull() ? null : Sql.rfc3339(used));
                    return m;
                }).list())));
    }

    /** {@code POST /tokens}: a new API token for the caller, with a role no higher than theirs; shown once. */
    private void createToken(Context ctx) {
        Principal p = requireUser(ctx);
        if (p.via() != Principal.Via.SESSION) {
            throw new AdminApiException(AdminApiException.AdminError.FORBIDDEN, "API tokens are created while signed "
                    + "in (the console, or POST /api/admin/v1/session), so a token cannot renew itself.");
        }
        JsonInput in = JsonInput.parse(AdminApi.body(ctx, maxBodyBytes), Set.of("name", "role", "expiresInDays"));
        String name = in.requiredString("name", 64).strip();
        if (name.isEmpty()) {
            throw AdminApiException.invalid("Field 'name' must not be blank; name the token after where it is used.");
        }
        Role role = in.has("role") ? role(in.requiredString("role", 16)) : p.role();
        if (!p.role().atLeast(role)) {
            throw new AdminApiException(AdminApiException.AdminError.FORBIDDEN, "A token's role cannot be above "
                    + "yours (" + p.role().wireName() + ").");
        }
        Long days = in.longValue("expiresInDays");
        long d = days == null ? 90 : days;
        if (d < 1 || d > MAX_TOKEN_DAYS) {
            throw AdminApiException.invalid("Field 'expiresInDays' must be from 1 to " + MAX_TOKEN_DAYS + ".");
        }
        String token = RandomKeys.adminToken();
        long now = clock.millis();
        long expires = now + Duration.ofDays(d).toMillis();
        long id = db.jdbi().inTransaction(h -> {
            long tid = h.createQuery("INSERT INTO admin_tokens (tenant_id, token_hash, description, is_system, "
                            + "created_at, user_id, role, expires_at) VALUES (:t, :h, :n, 0, :now, :u, :r, :exp) "
                            + "RETURNING id")
                    .bind("t", p.tenantId()).bind("h", RandomKeys.sha256Hex(token)).bind("n", name).bind("now", now)
                    .bind("u", p.userId()).bind("r", role.wireName()).bind("exp", expires).mapTo(Long.class).one();
            AuditLog.record(h, AdminApi.actor(ctx), now, "token.create", "token", tid,
                    Map.of("name", name, "role", role.wireName(), "expiresAt", Sql.rfc3339(expires)));
            return tid;
        });
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", id);
        out.put("name", name);
        out.put("role", role.wireName());
        out.put("userId", p.userId());
        out.put("createdAt", Sql.rfc3339(now));
        out.put("expiresAt", Sql.rfc3339(expires));
        out.put("token", token);
        out.put("note", "The token is shown only in this response; store it now.");
        Json.respond(ctx, 201, out);
    }

    /** {@code DELETE /tokens/{id}}: revokes one of the caller's tokens; owners may revoke any in the tenant. */
    private void revokeToken(Context ctx) {
        Principal p = AdminApi.principal(ctx);
        long id = pathId(ctx, "tokenId");
        long now = clock.millis();
        boolean owner = p.role() == Role.OWNER;
        db.jdbi().useTransaction(h -> {
            int n = h.createUpdate("UPDATE admin_tokens SET revoked_at = :now WHERE id = :id AND tenant_id = :t "
                            + "AND user_id IS NOT NULL AND revoked_at IS NULL" + (owner ? "" : " AND user_id = :u"))
                    .bind("now", now).bind("id", id).bind("t", p.tenantId()).bind("u", p.userId()).execute();
            if (n == 0) {
                throw AdminApiException.notFound("No API token with id " + id + ".");
            }
            AuditLog.record(h, AdminApi.actor(ctx), now, "token.revoke", "token", id, Map.of());
        });
        ctx.status(204);
    }
}
