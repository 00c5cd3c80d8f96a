package dev.upshift.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import dev.upshift.server.http.HttpServer;

/**
 * Upshift's logging set-up, in code rather than a {@code logback.xml}: logback's XML reader was about a tenth of a
 * start (0.2 s, decision 0020). One line per event on stderr; the libraries' chatter (Jetty, Javalin, Hikari, Flyway)
 * from WARN up; the access log ({@code upshift.access}) off unless {@code -Dupshift.accessLog=INFO}, because a
 * synchronous write per request was a measurable share of an update check's CPU (decision 0022).
 *
 * <p>An operator's own file still wins: with {@code -Dlogback.configurationFile=...} this steps aside and logback
 * reads that file as usual. Found by logback through {@code META-INF/services}.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_NORMAL_PRIORITY)
public final class LogConfiguration extends ContextAwareBase implements Configurator {
    static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{20} - %msg%n";
    static final String ACCESS_LOG_PROPERTY = "upshift.accessLog";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.INFO);
        root.addAppender(stderr);
        for (String quiet : new String[]{"org.eclipse.jetty", "io.javalin", "com.zaxxer.hikari", "org.flywaydb"}) {
            context.getLogger(quiet).setLevel(Level.WARN);
        }
        context.getLogger(HttpServer.ACCESS_LOGGER)
                .setLevel(Level.toLevel(System.getProperty(ACCESS_LOG_PROPERTY), Level.OFF));
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
