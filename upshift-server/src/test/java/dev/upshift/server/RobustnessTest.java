package dev.upshift.server;

import static dev.upshift.server.TestData.bytes;
import static dev.upshift.server.TestData.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Inputs found by fuzzing and review: each answers a clear 4xx (or the right thing), never a 500. */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class RobustnessTest {
    @Parameter
    TestDatabase database;
    @TempDir
    Path dir;
    TestServer server;
    TestServer.Key key;
    String win;

    @BeforeEach
    void start() {
        server = TestServer.start(database, dir);
        key = server.createKey();
        win = server.createApp("win", "Demo");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private long winVersion(long code) {
        long id = server.createVersion(win, TestServer.json(map("versionName", "v" + code, "versionCode", code, "arch", "x64")))
                .get("id").asLong();
        server.upload(win, id, "install", "Demo-" + code + ".exe", bytes(300, code));
        return id;
    }

    private static int code(HttpResponse<String> r) {
        return TestServer.parse(r.body()).get("code").asInt();
    }

    @Test
    void extremeTimestampsAreRefusedNotAServerError() {
        for (String ts : List.of("+999999999-12-31T23:59:59Z", "-999999999-01-01T00:00:00Z")) {
            HttpResponse<String> r = TestServer.send(server.signedRequest(key, "/v1/win/version",
                    "{\"winKey\":\"" + win + "\",\"versionCode\":1,\"arch\":\"x64\"}", TestServer.nonce(), ts).build());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
            assertThat(code(r)).isEqualTo(401001);
        }
    }

    @Test
    void numbersOutOfRangeAreAnInvalidBody() {
        HttpResponse<String> r = server.signedPost(key, "/v1/win/version", "{\"winKey\":\"" + win + "\",\"versionCode\":1e2147483648,\"arch\":\"x64\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(code(r)).isEqualTo(400005);
        HttpResponse<String> admin = server.admin("POST", "/api/admin/v1/apps/" + win + "/versions", "{\"versionName\":\"x\",\"versionCode\":1e2147483648,\"arch\":\"x64\"}");
        assertThat(admin.statusCode()).isEqualTo(400);
    }

    @Test
    void strategyFieldsOutOfRangeAreRefusedNotWrapped() {
        long v = winVersion(2);
        String base = "/api/admin/v1/apps/" + win + "/strategies";
        for (String body : List.of(
                "{\"versionId\":" + v + ",\"end\":\"+999999999-12-31T23:59:59Z\"}",
                "{\"versionId\":" + v + ",\"percentage\":1e2147483647}",
                "{\"versionId\":" + v + ",\"flowRules\":[{\"dimension\":\"minute\",\"limit\":18446744073709551616}]}",
                "{\"versionId\":" + v + ",\"grayRules\":[{\"begin\":\"2026-01-01T00:00:00Z\",\"end\":\"2027-01-01T00:00:00Z\",\"limit\":18446744073709551617}]}",
                "{\"versionId\":" + v + ",\"source\":{\"type\":\"listed\",\"versionIds\":[18446744073709551625]}}",
                "{\"versionId\":" + v + ",\"flowRules\":[{\"dimension\":\"minute\",\"limit\":1,\"enable\":false}]}",
                "{\"versionId\":" + v + ",\"flowRules\":[{\"dimension\":\"minute\",\"limit\":1,\"begin\":\"08:00:00\",\"end\":\"08:00:00\"}]}",
                "{\"versionId\":" + v + ",\"name\":\"a\\u0000b\"}",
                "{\"versionId\":" + v + ",\"name\":\"\\ud800x\"}")) {
            HttpResponse<String> r = server.admin("POST", base, body);
            assertThat(r.statusCode()).as(body + " -> " + r.body()).isEqualTo(400);
            assertThat(TestServer.parse(r.body()).get("code").asText()).isEqualTo("invalid_request");
        }
        assertThat(server.adminOk("GET", base, null, 200).get("items")).isEmpty();
    }

    @Test
    void badDeviceKeysChannelsAndTypesOnChecksAre400003() {
        winVersion(2);
        for (String extra : List.of("\"devKey\":\"a\\u0000b\"", "\"devKey\":\"sp ace\"", "\"devModelKey\":\"\\u00e9\"",
                "\"channel\":\"\\u2603\"", "\"arch\":[]", "\"devKey\":{}")) {
            String body = "{\"winKey\":\"" + win + "\",\"versionCode\":1,\"arch\":\"x64\"," + extra + "}";
            if (extra.startsWith("\"arch\"")) {
                body = "{\"winKey\":\"" + win + "\",\"versionCode\":1," + extra + "}";
            }
            HttpResponse<String> r = server.signedPost(key, "/v1/win/upgrade", body);
            assertThat(code(r)).as(body + " -> " + r.body()).isEqualTo(400003);
        }
    }

    @Test
    void appListFilterAcceptsTheKindInAnyCase() {
        JsonNode items = server.adminOk("GET", "/api/admin/v1/apps?kind=WIN", null, 200).get("items");
        assertThat(items).hasSize(1);
        assertThat(items.get(0).get("key").asText()).isEqualTo(win);
    }

    @Test
    void identicalConcurrentUploadsAllSucceed() throws Exception {
        long id = server.createVersion(win, TestServer.json(map("versionName", "v9", "versionCode", 9, "arch", "x64"))).get("id").asLong();
        byte[] file = bytes(200_000, 9);
        ExecutorService pool = Executors.newFixedThreadPool(6);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<HttpResponse<String>>> results = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            results.add(pool.submit(() -> {
                go.await();
                return TestServer.send(HttpRequest.newBuilder(URI.create(server.base() + "/api/admin/v1/apps/" + win
                                + "/versions/" + id + "/artifact?role=install&fileName=Demo.exe"))
                        .header("Authorization", "Bearer " + TestServer.ADMIN_TOKEN)
                        .PUT(HttpRequest.BodyPublishers.ofByteArray(file)).build());
            }));
        }
        go.countDown();
        for (Future<HttpResponse<String>> f : results) {
            HttpResponse<String> r = f.get();
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
        pool.shutdown();
    }

    @Test
    void listedSourceVersionStillMatchesAfterItIsDeleted() {
        long v1 = winVersion(1);
        long v3 = winVersion(3);
        server.adminOk("POST", "/api/admin/v1/apps/" + win + "/strategies", TestServer.json(map("versionId", v3,
                "source", map("type", "listed", "versionIds", List.of(v1)))), 201);
        String body = "{\"winKey\":\"" + win + "\",\"versionCode\":1,\"arch\":\"x64\"}";
        assertThat(code(server.signedPost(key, "/v1/win/upgrade", body))).isEqualTo(200);
        assertThat(server.admin("DELETE", "/api/admin/v1/apps/" + win + "/versions/" + v1, null).statusCode()).isEqualTo(204);
        JsonNode after = TestServer.parse(server.signedPost(key, "/v1/win/upgrade", body).body());
        assertThat(after.get("code").asInt()).as("clients still on the deleted build get the fix").isEqualTo(200);
        assertThat(after.get("data").get("versionCode").asLong()).isEqualTo(3);
    }

    @Test
    void tauriOffersOnlyTheFileItsSignatureBelongsTo() {
        String tauri = server.createApp("tauri", "T");
        long id = server.createVersion(tauri, "{\"versionName\":\"2.0.0\",\"target\":\"windows\",\"arch\":\"x86_64\",\"signature\":\"SIG-OF-NSIS\"}")
                .get("id").asLong();
        server.upload(tauri, id, "update", "T_2.0.0_x64-setup.nsis.zip", bytes(100, 1));
        server.upload(tauri, id, "install", "T_2.0.0_x64.msi", bytes(100, 2));
        server.adminOk("POST", "/api/admin/v1/apps/" + tauri + "/strategies", "{\"versionId\":" + id + "}", 201);
        String url = server.base() + "/v1/tauri/upgrade?tauriKey=" + tauri + "&versionName=1.0.0&target=windows&arch=x86_64&bundle_type=";
        HttpResponse<String> nsis = TestServer.send(HttpRequest.newBuilder(URI.create(url + "nsis")).header("X-AccessKey", key.accessKey()).build());
        assertThat(nsis.statusCode()).isEqualTo(200);
        assertThat(TestServer.parse(nsis.body()).get("url").asText()).endsWith("/update/T_2.0.0_x64-setup.nsis.zip");
        HttpResponse<String> msi = TestServer.send(HttpRequest.newBuilder(URI.create(url + "msi")).header("X-AccessKey", key.accessKey()).build());
        assertThat(msi.statusCode()).as("the .msi is not what SIG-OF-NSIS signs").isEqualTo(204);
    }

    @Test
    void uploadWithoutFileNameGetsAUsableDefaultEvenForOddAppNames() {
        String odd = server.createApp("file", "a/b \"c\"");
        long id = server.createVersion(odd, "{\"versionName\":\"1/0\",\"versionCode\":1}").get("id").asLong();
        HttpResponse<String> r = TestServer.send(HttpRequest.newBuilder(URI.create(server.base() + "/api/admin/v1/apps/"
                        + odd + "/versions/" + id + "/artifact"))
                .header("Authorization", "Bearer " + TestServer.ADMIN_TOKEN)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes(10, 1))).build());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(TestServer.parse(r.body()).get("fileName").asText()).isEqualTo("a_b _c_-1_0");
    }
}
