package dev.upshift.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import java.io.IOException;

/** The one JSON mapper of the server, and helpers to write JSON responses with an exact field order. */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
            .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .configure(com.fasterxml.jackson.core.JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN, true);

    private Json() {
    }

    /** Parses a document; throws {@link IOException} with a location-only message on malformed input. */
    public static JsonNode parse(byte[] body) throws IOException {
        try {
            JsonNode node = MAPPER.readTree(body);
            if (node == null || node.isMissingNode()) {
                throw new IOException("the body is empty");
            }
            return node;
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            throw new IOException(loc == null ? "the body is not valid JSON"
                    : "the body is not valid JSON (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")");
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IOException("the body holds a number out of range");
        }
    }

    public static byte[] bytes(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise response", e);
        }
    }

    /** Request attribute set once a JSON answer has been written, so error pages never replace it. */
    public static final String RENDERED = "upshift.rendered";

    public static void respond(Context ctx, int status, Object value) {
        respondRendered(ctx, status, bytes(value));
    }

    /**
     * An answer given before the request's body arrived (a refusal that never reads it) ends the connection once
     * written, since Jetty cannot find the next request behind the unread bytes: say so, or a client that pools
     * connections (the JDK's HttpClient sends headers and body apart) sends its next request on a closed one and
     * gets no answer at all. The bytes that did arrive are consumed, so a complete body keeps the connection.
     */
    private static void closeIfBodyUnread(Context ctx) {
        if (ctx.req().getContentLengthLong() == 0) {
            return;
        }
        ServletContextRequest request = ServletContextRequest.getServletContextRequest(ctx.req());
        if (request != null && !request.consumeAvailable()) {
            ctx.header("Connection", "close");
        }
    }

    /** Writes a JSON answer rendered by the caller. */
    public static void respondRendered(Context ctx, int status, byte[] body) {
        ctx.attribute(RENDERED, Boolean.TRUE);
        ctx.status(status).contentType("application/json");
        // Written straight to the servlet response with its length, not through ctx.result: Javalin copies a result
        // through its compression wrapper, whose first-write checks were a tenth of an update check's CPU in the
        // profile. Answers here are small JSON, which Upshift does not compress anyway.
        ctx.res().setContentLength(body.length);
        closeIfBodyUnread(ctx);
        try {
            ctx.res().getOutputStream().write(body);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("client went away while the answer was written", e);
        }
    }
}
