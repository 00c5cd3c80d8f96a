package dev.upshift.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** {@code GET|HEAD /v1/<kind>/download}: exact bytes, HTTP caching and range semantics, counting, selection. */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class DownloadTest {
    private static final int SIZE = 1000;

    @Parameter
    TestDatabase database;
    @TempDir
    Path dir;
    TestServer server;

    /** A win app with one x64 version (code 1) whose install file is {@link #bytes}. */
    String app;
    long versionId;
    byte[] bytes;
    String sha256;
    String etag;
    String link;

    @BeforeEach
    void start() {
        server = TestServer.start(database, dir);
        app = server.createApp("win", "Demo");
        versionId = createWin(app, 1, "x64", false);
        bytes = randomBytes(SIZE, 11);
        sha256 = server.upload(app, versionId, "install", "Demo-1.exe", bytes).get("sha256").asText();
        etag = "\"" + sha256 + "\"";
        link = "/v1/win/download?winKey=" + app + "&versionId=" + versionId;
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void getReturnsTheExactBytesWithLengthEtagAndDigestHeaders() throws NoSuchAlgorithmException {
        HttpResponse<byte[]> r = get(link);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(bytes);
        assertThat(sha256).isEqualTo(AdminApiTest.hex("SHA-256", bytes));
        assertThat(r.headers().firstValue("Content-Length")).hasValue(Integer.toString(SIZE));
        assertThat(r.headers().firstValue("ETag")).hasValue(etag);
        assertThat(r.headers().firstValue("X-Checksum-Sha256")).hasValue(sha256);
        String digest = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(bytes));
        assertThat(r.headers().firstValue("Digest")).hasValue("sha-256=" + digest);
        assertThat(r.headers().firstValue("Accept-Ranges")).hasValue("bytes");
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("application/vnd.microsoft.portable-executable"));
        assertThat(r.headers().firstValue("Content-Disposition")).hasValueSatisfying(
                d -> assertThat(d).startsWith("attachment").contains("filename=\"Demo-1.exe\""));
    }

    @Test
    void headReturnsTheHeadersWithoutABody() {
        HttpResponse<byte[]> r = send(request(link).method("HEAD", HttpRequest.BodyPublishers.noBody()));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEmpty();
        assertThat(r.headers().firstValue("Content-Length")).hasValue(Integer.toString(SIZE));
        assertThat(r.headers().firstValue("ETag")).hasValue(etag);
        assertThat(r.headers().firstValue("X-Checksum-Sha256")).hasValue(sha256);
        assertThat(r.headers().firstValue("Digest")).hasValueSatisfying(d -> assertThat(d).startsWith("sha-256="));
    }

    @Test
    void rangeFromTheStartAnswers206WithContentRange() {
        HttpResponse<byte[]> r = send(request(link).header("Range", "bytes=0-9"));
        assertThat(r.statusCode()).isEqualTo(206);
        assertThat(r.body()).isEqualTo(Arrays.copyOfRange(bytes, 0, 10));
        assertThat(r.headers().firstValue("Content-Range")).hasValue("bytes 0-9/" + SIZE);
        assertThat(r.headers().firstValue("Content-Length")).hasValue("10");
        assertThat(r.headers().firstValue("ETag")).hasValue(etag);

        HttpResponse<byte[]> middle = send(request(link).header("Range", "bytes=100-"));
        assertThat(middle.statusCode()).isEqualTo(206);
        assertThat(middle.body()).isEqualTo(Arrays.copyOfRange(bytes, 100, SIZE));
        assertThat(middle.headers().firstValue("Content-Range")).hasValue("bytes 100-999/" + SIZE);
    }

    @Test
    void suffixRangeReturnsTheLastBytes() {
        HttpResponse<byte[]> r = send(request(link).header("Range", "bytes=-5"));
        assertThat(r.statusCode()).isEqualTo(206);
        assertThat(r.body()).isEqualTo(Arrays.copyOfRange(bytes, SIZE - 5, SIZE));
        assertThat(r.headers().firstValue("Content-Range")).hasValue("bytes 995-999/" + SIZE);
        assertThat(r.headers().firstValue("Content-Length")).hasValue("5");
    }

    @Test
    void ifRangeWithAnotherEtagIgnoresTheRangeAndSendsTheWholeFile() {
        HttpResponse<byte[]> stale = send(request(link).header("Range", "bytes=0-9").header("If-Range", "\"other\""));
        assertThat(stale.statusCode()).isEqualTo(200);
        assertThat(stale.body()).isEqualTo(bytes);
        assertThat(stale.headers().firstValue("Content-Range")).isEmpty();

        HttpResponse<byte[]> current = send(request(link).header("Range", "bytes=10-19").header("If-Range", etag));
        assertThat(current.statusCode()).isEqualTo(206);
        assertThat(current.body()).isEqualTo(Arrays.copyOfRange(bytes, 10, 20));
    }

    @Test
    void unsatisfiableRangeAnswers416WithTheSize() {
        for (String range : List.of("bytes=" + SIZE + "-" + (SIZE + 10), "bytes=5000-5999")) {
            HttpResponse<byte[]> r = send(request(link).header("Range", range));
            assertThat(r.statusCode()).as(range).isEqualTo(416);
            assertThat(r.headers().firstValue("Content-Range")).as(range).hasValue("bytes */" + SIZE);
            assertThat(r.body()).as(range).isEmpty();
        }
        assertThat(downloadTimes()).isZero();
    }

    @Test
    void openEndedRangeStartingAtTheEndOfTheFileAnswers416AndIsNotCounted() {
        // A client resuming a download it already finished asks for "bytes=<size>-".
        HttpResponse<byte[]> r = send(request(link).header("Range", "bytes=" + SIZE + "-"));
        // Regression: "bytes=<size>-" was once taken for a malformed range and answered with the whole file (200),
        // counted as a download.
        assertThat(r.statusCode()).isEqualTo(416);
        assertThat(r.headers().firstValue("Content-Range")).hasValue("bytes */" + SIZE);
        assertThat(r.body()).isEmpty();
        assertThat(downloadTimes()).isZero();
    }

    @Test
    void ifNoneMatchWithTheEtagAnswers304WithoutABody() {
        HttpResponse<byte[]> r = send(request(link).header("If-None-Match", etag));
        assertThat(r.statusCode()).isEqualTo(304);
        assertThat(r.body()).isEmpty();
        assertThat(r.headers().firstValue("ETag")).hasValue(etag);

        HttpResponse<byte[]> other = send(request(link).header("If-None-Match", "\"something-else\""));
        assertThat(other.statusCode()).isEqualTo(200);
        assertThat(other.body()).isEqualTo(bytes);
    }

    @Test
    void downloadTimesCountsOnlyResponsesThatSendTheWholeFile() {
        assertThat(downloadTimes()).isZero();

        assertThat(get(link).statusCode()).isEqualTo(200);                                          // counts
        assertThat(downloadTimes()).isEqualTo(1);
        assertThat(send(request(link).header("Range", "bytes=0-")).statusCode()).isEqualTo(206);      // counts
        assertThat(downloadTimes()).as("a range from the first byte to the last is the whole file").isEqualTo(2);

        assertThat(send(request(link).method("HEAD", HttpRequest.BodyPublishers.noBody())).statusCode())
                .isEqualTo(200);
        assertThat(send(request(link).header("If-None-Match", etag)).statusCode()).isEqualTo(304);
        assertThat(send(request(link).header("Range", "bytes=10-19")).statusCode()).isEqualTo(206);
        assertThat(send(request(link).header("Range", "bytes=10-")).statusCode()).isEqualTo(206);
        assertThat(send(request(link).header("Range", "bytes=-5")).statusCode()).isEqualTo(206);
        assertThat(send(request(link).header("Range", "bytes=5000-5999")).statusCode()).isEqualTo(416);
        assertThat(downloadTimes()).as("HEAD, 304, ranges starting later and 416 do not count").isEqualTo(2);

        assertThat(send(request(link).header("Range", "bytes=10-19").header("If-Range", "\"old\"")).statusCode())
                .isEqualTo(200);                                                                    // counts
        assertThat(downloadTimes()).isEqualTo(3);

        server.restart();
        assertThat(downloadTimes()).as("counts survive a restart").isEqualTo(3);
    }

    @Test
    void aPartialRangeFromTheFirstByteIsAProbeAndDoesNotCount() {
        // The current rule (DownloadEndpoint, FileResponder.Outcome): only a response that sends every byte counts.
        // An earlier rule also counted any 206 starting at byte 0; see the report.
        HttpResponse<byte[]> r = send(request(link).header("Range", "bytes=0-9"));
        assertThat(r.statusCode()).isEqualTo(206);
        assertThat(r.body()).isEqualTo(Arrays.copyOfRange(bytes, 0, 10));
        assertThat(downloadTimes()).isZero();
        assertThat(send(request(link).header("Range", "bytes=0-" + (SIZE + 500))).statusCode()).isEqualTo(206);
        assertThat(downloadTimes()).as("a range past the end from byte 0 covers the whole file").isEqualTo(1);
    }

    @Test
    void versionIdOfAnotherAppsVersionIsNotServed() {
        String other = server.createApp("win", "Other");
        long otherVersion = createWin(other, 1, "x64", false);
        byte[] otherBytes = randomBytes(50, 12);
        server.upload(other, otherVersion, "install", "Other.exe", otherBytes);

        HttpResponse<byte[]> r = get("/v1/win/download?winKey=" + app + "&versionId=" + otherVersion);
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.headers().firstValue("X-Checksum-Sha256")).isEmpty();
        // The same id through its own app is served.
        HttpResponse<byte[]> own = get("/v1/win/download?winKey=" + other + "&versionId=" + otherVersion);
        assertThat(own.statusCode()).isEqualTo(200);
        assertThat(own.body()).isEqualTo(otherBytes);
    }

    @Test
    void notFoundDownloadsAnswerTheUpgradeLinkCode404001() {
        String other = server.createApp("win", "Other");
        long otherVersion = createWin(other, 1, "x64", false);
        createWin(app, 3, "arm64", false);
        // Regression: the 404 error page once tested the REQUEST's Content-Type, so a 404001 answered to a GET
        // without "Content-Type: application/json" became 404004 "Request not found".
        assertUpgradeLinkError(get("/v1/win/download?winKey=" + app + "&versionId=" + otherVersion), 404, 404001);
        assertUpgradeLinkError(get("/v1/win/download?winKey=nope&versionId=" + versionId), 404, 404001);
        assertUpgradeLinkError(get("/v1/mac/download?macKey=" + app + "&versionId=" + versionId), 404, 404001);
        assertUpgradeLinkError(get("/v1/win/download?winKey=" + app + "&versionId=999999"), 404, 404001);
        assertUpgradeLinkError(get("/v1/win/download?winKey=" + app + "&arch=x64&versionCode=3"), 404, 404001);
    }

    @Test
    void withoutVersionIdTheArchIsRequired() {
        assertUpgradeLinkError(get("/v1/win/download?winKey=" + app), 400, 400002);
        assertUpgradeLinkError(get("/v1/win/download?versionId=" + versionId), 400, 400002);
        assertUpgradeLinkError(get("/v1/win/download?winKey=" + app + "&arch=ia64"), 400, 400003);
        assertUpgradeLinkError(get("/v1/win/download?winKey=" + app + "&versionId=-1"), 400, 400003);
        assertUpgradeLinkError(get("/v1/win/download?winKey=" + app + "&versionId=1&downloadType=3"), 400, 400003);
        HttpResponse<byte[]> latest = get("/v1/win/download?winKey=" + app + "&arch=x64");
        assertThat(latest.statusCode()).isEqualTo(200);
        assertThat(latest.body()).isEqualTo(bytes);
    }

    @Test
    void latestSelectionRespectsArchAndSkipsPreReleases() {
        byte[] x64v2 = uploadNew(createWin(app, 2, "x64", false), randomBytes(200, 21));
        byte[] arm64v3 = uploadNew(createWin(app, 3, "arm64", false), randomBytes(300, 22));
        byte[] x64v4beta = uploadNew(createWin(app, 4, "x64", true), randomBytes(400, 23));

        assertThat(get("/v1/win/download?winKey=" + app + "&arch=x64").body()).isEqualTo(x64v2);
        assertThat(get("/v1/win/download?winKey=" + app + "&arch=arm64").body()).isEqualTo(arm64v3);
        // An exact code may name a pre-release.
        assertThat(get("/v1/win/download?winKey=" + app + "&arch=x64&versionCode=4").body()).isEqualTo(x64v4beta);
        assertThat(get("/v1/win/download?winKey=" + app + "&arch=x64&versionCode=1").body()).isEqualTo(bytes);
        // A code that exists only for the other arch is not served for this one (its UpgradeLink code is checked in
        // notFoundDownloadsAnswerTheUpgradeLinkCode404001).
        HttpResponse<byte[]> otherArch = get("/v1/win/download?winKey=" + app + "&arch=x64&versionCode=3");
        assertThat(otherArch.statusCode()).isEqualTo(404);
        assertThat(otherArch.body()).isNotEqualTo(arm64v3);
    }

    @Test
    void urlAppDownloadRedirectsToItsUrlPath() {
        String url = server.createApp("url", "Site");
        server.createVersion(url, AdminApiTest.json("versionName", "1", "versionCode", 1,
                "urlPath", "https://downloads.example.com/site-1.zip"));
        server.createVersion(url, AdminApiTest.json("versionName", "2", "versionCode", 2,
                "urlPath", "https://downloads.example.com/site-2.zip?x=1"));

        HttpResponse<byte[]> r = get("/v1/url/download?urlKey=" + url);
        assertThat(r.statusCode()).isEqualTo(302);
        assertThat(r.headers().firstValue("Location")).hasValue("https://downloads.example.com/site-2.zip?x=1");
        HttpResponse<byte[]> first = get("/v1/url/download?urlKey=" + url + "&versionCode=1");
        assertThat(first.statusCode()).isEqualTo(302);
        assertThat(first.headers().firstValue("Location")).hasValue("https://downloads.example.com/site-1.zip");
    }

    @Test
    void tauriDownloadTypeTwoPicksTheUpdateBundle() {
        String tauri = server.createApp("tauri", "Desk");
        long id = server.createVersion(tauri, AdminApiTest.json("versionName", "1.0.0", "target", "linux",
                "arch", "x86_64")).get("id").asLong();
        byte[] install = randomBytes(300, 31);
        byte[] update = randomBytes(200, 32);
        server.upload(tauri, id, "install", "desk_1.0.0_amd64.AppImage", install);
        server.upload(tauri, id, "update", "desk_1.0.0_amd64.AppImage.tar.gz", update);

        String latest = "/v1/tauri/download?tauriKey=" + tauri + "&target=linux&arch=x86_64";
        HttpResponse<byte[]> bundle = get(latest + "&downloadType=2");
        assertThat(bundle.statusCode()).isEqualTo(200);
        assertThat(bundle.body()).isEqualTo(update);
        assertThat(bundle.headers().firstValue("X-Checksum-Sha256")).hasValue(AdminApiTest.hex("SHA-256", update));
        assertThat(get(latest).body()).isEqualTo(install);
        assertThat(get(latest + "&downloadType=1").body()).isEqualTo(install);
        assertThat(get("/v1/tauri/download?tauriKey=" + tauri + "&versionId=" + id + "&downloadType=2").body())
                .isEqualTo(update);
        assertThat(get("/v1/tauri/download?tauriKey=" + tauri + "&target=darwin&arch=x86_64").statusCode())
                .isEqualTo(404);
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    private long createWin(String appKey, long code, String arch, boolean preRelease) {
        return server.createVersion(appKey, AdminApiTest.json("versionName", "v" + code, "versionCode", code,
                "arch", arch, "isPreRelease", preRelease)).get("id").asLong();
    }

    private byte[] uploadNew(long id, byte[] content) {
        server.upload(app, id, "install", "Demo.exe", content);
        return content;
    }

    private long downloadTimes() {
        return server.adminOk("GET", "/api/admin/v1/apps/" + app + "/versions/" + versionId, null, 200)
                .get("downloadTimes").asLong();
    }

    private static void assertUpgradeLinkError(HttpResponse<byte[]> r, int status, int code) {
        String text = new String(r.body(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(r.statusCode()).as(text).isEqualTo(status);
        JsonNode body = TestServer.parse(text);
        assertThat(body.get("code").asInt()).as(text).isEqualTo(code);
        assertThat(body.get("msg").asText()).isNotBlank();
        assertThat(body.get("data").isNull()).isTrue();
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(server.base() + path)).GET();
    }

    private HttpResponse<byte[]> get(String path) {
        return send(request(path));
    }

    private static HttpResponse<byte[]> send(HttpRequest.Builder b) {
        try {
            return TestServer.HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
