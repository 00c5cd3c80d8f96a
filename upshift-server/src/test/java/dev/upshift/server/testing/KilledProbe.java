package dev.upshift.server.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a probe class in its own JVM until it has acknowledged enough work, then kills it with SIGKILL (no shutdown
 * hook, no close, no force), for the crash tests of the journals. The probe gets {@code args} and, last, the file it
 * appends one line to per acknowledgement.
 */
public final class KilledProbe {
    private KilledProbe() {
    }

    /** The lines the probe wrote completely before it was killed (at least {@code acks} of them). */
    public static List<String> runUntil(Path dir, Class<?> probe, int acks, long timeoutMillis, String... args)
            throws IOException, InterruptedException {
        Path acked = dir.resolve("acked.txt");
        Path log = dir.resolve("probe.log");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"), probe.getName()));
        command.addAll(List.of(args));
        command.add(acked.toString());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long deadline = System.currentTimeMillis() + timeoutMillis;
            while (ackedSoFar(acked).size() < acks && process.isAlive() && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            assertThat(process.isAlive()).as(Files.readString(log)).isTrue();
        } finally {
            process.destroyForcibly(); // SIGKILL
            process.waitFor(10, TimeUnit.SECONDS);
        }
        List<String> done = ackedSoFar(acked);
        assertThat(done).hasSizeGreaterThanOrEqualTo(acks);
        return done;
    }

    /** The lines written completely (a line cut by the kill is left out). */
    private static List<String> ackedSoFar(Path file) throws IOException {
        if (!Files.exists(file)) {
            return List.of();
        }
        String text = Files.readString(file);
        return text.substring(0, text.lastIndexOf('\n') + 1).lines().toList();
    }
}
