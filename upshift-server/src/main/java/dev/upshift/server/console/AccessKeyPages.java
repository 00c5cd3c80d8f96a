package dev.upshift.server.console;

import static j2html.TagCreator.code;
import static j2html.TagCreator.div;
import static j2html.TagCreator.each;
import static j2html.TagCreator.h2;
import static j2html.TagCreator.section;
import static j2html.TagCreator.table;
import static j2html.TagCreator.tbody;
import static j2html.TagCreator.td;
import static j2html.TagCreator.th;
import static j2html.TagCreator.thead;
import static j2html.TagCreator.tr;

import dev.upshift.server.accounts.Role;
import dev.upshift.server.db.Database;
import j2html.tags.DomContent;
import java.util.List;

/**
 * Access keys (what client SDKs sign with): list, create, revoke. The secret exists only in the create answer, so
 * the script shows it once in a dismissible panel with a copy button; this page never renders a secret.
 */
final class AccessKeyPages {
    private record Key(String accessKey, String description, boolean enabled, long created) {
    }

    private final Database db;

    AccessKeyPages(Database db) {
        this.db = db;
    }

    Page list(ConsoleRequest req) {
        boolean admin = req.can(Role.ADMIN);
        List<Key> keys = db.jdbi().withHandle(h -> h.createQuery("SELECT access_key, description, enabled, created_at "
                        + "FROM access_keys WHERE tenant_id = :t AND revoked_at IS NULL ORDER BY id")
                .bind("t", req.tenant())
                .map((rs, c) -> new Key(rs.getString(1), rs.getString(2), rs.getInt(3) == 1, rs.getLong(4))).list());
        DomContent listing = keys.isEmpty() ? Html.empty("No access keys yet. Clients need one to check for updates.")
                : div(table(thead(tr(th("Access key").attr("scope", "col"), th("Description").attr("scope", "col"),
                        th("State").attr("scope", "col"), th("Created").attr("scope", "col"),
                        admin ? th("Actions").attr("scope", "col") : null)),
                tbody(each(keys, (i, k) -> tr(th(code(k.accessKey())).attr("scope", "row"), td(k.description()),
                        td(k.enabled() ? Html.badge("enabled", "ok") : Html.badge("disabled", "muted")),
                        td(Html.time(k.created())),
                        admin ? td(Html.apiButton("Revoke", "DELETE", Html.API + "/access-keys/" + Html.enc(k.accessKey()),
                                "reload").withId("access-key-revoke-" + i).withClass("danger")
                                .attr("data-confirm", "Revoke access key " + k.accessKey() + "? Clients using it fail "
                                        + "from their next call.")) : null))))
                        .withId("access-keys-table").withClass("data")).withClass("table-wrap");
        return new Page("Access keys", Page.Section.ACCESS_KEYS, div(listing,
                admin ? section(h2("Create an access key").withId("access-key-create-heading"),
                        Html.apiForm("access-key-create-form", "POST", Html.API + "/access-keys", "secret:secretKey")
                                .attr("aria-labelledby", "access-key-create-heading")
                                .attr("data-secret-label", "Secret key for access key {accessKey}")
                                .with(Html.field("access-key-description", "Description (optional)", null,
                                                Html.text("description", "").attr("maxlength", "256")),
                                        Html.submit("access-key-create-submit", "Create access key")),
                        Secrets.panel())
                        .withClass("panel") : Html.readOnly("access keys")));
    }
}
