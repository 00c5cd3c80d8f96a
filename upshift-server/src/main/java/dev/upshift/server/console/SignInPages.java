package dev.upshift.server.console;

import static j2html.TagCreator.text;
import static j2html.TagCreator.div;
import static j2html.TagCreator.input;
import static j2html.TagCreator.p;
import static j2html.TagCreator.strong;

import dev.upshift.server.accounts.Passwords;

/**
 * The two pages without a session. Both post to the admin API from {@code console.js} ({@code POST /session},
 * {@code POST /setup}), which sets the session cookie; the pages show the API's message when it refuses.
 *
 * <p>Setup: the start-up banner prints {@code http://host:port/console/setup#code=<setup code>}. The code travels in
 * the URL fragment, which browsers never send to a server; the script copies it into the field and removes it
 * from the address bar.
 */
final class SignInPages {
    private final Layout layout;

    SignInPages(Layout layout) {
        this.layout = layout;
    }

    String login() {
        return layout.publicPage("Sign in", div(
                Html.apiForm("login-form", "POST", Html.API + "/session", "login")
                        .with(Html.field("login-username", "Username", null,
                                        Html.text("username", "").isRequired().attr("autocomplete", "username")
                                                .attr("autocapitalize", "none").attr("spellcheck", "false")),
                                Html.field("login-password", "Password", null,
                                        input().withType("password").withName("password").isRequired()
                                                .attr("autocomplete", "current-password")),
                                p().withId("login-error").withClass("form-error").attr("role", "alert"),
                                Html.submit("login-submit", "Sign in")))
                .withClass("narrow"));
    }

    String setup() {
        return layout.publicPage("Set up Upshift", div(
                p("Create the first owner account. The setup code is the one the server printed at its first start "
                        + "(the link it printed fills it in for you)."),
                Html.apiForm("setup-form", "POST", Html.API + "/setup", "login")
                        .with(Html.field("setup-code", "Setup code", "Printed by the server at first start; also in "
                                                + "<data-dir>/admin-token.",
                                        input().withType("password").withName("setupCode").isRequired()
                                                .attr("autocomplete", "off")),
                                Html.field("setup-username", "Username", null,
                                        Html.text("username", "").isRequired().attr("autocomplete", "username")
                                                .attr("autocapitalize", "none").attr("spellcheck", "false")),
                                Html.field("setup-display-name", "Display name (optional)", null,
                                        Html.text("displayName", "").attr("autocomplete", "name")
                                                .attr("data-type", "optional")),
                                Html.field("setup-password", "Password", "At least " + Passwords.MIN_LENGTH
                                                + " characters; a phrase of several words works well.",
                                        input().withType("password").withName("password").isRequired()
                                                .attr("autocomplete", "new-password")),
                                p().withId("setup-error").withClass("form-error").attr("role", "alert"),
                                Html.submit("setup-submit", "Create owner and sign in")),
                p(strong("Keep the setup code secret."), text(" Anyone who has it can create the owner until setup is done.")))
                .withClass("narrow"));
    }
}
