package dev.upshift.server.admin;

import dev.upshift.server.accounts.Role;
import com.fasterxml.jackson.databind.JsonNode;
import dev.upshift.core.rollout.Strategy;
import dev.upshift.server.catalog.CatalogStore;
import dev.upshift.server.catalog.DeviceKeys;
import dev.upshift.server.audit.AuditLog;
import dev.upshift.server.db.Database;
import dev.upshift.server.db.Sql;
import dev.upshift.server.http.Json;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jdbi.v3.core.Handle;

/**
 * Devices, device groups and device models of a tenant: {@code /api/admin/v1/devices}, {@code /device-groups},
 * {@code /device-models}. Devices also register themselves when they check for updates with a device key; an
 * operator can add them ahead of time (to put them in a group before their first check). A group or model that a
 * strategy (enabled or not) targets cannot be deleted.
 */
public final class DeviceAdmin {
    private final Database db;
    private final CatalogStore catalog;
    private final Clock clock;
    private final long maxBodyBytes;

    public DeviceAdmin(Database db, CatalogStore catalog, Clock clock, long maxBodyBytes) {
        this.db = db;
        this.catalog = catalog;
        this.clock = clock;
        this.maxBodyBytes = maxBodyBytes;
    }

    void register(AdminRoutes r) {
        String p = AdminApi.PREFIX;
        r.post(p + "/devices", Role.ADMIN, this::createDevice);
        r.get(p + "/devices", Role.VIEWER, this::listDevices);
        r.get(p + "/devices/{deviceKey}", Role.VIEWER, this::getDevice);
        r.delete(p + "/devices/{deviceKey}", Role.ADMIN, this::deleteDevice);
        r.post(p + "/device-groups", Role.ADMIN, this::createGroup);
        r.get(p + "/device-groups", Role.VIEWER, this::listGroups);
        r.get(p + "/device-groups/{id}", Role.VIEWER, this::getGroup);
        r.delete(p + "/device-groups/{id}", Role.ADMIN, this::deleteGroup);
        r.post(p + "/device-groups/{id}/members", Role.ADMIN, this::addMembers);
        r.delete(p + "/device-groups/{id}/members/{deviceKey}", Role.ADMIN, this::removeMember);
        r.post(p + "/device-models", Role.ADMIN, this::createModel);
        r.get(p + "/device-models", Role.VIEWER, this::listModels);
        r.delete(p + "/device-models/{modelKey}", Role.ADMIN, this::deleteModel);
    }

    private static long tenant(Context ctx) {
        return AdminApi.principal(ctx).tenantId();
    }

    static void checkKey(String key, String field) {
        if (!DeviceKeys.isValid(key)) {
            throw AdminApiException.invalid("Field '" + field + "' must be 1-128 visible ASCII characters.");
        }
    }

    // ---- devices ---------------------------------------------------------------------------------------------

    private void createDevice(Context ctx) {
        JsonInput in = JsonInput.parse(AdminApi.body(ctx, maxBodyBytes), Set.of("deviceKey", "modelKey"));
        String key = in.requiredString("deviceKey", 128);
        checkKey(key, "deviceKey");
        String model = in.string("modelKey", "", 128);
        long now = clock.millis();
        try {
            db.jdbi().useTransaction(h -> {
                h.createUpdate("INSERT INTO devices (tenant_id, device_key, model_key, created_at) "
                        + "VALUES (:t, :k, :m, :now)").bind("t", tenant(ctx)).bind("k", key).bind("m", model)
                        .bind("now", now).execute();
                AuditLog.record(h, AdminApi.actor(ctx), now, "device.create", "device", key, Map.of("modelKey", model));
            });
        } catch (RuntimeException e) {
            if (Sql.isUniqueViolation(e)) {
                throw AdminApiException.conflict("Device '" + key + "' already exists.");
            }
            throw e;
        }
        Json.respond(ctx, 201, device(ctx, key));
    }

    private Map<String, Object> device(Context ctx, String key) {
        return db.jdbi().withHandle(h -> devices(h, tenant(ctx), key)).stream().findFirst()
                .orElseThrow(() -> AdminApiException.notFound("No device '" + key + "'."));
    }

