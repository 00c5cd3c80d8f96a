package dev.upshift.server.admin;

import dev.upshift.server.accounts.Role;
import com.fasterxml.jackson.databind.JsonNode;
import dev.upshift.core.kind.AppKind;
import dev.upshift.core.rollout.Channels;
import dev.upshift.core.rollout.ClientVersion;
import dev.upshift.core.rollout.FlowRule;
import dev.upshift.core.rollout.GrayRule;
import dev.upshift.core.rollout.RolloutCounters;
import dev.upshift.core.rollout.Strategy;
import dev.upshift.core.version.SemVer;
import dev.upshift.server.catalog.App;
import dev.upshift.server.catalog.CatalogSnapshot;
import dev.upshift.server.catalog.CatalogStore;
import dev.upshift.server.catalog.StrategyCodec;
import dev.upshift.server.audit.AuditLog;
import dev.upshift.server.catalog.StrategyEntry;
import dev.upshift.server.catalog.StrategyHealth;
import dev.upshift.server.catalog.Version;
import dev.upshift.server.db.Database;
import dev.upshift.server.db.Sql;
import dev.upshift.server.http.Json;
import io.javalin.http.Context;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jdbi.v3.core.Handle;

/**
 * Strategies in the admin API: {@code /api/admin/v1/apps/{appKey}/strategies[/{id}]} with POST, GET, PATCH and
 * DELETE. A strategy is validated as a whole on every write (PATCH merges the given fields into the stored
 * strategy first), so a stored strategy is always one the engine can run. Gray and flow rules are written with
 * their strategy in one transaction; rules sent with their {@code id} keep it (and with it the devices already
 * admitted), rules without one are new, and rules left out are removed.
 */
public final class StrategyAdmin {
    private static final java.time.format.DateTimeFormatter HH_MM_SS = java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss");
    static final Instant FAR_FUTURE = Instant.parse("2100-01-01T00:00:00Z");
    private static final Set<String> FIELDS = Set.of("name", "description", "versionId", "enabled", "begin", "end",
            "upgradeType", "promptText", "targeting", "source", "channel", "percentage", "grayRules", "flowRules",
            "rollback", "health", "stages");

    private final Database db;
    private final CatalogStore catalog;
    private final RolloutCounters counters;
    private final Clock clock;
    private final long maxBodyBytes;

    public StrategyAdmin(Database db, CatalogStore catalog, RolloutCounters counters, Clock clock,
                         long maxBodyBytes) {
        this.db = db;
        this.catalog = catalog;
        this.counters = counters;
        this.clock = clock;
        this.maxBodyBytes = maxBodyBytes;
    }

    void register(AdminRoutes r) {
        String base = AdminApi.PREFIX + "/apps/{appKey}/strategies";
        r.post(base, Role.ADMIN, this::create);
        r.get(base, Role.VIEWER, this::list);
        r.get(base + "/{id}", Role.VIEWER, this::get);
        r.patch(base + "/{id}", Role.ADMIN, this::patch);
        r.delete(base + "/{id}", Role.ADMIN, this::delete);
        r.post(base + "/{id}/pause", Role.ADMIN, this::pause);
        r.post(base + "/{id}/resume", Role.ADMIN, this::resume);
    }

    /** A complete, validated strategy ready to store. */
    record Draft(String name, String description, long versionId, boolean enabled, Instant begin, Instant end,
                 int upgradeType, String promptText, String targeting, String targetingData, String sourceType,
                 String sourceData, String channel, int percentage, List<GrayDraft> gray, List<FlowDraft> flow,
                 boolean rollback, Integer failureThreshold, int minAttempts, Integer successThreshold,
                 List<StrategyHealth.Stage> stages, int stageIndex, Long stageStartedAt) {
    }

    record GrayDraft(Long id, boolean enabled, Instant begin, Instant end, long limit) {
    }

    record FlowDraft(Long id, boolean enabled, String begin, String end, String dimension, long limit, boolean soft) {
    }

    // ---- handlers --------------------------------------------------------------------------------------------

    private void create(Context ctx) {
        CatalogSnapshot snap = catalog.current();
        App app = AdminApi.ownedApp(ctx, snap);
        StrategyEntry created = create(app, JsonInput.parse(AdminApi.body(ctx, maxBodyBytes), FIELDS),
                AdminApi.actor(ctx));
        CatalogSnapshot after = catalog.current();
        Json.respond(ctx, 201, render(app, after, created));
    }

    /** Creates a strategy from admin API fields (the publishing paths build them). */
    public StrategyEntry create(App app, com.fasterxml.jackson.databind.node.ObjectNode fields, AuditLog.Actor actor) {
        return create(app, JsonInput.of(fields, FIELDS), actor);
    }

