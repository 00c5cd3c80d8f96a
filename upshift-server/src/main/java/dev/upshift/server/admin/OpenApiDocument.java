package dev.upshift.server.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.upshift.server.accounts.Role;
import dev.upshift.server.http.Json;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;

/**
 * The admin API's OpenAPI 3.1 description, served as {@code GET /api/admin/v1/openapi.json} to any caller with the
 * viewer role. The document is written by hand in {@code src/main/resources/openapi/admin-v1.json}; it is not
 * generated from the handlers. {@code OpenApiTest} keeps it true: its paths, roles and path parameters must match
 * the routes registered through {@link AdminRoutes}.
 *
 * <p>The bytes are read and parsed once, at construction, so a missing or broken document stops start-up instead
 * of answering 500 at the first request. They are served as stored, with {@code Cache-Control: no-cache} so a
 * client revalidates after an upgrade.
 */
public final class OpenApiDocument {
    static final String RESOURCE = "/openapi/admin-v1.json";

    private final byte[] bytes;

    public OpenApiDocument() {
        this(RESOURCE);
    }

    /**
     * Loads {@code resource} from the classpath.
     *
     * @throws IllegalStateException when it is missing, unreadable, not JSON, or has no {@code openapi} version
     */
    OpenApiDocument(String resource) {
        try (InputStream in = OpenApiDocument.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("The admin API's OpenAPI document " + resource + " is not on the "
                        + "classpath; it belongs in upshift-server/src/main/resources" + resource + ".");
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read the admin API's OpenAPI document " + resource + ": "
                    + e.getMessage(), e);
        }
        JsonNode root;
        try {
            root = Json.parse(bytes);
        } catch (IOException e) {
            throw new IllegalStateException("The admin API's OpenAPI document " + resource + " is not valid JSON: "
                    + e.getMessage() + ".");
        }
        if (!root.path("openapi").isTextual()) {
            throw new IllegalStateException("The admin API's OpenAPI document " + resource + " has no 'openapi' "
                    + "version field; it must be an OpenAPI 3.1 document.");
        }
    }

    /** Registers {@code GET /api/admin/v1/openapi.json} (viewer). */
    public void register(AdminRoutes r) {
        r.get(AdminApi.PREFIX + "/openapi.json", Role.VIEWER, this::serve);
    }

    private void serve(Context ctx) {
        ctx.header("Cache-Control", "no-cache");
        ctx.status(200).contentType("application/json").result(bytes);
    }
}
