package dev.upshift.bench.load;

import com.fasterxml.jackson.databind.JsonNode;
import dev.upshift.core.auth.LegacySignatureV1;
import dev.upshift.server.http.Json;
import java.io.BufferedWriter;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Writes pre-built HTTP requests for wrk (see {@code corpus.lua}), one Lua file per wrk thread so no two threads
 * send the same nonce: {@code part-1.lua}, {@code part-2.lua}, each {@code return { "<raw request>", ... }}.
 *
 * <ul>
 *   <li>{@code checks}: signed {@code POST /v1/<kind>/upgrade} for the signed kinds of the seed (win, apk, mac, lnx,
 *       file): one of {@code devices} device keys, the app that device runs (device i runs app i mod apps, as a
 *       real device runs one app: a random app per request made nearly every check a device's first of the day,
 *       which no installation sees), a random installed version below the newest (so the newest is offered);
 *       every request has its own nonce, so all of them pass replay protection.
 *   <li>{@code reports}: signed {@code POST /v1/app/report} ({@code app_upgrade_upgrade}) with unique event ids.
 *   <li>{@code feeds}: {@code GET /v1/tauri/upgrade} and {@code /v1/electron/upgrade/latest.yml} with X-AccessKey
 *       (unsigned, so a small corpus can repeat).
 * </ul>
 * Timestamps are the time of writing; the server accepts ±300 s, so a corpus must be used within a few minutes.
 *
 * <pre>java -cp upshift-bench.jar dev.upshift.bench.load.Corpus seed.json checks|reports|feeds COUNT THREADS DEVICES OUT_DIR</pre>
 */
public final class Corpus {
    private Corpus() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 6) {
            System.err.println("usage: Corpus seed.json checks|reports|feeds COUNT THREADS DEVICES OUT_DIR");
            System.exit(2);
        }
        JsonNode seed = Json.MAPPER.readTree(Files.readAllBytes(Path.of(args[0])));
        String type = args[1];
        int count = Integer.parseInt(args[2]);
        int threads = Integer.parseInt(args[3]);
        int devices = Integer.parseInt(args[4]);
        Path out = Files.createDirectories(Path.of(args[5]));
        URI server = URI.create(seed.get("server").asText());
        String host = server.getHost() + ":" + server.getPort();
        String ak = seed.get("accessKey").asText();
        String sk = seed.get("secretKey").asText();
        int versions = seed.get("versions").asInt();
        List<JsonNode> signedApps = new ArrayList<>();
        List<JsonNode> feedApps = new ArrayList<>();
        for (JsonNode a : seed.get("apps")) {
            String kind = a.get("kind").asText();
            (kind.equals("tauri") || kind.equals("electron") ? feedApps : signedApps).add(a);
        }
        SplittableRandom random = new SplittableRandom(42);
        String timestamp = OffsetDateTime.now(ZoneOffset.UTC).withNano(0).toString();
        long serial = System.nanoTime();
        for (int t = 1; t <= threads; t++) {
            try (BufferedWriter w = Files.newBufferedWriter(out.resolve("part-" + t + ".lua"), StandardCharsets.UTF_8)) {
                w.write("return {\n");
                for (int i = 0; i < count / threads; i++) {
                    String raw = switch (type) {
                        case "checks" -> {
                            int device = random.nextInt(devices);
                            JsonNode app = signedApps.get(device % signedApps.size());
                            String kind = app.get("kind").asText();
                            var body = Json.MAPPER.createObjectNode().put(kind + "Key", app.get("key").asText())
                                    .put("versionCode", 1 + random.nextInt(versions - 1))
                                    .put("devKey", "dev-" + device);
                            if (List.of("win", "mac", "lnx").contains(kind)) {
                                body.put("arch", "x64");
                            }
                            yield signed(host, "/v1/" + kind + "/upgrade", body.toString(), ak, sk, timestamp,
                                    Long.toHexString(serial++) + "0000000000000000");
                        }
                        case "reports" -> {
                            int device = random.nextInt(devices);
                            JsonNode app = signedApps.get(device % signedApps.size());
                            String dev = "dev-" + device;
                            String body = "{\"eventType\":\"app_upgrade_upgrade\",\"appKey\":\"" + app.get("key").asText()
                                    + "\",\"timestamp\":\"" + timestamp + "\",\"eventId\":\"e" + Long.toHexString(serial)
                                    + "\",\"eventData\":{\"versionCode\":" + (versions - 1) + ",\"upgradeVersionCode\":"
                                    + versions + ",\"code\":0,\"devKey\":\"" + dev + "\",\"arch\":\"x64\"}}";
                            yield signed(host, "/v1/app/report", body, ak, sk, timestamp,
                                    Long.toHexString(serial++) + "0000000000000000");
                        }
                        case "feeds" -> {
                            int device = random.nextInt(devices);
                            JsonNode app = feedApps.get(device % feedApps.size());
                            String path = app.get("kind").asText().equals("tauri")
                                    ? "/v1/tauri/upgrade?tauriKey=" + app.get("key").asText()
                                    + "&versionName=1.3.0&target=linux&arch=x86_64&devKey=dev-" + device
                                    : "/v1/electron/upgrade/latest.yml?electronKey=" + app.get("key").asText()
                                    + "&versionName=1.3.0&platform=windows&arch=x64";
                            yield "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nX-AccessKey: " + ak
                                    + "\r\nConnection: keep-alive\r\n\r\n";
                        }
                        default -> throw new IllegalArgumentException("unknown corpus type " + type);
                    };
                    w.write('"');
                    w.write(lua(raw));
                    w.write("\",\n");
                }
                w.write("}\n");
            }
        }
        System.out.println("wrote " + count + " " + type + " requests for " + threads + " threads to " + out);
    }

    static String signed(String host, String path, String body, String ak, String sk, String ts, String nonce) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return "POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\n"
                + "X-Timestamp: " + ts + "\r\nX-Nonce: " + nonce + "\r\nX-AccessKey: " + ak + "\r\nX-Signature: "
                + LegacySignatureV1.sign(bytes, nonce, sk, ts, path) + "\r\nContent-Length: " + bytes.length
                + "\r\nConnection: keep-alive\r\n\r\n" + body;
    }

    /** A Lua double-quoted string body: backslash, quote, CR and LF escaped. */
    static String lua(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (char c : s.toCharArray()) {
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '"' -> sb.append("\\\"");
                case '\r' -> sb.append("\\r");
                case '\n' -> sb.append("\\n");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
