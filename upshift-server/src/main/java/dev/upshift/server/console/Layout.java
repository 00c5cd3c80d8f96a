package dev.upshift.server.console;

import static j2html.TagCreator.a;
import static j2html.TagCreator.body;
import static j2html.TagCreator.button;
import static j2html.TagCreator.div;
import static j2html.TagCreator.document;
import static j2html.TagCreator.each;
import static j2html.TagCreator.footer;
import static j2html.TagCreator.h1;
import static j2html.TagCreator.head;
import static j2html.TagCreator.header;
import static j2html.TagCreator.html;
import static j2html.TagCreator.li;
import static j2html.TagCreator.link;
import static j2html.TagCreator.main;
import static j2html.TagCreator.meta;
import static j2html.TagCreator.nav;
import static j2html.TagCreator.p;
import static j2html.TagCreator.script;
import static j2html.TagCreator.span;
import static j2html.TagCreator.title;
import static j2html.TagCreator.ul;

import dev.upshift.server.accounts.Principal;
import dev.upshift.server.accounts.Role;
import j2html.tags.DomContent;
import java.util.Arrays;

/**
 * The page shell: head with the versioned assets and the CSRF meta tag, a skip link, the header (product, main
 * navigation, who is signed in, sign-out), {@code <main>} with the page's {@code h1}, and the live regions
 * {@code console.js} announces results in. Landmarks: banner, navigation, main, contentinfo.
 */
final class Layout {
    /**
     * htmx settings: no inline indicator styles (the CSP forbids them; console.css has them), no eval and no script
     * tags from responses, same-origin requests only, and no page snapshots in localStorage (pages hold tenant
     * data; back/forward reloads instead).
     */
    private static final String HTMX_CONFIG = "{\"includeIndicatorStyles\":false,\"allowEval\":false,"
            + "\"allowScriptTags\":false,\"selfRequestsOnly\":true,\"historyCacheSize\":0,\"refreshOnHistoryMiss\":true}";

    private final ConsoleAssets assets;

    Layout(ConsoleAssets assets) {
        this.assets = assets;
    }

    /** A page for a signed-in user. */
    String page(Page page, Principal who) {
        DomContent banner = header(
                a("Upshift").withHref("/console/").withClass("brand"),
                button("Menu").withType("button").withId("nav-toggle").withClass("nav-toggle")
                        .attr("aria-expanded", "false").attr("aria-controls", "site-nav"),
                nav(ul(each(Arrays.stream(Page.Section.values())
                        .filter(s -> s != Page.Section.NONE && visible(s, who.role())).toList(),
                        s -> li(s == page.section()
                                ? a(s.label).withHref(s.href).attr("aria-current", "page")
                                : a(s.label).withHref(s.href)))))
                        .withId("site-nav").attr("aria-label", "Main"),
                div(span(who.name()).withClass("user-name"),
                        span(who.role().wireName()).withClass("badge role").attr("title", "Your role"),
                        button("Sign out").withType("button").withId("logout"))
                        .withClass("user"))
                .withClass("site-header");
        return shell(page.title(), who.csrfToken(), banner, page.content());
    }

    /** A page without a session (sign-in, first-owner setup). */
    String publicPage(String title, DomContent content) {
        DomContent banner = header(a("Upshift").withHref("/console/").withClass("brand")).withClass("site-header");
        return shell(title, "", banner, content);
    }

    /** Who sees which navigation entry; the pages check the same rule. */
    static boolean visible(Page.Section s, Role role) {
        return switch (s) {
            case AUDIT -> role.atLeast(Role.ADMIN);
            case USERS -> role.atLeast(AccountPages.USERS_READ);
            default -> true;
        };
    }

    private String shell(String title, String csrf, DomContent banner, DomContent content) {
        return document(html(
                head(meta().withCharset("utf-8"),
                        meta().withName("viewport").withContent("width=device-width, initial-scale=1"),
                        title(title + " · Upshift"),
                        meta().withName("csrf-token").withContent(csrf),
                        meta().withName("htmx-config").withContent(HTMX_CONFIG),
                        link().withRel("icon").withHref("data:,"),
                        link().withRel("stylesheet").withHref(assets.url("console.css")),
                        script().withSrc(assets.url("htmx.min.js")).attr("defer"),
                        script().withSrc(assets.url("console.js")).attr("defer")),
                body(a("Skip to main content").withHref("#main").withClass("skip-link"),
                        banner,
                        main(h1(title), content).withId("main").attr("tabindex", "-1"),
                        div().withId("status").withClass("status").attr("role", "status").attr("aria-live", "polite"),
                        div().withId("alert").withClass("alert").attr("role", "alert"),
                        footer(p("Upshift update server")).withClass("site-footer")))
                .attr("lang", "en"));
    }
}
