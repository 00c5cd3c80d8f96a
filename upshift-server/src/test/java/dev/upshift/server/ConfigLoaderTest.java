package dev.upshift.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.upshift.server.config.ConfigException;
import dev.upshift.server.config.ConfigLoader;
import dev.upshift.server.config.ServerConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Settings: defaults, precedence of flags over environment over file, and refusals that say what is wrong. */
class ConfigLoaderTest {
    @TempDir
    Path dir;

    private static ServerConfig load(Map<String, String> env, Map<String, String> flags, Path file) {
        return new ConfigLoader(env, flags, file).load();
    }

    private Path file(String content) throws IOException {
        Path f = dir.resolve("upshift-" + System.nanoTime() + ".properties");
        Files.writeString(f, content);
        return f;
    }

    @Test
    void defaultsArePort8080AnAbsoluteDataDirAndSqliteInsideIt() {
        ServerConfig c = load(Map.of(), Map.of(), null);
        Path expectedDataDir = Path.of("data").toAbsolutePath().normalize();
        assertThat(c.port()).isEqualTo(8080);
        assertThat(c.host()).isEqualTo("0.0.0.0");
        assertThat(c.dataDir()).isAbsolute().isEqualTo(expectedDataDir);
        assertThat(c.dbUrl()).isEqualTo("jdbc:sqlite:" + expectedDataDir.resolve("upshift.db"));
        assertThat(c.isSqlite()).isTrue();
        assertThat(c.dbUser()).isNull();
        assertThat(c.dbPassword()).isNull();
        assertThat(c.publicUrl()).isNull();
        assertThat(c.maxBodyBytes()).isEqualTo(64 * 1024);
        assertThat(c.maxArtifactBytes()).isEqualTo(4L * 1024 * 1024 * 1024);
        assertThat(c.artifactsDir()).isEqualTo(expectedDataDir.resolve("artifacts"));
    }

    @Test
    void relativeDataDirIsMadeAbsoluteAndCarriesTheDefaultDatabase() {
        ServerConfig c = load(Map.of(), Map.of("data-dir", "some/../state"), null);
        Path expected = Path.of("state").toAbsolutePath().normalize();
        assertThat(c.dataDir()).isEqualTo(expected);
        assertThat(c.dbUrl()).isEqualTo("jdbc:sqlite:" + expected.resolve("upshift.db"));
    }

    @Test
    void aFlagBeatsTheEnvironmentWhichBeatsTheFile() throws IOException {
        Path f = file("port=1111\nhost=10.0.0.1\nmax-body-bytes=2048\n");
        Map<String, String> env = Map.of("UPSHIFT_PORT", "2222", "UPSHIFT_HOST", "10.0.0.2");
        Map<String, String> flags = Map.of("port", "3333");

        ServerConfig all = load(env, flags, f);
        assertThat(all.port()).isEqualTo(3333);
        assertThat(all.host()).isEqualTo("10.0.0.2");
        assertThat(all.maxBodyBytes()).isEqualTo(2048);

        ServerConfig noFlag = load(env, Map.of(), f);
        assertThat(noFlag.port()).isEqualTo(2222);

        ServerConfig fileOnly = load(Map.of(), Map.of(), f);
        assertThat(fileOnly.port()).isEqualTo(1111);
        assertThat(fileOnly.host()).isEqualTo("10.0.0.1");

        Map<String, String> nullFlags = new HashMap<>();
        nullFlags.put("port", null); // an option not given on the command line
        assertThat(load(env, nullFlags, f).port()).isEqualTo(2222);
    }

    @Test
    void theConfigFileCanComeFromUpshiftConfig() throws IOException {
        Path f = file("port=4444\n");
        assertThat(load(Map.of("UPSHIFT_CONFIG", f.toString()), Map.of(), null).port()).isEqualTo(4444);
    }

    @Test
    void anUnknownKeyInTheFileIsRefusedWithASuggestion() throws IOException {
        Path f = file("prot=9000\n");
        assertThatThrownBy(() -> load(Map.of(), Map.of(), f))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'prot'")
                .hasMessageContaining("Did you mean 'port'?")
                .hasMessageContaining(f.toString());
    }

    @Test
    void anUnknownKeyFarFromEveryNameIsRefusedWithoutASuggestion() throws IOException {
        Path f = file("colour=blue\n");
        assertThatThrownBy(() -> load(Map.of(), Map.of(), f))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'colour'")
                .hasMessageNotContaining("Did you mean");
    }

