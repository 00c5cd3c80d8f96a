package dev.upshift.server.artifacts;

import java.util.ArrayList;
import java.util.List;

/**
 * Parses a {@code Range} header (RFC 9110 §14.1.2) against a file size, with the limits that keep a multi-range
 * answer cheap and bounded.
 *
 * <p>Policy (every case RFC 9110 §14.2 allows, since a server may ignore {@code Range}):
 * <ul>
 *   <li>not {@code bytes=}, or any malformed spec: {@link Result#IGNORE} (the whole file, 200);</li>
 *   <li>more than {@link #MAX_RANGES} specs: {@code IGNORE} (200);</li>
 *   <li>satisfiable ranges that are not in ascending order or that overlap: {@code IGNORE} (200). Clients that
 *       want several ranges (electron-updater's differential download) ask for them sorted and disjoint, so this
 *       refuses only abuse, and the answer can never be larger than the file plus part headers;</li>
 *   <li>no satisfiable spec at all: {@link Result#unsatisfiable()} (416, with a {@code Content-Range} that names only the size);</li>
 *   <li>otherwise the satisfiable ranges, clamped to the file (unsatisfiable specs among them are dropped).</li>
 * </ul>
 */
final class ByteRanges {
    /** Most ranges answered in one multipart response. */
    static final int MAX_RANGES = 200;

    private ByteRanges() {
    }

    /** One inclusive byte range. */
    record Range(long start, long end) {
        long length() {
            return end - start + 1;
        }
    }

    /** The parsed header: ignore it, answer 416, or send these ranges. */
    record Result(boolean ignore, List<Range> ranges) {
        static final Result IGNORE = new Result(true, List.of());

        static Result unsatisfiable() {
            return new Result(false, List.of());
        }

        boolean isUnsatisfiable() {
            return !ignore && ranges.isEmpty();
        }
    }

    static Result parse(String header, long size) {
        String h = header.trim();
        if (!h.regionMatches(true, 0, "bytes=", 0, 6)) {
            return Result.IGNORE;
        }
        String[] specs = h.substring(6).split(",", -1);
        if (specs.length > MAX_RANGES) {
            return Result.IGNORE;
        }
        List<Range> ranges = new ArrayList<>();
        int nonEmpty = 0;
        for (String raw : specs) {
            String spec = raw.trim();
            if (spec.isEmpty()) {
                continue; // list syntax allows empty elements
            }
            nonEmpty++;
            long[] r = parseOne(spec, size);
            if (r == null) {
                return Result.IGNORE;
            }
            if (r.length == 2) {
                Range range = new Range(r[0], r[1]);
                if (!ranges.isEmpty() && range.start() <= ranges.get(ranges.size() - 1).end()) {
                    return Result.IGNORE; // unsorted or overlapping
                }
                ranges.add(range);
            }
        }
        if (nonEmpty == 0) {
            return Result.IGNORE;
        }
        return ranges.isEmpty() ? Result.unsatisfiable() : new Result(false, List.copyOf(ranges));
    }

    /** @return {start, end} clamped; an empty array when unsatisfiable; null when malformed */
    private static long[] parseOne(String spec, long size) {
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return null;
        }
        String a = spec.substring(0, dash).trim();
        String b = spec.substring(dash + 1).trim();
        if (!digits(a) || !digits(b) || (a.isEmpty() && b.isEmpty())) {
            return null;
        }
        try {
            if (a.isEmpty()) {
                long suffix = Long.parseLong(b);
                if (suffix == 0 || size == 0) {
                    return new long[0];
                }
                return new long[]{Math.max(0, size - suffix), size - 1};
            }
            long start = Long.parseLong(a);
            long end = b.isEmpty() ? Long.MAX_VALUE : Long.parseLong(b);
            if (end < start) {
                return null;
            }
            if (start >= size) {
                return new long[0];
            }
            return new long[]{start, Math.min(end, size - 1)};
        } catch (NumberFormatException e) {
            return null; // more digits than a long holds
        }
    }

    private static boolean digits(String s) {
        return s.chars().allMatch(c -> c >= '0' && c <= '9');
    }
}
