package dev.upshift.bench.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.upshift.server.http.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Random;

/**
 * Loads a running, empty server with the benchmark catalog: {@code apps} apps of a spread of kinds with
 * {@code versions} versions each, every version with a file, and a strategy offering the newest version to
 * everyone. Apps and the access key go through the admin API (the secret must be encrypted by the server); the
 * versions, files and strategies are inserted straight into its SQLite database, because the admin API rebuilds the
 * catalog after every write and 50 000 rebuilds of a growing catalog would take longer than the benchmark. One last
 * admin write makes the server load it all. Also uploads one file of {@code downloadMiB} MiB for the download test.
 *
 * <p>Writes {@code seed.json}: server, access key and secret, and the apps with their kind and key.
 *
 * <pre>java -cp upshift-bench.jar dev.upshift.bench.load.Seed URL TOKEN DATA_DIR APPS VERSIONS DOWNLOAD_MIB OUT.json</pre>
 */
public final class Seed {
    /** Kinds with a signed {@code POST /v1/<kind>/upgrade}, and the feed kinds; the spread of the catalog. */
    static final List<String> KINDS = List.of("win", "win", "apk", "mac", "lnx", "file", "tauri", "electron");

    private final HttpClient http = HttpClient.newHttpClient();
    private final String server;
    private final String token;

    private Seed(String server, String token) {
        this.server = server;
        this.token = token;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 7) {
            System.err.println("usage: Seed URL TOKEN DATA_DIR APPS VERSIONS DOWNLOAD_MIB OUT.json");
            System.exit(2);
        }
        new Seed(args[0], args[1]).run(Path.of(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                Integer.parseInt(args[5]), Path.of(args[6]));
    }

