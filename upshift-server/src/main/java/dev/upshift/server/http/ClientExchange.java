package dev.upshift.server.http;

import java.util.function.LongFunction;

/**
 * One client API request and its answer, whichever HTTP layer carries it: {@link ClientRouter}, Jetty's core API,
 * for the update checks, feeds and reports that devices send all day; or a Javalin context ({@link JavalinExchange})
 * for the client routes that stream files. The endpoints are written once against this.
 */
public interface ClientExchange {
    String method();

    /** The request target as the client sent it (raw path, then {@code ?query} if any): the v1 signature covers it. */
    String rawTarget();

    /** A request header (case-insensitive name), or null. */
    String header(String name);

    /** The first value of a query parameter, decoded, or null. */
    String queryParam(String name);

    /** A {@code {name}} segment of the matched route, decoded. */
    String pathParam(String name);

    /** The body, read within {@code max} bytes; {@code tooLarge} makes the error for a larger one. */
    byte[] body(long max, LongFunction<RuntimeException> tooLarge);

    /**
     * A value the endpoint kept with {@link #retain} in an earlier run of this request: a request that was about to
     * wait on a selector thread runs again on a pool thread ({@link RequestThreads}), and what it already did that
     * must not happen twice (a nonce reserved) is kept here. Null in the first run.
     */
    Object retained();

    void retain(Object value);

    /** This request's trace id, echoed as {@code X-Trace-Id} and in every envelope. */
    String traceId();

    /** Sets a response header. */
    void header(String name, String value);

    /** Answers with this status and no body. */
    void status(int status);

    /** Answers with a rendered JSON body. */
    void respondJson(int status, byte[] body);
}
