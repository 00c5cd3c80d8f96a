package dev.upshift.server.cli;

import dev.upshift.server.UpshiftServer;
import dev.upshift.server.admin.AdminAuth;
import dev.upshift.server.config.ConfigException;
import dev.upshift.server.config.ConfigLoader;
import dev.upshift.server.config.ServerConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "serve", mixinStandardHelpOptions = true, description = "Start the server (embedded defaults: SQLite and files in ./data, port 8080).")
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--config", description = "Configuration file (properties syntax). Default: $UPSHIFT_CONFIG or ./upshift.properties if present.")
    Path configFile;
    @Option(names = "--host", description = "Interface to listen on (default 0.0.0.0).")
    String host;
    @Option(names = "--port", description = "TCP port (default 8080).")
    String port;
    @Option(names = "--data-dir", description = "Data directory (default ./data).")
    String dataDir;
    @Option(names = "--db-url", description = "JDBC URL (default: SQLite in the data directory).")
    String dbUrl;
    @Option(names = "--public-url", description = "Base URL clients use to reach this server.")
    String publicUrl;

    @Override
    public Integer call() throws InterruptedException {
        Map<String, String> flags = new HashMap<>();
        flags.put("host", host);
        flags.put("port", port);
        flags.put("data-dir", dataDir);
        flags.put("db-url", dbUrl);
        flags.put("public-url", publicUrl);
        ServerConfig config;
        try {
            config = new ConfigLoader(System.getenv(), flags, configFile).load();
        } catch (ConfigException e) {
            System.err.println("upshift: " + e.getMessage());
            return 2;
        }
        UpshiftServer server;
        try {
            server = UpshiftServer.start(config, System.getenv("UPSHIFT_ADMIN_TOKEN"),
                    System.getenv("UPSHIFT_SECRET_KEY"), Clock.systemUTC());
        } catch (RuntimeException e) {
            System.err.println("upshift: cannot start: " + describe(e));
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "upshift-shutdown"));
        printBanner(server);
        stopped.await();
        return 0;
    }

    /** The failure and its causes in one line, without stack frames. */
    static String describe(Throwable e) {
        java.util.List<String> parts = new java.util.ArrayList<>();
        for (Throwable t = e; t != null && parts.size() < 4; t = t.getCause()) {
            String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
            if (parts.stream().noneMatch(p -> p.contains(m))) {
                parts.add(m);
            }
        }
        return String.join(" <- caused by: ", parts);
    }

    private static String readToken(java.nio.file.Path file) {
        try {
            return java.nio.file.Files.readString(file).strip();
        } catch (java.io.IOException e) {
            return null;
        }
    }

    private static void printBanner(UpshiftServer server) {
        ServerConfig c = server.config();
        String base = server.baseUrl();
        StringBuilder sb = new StringBuilder();
        sb.append("Upshift is listening on ").append(c.host()).append(':').append(server.port())
                .append("  ->  ").append(base).append('\n');
        sb.append("  database:  ").append(c.dbUrl()).append('\n');
        sb.append("  artifacts: ").append(c.artifactsDir()).append('\n');
        AdminAuth.Bootstrap b = server.bootstrap();
        if (server.setupNeeded()) {
            String code = b.generatedToken() != null ? b.generatedToken() : readToken(b.tokenFile());
            sb.append("  set up:    open ").append(base).append("/console/setup")
                    .append(code == null ? "" : "#code=" + code)
                    .append("\n             and create the first owner")
                    .append(code == null ? " (the setup code is UPSHIFT_ADMIN_TOKEN)" : "").append('\n');
        } else {
            sb.append("  console:   ").append(base).append("/console/  (sign in with your username and password)\n");
        }
        if (b.generatedToken() != null) {
            sb.append("  bootstrap token (until the first owner exists; shown once; also saved to ").append(b.tokenFile()).append(", mode 600):\n");
            sb.append("      ").append(b.generatedToken()).append('\n');
        } else if (b.fromEnvironment()) {
            sb.append("  admin token: the value of UPSHIFT_ADMIN_TOKEN\n");
        } else {
            sb.append("  admin token: created at first start; ./upshift reads it from ").append(b.tokenFile())
                    .append(" (or set UPSHIFT_TOKEN)\n");
            if (b.envIgnored()) {
                sb.append("  warning: UPSHIFT_ADMIN_TOKEN is set but ignored: it only seeds the first token of a new installation\n");
            }
        }
        sb.append("  API:       curl -H 'Authorization: Bearer <token>' ").append(base).append("/api/admin/v1/apps\n");
        sb.append("  next:      ./upshift key create; ./upshift app create --kind win --name Demo\n");
        System.out.print(sb);
        System.out.flush();
    }
}
