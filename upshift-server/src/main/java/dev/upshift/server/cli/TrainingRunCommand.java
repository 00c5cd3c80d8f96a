package dev.upshift.server.cli;

import dev.upshift.server.UpshiftServer;
import dev.upshift.server.config.ConfigLoader;
import dev.upshift.server.config.ServerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;

/**
 * What {@code ./upshift} runs once per build, under {@code -XX:ArchiveClassesAtExit}, to record the classes a start
 * loads into a class-data-sharing archive (decision 0020): a throwaway server in a temporary directory, started on
 * an empty data directory and again on the one it left, each asked for {@code /health/ready} and the console's
 * setup page, then stopped. It reads no configuration file and no {@code UPSHIFT_*} variable, so it never touches
 * the operator's database or data directory.
 */
@Command(name = "training-run", hidden = true,
        description = "Start and stop a throwaway server in a temporary directory (./upshift records its classes).")
final class TrainingRunCommand implements Callable<Integer> {
    @Override
    public Integer call() throws IOException {
        Path dir = Files.createTempDirectory("upshift-training");
        try {
            Path noFile = Files.createFile(dir.resolve("empty.properties"));
            ServerConfig config = new ConfigLoader(Map.of(), Map.of("host", "127.0.0.1", "port", "0",
                    "data-dir", dir.resolve("data").toString()), noFile).load();
            for (int round = 0; round < 2; round++) { // first start, then a restart on the same data
                try (UpshiftServer server = UpshiftServer.start(config, null, null, Clock.systemUTC())) {
                    get(server.port(), "/health/ready");
                    get(server.port(), "/console/setup");
                }
            }
            return 0;
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> {
                    try {
                        Files.delete(p);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
        }
    }

    private static void get(int port, String path) throws IOException {
        HttpURLConnection c = (HttpURLConnection) new URL("http://127.0.0.1:" + port + path).openConnection();
        c.setConnectTimeout(10_000);
        c.setReadTimeout(30_000);
        int status = c.getResponseCode();
        try (InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream()) {
            if (in != null) {
                in.readAllBytes();
            }
        } finally {
            c.disconnect();
        }
        // A start that answers badly would record a misleading archive: fail the run (./upshift then starts
        // without one) rather than train on an error path.
        if (status != 200) {
            throw new IOException("training run: GET " + path + " answered " + status + ", expected 200");
        }
        System.err.println("training run: GET " + path + " 200");
    }
}
