package dev.upshift.server.console;

import static j2html.TagCreator.button;
import static j2html.TagCreator.div;
import static j2html.TagCreator.input;
import static j2html.TagCreator.label;
import static j2html.TagCreator.p;
import static j2html.TagCreator.span;

import j2html.tags.DomContent;
import j2html.tags.Tag;
import j2html.tags.specialized.ButtonTag;
import j2html.tags.specialized.FormTag;
import j2html.tags.specialized.InputTag;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Small builders the console pages share. Every text and attribute goes through j2html, which escapes it; nothing
 * here writes raw HTML. Writes are declared as data attributes that {@code console.js} turns into admin API calls:
 * <ul>
 *   <li>{@code <form data-api-form data-method data-path data-success>}: the form's named fields as JSON;
 *   <li>{@code <button data-api-button data-method data-path [data-confirm] [data-prompt] data-success>}: one call,
 *       optionally after a confirmation or with a {@code reason} asked for;
 *   <li>{@code data-success}: {@code reload}, {@code redirect:<url>} ({@code {field}} is replaced from the answer),
 *       or {@code secret:<field>} (shows that field of the answer once).
 * </ul>
 */
final class Html {
    static final String API = "/api/admin/v1";
    private static final DateTimeFormatter SHOWN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
            .withZone(ZoneOffset.UTC);

    private Html() {
    }

    /** A labelled field: label, optional hint (linked with aria-describedby), then the control. */
    static DomContent field(String id, String label, String hint, Tag<?> control) {
        control.withId(id);
        if (hint != null) {
            control.attr("aria-describedby", id + "-hint");
        }
        return div(label(label).withFor(id), hint == null ? null : p(hint).withId(id + "-hint").withClass("hint"),
                control).withClass("field");
    }

    /** A checkbox with its label after it. */
    static DomContent checkbox(String id, String name, String label, boolean checked) {
        return div(input().withType("checkbox").withId(id).withName(name).attr("data-type", "bool")
                .withCondChecked(checked), label(label).withFor(id)).withClass("field check");
    }

    /** A text input; an empty name leaves it out of the form's JSON (the script reads such inputs by id). */
    static InputTag text(String name, String value) {
        InputTag t = input().withType("text").withValue(value == null ? "" : value);
        return name.isEmpty() ? t : t.withName(name);
    }

    static InputTag number(String name, String value) {
        InputTag t = input().withType("number").withValue(value == null ? "" : value);
        return name.isEmpty() ? t : t.withName(name);
    }

    /** A form whose submit sends its fields as JSON to an admin API route. */
    static FormTag apiForm(String id, String method, String path, String success) {
        return j2html.TagCreator.form().withId(id).attr("data-api-form").attr("data-method", method)
                .attr("data-path", path).attr("data-success", success).attr("novalidate");
    }

    /** A button that makes one admin API call. */
    static ButtonTag apiButton(String text, String method, String path, String success) {
        return button(text).withType("button").attr("data-api-button").attr("data-method", method)
                .attr("data-path", path).attr("data-success", success);
    }

    static ButtonTag submit(String id, String text) {
        return button(text).withType("submit").withId(id).withClass("primary");
    }

    /** A point in time as {@code <time>}: readable text, machine-readable attribute. */
    static DomContent time(long epochMillis) {
        Instant t = Instant.ofEpochMilli(epochMillis);
        return j2html.TagCreator.time(SHOWN.format(t)).attr("datetime", t.toString());
    }

    /** Same as {@link #time(long)} for a nullable column; "never" for null. */
    static DomContent time(Long epochMillis, String none) {
        return epochMillis == null ? span(none).withClass("muted") : time(epochMillis);
    }

    /** A status badge; the text says the state, the class only colours it. */
    static DomContent badge(String text, String kind) {
        return span(text).withClass("badge " + kind);
    }

    /** An empty-state paragraph. */
    static DomContent empty(String text) {
        return p(text).withClass("empty");
    }

    /** A note explaining why a control is missing for this role. */
    static DomContent readOnly(String what) {
        return p("Your role can read " + what + " but not change them.").withClass("note");
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
