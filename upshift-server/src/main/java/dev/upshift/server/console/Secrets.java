package dev.upshift.server.console;

import static j2html.TagCreator.text;
import static j2html.TagCreator.button;
import static j2html.TagCreator.code;
import static j2html.TagCreator.div;
import static j2html.TagCreator.h3;
import static j2html.TagCreator.p;
import static j2html.TagCreator.strong;

import j2html.tags.DomContent;

/**
 * The empty panel a create form fills with a secret shown only once (access key secret, API token). The server
 * never renders a secret into a page: the script writes the API answer's field into {@code #secret-value} as text,
 * and "Done" clears it and reloads the list.
 */
final class Secrets {
    private Secrets() {
    }

    static DomContent panel() {
        return div(h3("Copy it now").withId("secret-heading"),
                p(strong("This secret is shown only once."), text(" Store it in your secret manager now; Upshift will not "
                        + "show it again.")).withClass("warning"),
                p().withId("secret-label"),
                code().withId("secret-value").withClass("secret"),
                div(button("Copy").withType("button").withId("secret-copy").attr("data-copy", "secret-value"),
                        button("Done").withType("button").withId("secret-dismiss")).withClass("actions"))
                .withId("secret-panel").withClass("secret-panel").attr("hidden").attr("tabindex", "-1")
                .attr("aria-labelledby", "secret-heading");
    }
}
