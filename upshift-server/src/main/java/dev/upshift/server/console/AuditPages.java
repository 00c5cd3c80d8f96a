package dev.upshift.server.console;

import static j2html.TagCreator.text;
import static j2html.TagCreator.a;
import static j2html.TagCreator.button;
import static j2html.TagCreator.code;
import static j2html.TagCreator.datalist;
import static j2html.TagCreator.div;
import static j2html.TagCreator.each;
import static j2html.TagCreator.form;
import static j2html.TagCreator.input;
import static j2html.TagCreator.option;
import static j2html.TagCreator.p;
import static j2html.TagCreator.table;
import static j2html.TagCreator.tbody;
import static j2html.TagCreator.td;
import static j2html.TagCreator.th;
import static j2html.TagCreator.thead;
import static j2html.TagCreator.tr;

import dev.upshift.server.db.Database;
import j2html.tags.DomContent;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import org.jdbi.v3.core.statement.Query;

/**
 * The audit log: filters (action, actor, target, UTC date range), newest first, paged with {@code before}. The filter
 * form works without script (a GET); with htmx it fetches only {@code #audit-results} and pushes the URL, so the
 * address bar always names what is shown and reloading or sharing it gives the same page. Export links go to the
 * admin API's CSV and JSON-lines export with the same filters.
 */
final class AuditPages {
    static final int PAGE = 50;
    private static final List<String> FILTERS = List.of("action", "actor", "targetType", "targetId", "from", "to");

    private record Entry(long id, long at, String actor, String ip, String action, String targetType, String targetId,
                         String detail) {
    }

    private final Database db;

    AuditPages(Database db) {
        this.db = db;
    }

