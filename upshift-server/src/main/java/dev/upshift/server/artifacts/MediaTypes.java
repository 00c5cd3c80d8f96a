package dev.upshift.server.artifacts;

import java.util.Locale;
import java.util.Map;

/** Content types for the package formats update clients download, chosen by file name. */
public final class MediaTypes {
    private static final Map<String, String> BY_SUFFIX = Map.ofEntries(
            Map.entry(".exe", "application/vnd.microsoft.portable-executable"),
            Map.entry(".msi", "application/x-msi"),
            Map.entry(".msix", "application/msix"),
            Map.entry(".dmg", "application/x-apple-diskimage"),
            Map.entry(".pkg", "application/octet-stream"),
            Map.entry(".zip", "application/zip"),
            Map.entry(".apk", "application/vnd.android.package-archive"),
            Map.entry(".appimage", "application/octet-stream"),
            Map.entry(".deb", "application/vnd.debian.binary-package"),
            Map.entry(".rpm", "application/x-rpm"),
            Map.entry(".tar.gz", "application/gzip"),
            Map.entry(".tgz", "application/gzip"),
            Map.entry(".gz", "application/gzip"),
            Map.entry(".json", "application/json"),
            Map.entry(".yml", "text/yaml"),
            Map.entry(".blockmap", "application/octet-stream"),
            Map.entry(".sig", "text/plain"));

    private MediaTypes() {
    }

    public static String forFileName(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        String best = null;
        for (String suffix : BY_SUFFIX.keySet()) {
            if (lower.endsWith(suffix) && (best == null || suffix.length() > best.length())) {
                best = suffix;
            }
        }
        return best == null ? "application/octet-stream" : BY_SUFFIX.get(best);
    }
}