    private StrategyEntry create(App app, JsonInput in, AuditLog.Actor actor) {
        CatalogSnapshot snap = catalog.current();
        Draft d = db.jdbi().withHandle(h -> validate(h, app, snap, in, null));
        long now = clock.millis();
        long id = db.jdbi().inTransaction(h -> {
            long sid = h.createQuery("INSERT INTO strategies (app_id, version_id, name, description, enabled, begin_at, "
                            + "end_at, upgrade_type, prompt_text, targeting, targeting_data, source_type, source_data, "
                            + "channel, percentage, rollback, failure_threshold, failure_min_attempts, success_threshold, "
                            + "stages, stage_index, stage_started_at, health_since, created_at, updated_at) VALUES (:app, "
                            + ":version, :name, :description, :enabled, :begin, :end, :type, :prompt, :targeting, "
                            + ":targetingData, :sourceType, :sourceData, :channel, :percentage, :rollback, "
                            + ":failureThreshold, :minAttempts, :successThreshold, :stages, :stageIndex, :stageStartedAt, "
                            + ":now, :now, :now) RETURNING id")
                    .bind("app", app.id()).bindMap(columns(d)).bind("now", now).mapTo(Long.class).one();
            writeRules(h, sid, d);
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("appKey", app.key());
            detail.put("after", in.fields());
            AuditLog.record(h, actor, now, "strategy.create", "strategy", sid, detail);
            return sid;
        });
        return catalog.refresh().strategy(id).orElseThrow();
    }

    private void patch(Context ctx) {
        CatalogSnapshot snap = catalog.current();
        App app = AdminApi.ownedApp(ctx, snap);
        StrategyEntry existing = owned(ctx, app, snap);
        JsonInput in = JsonInput.parse(AdminApi.body(ctx, maxBodyBytes), FIELDS);
        Draft d = db.jdbi().withHandle(h -> validate(h, app, snap, in, existing));
        db.jdbi().useTransaction(h -> {
            h.createUpdate("UPDATE strategies SET version_id = :version, name = :name, description = :description, "
                            + "enabled = :enabled, begin_at = :begin, end_at = :end, upgrade_type = :type, "
                            + "prompt_text = :prompt, targeting = :targeting, targeting_data = :targetingData, "
                            + "source_type = :sourceType, source_data = :sourceData, channel = :channel, "
                            + "percentage = :percentage, rollback = :rollback, failure_threshold = :failureThreshold, "
                            + "failure_min_attempts = :minAttempts, success_threshold = :successThreshold, "
                            + "stages = :stages, stage_index = :stageIndex, stage_started_at = :stageStartedAt, "
                            + "updated_at = :now WHERE id = :id")
                    .bindMap(columns(d)).bind("now", clock.millis()).bind("id", existing.id()).execute();
            writeRules(h, existing.id(), d);
            AuditLog.record(h, AdminApi.actor(ctx), clock.millis(), "strategy.update", "strategy", existing.id(),
                    AdminApi.changes(render(app, snap, existing), in));
        });
        CatalogSnapshot after = catalog.refresh();
        Json.respond(ctx, 200, render(app, after, after.strategy(existing.id()).orElseThrow()));
    }

    private void list(Context ctx) {
        CatalogSnapshot snap = catalog.current();
        App app = AdminApi.ownedApp(ctx, snap);
        Json.respond(ctx, 200, Map.of("items", snap.strategies(app.id()).stream().map(s -> render(app, snap, s)).toList()));
    }

    private void get(Context ctx) {
        CatalogSnapshot snap = catalog.current();
        App app = AdminApi.ownedApp(ctx, snap);
        Json.respond(ctx, 200, render(app, snap, owned(ctx, app, snap)));
    }

    private void delete(Context ctx) {
        CatalogSnapshot snap = catalog.current();
        App app = AdminApi.ownedApp(ctx, snap);
        StrategyEntry s = owned(ctx, app, snap);
        long now = clock.millis();
        db.jdbi().useTransaction(h -> {
            h.createUpdate("UPDATE strategies SET deleted_at = :now, updated_at = :now WHERE id = :id")
                    .bind("now", now).bind("id", s.id()).execute();
            AuditLog.record(h, AdminApi.actor(ctx), now, "strategy.delete", "strategy", s.id(),
                    Map.of("appKey", app.key(), "before", render(app, snap, s)));
        });
        catalog.refresh();
        ctx.status(204);
    }

    private static BigDecimal share(Integer basisPoints) {
        return basisPoints == null ? null : BigDecimal.valueOf(basisPoints).movePointLeft(2).stripTrailingZeros();
    }

    /**
     * {@code POST .../strategies/{id}/pause} {@code {"reason": "..."}}: stops offering at once, keeps everything. The
     * audit log records who and why.
     */
    private void pause(Context ctx) {
        CatalogSnapshot snap = catalog.current();
        App app = AdminApi.ownedApp(ctx, snap);
        StrategyEntry s = owned(ctx, app, snap);
        byte[] body = AdminApi.body(ctx, maxBodyBytes);
        String reason = body.length == 0 ? "" : JsonInput.parse(body, Set.of("reason")).string("reason", "", 1024);
        long now = clock.millis();
        db.jdbi().useTransaction(h -> {
            int n = h.createUpdate("UPDATE strategies SET enabled = 0, paused_at = :now, pause_reason = :reason, "
                            + "updated_at = :now WHERE id = :id AND enabled = 1")
                    .bind("now", now).bind("reason", reason.isEmpty() ? "paused by an operator" : reason)
                    .bind("id", s.id()).execute();
            if (n > 0) {
                AuditLog.record(h, AdminApi.actor(ctx), now, "strategy.pause", "strategy", s.id(),
                        Map.of("appKey", app.key(), "reason", reason));
            }
        });
        CatalogSnapshot after = catalog.refresh();
        Json.respond(ctx, 200, render(app, after, after.strategy(s.id()).orElseThrow()));
    }