    private static List<Map<String, Object>> devices(Handle h, long tenant, String only) {
        List<Map<String, Object>> out = h.createQuery("SELECT id, device_key, model_key, first_seen_at, last_seen_at, "
                        + "created_at FROM devices WHERE tenant_id = :t " + (only == null ? "" : "AND device_key = :k ")
                        + "ORDER BY id LIMIT 10000")
                .bind("t", tenant).bind("k", only)
                .map((rs, c) -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("id", rs.getLong("id"));
                    m.put("deviceKey", rs.getString("device_key"));
                    m.put("modelKey", rs.getString("model_key"));
                    long first = rs.getLong("first_seen_at");
                    m.put("firstSeenAt", rs.wasNull() ? null : Sql.rfc3339(first));
                    long last = rs.getLong("last_seen_at");
                    m.put("lastSeenAt", rs.wasNull() ? null : Sql.rfc3339(last));
                    m.put("createdAt", Sql.rfc3339(rs.getLong("created_at")));
                    return m;
                }).list();
        for (Map<String, Object> d : out) {
            d.put("groupIds", h.createQuery("SELECT m.group_id FROM device_group_members m JOIN device_groups g ON g.id = m.group_id "
                            + "WHERE m.device_id = :d AND g.deleted_at IS NULL ORDER BY m.group_id")
                    .bind("d", (Long) d.remove("id")).mapTo(Long.class).list());
        }
        return out;
    }

    private void listDevices(Context ctx) {
        Json.respond(ctx, 200, Map.of("items", db.jdbi().withHandle(h -> devices(h, tenant(ctx), null))));
    }

    private void getDevice(Context ctx) {
        Json.respond(ctx, 200, device(ctx, ctx.pathParam("deviceKey")));
    }

    private void deleteDevice(Context ctx) {
        String key = ctx.pathParam("deviceKey");
        boolean found = db.jdbi().inTransaction(h -> {
            Long id = h.createQuery("SELECT id FROM devices WHERE tenant_id = :t AND device_key = :k")
                    .bind("t", tenant(ctx)).bind("k", key).mapTo(Long.class).findOne().orElse(null);
            if (id == null) {
                return false;
            }
            h.createUpdate("DELETE FROM device_group_members WHERE device_id = :d").bind("d", id).execute();
            h.createUpdate("DELETE FROM devices WHERE id = :d").bind("d", id).execute();
            AuditLog.record(h, AdminApi.actor(ctx), clock.millis(), "device.delete", "device", key, Map.of());
            return true;
        });
        if (!found) {
            throw AdminApiException.notFound("No device '" + key + "'.");
        }
        catalog.refresh();
        ctx.status(204);
    }

    // ---- groups ----------------------------------------------------------------------------------------------

    private void createGroup(Context ctx) {
        JsonInput in = JsonInput.parse(AdminApi.body(ctx, maxBodyBytes), Set.of("name", "description"));
        String name = in.requiredString("name", 128);
        String description = in.string("description", "", 1024);
        long id;
        try {
            id = db.jdbi().inTransaction(h -> {
                long now = clock.millis();
                long gid = h.createQuery("INSERT INTO device_groups (tenant_id, name, description, created_at) "
                                + "VALUES (:t, :n, :d, :now) RETURNING id").bind("t", tenant(ctx)).bind("n", name)
                        .bind("d", description).bind("now", now).mapTo(Long.class).one();
                AuditLog.record(h, AdminApi.actor(ctx), now, "device_group.create", "device_group", gid,
                        Map.of("name", name, "description", description));
                return gid;
            });
        } catch (RuntimeException e) {
            if (Sql.isUniqueViolation(e)) {
                throw AdminApiException.conflict("A device group named '" + name + "' already exists.");
            }
            throw e;
        }
        Json.respond(ctx, 201, group(ctx, id));
    }

    private long groupId(Context ctx) {
        String text = ctx.pathParam("id");
        long id;
        try {
            id = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw AdminApiException.invalid("Group id must be a number; got '" + text + "'.");
        }
        boolean exists = db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM device_groups WHERE id = :id "
                + "AND tenant_id = :t AND deleted_at IS NULL").bind("id", id).bind("t", tenant(ctx)).mapTo(Long.class).one()) > 0;
        if (!exists) {
            throw AdminApiException.notFound("No device group " + text + ".");
        }
        return id;
    }

    private Map<String, Object> group(Context ctx, long id) {
        return db.jdbi().withHandle(h -> {
            Map<String, Object> m = h.createQuery("SELECT id, name, description, created_at FROM device_groups WHERE id = :id")
                    .bind("id", id).map((rs, c) -> {
                        Map<String, Object> g = new LinkedHashMap<>();
                        g.put("id", rs.getLong("id"));
                        g.put("name", rs.getString("name"));
                        g.put("description", rs.getString("description"));
                        g.put("createdAt", Sql.rfc3339(rs.getLong("created_at")));
                        return g;
                    }).one();
            m.put("deviceKeys", h.createQuery("SELECT d.device_key FROM device_group_members m JOIN devices d ON d.id = m.device_id "
                    + "WHERE m.group_id = :g ORDER BY d.device_key").bind("g", id).mapTo(String.class).list());
            return m;
        });
    }

    private void listGroups(Context ctx) {
        List<Long> ids = db.jdbi().withHandle(h -> h.createQuery("SELECT id FROM device_groups WHERE tenant_id = :t "
                + "AND deleted_at IS NULL ORDER BY id").bind("t", tenant(ctx)).mapTo(Long.class).list());
        List<Map<String, Object>> items = new ArrayList<>();
        ids.forEach(id -> items.add(group(ctx, id)));
        Json.respond(ctx, 200, Map.of("items", items));
    }

    private void getGroup(Context ctx) {
        Json.respond(ctx, 200, group(ctx, groupId(ctx)));
    }

    private void deleteGroup(Context ctx) {
        long id = groupId(ctx);
        refuseIfTargeted(ctx, "groups", Long.toString(id), "Device group " + id);
        long now = clock.millis();
        db.jdbi().useTransaction(h -> {
            h.createUpdate("UPDATE device_groups SET deleted_at = :now WHERE id = :id").bind("now", now).bind("id", id)
                    .execute();
            AuditLog.record(h, AdminApi.actor(ctx), now, "device_group.delete", "device_group", id, Map.of());
        });
        catalog.refresh();
        ctx.status(204);
    }

    private void addMembers(Context ctx) {
        long id = groupId(ctx);
        JsonInput in = JsonInput.parse(AdminApi.body(ctx, maxBodyBytes), Set.of("deviceKeys"));
        JsonNode keys = in.raw("deviceKeys");
        if (keys == null || !keys.isArray() || keys.isEmpty()) {
            throw AdminApiException.invalid("Field 'deviceKeys' must be a non-empty array of device keys.");
        }
        List<String> list = new ArrayList<>();
        for (JsonNode k : keys) {
            if (!k.isTextual() || k.asText().isEmpty()) {
                throw AdminApiException.invalid("Field 'deviceKeys' must hold non-empty strings.");
            }
            checkKey(k.asText(), "deviceKeys");
            list.add(k.asText());
        }
        long now = clock.millis();
        long tenant = tenant(ctx);
        db.jdbi().useTransaction(h -> {
            for (String key : list) {
                h.createUpdate("INSERT INTO devices (tenant_id, device_key, created_at) VALUES (:t, :k, :now) "
                        + "ON CONFLICT (tenant_id, device_key) DO NOTHING").bind("t", tenant).bind("k", key).bind("now", now).execute();
                long deviceId = h.createQuery("SELECT id FROM devices WHERE tenant_id = :t AND device_key = :k")
                        .bind("t", tenant).bind("k", key).mapTo(Long.class).one();
                h.createUpdate("INSERT INTO device_group_members (group_id, device_id) VALUES (:g, :d) "
                        + "ON CONFLICT (group_id, device_id) DO NOTHING").bind("g", id).bind("d", deviceId).execute();
            }
            AuditLog.record(h, AdminApi.actor(ctx), now, "device_group.add_members", "device_group", id,
                    Map.of("deviceKeys", list));
        });
        catalog.refresh();
        Json.respond(ctx, 200, group(ctx, id));
    }

    private void removeMember(Context ctx) {
        long id = groupId(ctx);
        String key = ctx.pathParam("deviceKey");
        db.jdbi().useTransaction(h -> {
            int n = h.createUpdate("DELETE FROM device_group_members WHERE group_id = :g AND device_id = "
                            + "(SELECT id FROM devices WHERE tenant_id = :t AND device_key = :k)")
                    .bind("g", id).bind("t", tenant(ctx)).bind("k", key).execute();
            if (n == 0) {
                throw AdminApiException.notFound("Device '" + key + "' is not in group " + id + ".");
            }
            AuditLog.record(h, AdminApi.actor(ctx), clock.millis(), "device_group.remove_member", "device_group", id,
                    Map.of("deviceKey", key));
        });
        catalog.refresh();
        ctx.status(204);
    }

    // ---- models ----------------------------------------------------------------------------------------------

    private void createModel(Context ctx) {
        JsonInput in = JsonInput.parse(AdminApi.body(ctx, maxBodyBytes), Set.of("modelKey", "name"));
        String key = in.requiredString("modelKey", 128);
        checkKey(key, "modelKey");
        String name = in.string("name", "", 128);
        try {
            db.jdbi().useTransaction(h -> {
                long now = clock.millis();
                h.createUpdate("INSERT INTO device_models (tenant_id, model_key, name, created_at) "
                        + "VALUES (:t, :k, :n, :now)").bind("t", tenant(ctx)).bind("k", key).bind("n", name)
                        .bind("now", now).execute();
                AuditLog.record(h, AdminApi.actor(ctx), now, "device_model.create", "device_model", key,
                        Map.of("name", name));
            });
        } catch (RuntimeException e) {
            if (Sql.isUniqueViolation(e)) {
                throw AdminApiException.conflict("Device model '" + key + "' already exists.");
            }
            throw e;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("modelKey", key);
        m.put("name", name);
        Json.respond(ctx, 201, m);
    }

    private void listModels(Context ctx) {
        Json.respond(ctx, 200, Map.of("items", db.jdbi().withHandle(h -> h.createQuery("SELECT model_key, name, created_at "
                        + "FROM device_models WHERE tenant_id = :t AND deleted_at IS NULL ORDER BY id").bind("t", tenant(ctx))
                .map((rs, c) -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("modelKey", rs.getString("model_key"));
                    m.put("name", rs.getString("name"));
                    m.put("createdAt", Sql.rfc3339(rs.getLong("created_at")));
                    return m;
                }).list())));
    }

    private void deleteModel(Context ctx) {
        String key = ctx.pathParam("modelKey");
        refuseIfTargeted(ctx, "models", key, "Device model '" + key + "'");
        db.jdbi().useTransaction(h -> {
            long now = clock.millis();
            int n = h.createUpdate("UPDATE device_models SET deleted_at = :now WHERE tenant_id = :t "
                            + "AND model_key = :k AND deleted_at IS NULL").bind("now", now).bind("t", tenant(ctx))
                    .bind("k", key).execute();
            if (n == 0) {
                throw AdminApiException.notFound("No device model '" + key + "'.");
            }
            AuditLog.record(h, AdminApi.actor(ctx), now, "device_model.delete", "device_model", key, Map.of());
        });
        ctx.status(204);
    }

    private void refuseIfTargeted(Context ctx, String type, String value, String what) {
        long tenant = tenant(ctx);
        catalog.current().apps().stream().filter(a -> a.tenantId() == tenant).forEach(app ->
                catalog.current().strategies(app.id()).forEach(s -> {
                    Strategy.Targeting t = s.rule().targeting();
                    boolean targeted = type.equals("groups")
                            ? t instanceof Strategy.Targeting.Groups g && g.groupIds().contains(Long.parseLong(value))
                            : t instanceof Strategy.Targeting.Models m && m.modelKeys().contains(value);
                    if (targeted) {
                        throw AdminApiException.conflict(what + " is targeted by strategy " + s.id() + " of app "
                                + app.key() + "; change or delete that strategy first.");
                    }
                }));
    }
}
