package dev.upshift.server.protocol.upgradelink;

import com.fasterxml.jackson.databind.JsonNode;
import dev.upshift.core.kind.AppKind;
import dev.upshift.core.protocol.UpgradeLinkCode;
import dev.upshift.core.version.SemVer;
import dev.upshift.server.http.Json;
import java.io.IOException;

/**
 * The JSON body of a signed UpgradeLink call, with accessors that raise the protocol's codes: 400005 for a body
 * that is not a JSON object, 400002 for a missing field, 400003 for a wrong type or value. Unknown fields are
 * ignored, since SDKs send optional fields this server may not use.
 */
final class ClientRequest {
    private final JsonNode node;

    private ClientRequest(JsonNode node) {
        this.node = node;
    }

    static ClientRequest parse(byte[] body) {
        if (body.length == 0) {
            throw new ClientApiException(UpgradeLinkCode.INVALID_BODY, "Request body is empty; send a JSON object");
        }
        JsonNode root;
        try {
            root = Json.parse(body);
        } catch (IOException e) {
            throw new ClientApiException(UpgradeLinkCode.INVALID_BODY, "Request body: " + e.getMessage());
        }
        if (!root.isObject()) {
            throw new ClientApiException(UpgradeLinkCode.INVALID_BODY, "Request body must be a JSON object");
        }
        return new ClientRequest(root);
    }

    boolean has(String field) {
        JsonNode n = node.get(field);
        return n != null && !n.isNull();
    }

    String requiredString(String field) {
        JsonNode n = node.get(field);
        if (n == null || n.isNull()) {
            throw new ClientApiException(UpgradeLinkCode.MISSING_PARAMETER, "Missing parameter: " + field);
        }
        if (!n.isTextual()) {
            throw new ClientApiException(UpgradeLinkCode.INVALID_PARAMETER, "Parameter " + field + " must be a string");
        }
        String s = n.asText();
        if (s.isEmpty()) {
            throw new ClientApiException(UpgradeLinkCode.INVALID_PARAMETER, "Parameter " + field + " must not be empty");
        }
        if (s.length() > 256) {
            throw new ClientApiException(UpgradeLinkCode.INVALID_PARAMETER, "Parameter " + field + " is too long");
        }
        return s;
    }

    /** An optional string; absent, null or empty gives null. Non-strings are refused. */
    String optionalString(String field) {
        if (!has(field)) {
            return null;
        }
        if (!node.get(field).isTextual()) {
            throw new ClientApiException(UpgradeLinkCode.INVALID_PARAMETER, "Parameter " + field + " must be a string");
        }
        return node.get(field).asText().isEmpty() ? null : requiredString(field);
    }

    /** An optional non-negative integer; absent, null or 0 gives 0. */
    long optionalNonNegativeLong(String field) {
        JsonNode n = node.get(field);
        if (n == null || n.isNull()) {
            return 0;
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong() || n.asLong() < 0) {
            throw new ClientApiException(UpgradeLinkCode.INVALID_PARAMETER,
                    "Parameter " + field + " must be a non-negative integer");
        }
        return n.asLong();
    }

    /** An optional integer of either sign; absent or null gives 0. */
    long optionalLong(String field) {
        JsonNode n = node.get(field);
        if (n == null || n.isNull()) {
            return 0;
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw new ClientApiException(UpgradeLinkCode.INVALID_PARAMETER, "Parameter " + field + " must be an integer");
        }
        return n.asLong();
    }

    /** A nested object read with the same accessors; absent or null gives an empty one, anything else 400003. */
    ClientRequest object(String field) {
        JsonNode n = node.get(field);
        if (n == null || n.isNull()) {
            return new ClientRequest(Json.MAPPER.createObjectNode());
        }
        if (!n.isObject()) {
            throw new ClientApiException(UpgradeLinkCode.INVALID_PARAMETER, "Parameter " + field + " must be an object");
        }
        return new ClientRequest(n);
    }

    /** A positive 64-bit integer; strings, fractions, booleans, zero and negatives are refused. */
    long requiredPositiveLong(String field) {
        JsonNode n = node.get(field);
        if (n == null || n.isNull()) {
            throw new ClientApiException(UpgradeLinkCode.MISSING_PARAMETER, "Missing parameter: " + field);
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw new ClientApiException(UpgradeLinkCode.INVALID_PARAMETER,
                    "Parameter " + field + " must be an integer");
        }
        long v = n.asLong();
        if (v <= 0) {
            throw new ClientApiException(UpgradeLinkCode.INVALID_PARAMETER,
                    "Parameter " + field + " must be a positive integer; got " + v);
        }
        return v;
    }

    /** A value from a closed list; the error lists the allowed values. */
    String requiredChoice(String field, java.util.List<String> allowed, AppKind kind) {
        String raw = requiredString(field);
        String value = field.equals("platform") ? kind.normalizePlatform(raw) : raw;
        if (!allowed.contains(value)) {
            throw new ClientApiException(UpgradeLinkCode.INVALID_PARAMETER,
                    "Parameter " + field + " must be one of " + String.join(", ", allowed) + "; got '" + raw + "'");
        }
        return value;
    }

    /** The client's own version for SemVer kinds: {@code versionName} (SemVer), else an integer {@code versionCode}. */
    ClientVersion semverVersion() {
        if (has("versionName")) {
            String name = requiredString("versionName");
            SemVer.ParseResult parsed = SemVer.parse(name);
            if (parsed.version() == null) {
                throw new ClientApiException(UpgradeLinkCode.INVALID_PARAMETER,
                        "Parameter versionName must be a SemVer version such as 1.0.1 (a leading v is allowed); '"
                                + name + "' " + parsed.error());
            }
            return new ClientVersion(parsed.version(), parsed.version().legacyCode());
        }
        if (has("versionCode")) {
            return new ClientVersion(null, requiredPositiveLong("versionCode"));
        }
        throw new ClientApiException(UpgradeLinkCode.MISSING_PARAMETER,
                "Missing parameter: versionName (or an integer versionCode)");
    }

    /** The version a client states: a SemVer (SemVer kinds) or only an integer code. */
    record ClientVersion(SemVer semver, long code) {
    }
}
