package dev.upshift.server.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.upshift.server.http.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A JSON object received by the admin API, with typed accessors that refuse wrong types and unknown fields with a
 * message that names the field. Strictness is deliberate: a misspelt field silently ignored is a release shipped
 * with the wrong settings.
 */
final class JsonInput {
    private final ObjectNode node;

    private JsonInput(ObjectNode node) {
        this.node = node;
    }

    static JsonInput parse(byte[] body, Set<String> allowed) {
        JsonNode root;
        try {
            root = Json.parse(body);
        } catch (IOException e) {
            throw AdminApiException.invalid("Request body: " + e.getMessage() + ".");
        }
        return of(root, allowed);
    }

    /** Checks an already parsed object the same way (used when the server builds the request itself). */
    static JsonInput of(JsonNode root, Set<String> allowed) {
        if (!root.isObject()) {
            throw AdminApiException.invalid("Request body must be a JSON object.");
        }
        List<String> unknown = new ArrayList<>();
        root.fieldNames().forEachRemaining(f -> {
            if (!allowed.contains(f)) {
                unknown.add(f);
            }
        });
        if (!unknown.isEmpty()) {
            throw AdminApiException.invalid("Unknown field(s) " + unknown + "; allowed fields are "
                    + allowed.stream().sorted().toList() + ".");
        }
        return new JsonInput((ObjectNode) root);
    }

    /** The request's fields as sent, for the audit log's record of a change (never holds secrets by design). */
    ObjectNode fields() {
        return node.deepCopy();
    }

    boolean has(String field) {
        JsonNode n = node.get(field);
        return n != null && !n.isNull();
    }

    JsonNode raw(String field) {
        return node.get(field);
    }

    String string(String field, String fallback, int maxLength) {
        JsonNode n = node.get(field);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isTextual()) {
            throw AdminApiException.invalid("Field '" + field + "' must be a string.");
        }
        String s = n.asText();
        if (s.length() > maxLength) {
            throw AdminApiException.invalid("Field '" + field + "' is longer than " + maxLength + " characters.");
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean unpaired = Character.isHighSurrogate(c)
                    ? i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(++i))
                    : Character.isLowSurrogate(c);
            if (c == 0 || unpaired) {
                throw AdminApiException.invalid("Field '" + field + "' holds a NUL character or broken UTF-16 text.");
            }
        }
        return s;
    }

    String requiredString(String field, int maxLength) {
        String s = string(field, null, maxLength);
        if (s == null || s.isBlank()) {
            throw AdminApiException.invalid("Field '" + field + "' is required and must be a non-empty string.");
        }
        return s.strip();
    }

    Long longValue(String field) {
        JsonNode n = node.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw AdminApiException.invalid("Field '" + field + "' must be a whole number.");
        }
        return n.asLong();
    }

    Boolean bool(String field) {
        JsonNode n = node.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isBoolean()) {
            throw AdminApiException.invalid("Field '" + field + "' must be true or false.");
        }
        return n.asBoolean();
    }
}
