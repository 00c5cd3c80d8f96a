package dev.upshift.server.config;

import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * Reads settings from, in increasing precedence: built-in defaults, a configuration file (Java properties
 * syntax), {@code UPSHIFT_*} environment variables, and command-line flags. All checks live in
 * {@link #load()}: an unknown setting or an invalid value stops start-up with a message naming the setting, the
 * value received, the rule, and what to do.
 *
 * <p>Setting names are the file keys ({@code port}, {@code data-dir}, ...). The environment variable of a setting
 * is {@code UPSHIFT_} plus the key in upper case with {@code -} as {@code _} ({@code UPSHIFT_DATA_DIR}).
 */
public final class ConfigLoader {
    /** The settings, with their descriptions (kept in step with docs/configuration.md). */
    public static final Map<String, String> SETTINGS = settings();

    /** Environment variables that are read elsewhere and are not settings of this loader. */
    static final Set<String> OTHER_ENV = Set.of("UPSHIFT_CONFIG", "UPSHIFT_ADMIN_TOKEN", "UPSHIFT_SECRET_KEY",
            "UPSHIFT_TOKEN", "UPSHIFT_SERVER", "UPSHIFT_JAVA_OPTS", "UPSHIFT_CDS", "UPSHIFT_TEST_PG_URL");

    private final Map<String, String> env;
    private final Map<String, String> flags;
    private final Path configFile;

    /**
     * @param env        the process environment (only {@code UPSHIFT_*} entries are looked at)
     * @param flags      settings given on the command line, keyed by setting name; null values are ignored
     * @param configFile an explicit file, or null to use {@code UPSHIFT_CONFIG} or {@code ./upshift.properties}
     *                   if it exists
     */
    public ConfigLoader(Map<String, String> env, Map<String, String> flags, Path configFile) {
        this.env = env;
        this.flags = flags;
        this.configFile = configFile;
    }

    private static Map<String, String> settings() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("host", "interface to listen on");
        m.put("port", "TCP port to listen on");
        m.put("data-dir", "directory for the embedded database, artifacts and generated keys");
        m.put("db-url", "JDBC URL of the database (jdbc:sqlite:... or jdbc:postgresql://...)");
        m.put("db-user", "database user (PostgreSQL)");
        m.put("db-password", "database password (PostgreSQL)");
        m.put("public-url", "base URL clients use to reach this server, e.g. https://updates.example.com");
        m.put("max-body-bytes", "largest JSON request body accepted, in bytes");
        m.put("max-artifact-bytes", "largest artifact upload accepted, in bytes");
        m.put("artifact-store", "where artifact bytes are kept: local (the data directory) or s3");
        m.put("s3-endpoint", "S3 API endpoint for MinIO, R2 and other S3-compatible servers (empty: AWS)");
        m.put("s3-region", "S3 signing region");
        m.put("s3-bucket", "S3 bucket for artifacts (required with artifact-store=s3)");
        m.put("s3-access-key", "S3 access key id (empty: the AWS default credential chain)");
        m.put("s3-secret-key", "S3 secret access key (never printed)");
        m.put("s3-path-style", "true to address the bucket as <endpoint>/<bucket> (MinIO and most non-AWS servers)");
        m.put("download-url-ttl", "lifetime of presigned S3 download URLs, in seconds");
        m.put("cdn-base-url", "when set, downloads redirect to <cdn-base-url>/<key> instead of a presigned URL");
        m.put("publish-fetch-hosts", "comma-separated hosts that publishing may download release files from "
                + "(e.g. github.com,objects.githubusercontent.com); empty: files must be uploaded");
        m.put("publish-fetch-allow-private", "true to let publishing fetch from private addresses and over http "
                + "(an internal artifact server)");
        m.put("metrics-token", "bearer token that GET /metrics requires "
                + "(empty: /metrics is open on the listen address)");
        m.put("report-zone", "time zone whose calendar days statistics count in, e.g. UTC or Asia/Shanghai");
        m.put("event-retention-days", "days raw events are kept before deletion (0: forever); daily roll-ups are kept");
        m.put("session-idle-minutes", "minutes after which an unused console session ends");
        m.put("session-max-hours", "hours after sign-in at which a console session ends, however active");
        return java.util.Collections.unmodifiableMap(m);
    }

    public ServerConfig load() {
        Map<String, String> values = new LinkedHashMap<>();
        Map<String, String> origin = new LinkedHashMap<>();
        values.put("host", "0.0.0.0");
        values.put("port", "8080");
        values.put("data-dir", "data");
        values.put("max-body-bytes", Long.toString(64 * 1024));
        values.put("max-artifact-bytes", Long.toString(4L * 1024 * 1024 * 1024));
        values.put("artifact-store", ArtifactStoreConfig.LOCAL);
        values.put("s3-region", "us-east-1");
        values.put("s3-path-style", "false");
        values.put("download-url-ttl", "600");
        values.put("publish-fetch-hosts", "");
        values.put("publish-fetch-allow-private", "false");
        values.put("metrics-token", "");
        values.put("report-zone", "UTC");
        values.put("event-retention-days", "90");
        values.put("session-idle-minutes", "30");
        values.put("session-max-hours", "12");
        values.keySet().forEach(k -> origin.put(k, "default"));

        Path file = resolveConfigFile();
        if (file != null) {
            readFile(file, values, origin);
        }
        readEnv(values, origin);
        flags.forEach((k, v) -> {
            if (v != null) {
                if (!SETTINGS.containsKey(k)) {
                    throw new ConfigException("Unknown flag setting '" + k + "'.");
                }
                values.put(k, v);
                origin.put(k, "flag --" + k);
            }
        });
        return validate(values, origin);
    }

    private Path resolveConfigFile() {
        if (configFile != null) {
            if (!Files.isRegularFile(configFile)) {
                throw new ConfigException("Configuration file '" + configFile + "' (from --config) does not exist "
                        + "or is not a file. Create it or drop the flag.");
            }
            return configFile;
        }
        String fromEnv = env.get("UPSHIFT_CONFIG");
        if (fromEnv != null && !fromEnv.isBlank()) {
            Path p = Path.of(fromEnv);
            if (!Files.isRegularFile(p)) {
                throw new ConfigException("Configuration file '" + fromEnv + "' (from UPSHIFT_CONFIG) does not exist "
                        + "or is not a file. Create it or unset UPSHIFT_CONFIG.");
            }
            return p;
        }
        Path local = Path.of("upshift.properties");
        return Files.isRegularFile(local) ? local : null;
    }

    private static void readFile(Path file, Map<String, String> values, Map<String, String> origin) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException("Cannot read configuration file '" + file + "': " + e.getMessage());
        }
        for (String key : p.stringPropertyNames()) {
            if (!SETTINGS.containsKey(key)) {
                throw new ConfigException("Unknown setting '" + key + "' in " + file + ". " + suggest(key)
                        + "Known settings: " + String.join(", ", SETTINGS.keySet()) + ".");
            }
            values.put(key, p.getProperty(key).trim());
            origin.put(key, "file " + file);
        }
    }

    private void readEnv(Map<String, String> values, Map<String, String> origin) {
        for (Map.Entry<String, String> e : env.entrySet()) {
            String name = e.getKey();
            if (!name.startsWith("UPSHIFT_") || OTHER_ENV.contains(name)) {
                continue;
            }
            String key = name.substring("UPSHIFT_".length()).toLowerCase(Locale.ROOT).replace('_', '-');
            if (!SETTINGS.containsKey(key)) {
                String near = nearest(key);
                throw new ConfigException("Unknown environment variable " + name + ". "
                        + (near == null ? "" : "Did you mean " + envName(near) + "? ")
                        + "Known: " + envNames() + ", plus " + String.join(", ", OTHER_ENV.stream().sorted().toList())
                        + ". Unset it or fix the name.");
            }
            values.put(key, e.getValue().trim());
            origin.put(key, "environment " + name);
        }
    }

    private static String envNames() {
        List<String> names = new ArrayList<>();
        SETTINGS.keySet().forEach(k -> names.add(envName(k)));
        return String.join(", ", names);
    }

    public static String envName(String key) {
        return "UPSHIFT_" + key.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    private static String suggest(String key) {
        String best = nearest(key);
        return best == null ? "" : "Did you mean '" + best + "'? ";
    }

    private static String nearest(String key) {
        String best = null;
        int bestDistance = 3;
        for (String known : SETTINGS.keySet()) {
            int d = distance(key, known);
            if (d < bestDistance) {
                bestDistance = d;
                best = known;
            }
        }
        return best;
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static ServerConfig validate(Map<String, String> v, Map<String, String> origin) {
        String host = v.get("host");
        if (host.isBlank()) {
            throw invalid("host", host, origin, "must not be empty", "use 0.0.0.0 to listen on every interface");
        }
        int port = (int) number("port", v, origin, 0, 65535);
        String dataDirText = v.get("data-dir");
        if (dataDirText.isBlank()) {
            throw invalid("data-dir", dataDirText, origin, "must not be empty", "give a directory path");
        }
        Path dataDir = Path.of(dataDirText).toAbsolutePath().normalize();
        String dbUrl = v.get("db-url");
        if (dbUrl == null || dbUrl.isBlank()) {
            dbUrl = "jdbc:sqlite:" + dataDir.resolve("upshift.db");
        } else if (!dbUrl.startsWith("jdbc:sqlite:") && !dbUrl.startsWith("jdbc:postgresql://")) {
            throw invalid("db-url", dbUrl, origin, "must start with jdbc:sqlite: or jdbc:postgresql://",
                    "use the default (SQLite in the data dir) or a PostgreSQL URL");
        }
        String dbUser = v.get("db-user");
        String dbPassword = v.get("db-password");
        if (dbUrl.startsWith("jdbc:sqlite:") && (dbUser != null || dbPassword != null)) {
            throw invalid(dbUser != null ? "db-user" : "db-password", "(set)", origin,
                    "has no effect with SQLite", "remove it, or point db-url at PostgreSQL");
        }
        URI publicUrl = null;
        String pu = v.get("public-url");
        if (pu != null && !pu.isBlank()) {
            try {
                publicUrl = new URI(pu);
            } catch (URISyntaxException e) {
                throw invalid("public-url", pu, origin, "is not a URL", "use e.g. https://updates.example.com");
            }
            if (!("http".equals(publicUrl.getScheme()) || "https".equals(publicUrl.getScheme()))
                    || publicUrl.getHost() == null || publicUrl.getQuery() != null || publicUrl.getFragment() != null) {
                throw invalid("public-url", pu, origin, "must be an absolute http(s) URL without query or fragment",
                        "use e.g. https://updates.example.com or https://example.com/updates");
            }
        }
        long maxBody = number("max-body-bytes", v, origin, 1024, 64L * 1024 * 1024);
        long maxArtifact = number("max-artifact-bytes", v, origin, 1, Long.MAX_VALUE);
        ArtifactStoreConfig store = artifactStore(v, origin);
        return new ServerConfig(host, port, dataDir, dbUrl, dbUser, dbPassword, publicUrl, maxBody, maxArtifact,
                store, publish(v, origin), metricsToken(v, origin), events(v, origin), sessions(v, origin));
    }

    /** The token of GET /metrics: empty leaves it open; a set token must be usable in a Bearer header. */
    private static String metricsToken(Map<String, String> v, Map<String, String> origin) {
        String token = v.get("metrics-token");
        if (token.isEmpty()) {
            return null;
        }
        if (token.length() < 16 || token.length() > 256 || !token.matches("[\\x21-\\x7e]+")) {
            throw invalid("metrics-token", "(set, " + token.length() + " characters)", origin,
                    "must be 16 to 256 visible ASCII characters without spaces",
                    "use e.g. the output of: head -c 24 /dev/urandom | base64, or leave it empty to keep /metrics open");
        }
        return token;

    }

    /** Console sessions: idle and absolute limits. */
    private static SessionConfig sessions(Map<String, String> v, Map<String, String> origin) {
        long idle = number("session-idle-minutes", v, origin, 1, 24 * 60);
        long max = number("session-max-hours", v, origin, 1, 30 * 24);
        if (idle > max * 60) {
            throw invalid("session-idle-minutes", Long.toString(idle), origin,
                    "is longer than session-max-hours (" + max + " h)", "use an idle limit below the absolute one");
        }
        return new SessionConfig(java.time.Duration.ofMinutes(idle), java.time.Duration.ofHours(max));
    }

    /** The events group: the statistics' time zone and how long raw events are kept. */
    private static EventsConfig events(Map<String, String> v, Map<String, String> origin) {
        String zoneText = v.get("report-zone");
        java.time.ZoneId zone;
        try {
            zone = java.time.ZoneId.of(zoneText.strip());
        } catch (java.time.DateTimeException e) {
            throw invalid("report-zone", zoneText, origin, "is not a time zone id",
                    "use a region such as UTC, Europe/Berlin or Asia/Shanghai, or an offset such as +08:00");
        }
        int retention = (int) number("event-retention-days", v, origin, 0, 36500);
        return new EventsConfig(zone, retention);
    }

    /** The publish group: which hosts a release manifest's URLs may be fetched from. */
    private static PublishConfig publish(Map<String, String> v, Map<String, String> origin) {
        List<String> hosts = new java.util.ArrayList<>();
        for (String h : v.get("publish-fetch-hosts").split(",")) {
            String host = h.strip().toLowerCase(java.util.Locale.ROOT);
            if (host.isEmpty()) {
                continue;
            }
            if (!host.matches("[a-z0-9]([a-z0-9.-]*[a-z0-9])?")) {
                throw invalid("publish-fetch-hosts", v.get("publish-fetch-hosts"), origin,
                        "must be host names separated by commas; '" + host + "' is not one",
                        "list bare host names such as github.com,objects.githubusercontent.com (no scheme, port or path)");
            }
            hosts.add(host);
        }
        String allowPrivate = v.get("publish-fetch-allow-private");
        if (!allowPrivate.equals("true") && !allowPrivate.equals("false")) {
            throw invalid("publish-fetch-allow-private", allowPrivate, origin, "must be true or false",
                    "leave it false unless the listed hosts are internal servers");
        }
        return new PublishConfig(hosts, allowPrivate.equals("true"));
    }

    /** The artifact-store group: local, or s3 with its bucket, credentials and download redirects. */
    private static ArtifactStoreConfig artifactStore(Map<String, String> v, Map<String, String> origin) {
        String kind = v.get("artifact-store");
        if (!ArtifactStoreConfig.LOCAL.equals(kind) && !ArtifactStoreConfig.S3.equals(kind)) {
            throw invalid("artifact-store", kind, origin, "must be local or s3",
                    "use local (files in the data directory) or s3 (an S3-compatible bucket)");
        }
        List<String> s3Only = List.of("s3-endpoint", "s3-region", "s3-bucket", "s3-access-key", "s3-secret-key",
                "s3-path-style", "download-url-ttl", "cdn-base-url");
        if (ArtifactStoreConfig.LOCAL.equals(kind)) {
            for (String key : s3Only) {
                if (!"default".equals(origin.getOrDefault(key, "default")) && !v.get(key).isEmpty()) {
                    throw invalid(key, key.equals("s3-secret-key") ? "(set)" : v.get(key), origin,
                            "has no effect with artifact-store=local", "remove it, or set artifact-store=s3");
                }
            }
            return ArtifactStoreConfig.local();
        }
        String bucket = v.get("s3-bucket");
        if (bucket == null || bucket.isEmpty()) {
            throw invalid("s3-bucket", bucket == null ? "" : bucket, origin, "is required when artifact-store=s3",
                    "name the bucket that holds the artifacts (create it first)");
        }
        if (bucket.length() < 3 || bucket.length() > 63 || !bucket.matches("[a-z0-9][a-z0-9.\\-]*[a-z0-9]")) {
            throw invalid("s3-bucket", bucket, origin, "is not a valid bucket name",
                    "use 3 to 63 lower-case letters, digits, dots and hyphens");
        }
        URI endpoint = httpUrl("s3-endpoint", v, origin, "use e.g. http://127.0.0.1:9000 for MinIO, or leave it "
                + "empty for AWS");
        String region = v.get("s3-region");
        if (region.isEmpty()) {
            throw invalid("s3-region", region, origin, "must not be empty", "use e.g. us-east-1 (any value for MinIO)");
        }
        String accessKey = emptyToNull(v.get("s3-access-key"));
        String secretKey = emptyToNull(v.get("s3-secret-key"));
        if ((accessKey == null) != (secretKey == null)) {
            String missing = accessKey == null ? "s3-access-key" : "s3-secret-key";
            throw invalid(missing, "", origin, "must be set together with "
                    + (accessKey == null ? "s3-secret-key" : "s3-access-key"),
                    "set both, or neither to use the AWS default credential chain (AWS_ACCESS_KEY_ID, instance roles)");
        }
        String pathStyle = v.get("s3-path-style");
        if (!pathStyle.equals("true") && !pathStyle.equals("false")) {
            throw invalid("s3-path-style", pathStyle, origin, "must be true or false",
                    "use true for MinIO and most S3-compatible servers, false for AWS");
        }
        long ttl = number("download-url-ttl", v, origin, 1, 604800);
        URI cdn = httpUrl("cdn-base-url", v, origin, "use e.g. https://cdn.example.com/artifacts (the bucket's "
                + "content must be reachable under it by key)");
        return new ArtifactStoreConfig(ArtifactStoreConfig.S3, endpoint, region, bucket, accessKey, secretKey,
                Boolean.parseBoolean(pathStyle), ttl, cdn);
    }

    private static URI httpUrl(String key, Map<String, String> v, Map<String, String> origin, String fix) {
        String text = v.get(key);
        if (text == null || text.isEmpty()) {
            return null;
        }
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw invalid(key, text, origin, "is not a URL", fix);
        }
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null
                || uri.getQuery() != null || uri.getFragment() != null) {
            throw invalid(key, text, origin, "must be an absolute http(s) URL without query or fragment", fix);
        }
        return uri;
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    private static long number(String key, Map<String, String> v, Map<String, String> origin, long min, long max) {
        String text = v.get(key);
        long n;
        try {
            n = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw invalid(key, text, origin, "must be a whole number", "use a value from " + min + " to " + max);
        }
        if (n < min || n > max) {
            throw invalid(key, text, origin, "must be between " + min + " and " + max, "choose a value in that range");
        }
        return n;
    }

    private static ConfigException invalid(String key, String value, Map<String, String> origin, String rule,
                                           String fix) {
        return new ConfigException("Invalid setting " + key + "='" + value + "' (from "
                + origin.getOrDefault(key, "default") + "): it " + rule + "; " + fix + ".");
    }
}
