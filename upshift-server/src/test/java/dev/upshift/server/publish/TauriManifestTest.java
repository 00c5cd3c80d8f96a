package dev.upshift.server.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.upshift.server.publish.PublishCheckException.Code;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TauriManifestTest {
    /** The shape of update-protocols.md §1.3, with the extra keys upgradelink-protocol.md §4.10 lists. */
    static final String SAMPLE = """
            { "version": "v1.2.3", "notes": "Bug fixes", "pub_date": "2024-10-01T12:00:00Z",
              "platforms": {
                "linux-x86_64":       { "signature": "c2lnMQ==", "url": "https://cdn.example.com/app_1.2.3_amd64.AppImage" },
                "linux-x86_64-deb":   { "signature": "c2lnMg==", "url": "https://cdn.example.com/app_1.2.3_amd64.deb" },
                "darwin-aarch64":     { "signature": "c2lnMw==", "url": "https://cdn.example.com/My%20App.app.tar.gz?x=1" },
                "windows-x86_64":     { "signature": "c2lnNA==", "url": "https://cdn.example.com/app_1.2.3_x64-setup.exe" },
                "windows-x86_64-msi": { "signature": "c2lnNQ==", "url": "https://cdn.example.com/dl/app_1.2.3_x64_en-US.msi" },
                "windows-i686":       { "signature": "c2lnNg==", "url": "https://cdn.example.com/app_1.2.3_x86-setup.exe" },
                "linux-riscv64-rpm":  { "signature": "c2lnNw==", "url": "http://mirror.example.com/app-1.2.3.riscv64.rpm" } } }
            """;

    @Test
    void aRealisticLatestJsonParsesIntoOneEntryPerPlatformKey() throws Exception {
        TauriManifest m = TauriManifest.parse(bytes(SAMPLE));

        assertThat(m.version().toString()).isEqualTo("1.2.3");
        assertThat(m.notes()).isEqualTo("Bug fixes");
        assertThat(m.pubDate()).isEqualTo(OffsetDateTime.parse("2024-10-01T12:00:00Z"));
        assertThat(m.platforms()).hasSize(7);
        assertThat(m.platforms().get(1)).isEqualTo(new TauriManifest.Platform("linux-x86_64-deb", "linux", "x86_64",
                "deb", "https://cdn.example.com/app_1.2.3_amd64.deb", "c2lnMg==", "app_1.2.3_amd64.deb"));
        assertThat(m.platforms().get(0).bundleType()).isNull();
        assertThat(m.platforms().get(2).fileName()).isEqualTo("My App.app.tar.gz");
        assertThat(m.platforms().get(6).arch()).isEqualTo("riscv64");
    }

    @Test
    void notesAndPubDateAreOptional() throws Exception {
        TauriManifest m = TauriManifest.parse(bytes("""
                {"version":"2.0.0-beta.1","platforms":{"darwin-x86_64":{"signature":"s","url":"https://h/a.tar.gz"}}}
                """));
        assertThat(m.notes()).isNull();
        assertThat(m.pubDate()).isNull();
        assertThat(m.version().isPreRelease()).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "missing version             | \"version\": \"v1.2.3\",                  |                                    | version is missing",
            "non-SemVer version          | \"v1.2.3\"                                | \"1.2\"                              | version '1.2' is not a SemVer version",
            "numeric version             | \"v1.2.3\"                                | 1.2                                | version must be text",
            "bad pub_date                | \"2024-10-01T12:00:00Z\"                  | \"yesterday\"                        | pub_date 'yesterday' is not an RFC 3339",
            "pub_date without offset     | \"2024-10-01T12:00:00Z\"                  | \"2024-10-01T12:00:00\"              | pub_date '2024-10-01T12:00:00'",
            "notes not text              | \"Bug fixes\"                             | [1]                                | notes must be text",
            "unknown os                  | \"windows-i686\"                          | \"haiku-x86_64\"                     | platforms.haiku-x86_64 is not a known platform key",
            "unknown arch                | \"windows-i686\"                          | \"windows-x64\"                      | platforms.windows-x64 is not a known platform key",
            "unknown bundle              | \"windows-i686\"                          | \"windows-i686-exe\"                 | platforms.windows-i686-exe is not a known platform key",
            "darwin-universal            | \"windows-i686\"                          | \"darwin-universal\"                 | platforms.darwin-universal is not a known",
            "missing url                 | \"url\": \"https://cdn.example.com/app_1.2.3_x86-setup.exe\" | \"u\": 1 | platforms.windows-i686.url is missing",
            "empty signature             | \"c2lnNg==\"                              | \"\"                                 | platforms.windows-i686.signature is empty",
            "relative url                | \"https://cdn.example.com/app_1.2.3_x86-setup.exe\" | \"app.exe\"              | platforms.windows-i686.url 'app.exe' must be an absolute https URL",
            "ftp url                     | \"https://cdn.example.com/app_1.2.3_x86-setup.exe\" | \"ftp://h/app.exe\"      | platforms.windows-i686.url 'ftp://h/app.exe' must be an http(s) URL",
            "url ending in a slash       | \"https://cdn.example.com/app_1.2.3_x86-setup.exe\" | \"https://h/dir/\"       | does not end in a file name",
            "encoded slash in name       | \"https://cdn.example.com/app_1.2.3_x86-setup.exe\" | \"https://h/a%2F..%2Fb.exe\" | forbidden character",
            "encoded quote in name       | \"https://cdn.example.com/app_1.2.3_x86-setup.exe\" | \"https://h/a%22.exe\"   | forbidden character",
            "encoded newline in name     | \"https://cdn.example.com/app_1.2.3_x86-setup.exe\" | \"https://h/a%0A.exe\"   | forbidden character",
            "encoded backslash in name   | \"https://cdn.example.com/app_1.2.3_x86-setup.exe\" | \"https://h/a%5Cb.exe\"  | forbidden character",
            "dot-dot name                | \"https://cdn.example.com/app_1.2.3_x86-setup.exe\" | \"https://h/a/%2E%2E\"   | does not end in a file name",
            "broken escape               | \"https://cdn.example.com/app_1.2.3_x86-setup.exe\" | \"https://h/a%zz.exe\"   | is not a valid URL (Malformed escape pair)",
            "duplicate platform key      | \"windows-i686\"                          | \"windows-x86_64\"                   | latest.json is not valid JSON: Duplicate field 'windows-x86_64'",
            "entry not an object         | \"windows-i686\":       {                 | \"windows-i686\": 3, \"x\": {          | platforms.windows-i686 must be an object",
    })
    void eachMalformedVariantIsRefusedNamingTheField(String name, String find, String replace, String message) {
        String json = SAMPLE.replace(find, replace == null ? "" : replace);
        assertThat(json).as("the test's replacement applies").isNotEqualTo(SAMPLE);

        PublishCheckException e = catchThrowableOfType(PublishCheckException.class,
                () -> TauriManifest.parse(bytes(json)));

        assertThat(e).as(name).isNotNull();
        assertThat(e.code()).isEqualTo(Code.BAD_MANIFEST);
        assertThat(e.getMessage()).contains(message);
    }

    @Test
    void documentsThatAreNotManifestsAreRefused() {
        for (String doc : new String[] {"", "[]", "\"x\"", "{", "{\"version\":\"1.0.0\"}",
                "{\"version\":\"1.0.0\",\"platforms\":{}}", "{\"version\":\"1.0.0\",\"platforms\":[]}"}) {
            PublishCheckException e = catchThrowableOfType(PublishCheckException.class,
                    () -> TauriManifest.parse(bytes(doc)));
            assertThat(e).as(doc).isNotNull();
            assertThat(e.code()).isEqualTo(Code.BAD_MANIFEST);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
