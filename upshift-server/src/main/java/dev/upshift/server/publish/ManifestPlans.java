package dev.upshift.server.publish;

import dev.upshift.core.kind.AppKind;
import dev.upshift.server.admin.AdminApiException;
import dev.upshift.server.artifacts.FileFormat;
import dev.upshift.server.catalog.App;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Turns a build manifest into a {@link ReleasePlan}.
 *
 * <ul>
 *   <li>Tauri {@code latest.json}: one version per {@code <os>-<arch>}; each platform entry (bare or with a bundle
 *       suffix) is an update bundle with its own signature. Entries that name the same file are one file.
 *   <li>electron-builder {@code <channel>[-mac|-linux[-<arch>]].yml}: the name gives the platform; each listed file
 *       goes to the version of its arch (from the file name for Windows and macOS, whose channel files list every
 *       arch: {@code arm64}, {@code ia32}, {@code armv7l}, else x64). A {@code .zip} is the update bundle
 *       (electron-updater installs zips on macOS), everything else the install package. The declared sha512 of
 *       every file is checked against the bytes.
 * </ul>
 */
public final class ManifestPlans {
    private ManifestPlans() {
    }

    public static ReleasePlan plan(App app, String manifestName, byte[] manifest) {
        try {
            return switch (app.kind()) {
                case TAURI -> tauri(TauriManifest.parse(manifest));
                case ELECTRON -> {
                    if (manifestName == null || manifestName.isEmpty()) {
                        throw AdminApiException.invalid("Query 'manifest' is required for electron apps: the channel "
                                + "file's name, such as latest.yml, latest-mac.yml or beta-linux-arm64.yml.");
                    }
                    yield electron(ElectronChannelFile.parse(manifestName), ElectronManifest.parse(manifest));
                }
                default -> throw AdminApiException.invalid("Build manifests are for tauri and electron apps; for "
                        + app.kind().wireName() + " apps create versions and upload artifacts directly.");
            };
        } catch (PublishCheckException e) {
            throw AdminApiException.invalid("The manifest is not valid (" + e.code().wire() + "): " + e.getMessage() + ".");
        }
    }

    static ReleasePlan tauri(TauriManifest m) {
        Map<String, List<TauriManifest.Platform>> byTarget = new LinkedHashMap<>();
        for (TauriManifest.Platform p : m.platforms()) {
            byTarget.computeIfAbsent(p.target() + "-" + p.arch(), k -> new ArrayList<>()).add(p);
        }
        List<ReleasePlan.PlannedVersion> versions = new ArrayList<>();
        for (List<TauriManifest.Platform> group : byTarget.values()) {
            Map<String, ReleasePlan.PlannedFile> files = new LinkedHashMap<>();
            for (TauriManifest.Platform p : group) {
                ReleasePlan.PlannedFile f = new ReleasePlan.PlannedFile(p.fileName(), p.url(), "update", p.signature(), null);
                ReleasePlan.PlannedFile earlier = files.putIfAbsent(p.fileName(), f);
                if (earlier != null && !earlier.signature().equals(p.signature())) {
                    throw AdminApiException.invalid("The manifest gives file " + p.fileName() + " two different "
                            + "signatures (platform " + p.key() + ").");
                }
            }
            TauriManifest.Platform first = group.get(0);
            versions.add(new ReleasePlan.PlannedVersion(m.version().canonical(), first.target(), first.arch(), m.notes(),
                    m.pubDate() == null ? null : m.pubDate().toString(), null, List.copyOf(files.values())));
        }
        return new ReleasePlan(versions);
    }

    static ReleasePlan electron(ElectronChannelFile channelFile, ElectronManifest m) {
        Map<String, List<ReleasePlan.PlannedFile>> byArch = new LinkedHashMap<>();
        Set<String> seen = new LinkedHashSet<>();
        for (ElectronManifest.File f : m.files()) {
            if (!seen.add(f.fileName())) {
                continue;
            }
            String arch = channelFile.arch() != null ? channelFile.arch() : archOf(f.fileName());
            String role = FileFormat.of(f.fileName()).equals("zip") ? "update" : "install";
            byArch.computeIfAbsent(arch, k -> new ArrayList<>())
                    .add(new ReleasePlan.PlannedFile(f.fileName(), null, role, null, f.sha512()));
        }
        String notes = notes(m.releaseNotes());
        List<ReleasePlan.PlannedVersion> versions = new ArrayList<>();
        byArch.forEach((arch, files) -> versions.add(new ReleasePlan.PlannedVersion(m.version().canonical(),
                channelFile.platform(), arch, notes, m.releaseDate() == null ? null : m.releaseDate().toString(),
                m.minimumSystemVersion(), files)));
        return new ReleasePlan(versions);
    }

    /** electron-builder puts the arch in the name for every arch but x64 ({@code ${arch}} is empty for x64). */
    static String archOf(String fileName) {
        String n = fileName.toLowerCase(Locale.ROOT);
        for (String arch : AppKind.ELECTRON.arches()) {
            if (!arch.equals("x64") && n.contains(arch)) {
                return arch;
            }
        }
        return "x64";
    }

    private static String notes(ElectronManifest.ReleaseNotes notes) {
        if (notes instanceof ElectronManifest.ReleaseNotes.Text t) {
            return t.text();
        }
        if (notes instanceof ElectronManifest.ReleaseNotes.PerVersion p) {
            return p.notes().stream().filter(n -> n.note() != null)
                    .map(n -> n.version() + ": " + n.note()).collect(Collectors.joining("\n"));
        }
        return null;
    }
}
