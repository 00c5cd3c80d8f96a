package dev.upshift.server.console;

import static j2html.TagCreator.text;
import static j2html.TagCreator.a;
import static j2html.TagCreator.button;
import static j2html.TagCreator.details;
import static j2html.TagCreator.div;
import static j2html.TagCreator.each;
import static j2html.TagCreator.fieldset;
import static j2html.TagCreator.input;
import static j2html.TagCreator.label;
import static j2html.TagCreator.legend;
import static j2html.TagCreator.option;
import static j2html.TagCreator.p;
import static j2html.TagCreator.select;
import static j2html.TagCreator.span;
import static j2html.TagCreator.summary;
import static j2html.TagCreator.table;
import static j2html.TagCreator.tbody;
import static j2html.TagCreator.td;
import static j2html.TagCreator.template;
import static j2html.TagCreator.textarea;
import static j2html.TagCreator.th;
import static j2html.TagCreator.thead;
import static j2html.TagCreator.tr;

import dev.upshift.core.kind.AppKind;
import dev.upshift.core.rollout.FlowRule;
import dev.upshift.core.rollout.GrayRule;
import dev.upshift.core.rollout.Strategy;
import dev.upshift.server.accounts.Role;
import dev.upshift.server.catalog.App;
import dev.upshift.server.catalog.StrategyCodec;
import dev.upshift.server.catalog.StrategyEntry;
import dev.upshift.server.catalog.StrategyHealth;
import dev.upshift.server.catalog.Version;
import dev.upshift.server.db.Database;
import dev.upshift.server.http.Json;
import j2html.tags.DomContent;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * An app's strategies: the list with each one's state (active, paused and why, scheduled, ended, waiting for a file)
 * and pause/resume, and the editor for creating and changing one. The editor's fields carry the names of
 * StrategyAdmin's fields; {@code console.js} builds the JSON (nested targeting, source, health and stages) and, when
 * editing, sends only the fields that changed, so an unchanged stage list does not restart and an unchanged yanked
 * version is not re-validated.
 */
final class StrategyPages {
    static final String[] UPGRADE_TYPES = {"unknown", "prompt", "silent", "forced"};
    private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss")
            .withZone(ZoneOffset.UTC);

    private record Group(long id, String name) {
    }

    private record Model(String key, String name) {
    }

    private final Database db;
    private final Clock clock;

