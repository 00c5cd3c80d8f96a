package dev.upshift.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The scripted scenario end to end: {@code upshift demo} drives 10 000 simulated devices through checks,
 * downloads and upgrade reports against a real server, and the UpgradeLink statistics endpoint, the admin statistics
 * API and {@code /metrics} must all agree with the numbers known in advance; the release with 30% failures must
 * pause itself.
 */
class DemoTest {
    @TempDir
    Path dir;

    @Test
    void tenThousandDevicesGiveTheSameNumbersEverywhereAndTheBadReleasePausesItself() {
        try (TestServer server = TestServer.start(TestDatabase.SQLITE, dir)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            PrintStream original = System.out;
            int exit;
            try {
                System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
                exit = new CommandLine(new dev.upshift.server.cli.UpshiftCommand()).execute("demo", "--devices", "10000",
                        "--threads", "8", "--server", server.base(), "--token", TestServer.ADMIN_TOKEN);
            } finally {
                System.setOut(original);
            }
            String printed = out.toString(StandardCharsets.UTF_8);
            System.out.print(printed); // the comparison table, for the build log
            assertThat(exit).as(printed).isZero();
            assertThat(printed).contains("paused itself").contains("not offered 1.3").contains("all numbers agree");

            server.server().events().flush(); // facts are stored every 1-10 s; the last check may still be counting
            JsonNode app = server.adminOk("GET", "/api/admin/v1/apps?kind=win", null, 200).get("items").get(0);
            JsonNode stats = server.adminOk("GET", "/api/admin/v1/apps/" + app.get("key").asText() + "/statistics",
                    null, 200);
            // Phase 1: 10 000 devices, every 50th upgrade fails; phase 2: 500 devices, 30% fail; one late check.
            JsonNode funnel = stats.get("funnel");
            assertThat(funnel.get("checked").asLong()).isEqualTo(10_501);
            assertThat(funnel.get("offered").asLong()).isEqualTo(10_500);
            assertThat(funnel.get("downloaded").asLong()).isEqualTo(10_500);
            assertThat(funnel.get("upgraded").asLong()).isEqualTo(9_800 + 350);
            assertThat(funnel.get("failed").asLong()).isEqualTo(200 + 150);
            assertThat(funnel.at("/failuresByCode/1004").asLong()).isEqualTo(350);
            assertThat(stats.get("distinctDevices").asLong()).isEqualTo(10_001);
        }
    }
}
