package dev.upshift.core.version;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A Semantic Versioning 2.0.0 version, ordered by the spec's precedence rules: pre-release versions sort below
 * their release ({@code 1.2.0-beta.2 < 1.2.0}), numeric identifiers compare numerically, build metadata is
 * ignored for ordering and identity.
 *
 * <p>A leading {@code v} or {@code V} is accepted because UpgradeLink clients send tags such as {@code v1.0.1}.
 * {@link #legacyCode()} gives UpgradeLink's integer mapping {@code major*1000000 + minor*1000 + patch}, which is
 * only unambiguous when minor and patch stay below 1000, so such versions are refused by {@link #parse}.
 */
public record SemVer(long major, long minor, long patch, List<String> preRelease, String build)
        implements Comparable<SemVer> {

    public SemVer {
        preRelease = List.copyOf(preRelease);
        build = build == null ? "" : build;
    }

    /** Parses a version, or explains in the returned error why the text is not one. */
    public static ParseResult parse(String text) {
        if (text == null || text.isEmpty()) {
            return ParseResult.error("is empty");
        }
        String s = text;
        if (s.charAt(0) == 'v' || s.charAt(0) == 'V') {
            s = s.substring(1);
        }
        String build = "";
        int plus = s.indexOf('+');
        if (plus >= 0) {
            build = s.substring(plus + 1);
            s = s.substring(0, plus);
            if (!validIdentifiers(build, false)) {
                return ParseResult.error("has invalid build metadata '" + build + "'");
            }
        }
        List<String> pre = List.of();
        int dash = s.indexOf('-');
        if (dash >= 0) {
            String preText = s.substring(dash + 1);
            s = s.substring(0, dash);
            if (!validIdentifiers(preText, true)) {
                return ParseResult.error("has an invalid pre-release part '" + preText + "'");
            }
            pre = List.of(preText.split("\\.", -1));
        }
        String[] core = s.split("\\.", -1);
        if (core.length != 3) {
            return ParseResult.error("must have the form MAJOR.MINOR.PATCH, e.g. 1.2.3");
        }
        long[] numbers = new long[3];
        for (int i = 0; i < 3; i++) {
            String part = core[i];
            if (!isNumeric(part) || (part.length() > 1 && part.charAt(0) == '0')) {
                return ParseResult.error("has a non-numeric or zero-padded part '" + part + "'");
            }
            if (part.length() > 9) {
                return ParseResult.error("has a number too large: '" + part + "'");
            }
            numbers[i] = Long.parseLong(part);
        }
        if (numbers[1] >= 1000 || numbers[2] >= 1000) {
            return ParseResult.error("has a minor or patch number of 1000 or more, which the UpgradeLink "
                    + "integer code (major*1000000 + minor*1000 + patch) cannot represent");
        }
        return new ParseResult(new SemVer(numbers[0], numbers[1], numbers[2], pre, build), null);
    }

    /** Parses a version that is known to be valid (stored data); throws if it is not. */
    public static SemVer of(String text) {
        ParseResult result = parse(text);
        if (result.version() == null) {
            throw new IllegalArgumentException("'" + text + "' " + result.error());
        }
        return result.version();
    }

    public boolean isPreRelease() {
        return !preRelease.isEmpty();
    }

    /** UpgradeLink's integer code: {@code 1.0.1 -> 1000001}. Pre-release and build parts do not take part. */
    public long legacyCode() {
        return major * 1_000_000L + minor * 1_000L + patch;
    }

    /** The canonical text without a leading {@code v} and without build metadata: the version's identity. */
    public String canonical() {
        StringBuilder sb = new StringBuilder().append(major).append('.').append(minor).append('.').append(patch);
        if (!preRelease.isEmpty()) {
            sb.append('-').append(String.join(".", preRelease));
        }
        return sb.toString();
    }

    @Override
    public int compareTo(SemVer other) {
        int c = Long.compare(major, other.major);
        if (c == 0) {
            c = Long.compare(minor, other.minor);
        }
        if (c == 0) {
            c = Long.compare(patch, other.patch);
        }
        if (c != 0) {
            return c;
        }
        if (preRelease.isEmpty() || other.preRelease.isEmpty()) {
            // A release ranks above any of its pre-releases.
            return Boolean.compare(preRelease.isEmpty(), other.preRelease.isEmpty());
        }
        int n = Math.min(preRelease.size(), other.preRelease.size());
        for (int i = 0; i < n; i++) {
            c = compareIdentifier(preRelease.get(i), other.preRelease.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(preRelease.size(), other.preRelease.size());
    }

    @Override
    public String toString() {
        return build.isEmpty() ? canonical() : canonical() + "+" + build;
    }

    private static int compareIdentifier(String a, String b) {
        boolean aNum = isNumeric(a);
        boolean bNum = isNumeric(b);
        if (aNum && bNum) {
            int byLength = Integer.compare(a.length(), b.length());
            return byLength != 0 ? byLength : a.compareTo(b);
        }
        if (aNum != bNum) {
            return aNum ? -1 : 1; // numeric identifiers rank below alphanumeric ones
        }
        return a.compareTo(b);
    }

    private static boolean validIdentifiers(String text, boolean rejectLeadingZeros) {
        if (text.isEmpty()) {
            return false;
        }
        List<String> parts = new ArrayList<>(List.of(text.split("\\.", -1)));
        for (String part : parts) {
            if (part.isEmpty()) {
                return false;
            }
            for (int i = 0; i < part.length(); i++) {
                char ch = part.charAt(i);
                boolean ok = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '-';
                if (!ok) {
                    return false;
                }
            }
            if (rejectLeadingZeros && isNumeric(part) && part.length() > 1 && part.charAt(0) == '0') {
                return false;
            }
        }
        return true;
    }

    private static boolean isNumeric(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch < '0' || ch > '9') {
                return false;
            }
        }
        return true;
    }

    /** Either a version or a reason (phrased to follow the offending text: "'x' must have the form ..."). */
    public record ParseResult(SemVer version, String error) {
        static ParseResult error(String reason) {
            return new ParseResult(null, reason);
        }

        public Optional<SemVer> value() {
            return Optional.ofNullable(version);
        }
    }
}
