package dev.upshift.server.http;

import io.javalin.http.Context;
import java.util.function.LongFunction;

/** A {@link ClientExchange} over a Javalin context: the client routes that stream files stay on Javalin. */
public final class JavalinExchange implements ClientExchange {
    /** The request attribute that holds the trace id of a request Javalin handles. */
    public static final String TRACE_ID = "upshift.traceId";
    private static final String RETAINED = "upshift.retained";

    private final Context ctx;

    public JavalinExchange(Context ctx) {
        this.ctx = ctx;
    }

    @Override
    public String method() {
        return ctx.method().name();
    }

    @Override
    public String rawTarget() {
        String query = ctx.req().getQueryString();
        return query == null ? ctx.req().getRequestURI() : ctx.req().getRequestURI() + "?" + query;
    }

    @Override
    public String header(String name) {
        return ctx.header(name);
    }

    @Override
    public String queryParam(String name) {
        return ctx.queryParam(name);
    }

    @Override
    public String pathParam(String name) {
        return ctx.pathParam(name);
    }

    @Override
    public byte[] body(long max, LongFunction<RuntimeException> tooLarge) {
        return BodyReader.read(ctx, max, tooLarge);
    }

    @Override
    public Object retained() {
        return ctx.attribute(RETAINED);
    }

    @Override
    public void retain(Object value) {
        ctx.attribute(RETAINED, value);
    }

    @Override
    public String traceId() {
        return ctx.attribute(TRACE_ID);
    }

    @Override
    public void header(String name, String value) {
        ctx.header(name, value);
    }

    @Override
    public void status(int status) {
        ctx.status(status);
    }

    @Override
    public void respondJson(int status, byte[] body) {
        Json.respondRendered(ctx, status, body);
    }
}
