package dev.upshift.server.protocol.feeds;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.upshift.core.rollout.ReleaseVersion;
import dev.upshift.server.catalog.App;
import dev.upshift.server.catalog.Version;
import dev.upshift.server.catalog.VersionFile;
import dev.upshift.server.db.Sql;
import dev.upshift.server.protocol.upgradelink.DownloadLinks;
import dev.upshift.server.artifacts.StoredBlob;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An electron-updater channel file for the generic provider (update-protocols §2): {@code latest.yml} (Windows),
 * {@code latest-mac.yml} (x64 and arm64 zips in one file), {@code latest-linux.yml},
 * {@code latest-linux-<arch>.yml}, and the same for every other channel ({@code beta-mac.yml}, ...).
 *
 * <p>Body: {@code version, files[{url, sha512 (base64), size}], path, sha512, releaseDate, releaseNotes}, plus
 * {@code stagingPercentage} (the strategy's percentage, which electron-updater applies per installation) when it is
 * below 100, and {@code minimumSystemVersion} when the version has one. Files are the ones each platform's updater
 * installs: Windows the NSIS/exe installer, macOS the zip (MacUpdater ignores dmg and pkg), Linux the AppImage, then
 * deb and rpm (for DebUpdater and RpmUpdater). File URLs are path-only ({@code /v1/files/...}), so the feed query
 * electron-updater copies onto them changes nothing and {@code <url>.blockmap} finds the block map.
 *
 * <p>On macOS, MacUpdater tells arm64 files by "arm64" in the URL; an arm64 zip whose name lacks it is linked through
 * {@code /feeds/<appKey>/electron/arm64/<versionId>/<role>/<fileName>}, which redirects to the file.
 */
final class ElectronChannelFile {
    static final Pattern FILE = Pattern.compile("([a-z0-9][a-z0-9-]*?)(-mac|-linux(?:-([a-z0-9]+))?)?\\.yml");
    private static final YAMLMapper YAML = new YAMLMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER).build());

    /** What a channel file name asks for: channel, platform, and the arch (null: every arch of the platform). */
    record Request(String channel, String platform, String arch) {
    }

    private ElectronChannelFile() {
    }

    static Optional<Request> parse(String fileName) {
        Matcher m = FILE.matcher(fileName);
        if (!m.matches()) {
            return Optional.empty();
        }
        if (m.group(2) == null) {
            return Optional.of(new Request(m.group(1), "windows", null));
        }
        if (m.group(2).equals("-mac")) {
            return Optional.of(new Request(m.group(1), "darwin", null));
        }
        return Optional.of(new Request(m.group(1), "linux", m.group(3) == null ? "x64" : m.group(3)));
    }

    /** The formats a platform's updater installs, in order of preference, and which role to look at first. */
    private static List<String> formats(String platform) {
        return switch (platform) {
            case "windows" -> List.of("nsis", "exe");
            case "darwin" -> List.of("zip");
            default -> List.of("appimage", "deb", "rpm");
        };
    }

    private static List<String> roles(String platform) {
        return platform.equals("windows") ? List.of("install", "update") : List.of("update", "install");
    }

    /** The files of a version this platform's updater can use, preferred first; at most one per format. */
    static List<VersionFile> files(Version v) {
        List<VersionFile> out = new ArrayList<>();
        for (String format : formats(v.platform())) {
            for (String role : roles(v.platform())) {
                Optional<VersionFile> f = v.files().stream()
                        .filter(x -> x.role().equals(role) && x.format().equals(format)).findFirst();
                if (f.isPresent()) {
                    out.add(f.get());
                    break;
                }
            }
        }
        return out;
    }

    /**
     * Renders the channel file, or empty when nothing is published. The {@code version} is the newest published
     * version with a usable file; the files are those of every arch published at exactly that version (x64 first),
     * because one file has one version.
     */
    static Optional<byte[]> render(App app, ChannelReleases releases, Request req, DownloadLinks links, String baseUrl) {
        List<ChannelReleases.Release> usable = releases.on(req.platform(), req.arch()).stream()
                .filter(r -> !files(r.version()).isEmpty()).toList();
        if (usable.isEmpty()) {
            return Optional.empty();
        }
        ReleaseVersion top = usable.get(0).strategy().rule().version();
        List<ChannelReleases.Release> atTop = new ArrayList<>(usable.stream()
                .filter(r -> ReleaseVersion.ORDER.compare(r.strategy().rule().version(), top) == 0).toList());
        atTop.sort((a, b) -> Boolean.compare(!a.version().arch().equals("x64"), !b.version().arch().equals("x64")));
        ChannelReleases.Release first = atTop.get(0);
        List<Map<String, Object>> files = new ArrayList<>();
        int percentage = 10_000;
        for (ChannelReleases.Release r : atTop) {
            percentage = Math.min(percentage, r.percentage());
            for (VersionFile f : files(r.version())) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("url", url(app, r.version(), f, links, baseUrl));
                e.put("sha512", StoredBlob.base64OfHex(f.sha512()));
                e.put("size", f.size());
                files.add(e);
            }
        }
        Version v = first.version();
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("version", v.name());
        doc.put("files", files);
        doc.put("path", files.get(0).get("url"));
        doc.put("sha512", files.get(0).get("sha512"));
        doc.put("releaseDate", Sql.rfc3339(StaticFeeds.publishedAt(first)));
        if (!first.notes().isBlank()) {
            doc.put("releaseNotes", first.notes());
        }
        if (percentage < 10_000) {
            doc.put("stagingPercentage", percentage % 100 == 0 ? (Object) (percentage / 100) : (Object) (percentage / 100.0));
        }
        if (v.minSystemVersion() != null && !v.minSystemVersion().isBlank()) {
            doc.put("minimumSystemVersion", v.minSystemVersion());
        }
        try {
            return Optional.of(YAML.writeValueAsString(doc).getBytes(StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render the channel file", e);
        }
    }

    private static String url(App app, Version v, VersionFile f, DownloadLinks links, String baseUrl) {
        String direct = links.file(app, v, f);
        if (v.platform().equals("darwin") && v.arch().equals("arm64")
                && !f.fileName().toLowerCase(Locale.ROOT).contains("arm64")) {
            return baseUrl + "/feeds/" + DownloadLinks.segment(app.key()) + "/electron/arm64/" + v.id() + "/"
                    + f.role() + "/" + DownloadLinks.segment(f.fileName());
        }
        return direct;
    }
}
