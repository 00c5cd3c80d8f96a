package dev.upshift.server.console;

import static j2html.TagCreator.text;
import static j2html.TagCreator.code;
import static j2html.TagCreator.details;
import static j2html.TagCreator.div;
import static j2html.TagCreator.each;
import static j2html.TagCreator.h2;
import static j2html.TagCreator.input;
import static j2html.TagCreator.option;
import static j2html.TagCreator.p;
import static j2html.TagCreator.section;
import static j2html.TagCreator.select;
import static j2html.TagCreator.summary;
import static j2html.TagCreator.table;
import static j2html.TagCreator.tbody;
import static j2html.TagCreator.td;
import static j2html.TagCreator.th;
import static j2html.TagCreator.thead;
import static j2html.TagCreator.tr;

import dev.upshift.server.accounts.Passwords;
import dev.upshift.server.accounts.Role;
import dev.upshift.server.db.Database;
import j2html.tags.DomContent;
import j2html.tags.specialized.SelectTag;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;

/**
 * Users with their roles (admins read, the owner edits), and the signed-in user's own API tokens and
 * password. Token secrets exist only in the create answer; the script shows them once.
 */
final class AccountPages {
    /** The least role that may read the user list; the same as the admin API's {@code GET /users}. */
    static final Role USERS_READ = Role.ADMIN;

    private record User(long id, String username, String displayName, Role role, long created, Long disabled) {
    }

    private record Token(long id, String name, Role role, long created, Long expires, Long lastUsed) {
    }

    private final Database db;
    private final Clock clock;

