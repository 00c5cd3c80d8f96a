package dev.upshift.server.console;

import static j2html.TagCreator.caption;
import static j2html.TagCreator.details;
import static j2html.TagCreator.each;
import static j2html.TagCreator.figcaption;
import static j2html.TagCreator.figure;
import static j2html.TagCreator.h3;
import static j2html.TagCreator.li;
import static j2html.TagCreator.span;
import static j2html.TagCreator.table;
import static j2html.TagCreator.tag;
import static j2html.TagCreator.tbody;
import static j2html.TagCreator.td;
import static j2html.TagCreator.th;
import static j2html.TagCreator.thead;
import static j2html.TagCreator.tr;
import static j2html.TagCreator.ul;

import j2html.tags.ContainerTag;
import j2html.tags.DomContent;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Charts as inline SVG, drawn on the server: no chart library and no script. Each chart is a {@code <figure>}
 * whose SVG has {@code role="img"}, a {@code <title>} and a {@code <desc>} summarising it, a {@code <figcaption>},
 * and the same numbers as a table with headers in a {@code <details>} for screen readers and anyone who wants
 * exact values. Colours come from console.css classes ({@code s0}..{@code s5}), never inline styles (the CSP
 * forbids them).
 *
 * <p>Geometry: a fixed 400x180 view box (about one CSS pixel per unit in a half-width column) scaled to the container's width by CSS. The y axis starts at zero and ends at
 * a "nice" maximum (1, 2 or 5 times a power of ten).
 */
final class Charts {
    static final int SERIES_COLOURS = 6;
    private static final int W = 400;
    private static final int H = 180;
    private static final int LEFT = 36;
    private static final int RIGHT = 6;
    private static final int TOP = 10;
    private static final int BOTTOM = 24;

    /** One labelled value. */
    record Point(String label, long value) {
    }

    /** One stacked series: a name and a value per category (same order as the categories). */
    record Series(String name, List<Long> values) {
    }

    private Charts() {
    }

    /** Vertical bars, one per category (days), e.g. active devices per day. */
    static DomContent columns(String id, String title, String caption, String categoryHeader, String valueHeader,
                              List<Point> points) {
        List<String> cats = points.stream().map(Point::label).toList();
        return stacked(id, title, caption, categoryHeader, cats,
                List.of(new Series(valueHeader, points.stream().map(Point::value).toList())));
    }

    /** Stacked vertical bars: one column per category, one coloured segment per series. */
    static DomContent stacked(String id, String title, String caption, String categoryHeader, List<String> categories,
                              List<Series> series) {
        long[] totals = new long[categories.size()];
        for (Series s : series) {
            for (int i = 0; i < categories.size(); i++) {
                totals[i] += s.values().get(i);
            }
        }
        long max = 0;
        for (long t : totals) {
            max = Math.max(max, t);
        }
        long top = niceMax(max);
        double plotW = W - LEFT - RIGHT;
        double plotH = H - TOP - BOTTOM;
        int n = Math.max(1, categories.size());
        double slot = plotW / n;
        double barW = Math.max(1, slot * 0.8);
        ContainerTag<?> svg = svg(id, title, summary(categories, series, totals, max));
        svg.with(axes(top, plotH));
        int labelEvery = Math.max(1, (int) Math.ceil(n / 8.0));
        for (int i = 0; i < categories.size(); i++) {
            double x = LEFT + i * slot + (slot - barW) / 2;
            double yBase = TOP + plotH;
            for (int s = 0; s < series.size(); s++) {
                long v = series.get(s).values().get(i);
                if (v == 0) {
                    continue;
                }
                double h = plotH * v / top;
                yBase -= h;
                svg.with(tag("rect").withClass("bar s" + (s % SERIES_COLOURS)).attr("x", fmt(x)).attr("y", fmt(yBase))
                        .attr("width", fmt(barW)).attr("height", fmt(h))
                        .with(tag("title").withText(categories.get(i) + ", " + series.get(s).name() + ": " + v)));
            }
            if (i % labelEvery == 0) {
                svg.with(tag("text").withClass("tick").attr("x", fmt(x + barW / 2)).attr("y", H - BOTTOM + 15)
                        .attr("text-anchor", "middle").withText(shortLabel(categories.get(i))));
            }
        }
        List<DomContent> headers = new ArrayList<>();
        headers.add(th(categoryHeader).attr("scope", "col"));
        series.forEach(s -> headers.add(th(s.name()).attr("scope", "col")));
        if (series.size() > 1) {
            headers.add(th("Total").attr("scope", "col"));
        }
        List<DomContent> rows = new ArrayList<>();
        for (int i = 0; i < categories.size(); i++) {
            List<DomContent> cells = new ArrayList<>();
            cells.add(th(categories.get(i)).attr("scope", "row"));
            for (Series s : series) {
                cells.add(td(Long.toString(s.values().get(i))).withClass("num"));
            }
            if (series.size() > 1) {
                cells.add(td(Long.toString(totals[i])).withClass("num"));
            }
            rows.add(tr(each(cells.stream())));
        }
        return figure(h3(title), svg, series.size() > 1 ? legend(series) : null, figcaption(caption),
                dataTable(title, thead(tr(each(headers.stream()))), rows))
                .withClass("chart").withId(id);
    }

