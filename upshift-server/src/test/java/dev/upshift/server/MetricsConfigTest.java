package dev.upshift.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.upshift.server.config.ConfigException;
import dev.upshift.server.config.ConfigLoader;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code metrics-token} setting: empty leaves /metrics open, a short or spaced token is refused, never printed. */
class MetricsConfigTest {
    @Test
    void metricsAreOpenByDefaultAndATokenCanBeSetFromTheEnvironment() {
        assertThat(new ConfigLoader(Map.of(), Map.of(), null).load().metricsToken()).isNull();
        var c = new ConfigLoader(Map.of("UPSHIFT_METRICS_TOKEN", "prom-scrape-0123456789"), Map.of(), null).load();
        assertThat(c.metricsToken()).isEqualTo("prom-scrape-0123456789");
        assertThat(c.toString()).doesNotContain("prom-scrape").contains("metricsToken=(set)");
    }

    @Test
    void aShortOrSpacedTokenIsRefusedWithoutEchoingIt() {
        assertThatThrownBy(() -> new ConfigLoader(Map.of("UPSHIFT_METRICS_TOKEN", "short"), Map.of(), null).load())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("metrics-token")
                .hasMessageContaining("16 to 256 visible ASCII characters")
                .hasMessageNotContaining("short'");
        assertThatThrownBy(() -> new ConfigLoader(Map.of("UPSHIFT_METRICS_TOKEN", "has a space in the middle"), Map.of(),
                null).load()).isInstanceOf(ConfigException.class).hasMessageContaining("without spaces");
    }
}
