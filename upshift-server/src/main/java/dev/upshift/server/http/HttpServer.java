package dev.upshift.server.http;

import dev.upshift.core.protocol.UpgradeLinkCode;
import dev.upshift.server.admin.AdminApiException;
import dev.upshift.server.auth.RandomKeys;
import dev.upshift.server.metrics.Metrics;
import dev.upshift.server.protocol.upgradelink.ClientApiException;
import dev.upshift.server.protocol.upgradelink.ClientCall;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.router.Endpoint;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.ProcessorUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP stack, with the request path in one list:
 * <ol>
 *   <li>trace id: every request gets one, echoed as {@code X-Trace-Id} and in every JSON body;
 *   <li>routing: the features register their routes: the client API's update checks, feeds and reports on
 *       {@link ClientRouter} (Jetty's core API, in front), everything else on Javalin ({@code routes} consumer);
 *   <li>handler: reads its body within its own size cap and authenticates (client signature or admin token);
 *   <li>error mapping: {@link ClientApiException} as the UpgradeLink envelope, {@link AdminApiException} as the
 *       admin error object, anything else as a fixed 500 text (the stack trace goes to the log, never the client);
 *   <li>access log (off unless {@code upshift.access} is at INFO) and metrics: method, path, status, duration; the
 *       metrics use the matched route template
 *       ({@link #routeTemplate}), never the raw path.
 * </ol>
 */
public final class HttpServer {
    private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);
    /** The access log's logger: one line per request, off unless turned on (see {@code LogConfiguration}). */
    public static final String ACCESS_LOGGER = "upshift.access";
    private static final Logger ACCESS = LoggerFactory.getLogger(ACCESS_LOGGER);
    private final Javalin app;
    private final String host;
    private final int port;

    public HttpServer(String host, int port, Metrics metrics, Consumer<ClientRouter> clientRoutes,
                      Consumer<RoutesConfig> routes) {
        this.host = host;
        this.port = port;
        // Both layers log and count their requests here: the access log (off by default) and the request metrics.
        ClientRouter.RequestLog requests = (method, path, route, status, nanos, trace) -> {
            if (ACCESS.isInfoEnabled()) {
                ACCESS.info("{} {} {} {}ms trace={}", method, path, status, Math.round(nanos / 1e6), trace);
            }
            metrics.recordRequest(method, route, status, nanos);
        };
        ClientRouter router = new ClientRouter(new ClientRouter.ErrorAnswer() {
            @Override
            public void answer(ClientExchange exchange, Exception error) {
                clientError(exchange, error);
            }

            @Override
            public boolean answersWithoutLogging(Exception error) {
                return error instanceof ClientApiException || error instanceof ClientRouter.MalformedQueryException;
            }
        }, requests, RandomKeys::traceId);
        clientRoutes.accept(router);
        metrics.counter("upshift.http.selector.reruns", "Client requests that were about to wait on a selector thread "
                + "(a new gray admission, a nonce commit) and ran again on a pool thread", router::reruns);
        metrics.counter("upshift.http.selector.handoffs", "Client requests answered on a pool thread instead of the "
                + "selector thread that read them (routes that wait, bodies not read whole, reruns, errors that may log)",
                router::handOffs);
        this.app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.http.compressionStrategy = CompressionStrategy.NONE;
            cfg.http.maxRequestSize = Long.MAX_VALUE; // bodies are capped per route, while streaming
            cfg.jetty.modifyServer(server -> {
                server.setErrorHandler(new JsonErrorHandler());
                // Javalin puts its servlet context inside the innermost wrapper it finds: behind the router.
                server.setHandler(router);
            });
            // A selector per core: the client router answers most checks on the selector thread that read them, so the
            // selectors are where the work is (Jetty's default is one selector on two cores).
            cfg.jetty.addConnector((server, httpConfig) -> {
                ServerConnector connector = new ServerConnector(server, -1, ProcessorUtils.availableProcessors(),
                        new HttpConnectionFactory(httpConfig));
                connector.setHost(host);
                connector.setPort(port);
                return connector;
            });
            cfg.jetty.modifyHttpConfiguration(hc -> {
                hc.setSendServerVersion(false);
                hc.setSendXPoweredBy(false);
            });
            cfg.requestLogger.http((ctx, ms) -> requests.answered(ctx.method().name(), ctx.path(), routeTemplate(ctx),
                    ctx.statusCode(), (long) (ms * 1e6), ctx.attribute(JavalinExchange.TRACE_ID)));
            RoutesConfig r = cfg.routes;
            r.before(ctx -> {
                String trace = RandomKeys.traceId();
                ctx.attribute(JavalinExchange.TRACE_ID, trace);
                ctx.header("X-Trace-Id", trace);
            });
            routes.accept(r);
            r.exception(ClientApiException.class, (e, ctx) -> clientError(new JavalinExchange(ctx), e));
            r.exception(AdminApiException.class, (e, ctx) -> {
                if (e.retryAfterSeconds() > 0) {
                    ctx.header("Retry-After", Long.toString(e.retryAfterSeconds()));
                }
                adminError(ctx, e.error(), e.getMessage());
            });
            r.exception(BodyReader.IncompleteBodyException.class, (e, ctx) -> {
                LOG.debug("incomplete request body on {} {}", ctx.method(), ctx.path());
                if (isAdmin(ctx)) {
                    adminError(ctx, AdminApiException.AdminError.INVALID_REQUEST,
                            "The request body ended before its announced length; send the whole body.");
                } else {
                    clientError(new JavalinExchange(ctx), e);
                }
            });
            r.exception(HttpResponseException.class, (e, ctx) -> unmatched(ctx, e.getStatus(), e.getMessage()));
            r.exception(Exception.class, (e, ctx) -> {
                if (isAdmin(ctx)) {
                    LOG.error("unhandled error on {} {} trace={}", ctx.method(), ctx.path(),
                            ctx.attribute(JavalinExchange.TRACE_ID), e);
                    adminError(ctx, AdminApiException.AdminError.INTERNAL,
                            "Internal error; the server log has the details under this traceId.");
                } else {
                    clientError(new JavalinExchange(ctx), e);
                }
            });
            // Error pages apply only to requests no handler answered (unknown route or method).
            r.error(404, ctx -> {
                if (ctx.attribute(Json.RENDERED) == null) {
                    unmatched(ctx, 404, null);
                }
            });
            r.error(405, ctx -> {
                if (ctx.attribute(Json.RENDERED) == null) {
                    unmatched(ctx, 405, null);
                }
            });
        });
    }

    /**
     * The client API's answer to an exception a client route threw: its own envelope for {@link ClientApiException},
     * 400005 for a body cut short, 400003 for a malformed query, else 500001 with the details only in the log.
     */
    private static void clientError(ClientExchange exchange, Exception e) {
        if (e instanceof ClientApiException c) {
            ClientCall.respondError(exchange, c.code(), c.getMessage(), c.docs());
        } else if (e instanceof BodyReader.IncompleteBodyException) {
            LOG.debug("incomplete request body on {} {}", exchange.method(), pathOf(exchange));
            ClientCall.respondError(exchange, UpgradeLinkCode.INVALID_BODY,
                    "The request body ended before its announced length", "");
        } else if (e instanceof ClientRouter.MalformedQueryException) {
            ClientCall.respondError(exchange, UpgradeLinkCode.INVALID_PARAMETER,
                    "The query string is not valid percent-encoded UTF-8", "");
        } else {
            LOG.error("unhandled error on {} {} trace={}", exchange.method(), pathOf(exchange), exchange.traceId(), e);
            ClientCall.respondError(exchange, UpgradeLinkCode.INTERNAL, "Server internal error",
                    "The server log has the details under this traceId.");
        }
    }

    /** The path without the query, which can hold device keys: logs name the route, not the device. */
    private static String pathOf(ClientExchange exchange) {
        String target = exchange.rawTarget();
        int query = target.indexOf('?');
        return query < 0 ? target : target.substring(0, query);
    }

    /** The path template of the route that answered ({@code /v1/{kind}/...} style), or {@link Metrics#UNMATCHED}. */
    private static String routeTemplate(Context ctx) {
        Endpoint endpoint = ctx.endpoints().matchedHttpEndpoint();
        return endpoint == null ? Metrics.UNMATCHED : endpoint.path;
    }

    private static boolean isAdmin(Context ctx) {
        return ctx.path().startsWith("/api/");
    }

    private static void unmatched(Context ctx, int status, String message) {
        if (isAdmin(ctx)) {
            adminError(ctx, status == 405 ? AdminApiException.AdminError.INVALID_REQUEST : AdminApiException.AdminError.NOT_FOUND,
                    "No route " + ctx.method() + " " + ctx.path() + ".");
            if (status == 405) {
                ctx.status(405);
            }
        } else if (status == 404 || status == 405) {
            ClientCall.respondError(new JavalinExchange(ctx), UpgradeLinkCode.REQUEST_NOT_FOUND,
                    "Request not found: " + ctx.method() + " " + ctx.path(), "");
        } else {
            ClientCall.respondError(new JavalinExchange(ctx), UpgradeLinkCode.ILLEGAL_REQUEST,
                    message == null ? "Illegal request" : message, "");
            ctx.status(status);
        }
    }

    private static void adminError(Context ctx, AdminApiException.AdminError error, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("code", error.code());
        body.put("message", message);
        body.put("traceId", ctx.attribute(JavalinExchange.TRACE_ID));
        Json.respond(ctx, error.status(), body);
    }

    public void start() {
        app.start(); // on the connector above, which has the host and port
    }

    /** The port actually bound (differs from the configured one when that was 0). */
    public int port() {
        return app.port();
    }

    public void stop() {
        app.stop();
    }
}