    /** Horizontal bars, one per labelled value, e.g. the update funnel or failures by code. */
    static DomContent rows(String id, String title, String caption, String labelHeader, String valueHeader,
                           List<Point> points) {
        long max = points.stream().mapToLong(Point::value).max().orElse(0);
        long top = niceMax(max);
        int rowH = 24;
        int height = TOP + rowH * Math.max(1, points.size()) + 8;
        int left = 92;
        double plotW = W - left - 48;
        StringBuilder desc = new StringBuilder();
        points.forEach(p -> desc.append(desc.length() == 0 ? "" : ", ").append(p.label()).append(' ').append(p.value()));
        ContainerTag<?> svg = tag("svg").attr("viewBox", "0 0 " + W + " " + height).attr("role", "img")
                .attr("aria-labelledby", id + "-title " + id + "-desc").withClass("chart-svg")
                .with(tag("title").withId(id + "-title").withText(title),
                        tag("desc").withId(id + "-desc").withText(desc.length() == 0 ? "No data." : desc + "."));
        for (int i = 0; i < points.size(); i++) {
            Point p = points.get(i);
            double y = TOP + i * rowH;
            double w = plotW * p.value() / top;
            svg.with(tag("text").withClass("tick").attr("x", left - 8).attr("y", fmt(y + rowH * 0.62))
                            .attr("text-anchor", "end").withText(p.label()),
                    tag("rect").withClass("bar s" + (i % SERIES_COLOURS)).attr("x", left).attr("y", fmt(y + 4))
                            .attr("width", fmt(Math.max(p.value() > 0 ? 1 : 0, w))).attr("height", rowH - 8)
                            .with(tag("title").withText(p.label() + ": " + p.value())),
                    tag("text").withClass("value").attr("x", fmt(left + w + 6)).attr("y", fmt(y + rowH * 0.62))
                            .withText(Long.toString(p.value())));
        }
        List<DomContent> rows = points.stream().<DomContent>map(p -> tr(th(p.label()).attr("scope", "row"),
                td(Long.toString(p.value())).withClass("num"))).toList();
        return figure(h3(title), svg, figcaption(caption),
                dataTable(title, thead(tr(th(labelHeader).attr("scope", "col"), th(valueHeader).attr("scope", "col"))),
                        rows))
                .withClass("chart").withId(id);
    }

    private static ContainerTag<?> svg(String id, String title, String desc) {
        return tag("svg").attr("viewBox", "0 0 " + W + " " + H).attr("role", "img")
                .attr("aria-labelledby", id + "-title " + id + "-desc").withClass("chart-svg")
                .with(tag("title").withId(id + "-title").withText(title),
                        tag("desc").withId(id + "-desc").withText(desc));
    }

    private static DomContent axes(long top, double plotH) {
        List<DomContent> parts = new ArrayList<>();
        for (int k = 0; k <= 2; k++) {
            double v = top * k / 2.0;
            double y = TOP + plotH - plotH * k / 2;
            parts.add(tag("line").withClass(k == 0 ? "axis" : "grid").attr("x1", LEFT).attr("x2", W - RIGHT)
                    .attr("y1", fmt(y)).attr("y2", fmt(y)));
            parts.add(tag("text").withClass("tick").attr("x", LEFT - 6).attr("y", fmt(y + 4))
                    .attr("text-anchor", "end").withText(v == Math.rint(v) ? Long.toString((long) v) : fmt(v)));
        }
        return each(parts.stream());
    }

    private static DomContent legend(List<Series> series) {
        List<DomContent> items = new ArrayList<>();
        for (int s = 0; s < series.size(); s++) {
            items.add(li(span().withClass("swatch s" + (s % SERIES_COLOURS)).attr("aria-hidden", "true"),
                    span(series.get(s).name())));
        }
        return ul(each(items.stream())).withClass("legend").attr("aria-label", "Legend");
    }

    private static DomContent dataTable(String title, DomContent head, List<DomContent> rows) {
        return details(j2html.TagCreator.summary("Data table: " + title),
                table(caption(title), head, tbody(each(rows.stream()))).withClass("data"));
    }

    private static String summary(List<String> categories, List<Series> series, long[] totals, long max) {
        if (categories.isEmpty()) {
            return "No data.";
        }
        long sum = 0;
        for (long t : totals) {
            sum += t;
        }
        return categories.size() + " columns from " + categories.get(0) + " to " + categories.get(categories.size() - 1)
                + "; total " + sum + ", highest " + max + (series.size() > 1 ? "; " + series.size() + " series" : "")
                + ".";
    }

    /** The smallest 1, 2 or 5 times a power of ten at or above {@code max} (at least 1). */
    static long niceMax(long max) {
        if (max <= 1) {
            return 1;
        }
        long p = 1;
        while (p * 10 < max) {
            p *= 10;
        }
        for (long m : new long[]{1, 2, 5, 10}) {
            if (p * m >= max) {
                return p * m;
            }
        }
        return p * 10;
    }

    /** Days as {@code MM-DD} under the bars (the table has the full date). */
    private static String shortLabel(String label) {
        return label.matches("\\d{4}-\\d{2}-\\d{2}") ? label.substring(5) : label;
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }
}
