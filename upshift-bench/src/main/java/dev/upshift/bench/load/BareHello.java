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
import org.eclipse.jetty.util.Callback;

/**
 * The bare-stack baselines: the same JSON bytes an update check returns, with no signature, nonce, catalog or
 * rollout work, on Upshift's own HTTP stack. Two of them, because Upshift uses two layers:
 * <ul>
 *   <li>{@code core}: a Jetty core handler in front of Javalin's server, the way {@code ClientRouter} answers the
 *       client API's checks, feeds and reports;
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
                cfg.jetty.modifyServer(server -> server.setHandler(new Handler.Wrapper() {
                    @Override
                    public boolean handle(Request request, Response response, Callback callback) throws Exception {
                        Content.Source.consumeAll(request);
                        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, answer.length);
                        response.write(true, ByteBuffer.wrap(answer), callback);
                        return true;
                    }
                }));
            }
            cfg.routes.get("/*", ctx -> ctx.contentType("application/json").result(answer));
            cfg.routes.post("/*", ctx -> ctx.contentType("application/json").result(answer));
        }).start("127.0.0.1", Integer.parseInt(args[1]));
    }
}
