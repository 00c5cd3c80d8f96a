package dev.upshift.server.console;

import static j2html.TagCreator.text;
import static j2html.TagCreator.a;
import static j2html.TagCreator.code;
import static j2html.TagCreator.details;
import static j2html.TagCreator.div;
import static j2html.TagCreator.each;
import static j2html.TagCreator.h2;
import static j2html.TagCreator.li;
import static j2html.TagCreator.nav;
import static j2html.TagCreator.p;
import static j2html.TagCreator.section;
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

import dev.upshift.server.accounts.Role;
import dev.upshift.server.db.Database;
import j2html.tags.DomContent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Devices, device groups (with their members) and device models of the tenant: lists, create and delete. */
final class DevicePages {
    static final int SHOWN_DEVICES = 500;

    private record Device(String key, String model, Long firstSeen, Long lastSeen, long created, List<String> groups) {
    }

    private record Group(long id, String name, String description, long created, List<String> members) {
    }

    private record Model(String key, String name, long created) {
    }

    private final Database db;

    DevicePages(Database db) {
        this.db = db;
    }

    private static DomContent tabs(String active) {
        String[][] tabs = {{"Devices", "/console/devices"}, {"Groups", "/console/device-groups"},
                {"Models", "/console/device-models"}};
        return nav(ul(each(List.of(tabs), t -> li(t[0].equals(active)
                ? a(t[0]).withHref(t[1]).attr("aria-current", "page") : a(t[0]).withHref(t[1])))))
                .withClass("tabs").attr("aria-label", "Devices");
    }

    // ---- devices ----------------------------------------------------------------------------------------------

