package dev.upshift.server;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The two databases the integration tests run against. Each test gets its own: a fresh SQLite file, or a fresh
 * schema in a throwaway PostgreSQL 15 that this class starts once per test JVM from
 * {@code /usr/lib/postgresql/15/bin} (as user {@code nobody} when running as root, because PostgreSQL refuses
 * root) on a free loopback port, and stops when the JVM exits. {@code UPSHIFT_TEST_PG_URL} (a JDBC URL with user
 * and password) points the tests at an existing server instead.
 */
public enum TestDatabase {
    SQLITE, POSTGRESQL;

    /** A JDBC URL for a new, empty database for one test. */
    public String newDatabaseUrl(Path dir) {
        if (this == SQLITE) {
            return "jdbc:sqlite:" + dir.resolve("upshift-test.db");
        }
        String base = Postgres.baseUrl();
        String schema = "t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        try (Connection c = DriverManager.getConnection(base); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test schema: " + e.getMessage(), e);
        }
        return base + (base.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    }

    static final class Postgres {
        private static String url;

        static synchronized String baseUrl() {
            if (url == null) {
                String external = System.getenv("UPSHIFT_TEST_PG_URL");
                url = external != null && !external.isBlank() ? external : start();
            }
            return url;
        }

        private static String start() {
            Path bin = Path.of("/usr/lib/postgresql/15/bin");
            if (!Files.isExecutable(bin.resolve("initdb"))) {
                throw new IllegalStateException("PostgreSQL 15 server binaries not found in " + bin
                        + "; install postgresql-15 or set UPSHIFT_TEST_PG_URL to a JDBC URL of a test server");
            }
            try {
                Path dir = Files.createTempDirectory("upshift-pg-");
                boolean root = "root".equals(System.getProperty("user.name"));
                if (root) {
                    run(List.of("chown", "nobody:nogroup", dir.toString()), root);
                }
                int port;
                try (ServerSocket s = new ServerSocket(0)) {
                    port = s.getLocalPort();
                }
                run(List.of(bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-U", "postgres",
                        "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"), root);
                run(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-l",
                        dir.resolve("pg.log").toString(), "-w", "-o",
                        "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off "
                                + "-c full_page_writes=off -c max_connections=300", "start"), root);
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        run(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m",
                                "immediate", "stop"), root);
                        deleteTree(dir);
                    } catch (IOException | InterruptedException ignored) {
                        // best effort at JVM exit
                    }
                }));
                return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres";
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException("cannot start the test PostgreSQL: " + e.getMessage(), e);
            }
        }

        private static void run(List<String> command, boolean asNobody) throws IOException, InterruptedException {
            List<String> cmd = new ArrayList<>();
            if (asNobody && !command.get(0).equals("chown")) {
                cmd.addAll(List.of("runuser", "-u", "nobody", "--"));
            }
            cmd.addAll(command);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException(String.join(" ", cmd).toLowerCase(Locale.ROOT) + " failed: " + out);
            }
        }

        private static void deleteTree(Path dir) throws IOException {
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
