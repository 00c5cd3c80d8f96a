package dev.upshift.server.auth;

import dev.upshift.server.metrics.Metrics;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;

/**
 * The process {@link NonceJournalTest} kills with SIGKILL: reserves fresh nonces in 1 KiB segments forever and
 * writes each number to a file once {@link NonceJournal#reserve} has returned true for it.
 *
 * <p>Usage: {@code java -cp <test classpath> dev.upshift.server.auth.NonceJournalCrashProbe <data-dir> <acked-file>}
 */
final class NonceJournalCrashProbe {
    private NonceJournalCrashProbe() {
    }

    static String nonce(long i) {
        return String.format("killed-%016d", i);
    }

    public static void main(String[] args) throws IOException {
        NonceJournal journal = NonceJournal.open(Path.of(args[0]), Clock.systemUTC(), new Metrics(), 1024);
        try (PrintStream acked = new PrintStream(new FileOutputStream(args[1]), true)) {
            for (long i = 0; ; i++) {
                if (!journal.reserve("AKprobe000000000001", nonce(i))) {
                    throw new IllegalStateException("a fresh nonce was refused: " + i);
                }
                acked.println(i);
            }
        }
    }
}
