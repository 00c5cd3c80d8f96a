package dev.upshift.server;

import static dev.upshift.server.Accounts.PREFIX;
import static dev.upshift.server.Accounts.ok;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.upshift.server.accounts.Role;
import dev.upshift.server.admin.AdminRoutes;
import dev.upshift.server.http.Json;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Walks every registered admin route with an API token of each role and with a foreign tenant's owner token, on
 * freshly created objects of the home tenant: a role below the route's needs 403, a role at or above it succeeds
 * (and every successful write leaves an audit record), and the foreign tenant gets 404 for every object it does not
 * own. A route without an entry in {@link #call} fails the test, so new routes cannot skip the check.
 */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class AccessMatrixTest {
    @Parameter
    TestDatabase database;
    @TempDir
    Path dir;
    TestServer server;
    String ownerToken;
    final Map<Role, String> tokens = new LinkedHashMap<>();
    final Map<Role, String> passwords = new HashMap<>();
    String foreignToken;
    final AtomicInteger seq = new AtomicInteger();

    /** One request: path, JSON or binary body, and the status a caller allowed by role expects. */
    record Call(String path, byte[] body, String contentType, int expected) {
        static Call json(String path, String body, int expected) {
            return new Call(path, body == null ? null : body.getBytes(StandardCharsets.UTF_8), "application/json",
                    expected);
        }
    }

    @BeforeEach
    void start() {
        server = TestServer.start(database, dir);
        Accounts.Browser owner = Accounts.setup(server, "olivia", "a long owner passphrase");
        ownerToken = ok(Accounts.json(server, "POST", PREFIX + "/tokens", "{\"name\":\"matrix\"}", owner), 201)
                .get("token").asText();
        for (Role r : List.of(Role.VIEWER, Role.PUBLISHER, Role.ADMIN)) {
            String user = "u-" + r.wireName();
            tokens.put(r, Accounts.userWithToken(server, owner, user, r.wireName()));
            passwords.put(r, Accounts.USER_PW);
        }
        tokens.put(Role.OWNER, ownerToken);
        passwords.put(Role.OWNER, "a long owner passphrase");
        // A second tenant, created by the installation's owner; its bootstrap token is its owner until it has one.
        foreignToken = ok(send("POST", PREFIX + "/tenants", Call.json("", "{\"name\":\"foreign\"}", 201),
                ownerToken), 201).get("adminToken").asText();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void everyRouteChecksRoleAndTenantAndAuditsEveryWrite() {
        List<String> problems = new ArrayList<>();
        List<AdminRoutes.Route> routes = server.server().adminRoutes();
        assertThat(routes).hasSizeGreaterThan(50);
        for (AdminRoutes.Route route : routes) {
            if (route.access().isPublic()) {
                continue; // sign-in and setup: AccountsTest
            }
            String declared = route.access().installation() ? "installation" : route.access().role().wireName();
            String key = route.method() + " " + route.path().substring(PREFIX.length());
            if (!declared.equals(policy(key))) {
                problems.add(key + " is registered for " + declared + " but the policy says " + policy(key));
            }
            for (Map.Entry<Role, String> caller : tokens.entrySet()) {
                Role role = caller.getKey();
                Call c = call(route, role);
                boolean allowed = route.access().installation() ? role == Role.OWNER
                        : role.atLeast(route.access().role());
                long auditBefore = lastAuditId();
                HttpResponse<String> r = send(route.method(), c.path(), c, caller.getValue());
                int expected = allowed ? c.expected() : 403;
                if (r.statusCode() != expected) {
                    problems.add(route.method() + " " + c.path() + " as " + role.wireName() + ": expected " + expected
                            + ", got " + r.statusCode() + " " + r.body());
                } else if (allowed && r.statusCode() < 300 && !route.method().equals("GET") && !isSessionLogout(route)
                        && lastAuditId() <= auditBefore) {
                    problems.add(route.method() + " " + route.path() + " as " + role.wireName()
                            + ": succeeded without an audit record");
                }
            }
            if (route.path().contains("{")) {
                Call c = call(route, Role.OWNER);
                HttpResponse<String> r = send(route.method(), c.path(), c, foreignToken);
                if (r.statusCode() != 404) {
                    problems.add(route.method() + " " + c.path() + " as the foreign tenant's owner: expected 404, got "
                            + r.statusCode() + " " + r.body());
                }
            } else if (route.access().installation()) {
                Call c = call(route, Role.OWNER);
                assertThat(send(route.method(), c.path(), c, foreignToken).statusCode()).isEqualTo(403);
            }
        }
        assertThat(problems).isEmpty();
        // The foreign tenant's lists never show the home tenant's objects.
        for (String list : List.of("/apps", "/access-keys", "/devices", "/device-groups", "/device-models", "/users",
                "/tokens", "/audit-log")) {
            JsonNode items = ok(send("GET", PREFIX + list, Call.json(PREFIX + list, null, 200), foreignToken), 200)
                    .get("items");
            assertThat(items).as(list).isEmpty();
        }
    }

    /**
     * The access policy as written down (docs/api/admin.md): reads are for viewers, publishing for publishers,
     * everything else that changes the tenant for admins, users for owners, tenants for the installation's owner.
     */
    static String policy(String route) {
        return switch (route) {
            case "POST /tenants" -> "installation";
            case "GET /audit-log", "GET /audit-log/export", "GET /users", "GET /users/{userId}" -> "admin";
            case "POST /users", "PATCH /users/{userId}", "DELETE /users/{userId}" -> "owner";
            case "POST /apps/{appKey}/versions", "POST /apps/{appKey}/versions/{id}/yank",
                 "DELETE /apps/{appKey}/versions/{id}/yank", "PUT /apps/{appKey}/versions/{id}/artifact",
                 "PUT /apps/{appKey}/versions/{id}/patches", "PUT /apps/{appKey}/uploads/{fileName}",
                 "POST /apps/{appKey}/releases" -> "publisher";
            case "DELETE /session", "GET /me", "PUT /me/password", "GET /tokens", "POST /tokens",
                 "DELETE /tokens/{tokenId}" -> "viewer";
            default -> route.startsWith("GET ") ? "viewer" : "admin";
        };
    }

    private static boolean isSessionLogout(AdminRoutes.Route route) {
        return route.path().equals(PREFIX + "/session"); // by API token there is no session to end or audit
    }

    private long lastAuditId() {
        JsonNode items = ok(send("GET", PREFIX + "/audit-log?limit=1", Call.json("", null, 200), ownerToken), 200)
                .get("items");
        return items.isEmpty() ? 0 : items.get(0).get("id").asLong();
    }

    private HttpResponse<String> send(String method, String path, Call c, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.base() + path))
                .method(method, c.body() == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(c.body()))
                .header("Authorization", "Bearer " + token);
        if (c.body() != null) {
            b.header("Content-Type", c.contentType());
        }
        return TestServer.send(b.build());
    }

    // ---- fixtures: fresh objects of the home tenant, made with the owner's token ------------------------------

    private JsonNode make(String path, String json) {
        return ok(send("POST", PREFIX + path, Call.json("", json, 201), ownerToken), 201);
    }

    private String app(String kind) {
        int n = seq.incrementAndGet();
        return make("/apps", Json.MAPPER.createObjectNode().put("kind", kind).put("name", kind + n)
                .put("packageName", kind.equals("win") || kind.equals("apk") ? "com.example.a" + n : "").toString())
                .get("key").asText();
    }

    private long version(String app, int code) {
        return make("/apps/" + app + "/versions", "{\"versionName\":\"1.0." + code + "\",\"versionCode\":" + code
                + ",\"arch\":\"x64\"}").get("id").asLong();
    }

    private long apkVersion(String app, int code) {
        return make("/apps/" + app + "/versions", "{\"versionName\":\"1.0." + code + "\",\"versionCode\":" + code + "}")
                .get("id").asLong();
    }

    private long strategy(String app, long version) {
        return make("/apps/" + app + "/strategies", "{\"versionId\":" + version + "}").get("id").asLong();
    }

    private String device() {
        return make("/devices", "{\"deviceKey\":\"dev-" + seq.incrementAndGet() + "\"}").get("deviceKey").asText();
    }

    private long group() {
        return make("/device-groups", "{\"name\":\"group-" + seq.incrementAndGet() + "\"}").get("id").asLong();
    }

    private long user() {
        return make("/users", "{\"username\":\"someone-" + seq.incrementAndGet()
                + "\",\"password\":\"a fine passphrase\",\"role\":\"viewer\"}").get("id").asLong();
    }

    /** The request that exercises {@code route} for a caller of {@code role}, on fresh objects. */
    private Call call(AdminRoutes.Route route, Role role) {
        String key = route.method() + " " + route.path().substring(PREFIX.length());
        int n = seq.incrementAndGet();
        return switch (key) {
            case "POST /tenants" -> Call.json(PREFIX + "/tenants", "{\"name\":\"tenant-" + n + "\"}", 201);
            case "POST /access-keys" -> Call.json(PREFIX + "/access-keys", "{\"description\":\"k\"}", 201);
            case "GET /access-keys" -> Call.json(PREFIX + "/access-keys", null, 200);
            case "GET /access-keys/{accessKey}" -> Call.json(PREFIX + "/access-keys/" + make("/access-keys", "{}")
                    .get("accessKey").asText(), null, 200);
            case "DELETE /access-keys/{accessKey}" -> Call.json(PREFIX + "/access-keys/" + make("/access-keys", "{}")
                    .get("accessKey").asText(), null, 204);
            case "POST /apps" -> Call.json(PREFIX + "/apps", "{\"kind\":\"url\",\"name\":\"a" + n + "\"}", 201);
            case "GET /apps" -> Call.json(PREFIX + "/apps", null, 200);
            case "GET /apps/{appKey}" -> Call.json(PREFIX + "/apps/" + app("url"), null, 200);
            case "PATCH /apps/{appKey}" -> Call.json(PREFIX + "/apps/" + app("url"), "{\"name\":\"renamed\"}", 200);
            case "DELETE /apps/{appKey}" -> Call.json(PREFIX + "/apps/" + app("url"), null, 204);
            case "GET /audit-log" -> Call.json(PREFIX + "/audit-log", null, 200);
            case "GET /audit-log/export" -> Call.json(PREFIX + "/audit-log/export?format=jsonl", null, 200);
            case "GET /openapi.json" -> Call.json(PREFIX + "/openapi.json", null, 200);
            case "POST /apps/{appKey}/versions" -> Call.json(PREFIX + "/apps/" + app("win") + "/versions",
                    "{\"versionName\":\"2.0\",\"versionCode\":2,\"arch\":\"x64\"}", 201);
            case "GET /apps/{appKey}/versions" -> Call.json(PREFIX + "/apps/" + app("win") + "/versions", null, 200);
            case "GET /apps/{appKey}/versions/{id}", "DELETE /apps/{appKey}/versions/{id}",
                 "POST /apps/{appKey}/versions/{id}/yank", "DELETE /apps/{appKey}/versions/{id}/yank",
                 "GET /apps/{appKey}/versions/{id}/artifacts", "PUT /apps/{appKey}/versions/{id}/artifact" -> {
                String app = app("win");
                long v = version(app, n);
                String path = PREFIX + "/apps/" + app + "/versions/" + v + route.path().substring(
                        (PREFIX + "/apps/{appKey}/versions/{id}").length());
                yield switch (route.method() + route.path().substring(route.path().lastIndexOf('/'))) {
                    case "DELETE/{id}" -> Call.json(path, null, 204);
                    case "POST/yank" -> Call.json(path, "{\"reason\":\"broken\"}", 200);
                    case "PUT/artifact" -> new Call(path + "?role=install&fileName=setup-" + n + ".exe",
                            ("installer " + n).getBytes(StandardCharsets.UTF_8), "application/octet-stream", 200);
                    default -> Call.json(path, null, 200);
                };
            }
            case "PUT /apps/{appKey}/versions/{id}/patches" -> {
                String app = app("apk");
                long from = apkVersion(app, 1);
                long to = apkVersion(app, 2);
                yield new Call(PREFIX + "/apps/" + app + "/versions/" + to + "/patches?fromVersionId=" + from
                        + "&patchAlgo=1&fileName=p.patch", "patch bytes".getBytes(StandardCharsets.UTF_8),
                        "application/octet-stream", 200);
            }
            case "PUT /apps/{appKey}/uploads/{fileName}" -> new Call(PREFIX + "/apps/" + app("electron")
                    + "/uploads/App-Setup-1.0.0.exe", "electron installer".getBytes(StandardCharsets.UTF_8),
                    "application/octet-stream", 201);
            case "POST /apps/{appKey}/releases" -> {
                String app = app("electron");
                byte[] exe = ("electron installer " + n).getBytes(StandardCharsets.UTF_8);
                ok(send("PUT", PREFIX + "/apps/" + app + "/uploads/App-Setup-1.0.0.exe",
                        new Call("", exe, "application/octet-stream", 201), ownerToken), 201);
                String sha = TestData.sha512Base64(exe);
                String yml = "version: 1.0.0\nfiles:\n  - url: App-Setup-1.0.0.exe\n    sha512: " + sha + "\n    size: "
                        + exe.length + "\npath: App-Setup-1.0.0.exe\nsha512: " + sha
                        + "\nreleaseDate: '2026-11-20T10:00:00.000Z'\n";
                yield new Call(PREFIX + "/apps/" + app + "/releases?manifest=latest.yml",
                        yml.getBytes(StandardCharsets.UTF_8), "text/yaml", 201);
            }
            case "GET /apps/{appKey}/statistics" -> Call.json(PREFIX + "/apps/" + app("url") + "/statistics", null, 200);
            case "POST /apps/{appKey}/strategies" -> {
                String app = app("win");
                yield Call.json(PREFIX + "/apps/" + app + "/strategies", "{\"versionId\":" + version(app, n) + "}", 201);
            }
            case "GET /apps/{appKey}/strategies" -> Call.json(PREFIX + "/apps/" + app("win") + "/strategies", null, 200);
            case "GET /apps/{appKey}/strategies/{id}", "PATCH /apps/{appKey}/strategies/{id}",
                 "DELETE /apps/{appKey}/strategies/{id}", "POST /apps/{appKey}/strategies/{id}/pause",
                 "POST /apps/{appKey}/strategies/{id}/resume" -> {
                String app = app("win");
                long s = strategy(app, version(app, n));
                String path = PREFIX + "/apps/" + app + "/strategies/" + s + route.path().substring(
                        (PREFIX + "/apps/{appKey}/strategies/{id}").length());
                yield switch (route.method()) {
                    case "PATCH" -> Call.json(path, "{\"name\":\"renamed\"}", 200);
                    case "DELETE" -> Call.json(path, null, 204);
                    case "POST" -> Call.json(path, "{}", 200);
                    default -> Call.json(path, null, 200);
                };
            }
            case "POST /devices" -> Call.json(PREFIX + "/devices", "{\"deviceKey\":\"new-" + n + "\"}", 201);
            case "GET /devices" -> Call.json(PREFIX + "/devices", null, 200);
            case "GET /devices/{deviceKey}" -> Call.json(PREFIX + "/devices/" + device(), null, 200);
            case "DELETE /devices/{deviceKey}" -> Call.json(PREFIX + "/devices/" + device(), null, 204);
            case "POST /device-groups" -> Call.json(PREFIX + "/device-groups", "{\"name\":\"new-" + n + "\"}", 201);
            case "GET /device-groups" -> Call.json(PREFIX + "/device-groups", null, 200);
            case "GET /device-groups/{id}" -> Call.json(PREFIX + "/device-groups/" + group(), null, 200);
            case "DELETE /device-groups/{id}" -> Call.json(PREFIX + "/device-groups/" + group(), null, 204);
            case "POST /device-groups/{id}/members" -> Call.json(PREFIX + "/device-groups/" + group() + "/members",
                    "{\"deviceKeys\":[\"" + device() + "\"]}", 200);
            case "DELETE /device-groups/{id}/members/{deviceKey}" -> {
                long g = group();
                String d = device();
                ok(send("POST", PREFIX + "/device-groups/" + g + "/members", Call.json("", "{\"deviceKeys\":[\"" + d
                        + "\"]}", 200), ownerToken), 200);
                yield Call.json(PREFIX + "/device-groups/" + g + "/members/" + d, null, 204);
            }
            case "POST /device-models" -> Call.json(PREFIX + "/device-models", "{\"modelKey\":\"m-" + n + "\"}", 201);
            case "GET /device-models" -> Call.json(PREFIX + "/device-models", null, 200);
            case "DELETE /device-models/{modelKey}" -> {
                String model = make("/device-models", "{\"modelKey\":\"m-" + n + "\"}").get("modelKey").asText();
                yield Call.json(PREFIX + "/device-models/" + model, null, 204);
            }
            case "DELETE /session" -> Call.json(PREFIX + "/session", null, 204);
            case "GET /me" -> Call.json(PREFIX + "/me", null, 200);
            case "PUT /me/password" -> {
                String next = "rotated passphrase " + n;
                String current = passwords.put(role, next);
                yield Call.json(PREFIX + "/me/password", Json.MAPPER.createObjectNode().put("currentPassword", current)
                        .put("newPassword", next).toString(), 204);
            }
            case "GET /users" -> Call.json(PREFIX + "/users", null, 200);
            case "POST /users" -> Call.json(PREFIX + "/users", "{\"username\":\"new-" + n
                    + "\",\"password\":\"a fine passphrase\",\"role\":\"viewer\"}", 201);
            case "GET /users/{userId}" -> Call.json(PREFIX + "/users/" + user(), null, 200);
            case "PATCH /users/{userId}" -> Call.json(PREFIX + "/users/" + user(), "{\"displayName\":\"X\"}", 200);
            case "DELETE /users/{userId}" -> Call.json(PREFIX + "/users/" + user(), null, 204);
            case "GET /tokens" -> Call.json(PREFIX + "/tokens", null, 200);
            // Tokens are made while signed in, never by another token (AccountsTest covers the session path).
            case "POST /tokens" -> Call.json(PREFIX + "/tokens", "{\"name\":\"t" + n + "\",\"role\":\"viewer\"}", 403);
            case "DELETE /tokens/{tokenId}" -> {
                // The owner's fresh token: only owners may revoke another user's token; others do not see it.
                Accounts.Browser owner = Accounts.login(server, "olivia", passwords.get(Role.OWNER));
                long id = ok(Accounts.json(server, "POST", PREFIX + "/tokens", "{\"name\":\"victim" + n + "\"}", owner),
                        201).get("id").asLong();
                yield Call.json(PREFIX + "/tokens/" + id, null, role == Role.OWNER ? 204 : 404);
            }
            default -> throw new AssertionError("No access-matrix entry for " + key + "; add one to call().");
        };
    }
}
