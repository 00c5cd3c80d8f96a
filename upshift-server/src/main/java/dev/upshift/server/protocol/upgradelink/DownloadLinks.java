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

    /** The download URL of an APK delta patch. */
    public String patch(App app, dev.upshift.server.catalog.VersionPatch patch) {
        return baseUrl.get() + "/v1/" + app.kind().wireName() + "/download?" + app.kind().keyField() + "="
                + URLEncoder.encode(app.key(), StandardCharsets.UTF_8) + "&patchId=" + patch.id();
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
