package dev.upshift.server.http;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongFunction;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpStatus;
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
 *
 * <h2>Threads</h2>
 * The router tells Jetty it never blocks, so Jetty calls it on the selector thread that read the request. A
 * {@link Threading#SELECTOR} route whose whole body has already arrived runs right there, saving the hand-off to a
 * pool thread (wake-up, parking, cache misses: about a third of a bare request's CPU, decision 0027). Everything else
 * is handed to the pool by the router itself: {@link Threading#POOL} routes, requests whose body is still on its way
 * or larger than {@link #SELECTOR_BODY_MAX}, and every request Javalin answers. A selector route that is about to wait
 * (a gray admission's insert, a nonce store's commit) calls {@link RequestThreads#beforeBlocking()}, which throws
 * before anything changed, and runs again on a pool thread.
 */
public final class ClientRouter extends Handler.Wrapper {
    /** A client route's handler. */
    @FunctionalInterface
    public interface Route {
        void handle(ClientExchange exchange) throws Exception;
    }

    /** Turns an exception a route threw into the client API's error answer. */
    public interface ErrorAnswer {
        void answer(ClientExchange exchange, Exception error);

        /**
         * Whether answering this error does nothing but write the answer, as for the errors a client causes (a
         * refused signature or nonce, a flow limit, an unknown app): those are answered on the selector thread like
         * any other answer. Any other error may log, and a log that cannot keep up must not stall a selector's
         * connections, so it is answered from a pool thread.
         */
        boolean answersWithoutLogging(Exception error);
    }

    /** Sees every answered request: access log and metrics. */
    @FunctionalInterface
    public interface RequestLog {
        void answered(String method, String path, String routeTemplate, int status, long nanos, String traceId);
    }

    /** Where a route runs; see the class comment. */
    public enum Threading {
        /** On the selector thread, if the body has arrived: the route never waits without asking first. */
        SELECTOR,
        /** Always on a pool thread: the route waits (a commit) or reads a large body. */
        POOL
    }

    /** The largest body a selector route reads on the selector thread; larger ones are read on a pool thread. */
    static final int SELECTOR_BODY_MAX = 64 * 1024;

    /** The query string is not valid percent-encoded UTF-8. */
    public static final class MalformedQueryException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        MalformedQueryException(Throwable cause) {
            super("the query string is not valid percent-encoded UTF-8", cause, false, false);
        }
    }

    private record Template(String method, String path, String[] segments, Threading threading, Route route) {
    }

    /** Routes without parameters by method and path: one map lookup for nearly every request. */
    private final Map<String, Template> exact = new HashMap<>();
    private final List<Template> templated = new ArrayList<>();
    private final ErrorAnswer errors;
    private final RequestLog log;
    private final Supplier<String> traceIds;
    private final LongAdder reruns = new LongAdder();
    private final LongAdder handOffs = new LongAdder();

    public ClientRouter(ErrorAnswer errors, RequestLog log, Supplier<String> traceIds) {
        this.errors = errors;
        this.log = log;
        this.traceIds = traceIds;
    }

    public void get(String path, Threading threading, Route route) {
        add("GET", path, threading, route);
    }

    public void post(String path, Threading threading, Route route) {
        add("POST", path, threading, route);
    }

    private void add(String method, String path, Threading threading, Route route) {
        if (isStarted()) {
            throw new IllegalStateException("routes are added before the server starts");
        }
        Template t = new Template(method, path, path.substring(1).split("/"), threading, route);
        if (path.contains("{")) {
            templated.add(t);
        } else if (exact.putIfAbsent(method + " " + path, t) != null) {
            throw new IllegalArgumentException("route registered twice: " + method + " " + path);
        }
    }

    /** Requests that were about to wait on a selector thread and ran again on a pool thread. */
    public long reruns() {
        return reruns.sum();
    }

    /**
     * Requests to a route that ran or were answered on a pool thread: POOL routes, bodies not read whole,
     * {@link #reruns}, and errors whose answer may log.
     */
    public long handOffs() {
        return handOffs.sum();
    }

    /** Jetty calls the router on the selector thread; it hands what may wait to the pool itself. */
    @Override
    public InvocationType getInvocationType() {
        return InvocationType.NON_BLOCKING;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String method = request.getMethod();
        String path = request.getHttpURI().getDecodedPath();
        if (path != null && path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        Template route = path == null ? null : exact.get(method + " " + path);
        String[] params = null;
        if (route == null && path != null) {
            for (Template t : templated) {
                params = t.method().equals(method) ? match(t.segments(), path) : null;
                if (params != null) {
                    route = t;
                    break;
                }
            }
        }
        if (route == null) {
            onPool(request, response, callback, () -> {
                if (!super.handle(request, response, callback)) {
                    Response.writeError(request, response, callback, HttpStatus.NOT_FOUND_404);
                }
            });
            return true;
        }
        Exchange exchange = new Exchange(request, path, route, params, traceIds.get(), System.nanoTime());
        response.getHeaders().put("X-Trace-Id", exchange.traceId);
        if (route.threading() == Threading.SELECTOR && exchange.readBodyWithoutWaiting()) {
            RequestThreads.enterSelector();
            try {
                if (answer(exchange, response, callback)) {
                    return true;
                }
            } finally {
                RequestThreads.leaveSelector();
            }
            exchange.clearAnswerAndHeaders();
            reruns.increment();
        }
        handOffs.increment();
        onPool(request, response, callback, () -> answer(exchange, response, callback));
        return true;
    }

    /** A task run on a pool thread for this request. */
    @FunctionalInterface
    private interface PoolTask {
        void run() throws Exception;
    }

    private void onPool(Request request, Response response, Callback callback, PoolTask task) {
        try {
            getServer().getThreadPool().execute(() -> {
                try {
                    task.run();
                } catch (Throwable e) {
                    callback.failed(e); // Jetty answers it (JsonErrorHandler) as if the handler had thrown
                }
            });
        } catch (RejectedExecutionException e) {
            Response.writeError(request, response, callback, HttpStatus.SERVICE_UNAVAILABLE_503);
        }
    }

    /**
     * Runs the route and writes its answer; false, with nothing written, if the route was about to wait on a
     * selector thread (it then runs again on a pool thread). An error thrown on a selector thread is answered there
     * if its answer only writes ({@link ErrorAnswer#answersWithoutLogging}), else on a pool thread: refusals are
     * what a misbehaving client or a flow-limited rollout sends by the thousand, and a hand-off made each one cost
     * more than a check.
     */
    private boolean answer(Exchange exchange, Response response, Callback callback) {
        try {
            exchange.route.route().handle(exchange);
        } catch (Exception e) {
            boolean onSelector = RequestThreads.onSelector();
            if (onSelector && e instanceof RequestThreads.WouldBlockException) {
                return false;
            }
            if (!onSelector || errors.answersWithoutLogging(e)) {
                answerError(exchange, e, response, callback);
            } else {
                handOffs.increment();
                onPool(exchange.request, response, callback, () -> answerError(exchange, e, response, callback));
            }
            return true;
        }
        written(exchange, response, callback);
        return true;
    }

    private void answerError(Exchange exchange, Exception e, Response response, Callback callback) {
        exchange.clearAnswer();
        errors.answer(exchange, e);
        written(exchange, response, callback);
    }

    /** Logs the answer, then writes it: the callback completes once, whatever the log does. */
    private void written(Exchange exchange, Response response, Callback callback) {
        log.answered(exchange.method(), exchange.path, exchange.route.path(), exchange.status,
                System.nanoTime() - exchange.started, exchange.traceId);
        exchange.write(response, callback);
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
        private final String path;
        private final Template route;
        private final String[] params;
        private final String traceId;
        private final long started;
        private Map<String, String> headers; // most answers set none
        private Fields query;
        private InputStream bodyStream;
        /** What {@link #readBodyWithoutWaiting} read: the whole body if {@link #bodyRead}, else its start. */
        private byte[] readAhead;
        private boolean bodyRead;
        private Object retained;
        private int status = 200;
        private byte[] body;

        Exchange(Request request, String path, Template route, String[] params, String traceId, long started) {
            this.request = request;
            this.path = path;
            this.route = route;
            this.params = params;
            this.traceId = traceId;
            this.started = started;
        }

        /**
         * Reads the body if all of it has arrived and it is at most {@link #SELECTOR_BODY_MAX} bytes: true then.
         * False if more is on its way, it is larger, or reading failed; what was read is kept for the pool thread,
         * whose blocking read continues after it (and reports a failure, which stays in the request).
         */
        boolean readBodyWithoutWaiting() {
            long declared = request.getLength();
            if (declared > SELECTOR_BODY_MAX) {
                return false;
            }
            byte[] bytes = new byte[declared >= 0 ? (int) declared : 256];
            int n = 0;
            while (true) {
                Content.Chunk chunk = request.read();
                // A failure stays in the request, so the pool thread's read reports it; a transient one (an idle
                // timeout) is dropped here, and the pool thread's read waits on.
                if (chunk == null || Content.Chunk.isFailure(chunk)) {
                    readAhead = Arrays.copyOf(bytes, n);
                    return false;
                }
                ByteBuffer b = chunk.getByteBuffer();
                int length = b.remaining();
                if (n + length > bytes.length) {
                    bytes = Arrays.copyOf(bytes, Math.max(n + length, 2 * bytes.length));
                }
                b.get(bytes, n, length);
                n += length;
                boolean last = chunk.isLast();
                chunk.release();
                if (last || n > SELECTOR_BODY_MAX) {
                    readAhead = n == bytes.length ? bytes : Arrays.copyOf(bytes, n);
                    bodyRead = last && n <= SELECTOR_BODY_MAX;
                    return bodyRead;
                }
            }
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
                if (bodyRead) {
                    return new ByteArrayInputStream(readAhead);
                }
                if (bodyStream == null) {
                    bodyStream = Content.Source.asInputStream(request);
                    if (readAhead != null && readAhead.length > 0) {
                        bodyStream = new SequenceInputStream(new ByteArrayInputStream(readAhead), bodyStream);
                    }
                }
                return bodyStream;
            }, max, tooLarge);
        }

        @Override
        public Object retained() {
            return retained;
        }

        @Override
        public void retain(Object value) {
            retained = value;
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

        /** Before the route runs again on a pool thread: nothing of the first run's answer stays. */
        void clearAnswerAndHeaders() {
            clearAnswer();
            headers = null;
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
