package dev.upshift.server.config;

import java.time.ZoneId;

/**
 * The event pipeline's settings.
 *
 * @param reportZone    the time zone whose calendar days the statistics count in ("yesterday", daily roll-ups)
 * @param retentionDays raw events older than this many days are deleted (roll-ups are kept); 0 keeps them forever
 */
public record EventsConfig(ZoneId reportZone, int retentionDays) {
    public static EventsConfig defaults() {
        return new EventsConfig(ZoneId.of("UTC"), 90);
    }
}
