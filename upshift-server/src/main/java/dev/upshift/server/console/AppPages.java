package dev.upshift.server.console;

import static j2html.TagCreator.text;
import static j2html.TagCreator.a;
import static j2html.TagCreator.code;
import static j2html.TagCreator.dd;
import static j2html.TagCreator.details;
import static j2html.TagCreator.div;
import static j2html.TagCreator.dl;
import static j2html.TagCreator.dt;
import static j2html.TagCreator.each;
import static j2html.TagCreator.form;
import static j2html.TagCreator.h2;
import static j2html.TagCreator.input;
import static j2html.TagCreator.li;
import static j2html.TagCreator.nav;
import static j2html.TagCreator.option;
import static j2html.TagCreator.p;
import static j2html.TagCreator.section;
import static j2html.TagCreator.select;
import static j2html.TagCreator.summary;
import static j2html.TagCreator.table;
import static j2html.TagCreator.tbody;
import static j2html.TagCreator.td;
import static j2html.TagCreator.textarea;
import static j2html.TagCreator.th;
import static j2html.TagCreator.thead;
import static j2html.TagCreator.tr;
import static j2html.TagCreator.ul;
import static j2html.TagCreator.button;

import dev.upshift.core.kind.AppKind;
import dev.upshift.server.accounts.Role;
import dev.upshift.server.catalog.App;
import dev.upshift.server.catalog.Version;
import dev.upshift.server.events.EventStatistics;
import j2html.tags.DomContent;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The apps list with its create form, and an app's dashboard (statistics charts and the app's settings). */
final class AppPages {
    /** One line per kind, shown under the kind selector and in the list of kinds. */
    static final Map<AppKind, String> KIND_HELP = new LinkedHashMap<>();

    static {
        KIND_HELP.put(AppKind.URL, "A link: each version points to a page or download hosted elsewhere.");
        KIND_HELP.put(AppKind.FILE, "Any file Upshift hosts, with no operating system or architecture.");
        KIND_HELP.put(AppKind.APK, "An Android app: APK files with signer checks and optional delta patches.");
        KIND_HELP.put(AppKind.CONFIGURATION, "A JSON document delivered to clients as each version's content.");
        KIND_HELP.put(AppKind.TAURI, "A Tauri app: SemVer versions per target and arch, minisign-signed updates.");
        KIND_HELP.put(AppKind.ELECTRON, "An Electron app with electron-updater: SemVer versions per platform and arch.");
        KIND_HELP.put(AppKind.WIN, "A Windows app: installers per architecture (x64, arm64).");
        KIND_HELP.put(AppKind.MAC, "A macOS app: packages per architecture, optional Sparkle signatures.");
        KIND_HELP.put(AppKind.LNX, "A Linux app: AppImage, deb or rpm packages per architecture.");
    }

    private final EventStatistics statistics;

    AppPages(EventStatistics statistics) {
        this.statistics = statistics;
    }

    /** The tabs of one app: dashboard, versions, strategies. */
    static DomContent appNav(App app, String active) {
        String base = "/console/apps/" + Html.enc(app.key());
        String[][] tabs = {{"Dashboard", base}, {"Versions", base + "/versions"}, {"Strategies", base + "/strategies"}};
        return nav(ul(each(List.of(tabs), t -> li(t[0].equals(active)
                ? a(t[0]).withHref(t[1]).attr("aria-current", "page") : a(t[0]).withHref(t[1])))))
                .withClass("tabs").attr("aria-label", "App " + app.name());
    }

    /** Apps of the tenant, oldest first. */
    static List<App> apps(ConsoleRequest req) {
        List<App> apps = new ArrayList<>(req.snap().apps());
        apps.removeIf(a -> a.tenantId() != req.tenant());
        apps.sort(Comparator.comparingLong(App::id));
        return apps;
    }

    // ---- the apps list ------------------------------------------------------------------------------------------

