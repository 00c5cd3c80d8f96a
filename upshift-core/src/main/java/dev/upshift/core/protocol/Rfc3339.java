package dev.upshift.core.protocol;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * RFC 3339 times with an offset, as clients send them in {@code X-Timestamp} and in reports.
 *
 * <p>The shape every SDK sends, {@code 2025-02-17T10:34:55[.fraction](Z|+08:00)}, is parsed by hand: java.time's
 * formatter took about a tenth of a signed check's CPU, and as much again of a report's. Every other form goes
 * through {@link DateTimeFormatter#ISO_OFFSET_DATE_TIME}, which decides what is valid and what its error says.
 */
public final class Rfc3339 {
    private Rfc3339() {
    }

    /**
     * The instant {@code text} names; lower-case {@code t} and {@code z} are accepted, as RFC 3339 allows.
     *
     * @throws DateTimeParseException if it is not an RFC 3339 time with an offset
     */
    public static Instant parse(String text) {
        Instant common = parseCommon(text);
        if (common != null) {
            return common;
        }
        return OffsetDateTime.parse(text.toUpperCase(Locale.ROOT), DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
    }

    /** The common shape's instant, or null for anything else (other valid forms included). */
    static Instant parseCommon(String v) {
        int n = v.length();
        if (n < 20 || v.charAt(4) != '-' || v.charAt(7) != '-' || (v.charAt(10) != 'T' && v.charAt(10) != 't')
                || v.charAt(13) != ':' || v.charAt(16) != ':') {
            return null;
        }
        int year = digits(v, 0, 4);
        int month = digits(v, 5, 2);
        int day = digits(v, 8, 2);
        int hour = digits(v, 11, 2);
        int minute = digits(v, 14, 2);
        int second = digits(v, 17, 2);
        int i = 19;
        int nanos = 0;
        if (v.charAt(i) == '.') {
            int start = ++i;
            while (i < n && v.charAt(i) >= '0' && v.charAt(i) <= '9') {
                i++;
            }
            int len = i - start;
            if (len < 1 || len > 9) {
                return null;
            }
            nanos = digits(v, start, len);
            for (int k = len; k < 9; k++) {
                nanos *= 10;
            }
        }
        int offsetSeconds;
        if (i == n - 1 && (v.charAt(i) == 'Z' || v.charAt(i) == 'z')) {
            offsetSeconds = 0;
        } else if (i == n - 6 && (v.charAt(i) == '+' || v.charAt(i) == '-') && v.charAt(i + 3) == ':') {
            int oh = digits(v, i + 1, 2);
            int om = digits(v, i + 4, 2);
            if (oh < 0 || om < 0 || om > 59 || oh * 60 + om > 18 * 60) { // java.time's limit is ±18:00
                return null;
            }
            offsetSeconds = (oh * 3600 + om * 60) * (v.charAt(i) == '-' ? -1 : 1);
        } else {
            return null;
        }
        if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59
                || second < 0 || second > 59 || nanos < 0 || day > YearMonth.of(year, month).lengthOfMonth()) {
            return null;
        }
        long epochDay = LocalDate.of(year, month, day).toEpochDay();
        return Instant.ofEpochSecond(epochDay * 86_400 + hour * 3600L + minute * 60L + second - offsetSeconds, nanos);
    }

    /** The decimal number in {@code v[from, from+len)}, or -1 if any of it is not an ASCII digit. */
    private static int digits(String v, int from, int len) {
        int r = 0;
        for (int k = from; k < from + len; k++) {
            char c = v.charAt(k);
            if (c < '0' || c > '9') {
                return -1;
            }
            r = r * 10 + (c - '0');
        }
        return r;
    }
}
