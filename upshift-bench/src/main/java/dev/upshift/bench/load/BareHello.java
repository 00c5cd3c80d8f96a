package dev.upshift.bench.load;

import io.javalin.Javalin;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The bare-stack baseline: Javalin on the same Jetty as Upshift, answering every GET and POST with the same JSON
 * bytes an update check returns, with no signature, nonce, catalog or rollout work. The ratio of Upshift's signed
 * check throughput to this one is what Upshift's own work costs.
 *
 * <pre>java -cp upshift-bench.jar dev.upshift.bench.load.BareHello PORT answer.json</pre>
 */
public final class BareHello {
    private BareHello() {
    }

    public static void main(String[] args) throws Exception {
        byte[] answer = Files.readAllBytes(Path.of(args[1]));
        Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.routes.get("/*", ctx -> ctx.contentType("application/json").result(answer));
            cfg.routes.post("/*", ctx -> ctx.contentType("application/json").result(answer));
        }).start("127.0.0.1", Integer.parseInt(args[0]));
    }
}
