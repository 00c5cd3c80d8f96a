package dev.upshift.server.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.upshift.server.TestDatabase;
import dev.upshift.server.UpshiftServer;
import dev.upshift.server.config.ServerConfig;
import dev.upshift.server.http.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The web console over real HTTP against a real server and database: redirects without a session, the security
 * headers on every kind of answer, the versioned assets, escaping of stored text, tenant isolation, controls hidden
 * by role, and the htmx fragment of the audit log. Sessions are real: the first owner is created through
 * {@code POST /api/admin/v1/setup} with the bootstrap token as setup code, others sign in through
 * {@code POST /api/admin/v1/session}, and writes go through the admin API with the session cookie and the CSRF
 * header, exactly as console.js sends them.
 */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class ConsoleTest {
    static final String BOOTSTRAP = "console-test-bootstrap-0123456789";
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
    static final String API = "/api/admin/v1";
    static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @Parameter
    TestDatabase database;
    @TempDir
    Path dir;
    UpshiftServer server;

    /** A signed-in browser: the session cookie ({@code name=value}) and the page's CSRF token. */
    record Session(String cookie, String csrf) {
    }

    @BeforeEach
    void start() {
        ServerConfig config = new ServerConfig("127.0.0.1", 0, dir.resolve("data"), database.newDatabaseUrl(dir), null,
                null, null, 64 * 1024, 8L * 1024 * 1024);
        server = UpshiftServer.start(config, BOOTSTRAP, null, Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    private HttpResponse<String> send(HttpRequest.Builder b) {
        try {
            return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
    }

    private HttpResponse<String> get(String path, Session s, String... headers) {
        HttpRequest.Builder b = request(path).GET();
        if (s != null) {
            b.header("Cookie", s.cookie());
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return send(b);
    }

    private HttpResponse<String> page(String path, Session s) {
        HttpResponse<String> r = get(path, s);
        assertThat(r.statusCode()).as(path + " -> " + r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("text/html"));
        return r;
    }

    /** An admin API call as console.js makes it: session cookie, JSON body, X-CSRF-Token. */
    private HttpResponse<String> api(String method, String path, String json, Session s) {
        HttpRequest.Builder b = request(API + path).method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(json)).header("Content-Type", "application/json");
        if (s != null) {
            b.header("Cookie", s.cookie()).header("X-CSRF-Token", s.csrf());
        }
        return send(b);
    }

    private JsonNode apiOk(String method, String path, Map<String, ?> body, Session s, int status) {
        HttpResponse<String> r = api(method, path, body == null ? null : Json.MAPPER.valueToTree(body).toString(), s);
        assertThat(r.statusCode()).as(method + " " + path + " -> " + r.body()).isEqualTo(status);
        return parse(r.body());
    }

    private HttpResponse<String> bearer(String method, String path, Map<String, ?> body, String token) {
        return send(request(API + path).method(method, HttpRequest.BodyPublishers.ofString(
                        Json.MAPPER.valueToTree(body).toString()))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + token));
    }

    private static JsonNode parse(String body) {
        try {
            return body.isEmpty() ? Json.MAPPER.createObjectNode() : Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + body, e);
        }
    }

    private static Session session(HttpResponse<String> r) {
        String cookie = r.headers().allValues("Set-Cookie").stream().filter(c -> c.contains("upshift-session="))
                .findFirst().orElseThrow(() -> new AssertionError("no session cookie: " + r.headers().map()));
        return new Session(cookie.substring(0, cookie.indexOf(';')), parse(r.body()).get("csrfToken").asText());
    }

    /** Creates the installation's first owner (the bootstrap token is the setup code) and returns the session. */
    private Session setupOwner() {
        HttpResponse<String> r = api("POST", "/setup", Json.MAPPER.valueToTree(Map.of("setupCode", BOOTSTRAP,
                "username", "olivia", "password", "a long enough passphrase", "displayName", "Olivia")).toString(), null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return session(r);
    }

    private Session login(String username, String password) {
        HttpResponse<String> r = api("POST", "/session", Json.MAPPER.valueToTree(Map.of("username", username,
                "password", password)).toString(), null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return session(r);
    }

    private static void assertSecurityHeaders(HttpResponse<String> r) {
        assertThat(r.headers().firstValue("Content-Security-Policy")).as(r.uri().toString()).hasValue(CSP);
        assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(r.headers().firstValue("Referrer-Policy")).hasValue("same-origin");
    }

    /** No inline script, no inline style, no event handler attributes: what the CSP would block anyway. */
    private static void assertNoInlineCode(String html) {
        assertThat(html).doesNotContainPattern("(?i)<script(?![^>]*\\ssrc=)[^>]*>");
        assertThat(html).doesNotContainPattern("(?i)\\sstyle=");
        assertThat(html).doesNotContainPattern("(?i)<style");
        assertThat(html).doesNotContainPattern("(?i)\\son[a-z]+=");
        assertThat(html).doesNotContain("javascript:");
    }

    private static List<String> assetUrls(String html) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("(?:src|href)=\"(/console/assets/[^\"]+)\"").matcher(html);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    // ---- without a session ------------------------------------------------------------------------------------

    @Test
    void pagesRedirectToSetupUntilAnOwnerExistsThenToSignInWithTheRequestedPage() {
        HttpResponse<String> root = get("/", null);
        assertThat(root.statusCode()).isEqualTo(303);
        assertThat(root.headers().firstValue("Location")).hasValue("/console/");
        for (String path : List.of("/console/", "/console", "/console/apps/abc", "/console/audit", "/console/login")) {
            HttpResponse<String> r = get(path, null);
            assertThat(r.statusCode()).as(path).isEqualTo(303);
            assertThat(r.headers().firstValue("Location")).as(path).hasValue("/console/setup");
        }
        assertThat(page("/console/setup", null).body()).contains("id=\"setup-form\"", "id=\"setup-code\"",
                "name=\"setupCode\"", "for=\"setup-code\"");

        setupOwner();

        HttpResponse<String> r = get("/console/audit?action=version.yank", null);
        assertThat(r.statusCode()).isEqualTo(303);
        assertThat(r.headers().firstValue("Location")).hasValue("/console/login?next=%2Fconsole%2Faudit%3Faction%3Dversion.yank");
        assertThat(get("/console/", null).headers().firstValue("Location")).hasValue("/console/login");
        assertThat(get("/console/setup", null).headers().firstValue("Location")).hasValue("/console/login");
        String login = page("/console/login", null).body();
        assertThat(login).contains("id=\"login-username\"", "id=\"login-password\"", "id=\"login-submit\"",
                "for=\"login-username\"", "for=\"login-password\"", "autocomplete=\"current-password\"");
    }

    @Test
    void anHtmxRequestWithoutASessionIsToldWhereToSignIn() {
        setupOwner();
        HttpResponse<String> r = get("/console/audit?actor=x", null, "HX-Request", "true");
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("HX-Redirect")).hasValueSatisfying(v -> assertThat(v).startsWith("/console/login?next="));
    }

    @Test
    void everyConsoleAnswerCarriesTheSecurityHeadersAndPagesAreNotCached() {
        Session owner = setupOwner();
        HttpResponse<String> loginRedirect = get("/console/", null);
        HttpResponse<String> loginPage = get("/console/login", null);
        HttpResponse<String> apps = get("/console/", owner);
        HttpResponse<String> missing = get("/console/no-such-page", owner);
        HttpResponse<String> asset = get(assetUrls(apps.body()).get(0), null);
        for (HttpResponse<String> r : List.of(loginRedirect, loginPage, apps, missing, asset)) {
            assertSecurityHeaders(r);
        }
        for (HttpResponse<String> r : List.of(loginRedirect, loginPage, apps, missing)) {
            assertThat(r.headers().firstValue("Cache-Control")).as(r.uri().toString()).hasValue("no-store");
        }
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.body()).contains("<title>Not found · Upshift</title>");
    }

    @Test
    void theThreeAssetsAreServedUnderAVersionedUrlAndCachedForAYear() {
        String html = page("/console/setup", null).body();
        List<String> urls = assetUrls(html);
        assertThat(urls).hasSize(3);
        assertThat(urls).anySatisfy(u -> assertThat(u).endsWith("/console.js"))
                .anySatisfy(u -> assertThat(u).endsWith("/console.css"))
                .anySatisfy(u -> assertThat(u).endsWith("/htmx.min.js"));
        for (String url : urls) {
            HttpResponse<String> r = get(url, null);
            assertThat(r.statusCode()).as(url).isEqualTo(200);
            assertThat(r.headers().firstValue("Cache-Control")).hasValue("public, max-age=31536000, immutable");
            assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(ct ->
                    assertThat(ct).startsWith(url.endsWith(".css") ? "text/css" : "text/javascript"));
            assertThat(r.body()).isNotEmpty();
        }
        String htmx = urls.stream().filter(u -> u.endsWith("htmx.min.js")).findFirst().orElseThrow();
        assertThat(get(htmx, null).body()).contains("htmx");
        String stale = htmx.replaceFirst("/console/assets/[^/]+/", "/console/assets/0000000000000000/");
        assertThat(get(stale, null).statusCode()).isEqualTo(404);
        assertThat(get("/console/assets/" + urls.get(0).split("/")[3] + "/secret.key", null).statusCode()).isEqualTo(404);
    }

    // ---- signed in --------------------------------------------------------------------------------------------

    @Test
    void anAppNamedLikeAScriptIsShownAsTextOnEveryPage() {
        Session owner = setupOwner();
        String evil = "<script>alert(1)</script>";
        String key = apiOk("POST", "/apps", Map.of("kind", "win", "name", evil, "packageName", "\"><img src=x>",
                "description", "<b>bold</b>"), owner, 201).get("key").asText();
        for (String path : List.of("/console/", "/console/apps/" + key, "/console/apps/" + key + "/versions",
                "/console/apps/" + key + "/strategies")) {
            String html = page(path, owner).body();
            assertThat(html).as(path).contains("&lt;script&gt;alert(1)&lt;/script&gt;").doesNotContain(evil);
            assertThat(html).doesNotContain("<img src=x>").doesNotContain("<b>bold</b>");
            assertNoInlineCode(html);
        }
    }

    @Test
    void theOwnerSeesEveryPageWithTheControlsBrowserTestsDrive() {
        Session owner = setupOwner();
        String key = apiOk("POST", "/apps", Map.of("kind", "win", "name", "Desk", "packageName", "com.example.desk"),
                owner, 201).get("key").asText();
        long version = apiOk("POST", "/apps/" + key + "/versions", Map.of("versionName", "1.0.0", "versionCode", 100,
                "arch", "x64"), owner, 201).get("id").asLong();
        HttpResponse<String> upload = send(request(API + "/apps/" + key + "/versions/" + version
                + "/artifact?role=install&fileName=desk-setup.exe").PUT(HttpRequest.BodyPublishers.ofString("MZ bytes"))
                .header("Cookie", owner.cookie()).header("X-CSRF-Token", owner.csrf())
                .header("Content-Type", "application/octet-stream"));
        assertThat(upload.statusCode()).as(upload.body()).isEqualTo(200);
        String sha256 = parse(upload.body()).get("sha256").asText();
        long strategy = apiOk("POST", "/apps/" + key + "/strategies", Map.of("versionId", version, "percentage", 25),
                owner, 201).get("id").asLong();
        apiOk("POST", "/apps/" + key + "/strategies/" + strategy + "/pause", Map.of("reason", "crash <loop>"), owner, 200);

        String base = "/console/apps/" + key;
        Map<String, List<String>> pages = Map.ofEntries(
                Map.entry("/console/", List.of("id=\"app-create-form\"", "id=\"app-kind\"", "id=\"app-name\"",
                        "id=\"apps-table\"", "Desk")),
                Map.entry(base, List.of("id=\"chart-adoption\"", "id=\"chart-funnel\"", "id=\"chart-devices\"",
                        "<title id=\"chart-funnel-title\">Update funnel</title>", "<caption>Update funnel</caption>",
                        "id=\"app-edit-form\"")),
                Map.entry(base + "/versions", List.of("id=\"versions-table\"", sha256, "id=\"version-yank-" + version + "\"")),
                Map.entry(base + "/versions/new", List.of("id=\"version-create-form\"", "name=\"versionCode\"",
                        "name=\"arch\"")),
                Map.entry(base + "/versions/" + version, List.of("id=\"artifact-file\"", "id=\"artifact-progress\"",
                        sha256, "desk-setup.exe")),
                Map.entry(base + "/strategies", List.of("id=\"strategies-table\"", "paused", "crash &lt;loop&gt;",
                        "id=\"strategy-resume-" + strategy + "\"")),
                Map.entry(base + "/strategies/new", List.of("id=\"strategy-form\"", "id=\"rollout-percentage\"")),
                Map.entry(base + "/strategies/" + strategy, List.of("id=\"strategy-form\"", "id=\"strategy-resume\"",
                        "type=\"range\"", "value=\"25\"", "name=\"upgradeType\"", "name=\"begin\"")),
                Map.entry("/console/devices", List.of("id=\"device-create-form\"")),
                Map.entry("/console/device-groups", List.of("id=\"group-create-form\"")),
                Map.entry("/console/device-models", List.of("id=\"model-create-form\"")),
                Map.entry("/console/access-keys", List.of("id=\"access-key-create-form\"", "id=\"secret-panel\"")),
                Map.entry("/console/users", List.of("id=\"users-table\"", "olivia", "id=\"user-create-form\"")),
                Map.entry("/console/tokens", List.of("id=\"token-create-form\"", "id=\"password-form\"")),
                Map.entry("/console/audit", List.of("id=\"audit-table\"", "strategy.pause", "id=\"audit-filter\"",
                        "hx-push-url=\"true\"", "/api/admin/v1/audit-log/export?format=csv")));
        pages.forEach((path, expected) -> {
            String html = page(path, owner).body();
            assertThat(html).as(path).contains(expected);
            assertThat(html).as(path).contains("<html lang=\"en\">", "<meta name=\"csrf-token\" content=\""
                    + owner.csrf() + "\">", "class=\"skip-link\"", "<main id=\"main\"", "role=\"status\"");
            assertNoInlineCode(html);
        });
    }

    @Test
    void theAuditLogFiltersAndAnswersHtmxWithOnlyTheResults() {
        Session owner = setupOwner();
        String key = apiOk("POST", "/apps", Map.of("kind", "url", "name", "Links"), owner, 201).get("key").asText();
        long version = apiOk("POST", "/apps/" + key + "/versions", Map.of("versionName", "1", "versionCode", 1,
                "urlPath", "https://example.com/1"), owner, 201).get("id").asLong();
        apiOk("POST", "/apps/" + key + "/versions/" + version + "/yank", Map.of("reason", "broken"), owner, 200);

        String full = page("/console/audit?action=version.yank", owner).body();
        assertThat(full).contains("<html", "version.yank", "broken").doesNotContain(">app.create<");
        assertThat(full).contains("/api/admin/v1/audit-log/export?action=version.yank&amp;format=jsonl");

        HttpResponse<String> fragment = get("/console/audit?action=version.yank", owner, "HX-Request", "true");
        assertThat(fragment.statusCode()).isEqualTo(200);
        assertThat(fragment.body()).startsWith("<div id=\"audit-results\">").contains("id=\"audit-table\"",
                "version.yank").doesNotContain("<html");
        assertThat(fragment.headers().firstValue("Vary")).hasValueSatisfying(v -> assertThat(v).contains("HX-Request"));

        HttpResponse<String> restore = get("/console/audit?action=version.yank", owner, "HX-Request", "true",
                "HX-History-Restore-Request", "true");
        assertThat(restore.body()).contains("<html");

        assertThat(page("/console/audit?from=2000-01-01&to=2000-01-02", owner).body()).contains("No audit entries match.");
        assertThat(page("/console/audit?action=version.yank&from=2000-01-01", owner).body()).contains("broken")
                .contains("from=2000-01-01T00%3A00%3A00Z");
        assertThat(get("/console/audit?from=yesterday", owner).statusCode()).isEqualTo(400);
    }

    @Test
    void theAuditLogPagesNewestFirstWithBefore() {
        Session owner = setupOwner();
        String key = apiOk("POST", "/apps", Map.of("kind", "url", "name", "Links"), owner, 201).get("key").asText();
        long version = apiOk("POST", "/apps/" + key + "/versions", Map.of("versionName", "1", "versionCode", 1,
                "urlPath", "https://example.com/1"), owner, 201).get("id").asLong();
        for (int i = 0; i < 30; i++) {
            apiOk("POST", "/apps/" + key + "/versions/" + version + "/yank", Map.of("reason", "round " + i), owner, 200);
            apiOk("DELETE", "/apps/" + key + "/versions/" + version + "/yank", null, owner, 200);
        }
        String first = page("/console/audit?actor=olivia", owner).body();
        assertThat(first).contains("round 29").doesNotContain("round 4&quot;");
        Matcher older = Pattern.compile("id=\"audit-older\"[^>]*href=\"([^\"]+)\"|href=\"([^\"]+)\"[^>]*id=\"audit-older\"")
                .matcher(first);
        assertThat(older.find()).as("an older-entries link").isTrue();
        String next = (older.group(1) != null ? older.group(1) : older.group(2)).replace("&amp;", "&");
        assertThat(next).startsWith("/console/audit?actor=olivia&before=");
        String second = page(next, owner).body();
        assertThat(second).contains("round 0&quot;").doesNotContain("round 29").doesNotContain("id=\"audit-older\"");
    }

    @Test
    void anotherTenantsAppIsNotFound() {
        HttpResponse<String> tenant = bearer("POST", "/tenants", Map.of("name", "other"), BOOTSTRAP);
        assertThat(tenant.statusCode()).as(tenant.body()).isEqualTo(201);
        String otherToken = parse(tenant.body()).get("adminToken").asText();
        HttpResponse<String> app = bearer("POST", "/apps", Map.of("kind", "url", "name", "Theirs"), otherToken);
        assertThat(app.statusCode()).as(app.body()).isEqualTo(201);
        String theirs = parse(app.body()).get("key").asText();

        Session owner = setupOwner();
        assertThat(page("/console/", owner).body()).doesNotContain("Theirs").doesNotContain(theirs);
        for (String path : List.of("/console/apps/" + theirs, "/console/apps/" + theirs + "/versions",
                "/console/apps/" + theirs + "/strategies", "/console/apps/" + theirs + "/versions/new")) {
            HttpResponse<String> r = get(path, owner);
            assertThat(r.statusCode()).as(path).isEqualTo(404);
            assertThat(r.body()).doesNotContain("Theirs");
        }
    }

    @Test
    void aViewerSeesNoWriteControlsAndNoAdminPages() {
        Session owner = setupOwner();
        String key = apiOk("POST", "/apps", Map.of("kind", "url", "name", "Links"), owner, 201).get("key").asText();
        long version = apiOk("POST", "/apps/" + key + "/versions", Map.of("versionName", "1", "versionCode", 1,
                "urlPath", "https://example.com/1"), owner, 201).get("id").asLong();
        long strategy = apiOk("POST", "/apps/" + key + "/strategies", Map.of("versionId", version), owner, 201)
                .get("id").asLong();
        apiOk("POST", "/users", Map.of("username", "vera", "password", "viewer passphrase 1", "role", "viewer"),
                owner, 201);
        Session viewer = login("vera", "viewer passphrase 1");

        String apps = page("/console/", viewer).body();
        assertThat(apps).contains("Links", "Your role can read apps").doesNotContain("id=\"app-create-form\"")
                .doesNotContain("href=\"/console/audit\"").doesNotContain("href=\"/console/users\"");
        assertThat(page("/console/apps/" + key + "/versions", viewer).body()).doesNotContain("data-api-button")
                .doesNotContain("id=\"version-new\"");
        assertThat(page("/console/apps/" + key + "/strategies/" + strategy, viewer).body())
                .doesNotContain("id=\"strategy-form\"").doesNotContain("id=\"strategy-pause\"");
        assertThat(page("/console/access-keys", viewer).body()).doesNotContain("id=\"access-key-create-form\"");
        for (String path : List.of("/console/audit", "/console/users", "/console/apps/" + key + "/versions/new",
                "/console/apps/" + key + "/strategies/new")) {
            HttpResponse<String> r = get(path, viewer);
            assertThat(r.statusCode()).as(path).isEqualTo(403);
            assertThat(r.body()).contains("needs the");
        }
        assertThat(page("/console/tokens", viewer).body()).contains("id=\"token-create-form\"");
    }

    @Test
    void signingOutEndsTheSessionForTheConsolePages() {
        Session owner = setupOwner();
        assertThat(page("/console/", owner).body()).contains("olivia");
        assertThat(api("DELETE", "/session", null, owner).statusCode()).isEqualTo(204);
        HttpResponse<String> r = get("/console/", owner);
        assertThat(r.statusCode()).isEqualTo(303);
        assertThat(r.headers().firstValue("Location")).hasValue("/console/login");
    }
}
