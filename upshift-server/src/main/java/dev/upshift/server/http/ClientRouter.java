package dev.upshift.server.http;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/**
 * The client API's hot routes on Jetty's core API, in front of Javalin: update checks, the updater feeds and
 * reports, which devices send all day, skip the Servlet layer and Javalin's context (a bare "hello" costs about
 * 29 µs of CPU here against 45 µs through Javalin, measured in {@code docs/benchmarks.md}). Every other request
 * (admin API, console, downloads, CI uploads, unknown paths) passes through to Javalin unchanged.
 *
 * <p>Routes are matched like Javalin matches them: exact segments, {@code {name}} for one segment, and one trailing
 * slash ignored. A route answers once: the handler sets status, headers and body on its {@link ClientExchange}, and
 * the router writes them with their length after it returns, so an error thrown halfway replaces the answer instead
 * of following a partial one.
 */
public final class ClientRouter extends Handler.Wrapper {
    /** A client route's handler. */
    @FunctionalInterface
    public interface Route {
        void handle(ClientExchange exchange) throws Exception;
    }

    /** Turns an exception a route threw into the client API's error answer. */
    @FunctionalInterface
    public interface ErrorAnswer {
        void answer(ClientExchange exchange, Exception error);
    }

    /** Sees every answered request: access log and metrics. */
    @FunctionalInterface
    public interface RequestLog {
        void answered(String method, String path, String routeTemplate, int status, long nanos, String traceId);
    }

    /** The query string is not valid percent-encoded UTF-8. */
    public static final class MalformedQueryException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        MalformedQueryException(Throwable cause) {
            super("the query string is not valid percent-encoded UTF-8", cause, false, false);
        }
    }

    private record Template(String method, String path, String[] segments, Route route) {
    }

    /** Routes without parameters by method and path: one map lookup for nearly every request. */
    private final Map<String, Template> exact = new HashMap<>();
    private final List<Template> templated = new ArrayList<>();
    private final ErrorAnswer errors;
    private final RequestLog log;
    private final Supplier<String> traceIds;

    public ClientRouter(ErrorAnswer errors, RequestLog log, Supplier<String> traceIds) {
        this.errors = errors;
        this.log = log;
        this.traceIds = traceIds;
    }

    public void get(String path, Route route) {
        add("GET", path, route);
    }

    public void post(String path, Route route) {
        add("POST", path, route);
    }

    private void add(String method, String path, Route route) {
        if (isStarted()) {
            throw new IllegalStateException("routes are added before the server starts");
        }
        Template t = new Template(method, path, path.substring(1).split("/"), route);
        if (path.contains("{")) {
            templated.add(t);
        } else if (exact.putIfAbsent(method + " " + path, t) != null) {
            throw new IllegalArgumentException("route registered twice: " + method + " " + path);
        }
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String method = request.getMethod();
        String path = request.getHttpURI().getDecodedPath();
        if (path == null) {
            return super.handle(request, response, callback);
        }
        if (path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        Template route = exact.get(method + " " + path);
        String[] params = null;
        if (route == null) {
            for (Template t : templated) {
                params = t.method().equals(method) ? match(t.segments(), path) : null;
                if (params != null) {
                    route = t;
                    break;
                }
            }
            if (route == null) {
                return super.handle(request, response, callback);
            }
        }
        long start = System.nanoTime();
        Exchange exchange = new Exchange(request, route, params, traceIds.get());
        response.getHeaders().put("X-Trace-Id", exchange.traceId);
        try {
            route.route().handle(exchange);
        } catch (Exception e) {
            exchange.clearAnswer();
            errors.answer(exchange, e);
        }
        exchange.write(response, callback);
        log.answered(method, path, route.path(), exchange.status, System.nanoTime() - start, exchange.traceId);
        return true;
    }

    /** The {@code {name}} segments' values if {@code path} matches, else null. */
    private static String[] match(String[] segments, String path) {
        String[] parts = path.substring(1).split("/", -1);
        if (parts.length != segments.length) {
            return null;
        }
        String[] values = new String[segments.length];
        for (int i = 0; i < segments.length; i++) {
            if (segments[i].startsWith("{")) {
                if (parts[i].isEmpty()) {
                    return null;
                }
                values[i] = parts[i];
            } else if (!segments[i].equals(parts[i])) {
                return null;
            }
        }
        return values;
    }

    private static final class Exchange implements ClientExchange {
        private final Request request;
        private final Template route;
        private final String[] params;
        private final String traceId;
        private Map<String, String> headers; // most answers set none
        private Fields query;
        private InputStream bodyStream;
        private int status = 200;
        private byte[] body;

        Exchange(Request request, Template route, String[] params, String traceId) {
            this.request = request;
            this.route = route;
            this.params = params;
            this.traceId = traceId;
        }

        @Override
        public String method() {
            return request.getMethod();
        }

        @Override
        public String rawTarget() {
            HttpURI uri = request.getHttpURI();
            String query = uri.getQuery();
            return query == null ? uri.getPath() : uri.getPath() + "?" + query;
        }

        @Override
        public String header(String name) {
            return request.getHeaders().get(name);
        }

        @Override
        public String queryParam(String name) {
            if (query == null) {
                try {
                    query = Request.extractQueryParameters(request, StandardCharsets.UTF_8);
                } catch (RuntimeException e) {
                    throw new MalformedQueryException(e);
                }
            }
            return query.getValue(name);
        }

        @Override
        public String pathParam(String name) {
            String[] segments = route.segments();
            for (int i = 0; i < segments.length; i++) {
                if (segments[i].equals("{" + name + "}")) {
                    return params[i];
                }
            }
            throw new IllegalArgumentException("route " + route.path() + " has no parameter " + name);
        }

        @Override
        public byte[] body(long max, LongFunction<RuntimeException> tooLarge) {
            return BodyReader.read(request.getLength(), () -> {
                if (bodyStream == null) {
                    bodyStream = Content.Source.asInputStream(request);
                }
                return bodyStream;
            }, max, tooLarge);
        }

        @Override
        public String traceId() {
            return traceId;
        }

        @Override
        public void header(String name, String value) {
            if (headers == null) {
                headers = new HashMap<>(4);
            }
            headers.put(name, value);
        }

        @Override
        public void status(int status) {
            this.status = status;
            this.body = null;
        }

        @Override
        public void respondJson(int status, byte[] body) {
            this.status = status;
            this.body = body;
        }

        /** An error answer replaces whatever the route had set, but for headers such as {@code Retry-After}. */
        void clearAnswer() {
            status = 200;
            body = null;
        }

        void write(Response response, Callback callback) {
            response.setStatus(status);
            // An answer given before the whole body was read (a 413 for a body too large to drain) ends the connection
            // once written, since Jetty cannot find the next request behind the unread bytes: say so, or a client
            // that pools connections sends its next request on a closed one.
            if (!request.consumeAvailable()) {
                response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
            }
            if (headers != null) {
                headers.forEach((name, value) -> response.getHeaders().put(name, value));
            }
            if (body == null) {
                response.write(true, null, callback);
                return;
            }
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
            response.write(true, ByteBuffer.wrap(body), callback);
        }
    }
}
