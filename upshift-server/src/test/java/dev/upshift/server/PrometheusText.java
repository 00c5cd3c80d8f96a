package dev.upshift.server;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * A strict reader of the Prometheus text exposition format (0.0.4), for tests: every line must be a comment, a
 * {@code # HELP}/{@code # TYPE} line or a sample {@code name{label="value",...} value}, or parsing fails.
 */
final class PrometheusText {
    record Sample(String name, Map<String, String> labels, double value) {
    }

    final Map<String, String> types = new LinkedHashMap<>();
    final List<Sample> samples = new ArrayList<>();

    static PrometheusText parse(String text) {
        PrometheusText p = new PrometheusText();
        int lineNo = 0;
        for (String line : text.split("\n", -1)) {
            lineNo++;
            if (line.isEmpty()) {
                continue;
            }
            try {
                p.line(line);
            } catch (RuntimeException e) {
                throw new AssertionError("line " + lineNo + " is not Prometheus text: " + line, e);
            }
        }
        return p;
    }

    private void line(String line) {
        if (line.startsWith("# TYPE ")) {
            String[] parts = line.substring(7).split(" ");
            if (parts.length != 2 || !parts[1].matches("counter|gauge|histogram|summary|untyped")) {
                throw new IllegalArgumentException("bad TYPE");
            }
            requireName(parts[0]);
            types.put(parts[0], parts[1]);
            return;
        }
        if (line.startsWith("#")) {
            return; // HELP and plain comments
        }
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
            i++;
        }
        String name = requireName(line.substring(0, i));
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf('=', i);
                String label = requireName(line.substring(i, eq));
                if (line.charAt(eq + 1) != '"') {
                    throw new IllegalArgumentException("label value not quoted");
                }
                StringBuilder value = new StringBuilder();
                int j = eq + 2;
                for (; line.charAt(j) != '"'; j++) {
                    char c = line.charAt(j);
                    if (c == '\\') {
                        char n = line.charAt(++j);
                        value.append(n == 'n' ? '\n' : n);
                    } else {
                        value.append(c);
                    }
                }
                labels.put(label, value.toString());
                i = j + 1;
                if (line.charAt(i) == ',') {
                    i++;
                }
            }
            i++;
        }
        if (line.charAt(i) != ' ') {
            throw new IllegalArgumentException("no space before the value");
        }
        String[] rest = line.substring(i + 1).split(" ");
        if (rest.length > 2) {
            throw new IllegalArgumentException("trailing text");
        }
        samples.add(new Sample(name, labels, value(rest[0])));
    }

    private static double value(String s) {
        return switch (s) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(s);
        };
    }

    private static String requireName(String s) {
        if (!s.matches("[a-zA-Z_:][a-zA-Z0-9_:]*")) {
            throw new IllegalArgumentException("bad name '" + s + "'");
        }
        return s;
    }

    /** The value of the one sample with this name whose labels include {@code labels}, if there is one. */
    OptionalDouble value(String name, Map<String, String> labels) {
        List<Sample> found = samples.stream()
                .filter(s -> s.name().equals(name) && s.labels().entrySet().containsAll(labels.entrySet()))
                .toList();
        if (found.size() > 1) {
            throw new AssertionError(found.size() + " samples match " + name + labels + ": " + found);
        }
        return found.isEmpty() ? OptionalDouble.empty() : OptionalDouble.of(found.get(0).value());
    }

    List<Sample> named(String name) {
        return samples.stream().filter(s -> s.name().equals(name)).toList();
    }
}