    @Test
    void anUnknownUpshiftEnvironmentVariableIsRefused() {
        assertThatThrownBy(() -> load(Map.of("UPSHIFT_PROT", "9000"), Map.of(), null))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("UPSHIFT_PROT")
                .hasMessageContaining("Did you mean UPSHIFT_PORT?");
        // Variables read elsewhere, and variables of other programs, are not settings and pass.
        ServerConfig c = load(Map.of("UPSHIFT_ADMIN_TOKEN", "0123456789abcdef", "UPSHIFT_SECRET_KEY", "k",
                "UPSHIFT_TOKEN", "t", "UPSHIFT_SERVER", "http://x", "UPSHIFT_CDS", "off", "PATH", "/usr/bin",
                "UPSHIFTER", "x"), Map.of(), null);
        assertThat(c.port()).isEqualTo(8080);
    }

    @Test
    void anInvalidPortNamesTheSettingTheValueAndWhereItCameFrom() throws IOException {
        assertThatThrownBy(() -> load(Map.of("UPSHIFT_PORT", "abc"), Map.of(), null))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("port='abc'")
                .hasMessageContaining("environment UPSHIFT_PORT");
        assertThatThrownBy(() -> load(Map.of(), Map.of("port", "70000"), null))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("port='70000'")
                .hasMessageContaining("flag --port")
                .hasMessageContaining("65535");
        Path f = file("port=-1\n");
        assertThatThrownBy(() -> load(Map.of(), Map.of(), f))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("port='-1'")
                .hasMessageContaining("file " + f);
        assertThat(load(Map.of(), Map.of("port", "0"), null).port()).isZero();
        assertThat(load(Map.of(), Map.of("port", "65535"), null).port()).isEqualTo(65535);
    }

    @Test
    void aPublicUrlWithAQueryOrFragmentOrWithoutHttpIsRefused() {
        for (String bad : new String[]{"https://updates.example.com/?a=b", "https://updates.example.com/#top",
                "ftp://updates.example.com", "updates.example.com"}) {
            assertThatThrownBy(() -> load(Map.of(), Map.of("public-url", bad), null))
                    .as(bad)
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("public-url='" + bad + "'")
                    .hasMessageContaining("flag --public-url");
        }
        ServerConfig ok = load(Map.of("UPSHIFT_PUBLIC_URL", "https://example.com/updates/"), Map.of(), null);
        assertThat(ok.publicUrl()).isEqualTo(URI.create("https://example.com/updates/"));
        assertThat(ok.publicBaseUrl(1234)).isEqualTo("https://example.com/updates");
    }

    @Test
    void databaseCredentialsAreRefusedWithSqliteWithoutRevealingThem() {
        assertThatThrownBy(() -> load(Map.of("UPSHIFT_DB_USER", "bob"), Map.of(), null))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("db-user")
                .hasMessageContaining("SQLite");
        assertThatThrownBy(() -> load(Map.of("UPSHIFT_DB_PASSWORD", "hunter2-secret"), Map.of(), null))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("db-password")
                .hasMessageNotContaining("hunter2-secret");
        ServerConfig pg = load(Map.of("UPSHIFT_DB_URL", "jdbc:postgresql://db.example.com/upshift",
                "UPSHIFT_DB_USER", "bob", "UPSHIFT_DB_PASSWORD", "hunter2-secret"), Map.of(), null);
        assertThat(pg.isSqlite()).isFalse();
        assertThat(pg.dbUser()).isEqualTo("bob");
        assertThat(pg.dbPassword()).isEqualTo("hunter2-secret");
        assertThat(pg.toString()).doesNotContain("hunter2-secret");
    }

    @Test
    void aDatabaseUrlOfAnotherKindIsRefused() {
        assertThatThrownBy(() -> load(Map.of(), Map.of("db-url", "jdbc:mysql://localhost/upshift"), null))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("db-url='jdbc:mysql://localhost/upshift'");
    }

    @Test
    void aMissingConfigFileIsRefused() {
        Path missing = dir.resolve("nope.properties");
        assertThatThrownBy(() -> load(Map.of(), Map.of(), missing))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("--config");
        assertThatThrownBy(() -> load(Map.of("UPSHIFT_CONFIG", missing.toString()), Map.of(), null))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("UPSHIFT_CONFIG");
        assertThatThrownBy(() -> load(Map.of(), Map.of(), dir))
                .as("a directory is not a configuration file")
                .isInstanceOf(ConfigException.class);
    }
}
