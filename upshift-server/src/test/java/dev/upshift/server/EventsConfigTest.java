package dev.upshift.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.upshift.server.config.ConfigException;
import dev.upshift.server.config.ConfigLoader;
import dev.upshift.server.config.ServerConfig;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The event settings: defaults, accepted values, and refusals that name the setting and the fix. */
class EventsConfigTest {
    @TempDir
    Path dir;

    ServerConfig load(Map<String, String> env) {
        return new ConfigLoader(env, Map.of("data-dir", dir.toString()), null).load();
    }

    @Test
    void defaultsAreUtcAndNinetyDays() {
        ServerConfig c = load(Map.of());
        assertThat(c.events().reportZone()).isEqualTo(ZoneId.of("UTC"));
        assertThat(c.events().retentionDays()).isEqualTo(90);
    }

    @Test
    void zonesAndRetentionAreReadFromTheEnvironment() {
        ServerConfig c = load(Map.of("UPSHIFT_REPORT_ZONE", "Asia/Shanghai", "UPSHIFT_EVENT_RETENTION_DAYS", "0"));
        assertThat(c.events().reportZone()).isEqualTo(ZoneId.of("Asia/Shanghai"));
        assertThat(c.events().retentionDays()).isZero();
        assertThat(load(Map.of("UPSHIFT_REPORT_ZONE", "+08:00")).events().reportZone()).isEqualTo(ZoneId.of("+08:00"));
    }

    @Test
    void badValuesAreRefusedWithTheSettingAndAFix() {
        assertThatThrownBy(() -> load(Map.of("UPSHIFT_REPORT_ZONE", "Mars/Olympus")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("report-zone='Mars/Olympus'").hasMessageContaining("Asia/Shanghai");
        assertThatThrownBy(() -> load(Map.of("UPSHIFT_EVENT_RETENTION_DAYS", "-1")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("event-retention-days='-1'");
        assertThatThrownBy(() -> load(Map.of("UPSHIFT_EVENT_RETENTION_DAYS", "ninety")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("whole number");
    }
}
