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
import static j2html.TagCreator.h2;
import static j2html.TagCreator.input;
import static j2html.TagCreator.label;
import static j2html.TagCreator.li;
import static j2html.TagCreator.option;
import static j2html.TagCreator.p;
import static j2html.TagCreator.pre;
import static j2html.TagCreator.progress;
import static j2html.TagCreator.section;
import static j2html.TagCreator.select;
import static j2html.TagCreator.span;
import static j2html.TagCreator.summary;
import static j2html.TagCreator.table;
import static j2html.TagCreator.tbody;
import static j2html.TagCreator.td;
import static j2html.TagCreator.textarea;
import static j2html.TagCreator.th;
import static j2html.TagCreator.thead;
import static j2html.TagCreator.tr;
import static j2html.TagCreator.ul;

import dev.upshift.core.kind.AppKind;
import dev.upshift.server.accounts.Role;
import dev.upshift.server.catalog.App;
import dev.upshift.server.catalog.Version;
import dev.upshift.server.catalog.VersionFile;
import dev.upshift.server.protocol.upgradelink.DownloadLinks;
import j2html.tags.DomContent;
import java.util.List;

/**
 * An app's versions: the list (with yank and unyank), the "new version" form with the fields of the app's kind, and a
 * version's page with its files, their hashes, and the upload widget (drag and drop or a file input; the script
 * sends the file with progress to the artifact upload route and shows the hashes the server computed).
 */
final class VersionPages {
    static final String[] UPGRADE_MODES = {"0 unknown", "1 prompt", "2 silent", "3 forced"};
    private final DownloadLinks links;

    VersionPages(DownloadLinks links) {
        this.links = links;
    }

    private static String base(App app) {
        return "/console/apps/" + Html.enc(app.key());
    }

    private static String api(App app) {
        return Html.API + "/apps/" + Html.enc(app.key()) + "/versions";
    }

    static String where(App app, Version v) {
        String s = v.platform().isEmpty() ? "" : v.platform();
        if (!v.arch().isEmpty()) {
            s = s.isEmpty() ? v.arch() : s + " / " + v.arch();
        }
        return s.isEmpty() ? "any" : s;
    }

    // ---- list -------------------------------------------------------------------------------------------------

    Page list(ConsoleRequest req) {
        App app = req.app();
        List<Version> versions = req.snap().versions(app.id());
        boolean publisher = req.can(Role.PUBLISHER);
        DomContent listing = versions.isEmpty() ? Html.empty("No versions yet.")
                : div(table(thead(tr(th("Version").attr("scope", "col"), th("Code").attr("scope", "col"),
                        th("Platform / arch").attr("scope", "col"), th("Files").attr("scope", "col"),
                        th("State").attr("scope", "col"), th("Created").attr("scope", "col"),
                        publisher ? th("Actions").attr("scope", "col") : null)),
                tbody(each(versions, v -> tr(
                        th(a(v.name()).withHref(base(app) + "/versions/" + v.id())).attr("scope", "row"),
                        td(Long.toString(v.code())).withClass("num"),
                        td(where(app, v)),
                        td(fileSummary(v)),
                        td(state(v)),
                        td(Html.time(v.createdAt())),
                        publisher ? td(yankButton(app, v, "version-yank-" + v.id())) : null))))
                        .withId("versions-table").withClass("data")).withClass("table-wrap");
        return new Page("Versions of " + app.name(), Page.Section.APPS, div(
                AppPages.appNav(app, "Versions"),
                publisher ? p(a("New version").withHref(base(app) + "/versions/new").withClass("button primary")
                        .withId("version-new")) : Html.readOnly("versions"),
                listing));
    }

    private static DomContent fileSummary(Version v) {
        if (v.files().isEmpty()) {
            return span("none").withClass("muted");
        }
        return ul(each(v.files(), f -> li(span(f.fileName()), text(" "), span("(" + f.role() + ", " + Html.bytes(f.size())
                + ")").withClass("muted"), div(span("sha256 ").withClass("muted"), code(f.sha256()).withClass("hash")))))
                .withClass("files");
    }

    static DomContent state(Version v) {
        if (!v.yanked()) {
            return Html.badge("live", "ok");
        }
        return div(Html.badge("yanked", "bad"), text(" "), Html.time(v.yankedAt()),
                v.yankReason().isEmpty() ? null : p(v.yankReason()).withClass("reason"));
    }

    private static DomContent yankButton(App app, Version v, String id) {
        String path = api(app) + "/" + v.id() + "/yank";
        return v.yanked()
                ? Html.apiButton("Unyank", "DELETE", path, "reload").withId(id).attr("data-done", "Version offered again.")
                .attr("data-confirm", "Offer version " + v.name() + " again?")
                : Html.apiButton("Yank", "POST", path, "reload").withId(id).withClass("danger").attr("data-done", "Version yanked.")
                .attr("data-prompt", "Yank version " + v.name() + ": it is no longer offered. Reason (optional):");
    }

