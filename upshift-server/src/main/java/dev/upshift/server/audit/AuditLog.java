package dev.upshift.server.audit;

import dev.upshift.server.http.Json;
import java.util.Map;
import org.jdbi.v3.core.Handle;

/**
 * Who changed what, when and from where: one row per change, written with the change's own handle so the record
 * and the change commit together or not at all. {@code detail} says what changed (before and after for settings);
 * it must never hold a secret: no passwords, tokens, secret keys or their hashes.
 */
public final class AuditLog {
    /** The actor for changes Upshift makes by itself (automatic pause, stage advance). */
    public static final String SYSTEM = "upshift";

    /** Who acted: the tenant they acted in, the name the log shows, and the client address. */
    public record Actor(long tenantId, String name, String ip) {
    }

    private AuditLog() {
    }

    public static void record(Handle h, Actor actor, long at, String action, String targetType, Object targetId,
                              Map<String, ?> detail) {
        h.createUpdate("INSERT INTO audit_log (tenant_id, at, actor, ip, action, target_type, target_id, detail) "
                        + "VALUES (:t, :at, :actor, :ip, :action, :type, :id, :detail)")
                .bind("t", actor.tenantId()).bind("at", at).bind("actor", truncate(actor.name(), 128))
                .bind("ip", truncate(actor.ip() == null ? "" : actor.ip(), 64)).bind("action", action)
                .bind("type", targetType).bind("id", truncate(String.valueOf(targetId), 64))
                .bind("detail", Json.MAPPER.valueToTree(detail).toString()).execute();
    }

    /** A change Upshift made by itself, in {@code tenantId}. */
    public static void record(Handle h, long tenantId, long at, String actor, String action, String targetType,
                              String targetId, Map<String, ?> detail) {
        record(h, new Actor(tenantId, actor, ""), at, action, targetType, targetId, detail);
    }

    private static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }
}
