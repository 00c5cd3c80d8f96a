package dev.upshift.server.console;

import j2html.tags.DomContent;

/**
 * What a console view renders: the page title (also its {@code h1}), the nav section it belongs to, the content of
 * {@code <main>}, and optionally the fragment an htmx request asks for instead of the whole page.
 *
 * @param partial the fragment for {@code HX-Request}s (the audit table), or null when the view has none
 */
record Page(String title, Section section, DomContent content, DomContent partial) {

    Page(String title, Section section, DomContent content) {
        this(title, section, content, null);
    }

    /** The entries of the main navigation, in their order. */
    enum Section {
        APPS("Apps", "/console/"),
        DEVICES("Devices", "/console/devices"),
        ACCESS_KEYS("Access keys", "/console/access-keys"),
        USERS("Users", "/console/users"),
        TOKENS("Tokens", "/console/tokens"),
        AUDIT("Audit log", "/console/audit"),
        NONE("", "");

        final String label;
        final String href;

        Section(String label, String href) {
            this.label = label;
            this.href = href;
        }
    }
}
