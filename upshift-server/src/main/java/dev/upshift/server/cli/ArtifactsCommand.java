package dev.upshift.server.cli;

import dev.upshift.server.artifacts.ArtifactGarbageCollector;
import dev.upshift.server.artifacts.ArtifactStore;
import dev.upshift.server.artifacts.ArtifactStores;
import dev.upshift.server.artifacts.ArtifactVerifier;
import dev.upshift.server.config.ConfigException;
import dev.upshift.server.config.ConfigLoader;
import dev.upshift.server.config.ServerConfig;
import dev.upshift.server.db.Database;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code upshift artifacts gc|verify}: maintenance of the artifact store. These commands do not go through the
 * admin API: they read the server's configuration (same file, environment and flags as {@code serve}) and open
 * its database and artifact store directly, so they can run beside a live server.
 *
 * <p>Exit codes: 0 done (verify: all intact), 1 verify found missing or damaged blobs, 2 invalid configuration,
 * 3 the database or the store could not be used.
 */
@Command(name = "artifacts", mixinStandardHelpOptions = true, description = "Maintain the artifact store.",
        subcommands = {ArtifactsCommand.Gc.class, ArtifactsCommand.Verify.class})
final class ArtifactsCommand {

    /** The options that locate the server's configuration, as {@code serve} takes them. */
    static final class Location {
        @Option(names = "--config", description = "Configuration file (properties syntax). Default: $UPSHIFT_CONFIG or ./upshift.properties if present.")
        Path configFile;
        @Option(names = "--data-dir", description = "Data directory (default ./data).")
        String dataDir;
        @Option(names = "--db-url", description = "JDBC URL (default: SQLite in the data directory).")
        String dbUrl;
    }

    /** Loads the configuration, opens database and store, runs, and maps failures to one line and an exit code. */
    abstract static class Maintenance implements Callable<Integer> {
        @Mixin
        Location location;

        @Override
        public final Integer call() {
            Map<String, String> flags = new HashMap<>();
            flags.put("data-dir", location.dataDir);
            flags.put("db-url", location.dbUrl);
            ServerConfig config;
            try {
                config = new ConfigLoader(System.getenv(), flags, location.configFile).load();
            } catch (ConfigException e) {
                System.err.println("upshift: " + e.getMessage());
                return 2;
            }
            ArtifactStore store = null;
            try (Database db = Database.open(config.dbUrl(), config.dbUser(), config.dbPassword())) {
                db.migrate();
                store = ArtifactStores.open(config, false);
                return run(db, store);
            } catch (RuntimeException | IOException e) {
                System.err.println("upshift: " + ServeCommand.describe(e));
                return 3;
            } finally {
                if (store != null) {
                    ArtifactStores.close(store);
                }
            }
        }

        abstract int run(Database db, ArtifactStore store) throws IOException;
    }

    @Command(name = "gc", mixinStandardHelpOptions = true,
            description = "Delete blobs that no version or patch refers to, and abandoned staged uploads.")
    static final class Gc extends Maintenance {
        @Option(names = "--dry-run", description = "Print what would be removed; remove nothing.")
        boolean dryRun;
        @Option(names = "--min-age", defaultValue = "24h", converter = AgeConverter.class,
                description = "Leave blobs and staged uploads younger than this (e.g. 30m, 24h, 7d; default 24h): "
                        + "uploads in flight store their blob before the row that refers to it.")
        Duration minAge;

        @Override
        int run(Database db, ArtifactStore store) throws IOException {
            new ArtifactGarbageCollector(db, store, Clock.systemUTC()).run(minAge, dryRun, System.out);
            return 0;
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Re-hash every recorded blob and report missing or damaged ones (exit code 1).")
    static final class Verify extends Maintenance {
        @Override
        int run(Database db, ArtifactStore store) {
            return new ArtifactVerifier(db, store, Clock.systemUTC()).run(System.out, System.err).clean() ? 0 : 1;
        }
    }

    /** {@code 90s}, {@code 30m}, {@code 24h}, {@code 7d}, or {@code 0}. */
    static final class AgeConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            String v = value.trim().toLowerCase(Locale.ROOT);
            if (v.equals("0")) {
                return Duration.ZERO;
            }
            if (v.matches("\\d{1,9}[smhd]")) {
                long n = Long.parseLong(v.substring(0, v.length() - 1));
                return switch (v.charAt(v.length() - 1)) {
                    case 's' -> Duration.ofSeconds(n);
                    case 'm' -> Duration.ofMinutes(n);
                    case 'h' -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                };
            }
            throw new IllegalArgumentException("'" + value + "' is not an age; use a number with s, m, h or d, "
                    + "e.g. 24h");
        }
    }
}
