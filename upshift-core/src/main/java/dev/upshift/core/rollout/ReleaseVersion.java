package dev.upshift.core.rollout;

import dev.upshift.core.version.SemVer;
import java.util.Comparator;

/**
 * What the rollout engine needs to know about a version: its identity, its place in the order of versions, and the
 * platform it is built for. {@code semver} is set for SemVer kinds (tauri, electron) and null for integer kinds.
 */
public record ReleaseVersion(long id, long code, SemVer semver, String platform, String arch, boolean preRelease) {

    /** Orders versions of one app: by SemVer precedence when both have one, else by integer code. */
    public static final Comparator<ReleaseVersion> ORDER = (a, b) -> compare(a.code, a.semver, b.code, b.semver);

    static int compare(long codeA, SemVer semverA, long codeB, SemVer semverB) {
        if (semverA != null && semverB != null) {
            return semverA.compareTo(semverB);
        }
        return Long.compare(codeA, codeB);
    }

    /** True when this version is newer than the client's. */
    public boolean isNewerThan(ClientVersion client) {
        return compare(code, semver, client.code(), client.semver()) > 0;
    }

    /** True when this version is older than the client's. */
    public boolean isOlderThan(ClientVersion client) {
        return compare(code, semver, client.code(), client.semver()) < 0;
    }

    public boolean sameAs(ClientVersion client) {
        return compare(code, semver, client.code(), client.semver()) == 0;
    }
}
