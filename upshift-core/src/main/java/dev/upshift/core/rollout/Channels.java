package dev.upshift.core.rollout;

import java.util.List;
import java.util.Locale;

/**
 * Release channels. A strategy publishes to one channel; a client follows one channel and accepts releases of
 * that channel and of every more stable one: {@code stable} takes only stable, {@code rc} takes rc and stable,
 * {@code beta} takes beta, rc and stable, {@code alpha} takes all four (as electron-builder's "users who receive beta get latest
 * too"). Any other channel name takes itself and stable.
 */
public final class Channels {
    public static final String STABLE = "stable";
    private static final List<String> LADDER = List.of("stable", "rc", "beta", "alpha");

    private Channels() {
    }

    /** Normalises a channel name: lower case; {@code latest} (electron-builder's name) means stable. */
    public static String normalize(String channel) {
        if (channel == null || channel.isBlank()) {
            return STABLE;
        }
        String c = channel.trim().toLowerCase(Locale.ROOT);
        return c.equals("latest") ? STABLE : c;
    }

    /** The channel a pre-release identifier implies: {@code beta.2 -> beta}, {@code rc -> rc}, {@code 1 -> beta}. */
    static String fromPreRelease(String firstIdentifier) {
        String word = firstIdentifier.toLowerCase(Locale.ROOT).replaceAll("[^a-z].*$", "");
        return word.isEmpty() ? "beta" : word;
    }

    /** True when a client following {@code clientChannel} accepts a release published to {@code releaseChannel}. */
    public static boolean accepts(String clientChannel, String releaseChannel) {
        String client = normalize(clientChannel);
        String release = normalize(releaseChannel);
        if (client.equals(release) || release.equals(STABLE)) {
            return true;
        }
        int c = LADDER.indexOf(client);
        int r = LADDER.indexOf(release);
        return c >= 0 && r >= 0 && r <= c;
    }

    /** Valid channel names: 1-32 characters of a-z, 0-9 and '-'. */
    public static boolean isValid(String channel) {
        return channel != null && channel.matches("[a-z0-9][a-z0-9-]{0,31}");
    }
}
