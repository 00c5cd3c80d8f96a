package dev.upshift.server.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.upshift.server.publish.PublishCheckException.Code;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ElectronManifestTest {
    static final byte[] INSTALLER = "pretend this is an NSIS installer".getBytes(StandardCharsets.UTF_8);
    static final String HEX = sha512Hex(INSTALLER);
    static final String B64 = Base64.getEncoder().encodeToString(HexFormat.of().parseHex(HEX));

    /** The shape of update-protocols.md §2.2, as electron-builder writes it. */
    static final String SAMPLE = """
            version: 1.1.0
            files:
              - url: TestApp-Setup-1.1.0.exe
                sha512: %1$s
                size: 62021782
                isAdminRightsRequired: false
              - url: https://cdn.example.com/TestApp%%20Web%%20Setup-1.1.0.exe
                sha512: %1$s
                size: 1234567
                blockMapSize: 1234
            path: TestApp-Setup-1.1.0.exe
            sha512: %1$s
            releaseName: "1.1.0"
            releaseNotes: "text"
            releaseDate: '2024-10-01T12:00:00.000Z'
            stagingPercentage: 10
            minimumSystemVersion: "10.0.22631"
            """.formatted(B64);

    @Test
    void aRealisticLatestYmlParsesWithEveryField() throws Exception {
        ElectronManifest m = ElectronManifest.parse(bytes(SAMPLE));

        assertThat(m.version().toString()).isEqualTo("1.1.0");
        assertThat(m.files()).containsExactly(
                new ElectronManifest.File("TestApp-Setup-1.1.0.exe", "TestApp-Setup-1.1.0.exe", B64, HEX, 62021782,
                        null),
                new ElectronManifest.File("https://cdn.example.com/TestApp%20Web%20Setup-1.1.0.exe",
                        "TestApp Web Setup-1.1.0.exe", B64, HEX, 1234567, 1234L));
        assertThat(m.path()).isEqualTo("TestApp-Setup-1.1.0.exe");
        assertThat(m.sha512()).isEqualTo(B64);
        assertThat(m.releaseName()).isEqualTo("1.1.0");
        assertThat(m.releaseNotes()).isEqualTo(new ElectronManifest.ReleaseNotes.Text("text"));
        assertThat(m.releaseDate()).isEqualTo(OffsetDateTime.parse("2024-10-01T12:00:00Z"));
        assertThat(m.stagingPercentage()).isEqualByComparingTo("10");
        assertThat(m.minimumSystemVersion()).isEqualTo("10.0.22631");
        assertThat(m.warnings()).isEmpty();
    }

    @Test
    void aMinimalFeedWithReleaseNotesPerVersionAndAFractionalRolloutParses() throws Exception {
        ElectronManifest m = ElectronManifest.parse(bytes("""
                version: 2.0.0-beta.3
                files:
                  - url: My App-2.0.0-beta.3-arm64-mac.zip
                    sha512: %s
                    size: 10
                stagingPercentage: 12.5
                releaseNotes:
                  - version: 2.0.0-beta.3
                    note: Faster start
                  - version: 2.0.0-beta.2
                    note: null
                """.formatted(B64)));

        assertThat(m.files().get(0).fileName()).isEqualTo("My App-2.0.0-beta.3-arm64-mac.zip");
        assertThat(m.stagingPercentage()).isEqualByComparingTo(new BigDecimal("12.5"));
        assertThat(m.releaseNotes()).isEqualTo(new ElectronManifest.ReleaseNotes.PerVersion(List.of(
                new ElectronManifest.ReleaseNotes.Note("2.0.0-beta.3", "Faster start"),
                new ElectronManifest.ReleaseNotes.Note("2.0.0-beta.2", null))));
        assertThat(m.releaseDate()).isNull();
    }

    @Test
    void aHexSha512IsAcceptedWithADeprecationWarning() throws Exception {
        ElectronManifest m = ElectronManifest.parse(bytes(SAMPLE.replace("    sha512: " + B64 + "\n    size: 62021782",
                "    sha512: " + HEX + "\n    size: 62021782")));

        assertThat(m.files().get(0).sha512()).isEqualTo(HEX);
        assertThat(m.files().get(0).sha512Hex()).isEqualTo(HEX);
        assertThat(m.warnings()).singleElement().asString().contains("files[0].sha512 is hex").contains("base64");
    }

    @Test
    void jsonIsValidYamlAndParsesToo() throws Exception {
        ElectronManifest m = ElectronManifest.parse(bytes("""
                {"version":"1.0.0","files":[{"url":"a.exe","sha512":"%s","size":1}]}""".formatted(B64)));
        assertThat(m.files()).hasSize(1);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "missing version       | 'version: 1.1.0'                     | ''                           | version is missing",
            "non-SemVer version    | 'version: 1.1.0'                     | 'version: 1.1'               | version must be text",
            "bad version           | 'version: 1.1.0'                     | 'version: one'               | version 'one' is not a SemVer version",
            "no files              | 'files:'                             | 'filez:'                     | files is missing",
            "files not a list      | 'files:'                             | 'files: x\nignored:'         | files must be a non-empty list",
            "missing url           | '  - url: TestApp-Setup-1.1.0.exe'   | '  - urk: x'                 | files[0].url is missing",
            "url that is a dir     | '  - url: TestApp-Setup-1.1.0.exe'   | '  - url: https://h/dl/'     | files[0].url 'https://h/dl/' does not end in a file name",
            "url with bad scheme   | '  - url: TestApp-Setup-1.1.0.exe'   | '  - url: file:///etc/passwd' | files[0].url 'file:///etc/passwd' must be an http(s) URL",
            "missing sha512        | '    sha512: B64\n    size: 62021782' | '    size: 62021782'        | files[0].sha512 is missing; electron-updater refuses",
            "short sha512          | '    sha512: B64\n    size: 62021782' | '    sha512: abc\n    size: 62021782' | files[0].sha512 must be a SHA-512 as base64",
            "sha512 not base64     | '    sha512: B64\n    size: 62021782' | '    sha512: ZZZ\n    size: 62021782' | files[0].sha512 must be a SHA-512",
            "missing size          | '    size: 62021782'                  | ''                           | files[0].size is missing",
            "negative size         | '    size: 62021782'                  | '    size: -1'               | files[0].size must be a whole number",
            "fractional size       | '    size: 62021782'                  | '    size: 1.5'              | files[0].size must be a whole number",
            "text blockMapSize     | '    blockMapSize: 1234'              | '    blockMapSize: big'      | files[1].blockMapSize must be a whole number",
            "bad top-level sha512  | 'path: TestApp-Setup-1.1.0.exe\nsha512: B64' | 'path: p\nsha512: nope' | sha512 must be a SHA-512",
            "bad releaseDate       | '''2024-10-01T12:00:00.000Z'''        | 'tomorrow'                   | releaseDate 'tomorrow' is not an RFC 3339",
            "staging over 100      | 'stagingPercentage: 10'              | 'stagingPercentage: 101'     | stagingPercentage must be a number from 0 to 100",
            "staging as text       | 'stagingPercentage: 10'              | 'stagingPercentage: half'    | stagingPercentage must be a number",
            "unquoted min version  | 'minimumSystemVersion: \"10.0.22631\"' | 'minimumSystemVersion: 10.10' | minimumSystemVersion must be text",
            "releaseNotes a map    | 'releaseNotes: \"text\"'               | 'releaseNotes: {a: 1}'      | releaseNotes must be text or a list",
            "note without version  | 'releaseNotes: \"text\"'               | 'releaseNotes:\n  - note: hi' | releaseNotes[0].version is missing",
            "duplicate key         | 'releaseName: \"1.1.0\"'               | 'releaseName: a\nreleaseName: b' | Duplicate field 'releaseName'",
    })
    void eachMalformedVariantIsRefusedNamingTheField(String name, String find, String replace, String message) {
        String yaml = SAMPLE.replace(find.replace("B64", B64), replace);
        assertThat(yaml).as("the test's replacement applies").isNotEqualTo(SAMPLE);

        PublishCheckException e = catchThrowableOfType(PublishCheckException.class,
                () -> ElectronManifest.parse(bytes(yaml)));

        assertThat(e).as(name).isNotNull();
        assertThat(e.code()).isEqualTo(Code.BAD_MANIFEST);
        assertThat(e.getMessage()).contains(message);
    }

    @Test
    void documentsThatAreNotManifestsAreRefused() {
        for (String doc : new String[] {"", "- a\n- b", "just text", "version: [", "a: &a [1]\nb: {x: *a"}) {
            PublishCheckException e = catchThrowableOfType(PublishCheckException.class,
                    () -> ElectronManifest.parse(bytes(doc)));
            assertThat(e).as(doc).isNotNull();
            assertThat(e.code()).isEqualTo(Code.BAD_MANIFEST);
        }
    }

    @Test
    void aBillionLaughsDocumentIsRefusedNotExpanded() {
        StringBuilder y = new StringBuilder("a: &a [x,x,x,x,x,x,x,x,x,x]\n");
        for (char c = 'b'; c <= 'j'; c++) {
            char p = (char) (c - 1);
            y.append(c).append(": &").append(c).append(" [*").append(p).append(",*").append(p).append(",*").append(p)
                    .append(",*").append(p).append(",*").append(p).append(",*").append(p).append(",*").append(p)
                    .append(",*").append(p).append(",*").append(p).append(",*").append(p).append("]\n");
        }
        PublishCheckException e = catchThrowableOfType(PublishCheckException.class,
                () -> ElectronManifest.parse(bytes(y.toString())));
        assertThat(e).isNotNull();
        assertThat(e.code()).isEqualTo(Code.BAD_MANIFEST);
    }

    @Test
    void sha512MatchesComparesBase64OrHexWithOurHex() {
        assertThat(ElectronManifest.sha512Matches(B64, HEX)).isTrue();
        assertThat(ElectronManifest.sha512Matches(HEX, HEX)).isTrue();
        assertThat(ElectronManifest.sha512Matches(HEX.toUpperCase(), HEX)).isTrue();
        assertThat(ElectronManifest.sha512Matches(B64, HEX.toUpperCase())).isTrue();

        String other = sha512Hex("different".getBytes(StandardCharsets.UTF_8));
        assertThat(ElectronManifest.sha512Matches(B64, other)).isFalse();
        assertThat(ElectronManifest.sha512Matches("garbage", HEX)).isFalse();
        assertThat(ElectronManifest.sha512Matches(B64, "nothex")).isFalse();
        assertThat(ElectronManifest.sha512Matches(null, HEX)).isFalse();
        assertThat(ElectronManifest.sha512Matches(B64, null)).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "null", value = {
            "latest.yml               | latest | windows | null",
            "beta.yml                 | beta   | windows | null",
            "latest-mac.yml           | latest | darwin  | null",
            "beta-mac.yml             | beta   | darwin  | null",
            "latest-linux.yml         | latest | linux   | x64",
            "latest-linux-arm64.yml   | latest | linux   | arm64",
            "alpha-linux-armv7l.yml   | alpha  | linux   | armv7l",
    })
    void theChannelFileNameGivesChannelAndPlatform(String file, String channel, String platform, String arch)
            throws Exception {
        assertThat(ElectronChannelFile.parse(file)).isEqualTo(new ElectronChannelFile(channel, platform, arch));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "latest.yaml            | must end in .yml",
            "latest.json            | must end in .yml",
            ".yml                   | invalid channel ''",
            "-mac.yml               | invalid channel ''",
            "latest-linux-sparc.yml | unknown Linux arch 'sparc'",
            "../latest.yml          | invalid channel '../latest'",
            "my channel.yml         | invalid channel 'my channel'",
    })
    void badChannelFileNamesAreRefusedSayingWhy(String file, String message) {
        PublishCheckException e = catchThrowableOfType(PublishCheckException.class,
                () -> ElectronChannelFile.parse(file));
        assertThat(e).isNotNull();
        assertThat(e.code()).isEqualTo(Code.BAD_MANIFEST);
        assertThat(e.getMessage()).contains(message);
    }

    static String sha512Hex(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-512").digest(data));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
