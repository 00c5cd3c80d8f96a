package dev.upshift.server.console;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Properties;

/**
 * The console's three static files, read from the classpath once at start: {@code console.js}, {@code console.css}
 * and htmx from its webjar. Each is served at {@code /console/assets/<hash>/<name>}, where the hash is of all three
 * files' bytes, so a page always names the bytes it was written for and the files can be cached for a year.
 */
final class ConsoleAssets {
    static final String PREFIX = "/console/assets/";
    private static final String OWN = "/dev/upshift/server/console/";
    private static final String HTMX_POM = "/META-INF/maven/org.webjars.npm/htmx.org/pom.properties";

    private record Asset(byte[] bytes, String contentType) {
    }

    private final Map<String, Asset> files;
    private final String version;

    ConsoleAssets() {
        this.files = Map.of(
                "console.js", new Asset(read(OWN + "console.js"), "text/javascript; charset=utf-8"),
                "console.css", new Asset(read(OWN + "console.css"), "text/css; charset=utf-8"),
                "htmx.min.js", new Asset(read("/META-INF/resources/webjars/htmx.org/" + htmxVersion()
                        + "/dist/htmx.min.js"), "text/javascript; charset=utf-8"));
        MessageDigest digest = sha256();
        files.keySet().stream().sorted().forEach(k -> {
            digest.update(k.getBytes(StandardCharsets.US_ASCII));
            digest.update(files.get(k).bytes());
        });
        this.version = HexFormat.of().formatHex(digest.digest()).substring(0, 16);
    }

    /** The versioned URL of one of the files. */
    String url(String name) {
        if (!files.containsKey(name)) {
            throw new IllegalArgumentException("no console asset " + name);
        }
        return PREFIX + version + "/" + name;
    }

    /** {@code GET /console/assets/{version}/{name}}: the file, cacheable for a year; another version is 404. */
    void serve(Context ctx) {
        Asset a = files.get(ctx.pathParam("name"));
        Console.securityHeaders(ctx);
        if (a == null || !version.equals(ctx.pathParam("version"))) {
            ctx.header("Cache-Control", "no-store");
            Console.text(ctx, 404, "No such console file.");
            return;
        }
        ctx.header("Cache-Control", "public, max-age=31536000, immutable");
        ctx.status(200).contentType(a.contentType()).result(a.bytes());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String htmxVersion() {
        Properties p = new Properties();
        try (InputStream in = ConsoleAssets.class.getResourceAsStream(HTMX_POM)) {
            if (in == null) {
                throw new IllegalStateException("The htmx webjar (org.webjars.npm:htmx.org) is not on the classpath; "
                        + "the console needs it. Rebuild upshift-server with its dependencies.");
            }
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p.getProperty("version");
    }

    private static byte[] read(String path) {
        try (InputStream in = ConsoleAssets.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("Console file " + path + " is missing from the classpath.");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
