package dev.upshift.server.catalog;

import dev.upshift.core.rollout.ReleaseVersion;
import java.util.Map;
import java.util.Optional;

/**
 * A version of an app as the catalog snapshot holds it. {@code platform} is tauri's target or electron's
 * platform and {@code arch} the architecture; both are empty for kinds without them. {@code code} is the integer
 * sort key, {@code versionKey} the identity within (app, platform, arch).
 */
public record Version(long id, long appId, String name, long code, String versionKey, String platform, String arch,
                      String description, String releaseNote, String changelog, String releaseUrl, String urlPath,
                      String content, String signature, boolean preRelease, int upgradeMode,
                      long forcedUpgradeVersionCode, long silentUpgradeVersionCode, String updateType,
                      long createdAt, Map<String, VersionFile> files, ReleaseVersion release) {

    public Version {
        files = Map.copyOf(files);
    }

    public Optional<VersionFile> file(String role) {
        return Optional.ofNullable(files.get(role));
    }

    /** The file a client installs: the install package, else the update bundle. */
    public Optional<VersionFile> primaryFile() {
        VersionFile f = files.get("install");
        return Optional.ofNullable(f != null ? f : files.get("update"));
    }
}
