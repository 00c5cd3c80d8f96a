package dev.upshift.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.upshift.server.admin.AdminRoutes;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The hand-written OpenAPI description of the admin API, as served, against the route table the server registered
 * ({@link UpshiftServer#adminRoutes()}): the same (method, path) pairs, the same least role per route, every path
 * parameter declared, unique operation ids, and no dangling {@code $ref}. A route added without its description,
 * or a description left behind by a removed route, fails here by name.
 */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class OpenApiTest {
    private static final String DOCUMENT = "/api/admin/v1/openapi.json";
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options",
            "trace");
    private static final Pattern TEMPLATE_PARAM = Pattern.compile("\\{([^}]+)}");

    @Parameter
    TestDatabase database;
    @TempDir
    Path dir;
    TestServer server;
    JsonNode doc;

    @BeforeEach
    void start() {
        server = TestServer.start(database, dir);
        HttpResponse<String> r = server.admin("GET", DOCUMENT, null);
        assertThat(r.statusCode()).as("GET " + DOCUMENT + " -> " + r.body()).isEqualTo(200);
        doc = TestServer.parse(r.body());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** Calls {@code each} with the method (upper case) and path of every operation, and the operation. */
    private void operations(BiConsumer<String, Map.Entry<String, JsonNode>> each) {
        doc.path("paths").fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(op -> {
            if (METHODS.contains(op.getKey())) {
                each.accept(op.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey(), op);
            }
        }));
    }

    private static String route(AdminRoutes.Route r) {
        return r.method() + " " + r.path();
    }

    private static String role(AdminRoutes.Access access) {
        return access.installation() ? "installation" : access.isPublic() ? "public" : access.role().wireName();
    }

    /** A parameter or other object, following a local {@code $ref}. */
    private JsonNode resolve(JsonNode node) {
        JsonNode ref = node.get("$ref");
        return ref == null ? node : doc.at(ref.asText().substring(1));
    }

    @Test
    void documentIsServedToAViewerAsUncachedOpenApi31Json() {
        HttpResponse<String> r = server.admin("GET", DOCUMENT, null);
        assertThat(r.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-cache");
        assertThat(doc.path("openapi").asText()).startsWith("3.1");
        assertThat(server.admin("GET", DOCUMENT, null, null).statusCode()).as("without a token").isEqualTo(401);
    }

    @Test
    void documentDescribesExactlyTheRegisteredRoutes() {
        Set<String> registered = new TreeSet<>();
        server.server().adminRoutes().forEach(r -> registered.add(route(r)));
        Set<String> described = new TreeSet<>();
        operations((route, op) -> described.add(route));

        Set<String> missing = new TreeSet<>(registered);
        missing.removeAll(described);
        Set<String> extra = new TreeSet<>(described);
        extra.removeAll(registered);
        assertThat(missing).as("registered routes that admin-v1.json does not describe").isEmpty();
        assertThat(extra).as("routes described in admin-v1.json that the server does not register").isEmpty();
    }

    @Test
    void everyOperationNamesTheLeastRoleItsRouteIsRegisteredWith() {
        Map<String, String> registered = new HashMap<>();
        server.server().adminRoutes().forEach(r -> registered.put(route(r), role(r.access())));
        Map<String, String> wrong = new TreeMap<>();
        operations((route, op) -> {
            String documented = op.getValue().path("x-upshift-role").asText("(none)");
            String actual = registered.get(route);
            if (actual != null && !actual.equals(documented)) {
                wrong.put(route, "documented " + documented + ", registered " + actual);
            }
        });
        assertThat(wrong).as("x-upshift-role differs from the route's registration").isEmpty();
    }

    @Test
    void everyPathParameterIsDeclaredAndNoOtherIs() {
        List<String> problems = new ArrayList<>();
        doc.path("paths").fields().forEachRemaining(path -> {
            Set<String> inTemplate = new TreeSet<>();
            Matcher m = TEMPLATE_PARAM.matcher(path.getKey());
            while (m.find()) {
                inTemplate.add(m.group(1));
            }
            List<JsonNode> shared = new ArrayList<>();
            path.getValue().path("parameters").forEach(shared::add);
            path.getValue().fields().forEachRemaining(op -> {
                if (!METHODS.contains(op.getKey())) {
                    return;
                }
                String route = op.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey();
                Set<String> declared = new TreeSet<>();
                List<JsonNode> params = new ArrayList<>(shared);
                op.getValue().path("parameters").forEach(params::add);
                for (JsonNode p : params) {
                    JsonNode param = resolve(p);
                    if (param.path("in").asText().equals("path")) {
                        declared.add(param.path("name").asText());
                        if (!param.path("required").asBoolean()) {
                            problems.add(route + ": path parameter "
                                    + param.path("name").asText() + " is not required: true");
                        }
                    }
                }
                if (!declared.equals(inTemplate)) {
                    problems.add(route + ": the template has " + inTemplate + ", the operation declares " + declared);
                }
            });
        });
        assertThat(problems).as("path parameters").isEmpty();
    }

    @Test
    void everyOperationHasAUniqueOperationIdATagASummaryAndASuccessAnswer() {
        Map<String, List<String>> byId = new TreeMap<>();
        List<String> incomplete = new ArrayList<>();
        operations((route, op) -> {
            JsonNode o = op.getValue();
            byId.computeIfAbsent(o.path("operationId").asText(""), k -> new ArrayList<>()).add(route);
            boolean success = false;
            for (var it = o.path("responses").fieldNames(); it.hasNext(); ) {
                success |= it.next().startsWith("2");
            }
            if (o.path("operationId").asText("").isEmpty() || o.path("tags").isEmpty()
                    || o.path("summary").asText("").isEmpty() || !success) {
                incomplete.add(route);
            }
        });
        byId.values().removeIf(routes -> routes.size() == 1);
        assertThat(byId).as("operationIds used more than once (or missing)").isEmpty();
        assertThat(incomplete).as("operations without operationId, tags, summary or a 2xx answer").isEmpty();
    }

    @Test
    void everyRefResolvesInsideTheDocument() {
        Set<String> dangling = new TreeSet<>();
        List<JsonNode> todo = new ArrayList<>(List.of(doc));
        while (!todo.isEmpty()) {
            JsonNode n = todo.remove(todo.size() - 1);
            JsonNode ref = n.get("$ref");
            if (n.isObject() && ref != null) {
                String target = ref.asText();
                if (!target.startsWith("#/") || doc.at(target.substring(1)).isMissingNode()) {
                    dangling.add(target);
                }
            }
            n.elements().forEachRemaining(todo::add);
        }
        assertThat(dangling).as("$refs that point nowhere inside the document").isEmpty();
    }
}