    StrategyPages(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    private static String base(App app) {
        return "/console/apps/" + Html.enc(app.key()) + "/strategies";
    }

    private static String api(App app) {
        return Html.API + "/apps/" + Html.enc(app.key()) + "/strategies";
    }

    static String percent(int basisPoints) {
        return BigDecimal.valueOf(basisPoints).movePointLeft(2).stripTrailingZeros().toPlainString();
    }

    // ---- list -------------------------------------------------------------------------------------------------

    Page list(ConsoleRequest req) {
        App app = req.app();
        List<StrategyEntry> all = req.snap().strategies(app.id());
        boolean admin = req.can(Role.ADMIN);
        DomContent listing = all.isEmpty() ? Html.empty("No strategies yet: no version is offered.")
                : div(table(thead(tr(th("Name").attr("scope", "col"), th("Version").attr("scope", "col"),
                        th("Channel").attr("scope", "col"), th("Rollout").attr("scope", "col"),
                        th("Targeting").attr("scope", "col"), th("Upgrade").attr("scope", "col"),
                        th("State").attr("scope", "col"), admin ? th("Actions").attr("scope", "col") : null)),
                tbody(each(all, s -> tr(
                        th(a(s.name()).withHref(base(app) + "/" + s.id())).attr("scope", "row"),
                        td(req.snap().version(s.rule().version().id()).map(Version::name).orElse("?")),
                        td(s.rule().channel()),
                        td(rollout(s)),
                        td(targeting(s.rule().targeting())),
                        td(UPGRADE_TYPES[s.rule().upgradeType()]),
                        td(state(s)),
                        admin ? td(pauseButton(app, s, "strategy-pause-" + s.id())) : null))))
                        .withId("strategies-table").withClass("data")).withClass("table-wrap");
        return new Page("Strategies of " + app.name(), Page.Section.APPS, div(
                AppPages.appNav(app, "Strategies"),
                admin ? p(a("New strategy").withHref(base(app) + "/new").withClass("button primary")
                        .withId("strategy-new")) : Html.readOnly("strategies"),
                listing));
    }

    private static String rollout(StrategyEntry s) {
        StrategyHealth h = s.health();
        String pct = percent(s.rule().percentage()) + "%";
        if (h.stages().isEmpty()) {
            return pct;
        }
        return pct + " (stage " + (h.stageIndex() + 1) + " of " + h.stages().size() + ")";
    }

    private static String targeting(Strategy.Targeting t) {
        if (t instanceof Strategy.Targeting.Groups g) {
            return "groups " + g.groupIds().stream().sorted().map(String::valueOf).toList();
        }
        if (t instanceof Strategy.Targeting.Models m) {
            return "models " + m.modelKeys().stream().sorted().toList();
        }
        return "all devices";
    }

    private DomContent state(StrategyEntry s) {
        StrategyHealth h = s.health();
        Instant now = clock.instant();
        if (h.pausedAt() != null) {
            return div(Html.badge("paused", "bad"), text(" since "), Html.time(h.pausedAt()),
                    p(h.pauseReason()).withClass("reason"));
        }
        if (!s.rule().enabled()) {
            return Html.badge("disabled", "muted");
        }
        if (now.isBefore(s.rule().begin())) {
            return div(Html.badge("scheduled", "warn"), text(" from "), Html.time(s.rule().begin().toEpochMilli()));
        }
        if (now.isAfter(s.rule().end())) {
            return div(Html.badge("ended", "muted"), text(" at "), Html.time(s.rule().end().toEpochMilli()));
        }
        if (!s.offerable()) {
            return div(Html.badge("waiting", "warn"), text(" its version has no file yet"));
        }
        return Html.badge("active", "ok");
    }

    private static DomContent pauseButton(App app, StrategyEntry s, String id) {
        String path = api(app) + "/" + s.id();
        if (s.health().pausedAt() != null || !s.rule().enabled()) {
            return Html.apiButton("Resume", "POST", path + "/resume", "reload").withId(id.replace("pause", "resume"))
                    .attr("data-done", "Strategy resumed.")
                    .attr("data-confirm", "Resume " + s.name() + "? It is offered again and its health count restarts.");
        }
        return Html.apiButton("Pause", "POST", path + "/pause", "reload").withId(id).withClass("danger")
                .attr("data-done", "Strategy paused.")
                .attr("data-prompt", "Pause " + s.name() + ": it stops being offered at once. Reason (optional):");
    }

    // ---- editor -----------------------------------------------------------------------------------------------

    Page create(ConsoleRequest req) {
        App app = req.app();
        return new Page("New strategy for " + app.name(), Page.Section.APPS, div(AppPages.appNav(app, "Strategies"),
                req.snap().versions(app.id()).isEmpty()
                        ? Html.empty("Create a version first: a strategy offers one version.")
                        : editor(req, app, null)));
    }

    Page edit(ConsoleRequest req) {
        App app = req.app();
        StrategyEntry s = req.strategy(app);
        boolean admin = req.can(Role.ADMIN);
        DomContent actions = admin ? div(pauseButton(app, s, "strategy-pause"),
                Html.apiButton("Delete strategy", "DELETE", api(app) + "/" + s.id(), "redirect:" + base(app))
                        .withId("strategy-delete").withClass("danger")
                        .attr("data-confirm", "Delete strategy " + s.name() + "? Its version is no longer offered by it."))
                .withClass("actions") : null;
        return new Page("Strategy " + s.name(), Page.Section.APPS, div(AppPages.appNav(app, "Strategies"),
                div(span("State:"), state(s)).withClass("state-line").withId("strategy-state"),
                actions,
                admin ? editor(req, app, s) : readOnlyView(req, s)));
    }

    private DomContent readOnlyView(ConsoleRequest req, StrategyEntry s) {
        Map<String, Object> shown = new LinkedHashMap<>();
        shown.put("version", req.snap().version(s.rule().version().id()).map(Version::name).orElse("?"));
        shown.put("channel", s.rule().channel());
        shown.put("rollout", rollout(s));
        shown.put("targeting", targeting(s.rule().targeting()));
        shown.put("upgrade", UPGRADE_TYPES[s.rule().upgradeType()]);
        shown.put("window", s.rule().begin() + " to " + s.rule().end());
        return div(Html.readOnly("strategies"), j2html.TagCreator.dl(each(shown.entrySet(),
                e -> each(j2html.TagCreator.dt(e.getKey()), j2html.TagCreator.dd(String.valueOf(e.getValue()))))))
                .withClass("facts");
    }

    private DomContent editor(ConsoleRequest req, App app, StrategyEntry s) {
        boolean editing = s != null;
        Strategy r = editing ? s.rule() : null;
        StrategyHealth h = editing ? s.health() : null;
        List<Version> versions = req.snap().versions(app.id());
        long versionId = editing ? r.version().id() : versions.stream().filter(v -> !v.yanked()).findFirst()
                .orElse(versions.get(0)).id();
        boolean semver = app.kind().versionScheme() == AppKind.VersionScheme.SEMVER;
        List<Group> groups = groups(req.tenant());
        List<Model> models = models(req.tenant());
        Set<Long> chosenGroups = r != null && r.targeting() instanceof Strategy.Targeting.Groups g ? g.groupIds() : Set.of();
        Set<String> chosenModels = r != null && r.targeting() instanceof Strategy.Targeting.Models m ? m.modelKeys() : Set.of();
        String targetType = r == null ? "all" : (String) StrategyCodec.render(r.targeting()).get("type");
        Map<String, Object> source = r == null ? Map.of("type", "all") : StrategyCodec.render(r.source());
        Set<?> listed = source.get("versionIds") instanceof List<?> l ? Set.copyOf(l) : Set.of();
        String pct = editing ? percent(r.percentage()) : "100";
        List<StrategyHealth.Stage> stages = editing ? h.stages() : List.of();

        var form = Html.apiForm("strategy-form", editing ? "PATCH" : "POST", editing ? api(app) + "/" + s.id() : api(app),
                        editing ? "reload" : "redirect:" + base(app) + "/{id}")
                .attr("data-builder", "strategy").attr("data-done", editing ? "Strategy saved." : "Strategy created.").attr("data-mode", editing ? "edit" : "create")
                .attr("data-semver", semver ? "true" : "false");
        form.with(
                fieldset(legend("What is offered"),
                        Html.field("strategy-version", "Version", null, select(each(versions, v ->
                                option(v.name() + " (" + VersionPages.where(app, v) + ")" + (v.yanked() ? ", yanked" : ""))
                                        .withValue(Long.toString(v.id())).withCondSelected(v.id() == versionId)))
                                .withName("versionId")),
                        Html.field("strategy-name", "Name", editing ? null : "Default: Release <version name>.",
                                Html.text("name", editing ? s.name() : "").attr("maxlength", "128")),
                        Html.field("strategy-description", "Description", null,
                                textarea(editing ? s.description() : "").withName("description").attr("rows", "2")),
                        Html.field("strategy-channel", "Channel", "stable, beta, rc, ...; default from the version.",
                                Html.text("channel", editing ? r.channel() : "").attr("maxlength", "32")),
                        Html.checkbox("strategy-rollback", "rollback", "Rollback: offer this older version only to "
                                + "clients on a yanked newer one", editing && r.rollback()),
                        editing ? null : Html.checkbox("strategy-enabled", "enabled", "Enabled", true)),
                fieldset(legend("How it is offered"),
                        Html.field("strategy-upgrade-type", "Upgrade type", null, select(
                                each(List.of(1, 2, 3, 0), t -> option(UPGRADE_TYPES[t]).withValue(Integer.toString(t))
                                        .withCondSelected(editing ? r.upgradeType() == t : t == 1))).withName("upgradeType")),
                        Html.field("strategy-prompt", "Prompt text", editing ? null
                                        : "Default: the version's release notes.",
                                textarea(editing ? r.promptText() : "").withName("promptText").attr("rows", "3")
                                        .attr("maxlength", "4096"))),
                fieldset(legend("Who gets it"),
                        div(label("Rollout percentage").withFor("rollout-percentage"),
                                p("Share of devices; a device keeps its place when you widen it.").withClass("hint")
                                        .withId("rollout-percentage-hint"),
                                div(input().withType("range").withId("rollout-percentage").attr("min", "0")
                                                .attr("max", "100").attr("step", "1").withValue(pct)
                                                .attr("aria-describedby", "rollout-percentage-hint")
                                                .attr("data-sync", "rollout-percentage-number"),
                                        input().withType("number").withId("rollout-percentage-number")
                                                .withName("percentage").attr("min", "0").attr("max", "100")
                                                .attr("step", "0.01").withValue(pct).attr("aria-label", "Rollout percentage, exact")
                                                .attr("data-sync", "rollout-percentage"),
                                        span("%")).withClass("slider-row"))
                                .withClass("field"),
                        stagesEditor(stages),
                        targetingEditor(targetType, groups, chosenGroups, models, chosenModels),
                        sourceEditor(source, listed, versions, app)),
                fieldset(legend("When"),
                        Html.field("strategy-begin", "Begin (UTC)", editing ? null : "Empty: now.",
                                input().withType("datetime-local").withName("begin").attr("step", "1")
                                        .withValue(editing ? LOCAL.format(r.begin()) : "").attr("data-type", "utc")),
                        Html.field("strategy-end", "End (UTC)", editing ? null : "Empty: no end.",
                                input().withType("datetime-local").withName("end").attr("step", "1")
                                        .withValue(editing ? LOCAL.format(r.end()) : "").attr("data-type", "utc"))),
                healthEditor(h),
                rulesEditor(r),
                p().withId("strategy-error").withClass("form-error").attr("role", "alert"),
                Html.submit("strategy-submit", editing ? "Save changes" : "Create strategy"));
        return form;
    }

    private static DomContent stagesEditor(List<StrategyHealth.Stage> stages) {
        return fieldset(legend("Stages (optional)"),
                p("A staged rollout widens stage by stage while healthy: e.g. 1% for 60 minutes, then 10%, then 100%. "
                        + "With stages the percentage above follows the current stage; changing them restarts at the "
                        + "first stage.").withClass("hint"),
                div(each(stages, st -> stageRow(percent(st.percentage()), Long.toString(st.holdMinutes()))))
                        .withId("strategy-stages"),
                template(stageRow("", "60")).withId("stage-row-template"),
                button("Add stage").withType("button").withId("stage-add"))
                .withClass("stages");
    }

    private static DomContent stageRow(String pct, String hold) {
        return div(label(span("Percentage"), input().withType("number").attr("min", "0").attr("max", "100")
                        .attr("step", "0.01").withValue(pct).withClass("stage-percentage")),
                label(span("Hold minutes"), input().withType("number").attr("min", "0").attr("step", "1")
                        .withValue(hold).withClass("stage-hold")),
                button("Remove").withType("button").withClass("stage-remove"))
                .withClass("stage-row");
    }

    private static DomContent targetingEditor(String type, List<Group> groups, Set<Long> chosenGroups,
                                              List<Model> models, Set<String> chosenModels) {
        return fieldset(legend("Devices"),
                radio("targeting-all", "targeting-type", "all", "All devices", type.equals("all")),
                radio("targeting-groups", "targeting-type", "groups", "Members of device groups", type.equals("groups")),
                groups.isEmpty() ? p("No device groups yet.").withClass("hint")
                        : div(each(groups, g -> div(input().withType("checkbox").withId("target-group-" + g.id())
                                .withValue(Long.toString(g.id())).withClass("target-group")
                                .withCondChecked(chosenGroups.contains(g.id())),
                                label(g.name() + " (#" + g.id() + ")").withFor("target-group-" + g.id()))
                                .withClass("check"))).withClass("choices"),
                radio("targeting-models", "targeting-type", "models", "Devices of models", type.equals("models")),
                models.isEmpty() ? p("No device models yet.").withClass("hint")
                        : div(each(models, (i, m) -> div(input().withType("checkbox").withId("target-model-" + i)
                                .withValue(m.key()).withClass("target-model")
                                .withCondChecked(chosenModels.contains(m.key())),
                                label(m.name().isEmpty() ? m.key() : m.name() + " (" + m.key() + ")")
                                        .withFor("target-model-" + i)).withClass("check"))).withClass("choices"))
                .withId("strategy-targeting");
    }

    private static DomContent sourceEditor(Map<String, Object> source, Set<?> listed, List<Version> versions, App app) {
        String type = (String) source.get("type");
        return fieldset(legend("Installed versions that may upgrade"),
                radio("source-all", "source-type", "all", "Any version", type.equals("all")),
                radio("source-listed", "source-type", "listed", "Only these versions", type.equals("listed")),
                div(each(versions, v -> div(input().withType("checkbox").withId("source-version-" + v.id())
                                .withValue(Long.toString(v.id())).withClass("source-version")
                                .withCondChecked(listed.contains(v.id())),
                        label(v.name() + " (" + VersionPages.where(app, v) + ")").withFor("source-version-" + v.id()))
                        .withClass("check"))).withClass("choices"),
                radio("source-range", "source-type", "range", "A range of versions", type.equals("range")),
                div(Html.field("source-from", "From (inclusive)", null,
                                input().withType("text").withValue(bound(source.get("from")))),
                        Html.field("source-to", "To (inclusive)", "Empty means open at that end.",
                                input().withType("text").withValue(bound(source.get("to")))))
                        .withClass("inline-fields"))
                .withId("strategy-source");
    }

    private static String bound(Object o) {
        return o == null ? "" : o.toString();
    }

    private static DomContent radio(String id, String name, String value, String text, boolean checked) {
        return div(input().withType("radio").withId(id).withName(name).withValue(value).withCondChecked(checked),
                label(text).withFor(id)).withClass("check");
    }

    private static DomContent healthEditor(StrategyHealth h) {
        return fieldset(legend("Health"),
                p("The strategy pauses itself when more than the failure threshold of its upgrade reports fail "
                        + "(after at least the minimum number of reports).").withClass("hint"),
                div(Html.field("health-failure", "Failure threshold %", "Empty: off.",
                                Html.number("", h == null || h.failureThreshold() == null ? ""
                                        : percent(h.failureThreshold())).attr("step", "0.01").attr("min", "0")
                                        .attr("max", "100")),
                        Html.field("health-min", "Minimum reports", null,
                                Html.number("", h == null ? "20" : Integer.toString(h.minAttempts())).attr("min", "1")
                                        .attr("step", "1")),
                        Html.field("health-success", "Success threshold % (to advance stages)", "Empty: off.",
                                Html.number("", h == null || h.successThreshold() == null ? ""
                                        : percent(h.successThreshold())).attr("step", "0.01").attr("min", "0")
                                        .attr("max", "100")))
                        .withClass("inline-fields"))
                .withId("strategy-health");
    }

    private static DomContent rulesEditor(Strategy r) {
        List<Map<String, Object>> gray = new ArrayList<>();
        List<Map<String, Object>> flow = new ArrayList<>();
        if (r != null) {
            for (GrayRule g : r.grayRules()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("id", g.id());
                m.put("enabled", g.enabled());
                m.put("begin", g.begin().toString());
                m.put("end", g.end().toString());
                m.put("limit", g.limit());
                gray.add(m);
            }
            for (FlowRule f : r.flowRules()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("id", f.id());
                m.put("enabled", f.enabled());
                m.put("begin", f.begin().toString());
                m.put("end", f.end().toString());
                m.put("dimension", f.dimension().name().toLowerCase(Locale.ROOT));
                m.put("limit", f.limit());
                m.put("soft", f.soft());
                flow.add(m);
            }
        }
        return details(summary("Gray and flow rules (JSON)"),
                p("Gray rules admit at most limit distinct devices while their window is open; flow rules cap offers "
                        + "per second, minute, hour or day. Keep a rule's id to keep its state.").withClass("hint"),
                Html.field("strategy-gray", "Gray rules", "e.g. [{\"begin\": \"2026-12-01T00:00:00Z\", \"end\": "
                                + "\"2026-12-02T00:00:00Z\", \"limit\": 500}]",
                        textarea(pretty(gray)).attr("rows", "4").withClass("mono")),
                Html.field("strategy-flow", "Flow rules", "e.g. [{\"dimension\": \"minute\", \"limit\": 100, "
                                + "\"soft\": true}]",
                        textarea(pretty(flow)).attr("rows", "4").withClass("mono")))
                .withClass("advanced");
    }

    private static String pretty(Object value) {
        try {
            return Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private List<Group> groups(long tenant) {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT id, name FROM device_groups WHERE tenant_id = :t "
                        + "AND deleted_at IS NULL ORDER BY name, id").bind("t", tenant)
                .map((rs, c) -> new Group(rs.getLong(1), rs.getString(2))).list());
    }

    private List<Model> models(long tenant) {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT model_key, name FROM device_models WHERE tenant_id = :t "
                        + "AND deleted_at IS NULL ORDER BY model_key").bind("t", tenant)
                .map((rs, c) -> new Model(rs.getString(1), rs.getString(2))).list());
    }
}