    // ---- new version ----------------------------------------------------------------------------------------------

    Page create(ConsoleRequest req) {
        App app = req.app();
        AppKind kind = app.kind();
        boolean semver = kind.versionScheme() == AppKind.VersionScheme.SEMVER;
        DomContent form = Html.apiForm("version-create-form", "POST", api(app),
                        "redirect:/console/apps/{appKey}/versions/{id}")
                .attr("data-done", "Version created.")
                .with(Html.field("version-name", "Version name", semver
                                        ? "SemVer, e.g. 1.2.3 or 1.3.0-beta.1." : "Shown to users, e.g. 2.4.0.",
                                Html.text("versionName", "").isRequired().attr("maxlength", "128")),
                        semver ? null : Html.field("version-code", "Version code",
                                "A whole number that grows with every release.",
                                Html.number("versionCode", "").isRequired().attr("min", "1").attr("step", "1")
                                        .attr("data-type", "int")),
                        kind.platformField() == AppKind.PlatformField.NONE ? null
                                : Html.field("version-platform", kind.platformField() == AppKind.PlatformField.TARGET
                                        ? "Target" : "Platform", null,
                                select(each(kind.platforms(), x -> option(x).withValue(x)))
                                        .withName(kind.platformField().wireName())),
                        kind.hasArch() ? Html.field("version-arch", "Architecture", null,
                                select(each(kind.arches(), x -> option(x).withValue(x))).withName("arch")) : null,
                        kind == AppKind.URL ? Html.field("version-url", "URL", "Where clients send users: an absolute "
                                + "http or https URL.", input().withType("url").withName("urlPath").isRequired()) : null,
                        kind == AppKind.CONFIGURATION ? Html.field("version-content", "Content (JSON)",
                                "Any JSON value, at most 1 MB.", textarea("{}").withName("content").attr("rows", "6")
                                        .attr("data-type", "json").withClass("mono")) : null,
                        kind == AppKind.TAURI ? Html.field("version-signature", "Updater signature (optional)",
                                "The .sig content; files can also carry their own at upload.",
                                textarea().withName("signature").attr("rows", "3").attr("data-type", "optional")
                                        .withClass("mono")) : null,
                        Html.field("version-release-note", "Release notes (optional)", null,
                                textarea().withName("releaseNote").attr("rows", "4").attr("data-type", "optional")),
                        Html.field("version-upgrade-mode", "Upgrade mode", null, select(
                                option("prompt").withValue("1").isSelected(), option("silent").withValue("2"),
                                option("forced").withValue("3"), option("unknown").withValue("0"))
                                .withName("upgradeMode").attr("data-type", "int")),
                        Html.checkbox("version-prerelease", "isPreRelease", "Pre-release", false),
                        details(summary("More fields"),
                                Html.field("version-description", "Description", null,
                                        textarea().withName("description").attr("rows", "2").attr("data-type", "optional")),
                                Html.field("version-changelog", "Changelog", null,
                                        textarea().withName("changelog").attr("rows", "3").attr("data-type", "optional")),
                                Html.field("version-release-url", "Release page URL", null,
                                        input().withType("url").withName("releaseUrl").attr("data-type", "optional")),
                                Html.field("version-min-system", "Minimum OS version", "e.g. 10.15 or 10.0.22631.",
                                        Html.text("minSystemVersion", "").attr("data-type", "optional")),
                                Html.field("version-update-type", "Update type", null, select(
                                        option("manual").withValue("manual").isSelected(), option("auto").withValue("auto"))
                                        .withName("updateType")),
                                Html.field("version-forced-code", "Forced upgrade below code", "Clients below this "
                                                + "version code must upgrade; 0 for none.",
                                        Html.number("forcedUpgradeVersionCode", "0").attr("min", "0")
                                                .attr("data-type", "int")),
                                Html.field("version-silent-code", "Silent upgrade below code", "0 for none.",
                                        Html.number("silentUpgradeVersionCode", "0").attr("min", "0")
                                                .attr("data-type", "int"))),
                        p().withId("version-create-error").withClass("form-error").attr("role", "alert"),
                        Html.submit("version-create-submit", "Create version"));
        return new Page("New version of " + app.name(), Page.Section.APPS, div(
                AppPages.appNav(app, "Versions"),
                p("Versions are immutable once created. " + (kind.hasArtifacts()
                        ? "You upload the files on the next page." : "")),
                form));
    }

    // ---- one version ----------------------------------------------------------------------------------------------

