package dev.upshift.core.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every known-answer vector in shared/vectors/signature-v1.json, read from the file itself. */
class LegacySignatureV1VectorsTest {

    static Path vectorsFile() {
        String shared = System.getProperty("upshift.shared.dir", "../../shared");
        Path path = Path.of(shared, "vectors", "signature-v1.json");
        if (!Files.exists(path)) {
            path = Path.of("..", "..", "shared", "vectors", "signature-v1.json");
        }
        return path;
    }

    static Stream<JsonNode> vectors() throws IOException {
        JsonNode root = new ObjectMapper().readTree(Files.readString(vectorsFile(), StandardCharsets.UTF_8));
        List<JsonNode> list = new ArrayList<>();
        root.get("vectors").forEach(list::add);
        return list.stream();
    }

    @Test
    void theVectorFileHasVectors() throws IOException {
        assertThat(vectors().count()).isGreaterThanOrEqualTo(7);
    }

    @ParameterizedTest(name = "{index}: {0}")
    @MethodSource("vectors")
    void stringToSignAndSignatureMatchTheVector(JsonNode v) {
        byte[] body = v.get("body").asText().getBytes(StandardCharsets.UTF_8);
        String nonce = v.get("headers").get("X-Nonce").asText();
        String timestamp = v.get("headers").get("X-Timestamp").asText();
        String secret = v.get("secretKey").asText();
        String url = v.get("url").asText();

        byte[] canonical = LegacySignatureV1.stringToSign(body, false, nonce, secret, timestamp, url);
        assertThat(new String(canonical, StandardCharsets.UTF_8)).isEqualTo(v.get("stringToSign").asText());
        assertThat(LegacySignatureV1.sign(body, nonce, secret, timestamp, url)).isEqualTo(v.get("signature").asText());
        assertThat(LegacySignatureV1.verify(v.get("signature").asText(), body, nonce, secret, timestamp, url)).isTrue();
    }

    @ParameterizedTest(name = "{index}: {0}")
    @MethodSource("vectors")
    void anyChangedPartFailsVerification(JsonNode v) {
        byte[] body = v.get("body").asText().getBytes(StandardCharsets.UTF_8);
        String nonce = v.get("headers").get("X-Nonce").asText();
        String timestamp = v.get("headers").get("X-Timestamp").asText();
        String secret = v.get("secretKey").asText();
        String url = v.get("url").asText();
        String sig = v.get("signature").asText();

        assertThat(LegacySignatureV1.verify(sig, body, nonce + "x", secret, timestamp, url)).isFalse();
        assertThat(LegacySignatureV1.verify(sig, body, nonce, secret + "x", timestamp, url)).isFalse();
        assertThat(LegacySignatureV1.verify(sig, body, nonce, secret, timestamp.replace("10:34", "10:35"), url)).isFalse();
        assertThat(LegacySignatureV1.verify(sig, body, nonce, secret, timestamp, url + "x")).isFalse();
        assertThat(LegacySignatureV1.verify(sig, (new String(body, StandardCharsets.UTF_8) + " ").getBytes(StandardCharsets.UTF_8),
                nonce, secret, timestamp, url)).isFalse();
        assertThat(LegacySignatureV1.verify(sig.toUpperCase(), body, nonce, secret, timestamp, url)).isFalse();
        char flipped = sig.charAt(0) == '0' ? '1' : '0';
        assertThat(LegacySignatureV1.verify(flipped + sig.substring(1), body, nonce, secret, timestamp, url)).isFalse();
    }

    @Test
    void emptyPostBodyVerifiesWithAndWithoutTheBodyPart() throws IOException {
        JsonNode v = vectors().filter(n -> n.get("name").asText().equals("empty-post-body")).findFirst().orElseThrow();
        String nonce = v.get("headers").get("X-Nonce").asText();
        String timestamp = v.get("headers").get("X-Timestamp").asText();
        String secret = v.get("secretKey").asText();
        String url = v.get("url").asText();
        byte[] serverForm = LegacySignatureV1.stringToSign(new byte[0], true, nonce, secret, timestamp, url);
        assertThat(new String(serverForm, StandardCharsets.UTF_8)).isEqualTo("body=&" + v.get("stringToSign").asText());
        String serverFormSignature = md5Hex(serverForm);

        assertThat(LegacySignatureV1.verify(v.get("signature").asText(), new byte[0], nonce, secret, timestamp, url)).isTrue();
        assertThat(LegacySignatureV1.verify(serverFormSignature, new byte[0], nonce, secret, timestamp, url)).isTrue();
        assertThat(LegacySignatureV1.verify(serverFormSignature, "{}".getBytes(StandardCharsets.UTF_8), nonce, secret, timestamp, url)).isFalse();
    }

    private static String md5Hex(byte[] bytes) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("MD5").digest(bytes);
            StringBuilder sb = new StringBuilder();
            for (byte b : d) {
                sb.append(String.format("%02x", b));
            }
            return sb.toString();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