    Page list(ConsoleRequest req) {
        String kindText = req.query("kind");
        AppKind kind = kindText.isEmpty() ? null : AppKind.fromWireName(kindText).orElseThrow(() ->
                ConsoleException.badRequest("'" + kindText + "' is not a kind; use one of " + AppKind.allWireNames() + "."));
        List<App> apps = apps(req);
        apps.removeIf(a -> kind != null && a.kind() != kind);
        DomContent filter = form(div(label("apps-kind-filter", "Kind"),
                select(option("All kinds").withValue(""), each(List.of(AppKind.values()), k -> option(k.wireName())
                        .withValue(k.wireName()).withCondSelected(k == kind)))
                        .withId("apps-kind-filter").withName("kind"),
                button("Filter").withType("submit")).withClass("inline-form"))
                .withMethod("get").withAction("/console/").attr("aria-label", "Filter apps");
        DomContent listing = apps.isEmpty() ? Html.empty(kind == null ? "No apps yet." : "No " + kind.wireName() + " apps.")
                : table(thead(tr(th("Name").attr("scope", "col"), th("Kind").attr("scope", "col"),
                        th("App key").attr("scope", "col"), th("Package").attr("scope", "col"),
                        th("Versions").attr("scope", "col"), th("Created").attr("scope", "col"))),
                tbody(each(apps, a -> tr(
                        th(a(a.name()).withHref("/console/apps/" + Html.enc(a.key()))).attr("scope", "row"),
                        td(a.kind().wireName()), td(code(a.key())), td(a.packageName()),
                        td(Integer.toString(req.snap().versions(a.id()).size())).withClass("num"),
                        td(Html.time(a.createdAt()))))))
                .withId("apps-table").withClass("data");
        return new Page("Apps", Page.Section.APPS, div(
                section(filter, div(listing).withClass("table-wrap")).attr("aria-label", "Apps"),
                req.can(Role.ADMIN) ? createForm() : Html.readOnly("apps")));
    }

    private static DomContent label(String forId, String text) {
        return j2html.TagCreator.label(text).withFor(forId);
    }

    private static DomContent createForm() {
        return section(h2("Create an app").withId("app-create-heading"),
                Html.apiForm("app-create-form", "POST", Html.API + "/apps", "redirect:/console/apps/{key}")
                        .attr("data-done", "App created.")
                        .attr("aria-labelledby", "app-create-heading")
                        .with(Html.field("app-kind", "Kind", null, select(each(KIND_HELP.entrySet(), e ->
                                                option(e.getKey().wireName()).withValue(e.getKey().wireName())
                                                        .attr("data-help", e.getValue())))
                                        .withName("kind").attr("data-kind-select")),
                                p(KIND_HELP.get(AppKind.URL)).withId("app-kind-help").withClass("hint")
                                        .attr("aria-live", "polite"),
                                Html.field("app-name", "Name", null, Html.text("name", "").isRequired()
                                        .attr("maxlength", "128")),
                                kindField("apk win mac lnx", Html.field("app-package", "Package name",
                                        "The bundle or package id, e.g. com.example.app.",
                                        Html.text("packageName", "").attr("maxlength", "256")
                                                .attr("data-type", "optional"))),
                                kindField("tauri", Html.field("app-tauri-key", "Tauri public key (optional)",
                                        "The pubkey value from tauri.conf.json; uploaded signatures must verify.",
                                        Html.text("tauriPublicKey", "").attr("data-type", "optional"))),
                                kindField("mac electron", Html.field("app-sparkle-key", "Sparkle public key (optional)",
                                        "SUPublicEDKey, base64 of an Ed25519 key.",
                                        Html.text("sparklePublicKey", "").attr("data-type", "optional"))),
                                Html.field("app-description", "Description (optional)", null,
                                        textarea().withName("description").attr("rows", "2").attr("maxlength", "2048")),
                                Html.submit("app-create-submit", "Create app")),
                details(summary("What the nine kinds are"), dl(each(KIND_HELP.entrySet(), e ->
                        each(dt(e.getKey().wireName()), dd(e.getValue())))).withClass("kinds")))
                .withClass("panel");
    }

    /** A field shown only for some kinds (the script hides and disables it for the others). */
    private static DomContent kindField(String kinds, DomContent field) {
        return div(field).attr("data-kinds", kinds);
    }

    // ---- the dashboard ------------------------------------------------------------------------------------------

