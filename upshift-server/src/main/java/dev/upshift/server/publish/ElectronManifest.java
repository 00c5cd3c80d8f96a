package dev.upshift.server.publish;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.upshift.core.version.SemVer;
import java.io.IOException;
import java.math.BigDecimal;
import java.security.MessageDigest;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * An electron-builder update manifest ({@code latest.yml}, {@code beta-mac.yml}, ...: electron-updater's
 * {@code UpdateInfo}), validated so a feed we serve never makes clients fail with
 * {@code ERR_UPDATER_NO_CHECKSUM} or an unparsable version.
 *
 * @param version              the release version
 * @param files                the downloadable files, at least one
 * @param path                 deprecated single-file form (electron-updater 1.x to 2.15), or null
 * @param sha512               deprecated single-file checksum as given, or null
 * @param releaseName          or null
 * @param releaseNotes         or null
 * @param releaseDate          or null
 * @param stagingPercentage    0 to 100, or null for everyone
 * @param minimumSystemVersion {@code os.release()} floor, or null
 * @param warnings             accepted but deprecated things the uploader should fix
 */
public record ElectronManifest(SemVer version, List<File> files, String path, String sha512, String releaseName,
                               ReleaseNotes releaseNotes, OffsetDateTime releaseDate, BigDecimal stagingPercentage,
                               String minimumSystemVersion, List<String> warnings) {

    private static final ObjectReader YAML = yamlReader();

    public ElectronManifest {
        files = List.copyOf(files);
        warnings = List.copyOf(warnings);
    }

    /**
     * One entry of {@code files}.
     *
     * @param url          as given: relative to the feed URL, or absolute
     * @param fileName     the URL's last path segment, percent-decoded
     * @param sha512       the checksum exactly as given (base64, or deprecated hex)
     * @param sha512Hex    the same checksum as lowercase hex, for comparison with our own hash
     * @param size         bytes
     * @param blockMapSize size of an embedded block map (AppImage, NSIS web), or null
     */
    public record File(String url, String fileName, String sha512, String sha512Hex, long size, Long blockMapSize) {
    }

    /** {@code releaseNotes}: one text, or one note per version (with {@code fullChangelog}). */
    public sealed interface ReleaseNotes {
        /** A single text for this release. */
        record Text(String text) implements ReleaseNotes {
        }

        /** Notes per version; {@code note} may be null, as electron-updater allows. */
        record PerVersion(List<Note> notes) implements ReleaseNotes {
            public PerVersion {
                notes = List.copyOf(notes);
            }
        }

        /** One version's note. */
        record Note(String version, String note) {
        }
    }

    /** Parses and validates the YAML (or JSON) text; a failure names the field, e.g. {@code files[1].sha512}. */
    public static ElectronManifest parse(byte[] yaml) throws PublishCheckException {
        JsonNode root = readTree(yaml);
        List<String> warnings = new ArrayList<>();
        SemVer version = ManifestFields.version(root, "version", "version");
        JsonNode filesNode = root.get("files");
        if (filesNode == null || filesNode.isNull() || !filesNode.isArray() || filesNode.isEmpty()) {
            throw ManifestFields.bad("files", filesNode == null || filesNode.isNull() ? "is missing"
                    : "must be a non-empty list of {url, sha512, size}");
        }
        List<File> files = new ArrayList<>();
        for (int i = 0; i < filesNode.size(); i++) {
            files.add(file(filesNode.get(i), "files[" + i + "]", warnings));
        }
        String path = ManifestFields.optionalText(root, "path", "path");
        String sha512 = ManifestFields.optionalText(root, "sha512", "sha512");
        if (sha512 != null) {
            sha512Hex(sha512, "sha512", warnings);
        }
        return new ElectronManifest(version, files, path, sha512,
                ManifestFields.optionalText(root, "releaseName", "releaseName"),
                releaseNotes(root.get("releaseNotes")),
                ManifestFields.optionalTimestamp(root, "releaseDate", "releaseDate"),
                stagingPercentage(root.get("stagingPercentage")),
                ManifestFields.optionalText(root, "minimumSystemVersion", "minimumSystemVersion"),
                warnings);
    }

    /**
     * Whether a declared SHA-512 (base64 as electron-builder writes it, or deprecated hex) equals our own hash of
     * the file, in lowercase or uppercase hex. Malformed input is simply not a match.
     */
    public static boolean sha512Matches(String declaredBase64OrHex, String actualHex) {
        if (declaredBase64OrHex == null || actualHex == null || actualHex.length() != 128) {
            return false;
        }
        try {
            byte[] declared = decodeSha512(declaredBase64OrHex.strip());
            return declared != null && MessageDigest.isEqual(declared, HexFormat.of().parseHex(actualHex));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static File file(JsonNode node, String path, List<String> warnings) throws PublishCheckException {
        if (node == null || !node.isObject()) {
            throw ManifestFields.bad(path, "must be a map {url, sha512, size}");
        }
        String url = ManifestFields.requiredText(node, "url", path + ".url");
        String fileName = ManifestFields.fileName(url, path + ".url", true);
        String sha512 = ManifestFields.optionalText(node, "sha512", path + ".sha512");
        if (sha512 == null) {
            throw ManifestFields.bad(path + ".sha512", "is missing; electron-updater refuses files without it "
                    + "(ERR_UPDATER_NO_CHECKSUM)");
        }
        String hex = sha512Hex(sha512, path + ".sha512", warnings);
        long size = count(node.get("size"), path + ".size", true);
        JsonNode blockMap = node.get("blockMapSize");
        Long blockMapSize = blockMap == null || blockMap.isNull() ? null : count(blockMap, path + ".blockMapSize", false);
        return new File(url, fileName, sha512, hex, size, blockMapSize);
    }

    private static String sha512Hex(String declared, String path, List<String> warnings) throws PublishCheckException {
        byte[] bytes = decodeSha512(declared.strip());
        if (bytes == null) {
            throw ManifestFields.bad(path, "must be a SHA-512 as base64 (88 characters) or hex (128), found "
                    + declared.length() + " characters");
        }
        if (declared.strip().length() == 128) {
            warnings.add(path + " is hex; electron-updater deprecated hex SHA-512 (removed in v28): emit base64");
        }
        return HexFormat.of().formatHex(bytes);
    }

    /** 64 bytes from 128 hex digits or 88 base64 characters; null if neither. */
    private static byte[] decodeSha512(String s) {
        try {
            if (s.length() == 128) {
                return HexFormat.of().parseHex(s);
            }
            byte[] b = s.length() == 88 ? Base64.getDecoder().decode(s) : null;
            return b != null && b.length == 64 ? b : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static long count(JsonNode node, String path, boolean required) throws PublishCheckException {
        if (node == null || node.isNull()) {
            if (required) {
                throw ManifestFields.bad(path, "is missing");
            }
            return 0;
        }
        if (!node.isIntegralNumber() || !node.canConvertToLong() || node.longValue() < 0) {
            throw ManifestFields.bad(path, "must be a whole number of bytes >= 0, found '" + node.asText() + "'");
        }
        return node.longValue();
    }

    private static ReleaseNotes releaseNotes(JsonNode node) throws PublishCheckException {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return new ReleaseNotes.Text(node.textValue());
        }
        if (!node.isArray()) {
            throw ManifestFields.bad("releaseNotes", "must be text or a list of {version, note}");
        }
        List<ReleaseNotes.Note> notes = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            String path = "releaseNotes[" + i + "]";
            JsonNode n = node.get(i);
            if (!n.isObject()) {
                throw ManifestFields.bad(path, "must be a map {version, note}");
            }
            notes.add(new ReleaseNotes.Note(ManifestFields.requiredText(n, "version", path + ".version"),
                    ManifestFields.optionalText(n, "note", path + ".note")));
        }
        return new ReleaseNotes.PerVersion(notes);
    }

    private static BigDecimal stagingPercentage(JsonNode node) throws PublishCheckException {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isNumber() || node.decimalValue().signum() < 0
                || node.decimalValue().compareTo(BigDecimal.valueOf(100)) > 0) {
            throw ManifestFields.bad("stagingPercentage", "must be a number from 0 to 100, found '"
                    + node.asText() + "'");
        }
        return node.decimalValue();
    }

    private static JsonNode readTree(byte[] yaml) throws PublishCheckException {
        try {
            JsonNode root = YAML.readTree(yaml);
            if (root == null || root.isMissingNode() || !root.isObject()) {
                throw ManifestFields.bad("the update manifest", "must be a YAML map {version, files, ...}");
            }
            return root;
        } catch (JsonProcessingException e) {
            throw ManifestFields.bad("the update manifest", "is not valid YAML: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"));
        } catch (IOException e) {
            throw ManifestFields.bad("the update manifest", "cannot be read: " + e.getMessage());
        }
    }

    private static ObjectReader yamlReader() {
        // Uploads are untrusted: bound alias expansion ("billion laughs"), nesting and size.
        LoaderOptions limits = new LoaderOptions();
        limits.setMaxAliasesForCollections(20);
        limits.setNestingDepthLimit(20);
        limits.setCodePointLimit(1 << 20);
        YAMLMapper mapper = new YAMLMapper(YAMLFactory.builder().loaderOptions(limits).build());
        mapper.enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        return mapper.reader().with(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    }
}