    /**
     * {@code POST .../strategies/{id}/resume}: offers again and restarts the health count, so the failures that
     * paused it do not pause it again at once.
     */
    private void resume(Context ctx) {
        CatalogSnapshot snap = catalog.current();
        App app = AdminApi.ownedApp(ctx, snap);
        StrategyEntry s = owned(ctx, app, snap);
        long now = clock.millis();
        db.jdbi().useTransaction(h -> {
            h.createUpdate("UPDATE strategies SET enabled = 1, paused_at = NULL, pause_reason = '', health_since = :now, "
                            + "stage_started_at = CASE WHEN stage_started_at IS NULL THEN NULL ELSE :now END, "
                            + "updated_at = :now WHERE id = :id")
                    .bind("now", now).bind("id", s.id()).execute();
            AuditLog.record(h, AdminApi.actor(ctx), now, "strategy.resume", "strategy", s.id(),
                    Map.of("appKey", app.key(), "pausedBecause", s.health().pauseReason()));
        });
        CatalogSnapshot after = catalog.refresh();
        Json.respond(ctx, 200, render(app, after, after.strategy(s.id()).orElseThrow()));
    }

    private static StrategyEntry owned(Context ctx, App app, CatalogSnapshot snap) {
        String idText = ctx.pathParam("id");
        long id;
        try {
            id = Long.parseLong(idText);
        } catch (NumberFormatException e) {
            throw AdminApiException.invalid("Strategy id must be a number; got '" + idText + "'.");
        }
        return snap.strategy(id).filter(s -> s.appId() == app.id())
                .orElseThrow(() -> AdminApiException.notFound("App " + app.key() + " has no strategy " + idText + "."));
    }

    // ---- validation ------------------------------------------------------------------------------------------

    private Draft validate(Handle h, App app, CatalogSnapshot snap, JsonInput in, StrategyEntry old) {
        Strategy o = old == null ? null : old.rule();
        long versionId;
        if (in.has("versionId")) {
            versionId = in.longValue("versionId");
        } else if (o != null) {
            versionId = o.version().id();
        } else {
            throw AdminApiException.invalid("Field 'versionId' is required: the id of the version this strategy offers.");
        }
        Version version = snap.version(versionId).filter(v -> v.appId() == app.id()).orElseThrow(() ->
                AdminApiException.invalid("Version " + versionId + " is not a version of app " + app.key() + "."));

        String name = in.has("name") ? in.requiredString("name", 128)
                : old != null ? old.name() : "Release " + version.name();
        String description = in.has("description") ? in.string("description", "", 1024) : old != null ? old.description() : "";
        boolean enabled = in.has("enabled") ? in.bool("enabled") : o == null || o.enabled();
        Instant begin = in.has("begin") ? instant(in, "begin") : o != null ? o.begin()
                : clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        Instant end = in.has("end") ? instant(in, "end") : o != null ? o.end() : FAR_FUTURE;
        if (begin.isAfter(end)) {
            throw AdminApiException.invalid("Field 'begin' (" + begin + ") is after 'end' (" + end + ").");
        }
        long upgradeType = in.has("upgradeType") ? in.longValue("upgradeType") : o != null ? o.upgradeType() : 1;
        if (upgradeType < 0 || upgradeType > 3) {
            throw AdminApiException.invalid("Field 'upgradeType' must be 0 (unknown), 1 (prompt), 2 (silent) or 3 (forced).");
        }
        String prompt = in.has("promptText") ? in.string("promptText", "", 4096)
                : o != null ? o.promptText() : (version.releaseNote().isEmpty() ? version.description() : version.releaseNote());
        if (prompt.length() > 4096) {
            prompt = prompt.substring(0, 4096);
        }

        String[] targeting = in.has("targeting") ? targeting(h, app, in.raw("targeting"))
                : o != null ? encode(o.targeting()) : new String[]{"all", "[]"};
        boolean semver = app.kind().versionScheme() == AppKind.VersionScheme.SEMVER;
        String[] source = in.has("source") ? source(app, snap, in.raw("source"), semver)
                : o != null ? encode(o.source()) : new String[]{"all", "{}"};

        String defaultChannel = !version.preRelease() ? Channels.STABLE
                : version.release().semver() != null && version.release().semver().isPreRelease()
                ? ClientVersion.of(version.release().semver()).impliedChannel() : "beta";
        String channel = in.has("channel") ? Channels.normalize(in.requiredString("channel", 32))
                : o != null ? o.channel() : defaultChannel;
        if (!Channels.isValid(channel)) {
            throw AdminApiException.invalid("Field 'channel' must be 1-32 characters of a-z, 0-9 and '-', e.g. stable or beta.");
        }
        if (version.preRelease() && channel.equals(Channels.STABLE)) {
            throw AdminApiException.invalid("Version " + version.name() + " is a pre-release; publish it to a "
                    + "pre-release channel such as '" + (defaultChannel.equals(Channels.STABLE) ? "beta" : defaultChannel)
                    + "', not 'stable'.");
        }
        if (app.kind() == AppKind.TAURI && version.signature().isEmpty()
                && version.files().stream().allMatch(f -> f.signature().isEmpty())) {
            throw AdminApiException.invalid("Version " + version.name() + " has no updater signature; the Tauri updater "
                    + "refuses updates without one. Upload its files with their .sig content (X-Updater-Signature), "
                    + "or create the version with 'signature'.");
        }
        boolean rollback = in.has("rollback") ? in.bool("rollback") : o != null && o.rollback();
        if (version.yanked() && (in.has("versionId") || o == null)) {
            throw AdminApiException.invalid("Version " + version.name() + " is yanked" + (version.yankReason().isEmpty()
                    ? "" : " (" + version.yankReason() + ")") + "; a strategy cannot offer it. Unyank it first, or "
                    + "offer an earlier version with \"rollback\": true.");
        }
        int percentage = in.has("percentage") ? percentage(in.raw("percentage")) : o != null ? o.percentage() : 10_000;

        StrategyHealth oldHealth = old == null ? null : old.health();
        Integer failureThreshold = oldHealth == null ? null : oldHealth.failureThreshold();
        int minAttempts = oldHealth == null ? 20 : oldHealth.minAttempts();
        Integer successThreshold = oldHealth == null ? null : oldHealth.successThreshold();
        if (in.has("health")) {
            JsonNode hn = in.raw("health");
            if (!hn.isObject()) {
                throw AdminApiException.invalid("Field 'health' must be an object such as {\"failureThreshold\": 5, "
                        + "\"minAttempts\": 50}.");
            }
            checkFields(hn, Set.of("failureThreshold", "minAttempts", "successThreshold"), "health");
            failureThreshold = hn.has("failureThreshold")
                    ? optionalShare(hn.get("failureThreshold"), "health.failureThreshold") : failureThreshold;
            successThreshold = hn.has("successThreshold")
                    ? optionalShare(hn.get("successThreshold"), "health.successThreshold") : successThreshold;
            if (hn.has("minAttempts")) {
                long n = exactLong(hn.get("minAttempts"), "health.minAttempts");
                if (n < 1 || n > 1_000_000_000L) {
                    throw AdminApiException.invalid("Field 'health.minAttempts' must be from 1 to 1000000000.");
                }
                minAttempts = (int) n;
            }
        }
        List<StrategyHealth.Stage> stages = oldHealth == null ? List.of() : oldHealth.stages();
        int stageIndex = oldHealth == null ? 0 : oldHealth.stageIndex();
        Long stageStartedAt = oldHealth == null ? null : oldHealth.stageStartedAt();
        if (in.has("stages")) {
            if (in.has("percentage")) {
                throw AdminApiException.invalid("Send either 'percentage' or 'stages': with stages, the percentage "
                        + "is the current stage's.");
            }
            stages = stages(in.raw("stages"));
            stageIndex = 0;
            stageStartedAt = stages.isEmpty() ? null : clock.millis();
        }
        if (!stages.isEmpty()) {
            if (in.has("percentage")) {
                throw AdminApiException.invalid("This strategy has stages, so its percentage follows the current "
                        + "stage; send \"stages\": [] to remove them before setting 'percentage'.");
            }
            percentage = stages.get(Math.min(stageIndex, stages.size() - 1)).percentage();
        }

        List<GrayDraft> gray = in.has("grayRules") ? grayRules(in.raw("grayRules"), o)
                : o == null ? List.of() : o.grayRules().stream()
                .map(g -> new GrayDraft(g.id(), g.enabled(), g.begin(), g.end(), g.limit())).toList();
        List<FlowDraft> flow = in.has("flowRules") ? flowRules(in.raw("flowRules"), o)
                : o == null ? List.of() : o.flowRules().stream()
                .map(f -> new FlowDraft(f.id(), f.enabled(), HH_MM_SS.format(f.begin()), HH_MM_SS.format(f.end()),
                        f.dimension().name().toLowerCase(Locale.ROOT), f.limit(), f.soft())).toList();
        return new Draft(name, description, versionId, enabled, begin, end, (int) upgradeType, prompt, targeting[0],
                targeting[1], source[0], source[1], channel, percentage, gray, flow, rollback, failureThreshold,
                minAttempts, successThreshold, stages, stageIndex, stageStartedAt);
    }

