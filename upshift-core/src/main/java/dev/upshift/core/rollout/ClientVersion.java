package dev.upshift.core.rollout;

import dev.upshift.core.version.SemVer;

/**
 * The version a client states: an integer code, and for SemVer kinds the parsed SemVer (whose UpgradeLink integer
 * mapping is the code). A SemVer client that sent only an integer code has {@code semver == null} and is compared
 * by code.
 */
public record ClientVersion(long code, SemVer semver) {
    public static ClientVersion ofCode(long code) {
        return new ClientVersion(code, null);
    }

    public static ClientVersion of(SemVer semver) {
        return new ClientVersion(semver.legacyCode(), semver);
    }

    /** The channel a client running this version is on by default: its pre-release tag's first word, else stable. */
    public String impliedChannel() {
        if (semver == null || !semver.isPreRelease()) {
            return Channels.STABLE;
        }
        return Channels.fromPreRelease(semver.preRelease().get(0));
    }
}
