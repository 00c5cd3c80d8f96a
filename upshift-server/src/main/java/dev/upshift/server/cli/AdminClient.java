package dev.upshift.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.upshift.server.http.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The admin API as the command line uses it: server address and token from flags, environment or the data
 * directory, JSON in and out, and a readable message for every error.
 */
final class AdminClient {
    @Option(names = "--server", description = "Server base URL (default: $UPSHIFT_SERVER or http://127.0.0.1:8080).")
    String server;
    @Option(names = "--token", description = "Admin token (default: $UPSHIFT_TOKEN, $UPSHIFT_ADMIN_TOKEN, or <data-dir>/admin-token).")
    String token;
    @Option(names = "--data-dir", description = "Data directory holding admin-token (default: $UPSHIFT_DATA_DIR or ./data).")
    Path dataDir;

    /**
     * Built at the first call, not with the command: picocli creates this mixin for every subcommand at every
     * start, {@code serve} included, and an HttpClient costs a selector thread and the default TLS context.
     */
    private HttpClient http;

    /** A failed call, with a message for the operator. */
    static final class CliException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CliException(String message) {
            super(message);
        }
    }

    String baseUrl() {
        String s = server != null ? server : System.getenv().getOrDefault("UPSHIFT_SERVER", "http://127.0.0.1:8080");
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    private String token() {
        if (token != null) {
            return token;
        }
        for (String env : new String[]{"UPSHIFT_TOKEN", "UPSHIFT_ADMIN_TOKEN"}) {
            String v = System.getenv(env);
            if (v != null && !v.isBlank()) {
                return v.trim();
            }
        }
        String envDir = System.getenv("UPSHIFT_DATA_DIR");
        Path dir = dataDir != null ? dataDir : Path.of(envDir != null && !envDir.isBlank() ? envDir : "data");
        Path file = dir.resolve("admin-token");
        try {
            return Files.readString(file, StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            throw new CliException("No admin token: pass --token, set UPSHIFT_TOKEN, or run from the directory "
                    + "whose data/admin-token the server wrote at first start (" + file + " not readable).");
        }
    }

    JsonNode post(String path, Map<String, Object> body) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.bytes(body))));
    }

    JsonNode get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    JsonNode patch(String path, Map<String, Object> body) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(Json.bytes(body))));
    }

    JsonNode delete(String path) {
        return send(HttpRequest.newBuilder(uri(path)).DELETE());
    }

    JsonNode putFile(String path, Path file) {
        try {
            return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/octet-stream")
                    .timeout(Duration.ofHours(2))
                    .PUT(HttpRequest.BodyPublishers.ofFile(file)));
        } catch (java.io.FileNotFoundException e) {
            throw new CliException("Cannot read " + file + ": " + e.getMessage());
        }
    }

    /**
     * PUTs a file with a known length, reporting bytes sent to {@code progress} as the request body is read, with
     * extra headers (name, value pairs).
     */
    JsonNode putFile(String path, Path file, java.util.function.LongConsumer progress, String... headers) {
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new CliException("Cannot read " + file + ": " + e.getMessage());
        }
        HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> {
            try {
                return new CountingInputStream(Files.newInputStream(file), progress);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }), size);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/octet-stream")
                .timeout(Duration.ofHours(2)).PUT(body);
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return send(b);
    }

    /** POSTs raw bytes (a build manifest). */
    JsonNode postBytes(String path, byte[] body, String contentType) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    private static final class CountingInputStream extends java.io.FilterInputStream {
        private final java.util.function.LongConsumer progress;
        private long sent;

        CountingInputStream(java.io.InputStream in, java.util.function.LongConsumer progress) {
            super(in);
            this.progress = progress;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                sent += n;
                progress.accept(sent);
            }
            return n;
        }
    }

    static String q(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private URI uri(String path) {
        try {
            return URI.create(baseUrl() + path);
        } catch (IllegalArgumentException e) {
            throw new CliException("Invalid server URL " + baseUrl() + ": " + e.getMessage());
        }
    }

    private HttpClient http() {
        if (http == null) {
            http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        }
        return http;
    }

    private JsonNode send(HttpRequest.Builder b) {
        HttpRequest req = b.header("Authorization", "Bearer " + token()).header("Accept", "application/json").build();
        HttpResponse<byte[]> res;
        try {
            res = http().send(req, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new CliException("Cannot reach the Upshift server at " + baseUrl() + " (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "). Is './upshift serve' running? Use --server to point elsewhere.");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("Interrupted.");
        }
        if (res.statusCode() == 204) {
            return null;
        }
        JsonNode body;
        try {
            body = Json.parse(res.body());
        } catch (IOException e) {
            throw new CliException("Unexpected answer from " + baseUrl() + " (HTTP " + res.statusCode() + ").");
        }
        if (res.statusCode() >= 400) {
            throw new CliException(body.path("message").asText("HTTP " + res.statusCode()) + " [" + body.path("code").asText() + ", HTTP " + res.statusCode() + "]");
        }
        return body;
    }

    static void print(JsonNode node) {
        try {
            System.out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
