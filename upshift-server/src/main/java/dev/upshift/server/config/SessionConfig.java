package dev.upshift.server.config;

import java.time.Duration;

/**
 * Console sessions' limits.
 *
 * @param idleTimeout     a session unused this long ends
 * @param absoluteTimeout a session ends this long after sign-in, however active
 */
public record SessionConfig(Duration idleTimeout, Duration absoluteTimeout) {
    public static SessionConfig defaults() {
        return new SessionConfig(Duration.ofMinutes(30), Duration.ofHours(12));
    }
}