    private void run(Path dataDir, int apps, int versions, int downloadMiB, Path out) throws Exception {
        JsonNode key = admin("POST", "/api/admin/v1/access-keys", "{\"description\":\"bench\"}");
        ObjectNode seed = Json.MAPPER.createObjectNode();
        seed.put("server", server);
        seed.put("accessKey", key.get("accessKey").asText());
        seed.put("secretKey", key.get("secretKey").asText());
        seed.put("versions", versions);
        ArrayNode appList = seed.putArray("apps");
        // One small file shared by every version (content-addressed, stored once), one large one for downloads.
        String small = uploadBlob(new byte[32 * 1024], "bench-small.bin");
        for (int i = 0; i < apps; i++) {
            String kind = KINDS.get(i % KINDS.size());
            ObjectNode body = Json.MAPPER.createObjectNode().put("kind", kind).put("name", "bench-" + i);
            if (List.of("apk", "win", "mac", "lnx").contains(kind)) {
                body.put("packageName", "com.example.bench" + i);
            }
            JsonNode app = admin("POST", "/api/admin/v1/apps", body.toString());
            appList.addObject().put("kind", kind).put("key", app.get("key").asText());
        }
        long now = System.currentTimeMillis();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("upshift.db"))) {
            c.setAutoCommit(false);
            try (PreparedStatement appId = c.prepareStatement("SELECT id FROM apps WHERE app_key = ?");
                 PreparedStatement version = c.prepareStatement("INSERT INTO versions (app_id, version_name, "
                         + "version_code, version_key, platform, arch, signature, created_at) VALUES (?,?,?,?,?,?,?,?) "
                         + "RETURNING id");
                 PreparedStatement file = c.prepareStatement("INSERT INTO version_files (version_id, role, format, "
                         + "blob_sha256, file_name, media_type, created_at) VALUES (?, 'update', ?, ?, ?, "
                         + "'application/octet-stream', ?)");
                 PreparedStatement strategy = c.prepareStatement("INSERT INTO strategies (app_id, version_id, name, "
                         + "begin_at, end_at, created_at, updated_at, health_since) VALUES (?,?,?,?,?,?,?,?)")) {
                for (JsonNode a : appList) {
                    appId.setString(1, a.get("key").asText());
                    long id;
                    try (var rs = appId.executeQuery()) {
                        rs.next();
                        id = rs.getLong(1);
                    }
                    String kind = a.get("kind").asText();
                    long newest = 0;
                    for (int v = 1; v <= versions; v++) {
                        boolean semver = kind.equals("tauri") || kind.equals("electron");
                        String name = semver ? "1." + v + ".0" : "v" + v;
                        long code = semver ? 1_000_000L + v * 1000L : v;
                        String platform = kind.equals("tauri") ? "linux" : kind.equals("electron") ? "windows" : "";
                        String arch = switch (kind) {
                            case "tauri" -> "x86_64";
                            case "electron", "win", "mac", "lnx" -> "x64";
                            default -> "";
                        };
                        version.setLong(1, id);
                        version.setString(2, name);
                        version.setLong(3, code);
                        version.setString(4, semver ? name : Long.toString(code));
                        version.setString(5, platform);
                        version.setString(6, arch);
                        version.setString(7, kind.equals("tauri") ? "c2lnbmF0dXJlIG9mIHRoZSBidW5kbGU=" : "");
                        version.setLong(8, now);
                        long vid;
                        try (var rs = version.executeQuery()) {
                            rs.next();
                            vid = rs.getLong(1);
                        }
                        String fileName = kind.equals("tauri") ? "bench_" + v + "_amd64.AppImage"
                                : kind.equals("electron") ? "Bench-Setup-" + v + ".exe" : "bench-" + v + ".bin";
                        file.setLong(1, vid);
                        file.setString(2, dev.upshift.server.artifacts.FileFormat.of(fileName));
                        file.setString(3, small);
                        file.setString(4, fileName);
                        file.setLong(5, now);
                        file.executeUpdate();
                        newest = vid;
                    }
                    strategy.setLong(1, id);
                    strategy.setLong(2, newest);
                    strategy.setString(3, "bench");
                    strategy.setLong(4, now - 60_000);
                    strategy.setLong(5, now + 365L * 24 * 3600 * 1000);
                    strategy.setLong(6, now);
                    strategy.setLong(7, now);
                    strategy.setLong(8, now);
                    strategy.executeUpdate();
                }
            }
            c.commit();
        } catch (SQLException e) {
            throw new IllegalStateException("seeding the database failed: " + e.getMessage(), e);
        }
        // Any admin write rebuilds the snapshot; attaching the large file to the first win app's newest version is one.
        JsonNode first = appList.get(0);
        byte[] big = new byte[downloadMiB * 1024 * 1024];
        new Random(7).nextBytes(big);
        JsonNode v2 = admin("POST", "/api/admin/v1/apps/" + first.get("key").asText() + "/versions",
                "{\"versionName\":\"big\",\"versionCode\":" + (versions + 1) + ",\"arch\":\"x64\"}");
        put("/api/admin/v1/apps/" + first.get("key").asText() + "/versions/" + v2.get("id").asLong()
                + "/artifact?fileName=bench-big.bin", big);
        seed.put("downloadUrl", server + "/v1/win/download?winKey=" + first.get("key").asText() + "&versionId="
                + v2.get("id").asLong());
        Files.writeString(out, seed.toPrettyString());
        System.out.println("seeded " + apps + " apps x " + versions + " versions; " + out);
    }

    private String uploadBlob(byte[] bytes, String name) throws Exception {
        JsonNode app = admin("POST", "/api/admin/v1/apps", "{\"kind\":\"file\",\"name\":\"bench-blob\"}");
        JsonNode v = admin("POST", "/api/admin/v1/apps/" + app.get("key").asText() + "/versions",
                "{\"versionName\":\"blob\",\"versionCode\":1}");
        new Random(3).nextBytes(bytes);
        return put("/api/admin/v1/apps/" + app.get("key").asText() + "/versions/" + v.get("id").asLong()
                + "/artifact?fileName=" + name, bytes).get("sha256").asText();
    }

    private JsonNode put(String path, byte[] body) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(server + path)).PUT(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    private JsonNode admin(String method, String path, String json) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(server + path)).header("Content-Type", "application/json")
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json)));
    }

    private JsonNode send(HttpRequest.Builder b) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = http.send(b.header("Authorization", "Bearer " + token).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() >= 300) {
            throw new IllegalStateException("admin call answered " + r.statusCode() + ": " + new String(r.body()));
        }
        return Json.parse(r.body());
    }
}
