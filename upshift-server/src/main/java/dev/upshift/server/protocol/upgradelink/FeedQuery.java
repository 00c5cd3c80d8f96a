package dev.upshift.server.protocol.upgradelink;

import dev.upshift.core.kind.AppKind;
import dev.upshift.core.protocol.UpgradeLinkCode;
import dev.upshift.core.rollout.ClientVersion;
import dev.upshift.core.version.SemVer;
import dev.upshift.server.http.ClientExchange;
import java.util.List;

/** Query-string parameters of the updater feeds, with the protocol's error codes. */
final class FeedQuery {
    private FeedQuery() {
    }

    static String required(ClientExchange exchange, String name) {
        String v = exchange.queryParam(name);
        if (v == null || v.isEmpty()) {
            throw new ClientApiException(UpgradeLinkCode.MISSING_PARAMETER, "Missing parameter: " + name);
        }
        if (v.length() > 256) {
            throw new ClientApiException(UpgradeLinkCode.INVALID_PARAMETER, "Parameter " + name + " is too long");
        }
        return v;
    }

    static String optional(ClientExchange exchange, String name) {
        String v = exchange.queryParam(name);
        return v == null || v.isEmpty() ? null : v;
    }

    static String choice(ClientExchange exchange, AppKind kind, String name, List<String> allowed) {
        String raw = required(exchange, name);
        String v = name.equals("platform") ? kind.normalizePlatform(raw) : raw;
        if (!allowed.contains(v)) {
            throw new ClientApiException(UpgradeLinkCode.INVALID_PARAMETER,
                    "Parameter " + name + " must be one of " + String.join(", ", allowed) + "; got '" + raw + "'");
        }
        return v;
    }

    static SemVer semver(String name, String text) {
        SemVer.ParseResult p = SemVer.parse(text);
        if (p.version() == null) {
            throw new ClientApiException(UpgradeLinkCode.INVALID_PARAMETER,
                    "Parameter " + name + " must be a SemVer version such as 1.0.1; '" + text + "' " + p.error());
        }
        return p.version();
    }

    /** {@code appointVersionName} (SemVer) wins over {@code appointVersionCode} (integer); neither means none. */
    static ClientVersion appointed(ClientExchange exchange) {
        String name = optional(exchange, "appointVersionName");
        if (name != null) {
            return ClientVersion.of(semver("appointVersionName", name));
        }
        String code = optional(exchange, "appointVersionCode");
        if (code == null) {
            return null;
        }
        try {
            long c = Long.parseLong(code);
            if (c < 0) {
                throw new NumberFormatException();
            }
            return c == 0 ? null : ClientVersion.ofCode(c);
        } catch (NumberFormatException e) {
            throw new ClientApiException(UpgradeLinkCode.INVALID_PARAMETER, "Parameter appointVersionCode must be a non-negative integer");
        }
    }
}
