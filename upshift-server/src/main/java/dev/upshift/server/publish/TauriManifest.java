package dev.upshift.server.publish;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.upshift.core.version.SemVer;
import dev.upshift.server.http.Json;
import java.io.IOException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Tauri static update manifest ({@code latest.json}) as uploaded by a CI job, validated the way the Tauri
 * updater reads it: it refuses the whole file if any platform entry is bad, so we refuse it at upload too.
 *
 * @param version   the release version (a leading {@code v} is accepted)
 * @param notes     release notes, or null
 * @param pubDate   the RFC 3339 publication date, or null
 * @param platforms one entry per key of {@code platforms}, in file order
 */
public record TauriManifest(SemVer version, String notes, OffsetDateTime pubDate, List<Platform> platforms) {
    private static final Set<String> TARGETS = Set.of("linux", "darwin", "windows");
    private static final Set<String> ARCHES = Set.of("x86_64", "i686", "aarch64", "armv7", "riscv64");
    private static final Set<String> BUNDLES = Set.of("appimage", "deb", "rpm", "app", "msi", "nsis");

    public TauriManifest {
        platforms = List.copyOf(platforms);
    }

    /**
     * One entry of {@code platforms}, keyed {@code <target>-<arch>[-<bundle>]}.
     *
     * @param bundleType the installer format, or null for the bare {@code <target>-<arch>} key
     * @param signature  the minisign signature exactly as given (base64 of the .sig file); stored verbatim
     * @param fileName   the URL's last path segment, percent-decoded
     */
    public record Platform(String key, String target, String arch, String bundleType, String url, String signature,
                           String fileName) {
    }

    /** Parses and validates {@code latest.json}; a failure names the field, e.g. {@code platforms.linux-x86_64.url}. */
    public static TauriManifest parse(byte[] json) throws PublishCheckException {
        JsonNode root = readTree(json);
        SemVer version = ManifestFields.version(root, "version", "version");
        String notes = ManifestFields.optionalText(root, "notes", "notes");
        OffsetDateTime pubDate = ManifestFields.optionalTimestamp(root, "pub_date", "pub_date");
        JsonNode platforms = ManifestFields.object(root, "platforms", "platforms");
        if (platforms.isEmpty()) {
            throw ManifestFields.bad("platforms", "is empty: list at least one <os>-<arch> entry");
        }
        List<Platform> entries = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : platforms.properties()) {
            entries.add(platform(e.getKey(), e.getValue()));
        }
        return new TauriManifest(version, notes, pubDate, entries);
    }

    private static Platform platform(String key, JsonNode entry) throws PublishCheckException {
        String path = "platforms." + key;
        String[] parts = key.split("-", -1);
        if (parts.length < 2 || parts.length > 3 || !TARGETS.contains(parts[0]) || !ARCHES.contains(parts[1])
                || parts.length == 3 && !BUNDLES.contains(parts[2])) {
            throw ManifestFields.bad(path, "is not a known platform key: expected <os>-<arch>[-<bundle>] with os in "
                    + sorted(TARGETS) + ", arch in " + sorted(ARCHES) + ", bundle in " + sorted(BUNDLES));
        }
        if (!entry.isObject()) {
            throw ManifestFields.bad(path, "must be an object {signature, url}");
        }
        String url = ManifestFields.requiredText(entry, "url", path + ".url");
        String signature = ManifestFields.requiredText(entry, "signature", path + ".signature");
        String fileName = ManifestFields.fileName(url, path + ".url", false);
        return new Platform(key, parts[0], parts[1], parts.length == 3 ? parts[2] : null, url, signature, fileName);
    }

    private static JsonNode readTree(byte[] json) throws PublishCheckException {
        try {
            // A repeated platform key would make the file mean two things; the Tauri client keeps the last one.
            JsonNode root = Json.MAPPER.reader().with(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).readTree(json);
            if (root == null || root.isMissingNode() || !root.isObject()) {
                throw ManifestFields.bad("latest.json", "must be a JSON object {version, platforms, ...}");
            }
            return root;
        } catch (JsonProcessingException e) {
            throw ManifestFields.bad("latest.json", "is not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")"));
        } catch (IOException e) {
            throw ManifestFields.bad("latest.json", "cannot be read: " + e.getMessage());
        }
    }

    private static List<String> sorted(Set<String> set) {
        return set.stream().sorted().toList();
    }
}
