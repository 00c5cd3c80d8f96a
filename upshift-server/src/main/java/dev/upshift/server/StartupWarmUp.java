package dev.upshift.server;

import dev.upshift.server.admin.OpenApiDocument;
import dev.upshift.server.metrics.Metrics;
import org.jdbi.v3.core.Jdbi;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * Start-up work that needs nothing from the database, done on a second thread while the main one opens and migrates
 * it (decision 0020): Jdbi's registries, the metrics registry with its JVM meters, the admin API's OpenAPI document,
 * then the static initialisers that cost a start most (Jdbi asks the JVM whether Flight Recorder is available, about
 * 0.1 s; Jetty reads its MIME table and asks the platform MBean server for the cache line size). Class
 * initialisation is safe to race: the JVM runs each initialiser once and a thread that needs the class waits for it.
 * A failure here is swallowed because the real use, on the main thread, meets it again and reports it.
 */
final class StartupWarmUp {
    private static final List<String> JDBI_CLASSES = List.of("org.jdbi.v3.core.statement.internal.JfrSupport");
    private static final List<String> CLASSES = List.of(
            "org.eclipse.jetty.http.MimeTypes",
            "org.eclipse.jetty.util.BlockingArrayQueue",
            "org.eclipse.jetty.util.thread.QueuedThreadPool",
            "org.eclipse.jetty.server.Server",
            "org.eclipse.jetty.ee10.servlet.ServletContextHandler",
            "io.javalin.Javalin");

    private final FutureTask<Metrics> metrics = new FutureTask<>(Metrics::new);
    private final FutureTask<OpenApiDocument> openApi = new FutureTask<>(OpenApiDocument::new);

    private StartupWarmUp() {
    }

    static StartupWarmUp begin() {
        StartupWarmUp warmUp = new StartupWarmUp();
        Thread thread = new Thread(warmUp::run, "upshift-start-warm-up");
        thread.setDaemon(true);
        thread.start();
        return warmUp;
    }

    private void run() {
        try {
            // Jdbi builds its registry of mappers and parsers on first use (0.1 s); a throwaway instance, which never
            // connects, does that here while the main thread opens the pool.
            Jdbi.create(() -> {
                throw new SQLException("start-up warm-up only");
            });
            initialise(JDBI_CLASSES);
        } catch (RuntimeException | LinkageError e) {
            // met again, and reported, by the real instance
        } finally {
            // whatever happened above, the tasks the main thread waits for must run (FutureTask keeps their failure)
            metrics.run();
            openApi.run();
        }
        initialise(CLASSES);
    }

    private static void initialise(List<String> classes) {
        ClassLoader loader = StartupWarmUp.class.getClassLoader();
        for (String name : classes) {
            try {
                Class.forName(name, true, loader);
            } catch (ClassNotFoundException | LinkageError e) {
                // met again, and reported, where the class is used
            }
        }
    }

    /** The metrics registry, waiting for the warm-up thread to finish building it. */
    Metrics metrics() {
        return join(metrics);
    }

    /** The OpenAPI document, or the error that reading it met (thrown here, on the starting thread). */
    OpenApiDocument openApi() {
        return join(openApi);
    }

    /** For a start that failed: closes the metrics registry, if building it succeeded, so its JVM meters go. */
    void abandon() {
        try {
            join(metrics).close();
        } catch (RuntimeException e) {
            // building it failed; there is nothing to close, and the start's own failure is the one to report
        }
    }

    private static <T> T join(FutureTask<T> task) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return task.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException r) {
                        throw r;
                    }
                    if (e.getCause() instanceof Error err) {
                        throw err;
                    }
                    throw new IllegalStateException(e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
