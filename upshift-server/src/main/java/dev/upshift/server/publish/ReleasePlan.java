package dev.upshift.server.publish;

import java.util.List;

/**
 * What a build manifest (Tauri {@code latest.json}, electron-builder {@code latest*.yml}) asks to publish, in
 * neutral terms: versions per platform and arch, each with the files that belong to it. Built by
 * {@link ManifestPlans}, carried out by {@link ReleasePublisher}.
 */
public record ReleasePlan(List<PlannedVersion> versions) {

    public ReleasePlan {
        versions = List.copyOf(versions);
    }

    /**
     * One version to create (or reuse, when a version with the same identity exists).
     *
     * @param platform Tauri target or electron platform
     * @param notes    release notes, also the default prompt text of the strategy
     * @param pubDate  the manifest's publication date as given, or null
     */
    public record PlannedVersion(String versionName, String platform, String arch, String notes, String pubDate,
                                 String minSystemVersion, List<PlannedFile> files) {
        public PlannedVersion {
            files = List.copyOf(files);
        }
    }

    /**
     * One file of a planned version.
     *
     * @param fileName       name the file is stored and served under
     * @param url            where the manifest says it lives (fetched only from allowed hosts), or null
     * @param role           install or update
     * @param signature      Tauri updater signature, or null
     * @param declaredSha512 the manifest's SHA-512 (electron: base64), or null
     */
    public record PlannedFile(String fileName, String url, String role, String signature, String declaredSha512) {
    }
}
