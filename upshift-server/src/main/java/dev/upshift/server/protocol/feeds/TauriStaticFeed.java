package dev.upshift.server.protocol.feeds;

import dev.upshift.core.rollout.ReleaseVersion;
import dev.upshift.server.catalog.App;
import dev.upshift.server.catalog.Version;
import dev.upshift.server.catalog.VersionFile;
import dev.upshift.server.db.Sql;
import dev.upshift.server.protocol.upgradelink.DownloadLinks;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Tauri's static {@code latest.json} (update-protocols §1.3):
 * {@code {version, notes, pub_date, platforms: {"<os>-<arch>": {signature, url}, "<os>-<arch>-<bundle>": {...}}}}.
 *
 * <p>Tauri validates the whole file before it reads {@code version}, so only files with an updater signature are
 * listed. Each platform gets the bare key (the first signed update bundle, else the first signed install package:
 * the rule of {@code TauriUpdaterEndpoint.pick}) and one suffixed key per signed file in a bundle format
 * ({@code appimage deb rpm app msi nsis}; a plain {@code .exe} counts as nsis).
 *
 * <p>The file has one {@code version}. It is the newest published version of any platform, and only platforms whose
 * own newest release is that version are listed: a lagging platform is left out rather than given an older file
 * under a newer version number (its clients would reinstall the old file forever). Apps that publish platforms on
 * different days should use the per-target file, whose {@code version} is that target's own newest.
 * Partial percentages cannot be expressed, so partial strategies are not listed (decision 0014).
 */
final class TauriStaticFeed {
    private static final List<String> BUNDLES = List.of("appimage", "deb", "rpm", "app", "msi", "nsis");

    private TauriStaticFeed() {
    }

    /** The document, or empty when the channel publishes nothing signed for the selection (the route answers 204). */
    static Optional<Map<String, Object>> render(App app, ChannelReleases releases, String target, String arch,
                                                DownloadLinks links) {
        List<ChannelReleases.Release> usable = releases.on(target, arch).stream()
                .filter(r -> !r.partial() && bare(r.version()).isPresent()).toList();
        if (usable.isEmpty()) {
            return Optional.empty();
        }
        ChannelReleases.Release newest = usable.get(0);
        ReleaseVersion top = newest.strategy().rule().version();
        Map<String, Object> platforms = new LinkedHashMap<>();
        Map<String, Boolean> seen = new LinkedHashMap<>();
        for (ChannelReleases.Release r : usable) {
            Version v = r.version();
            String key = v.platform() + "-" + v.arch();
            if (seen.putIfAbsent(key, Boolean.TRUE) != null) {
                continue; // an older release of a platform already listed
            }
            if (ReleaseVersion.ORDER.compare(r.strategy().rule().version(), top) != 0) {
                continue; // this platform's newest release is older than the file's version
            }
            platforms.put(key, entry(app, v, bare(v).orElseThrow(), links));
            for (String role : List.of("update", "install")) {
                for (VersionFile f : v.files()) {
                    String bundle = bundleOf(f);
                    if (f.role().equals(role) && bundle != null && !v.signatureOf(f).isEmpty()) {
                        platforms.putIfAbsent(key + "-" + bundle, entry(app, v, f, links));
                    }
                }
            }
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("version", newest.version().name());
        doc.put("notes", newest.notes());
        doc.put("pub_date", Sql.rfc3339(newest.version().createdAt()));
        doc.put("platforms", platforms);
        return Optional.of(doc);
    }

    private static Map<String, Object> entry(App app, Version v, VersionFile f, DownloadLinks links) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("signature", v.signatureOf(f));
        e.put("url", links.file(app, v, f));
        return e;
    }

    /** The file for the bare {@code <os>-<arch>} key: first signed update bundle, else first signed install package. */
    static Optional<VersionFile> bare(Version v) {
        for (String role : List.of("update", "install")) {
            for (VersionFile f : v.files()) {
                if (f.role().equals(role) && !v.signatureOf(f).isEmpty()) {
                    return Optional.of(f);
                }
            }
        }
        return Optional.empty();
    }

    /** The Tauri bundle type of a file's format, or null when it has none. */
    static String bundleOf(VersionFile f) {
        if (f.format().equals("exe")) {
            return "nsis";
        }
        return BUNDLES.contains(f.format()) ? f.format() : null;
    }
}
