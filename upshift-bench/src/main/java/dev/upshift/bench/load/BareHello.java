package dev.upshift.bench.load;

import io.javalin.Javalin;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * The bare-stack baselines: the same JSON bytes an update check returns, with no signature, nonce, catalog or
 * rollout work, on Upshift's own HTTP stack. Two of them, because Upshift uses two layers:
 * <ul>
 *   <li>{@code core}: a Jetty core handler in front of Javalin's server, the way {@code ClientRouter} answers the
 *       client API's checks and feeds: on the selector thread that read the request, a selector per core;
 *   <li>{@code javalin}: a Javalin route, the way the admin API, console and downloads are answered.
 * </ul>
 * The ratio of Upshift's signed check throughput to the first is what Upshift's own work costs.
 *
 * <pre>java -cp upshift-bench.jar dev.upshift.bench.load.BareHello core|javalin PORT answer.json</pre>
 */
public final class BareHello {
    private BareHello() {
    }

    public static void main(String[] args) throws Exception {
        boolean core = switch (args[0]) {
            case "core" -> true;
            case "javalin" -> false;
            default -> throw new IllegalArgumentException("first argument: core or javalin");
        };
        byte[] answer = Files.readAllBytes(Path.of(args[2]));
        Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            if (core) {
                // As Upshift's HttpServer: a selector per core, and the handler runs on the selector thread.
                cfg.jetty.addConnector((server, http) -> {
                    ServerConnector c = new ServerConnector(server, -1, Runtime.getRuntime().availableProcessors(),
                            new HttpConnectionFactory(http));
                    c.setHost("127.0.0.1");
                    c.setPort(Integer.parseInt(args[1]));
                    return c;
                });
                cfg.jetty.modifyServer(server -> server.setHandler(new Handler.Wrapper() {
                    @Override
                    public InvocationType getInvocationType() {
                        return InvocationType.NON_BLOCKING;
                    }

                    @Override
                    public boolean handle(Request request, Response response, Callback callback) {
                        if (request.consumeAvailable()) {
                            answer(response, callback);
                        } else { // the body is still on its way: wait for it on a pool thread, as ClientRouter does
                            getServer().getThreadPool().execute(() -> {
                                try {
                                    Content.Source.consumeAll(request);
                                    answer(response, callback);
                                } catch (Exception e) {
                                    callback.failed(e);
                                }
                            });
                        }
                        return true;
                    }

                    private void answer(Response response, Callback callback) {
                        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, answer.length);
                        response.write(true, ByteBuffer.wrap(answer), callback);
                    }
                }));
            }
            cfg.routes.get("/*", ctx -> ctx.contentType("application/json").result(answer));
            cfg.routes.post("/*", ctx -> ctx.contentType("application/json").result(answer));
        }).start("127.0.0.1", Integer.parseInt(args[1]));
    }
}
