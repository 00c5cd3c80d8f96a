package dev.upshift.server.audit;

import dev.upshift.server.http.Json;
import java.util.Map;
import org.jdbi.v3.core.Handle;

/**
 * Who changed what, when: one row per change, written with the change's own handle so the record and the change
 * commit together or not at all. {@code detail} says why and what changed; it must never hold a secret.
 */
public final class AuditLog {
    /** The actor for changes Upshift makes by itself (automatic pause, stage advance). */
    public static final String SYSTEM = "upshift";

    private AuditLog() {
    }

    public static void record(Handle h, long tenantId, long at, String actor, String action, String targetType,
                              String targetId, Map<String, ?> detail) {
        h.createUpdate("INSERT INTO audit_log (tenant_id, at, actor, action, target_type, target_id, detail) "
                        + "VALUES (:t, :at, :actor, :action, :type, :id, :detail)")
                .bind("t", tenantId).bind("at", at).bind("actor", actor).bind("action", action)
                .bind("type", targetType).bind("id", targetId)
                .bind("detail", Json.MAPPER.valueToTree(detail).toString()).execute();
    }
}