    AccountPages(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    // ---- users ------------------------------------------------------------------------------------------------

    Page users(ConsoleRequest req) {
        boolean owner = req.can(Role.OWNER);
        List<User> users = db.jdbi().withHandle(h -> h.createQuery("SELECT id, username, display_name, role, created_at, "
                        + "disabled_at FROM users WHERE tenant_id = :t ORDER BY username")
                .bind("t", req.tenant())
                .map((rs, c) -> new User(rs.getLong(1), rs.getString(2), rs.getString(3),
                        Role.fromWireName(rs.getString(4)).orElse(Role.VIEWER), rs.getLong(5),
                        Rows.nullableLong(rs, 6)))
                .list());
        DomContent listing = div(table(thead(tr(th("Username").attr("scope", "col"),
                        th("Display name").attr("scope", "col"), th("Role").attr("scope", "col"),
                        th("State").attr("scope", "col"), th("Created").attr("scope", "col"),
                        owner ? th("Actions").attr("scope", "col") : null)),
                tbody(each(users, u -> tr(th(u.username()).attr("scope", "row"), td(u.displayName()),
                        td(u.role().wireName()),
                        td(u.disabled() == null ? Html.badge("active", "ok") : Html.badge("disabled", "muted")),
                        td(Html.time(u.created())),
                        owner ? td(userActions(req, u)) : null))))
                .withId("users-table").withClass("data")).withClass("table-wrap");
        return new Page("Users", Page.Section.USERS, div(
                p("Roles: viewer reads; publisher also publishes versions and files; admin also manages apps, "
                        + "strategies, devices and access keys; owner also manages users.").withClass("hint"),
                listing,
                owner ? createUser() : Html.readOnly("users")));
    }

    private static SelectTag roleSelect(String name, Role selected, Role highest) {
        return select(each(Arrays.stream(Role.values()).filter(r -> highest.atLeast(r)).toList(),
                r -> option(r.wireName()).withValue(r.wireName()).withCondSelected(r == selected))).withName(name);
    }

    private static DomContent userActions(ConsoleRequest req, User u) {
        String path = Html.API + "/users/" + u.id();
        String id = "user-" + u.id();
        return div(details(summary("Edit " + u.username()),
                        Html.apiForm(id + "-form", "PATCH", path, "reload").with(
                                Html.field(id + "-display-name", "Display name", null,
                                        Html.text("displayName", u.displayName()).attr("maxlength", "128")),
                                Html.field(id + "-role", "Role", null, roleSelect("role", u.role(),
                                        Role.OWNER)),
                                Html.checkbox(id + "-disabled", "disabled", "Disabled (cannot sign in)",
                                        u.disabled() != null),
                                Html.field(id + "-password", "New password (optional)", "Leave empty to keep it.",
                                        input().withType("password").withName("password").attr("autocomplete",
                                                "new-password").attr("data-type", "optional")),
                                Html.submit(id + "-save", "Save"))),
                u.id() == req.who().userId() ? null : Html.apiButton("Delete", "DELETE", path, "reload")
                        .withId(id + "-delete").withClass("danger")
                        .attr("data-confirm", "Delete user " + u.username() + "? Their sessions and tokens end."));
    }

    private static DomContent createUser() {
        return section(h2("Add a user").withId("user-create-heading"),
                Html.apiForm("user-create-form", "POST", Html.API + "/users", "reload")
                        .attr("aria-labelledby", "user-create-heading")
                        .with(Html.field("user-username", "Username", null, Html.text("username", "").isRequired()
                                        .attr("autocomplete", "off").attr("autocapitalize", "none")),
                                Html.field("user-display-name", "Display name (optional)", null,
                                        Html.text("displayName", "").attr("data-type", "optional")),
                                Html.field("user-role", "Role", null, roleSelect("role", Role.VIEWER,
                                        Role.OWNER)),
                                Html.field("user-password", "Initial password", "At least " + Passwords.MIN_LENGTH + " characters.", input().withType("password")
                                        .withName("password").isRequired().attr("autocomplete", "new-password")),
                                Html.submit("user-create-submit", "Add user")))
                .withClass("panel");
    }

    // ---- own tokens and password ------------------------------------------------------------------------------

    Page tokens(ConsoleRequest req) {
        long now = clock.millis();
        List<Token> tokens = db.jdbi().withHandle(h -> h.createQuery("SELECT id, description, role, created_at, expires_at, "
                        + "last_used_at FROM admin_tokens WHERE tenant_id = :t AND user_id = :u AND revoked_at IS NULL "
                        + "ORDER BY id")
                .bind("t", req.tenant()).bind("u", req.who().userId())
                .map((rs, c) -> new Token(rs.getLong(1), rs.getString(2) == null ? "" : rs.getString(2),
                        Role.fromWireName(rs.getString(3)).orElse(Role.VIEWER), rs.getLong(4),
                        Rows.nullableLong(rs, 5), Rows.nullableLong(rs, 6)))
                .list());
        DomContent listing = tokens.isEmpty() ? Html.empty("You have no API tokens.")
                : div(table(thead(tr(th("Name").attr("scope", "col"), th("Role").attr("scope", "col"),
                        th("Created").attr("scope", "col"), th("Expires").attr("scope", "col"),
                        th("Last used").attr("scope", "col"), th("Actions").attr("scope", "col"))),
                tbody(each(tokens, t -> tr(th(t.name()).attr("scope", "row"), td(t.role().wireName()),
                        td(Html.time(t.created())),
                        td(t.expires() == null ? Html.badge("never", "muted") : t.expires() < now
                                ? div(Html.badge("expired", "bad"), text(" "), Html.time(t.expires())) : Html.time(t.expires())),
                        td(Html.time(t.lastUsed(), "never")),
                        td(Html.apiButton("Revoke", "DELETE", Html.API + "/tokens/" + t.id(), "reload")
                                .withId("token-revoke-" + t.id()).withClass("danger")
                                .attr("data-confirm", "Revoke token " + t.name() + "? Programs using it fail at once."))))))
                        .withId("tokens-table").withClass("data")).withClass("table-wrap");
        return new Page("Your API tokens", Page.Section.TOKENS, div(
                p(text("Tokens let scripts and CI call the admin API as you ("), code("Authorization: Bearer <token>"),
                        text("), with at most your role.")).withClass("hint"),
                listing,
                section(h2("Create a token").withId("token-create-heading"),
                        Html.apiForm("token-create-form", "POST", Html.API + "/tokens", "secret:token")
                                .attr("aria-labelledby", "token-create-heading")
                                .attr("data-secret-label", "API token {name}")
                                .with(Html.field("token-name", "Name", "e.g. ci-deploy.", Html.text("name", "")
                                                .isRequired().attr("maxlength", "64")),
                                        Html.field("token-role", "Role", "At most your own role.",
                                                roleSelect("role", req.who().role(), req.who().role())),
                                        Html.field("token-expires", "Expires in days (optional)", "Empty: 90 days.",
                                                Html.number("expiresInDays", "").attr("min", "1").attr("step", "1")
                                                        .attr("data-type", "int")),
                                        Html.submit("token-create-submit", "Create token")),
                        Secrets.panel())
                        .withClass("panel"),
                section(h2("Change your password").withId("password-heading"),
                        Html.apiForm("password-form", "PUT", Html.API + "/me/password", "reload")
                                .attr("aria-labelledby", "password-heading")
                                .with(input().withType("text").attr("autocomplete", "username").withValue(req.who().name())
                                                .attr("hidden").attr("aria-hidden", "true").attr("tabindex", "-1"),
                                        Html.field("password-current", "Current password", null, input()
                                                .withType("password").withName("currentPassword").isRequired()
                                                .attr("autocomplete", "current-password")),
                                        Html.field("password-new", "New password", null, input().withType("password")
                                                .withName("newPassword").isRequired().attr("autocomplete", "new-password")),
                                        Html.submit("password-submit", "Change password")))
                        .withClass("panel")));
    }
}
