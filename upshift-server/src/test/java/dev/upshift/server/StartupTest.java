package dev.upshift.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.upshift.server.config.ServerConfig;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start-up checks that protect stored data, and error pages for requests no handler answers. */
class StartupTest {
    @TempDir
    Path dir;

    private ServerConfig config() {
        return new ServerConfig("127.0.0.1", 0, dir.resolve("data"), "jdbc:sqlite:" + dir.resolve("data/upshift.db"),
                null, null, null, 64 * 1024, 1024 * 1024);
    }

    @Test
    void firstStartCreatesOwnerOnlyKeyFilesAndTheGeneratedTokenWorks() throws Exception {
        try (UpshiftServer s = UpshiftServer.start(config(), null, null, Clock.systemUTC())) {
            String token = s.bootstrap().generatedToken();
            assertThat(token).startsWith("ups_");
            Path tokenFile = dir.resolve("data/admin-token");
            assertThat(Files.readString(tokenFile).trim()).isEqualTo(token);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile))).isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("data/secret.key"))))
                    .isEqualTo("rw-------");
            HttpResponse<String> r = TestServer.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port()
                    + "/api/admin/v1/apps")).header("Authorization", "Bearer " + token).build());
            assertThat(r.statusCode()).isEqualTo(200);
        }
        // A second start neither prints nor replaces the token.
        try (UpshiftServer s = UpshiftServer.start(config(), null, null, Clock.systemUTC())) {
            assertThat(s.bootstrap().generatedToken()).isNull();
        }
    }

    @Test
    void missingSecretKeyWithStoredAccessKeysRefusesToStart() throws Exception {
        try (UpshiftServer s = UpshiftServer.start(config(), TestServer.ADMIN_TOKEN, null, Clock.systemUTC())) {
            HttpResponse<String> r = TestServer.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port()
                            + "/api/admin/v1/access-keys")).header("Authorization", "Bearer " + TestServer.ADMIN_TOKEN)
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build());
            assertThat(r.statusCode()).isEqualTo(201);
        }
        byte[] original = Files.readAllBytes(dir.resolve("data/secret.key"));
        Files.delete(dir.resolve("data/secret.key"));
        assertThatThrownBy(() -> UpshiftServer.start(config(), null, null, Clock.systemUTC()))
                .hasMessageContaining("secret.key is missing");
        assertThat(dir.resolve("data/secret.key")).doesNotExist();
        Files.write(dir.resolve("data/secret.key"), original);
        try (UpshiftServer s = UpshiftServer.start(config(), null, null, Clock.systemUTC())) {
            assertThat(s.catalog().current()).isNotNull();
        }
    }

    @Test
    void aSchemaFromANewerVersionRefusesToStart() throws Exception {
        UpshiftServer.start(config(), null, null, Clock.systemUTC()).close();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("data/upshift.db"));
             Statement st = c.createStatement()) {
            st.execute("INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, "
                    + "checksum, installed_by, installed_on, execution_time, success) VALUES (99, '99', 'future', "
                    + "'SQL', 'V99__future.sql', 0, 'test', CURRENT_TIMESTAMP, 1, 1)");
        }
        assertThatThrownBy(() -> UpshiftServer.start(config(), null, null, Clock.systemUTC()))
                .hasMessageContaining("newer Upshift");
    }

    private static String raw(int port, String request) throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            return new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void errorsJettyRaisesBeforeRoutingAreJsonToo() throws Exception {
        try (UpshiftServer s = UpshiftServer.start(config(), TestServer.ADMIN_TOKEN, null, Clock.systemUTC())) {
            String badUri = raw(s.port(), "GET /v1/win/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertThat(badUri).startsWith("HTTP/1.1 400").contains("application/json").contains("\"code\":400001")
                    .doesNotContain("<html");
            String hugeHeader = raw(s.port(), "GET /v1/win/download HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000)
                    + "\r\nConnection: close\r\n\r\n");
            assertThat(hugeHeader).startsWith("HTTP/1.1 431").contains("\"code\":431001").doesNotContain("<html");
        }
    }

    @Test
    void handlerErrorsSurviveTheErrorPagesWhateverTheRequestContentType() throws Exception {
        try (UpshiftServer s = UpshiftServer.start(config(), TestServer.ADMIN_TOKEN, null, Clock.systemUTC())) {
            String base = "http://127.0.0.1:" + s.port();
            HttpResponse<String> admin = TestServer.send(HttpRequest.newBuilder(URI.create(base + "/api/admin/v1/apps/nope"))
                    .header("Authorization", "Bearer " + TestServer.ADMIN_TOKEN).build());
            assertThat(admin.statusCode()).isEqualTo(404);
            assertThat(TestServer.parse(admin.body()).get("message").asText()).contains("No app with key 'nope'");
            HttpResponse<String> download = TestServer.send(HttpRequest.newBuilder(URI.create(base + "/v1/win/download?winKey=nope&arch=x64")).build());
            assertThat(download.statusCode()).isEqualTo(404);
            assertThat(TestServer.parse(download.body()).get("code").asInt()).isEqualTo(404001);
            HttpResponse<String> route = TestServer.send(HttpRequest.newBuilder(URI.create(base + "/api/admin/v1/nothing"))
                    .header("Authorization", "Bearer " + TestServer.ADMIN_TOKEN).build());
            assertThat(route.statusCode()).isEqualTo(404);
            assertThat(TestServer.parse(route.body()).get("message").asText()).contains("No route");
        }
    }
}
