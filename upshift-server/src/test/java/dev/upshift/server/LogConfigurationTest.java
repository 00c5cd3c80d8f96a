package dev.upshift.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.core.ConsoleAppender;
import java.nio.charset.StandardCharsets;
import java.util.ServiceLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LogConfigurationTest {
    @AfterEach
    void clearProperties() {
        System.clearProperty(LogConfiguration.ACCESS_LOG_PROPERTY);
        System.clearProperty("logback.configurationFile");
    }

    private static LoggerContext configured(ExecutionStatus expected) {
        LoggerContext context = new LoggerContext();
        LogConfiguration configuration = new LogConfiguration();
        configuration.setContext(context);
        assertThat(configuration.configure(context)).isEqualTo(expected);
        return context;
    }

    @Test
    void logbackFindsItAsAService() {
        assertThat(ServiceLoader.load(ch.qos.logback.classic.spi.Configurator.class).stream()
                .map(p -> p.type().getName())).contains(LogConfiguration.class.getName());
    }

    @Test
    void oneLinePerEventOnStderrLibrariesFromWarnAccessLogOff() {
        LoggerContext context = configured(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        assertThat(root.getLevel()).isEqualTo(Level.INFO);
        ConsoleAppender<?> stderr = (ConsoleAppender<?>) root.getAppender("STDERR");
        assertThat(stderr.isStarted()).isTrue();
        assertThat(stderr.getTarget()).isEqualTo("System.err");
        PatternLayoutEncoder encoder = (PatternLayoutEncoder) stderr.getEncoder();
        var event = new ch.qos.logback.classic.spi.LoggingEvent("fqcn", context.getLogger("dev.upshift.server.auth.NonceJournal"),
                Level.INFO, "loaded {}", null, new Object[]{3});
        assertThat(new String(encoder.encode(event), StandardCharsets.UTF_8))
                .matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  d\\.u\\.s\\.a\\.NonceJournal - loaded 3\\R");
        for (String quiet : new String[]{"org.eclipse.jetty.server.Server", "io.javalin.Javalin",
                "com.zaxxer.hikari.HikariDataSource", "org.flywaydb.core.Flyway"}) {
            assertThat(context.getLogger(quiet).isInfoEnabled()).as(quiet).isFalse();
            assertThat(context.getLogger(quiet).isWarnEnabled()).as(quiet).isTrue();
        }
        assertThat(context.getLogger("upshift.access").isErrorEnabled()).isFalse();
        assertThat(context.getLogger("dev.upshift.server.UpshiftServer").isInfoEnabled()).isTrue();
    }

    @Test
    void theAccessLogTurnsOnWithItsProperty() {
        System.setProperty(LogConfiguration.ACCESS_LOG_PROPERTY, "INFO");
        assertThat(configured(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY).getLogger("upshift.access").isInfoEnabled())
                .isTrue();
    }

    @Test
    void anOperatorsOwnFileWins() {
        System.setProperty("logback.configurationFile", "/etc/upshift/logback.xml");
        LoggerContext context = configured(ExecutionStatus.INVOKE_NEXT_IF_ANY);
        assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDERR")).isNull();
    }
}