    Page list(ConsoleRequest req) {
        Map<String, String> f = new LinkedHashMap<>();
        FILTERS.forEach(k -> {
            if (!req.query(k).isEmpty()) {
                f.put(k, req.query(k));
            }
        });
        Long from = day(f.get("from"), "from", 0);
        Long to = day(f.get("to"), "to", 1);
        long before = Long.MAX_VALUE;
        if (!req.query("before").isEmpty()) {
            try {
                before = Long.parseLong(req.query("before"));
            } catch (NumberFormatException e) {
                throw ConsoleException.badRequest("'before' must be an entry id.");
            }
        }
        long beforeId = before;
        List<Entry> rows = db.jdbi().withHandle(h -> {
            StringBuilder sql = new StringBuilder("SELECT id, at, actor, ip, action, target_type, target_id, detail "
                    + "FROM audit_log WHERE tenant_id = :t AND id < :before");
            if (f.containsKey("action")) {
                sql.append(" AND action = :action");
            }
            if (f.containsKey("actor")) {
                sql.append(" AND actor = :actor");
            }
            if (f.containsKey("targetType")) {
                sql.append(" AND target_type = :targetType");
            }
            if (f.containsKey("targetId")) {
                sql.append(" AND target_id = :targetId");
            }
            if (from != null) {
                sql.append(" AND at >= :from");
            }
            if (to != null) {
                sql.append(" AND at < :to");
            }
            sql.append(" ORDER BY id DESC LIMIT ").append(PAGE + 1);
            Query q = h.createQuery(sql.toString()).bind("t", req.tenant()).bind("before", beforeId);
            for (String k : List.of("action", "actor", "targetType", "targetId")) {
                if (f.containsKey(k)) {
                    q.bind(k, f.get(k));
                }
            }
            if (from != null) {
                q.bind("from", from);
            }
            if (to != null) {
                q.bind("to", to);
            }
            return q.map((rs, c) -> new Entry(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4),
                    rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8))).list();
        });
        List<String> actions = db.jdbi().withHandle(h -> h.createQuery("SELECT DISTINCT action FROM audit_log "
                + "WHERE tenant_id = :t ORDER BY action").bind("t", req.tenant()).mapTo(String.class).list());
        DomContent results = results(rows, f);
        return new Page("Audit log", Page.Section.AUDIT, div(filterForm(f, actions), results), results);
    }

    /** A UTC day as epoch millis: its start ({@code plusDays} 0) or the next day's start (1, for an inclusive end). */
    private static Long day(String text, String name, int plusDays) {
        if (text == null) {
            return null;
        }
        try {
            return LocalDate.parse(text).plusDays(plusDays).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            throw ConsoleException.badRequest("'" + name + "' must be a date such as 2026-01-31.");
        }
    }

    private static DomContent filterForm(Map<String, String> f, List<String> actions) {
        return form(div(
                        Html.field("audit-action", "Action", null, Html.text("action", f.get("action"))
                                .attr("list", "audit-actions")),
                        datalist(each(actions, x -> option().withValue(x))).withId("audit-actions"),
                        Html.field("audit-actor", "Actor", null, Html.text("actor", f.get("actor"))),
                        Html.field("audit-target-type", "Target type", null, Html.text("targetType", f.get("targetType"))),
                        Html.field("audit-target-id", "Target id", null, Html.text("targetId", f.get("targetId"))),
                        Html.field("audit-from", "From (UTC)", null, input().withType("date").withName("from")
                                .withValue(f.getOrDefault("from", ""))),
                        Html.field("audit-to", "To (UTC, inclusive)", null, input().withType("date").withName("to")
                                .withValue(f.getOrDefault("to", ""))))
                        .withClass("filters"),
                div(button("Filter").withType("submit").withClass("primary").withId("audit-submit"),
                        a("Clear").withHref("/console/audit").withClass("button")).withClass("actions"))
                .withId("audit-filter").withMethod("get").withAction("/console/audit")
                .attr("hx-get", "/console/audit").attr("hx-target", "#audit-results").attr("hx-swap", "outerHTML")
                .attr("hx-push-url", "true").attr("aria-label", "Filter the audit log");
    }

    private static DomContent results(List<Entry> rows, Map<String, String> f) {
        boolean more = rows.size() > PAGE;
        List<Entry> shown = more ? rows.subList(0, PAGE) : rows;
        String query = query(f);
        DomContent table = shown.isEmpty() ? Html.empty("No audit entries match.")
                : div(table(thead(tr(th("When").attr("scope", "col"), th("Actor").attr("scope", "col"),
                        th("IP").attr("scope", "col"), th("Action").attr("scope", "col"),
                        th("Target").attr("scope", "col"), th("Detail").attr("scope", "col"))),
                tbody(each(shown, e -> tr(td(Html.time(e.at())), td(e.actor()), td(e.ip() == null ? "" : e.ip()),
                        th(e.action()).attr("scope", "row"), td(e.targetType() + " " + e.targetId()),
                        td(code(e.detail()).withClass("detail"))))))
                        .withId("audit-table").withClass("data")).withClass("table-wrap");
        List<DomContent> nav = new ArrayList<>();
        if (more) {
            String older = "/console/audit?" + query + (query.isEmpty() ? "" : "&") + "before="
                    + shown.get(shown.size() - 1).id();
            nav.add(a("Older entries").withHref(older).withId("audit-older").withClass("button")
                    .attr("hx-get", older).attr("hx-target", "#audit-results").attr("hx-swap", "outerHTML")
                    .attr("hx-push-url", "true"));
        }
        nav.add(a("Newest").withHref("/console/audit" + (query.isEmpty() ? "" : "?" + query)).withClass("button"));
        String exportQuery = exportQuery(f);
        String export = Html.API + "/audit-log/export?" + exportQuery + (exportQuery.isEmpty() ? "" : "&") + "format=";
        return div(p(shown.size() + (more ? "+ entries" : " entries") + ", newest first.").withClass("hint")
                        .attr("aria-live", "polite"),
                table,
                div(each(nav.stream())).withClass("actions"),
                p(text("Export with these filters: "), a("CSV").withHref(export + "csv").withId("audit-export-csv"), text(" · "),
                        a("JSON lines").withHref(export + "jsonl").withId("audit-export-jsonl")).withClass("exports"))
                .withId("audit-results");
    }

    /** The filters as the export route takes them: days become RFC 3339 instants, the end day inclusive. */
    private static String exportQuery(Map<String, String> f) {
        Map<String, String> api = new LinkedHashMap<>(f);
        if (f.containsKey("from")) {
            api.put("from", f.get("from") + "T00:00:00Z");
        }
        if (f.containsKey("to")) {
            api.put("to", f.get("to") + "T23:59:59.999Z");
        }
        return query(api);
    }

    private static String query(Map<String, String> f) {
        StringJoiner j = new StringJoiner("&");
        f.forEach((k, v) -> j.add(k + "=" + Html.enc(v)));
        return j.toString();
    }
}