    Page detail(ConsoleRequest req) {
        App app = req.app();
        Version v = req.version(app);
        boolean publisher = req.can(Role.PUBLISHER);
        DomContent facts = dl(dt("Code"), dd(Long.toString(v.code())),
                dt("Platform / arch"), dd(where(app, v)),
                dt("State"), dd(state(v)),
                dt("Pre-release"), dd(v.preRelease() ? "yes" : "no"),
                dt("Upgrade mode"), dd(UPGRADE_MODES[Math.max(0, Math.min(3, v.upgradeMode()))]),
                v.urlPath().isEmpty() ? null : each(dt("URL"), dd(code(v.urlPath()))),
                v.content() == null ? null : each(dt("Content"), dd(pre(v.content()).withClass("mono"))),
                v.releaseNote().isEmpty() ? null : each(dt("Release notes"), dd(pre(v.releaseNote()).withClass("notes"))),
                dt("Created"), dd(Html.time(v.createdAt())))
                .withClass("facts");
        String versionApi = api(app) + "/" + v.id();
        return new Page(app.name() + " " + v.name(), Page.Section.APPS, div(
                AppPages.appNav(app, "Versions"),
                facts,
                publisher ? div(yankButton(app, v, "version-yank"),
                        req.can(Role.ADMIN) ? Html.apiButton("Delete version", "DELETE", versionApi,
                                        "redirect:" + base(app) + "/versions").withId("version-delete").withClass("danger")
                                .attr("data-confirm", "Delete version " + v.name() + " and the strategies that offer it?")
                                : null).withClass("actions") : null,
                app.kind().hasArtifacts() ? files(app, v) : null,
                app.kind().hasArtifacts() && publisher ? upload(app, v, versionApi) : null));
    }

    private DomContent files(App app, Version v) {
        DomContent body = v.files().isEmpty() ? Html.empty("No files yet.")
                : div(table(thead(tr(th("File").attr("scope", "col"), th("Role").attr("scope", "col"),
                        th("Format").attr("scope", "col"), th("Size").attr("scope", "col"),
                        th("Hashes").attr("scope", "col"), th("Uploaded").attr("scope", "col"))),
                tbody(each(v.files(), f -> tr(
                        th(a(f.fileName()).withHref(links.file(app, v, f))).attr("scope", "row"),
                        td(f.role()), td(f.format().isEmpty() ? "-" : f.format()),
                        td(Html.bytes(f.size()) + " (" + f.size() + " bytes)").withClass("num"),
                        td(hashes(f)), td(Html.time(f.createdAt()))))))
                        .withClass("data")).withClass("table-wrap");
        return section(h2("Files"), body).withId("version-files");
    }

    private static DomContent hashes(VersionFile f) {
        return dl(dt("sha256"), dd(code(f.sha256()).withClass("hash")),
                dt("sha512"), dd(code(f.sha512()).withClass("hash")),
                dt("md5"), dd(code(f.md5()).withClass("hash")),
                f.signature().isEmpty() ? null : each(dt("signature"), dd(code(f.signature()).withClass("hash"))),
                f.signerSha256().isEmpty() ? null : each(dt("APK signer"), dd(code(f.signerSha256()).withClass("hash"))))
                .withClass("hashes");
    }

    private static DomContent upload(App app, Version v, String versionApi) {
        boolean tauri = app.kind() == AppKind.TAURI;
        boolean sparkle = app.kind() == AppKind.MAC || app.kind() == AppKind.ELECTRON;
        return section(h2("Upload a file").withId("upload-heading"),
                div(Html.field("artifact-role", "Role", "install: what users download; update: the bundle updaters apply.",
                                select(option("install").withValue("install").isSelected(),
                                        option("update").withValue("update"))),
                        Html.field("artifact-name", "File name (optional)", "Defaults to the chosen file's name. "
                                + "Its ending sets the format (.msi, .dmg, .AppImage, .apk, ...).",
                                input().withType("text").attr("maxlength", "255")),
                        tauri ? Html.field("artifact-signature", "Updater signature (.sig content, optional)", null,
                                textarea().attr("rows", "2").withClass("mono")) : null,
                        sparkle ? Html.field("artifact-ed-signature", "Sparkle EdDSA signature (optional)", null,
                                input().withType("text")) : null,
                        div(label(span("Drop a file here"), span(" or choose one")).withFor("artifact-file"),
                                input().withType("file").withId("artifact-file"),
                                p("The upload starts as soon as a file is chosen.").withClass("hint"))
                                .withId("artifact-drop").withClass("dropzone"),
                        div(progress().withId("artifact-progress").attr("max", "100").attr("value", "0")
                                        .attr("aria-label", "Upload progress"),
                                span().withId("artifact-progress-text")).withClass("progress-row").attr("hidden"),
                        div().withId("artifact-result").attr("hidden").attr("tabindex", "-1"))
                        .withId("artifact-upload").attr("data-upload-path", versionApi + "/artifact"))
                .withClass("panel").attr("aria-labelledby", "upload-heading");
    }
}
