package dev.upshift.server.protocol.upgradelink;

import dev.upshift.server.catalog.App;
import dev.upshift.server.catalog.Version;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * Builds the public download URL of a version's file: {@code <public-url>/v1/<kind>/download?<kind>Key=K&versionId=N}
 * (plus {@code downloadType=2} for the update bundle). The base URL is resolved lazily because with port 0 it is
 * known only once the server has bound.
 */
public final class DownloadLinks {
    private final Supplier<String> baseUrl;

    public DownloadLinks(Supplier<String> baseUrl) {
        this.baseUrl = baseUrl;
    }

    /** The base URL the links start with now. */
    public String base() {
        return baseUrl.get();
    }

    /** The download URL of an APK delta patch. */
    public String patch(App app, dev.upshift.server.catalog.VersionPatch patch) {
        return baseUrl.get() + "/v1/" + app.kind().wireName() + "/download?" + app.kind().keyField() + "="
                + URLEncoder.encode(app.key(), StandardCharsets.UTF_8) + "&patchId=" + patch.id();
    }

    /**
     * The path-only URL of one file ({@code /v1/files/<appKey>/<versionId>/<role>/<fileName>}), for feeds: it carries
     * no query for clients to overwrite, and its last segment is the file's own name.
     */
    public String file(App app, Version v, dev.upshift.server.catalog.VersionFile f) {
        return baseUrl.get() + "/v1/files/" + segment(app.key()) + "/" + v.id() + "/" + f.role() + "/" + segment(f.fileName());
    }

    /** Percent-encodes one path segment (spaces as %20, never '+'). */
    public static String segment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    public String download(App app, Version v, String role) {
        StringBuilder sb = new StringBuilder(baseUrl.get())
                .append("/v1/").append(app.kind().wireName()).append("/download?")
                .append(app.kind().keyField()).append('=').append(URLEncoder.encode(app.key(), StandardCharsets.UTF_8))
                .append("&versionId=").append(v.id());
        if ("update".equals(role)) {
            sb.append("&downloadType=2");
        }
        return sb.toString();
    }
}