    Page dashboard(ConsoleRequest req) {
        App app = req.app();
        LocalDate today = statistics.today();
        LocalDate to = today;
        LocalDate from = today.minusDays(29);
        String rangeError = null;
        try {
            LocalDate t = req.query("to").isEmpty() ? today : LocalDate.parse(req.query("to"));
            LocalDate f = req.query("from").isEmpty() ? t.minusDays(29) : LocalDate.parse(req.query("from"));
            if (f.isAfter(t)) {
                rangeError = "The start date is after the end date; showing the last 30 days.";
            } else if (t.toEpochDay() - f.toEpochDay() + 1 > 366) {
                rangeError = "Choose at most 366 days; showing the last 30 days.";
            } else {
                from = f;
                to = t;
            }
        } catch (DateTimeParseException e) {
            rangeError = "Dates must look like 2026-01-31; showing the last 30 days.";
        }
        Map<String, Object> report = statistics.report(new EventStatistics.Query(app.id(), from, to, null, null),
                req.snap());
        DomContent range = form(div(
                Html.field("stats-from", "From", null, input().withType("date").withName("from").withValue(from.toString())),
                Html.field("stats-to", "To", null, input().withType("date").withName("to").withValue(to.toString())),
                button("Show").withType("submit")).withClass("inline-form"),
                rangeError == null ? null : p(rangeError).withClass("form-error"))
                .withMethod("get").withAction("/console/apps/" + Html.enc(app.key())).attr("aria-label", "Date range");
        String zone = String.valueOf(report.get("zone"));
        DomContent charts = div(
                adoption(app, req, report, from, to),
                funnel(report),
                failures(report),
                activeDevices(report))
                .withClass("charts");
        return new Page(app.name(), Page.Section.APPS, div(
                appNav(app, "Dashboard"),
                about(app, req),
                section(h2("Statistics"), p("Days in " + zone + ", from " + from + " to " + to + ". "
                                + report.get("distinctDevices") + " distinct devices in this range."),
                        range, charts).attr("aria-label", "Statistics"),
                req.can(Role.ADMIN) ? settings(app) : null));
    }

    private static DomContent about(App app, ConsoleRequest req) {
        return dl(dt("Kind"), dd(app.kind().wireName() + ": " + KIND_HELP.get(app.kind())),
                dt("App key"), dd(code(app.key()).withId("app-key"), text(" (clients send it as "), code(app.kind().keyField()),
                        text(")")),
                app.packageName().isEmpty() ? null : each(dt("Package"), dd(app.packageName())),
                app.description().isEmpty() ? null : each(dt("Description"), dd(app.description())),
                dt("Versions"), dd(Integer.toString(req.snap().versions(app.id()).size())))
                .withClass("facts");
    }

