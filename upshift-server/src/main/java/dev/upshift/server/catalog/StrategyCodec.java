package dev.upshift.server.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import dev.upshift.core.rollout.ClientVersion;
import dev.upshift.core.rollout.Strategy;
import dev.upshift.core.version.SemVer;
import dev.upshift.server.http.Json;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How targeting and source restrictions are stored: a type column plus a small JSON document. One place converts
 * between the stored form, the engine's types and the admin API's JSON.
 */
public final class StrategyCodec {
    private StrategyCodec() {
    }

    public static Strategy.Targeting targeting(String type, String data) {
        JsonNode n = read(data);
        return switch (type) {
            case "groups" -> {
                Set<Long> ids = new LinkedHashSet<>();
                n.forEach(x -> ids.add(x.asLong()));
                yield new Strategy.Targeting.Groups(ids);
            }
            case "models" -> {
                Set<String> keys = new LinkedHashSet<>();
                n.forEach(x -> keys.add(x.asText()));
                yield new Strategy.Targeting.Models(keys);
            }
            default -> new Strategy.Targeting.All();
        };
    }

    public static Strategy.SourceRestriction source(String type, String data, boolean semver) {
        JsonNode n = read(data);
        return switch (type) {
            case "listed" -> {
                Set<Long> ids = new LinkedHashSet<>();
                n.path("versionIds").forEach(x -> ids.add(x.asLong()));
                yield new Strategy.SourceRestriction.Listed(ids);
            }
            case "range" -> new Strategy.SourceRestriction.Range(bound(n.get("from"), semver), bound(n.get("to"), semver));
            default -> new Strategy.SourceRestriction.AnyVersion();
        };
    }

    /** A range bound: an integer code, or a SemVer text for SemVer kinds; null when absent. */
    public static ClientVersion bound(JsonNode n, boolean semver) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (semver) {
            return ClientVersion.of(SemVer.of(n.asText()));
        }
        return ClientVersion.ofCode(n.asLong());
    }

    /** The admin API's JSON form of targeting. */
    public static Map<String, Object> render(Strategy.Targeting t) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (t instanceof Strategy.Targeting.Groups g) {
            m.put("type", "groups");
            m.put("groupIds", List.copyOf(g.groupIds()));
        } else if (t instanceof Strategy.Targeting.Models mo) {
            m.put("type", "models");
            m.put("modelKeys", List.copyOf(mo.modelKeys()));
        } else {
            m.put("type", "all");
        }
        return m;
    }

    public static Map<String, Object> render(Strategy.SourceRestriction s) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (s instanceof Strategy.SourceRestriction.Listed l) {
            m.put("type", "listed");
            m.put("versionIds", List.copyOf(l.versionIds()));
        } else if (s instanceof Strategy.SourceRestriction.Range r) {
            m.put("type", "range");
            m.put("from", boundText(r.from()));
            m.put("to", boundText(r.to()));
        } else {
            m.put("type", "all");
        }
        return m;
    }

    private static Object boundText(ClientVersion v) {
        if (v == null) {
            return null;
        }
        return v.semver() != null ? v.semver().canonical() : (Object) v.code();
    }

    private static JsonNode read(String data) {
        try {
            return Json.MAPPER.readTree(data == null || data.isEmpty() ? "null" : data);
        } catch (IOException e) {
            throw new IllegalStateException("stored strategy data is not JSON: " + data, e);
        }
    }
}
