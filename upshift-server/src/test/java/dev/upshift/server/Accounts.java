package dev.upshift.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.upshift.server.http.Json;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** Test helpers that act like the console in a browser: setup, sign-in, cookie and anti-forgery header. */
final class Accounts {
    static final String PREFIX = "/api/admin/v1";
    /** The password {@link #userWithToken} gives its users. */
    static final String USER_PW = "correct horse battery staple";

    /** A signed-in browser: the session cookie ({@code name=value}) and the anti-forgery token. */
    record Browser(String cookie, String csrf) {
    }

    private Accounts() {
    }

    /** Creates the installation's first owner with the test server's bootstrap token as setup code. */
    static Browser setup(TestServer server, String username, String password) {
        HttpResponse<String> r = json(server, "POST", PREFIX + "/setup", Json.MAPPER.createObjectNode()
                .put("setupCode", TestServer.ADMIN_TOKEN).put("username", username).put("password", password)
                .toString(), null);
        return signedIn(r, 201);
    }

    static Browser login(TestServer server, String username, String password) {
        HttpResponse<String> r = json(server, "POST", PREFIX + "/session", Json.MAPPER.createObjectNode()
                .put("username", username).put("password", password).toString(), null);
        return signedIn(r, 200);
    }

    private static Browser signedIn(HttpResponse<String> r, int expected) {
        if (r.statusCode() != expected) {
            throw new AssertionError("sign-in -> " + r.statusCode() + " " + r.body());
        }
        String setCookie = r.headers().firstValue("Set-Cookie").orElseThrow();
        return new Browser(setCookie.substring(0, setCookie.indexOf(';')), TestServer.parse(r.body()).get("csrfToken")
                .asText());
    }

    /** A JSON request as the console sends it: cookie, same-origin, anti-forgery header (when {@code b} is set). */
    static HttpResponse<String> json(TestServer server, String method, String path, String body, Browser b) {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(server.base() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json").header("Sec-Fetch-Site", "same-origin");
        if (b != null) {
            req.header("Cookie", b.cookie()).header("X-CSRF-Token", b.csrf());
        }
        return TestServer.send(req.build());
    }

    static JsonNode ok(HttpResponse<String> r, int expected) {
        if (r.statusCode() != expected) {
            throw new AssertionError(r.request().method() + " " + r.request().uri() + " -> " + r.statusCode() + " "
                    + r.body());
        }
        return r.body().isEmpty() ? null : TestServer.parse(r.body());
    }

    /** Creates a user (as the owner {@code owner}) and returns an API token of {@code role} made by that user. */
    static String userWithToken(TestServer server, Browser owner, String username, String role) {
        String password = USER_PW;
        ok(json(server, "POST", PREFIX + "/users", Json.MAPPER.createObjectNode().put("username", username)
                .put("password", password).put("role", role).toString(), owner), 201);
        Browser b = login(server, username, password);
        return ok(json(server, "POST", PREFIX + "/tokens", Json.MAPPER.createObjectNode().put("name", "t-" + username)
                .toString(), b), 201).get("token").asText();
    }
}