    @SuppressWarnings("unchecked")
    private static DomContent adoption(App app, ConsoleRequest req, Map<String, Object> report, LocalDate from,
                                       LocalDate to) {
        List<Map<String, Object>> rows = (List<Map<String, Object>>) ((Map<String, Object>) report.get("adoption"))
                .get("upgradesByVersion");
        List<String> days = new ArrayList<>();
        for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
            days.add(d.toString());
        }
        // One series per target version, the five most upgraded first, the rest together.
        Map<String, Map<String, Long>> byVersion = new LinkedHashMap<>();
        Map<String, Long> totals = new LinkedHashMap<>();
        for (Map<String, Object> r : rows) {
            Object id = r.get("versionId");
            String name = id == null ? "code " + r.get("versionCode")
                    : req.snap().version((Long) id).map(Version::name).orElse("code " + r.get("versionCode"));
            long n = (Long) r.get("upgrades");
            byVersion.computeIfAbsent(name, k -> new LinkedHashMap<>()).merge((String) r.get("day"), n, Long::sum);
            totals.merge(name, n, Long::sum);
        }
        List<String> names = totals.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .map(Map.Entry::getKey).toList();
        List<Charts.Series> series = new ArrayList<>();
        List<String> shown = names.subList(0, Math.min(Charts.SERIES_COLOURS - 1, names.size()));
        for (String name : shown) {
            Map<String, Long> perDay = byVersion.get(name);
            series.add(new Charts.Series(name, days.stream().map(d -> perDay.getOrDefault(d, 0L)).toList()));
        }
        if (names.size() > shown.size()) {
            List<Long> other = new ArrayList<>();
            for (String d : days) {
                long sum = 0;
                for (String name : names.subList(shown.size(), names.size())) {
                    sum += byVersion.get(name).getOrDefault(d, 0L);
                }
                other.add(sum);
            }
            series.add(new Charts.Series("other versions", other));
        }
        if (series.isEmpty()) {
            series.add(new Charts.Series("upgrades", days.stream().map(d -> 0L).toList()));
        }
        return Charts.stacked("chart-adoption", "Adoption: successful upgrades per day",
                "Upgrades reported with code 0, per day and target version of " + app.name() + ".", "Day", days, series);
    }

    private static DomContent funnel(Map<String, Object> report) {
        @SuppressWarnings("unchecked")
        Map<String, Object> f = (Map<String, Object>) report.get("funnel");
        List<Charts.Point> points = new ArrayList<>();
        for (String stage : List.of("checked", "offered", "downloaded", "upgraded", "failed")) {
            points.add(new Charts.Point(stage, ((Number) f.get(stage)).longValue()));
        }
        return Charts.rows("chart-funnel", "Update funnel", "Checks, offers, whole-file downloads, successful "
                + "upgrades and failed downloads or upgrades in the range.", "Stage", "Count", points);
    }

    private static DomContent failures(Map<String, Object> report) {
        @SuppressWarnings("unchecked")
        Map<String, Long> byCode = (Map<String, Long>) ((Map<String, Object>) report.get("funnel")).get("failuresByCode");
        if (byCode.isEmpty()) {
            return section(j2html.TagCreator.h3("Failures by code"), Html.empty("No failures were reported in this range."))
                    .withClass("chart").withId("chart-failures");
        }
        List<Charts.Point> points = byCode.entrySet().stream()
                .map(e -> new Charts.Point("code " + e.getKey(), e.getValue())).toList();
        return Charts.rows("chart-failures", "Failures by code", "Download and upgrade reports with a non-zero "
                + "code, by code.", "Code", "Failures", points);
    }

    private static DomContent activeDevices(Map<String, Object> report) {
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> days = (List<Map<String, Object>>) report.get("activeDevices");
        return Charts.columns("chart-devices", "Active devices per day", "Distinct device keys seen each day "
                        + "(checks and reports with a device key).", "Day", "Devices",
                days.stream().map(d -> new Charts.Point((String) d.get("day"), (Long) d.get("devices"))).toList());
    }

    private static DomContent settings(App app) {
        String path = Html.API + "/apps/" + Html.enc(app.key());
        return section(h2("Settings").withId("app-settings-heading"),
                Html.apiForm("app-edit-form", "PATCH", path, "reload").attr("aria-labelledby", "app-settings-heading")
                        .attr("data-done", "App saved.")
                        .with(Html.field("app-edit-name", "Name", null, Html.text("name", app.name()).isRequired()
                                        .attr("maxlength", "128")),
                                Html.field("app-edit-description", "Description", null,
                                        textarea(app.description()).withName("description").attr("rows", "2")),
                                app.kind() == AppKind.TAURI ? Html.field("app-edit-tauri-key", "Tauri public key",
                                        "Empty turns the signature check off.",
                                        Html.text("tauriPublicKey", app.tauriPublicKey())) : null,
                                app.kind() == AppKind.MAC || app.kind() == AppKind.ELECTRON
                                        ? Html.field("app-edit-sparkle-key", "Sparkle public key",
                                        "Empty turns the signature check off.",
                                        Html.text("sparklePublicKey", app.sparklePublicKey())) : null,
                                Html.submit("app-edit-submit", "Save")),
                div(Html.apiButton("Delete app", "DELETE", path, "redirect:/console/").withId("app-delete").attr("data-done", "App deleted.")
                        .withClass("danger").attr("data-confirm", "Delete " + app.name() + " with its versions and "
                                + "strategies? Clients stop getting updates for it.")).withClass("actions"))
                .withClass("panel");
    }
}
