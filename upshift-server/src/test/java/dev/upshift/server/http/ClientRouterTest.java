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
import java.util.concurrent.atomic.AtomicInteger;
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
    private static final AtomicInteger RUNS = new AtomicInteger();
    private static HttpServer server;
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        server = new HttpServer("127.0.0.1", 0, METRICS, r -> {
            r.post("/v1/echo", ClientRouter.Threading.SELECTOR, ex -> {
                LAST_TARGET.set(ex.rawTarget());
                byte[] body = ex.body(16, n -> new ClientApiException(UpgradeLinkCode.PAYLOAD_TOO_LARGE,
                        "Request body is larger than " + n + " bytes"));
                ex.respondJson(200, Json.bytes(Map.of("body", new String(body, StandardCharsets.UTF_8),
                        "q", String.valueOf(ex.queryParam("q")), "h", String.valueOf(ex.header("x-probe")),
                        "trace", ex.traceId())));
            });
            r.get("/v1/feed/{file}", ClientRouter.Threading.SELECTOR, ex -> ex.respondJson(200, Json.bytes(Map.of("file", ex.pathParam("file")))));
            r.get("/v1/nothing", ClientRouter.Threading.SELECTOR, ex -> ex.status(204));
            r.get("/v1/refused", ClientRouter.Threading.SELECTOR, ex -> {
                ex.header("Retry-After", "7");
                ex.respondJson(200, OK);
                throw new ClientApiException(UpgradeLinkCode.UNAVAILABLE, "Try again later");
            });
            r.get("/v1/broken", ClientRouter.Threading.SELECTOR, ex -> {
                throw new IllegalStateException("secret detail from the database");
            });
            r.post("/v1/where", ClientRouter.Threading.SELECTOR, ClientRouterTest::where);
            r.post("/v1/pool", ClientRouter.Threading.POOL, ClientRouterTest::where);
            r.post("/v1/waits", ClientRouter.Threading.SELECTOR, ex -> {
                int run = ex.retained() == null ? 1 : (Integer) ex.retained() + 1;
                ex.retain(run);
                ex.header("X-Run-" + run, "set");
                RUNS.incrementAndGet();
                RequestThreads.beforeBlocking();
                where(ex);
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

    /** Answers on which kind of thread it ran, with the body it read (up to 1 MiB). */
    private static void where(ClientExchange ex) {
        byte[] body = ex.body(1 << 20, n -> new ClientApiException(UpgradeLinkCode.PAYLOAD_TOO_LARGE, "too large"));
        ex.respondJson(200, Json.bytes(Map.of("selector", RequestThreads.onSelector(),
                "length", body.length, "body", new String(body, StandardCharsets.ISO_8859_1))));
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
    void aRefusalIsAnsweredOnTheSelectorAndAnErrorThatLogsOnThePool() throws Exception {
        long before = handOffs();
        assertThat(send(at("/v1/refused")).statusCode()).isEqualTo(503);
        assertThat(sendRaw(closingPost("/v1/echo?q=%zz", "x"))).as("a malformed query").startsWith("HTTP/1.1 400");
        assertThat(handOffs()).as("refusals only write their answer").isEqualTo(before);
        assertThat(send(at("/v1/broken")).statusCode()).isEqualTo(500);
        assertThat(handOffs()).as("an unexpected error is logged from a pool thread").isEqualTo(before + 1);
    }

    private static long handOffs() {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^upshift_http_selector_handoffs_total (\\S+)$")
                .matcher(METRICS.scrape());
        assertThat(m.find()).as("the hand-off counter is exported").isTrue();
        return Math.round(Double.parseDouble(m.group(1)));
    }

    /** Sends {@code parts} on one connection, pausing between them, and returns all it answers until it closes. */
    private static String sendRaw(String... parts) throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(5000);
            s.setTcpNoDelay(true);
            OutputStream out = s.getOutputStream();
            for (int i = 0; i < parts.length; i++) {
                if (i > 0) {
                    Thread.sleep(300); // the server has read and parsed what came before
                }
                out.write(parts[i].getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            }
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    /** The status line and headers of a raw answer, lower-cased. */
    /** A POST, headers and ASCII body in one string (one write), after whose answer the server closes. */
    private static String closingPost(String target, String body) {
        return "POST " + target + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length()
                + "\r\nConnection: close\r\n\r\n" + body;
    }

    private static String head(String answer) {
        return answer.substring(0, answer.indexOf("\r\n\r\n")).toLowerCase(java.util.Locale.ROOT);
    }

    @Test
    void aBodyOverTheCapIs413AndTheConnectionStaysUsable() throws Exception {
        String big = "x".repeat(100);
        String both = sendRaw("POST /v1/echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + big.length() + "\r\n\r\n" + big
                + closingPost("/v1/echo", "ok"));
        assertThat(both).startsWith("HTTP/1.1 413").contains("\"code\":413001")
                .contains("Request body is larger than 16 bytes");
        assertThat(both.substring(both.indexOf("413001"))).contains("HTTP/1.1 200").contains("\"body\":\"ok\"");
    }

    @Test
    void aBodyTooLargeToDrainIsRefusedWithConnectionClose() throws Exception {
        long length = BodyReader.DRAIN_LIMIT + 1;
        String answer = sendRaw("POST /v1/echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + length + "\r\n\r\n");
        assertThat(answer).startsWith("HTTP/1.1 413").contains("\"code\":413001");
        assertThat(head(answer))
                .contains("connection: close");
    }

    @Test
    void aJavalinAnswerBeforeTheBodyArrivedSaysItClosesTheConnection() throws Exception {
        String answer = sendRaw("POST /api/refuse HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n");
        assertThat(answer).startsWith("HTTP/1.1 401");
        assertThat(head(answer))
                .contains("connection: close");
        // with the whole body sent, the same refusal keeps the connection for the next request
        String both = sendRaw("POST /api/refuse HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789"
                + "GET /v1/javalin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertThat(both).startsWith("HTTP/1.1 401").contains("from javalin");
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
        String answer = sendRaw(closingPost("/v1/echo?q=%zz", "x"));
        assertThat(answer).startsWith("HTTP/1.1 400").contains("application/json").contains("\"code\":400003")
                .contains("not valid percent-encoded UTF-8");
    }

    private static JsonNode answerBody(String answer) throws Exception {
        assertThat(answer).startsWith("HTTP/1.1 200");
        return Json.MAPPER.readTree(answer.substring(answer.indexOf("\r\n\r\n") + 4));
    }

    @Test
    void aBodyThatCameWithItsHeadersIsAnsweredOnTheSelectorThread() throws Exception {
        JsonNode body = answerBody(sendRaw(
                closingPost("/v1/where", "hello")));
        assertThat(body.get("selector").asBoolean()).isTrue();
        assertThat(body.get("body").asText()).isEqualTo("hello");
        // and through a pooling client, request after request
        for (int i = 0; i < 20; i++) {
            JsonNode r = json(send(at("/v1/where").POST(HttpRequest.BodyPublishers.ofString("n" + i))));
            assertThat(r.get("body").asText()).isEqualTo("n" + i);
        }
    }

    @Test
    void aBodyStillOnItsWayIsReadWholeOnAPoolThread() throws Exception {
        JsonNode later = answerBody(sendRaw(
                "POST /v1/where HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\nConnection: close\r\n\r\n",
                "hello world"));
        assertThat(later.get("selector").asBoolean()).isFalse();
        assertThat(later.get("body").asText()).isEqualTo("hello world");
        // what arrived with the headers is kept, and the rest is read after it
        JsonNode split = answerBody(sendRaw(
                "POST /v1/where HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\nConnection: close\r\n\r\nhello",
                " wor", "ld"));
        assertThat(split.get("selector").asBoolean()).isFalse();
        assertThat(split.get("body").asText()).isEqualTo("hello world");
        // a chunked body too
        JsonNode chunked = answerBody(sendRaw(
                "POST /v1/where HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                        + "5\r\nhello\r\n", "6\r\n world\r\n0\r\n\r\n"));
        assertThat(chunked.get("body").asText()).isEqualTo("hello world");
    }

    @Test
    void aBodyLargerThanTheSelectorsShareIsReadOnAPoolThread() throws Exception {
        String big = "y".repeat(ClientRouter.SELECTOR_BODY_MAX + 1);
        JsonNode r = json(send(at("/v1/where").POST(HttpRequest.BodyPublishers.ofString(big))));
        assertThat(r.get("selector").asBoolean()).isFalse();
        assertThat(r.get("length").asInt()).isEqualTo(big.length());
        // a chunked body that grows past it while it is read on the selector thread
        String chunked = Integer.toHexString(big.length()) + "\r\n" + big + "\r\n0\r\n\r\n";
        JsonNode c = answerBody(sendRaw("POST /v1/where HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                + "Connection: close\r\n\r\n" + chunked));
        assertThat(c.get("length").asInt()).isEqualTo(big.length());
    }

    @Test
    void aPoolRouteNeverRunsOnTheSelectorThread() throws Exception {
        JsonNode r = answerBody(sendRaw(
                closingPost("/v1/pool", "ok")));
        assertThat(r.get("selector").asBoolean()).isFalse();
        assertThat(r.get("body").asText()).isEqualTo("ok");
    }

    @Test
    void aRouteAboutToWaitRunsAgainOnAPoolThreadWithWhatItKept() throws Exception {
        RUNS.set(0);
        // In one write, so the body is there with the headers and the route starts on the selector thread (a client
        // that sends the body in a second packet would have it handed to the pool at once: one run).
        String answer = sendRaw(closingPost("/v1/waits", "once"));
        JsonNode body = answerBody(answer);
        assertThat(body.get("selector").asBoolean()).isFalse();
        assertThat(body.get("body").asText()).isEqualTo("once"); // the body read on the selector is read again
        assertThat(RUNS.get()).isEqualTo(2);
        // the second run saw what the first kept; the first run's headers are gone with its answer
        assertThat(head(answer)).contains("\r\nx-run-2: set").doesNotContain("x-run-1");
        assertThat(head(answer).split("\r\nx-trace-id: ", -1)).hasSize(2);
    }
}
