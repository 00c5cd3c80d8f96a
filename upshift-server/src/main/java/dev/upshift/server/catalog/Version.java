package dev.upshift.server.catalog;

import dev.upshift.core.rollout.ReleaseVersion;
import java.util.List;
import java.util.Optional;

/**
 * A version of an app as the catalog snapshot holds it. {@code platform} is tauri's target or electron's
 * platform and {@code arch} the architecture; both are empty for kinds without them. {@code code} is the integer
 * sort key, {@code versionKey} the identity within (app, platform, arch). {@code files} are in upload order.
 * A yanked version ({@code yankedAt > 0}) is kept with its files but never offered, fed or picked as "latest".
 */
public record Version(long id, long appId, String name, long code, String versionKey, String platform, String arch,
                      String description, String releaseNote, String changelog, String releaseUrl, String urlPath,
                      String content, String signature, boolean preRelease, int upgradeMode,
                      long forcedUpgradeVersionCode, long silentUpgradeVersionCode, String updateType,
                      long createdAt, List<VersionFile> files, ReleaseVersion release, long yankedAt,
                      String yankReason, String minSystemVersion) {

    public Version {
        files = List.copyOf(files);
    }

    public boolean yanked() {
        return yankedAt > 0;
    }

    /** The first file uploaded under a role. */
    public Optional<VersionFile> file(String role) {
        for (VersionFile f : files) {
            if (f.role().equals(role)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

    /** The file of a role with exactly this name (names are what feeds put in URLs). */
    public Optional<VersionFile> file(String role, String fileName) {
        return files.stream().filter(f -> f.role().equals(role) && f.fileName().equals(fileName)).findFirst();
    }

    /** The file a client installs: the install package, else the update bundle. */
    public Optional<VersionFile> primaryFile() {
        return file("install").or(() -> file("update"));
    }

    /**
     * The updater signature that belongs to a file: its own, else (for versions published before files carried
     * signatures) the version's signature, which belongs to the update bundle, or without one the install package.
     */
    public String signatureOf(VersionFile f) {
        if (!f.signature().isEmpty()) {
            return f.signature();
        }
        Optional<VersionFile> legacySigned = file("update").or(() -> file("install"));
        return legacySigned.isPresent() && legacySigned.get().id() == f.id() ? signature : "";
    }
}
