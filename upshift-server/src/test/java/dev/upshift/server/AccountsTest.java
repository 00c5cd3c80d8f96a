package dev.upshift.server;

import static dev.upshift.server.Accounts.PREFIX;
import static dev.upshift.server.Accounts.json;
import static dev.upshift.server.Accounts.ok;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.upshift.server.config.SessionConfig;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Accounts over real HTTP: first-owner setup, sessions (cookie attributes, CSRF, logout, idle and absolute limits),
 * throttling, API tokens with roles and expiry, the bootstrap token's end, users and the last-owner rule, and that
 * no secret reaches the audit log or the server log.
 */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class AccountsTest {
    private static final String OWNER_PW = "a long owner passphrase";

    @Parameter
    TestDatabase database;
    @TempDir
    Path dir;
    final TestClock clock = new TestClock(Instant.parse("2026-11-23T08:00:00Z"));
    TestServer server;

    final ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> log =
            new ch.qos.logback.core.read.ListAppender<>();

    /**
     * The server's loggers, captured directly: other tests in the same JVM (S3Mock starts Spring Boot) may reconfigure
     * logback, so the test does not rely on the root logger's appenders and levels.
     */
    private static List<ch.qos.logback.classic.Logger> serverLoggers() {
        return List.of("dev.upshift", "upshift.access").stream()
                .map(n -> (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(n)).toList();
    }

    @BeforeEach
    void start() {
        log.start();
        for (ch.qos.logback.classic.Logger l : serverLoggers()) {
            l.setLevel(ch.qos.logback.classic.Level.INFO);
            l.addAppender(log);
        }
        server = TestServer.start(database, dir, c -> c.withSessions(new SessionConfig(Duration.ofMinutes(30),
                Duration.ofHours(2))), clock);
    }

    @AfterEach
    void stop() {
        server.close();
        for (ch.qos.logback.classic.Logger l : serverLoggers()) {
            l.detachAppender(log);
            l.setLevel(null);
        }
    }

    /** A JSON object from alternating field names and values (the admin API tests' helper, named for this file). */
    private static String body(Object... fieldsAndValues) {
        return AdminApiTest.json(fieldsAndValues);
    }

    private static void assertError(HttpResponse<String> r, int status, String code, String messagePart) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        JsonNode n = TestServer.parse(r.body());
        assertThat(n.get("code").asText()).isEqualTo(code);
        assertThat(n.get("message").asText()).contains(messagePart);
    }

    @Test
    void setupNeedsTheCodeCreatesOneOwnerOnceAndEndsTheBootstrapToken() {
        assertThat(ok(json(server, "GET", PREFIX + "/setup", null, null), 200).get("setupNeeded").asBoolean()).isTrue();
        assertError(json(server, "POST", PREFIX + "/setup", body("setupCode", "wrong-code-0123456789",
                "username", "olivia", "password", OWNER_PW), null), 403, "forbidden", "Wrong setup code");
        assertError(json(server, "POST", PREFIX + "/setup", body("setupCode", TestServer.ADMIN_TOKEN,
                "username", "olivia", "password", "password123"), null), 400, "invalid_request", "breached");
        assertError(json(server, "POST", PREFIX + "/setup", body("setupCode", TestServer.ADMIN_TOKEN,
                "username", "olivia", "password", "short"), null), 400, "invalid_request", "at least 8");
        // The bootstrap token still works before the first owner exists.
        assertThat(server.admin("GET", PREFIX + "/apps", null).statusCode()).isEqualTo(200);

        HttpResponse<String> r = json(server, "POST", PREFIX + "/setup", body("setupCode", TestServer.ADMIN_TOKEN,
                "username", "Olivia", "password", OWNER_PW, "displayName", "Olivia O."), null);
        JsonNode created = ok(r, 201);
        assertThat(created.at("/user/username").asText()).isEqualTo("olivia");
        assertThat(created.at("/user/role").asText()).isEqualTo("owner");
        String cookie = r.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(cookie).startsWith("__Host-upshift-session=").contains("; Path=/", "; HttpOnly",
                "; SameSite=Strict", "; Secure").doesNotContain("Domain=", "Max-Age");
        Accounts.Browser owner = new Accounts.Browser(cookie.substring(0, cookie.indexOf(';')),
                created.get("csrfToken").asText());
        HttpResponse<String> meAnswer = json(server, "GET", PREFIX + "/me", null, owner);
        assertThat(meAnswer.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(meAnswer.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        JsonNode me = ok(meAnswer, 200);
        assertThat(me.get("via").asText()).isEqualTo("session");
        assertThat(me.get("installation").asBoolean()).isTrue();

        assertThat(ok(json(server, "GET", PREFIX + "/setup", null, null), 200).get("setupNeeded").asBoolean())
                .isFalse();
        assertError(json(server, "POST", PREFIX + "/setup", body("setupCode", TestServer.ADMIN_TOKEN,
                "username", "mallory", "password", OWNER_PW), null), 403, "forbidden", "Setup is done");
        assertError(server.admin("GET", PREFIX + "/apps", null), 401, "unauthorized", "first owner");
        // The owner of the first tenant may still create tenants, and a new tenant's token works until it has an owner.
        JsonNode tenant = ok(json(server, "POST", PREFIX + "/tenants", body("name", "acme"), owner), 201);
        assertThat(server.admin("GET", PREFIX + "/apps", null, tenant.get("adminToken").asText()).statusCode())
                .isEqualTo(200);
    }

    @Test
    void anOwnerInAnotherTenantDoesNotCountAsTheInstallationsFirstOwner() {
        String other = ok(server.admin("POST", PREFIX + "/tenants", body("name", "acme")), 201).get("adminToken")
                .asText();
        ok(server.admin("POST", PREFIX + "/users", body("username", "acme-owner", "password", OWNER_PW, "role",
                "owner"), other), 201);
        assertThat(server.admin("GET", PREFIX + "/apps", null, other).statusCode()).isEqualTo(401);
        assertThat(ok(json(server, "GET", PREFIX + "/setup", null, null), 200).get("setupNeeded").asBoolean()).isTrue();
        Accounts.Browser owner = Accounts.setup(server, "olivia", OWNER_PW);
        JsonNode me = ok(json(server, "GET", PREFIX + "/me", null, owner), 200);
        assertThat(me.get("installation").asBoolean()).isTrue();
        Accounts.Browser acmeOwner = Accounts.login(server, "acme-owner", OWNER_PW);
        JsonNode acme = ok(json(server, "GET", PREFIX + "/me", null, acmeOwner), 200);
        assertThat(acme.get("installation").asBoolean()).isFalse();
        assertThat(acme.get("tenantId").asLong()).isNotEqualTo(me.get("tenantId").asLong());
    }

    @Test
    void signInRefusesWrongPasswordsAndLogoutEndsTheSessionEverywhere() {
        Accounts.setup(server, "olivia", OWNER_PW);
        assertError(json(server, "POST", PREFIX + "/session", body("username", "olivia", "password", "wrong password"),
                null), 401, "unauthorized", "Wrong username or password");
        assertError(json(server, "POST", PREFIX + "/session", body("username", "nobody", "password", OWNER_PW),
                null), 401, "unauthorized", "Wrong username or password");
        // Sign-in takes JSON only, so a cross-site HTML form cannot post it.
        HttpResponse<String> form = TestServer.send(HttpRequest.newBuilder(URI.create(server.base() + PREFIX
                        + "/session")).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("username=olivia&password=x")).build());
        assertThat(form.statusCode()).isEqualTo(400);

        Accounts.Browser b = Accounts.login(server, "OLIVIA", OWNER_PW);
        Accounts.Browser other = Accounts.login(server, "olivia", OWNER_PW);
        assertThat(b.cookie()).isNotEqualTo(other.cookie()); // a new session token at every sign-in
        Accounts.Browser noCsrf = new Accounts.Browser(b.cookie(), "");
        assertError(json(server, "DELETE", PREFIX + "/session", null, noCsrf), 403, "forbidden", "X-CSRF-Token");
        HttpResponse<String> out = json(server, "DELETE", PREFIX + "/session", null, b);
        assertThat(out.statusCode()).isEqualTo(204);
        assertThat(out.headers().firstValue("Set-Cookie").orElseThrow()).contains("Max-Age=0");
        assertThat(json(server, "GET", PREFIX + "/me", null, b).statusCode()).isEqualTo(401);
        assertThat(json(server, "GET", PREFIX + "/me", null, other).statusCode()).isEqualTo(200);
    }

    @Test
    void cookieWritesNeedTheAntiForgeryTokenAndTheSameOrigin() {
        Accounts.Browser b = Accounts.setup(server, "olivia", OWNER_PW);
        String app = body("kind", "url", "name", "Docs");
        assertError(json(server, "POST", PREFIX + "/apps", app, new Accounts.Browser(b.cookie(), "forged")), 403,
                "forbidden", "X-CSRF-Token");
        HttpResponse<String> crossSite = TestServer.send(HttpRequest.newBuilder(URI.create(server.base() + PREFIX
                        + "/apps")).header("Content-Type", "application/json").header("Cookie", b.cookie())
                .header("X-CSRF-Token", b.csrf()).header("Sec-Fetch-Site", "cross-site")
                .POST(HttpRequest.BodyPublishers.ofString(app)).build());
        assertError(crossSite, 403, "forbidden", "Cross-site");
        HttpResponse<String> foreignOrigin = TestServer.send(HttpRequest.newBuilder(URI.create(server.base() + PREFIX
                        + "/apps")).header("Content-Type", "application/json").header("Cookie", b.cookie())
                .header("X-CSRF-Token", b.csrf()).header("Origin", "https://evil.example")
                .POST(HttpRequest.BodyPublishers.ofString(app)).build());
        assertError(foreignOrigin, 403, "forbidden", "Cross-origin");
        HttpResponse<String> sameOrigin = TestServer.send(HttpRequest.newBuilder(URI.create(server.base() + PREFIX
                        + "/apps")).header("Content-Type", "application/json").header("Cookie", b.cookie())
                .header("X-CSRF-Token", b.csrf()).header("Origin", server.base())
                .POST(HttpRequest.BodyPublishers.ofString(app)).build());
        assertThat(sameOrigin.statusCode()).as(sameOrigin.body()).isEqualTo(201);
        // Reads need no token; nothing was created by the refused writes.
        assertThat(ok(json(server, "GET", PREFIX + "/apps", null, new Accounts.Browser(b.cookie(), "")), 200)
                .get("items")).hasSize(1);
    }

    @Test
    void sessionsEndAfterTheIdleAndTheAbsoluteLimit() {
        Accounts.Browser b = Accounts.setup(server, "olivia", OWNER_PW);
        clock.advance(Duration.ofMinutes(29));
        assertThat(json(server, "GET", PREFIX + "/me", null, b).statusCode()).isEqualTo(200);
        clock.advance(Duration.ofMinutes(29)); // 29 minutes since the last use
        assertThat(json(server, "GET", PREFIX + "/me", null, b).statusCode()).isEqualTo(200);
        clock.advance(Duration.ofMinutes(31));
        assertThat(json(server, "GET", PREFIX + "/me", null, b).statusCode()).isEqualTo(401);

        Accounts.Browser active = Accounts.login(server, "olivia", OWNER_PW);
        for (int i = 0; i < 5; i++) {
            clock.advance(Duration.ofMinutes(20));
            assertThat(json(server, "GET", PREFIX + "/me", null, active).statusCode()).isEqualTo(200);
        }
        clock.advance(Duration.ofMinutes(20)); // 2 h after sign-in, however active
        assertThat(json(server, "GET", PREFIX + "/me", null, active).statusCode()).isEqualTo(401);
    }

    @Test
    void repeatedFailuresAreThrottledPerAccountAndAddress() {
        Accounts.setup(server, "olivia", OWNER_PW);
        Accounts.userWithToken(server, Accounts.login(server, "olivia", OWNER_PW), "pete", "publisher");
        for (int i = 0; i < 5; i++) {
            assertThat(json(server, "POST", PREFIX + "/session", body("username", "olivia", "password", "guess " + i),
                    null).statusCode()).isEqualTo(401);
        }
        HttpResponse<String> blocked = json(server, "POST", PREFIX + "/session", body("username", "olivia",
                "password", OWNER_PW), null);
        assertError(blocked, 429, "too_many_requests", "try again in");
        long wait = Long.parseLong(blocked.headers().firstValue("Retry-After").orElseThrow());
        assertThat(wait).isBetween(1L, 180L);
        // Another account from the same address is not locked out by these failures.
        Accounts.login(server, "pete", Accounts.USER_PW);
        clock.advance(Duration.ofSeconds(wait));
        Accounts.login(server, "olivia", OWNER_PW);
    }

    @Test
    void parallelGuessesCannotSlipPastTheThrottle() throws Exception {
        Accounts.setup(server, "olivia", OWNER_PW);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(16);
        try {
            List<java.util.concurrent.Future<Integer>> answers = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                String guess = "parallel guess " + i;
                answers.add(pool.submit(() -> json(server, "POST", PREFIX + "/session", body("username", "olivia",
                        "password", guess), null).statusCode()));
            }
            int wrong = 0;
            int throttled = 0;
            for (java.util.concurrent.Future<Integer> a : answers) {
                int status = a.get();
                assertThat(status).isIn(401, 429, 503);
                wrong += status == 401 ? 1 : 0;
                throttled += status == 429 ? 1 : 0;
            }
            assertThat(wrong).as("password checks").isEqualTo(5);
            assertThat(throttled).isGreaterThanOrEqualTo(30);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void apiTokensCarryARoleCappedByTheirUserAndExpire() {
        Accounts.Browser owner = Accounts.setup(server, "olivia", OWNER_PW);
        String app = ok(json(server, "POST", PREFIX + "/apps", body("kind", "url", "name", "Docs"), owner), 201)
                .get("key").asText();
        ok(json(server, "POST", PREFIX + "/users", body("username", "pete", "password", "a publisher passphrase",
                "role", "publisher"), owner), 201);
        Accounts.Browser pete = Accounts.login(server, "pete", "a publisher passphrase");
        assertError(json(server, "POST", PREFIX + "/tokens", body("name", "ci", "role", "admin"), pete), 403,
                "forbidden", "above yours");
        assertError(json(server, "POST", PREFIX + "/tokens", body("name", "ci", "expiresInDays", 400), pete), 400,
                "invalid_request", "expiresInDays");
        JsonNode t = ok(json(server, "POST", PREFIX + "/tokens", body("name", "ci", "expiresInDays", 2), pete), 201);
        String token = t.get("token").asText();
        assertError(server.admin("POST", PREFIX + "/tokens", body("name", "renewed"), token), 403, "forbidden",
                "cannot renew itself");
        assertThat(t.get("role").asText()).isEqualTo("publisher");
        String versions = PREFIX + "/apps/" + app + "/versions";
        assertThat(server.admin("POST", versions, body("versionName", "1", "versionCode", 1,
                "urlPath", "https://example.com/1"), token).statusCode()).isEqualTo(201);
        assertError(server.admin("POST", PREFIX + "/apps", body("kind", "url", "name", "X"), token), 403, "forbidden",
                "admin role");

        long peteId = ok(json(server, "GET", PREFIX + "/me", null, pete), 200).at("/user/id").asLong();
        ok(json(server, "PATCH", PREFIX + "/users/" + peteId, body("role", "viewer"), owner), 200);
        assertError(server.admin("POST", versions, body("versionName", "2", "versionCode", 2,
                "urlPath", "https://example.com/2"), token), 403, "forbidden", "viewer");
        assertThat(server.admin("GET", versions, null, token).statusCode()).isEqualTo(200);

        // Only the owner sees other users' tokens; pete sees his own.
        assertThat(ok(json(server, "GET", PREFIX + "/tokens", null, owner), 200).get("items")).hasSize(1);
        clock.advance(Duration.ofDays(2));
        assertError(server.admin("GET", versions, null, token), 401, "unauthorized", "expired");
        Accounts.Browser ownerAgain = Accounts.login(server, "olivia", OWNER_PW); // two idle days ended the session

        String second = ok(json(server, "POST", PREFIX + "/tokens", body("name", "ci2"), Accounts.login(server,
                "pete", "a publisher passphrase")), 201).get("token").asText();
        long secondId = ok(json(server, "GET", PREFIX + "/tokens", null, ownerAgain), 200).get("items").get(1).get("id")
                .asLong();
        assertThat(json(server, "DELETE", PREFIX + "/tokens/" + secondId, null, ownerAgain).statusCode())
                .isEqualTo(204);
        assertThat(server.admin("GET", versions, null, second).statusCode()).isEqualTo(401);
    }

    @Test
    void theLastOwnerStaysAndDisablingAUserEndsTheirSessionsAndTokens() {
        Accounts.Browser owner = Accounts.setup(server, "olivia", OWNER_PW);
        long oliviaId = ok(json(server, "GET", PREFIX + "/me", null, owner), 200).at("/user/id").asLong();
        assertError(json(server, "PATCH", PREFIX + "/users/" + oliviaId, body("role", "admin"), owner), 409,
                "conflict", "last active owner");
        assertError(json(server, "DELETE", PREFIX + "/users/" + oliviaId, null, owner), 409, "conflict",
                "last active owner");
        assertError(json(server, "POST", PREFIX + "/users", body("username", "olivia", "password", "another passphrase",
                "role", "viewer"), owner), 409, "conflict", "taken");

        String token = Accounts.userWithToken(server, owner, "adam", "admin");
        Accounts.Browser adam = Accounts.login(server, "adam", Accounts.USER_PW);
        long adamId = ok(json(server, "GET", PREFIX + "/me", null, adam), 200).at("/user/id").asLong();
        assertError(json(server, "PATCH", PREFIX + "/users/" + adamId, body("role", "owner"), adam), 403, "forbidden",
                "owner role");
        ok(json(server, "PATCH", PREFIX + "/users/" + adamId, body("disabled", true), owner), 200);
        assertThat(json(server, "GET", PREFIX + "/me", null, adam).statusCode()).isEqualTo(401);
        assertThat(server.admin("GET", PREFIX + "/apps", null, token).statusCode()).isEqualTo(401);
        assertError(json(server, "POST", PREFIX + "/session", body("username", "adam", "password",
                Accounts.USER_PW), null), 401, "unauthorized", "Wrong username or password");
        // Re-enabled, adam signs in again, but his revoked token stays revoked.
        ok(json(server, "PATCH", PREFIX + "/users/" + adamId, body("disabled", false), owner), 200);
        Accounts.Browser adamAgain = Accounts.login(server, "adam", Accounts.USER_PW);
        assertThat(server.admin("GET", PREFIX + "/apps", null, token).statusCode()).isEqualTo(401);
        // An owner's password reset is account recovery: sessions end and tokens are revoked.
        String fresh = ok(json(server, "POST", PREFIX + "/tokens", body("name", "fresh"), adamAgain), 201).get("token")
                .asText();
        ok(json(server, "PATCH", PREFIX + "/users/" + adamId, body("password", "a recovered passphrase"), owner), 200);
        assertThat(json(server, "GET", PREFIX + "/me", null, adamAgain).statusCode()).isEqualTo(401);
        assertThat(server.admin("GET", PREFIX + "/apps", null, fresh).statusCode()).isEqualTo(401);
        Accounts.login(server, "adam", "a recovered passphrase");
    }

    @Test
    void changingThePasswordNeedsTheCurrentOneAndEndsOtherSessions() {
        Accounts.Browser first = Accounts.setup(server, "olivia", OWNER_PW);
        Accounts.Browser second = Accounts.login(server, "olivia", OWNER_PW);
        assertError(json(server, "PUT", PREFIX + "/me/password", body("currentPassword", "nope",
                "newPassword", "a brand new passphrase"), first), 403, "forbidden", "current password");
        assertThat(json(server, "PUT", PREFIX + "/me/password", body("currentPassword", OWNER_PW,
                "newPassword", "a brand new passphrase"), first).statusCode()).isEqualTo(204);
        assertThat(json(server, "GET", PREFIX + "/me", null, first).statusCode()).isEqualTo(200);
        assertThat(json(server, "GET", PREFIX + "/me", null, second).statusCode()).isEqualTo(401);
        Accounts.login(server, "olivia", "a brand new passphrase");
    }

    @Test
    void theAuditLogNamesActorAddressAndChangesButHoldsNoSecret() throws Exception {
        Accounts.Browser owner = Accounts.setup(server, "olivia", OWNER_PW);
        JsonNode key = ok(json(server, "POST", PREFIX + "/access-keys", body("description", "phones"), owner), 201);
        String token = Accounts.userWithToken(server, owner, "adam", "admin");
        String app = ok(server.admin("POST", PREFIX + "/apps", body("kind", "url", "name", "Docs"), token), 201)
                .get("key").asText();
        ok(server.admin("PATCH", PREFIX + "/apps/" + app, body("name", "Manuals"), token), 200);
        json(server, "POST", PREFIX + "/session", body("username", "adam", "password", "a wrong guess"), null);

        JsonNode items = ok(json(server, "GET", PREFIX + "/audit-log?limit=50", null, owner), 200).get("items");
        List<String> actions = new ArrayList<>();
        items.forEach(i -> actions.add(i.get("action").asText()));
        assertThat(actions).contains("setup.first_owner", "access_key.create", "user.create", "session.login",
                "token.create", "app.create", "app.update", "session.login_failed");
        JsonNode update = ok(json(server, "GET", PREFIX + "/audit-log?action=app.update", null, owner), 200)
                .get("items").get(0);
        assertThat(update.get("actor").asText()).isEqualTo("adam (token t-adam)");
        assertThat(update.get("ip").asText()).isEqualTo("127.0.0.1");
        assertThat(update.at("/detail/before/name").asText()).isEqualTo("Docs");
        assertThat(update.at("/detail/after/name").asText()).isEqualTo("Manuals");
        assertThat(Instant.parse(update.get("at").asText())).isEqualTo(clock.instant());

        HttpResponse<String> csv = json(server, "GET", PREFIX + "/audit-log/export?format=csv&actor=olivia", null,
                owner);
        assertThat(csv.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/csv");
        assertThat(csv.headers().firstValue("Content-Disposition").orElseThrow()).contains("attachment");
        assertThat(csv.body()).startsWith("id,at,actor,ip,action,targetType,targetId,detail").contains("user.create")
                .doesNotContain("app.update");
        String jsonl = json(server, "GET", PREFIX + "/audit-log/export?format=jsonl", null, owner).body();
        assertThat(jsonl.lines().count()).isEqualTo(items.size());

        List<String> secrets = List.of(OWNER_PW, Accounts.USER_PW, "a wrong guess", token,
                key.get("secretKey").asText(), TestServer.ADMIN_TOKEN, owner.csrf(),
                owner.cookie().substring(owner.cookie().indexOf('=') + 1));
        String logs = String.join("\n", log.list.stream().map(e -> e.getFormattedMessage()
                + (e.getThrowableProxy() == null ? "" : e.getThrowableProxy().getMessage())).toList());
        assertThat(logs).contains("failed sign-in for 'adam'"); // the capture works
        for (String secret : secrets) {
            assertThat(jsonl).doesNotContain(secret);
            assertThat(csv.body()).doesNotContain(secret);
            assertThat(logs).doesNotContain(secret);
        }
    }
}
