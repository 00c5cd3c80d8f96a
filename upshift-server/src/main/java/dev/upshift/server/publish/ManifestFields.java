package dev.upshift.server.publish;

import com.fasterxml.jackson.databind.JsonNode;
import dev.upshift.core.version.SemVer;
import dev.upshift.server.publish.PublishCheckException.Code;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/** Field readers shared by the manifest parsers; every failure names the field by its path, e.g. {@code files[0].url}. */
final class ManifestFields {
    private ManifestFields() {
    }

    static PublishCheckException bad(String path, String problem) {
        return new PublishCheckException(Code.BAD_MANIFEST, path + " " + problem);
    }

    static JsonNode object(JsonNode parent, String field, String path) throws PublishCheckException {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            throw bad(path, "is missing");
        }
        if (!node.isObject()) {
            throw bad(path, "must be an object");
        }
        return node;
    }

    static String requiredText(JsonNode parent, String field, String path) throws PublishCheckException {
        String text = optionalText(parent, field, path);
        if (text == null || text.isBlank()) {
            throw bad(path, text == null ? "is missing" : "is empty");
        }
        return text;
    }

    /** Text, or null when absent or null. Numbers are refused: "1.10" read as a number would become "1.1". */
    static String optionalText(JsonNode parent, String field, String path) throws PublishCheckException {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw bad(path, "must be text, found " + node.getNodeType().name().toLowerCase(Locale.ROOT)
                    + " (quote it)");
        }
        return node.textValue();
    }

    static SemVer version(JsonNode parent, String field, String path) throws PublishCheckException {
        String text = requiredText(parent, field, path);
        SemVer.ParseResult parsed = SemVer.parse(text);
        if (parsed.version() == null) {
            throw bad(path, "'" + text + "' is not a SemVer version: it " + parsed.error());
        }
        return parsed.version();
    }

    /** An RFC 3339 timestamp with an offset, e.g. {@code 2024-10-01T12:00:00Z}, or null when absent. */
    static OffsetDateTime optionalTimestamp(JsonNode parent, String field, String path) throws PublishCheckException {
        String text = optionalText(parent, field, path);
        if (text == null) {
            return null;
        }
        try {
            // RFC 3339 allows lower-case 't' and 'z'; Java's ISO parser wants them upper-case.
            return OffsetDateTime.parse(text.toUpperCase(Locale.ROOT));
        } catch (DateTimeParseException e) {
            throw bad(path, "'" + text + "' is not an RFC 3339 timestamp such as 2024-10-01T12:00:00Z");
        }
    }

    /**
     * The file name a URL points at: its last path segment, percent-decoded. Names that could escape a
     * directory or break a header ({@code / \ "}, control characters, {@code .}, {@code ..}) are refused.
     *
     * @param relativeAllowed electron-updater resolves relative URLs against the feed; Tauri needs absolute ones
     */
    static String fileName(String url, String path, boolean relativeAllowed) throws PublishCheckException {
        URI uri;
        try {
            // electron-updater resolves with WHATWG URL, which tolerates spaces; java.net.URI does not.
            uri = new URI(url.replace(" ", "%20"));
        } catch (URISyntaxException e) {
            throw bad(path, "'" + url + "' is not a valid URL (" + e.getReason() + ")");
        }
        if (uri.isAbsolute()) {
            String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("https") && !scheme.equals("http") || uri.getHost() == null) {
                throw bad(path, "'" + url + "' must be an http(s) URL with a host");
            }
        } else if (!relativeAllowed) {
            throw bad(path, "'" + url + "' must be an absolute https URL");
        }
        String rawPath = uri.getRawPath() == null ? "" : uri.getRawPath();
        String segment = percentDecode(rawPath.substring(rawPath.lastIndexOf('/') + 1), path);
        if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
            throw bad(path, "'" + url + "' does not end in a file name");
        }
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (c == '/' || c == '\\' || c == '"' || Character.isISOControl(c)) {
                throw bad(path, "'" + url + "' has a file name with a forbidden character (/ \\ \" or a control "
                        + "character) after percent-decoding");
            }
        }
        return segment;
    }

    private static String percentDecode(String s, String path) throws PublishCheckException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '%') {
                out.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
                continue;
            }
            int hi = i + 2 < s.length() ? Character.digit(s.charAt(i + 1), 16) : -1;
            int lo = hi >= 0 ? Character.digit(s.charAt(i + 2), 16) : -1;
            if (lo < 0) {
                throw bad(path, "has a broken percent-escape in its file name '" + s + "'");
            }
            out.write(hi * 16 + lo);
            i += 2;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(out.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw bad(path, "has a file name '" + s + "' that does not decode to UTF-8");
        }
    }
}