    Page devices(ConsoleRequest req) {
        boolean admin = req.can(Role.ADMIN);
        List<Device> devices = db.jdbi().withHandle(h -> {
            Map<Long, List<String>> groupsOf = new LinkedHashMap<>();
            h.createQuery("SELECT m.device_id, g.name FROM device_group_members m JOIN device_groups g ON g.id = m.group_id "
                            + "WHERE g.tenant_id = :t AND g.deleted_at IS NULL ORDER BY g.name")
                    .bind("t", req.tenant())
                    .map((rs, c) -> Map.entry(rs.getLong(1), rs.getString(2)))
                    .forEach(e -> groupsOf.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue()));
            return h.createQuery("SELECT id, device_key, model_key, first_seen_at, last_seen_at, created_at FROM devices "
                            + "WHERE tenant_id = :t ORDER BY id DESC LIMIT " + SHOWN_DEVICES)
                    .bind("t", req.tenant())
                    .map((rs, c) -> new Device(rs.getString(2), rs.getString(3), Rows.nullableLong(rs, 4),
                            Rows.nullableLong(rs, 5), rs.getLong(6),
                            groupsOf.getOrDefault(rs.getLong(1), List.of())))
                    .list();
        });
        DomContent listing = devices.isEmpty() ? Html.empty("No devices yet. Devices register themselves at their "
                + "first update check with a device key.")
                : div(table(thead(tr(th("Device key").attr("scope", "col"), th("Model").attr("scope", "col"),
                        th("Groups").attr("scope", "col"), th("First seen").attr("scope", "col"),
                        th("Last seen").attr("scope", "col"), admin ? th("Actions").attr("scope", "col") : null)),
                tbody(each(devices, (i, d) -> tr(th(code(d.key())).attr("scope", "row"), td(d.model()),
                        td(String.join(", ", d.groups())), td(Html.time(d.firstSeen(), "never")),
                        td(Html.time(d.lastSeen(), "never")),
                        admin ? td(Html.apiButton("Delete", "DELETE", Html.API + "/devices/" + Html.enc(d.key()), "reload")
                                .withId("device-delete-" + i).withClass("danger")
                                .attr("data-confirm", "Delete device " + d.key() + "? Its next check registers it again."))
                                : null))))
                        .withId("devices-table").withClass("data")).withClass("table-wrap");
        return new Page("Devices", Page.Section.DEVICES, div(tabs("Devices"),
                p("The " + SHOWN_DEVICES + " most recently registered devices, newest first.").withClass("hint"),
                listing,
                admin ? section(h2("Register a device").withId("device-create-heading"),
                        p("Register a device ahead of its first check, e.g. to put it in a group.").withClass("hint"),
                        Html.apiForm("device-create-form", "POST", Html.API + "/devices", "reload")
                                .attr("aria-labelledby", "device-create-heading")
                                .with(Html.field("device-key", "Device key", "1 to 128 visible ASCII characters.",
                                                Html.text("deviceKey", "").isRequired().attr("maxlength", "128")),
                                        Html.field("device-model", "Model key (optional)", null,
                                                Html.text("modelKey", "").attr("maxlength", "128")
                                                        .attr("data-type", "optional")),
                                        Html.submit("device-create-submit", "Register device")))
                        .withClass("panel") : Html.readOnly("devices")));
    }

    // ---- groups -----------------------------------------------------------------------------------------------

    Page groups(ConsoleRequest req) {
        boolean admin = req.can(Role.ADMIN);
        List<Group> groups = db.jdbi().withHandle(h -> h.createQuery("SELECT id, name, description, created_at "
                        + "FROM device_groups WHERE tenant_id = :t AND deleted_at IS NULL ORDER BY name, id")
                .bind("t", req.tenant())
                .map((rs, c) -> new Group(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getLong(4),
                        h.createQuery("SELECT d.device_key FROM device_group_members m JOIN devices d ON d.id = m.device_id "
                                        + "WHERE m.group_id = :g ORDER BY d.device_key").bind("g", rs.getLong(1))
                                .mapTo(String.class).list()))
                .list());
        DomContent listing = groups.isEmpty() ? Html.empty("No device groups yet.")
                : div(each(groups, g -> section(h2(g.name() + " (#" + g.id() + ")"),
                        g.description().isEmpty() ? null : p(g.description()),
                        p(text(g.members().size() + " members, created "), Html.time(g.created())),
                        g.members().isEmpty() ? null : details(summary("Members"), ul(each(g.members(), (i, m) ->
                                li(code(m), admin ? span(text(" "), Html.apiButton("Remove", "DELETE", Html.API
                                        + "/device-groups/" + g.id() + "/members/" + Html.enc(m), "reload")
                                        .withId("member-remove-" + g.id() + "-" + i).withClass("small")
                                        .attr("aria-label", "Remove " + m + " from " + g.name())) : null)))
                                .withClass("members")),
                        admin ? Html.apiForm("group-add-" + g.id(), "POST", Html.API + "/device-groups/" + g.id()
                                + "/members", "reload").with(
                                Html.field("group-add-keys-" + g.id(), "Add device keys", "One per line or separated by "
                                        + "spaces or commas; unknown devices are registered.",
                                        textarea().withName("deviceKeys").attr("rows", "2").attr("data-type", "list")),
                                Html.submit("group-add-submit-" + g.id(), "Add members")) : null,
                        admin ? div(Html.apiButton("Delete group", "DELETE", Html.API + "/device-groups/" + g.id(), "reload")
                                .withId("group-delete-" + g.id()).withClass("danger")
                                .attr("data-confirm", "Delete group " + g.name() + "?")).withClass("actions") : null)
                        .withClass("panel group")));
        return new Page("Device groups", Page.Section.DEVICES, div(tabs("Groups"), listing,
                admin ? section(h2("Create a group").withId("group-create-heading"),
                        Html.apiForm("group-create-form", "POST", Html.API + "/device-groups", "reload")
                                .attr("aria-labelledby", "group-create-heading")
                                .with(Html.field("group-name", "Name", null, Html.text("name", "").isRequired()
                                                .attr("maxlength", "128")),
                                        Html.field("group-description", "Description (optional)", null,
                                                Html.text("description", "").attr("maxlength", "1024")
                                                        .attr("data-type", "optional")),
                                        Html.submit("group-create-submit", "Create group")))
                        .withClass("panel") : Html.readOnly("device groups")));
    }

    // ---- models -----------------------------------------------------------------------------------------------

    Page models(ConsoleRequest req) {
        boolean admin = req.can(Role.ADMIN);
        List<Model> models = db.jdbi().withHandle(h -> h.createQuery("SELECT model_key, name, created_at FROM "
                        + "device_models WHERE tenant_id = :t AND deleted_at IS NULL ORDER BY model_key")
                .bind("t", req.tenant())
                .map((rs, c) -> new Model(rs.getString(1), rs.getString(2), rs.getLong(3))).list());
        DomContent listing = models.isEmpty() ? Html.empty("No device models yet.")
                : div(table(thead(tr(th("Model key").attr("scope", "col"), th("Name").attr("scope", "col"),
                        th("Created").attr("scope", "col"), admin ? th("Actions").attr("scope", "col") : null)),
                tbody(each(models, (i, m) -> tr(th(code(m.key())).attr("scope", "row"), td(m.name()),
                        td(Html.time(m.created())),
                        admin ? td(Html.apiButton("Delete", "DELETE", Html.API + "/device-models/" + Html.enc(m.key()),
                                "reload").withId("model-delete-" + i).withClass("danger")
                                .attr("data-confirm", "Delete model " + m.key() + "?")) : null))))
                        .withId("models-table").withClass("data")).withClass("table-wrap");
        return new Page("Device models", Page.Section.DEVICES, div(tabs("Models"), listing,
                admin ? section(h2("Add a model").withId("model-create-heading"),
                        Html.apiForm("model-create-form", "POST", Html.API + "/device-models", "reload")
                                .attr("aria-labelledby", "model-create-heading")
                                .with(Html.field("model-key", "Model key", "What clients send as devModelKey.",
                                                Html.text("modelKey", "").isRequired().attr("maxlength", "128")),
                                        Html.field("model-name", "Name (optional)", null,
                                                Html.text("name", "").attr("maxlength", "128").attr("data-type", "optional")),
                                        Html.submit("model-create-submit", "Add model")))
                        .withClass("panel") : Html.readOnly("device models")));
    }
}
