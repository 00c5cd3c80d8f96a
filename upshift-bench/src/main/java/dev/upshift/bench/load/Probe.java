package dev.upshift.bench.load;

import com.fasterxml.jackson.databind.JsonNode;
import dev.upshift.server.http.Json;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Sends one signed update check of the benchmark corpus and saves the answer's body, so nginx and the bare Javalin
 * baseline serve exactly the bytes Upshift answers.
 *
 * <pre>java -cp upshift-bench.jar dev.upshift.bench.load.Probe seed.json answer.json</pre>
 */
public final class Probe {
    private Probe() {
    }

    public static void main(String[] args) throws Exception {
        JsonNode seed = Json.MAPPER.readTree(Files.readAllBytes(Path.of(args[0])));
        java.net.URI server = java.net.URI.create(seed.get("server").asText());
        JsonNode app = null;
        for (JsonNode a : seed.get("apps")) {
            if (a.get("kind").asText().equals("win")) {
                app = a;
                break;
            }
        }
        String body = "{\"winKey\":\"" + app.get("key").asText() + "\",\"versionCode\":1,\"arch\":\"x64\",\"devKey\":\"probe\"}";
        String raw = Corpus.signed(server.getHost() + ":" + server.getPort(), "/v1/win/upgrade", body,
                seed.get("accessKey").asText(), seed.get("secretKey").asText(),
                java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC).withNano(0).toString(),
                Long.toHexString(System.nanoTime()) + "probe000000000000").replace("keep-alive", "close");
        try (Socket s = new Socket(server.getHost(), server.getPort())) {
            s.getOutputStream().write(raw.getBytes(StandardCharsets.UTF_8));
            String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int split = response.indexOf("\r\n\r\n");
            String head = response.substring(0, split);
            if (!head.startsWith("HTTP/1.1 200")) {
                throw new IllegalStateException("probe check failed: " + response);
            }
            String payload = response.substring(split + 4);
            if (head.toLowerCase().contains("transfer-encoding: chunked")) {
                throw new IllegalStateException("unexpected chunked answer: " + head);
            }
            Files.writeString(Path.of(args[1]), payload);
            System.out.println("answer: " + payload.length() + " bytes");
        }
    }
}
