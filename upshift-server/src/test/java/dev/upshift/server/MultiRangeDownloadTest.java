package dev.upshift.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Multi-range downloads ({@code multipart/byteranges}, RFC 9110 §14.6), as electron-updater's differential
 * downloader requests them.
 */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class MultiRangeDownloadTest {
    private static final int SIZE = 10_000;

    @Parameter
    TestDatabase database;
    @TempDir
    Path dir;
    TestServer server;
    byte[] bytes;
    String sha256;
    String link;
    String app;
    long versionId;

    @BeforeEach
    void start() {
        server = TestServer.start(database, dir);
        app = server.createApp("win", "Demo");
        versionId = server.createVersion(app, AdminApiTest.json("versionName", "v1", "versionCode", 1, "arch", "x64",
                "isPreRelease", false)).get("id").asLong();
        bytes = new byte[SIZE];
        new Random(5).nextBytes(bytes);
        sha256 = server.upload(app, versionId, "install", "Demo-1.exe", bytes).get("sha256").asText();
        link = "/v1/win/download?winKey=" + app + "&versionId=" + versionId;
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void twoRangesComeBackAsTwoPartsWithExactBytesAndLength() {
        HttpResponse<byte[]> r = get(link, "Range", "bytes=0-99, 5000-5099");
        assertThat(r.statusCode()).isEqualTo(206);
        List<Part> parts = parse(r);
        assertThat(parts).hasSize(2);
        assertPart(parts.get(0), 0, 99);
        assertPart(parts.get(1), 5000, 5099);
        assertThat(r.headers().firstValue("Content-Length")).hasValue(Integer.toString(r.body().length));
        assertThat(r.headers().firstValue("X-Checksum-Sha256")).hasValue(sha256);
    }

    @Test
    void threeRangesIncludingASuffixAndAnOpenEnd() {
        HttpResponse<byte[]> r = get(link, "Range", "bytes=10-19,2000-2999,9990-");
        assertThat(r.statusCode()).isEqualTo(206);
        List<Part> parts = parse(r);
        assertThat(parts).hasSize(3);
        assertPart(parts.get(0), 10, 19);
        assertPart(parts.get(1), 2000, 2999);
        assertPart(parts.get(2), 9990, SIZE - 1);
    }

    @Test
    void headAnnouncesTheSameLengthAsGet() {
        HttpResponse<byte[]> get = get(link, "Range", "bytes=0-99,200-299");
        HttpResponse<byte[]> head = send(request(link).method("HEAD", HttpRequest.BodyPublishers.noBody())
                .header("Range", "bytes=0-99,200-299"));
        assertThat(head.statusCode()).isEqualTo(206);
        assertThat(head.headers().firstValue("Content-Length")).hasValue(Integer.toString(get.body().length));
        assertThat(head.headers().firstValue("Content-Type").orElseThrow()).startsWith("multipart/byteranges; boundary=");
    }

    @Test
    void unsatisfiableRangesAnswer416WithTheSize() {
        HttpResponse<byte[]> r = get(link, "Range", "bytes=20000-20099, 30000-");
        assertThat(r.statusCode()).isEqualTo(416);
        assertThat(r.headers().firstValue("Content-Range")).hasValue("bytes */" + SIZE);
    }

    @Test
    void tooManyOrOverlappingRangesGetTheWholeFile() {
        String many = IntStream.range(0, 201).mapToObj(i -> (i * 10) + "-" + (i * 10 + 1))
                .collect(Collectors.joining(","));
        HttpResponse<byte[]> r = get(link, "Range", "bytes=" + many);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(bytes);
        HttpResponse<byte[]> overlap = get(link, "Range", "bytes=0-99,50-149");
        assertThat(overlap.statusCode()).isEqualTo(200);
        assertThat(overlap.body()).isEqualTo(bytes);
    }

    @Test
    void aStaleIfRangeGetsTheWholeFileAndAMatchingOneTheParts() {
        HttpResponse<byte[]> stale = send(request(link).header("Range", "bytes=0-9,20-29")
                .header("If-Range", "\"0000\""));
        assertThat(stale.statusCode()).isEqualTo(200);
        assertThat(stale.body()).isEqualTo(bytes);
        HttpResponse<byte[]> fresh = send(request(link).header("Range", "bytes=0-9,20-29")
                .header("If-Range", "\"" + sha256 + "\""));
        assertThat(fresh.statusCode()).isEqualTo(206);
        assertThat(parse(fresh)).hasSize(2);
    }

    @Test
    void multiRangeRequestsAreNotCountedAsDownloads() throws InterruptedException {
        get(link, "Range", "bytes=0-9,20-29");
        assertThat(server.adminOk("GET", "/api/admin/v1/apps/" + app + "/versions/" + versionId, null, 200)
                .get("downloadTimes").asLong()).isZero();
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    record Part(String contentType, long start, long end, long size, byte[] body) {
    }

    private void assertPart(Part p, long start, long end) {
        assertThat(p.start()).isEqualTo(start);
        assertThat(p.end()).isEqualTo(end);
        assertThat(p.size()).isEqualTo(SIZE);
        assertThat(p.contentType()).isEqualTo("application/vnd.microsoft.portable-executable");
        assertThat(p.body()).isEqualTo(Arrays.copyOfRange(bytes, (int) start, (int) end + 1));
    }

    /** A strict multipart/byteranges parser: the delimiter is CRLF--boundary, as RFC 2046 defines it. */
    static List<Part> parse(HttpResponse<byte[]> r) {
        String type = r.headers().firstValue("Content-Type").orElseThrow();
        Matcher m = Pattern.compile("multipart/byteranges; boundary=(\\S+)").matcher(type);
        assertThat(m.matches()).as(type).isTrue();
        byte[] delimiter = ("\r\n--" + m.group(1)).getBytes(StandardCharsets.US_ASCII);
        byte[] body = r.body();
        List<Part> parts = new ArrayList<>();
        int pos = indexOf(body, delimiter, 0);
        assertThat(pos).isZero();
        while (true) {
            pos += delimiter.length;
            if (body[pos] == '-' && body[pos + 1] == '-') {
                assertThat(new String(body, pos, body.length - pos, StandardCharsets.US_ASCII)).isEqualTo("--\r\n");
                return parts;
            }
            int headersEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII), pos);
            String headers = new String(body, pos + 2, headersEnd - pos - 2, StandardCharsets.US_ASCII);
            Matcher ct = Pattern.compile("(?m)^Content-Type: (.+)$").matcher(headers);
            Matcher cr = Pattern.compile("(?m)^Content-Range: bytes (\\d+)-(\\d+)/(\\d+)$").matcher(headers);
            assertThat(ct.find() && cr.find()).as(headers).isTrue();
            long start = Long.parseLong(cr.group(1));
            long end = Long.parseLong(cr.group(2));
            int dataStart = headersEnd + 4;
            int dataEnd = dataStart + (int) (end - start + 1);
            parts.add(new Part(ct.group(1).trim(), start, end, Long.parseLong(cr.group(3)),
                    Arrays.copyOfRange(body, dataStart, dataEnd)));
            assertThat(indexOf(body, delimiter, dataEnd)).isEqualTo(dataEnd);
            pos = dataEnd;
        }
    }

    private static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = from; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(server.base() + path));
    }

    private HttpResponse<byte[]> get(String path, String header, String value) {
        return send(request(path).header(header, value));
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
}
