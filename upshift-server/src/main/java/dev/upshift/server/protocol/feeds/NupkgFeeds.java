package dev.upshift.server.protocol.feeds;

import dev.upshift.core.rollout.ReleaseVersion;
import dev.upshift.server.catalog.App;
import dev.upshift.server.catalog.Version;
import dev.upshift.server.catalog.VersionFile;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The two {@code .nupkg} feeds: Squirrel.Windows {@code RELEASES} (update-protocols §3.1) and Velopack
 * {@code releases.<channel>.json} (§3.3). Both list every published version's {@code .nupkg} files, oldest version
 * first and a delta ({@code -delta.nupkg}) before the full package of its version, by file name; the client resolves
 * each name against the feed's base URL.
 *
 * <p>Both name packages by SHA-1. A file whose blob predates SHA-1 (stored before migration V3, {@code sha1} null)
 * is left out and logged as a warning until {@code upshift artifacts verify} fills the hash in: computing it while
 * answering a feed would read whole packages on the request path. A name with white space cannot appear in a
 * {@code RELEASES} line and is left out of it too.
 */
final class NupkgFeeds {
    private static final Logger LOG = LoggerFactory.getLogger(NupkgFeeds.class);
    private static final Pattern NO_SPACE = Pattern.compile("\\S+");

    /** One package in a feed. */
    record Package(ChannelReleases.Release release, VersionFile file) {
        boolean delta() {
            return file.fileName().toLowerCase(Locale.ROOT).endsWith("-delta.nupkg");
        }
    }

    private NupkgFeeds() {
    }

    /** The packages of the releases that pass {@code include}, oldest version first, delta before full. */
    static List<Package> packages(List<ChannelReleases.Release> releases, Predicate<ChannelReleases.Release> include) {
        List<Package> out = new ArrayList<>();
        for (ChannelReleases.Release r : releases) {
            if (!include.test(r)) {
                continue;
            }
            for (VersionFile f : r.version().files()) {
                if (!f.format().equals("nupkg")) {
                    continue;
                }
                if (f.sha1() == null || f.sha1().isEmpty()) {
                    LOG.warn("Package {} of version {} (id {}) has no SHA-1 yet and is left out of the Squirrel and "
                                    + "Velopack feeds; run `upshift artifacts verify` to compute it",
                            f.fileName(), r.version().name(), r.version().id());
                    continue;
                }
                out.add(new Package(r, f));
            }
        }
        out.sort(Comparator.comparing((Package p) -> p.release().strategy().rule().version(), ReleaseVersion.ORDER)
                .thenComparing(p -> !p.delta()));
        return out;
    }

    /** Squirrel.Windows {@code RELEASES}: one {@code SHA1 filename size} line per package, CRLF-free. */
    static byte[] releasesFile(List<Package> packages) {
        StringBuilder sb = new StringBuilder();
        for (Package p : packages) {
            if (!NO_SPACE.matcher(p.file().fileName()).matches()) {
                LOG.warn("Package name '{}' contains white space and cannot be listed in RELEASES", p.file().fileName());
                continue;
            }
            sb.append(p.file().sha1().toUpperCase(Locale.ROOT)).append(' ').append(p.file().fileName()).append(' ')
                    .append(p.file().size()).append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Velopack {@code {"Assets": [...]}}. */
    static Map<String, Object> velopack(App app, List<Package> packages) {
        List<Map<String, Object>> assets = new ArrayList<>();
        for (Package p : packages) {
            Version v = p.release().version();
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("PackageId", packageId(app, v, p.file()));
            a.put("Version", v.name());
            a.put("Type", p.delta() ? "Delta" : "Full");
            a.put("FileName", p.file().fileName());
            a.put("SHA1", p.file().sha1().toUpperCase(Locale.ROOT));
            a.put("SHA256", p.file().sha256().toUpperCase(Locale.ROOT));
            a.put("Size", p.file().size());
            a.put("NotesMarkdown", p.release().notes());
            assets.add(a);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("Assets", assets);
        return doc;
    }

    /**
     * The package id: from the file name as {@code vpk} writes it ({@code <id>-<version>-full.nupkg}), else the
     * app's package name, else its name.
     */
    static String packageId(App app, Version v, VersionFile f) {
        String name = f.fileName();
        String marker = "-" + v.name() + "-";
        int i = name.indexOf(marker);
        if (i > 0) {
            return name.substring(0, i);
        }
        return app.packageName() != null && !app.packageName().isBlank() ? app.packageName() : app.name();
    }

    /** The package with this file name among the feed's packages (newest version first wins). */
    static Optional<Package> find(List<Package> packages, String fileName) {
        for (int i = packages.size() - 1; i >= 0; i--) {
            if (packages.get(i).file().fileName().equals(fileName)) {
                return Optional.of(packages.get(i));
            }
        }
        return Optional.empty();
    }
}