    private static final Instant MIN_TIME = Instant.parse("1970-01-01T00:00:00Z");
    private static final Instant MAX_TIME = Instant.parse("9999-12-31T23:59:59Z");

    private static Instant instant(JsonInput in, String field) {
        return instant(in.raw(field), field);
    }

    private static Instant inRange(Instant t, String field) {
        if (t.isBefore(MIN_TIME) || t.isAfter(MAX_TIME)) {
            throw AdminApiException.invalid("Field '" + field + "' must lie between 1970 and 9999.");
        }
        return t;
    }

    /** A whole number that fits 64 bits, or a 400 naming the field. */
    private static long exactLong(JsonNode n, String field) {
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong()) {
            throw AdminApiException.invalid("Field '" + field + "' must be a whole number; got " + n + ".");
        }
        return n.asLong();
    }

    private static Instant instant(JsonNode node, String field) {
        if (node == null || !node.isTextual()) {
            throw AdminApiException.invalid("Field '" + field + "' is required: an RFC 3339 time such as 2026-01-31T09:00:00Z.");
        }
        try {
            return inRange(java.time.OffsetDateTime.parse(node.asText()).toInstant(), field);
        } catch (DateTimeParseException e) {
            throw AdminApiException.invalid("Field '" + field + "' must be an RFC 3339 time with offset, e.g. 2026-01-31T09:00:00Z; got '" + node.asText() + "'.");
        }
    }

    /** A share in percent (two decimals) as basis points, or null for JSON null ("off"). */
    private static Integer optionalShare(JsonNode n, String field) {
        if (n == null || n.isNull()) {
            return null;
        }
        try {
            return percentage(n);
        } catch (AdminApiException e) {
            throw AdminApiException.invalid("Field '" + field + "' must be a percentage from 0 to 100 with at most two "
                    + "decimals, or null to turn it off; got " + n + ".");
        }
    }

    /** {@code [{"percentage": 1, "holdMinutes": 60}, ...]}: at most 20 stages, percentages not decreasing. */
    private static List<StrategyHealth.Stage> stages(JsonNode list) {
        if (!list.isArray() || list.size() > 20) {
            throw AdminApiException.invalid("Field 'stages' must be a list of at most 20 stages such as "
                    + "[{\"percentage\": 1, \"holdMinutes\": 60}, {\"percentage\": 100, \"holdMinutes\": 0}].");
        }
        List<StrategyHealth.Stage> out = new ArrayList<>();
        int previous = -1;
        for (int i = 0; i < list.size(); i++) {
            JsonNode st = list.get(i);
            String where = "stages[" + i + "]";
            if (!st.isObject()) {
                throw AdminApiException.invalid("Field '" + where + "' must be an object with percentage and holdMinutes.");
            }
            checkFields(st, Set.of("percentage", "holdMinutes"), where);
            if (!st.has("percentage")) {
                throw AdminApiException.invalid("Field '" + where + ".percentage' is required.");
            }
            int pct = optionalShare(st.get("percentage"), where + ".percentage") == null ? -1
                    : percentage(st.get("percentage"));
            if (pct < 0) {
                throw AdminApiException.invalid("Field '" + where + ".percentage' must be a number.");
            }
            long hold = st.has("holdMinutes") ? exactLong(st.get("holdMinutes"), where + ".holdMinutes") : 0;
            if (hold < 0 || hold > 525_600) {
                throw AdminApiException.invalid("Field '" + where + ".holdMinutes' must be from 0 to 525600 (a year).");
            }
            if (pct < previous) {
                throw AdminApiException.invalid("Field '" + where + ".percentage' is lower than the stage before it; "
                        + "stages only widen a rollout.");
            }
            previous = pct;
            out.add(new StrategyHealth.Stage(pct, hold));
        }
        return out;
    }

    private static int percentage(JsonNode n) {
        if (!n.isNumber() || n.decimalValue().compareTo(BigDecimal.ZERO) < 0
                || n.decimalValue().compareTo(BigDecimal.valueOf(100)) > 0) {
            throw AdminApiException.invalid("Field 'percentage' must be a number from 0 to 100 (e.g. 10 or 2.5); got " + n + ".");
        }
        BigDecimal bp = n.decimalValue().movePointRight(2);
        if (bp.compareTo(BigDecimal.ZERO) < 0 || bp.compareTo(BigDecimal.valueOf(10_000)) > 0 || bp.stripTrailingZeros().scale() > 0) {
            throw AdminApiException.invalid("Field 'percentage' must be from 0 to 100 with at most two decimals; got " + n + ".");
        }
        return bp.intValueExact();
    }

    private static String[] targeting(Handle h, App app, JsonNode t) {
        if (!t.isObject()) {
            throw AdminApiException.invalid("Field 'targeting' must be an object such as {\"type\":\"all\"}, "
                    + "{\"type\":\"groups\",\"groupIds\":[1]} or {\"type\":\"models\",\"modelKeys\":[\"m1\"]}.");
        }
        String type = t.path("type").asText("");
        switch (type) {
            case "all":
                return new String[]{"all", "[]"};
            case "groups": {
                Set<Long> ids = new LinkedHashSet<>();
                JsonNode list = t.path("groupIds");
                if (!list.isArray() || list.isEmpty()) {
                    throw AdminApiException.invalid("Targeting by groups needs a non-empty 'groupIds' array.");
                }
                for (JsonNode id : list) {
                    long gid = exactLong(id, "targeting.groupIds[]");
                    boolean exists = h.createQuery("SELECT COUNT(*) FROM device_groups WHERE id = :id AND tenant_id = :t "
                                    + "AND deleted_at IS NULL").bind("id", gid).bind("t", app.tenantId())
                            .mapTo(Long.class).one() > 0;
                    if (!exists) {
                        throw AdminApiException.invalid("Unknown device group " + gid + "; create it under /api/admin/v1/device-groups first.");
                    }
                    ids.add(gid);
                }
                return new String[]{"groups", Json.MAPPER.valueToTree(ids).toString()};
            }
            case "models": {
                Set<String> keys = new LinkedHashSet<>();
                JsonNode list = t.path("modelKeys");
                if (!list.isArray() || list.isEmpty()) {
                    throw AdminApiException.invalid("Targeting by models needs a non-empty 'modelKeys' array.");
                }
                for (JsonNode k : list) {
                    String key = k.asText("");
                    boolean exists = h.createQuery("SELECT COUNT(*) FROM device_models WHERE model_key = :k AND tenant_id = :t "
                                    + "AND deleted_at IS NULL").bind("k", key).bind("t", app.tenantId())
                            .mapTo(Long.class).one() > 0;
                    if (!k.isTextual() || !exists) {
                        throw AdminApiException.invalid("Unknown device model '" + key + "'; create it under /api/admin/v1/device-models first.");
                    }
                    keys.add(key);
                }
                return new String[]{"models", Json.MAPPER.valueToTree(keys).toString()};
            }
            default:
                throw AdminApiException.invalid("Field 'targeting.type' must be all, groups or models; got '" + type + "'.");
        }
    }

    private static String[] source(App app, CatalogSnapshot snap, JsonNode s, boolean semver) {
        if (!s.isObject()) {
            throw AdminApiException.invalid("Field 'source' must be an object such as {\"type\":\"all\"}, "
                    + "{\"type\":\"listed\",\"versionIds\":[3,4]} or {\"type\":\"range\",\"from\":..,\"to\":..}.");
        }
        String type = s.path("type").asText("");
        switch (type) {
            case "all":
                return new String[]{"all", "{}"};
            case "listed": {
                JsonNode list = s.path("versionIds");
                if (!list.isArray() || list.isEmpty()) {
                    throw AdminApiException.invalid("A listed source restriction needs a non-empty 'versionIds' array.");
                }
                Set<Long> ids = new LinkedHashSet<>();
                for (JsonNode id : list) {
                    long vid = exactLong(id, "source.versionIds[]");
                    if (snap.version(vid).filter(v -> v.appId() == app.id()).isEmpty()) {
                        throw AdminApiException.invalid("Source version " + id + " is not a version of app " + app.key() + ".");
                    }
                    ids.add(vid);
                }
                return new String[]{"listed", "{\"versionIds\":" + Json.MAPPER.valueToTree(ids) + "}"};
            }
            case "range": {
                ClientVersion from = bound(s.get("from"), semver, "from");
                ClientVersion to = bound(s.get("to"), semver, "to");
                if (from == null && to == null) {
                    throw AdminApiException.invalid("A source range needs 'from', 'to' or both.");
                }
                if (from != null && to != null && dev.upshift.core.rollout.ReleaseVersion.ORDER.compare(
                        new dev.upshift.core.rollout.ReleaseVersion(0, from.code(), from.semver(), "", "", false),
                        new dev.upshift.core.rollout.ReleaseVersion(0, to.code(), to.semver(), "", "", false)) > 0) {
                    throw AdminApiException.invalid("Source range 'from' is above 'to'.");
                }
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("from", from == null ? null : semver ? from.semver().canonical() : (Object) from.code());
                m.put("to", to == null ? null : semver ? to.semver().canonical() : (Object) to.code());
                return new String[]{"range", Json.MAPPER.valueToTree(m).toString()};
            }
            default:
                throw AdminApiException.invalid("Field 'source.type' must be all, listed or range; got '" + type + "'.");
        }
    }

    private static ClientVersion bound(JsonNode n, boolean semver, String field) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (semver) {
            SemVer.ParseResult p = SemVer.parse(n.asText());
            if (!n.isTextual() || p.version() == null) {
                throw AdminApiException.invalid("Source range '" + field + "' must be a SemVer version; got " + n + ".");
            }
            return ClientVersion.of(p.version());
        }
        long code = exactLong(n, "source." + field);
        if (code <= 0) {
            throw AdminApiException.invalid("Source range '" + field + "' must be a positive version code; got " + n + ".");
        }
        return ClientVersion.ofCode(code);
    }

    private static List<GrayDraft> grayRules(JsonNode list, Strategy old) {
        if (!list.isArray()) {
            throw AdminApiException.invalid("Field 'grayRules' must be an array of {begin, end, limit, enabled}.");
        }
        Set<Long> known = new HashSet<>();
        if (old != null) {
            old.grayRules().forEach(g -> known.add(g.id()));
        }
        List<GrayDraft> out = new ArrayList<>();
        int i = 0;
        for (JsonNode g : list) {
            String where = "grayRules[" + i++ + "]";
            checkFields(g, Set.of("id", "enabled", "begin", "end", "limit"), where);
            Long id = g.hasNonNull("id") ? exactLong(g.get("id"), where + ".id") : null;
            if (id != null && !known.contains(id)) {
                throw AdminApiException.invalid(where + ".id " + id + " is not a gray rule of this strategy.");
            }
            Instant begin = instant(g.get("begin"), where + ".begin");
            Instant end = instant(g.get("end"), where + ".end");
            if (!begin.isBefore(end)) {
                throw AdminApiException.invalid(where + ": begin must be before end.");
            }
            JsonNode limit = g.get("limit");
            if (limit == null || !limit.isIntegralNumber() || !limit.canConvertToLong() || limit.asLong() < 0) {
                throw AdminApiException.invalid(where + ".limit must be the number of distinct devices to admit (0 or more).");
            }
            out.add(new GrayDraft(id, bool(g, "enabled", true, where), begin, end, limit.asLong()));
        }
        List<GrayDraft> on = out.stream().filter(GrayDraft::enabled).sorted((a, b) -> a.begin().compareTo(b.begin())).toList();
        for (int k = 1; k < on.size(); k++) {
            if (!on.get(k).begin().isAfter(on.get(k - 1).end())) {
                throw AdminApiException.invalid("Enabled gray windows overlap: " + on.get(k - 1).begin() + ".." + on.get(k - 1).end()
                        + " and " + on.get(k).begin() + ".." + on.get(k).end() + ". Windows must follow each other.");
            }
        }
        return out;
    }

    private static List<FlowDraft> flowRules(JsonNode list, Strategy old) {
        if (!list.isArray()) {
            throw AdminApiException.invalid("Field 'flowRules' must be an array of {begin, end, dimension, limit, soft, enabled}.");
        }
        Set<Long> known = new HashSet<>();
        if (old != null) {
            old.flowRules().forEach(f -> known.add(f.id()));
        }
        List<FlowDraft> out = new ArrayList<>();
        int i = 0;
        for (JsonNode f : list) {
            String where = "flowRules[" + i++ + "]";
            checkFields(f, Set.of("id", "enabled", "begin", "end", "dimension", "limit", "soft"), where);
            Long id = f.hasNonNull("id") ? exactLong(f.get("id"), where + ".id") : null;
            if (id != null && !known.contains(id)) {
                throw AdminApiException.invalid(where + ".id " + id + " is not a flow rule of this strategy.");
            }
            String begin = time(f.path("begin").asText("00:00:00"), where + ".begin");
            String end = time(f.path("end").asText("23:59:59"), where + ".end");
            if (begin.equals(end)) {
                throw AdminApiException.invalid(where + ": begin and end are equal; leave both out for the whole day.");
            }
            String dim = f.path("dimension").asText("");
            if (!List.of("second", "minute", "hour", "day").contains(dim)) {
                throw AdminApiException.invalid(where + ".dimension must be second, minute, hour or day.");
            }
            JsonNode limit = f.get("limit");
            if (limit == null || !limit.isIntegralNumber() || !limit.canConvertToLong() || limit.asLong() < 0) {
                throw AdminApiException.invalid(where + ".limit must be the number of offers per " + dim + " (0 or more).");
            }
            out.add(new FlowDraft(id, bool(f, "enabled", true, where), begin, end, dim, limit.asLong(),
                    bool(f, "soft", false, where)));
        }
        return out;
    }

    private static void checkFields(JsonNode rule, Set<String> allowed, String where) {
        if (!rule.isObject()) {
            throw AdminApiException.invalid(where + " must be an object.");
        }
        rule.fieldNames().forEachRemaining(f -> {
            if (!allowed.contains(f)) {
                throw AdminApiException.invalid(where + " has unknown field '" + f + "'; allowed fields are "
                        + allowed.stream().sorted().toList() + ".");
            }
        });
    }

    private static boolean bool(JsonNode rule, String field, boolean fallback, String where) {
        JsonNode n = rule.get(field);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isBoolean()) {
            throw AdminApiException.invalid(where + "." + field + " must be true or false.");
        }
        return n.asBoolean();
    }

    private static String time(String text, String where) {
        try {
            return HH_MM_SS.format(LocalTime.parse(text));
        } catch (DateTimeParseException e) {
            throw AdminApiException.invalid(where + " must be a time of day HH:mm:ss (UTC); got '" + text + "'.");
        }
    }

    private static String[] encode(Strategy.Targeting t) {
        Map<String, Object> m = StrategyCodec.render(t);
        Object list = m.getOrDefault("groupIds", m.getOrDefault("modelKeys", List.of()));
        return new String[]{(String) m.get("type"), Json.MAPPER.valueToTree(list).toString()};
    }

    private static String[] encode(Strategy.SourceRestriction s) {
        Map<String, Object> m = new LinkedHashMap<>(StrategyCodec.render(s));
        String type = (String) m.remove("type");
        return new String[]{type, Json.MAPPER.valueToTree(m).toString()};
    }

    private static Map<String, Object> columns(Draft d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", d.versionId());
        m.put("name", d.name());
        m.put("description", d.description());
        m.put("enabled", d.enabled() ? 1 : 0);
        m.put("begin", d.begin().toEpochMilli());
        m.put("end", d.end().toEpochMilli());
        m.put("type", d.upgradeType());
        m.put("prompt", d.promptText());
        m.put("targeting", d.targeting());
        m.put("targetingData", d.targetingData());
        m.put("sourceType", d.sourceType());
        m.put("sourceData", d.sourceData());
        m.put("channel", d.channel());
        m.put("percentage", d.percentage());
        m.put("rollback", d.rollback() ? 1 : 0);
        m.put("failureThreshold", d.failureThreshold());
        m.put("minAttempts", d.minAttempts());
        m.put("successThreshold", d.successThreshold());
        m.put("stages", StrategyHealth.encodeStages(d.stages()));
        m.put("stageIndex", d.stageIndex());
        m.put("stageStartedAt", d.stageStartedAt());
        return m;
    }

    private static void writeRules(Handle h, long strategyId, Draft d) {
        long now = System.currentTimeMillis();
        Set<Long> keepGray = new HashSet<>();
        for (GrayDraft g : d.gray()) {
            if (g.id() != null) {
                keepGray.add(g.id());
                int n = h.createUpdate("UPDATE gray_rules SET enabled = :e, begin_at = :b, end_at = :end, device_limit = :l "
                                + "WHERE id = :id AND strategy_id = :s AND deleted_at IS NULL")
                        .bind("e", g.enabled() ? 1 : 0).bind("b", g.begin().toEpochMilli()).bind("end", g.end().toEpochMilli())
                        .bind("l", g.limit()).bind("id", g.id()).bind("s", strategyId).execute();
                if (n == 0) {
                    throw AdminApiException.conflict("Gray rule " + g.id() + " was changed or removed meanwhile; reload the strategy and retry.");
                }
            } else {
                keepGray.add(h.createQuery("INSERT INTO gray_rules (strategy_id, enabled, begin_at, end_at, device_limit) "
                                + "VALUES (:s, :e, :b, :end, :l) RETURNING id")
                        .bind("s", strategyId).bind("e", g.enabled() ? 1 : 0).bind("b", g.begin().toEpochMilli())
                        .bind("end", g.end().toEpochMilli()).bind("l", g.limit()).mapTo(Long.class).one());
            }
        }
        List<Long> grayIds = h.createQuery("SELECT id FROM gray_rules WHERE strategy_id = :s AND deleted_at IS NULL")
                .bind("s", strategyId).mapTo(Long.class).list();
        for (Long id : grayIds) {
            if (!keepGray.contains(id)) {
                h.createUpdate("UPDATE gray_rules SET deleted_at = :now WHERE id = :id").bind("now", now).bind("id", id).execute();
            }
        }
        Set<Long> keepFlow = new HashSet<>();
        for (FlowDraft f : d.flow()) {
            if (f.id() != null) {
                keepFlow.add(f.id());
                int n = h.createUpdate("UPDATE flow_rules SET enabled = :e, begin_time = :b, end_time = :end, dimension = :dim, "
                                + "rule_limit = :l, soft = :soft WHERE id = :id AND strategy_id = :s AND deleted_at IS NULL")
                        .bind("e", f.enabled() ? 1 : 0).bind("b", f.begin()).bind("end", f.end()).bind("dim", f.dimension())
                        .bind("l", f.limit()).bind("soft", f.soft() ? 1 : 0).bind("id", f.id()).bind("s", strategyId).execute();
                if (n == 0) {
                    throw AdminApiException.conflict("Flow rule " + f.id() + " was changed or removed meanwhile; reload the strategy and retry.");
                }
            } else {
                keepFlow.add(h.createQuery("INSERT INTO flow_rules (strategy_id, enabled, begin_time, end_time, dimension, "
                                + "rule_limit, soft) VALUES (:s, :e, :b, :end, :dim, :l, :soft) RETURNING id")
                        .bind("s", strategyId).bind("e", f.enabled() ? 1 : 0).bind("b", f.begin()).bind("end", f.end())
                        .bind("dim", f.dimension()).bind("l", f.limit()).bind("soft", f.soft() ? 1 : 0)
                        .mapTo(Long.class).one());
            }
        }
        List<Long> flowIds = h.createQuery("SELECT id FROM flow_rules WHERE strategy_id = :s AND deleted_at IS NULL")
                .bind("s", strategyId).mapTo(Long.class).list();
        for (Long id : flowIds) {
            if (!keepFlow.contains(id)) {
                h.createUpdate("UPDATE flow_rules SET deleted_at = :now WHERE id = :id").bind("now", now).bind("id", id).execute();
            }
        }
    }

    // ---- rendering -------------------------------------------------------------------------------------------

    Map<String, Object> render(App app, CatalogSnapshot snap, StrategyEntry e) {
        Strategy s = e.rule();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", s.id());
        m.put("appKey", app.key());
        m.put("versionId", s.version().id());
        m.put("versionName", snap.version(s.version().id()).map(Version::name).orElse(""));
        m.put("name", e.name());
        m.put("description", e.description());
        m.put("enabled", s.enabled());
        m.put("offerable", e.offerable());
        m.put("begin", s.begin().toString());
        m.put("end", s.end().toString());
        m.put("upgradeType", s.upgradeType());
        m.put("promptText", s.promptText());
        m.put("targeting", StrategyCodec.render(s.targeting()));
        m.put("source", StrategyCodec.render(s.source()));
        m.put("channel", s.channel());
        m.put("percentage", BigDecimal.valueOf(s.percentage()).movePointLeft(2).stripTrailingZeros());
        m.put("rollback", s.rollback());
        StrategyHealth h = e.health();
        Map<String, Object> health = new LinkedHashMap<>();
        health.put("failureThreshold", share(h.failureThreshold()));
        health.put("minAttempts", h.minAttempts());
        health.put("successThreshold", share(h.successThreshold()));
        health.put("countingSince", Instant.ofEpochMilli(h.healthSince()).toString());
        m.put("health", health);
        m.put("stages", h.stages().stream().map(st -> Map.of("percentage", share(st.percentage()),
                "holdMinutes", st.holdMinutes())).toList());
        m.put("stage", h.stages().isEmpty() ? null : Map.of("index", h.stageIndex(),
                "startedAt", h.stageStartedAt() == null ? "" : Instant.ofEpochMilli(h.stageStartedAt()).toString()));
        m.put("paused", h.pausedAt() == null ? null : Map.of("at", Instant.ofEpochMilli(h.pausedAt()).toString(),
                "reason", h.pauseReason()));
        List<Map<String, Object>> gray = new ArrayList<>();
        for (GrayRule g : s.grayRules()) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("id", g.id());
            r.put("enabled", g.enabled());
            r.put("begin", g.begin().toString());
            r.put("end", g.end().toString());
            r.put("limit", g.limit());
            r.put("admitted", counters.admittedCount(g.id()));
            gray.add(r);
        }
        m.put("grayRules", gray);
        List<Map<String, Object>> flow = new ArrayList<>();
        for (FlowRule f : s.flowRules()) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("id", f.id());
            r.put("enabled", f.enabled());
            r.put("begin", HH_MM_SS.format(f.begin()));
            r.put("end", HH_MM_SS.format(f.end()));
            r.put("dimension", f.dimension().name().toLowerCase(Locale.ROOT));
            r.put("limit", f.limit());
            r.put("soft", f.soft());
            flow.add(r);
        }
        m.put("flowRules", flow);
        m.put("createdAt", Sql.rfc3339(e.createdAt()));
        m.put("updatedAt", Sql.rfc3339(e.updatedAt()));
        return m;
    }
}
