package dev.upshift.core.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The hand-written parser of the common RFC 3339 shape against java.time's ISO parser, on seeded random inputs:
 * every well-formed timestamp is parsed by the fast path, and whatever the fast path accepts, java.time parses to
 * the same instant (so mutated, half-valid inputs can only fall through to the old parser and its error).
 */
class Rfc3339Test {
    private static Instant reference(String v) {
        try {
            return OffsetDateTime.parse(v.toUpperCase(Locale.ROOT), DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static String wellFormed(Random r) {
        Instant at = Instant.ofEpochSecond(r.nextLong(0, 4_102_444_800L)); // 1970 .. 2100
        int offsetMinutes = r.nextInt(-18 * 60, 18 * 60 + 1);
        OffsetDateTime t = at.atOffset(ZoneOffset.ofTotalSeconds(offsetMinutes * 60));
        StringBuilder s = new StringBuilder(String.format("%04d-%02d-%02d%c%02d:%02d:%02d", t.getYear(),
                t.getMonthValue(), t.getDayOfMonth(), r.nextInt(10) == 0 ? 't' : 'T', t.getHour(), t.getMinute(),
                t.getSecond()));
        if (r.nextBoolean()) {
            int digits = 1 + r.nextInt(9);
            s.append('.');
            for (int i = 0; i < digits; i++) {
                s.append((char) ('0' + r.nextInt(10)));
            }
        }
        if (offsetMinutes == 0 && r.nextBoolean()) {
            s.append(r.nextBoolean() ? 'Z' : 'z');
        } else {
            int abs = Math.abs(offsetMinutes);
            s.append(offsetMinutes < 0 ? '-' : '+').append(String.format("%02d:%02d", abs / 60, abs % 60));
        }
        return s.toString();
    }

    @Test
    void everyWellFormedTimestampTakesTheFastPathWithTheSameInstant() {
        Random r = new Random(20261205);
        for (int i = 0; i < 100_000; i++) {
            String v = wellFormed(r);
            Instant fast = Rfc3339.parseCommon(v);
            assertThat(fast).as(v).isNotNull().isEqualTo(reference(v));
        }
    }

    @Test
    void mutatedTimestampsAreEitherParsedIdenticallyOrLeftToJavaTime() {
        Random r = new Random(7);
        String alphabet = "0123456789-+:.TtZz ";
        for (int i = 0; i < 200_000; i++) {
            StringBuilder v = new StringBuilder(wellFormed(r));
            int edits = 1 + r.nextInt(3);
            for (int e = 0; e < edits && v.length() > 0; e++) {
                int at = r.nextInt(v.length());
                switch (r.nextInt(3)) {
                    case 0 -> v.setCharAt(at, alphabet.charAt(r.nextInt(alphabet.length())));
                    case 1 -> v.deleteCharAt(at);
                    default -> v.insert(at, alphabet.charAt(r.nextInt(alphabet.length())));
                }
            }
            String s = v.toString();
            Instant fast = Rfc3339.parseCommon(s);
            if (fast != null) {
                assertThat(fast).as(s).isEqualTo(reference(s));
            }
        }
    }

    @Test
    void impossibleDatesAndTimesAreNotTakenByTheFastPath() {
        for (String v : new String[]{"2025-02-29T10:00:00Z", "2025-13-01T10:00:00Z", "2025-04-31T10:00:00Z",
                "2025-01-01T24:00:00Z", "2025-01-01T10:60:00Z", "2025-01-01T10:00:60Z", "2025-01-01T10:00:00+19:00",
                "2025-01-01T10:00:00.Z", "2025-01-01T10:00:00.1234567890Z", "2025-01-01 10:00:00Z"}) {
            assertThat(Rfc3339.parseCommon(v)).as(v).isNull();
        }
        assertThat(Rfc3339.parseCommon("2024-02-29T23:59:59.5-08:00"))
                .isEqualTo(Instant.parse("2024-03-01T07:59:59.5Z"));
    }

    @Test
    void parseTakesOtherValidFormsThroughJavaTimeAndRefusesWhatItRefuses() {
        assertThat(Rfc3339.parse("2025-01-01T10:00Z")).isEqualTo(Instant.parse("2025-01-01T10:00:00Z"));
        assertThat(Rfc3339.parse("2025-01-01t10:00:00+08:00:30")).isEqualTo(Instant.parse("2025-01-01T01:59:30Z"));
        assertThat(Rfc3339.parse("2025-02-17t10:34:55z")).isEqualTo(Instant.parse("2025-02-17T10:34:55Z"));
        for (String v : new String[]{"", "2025-02-29T10:00:00Z", "2025-01-01T10:00:00", "2025-01-01 10:00:00Z",
                "1739788495", "2025-01-01T10:00:00+19:00"}) {
            assertThatThrownBy(() -> Rfc3339.parse(v)).as(v).isInstanceOf(DateTimeParseException.class);
        }
    }
}
