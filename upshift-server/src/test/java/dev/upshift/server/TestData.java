package dev.upshift.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Small builders and readers shared by the HTTP tests. */
final class TestData {
    private TestData() {
    }

    /** An insertion-ordered map from alternating keys and values: {@code map("a", 1, "b", 2)}. */
    static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    /** RFC 3339 UTC time, whole seconds, relative to now. */
    static String at(long secondsFromNow) {
        return Instant.now().plusSeconds(secondsFromNow).truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** The field names of a JSON object, in document order. */
    static List<String> fieldNames(JsonNode n) {
        List<String> names = new ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** {@code n} pseudo-random bytes, the same for the same seed. */
    /** SHA-512 of {@code b} in base64, as electron-builder writes it into latest.yml: computed here, not by Upshift. */
    static String sha512Base64(byte[] b) {
        try {
            return java.util.Base64.getEncoder().encodeToString(java.security.MessageDigest.getInstance("SHA-512").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
