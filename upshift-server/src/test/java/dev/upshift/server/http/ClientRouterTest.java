package dev.upshift.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.upshift.core.protocol.UpgradeLinkCode;
import dev.upshift.server.metrics.Metrics;
import dev.upshift.server.protocol.upgradelink.ClientApiException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The client router on a real Jetty server in front of Javalin: which requests it answers and which pass through,
 * how it reads bodies and queries, and that an error thrown by a route replaces the route's answer.
 */
class ClientRouterTest {
    private static final byte[] OK = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
    private static final Metrics METRICS = new Metrics();
    private static final AtomicReference<String> LAST_TARGET = new AtomicReference<>();
    private static HttpServer server;
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        server = new HttpServer("127.0.0.1", 0, METRICS, r -> {
            r.post("/v1/echo", ex -> {
                LAST_TARGET.set(ex.rawTarget());
                byte[] body = ex.body(16, n -> new ClientApiException(UpgradeLinkCode.PAYLOAD_TOO_LARGE,
                        "Request body is larger than " + n + " bytes"));
                ex.respondJson(200, Json.bytes(Map.of("body", new String(body, StandardCharsets.UTF_8),
                        "q", String.valueOf(ex.queryParam("q")), "h", String.valueOf(ex.header("x-probe")),
                        "trace", ex.traceId())));
            });
            r.get("/v1/feed/{file}", ex -> ex.respondJson(200, Json.bytes(Map.of("file", ex.pathParam("file")))));
            r.get("/v1/nothing", ex -> ex.status(204));
            r.get("/v1/refused", ex -> {
                ex.header("Retry-After", "7");
                ex.respondJson(200, OK);
                throw new ClientApiException(UpgradeLinkCode.UNAVAILABLE, "Try again later");
            });
            r.get("/v1/broken", ex -> {
                throw new IllegalStateException("secret detail from the database");
            });
        }, routes -> {
            routes.get("/v1/javalin", ctx -> ctx.result("from javalin"));
            // refuses without reading the body, as the admin API does for a missing token
            routes.post("/api/refuse", ctx -> Json.respond(ctx, 401, Map.of("code", "unauthorized")));
        });
        server.start();
    }

    @AfterAll
    static void stop() {
        server.stop();
        METRICS.close();
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest.Builder at(String pathAndQuery) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + pathAndQuery));
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return Json.MAPPER.readTree(r.body());
    }

    @Test
    void answersItsRoutesWithLengthTraceIdAndTheRawTarget() throws Exception {
        HttpResponse<String> r = send(at("/v1/echo?q=a%20b&q=second&x=%2F").header("X-Probe", "p1")
                .POST(HttpRequest.BodyPublishers.ofString("hello")));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(r.headers().firstValue("Content-Length")).hasValue(Integer.toString(r.body().length()));
        JsonNode body = json(r);
        assertThat(body.get("body").asText()).isEqualTo("hello");
        assertThat(body.get("q").asText()).isEqualTo("a b");
        assertThat(body.get("h").asText()).isEqualTo("p1");
        assertThat(body.get("trace").asText()).matches("[0-9a-f]{32}")
                .isEqualTo(r.headers().firstValue("X-Trace-Id").orElseThrow());
        // the signature covers the target as sent, percent-encoding included
        assertThat(LAST_TARGET.get()).isEqualTo("/v1/echo?q=a%20b&q=second&x=%2F");
        assertThat(METRICS.scrape()).contains("method=\"POST\",route=\"/v1/echo\",status=\"200\"");
        assertThat(r.headers().firstValue("Connection")).as("the connection stays open").isEmpty();
    }

    @Test
    void matchesLikeJavalinAndLeavesEverythingElseToIt() throws Exception {
        assertThat(send(at("/v1/echo/").POST(HttpRequest.BodyPublishers.ofString("x"))).statusCode()).isEqualTo(200);
        assertThat(json(send(at("/v1/feed/latest-mac.yml"))).get("file").asText()).isEqualTo("latest-mac.yml");
        assertThat(json(send(at("/v1/feed/beta%20x.yml"))).get("file").asText()).isEqualTo("beta x.yml");
        assertThat(send(at("/v1/javalin")).body()).isEqualTo("from javalin");

        // another method, a missing or extra segment, another case: not the router's, so Javalin's 404 envelope
        for (HttpRequest.Builder other : new HttpRequest.Builder[] {at("/v1/echo"), at("/v1/feed"), at("/v1/feed/"),
                at("/v1/feed/a/b"), at("/V1/ECHO").POST(HttpRequest.BodyPublishers.ofString("x"))}) {
            HttpResponse<String> r = send(other);
            assertThat(r.statusCode()).as(r.request().method() + " " + r.request().uri()).isEqualTo(404);
            assertThat(json(r).get("code").asInt()).isEqualTo(UpgradeLinkCode.REQUEST_NOT_FOUND.code());
        }
    }

    @Test
    void aStatusWithoutBodyHasNoBody() throws Exception {
        HttpResponse<String> r = send(at("/v1/nothing"));
        assertThat(r.statusCode()).isEqualTo(204);
        assertThat(r.body()).isEmpty();
        assertThat(r.headers().firstValue("X-Trace-Id")).isPresent();
    }

    @Test
    void anErrorReplacesTheAnswerButKeepsItsHeaders() throws Exception {
        HttpResponse<String> r = send(at("/v1/refused"));
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("Retry-After")).hasValue("7");
        JsonNode body = json(r);
        assertThat(body.get("code").asInt()).isEqualTo(UpgradeLinkCode.UNAVAILABLE.code());
        assertThat(body.get("msg").asText()).isEqualTo("Try again later");
        assertThat(body.get("traceId").asText()).isEqualTo(r.headers().firstValue("X-Trace-Id").orElseThrow());
    }

    @Test
    void anUnexpectedErrorIs500001WithoutItsDetails() throws Exception {
        HttpResponse<String> r = send(at("/v1/broken"));
        assertThat(r.statusCode()).isEqualTo(500);
        assertThat(json(r).get("code").asInt()).isEqualTo(UpgradeLinkCode.INTERNAL.code());
        assertThat(r.body()).doesNotContain("secret").doesNotContain("IllegalStateException");
    }

    @Test
    void aBodyOverTheCapIs413AndTheConnectionStaysUsable() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            String big = "x".repeat(100);
            out.write(("POST /v1/echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + big.length() + "\r\n\r\n" + big
                    + "POST /v1/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String both = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(both).startsWith("HTTP/1.1 413").contains("\"code\":413001")
                    .contains("Request body is larger than 16 bytes");
            assertThat(both.substring(both.indexOf("413001"))).contains("HTTP/1.1 200").contains("\"body\":\"ok\"");
        }
    }

    @Test
    void aBodyTooLargeToDrainIsRefusedWithConnectionClose() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(5000);
            long length = BodyReader.DRAIN_LIMIT + 1;
            s.getOutputStream().write(("POST /v1/echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + length + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(answer).startsWith("HTTP/1.1 413").contains("\"code\":413001");
            assertThat(answer.substring(0, answer.indexOf("\r\n\r\n")).toLowerCase(java.util.Locale.ROOT))
                    .contains("connection: close");
        }
    }

    @Test
    void aJavalinAnswerBeforeTheBodyArrivedSaysItClosesTheConnection() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("POST /api/refuse HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(answer).startsWith("HTTP/1.1 401");
            assertThat(answer.substring(0, answer.indexOf("\r\n\r\n")).toLowerCase(java.util.Locale.ROOT))
                    .contains("connection: close");
        }
        // with the whole body sent, the same refusal keeps the connection for the next request
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(("POST /api/refuse HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789"
                    + "GET /v1/javalin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            String both = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(both).startsWith("HTTP/1.1 401").contains("from javalin");
        }
    }

    @Test
    void aBodyCutShortIsNotAnsweredAsIfComplete() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write("POST /v1/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            s.shutdownOutput();
            InputStream in = s.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(answer).startsWith("HTTP/1.1 400").contains("\"code\":400005")
                    .doesNotContain("\"body\":\"abc\"");
        }
    }

    @Test
    void aMalformedQueryIs400003() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("POST /v1/echo?q=%zz HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx"
                    .getBytes(StandardCharsets.ISO_8859_1));
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(answer).startsWith("HTTP/1.1 400").contains("application/json").contains("\"code\":400003")
                    .contains("not valid percent-encoded UTF-8");
        }
    }
}
