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
    static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
