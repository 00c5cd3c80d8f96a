package dev.upshift.server.protocol.feeds;

import dev.upshift.core.rollout.Channels;
import dev.upshift.core.rollout.GrayRule;
import dev.upshift.core.rollout.ReleaseVersion;
import dev.upshift.core.rollout.Strategy;
import dev.upshift.server.catalog.App;
import dev.upshift.server.catalog.CatalogSnapshot;
import dev.upshift.server.catalog.StrategyEntry;
import dev.upshift.server.catalog.Version;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * What one channel of an app currently publishes, for the static feeds (Tauri {@code latest.json}, electron-updater
 * channel files, Squirrel, Velopack, Sparkle). Every static feed is a view of this one list.
 *
 * <p>Static feeds cannot identify devices, so a strategy is <em>published</em> only when the same answer is right
 * for every client that reads the feed (decision 0014). A strategy is published when all of these hold:
 * <ol>
 *   <li>it is offerable (its version is not yanked and has a file), enabled, not a rollback strategy, and its
 *       window [begin, end] contains now;
 *   <li>the feed's channel accepts the strategy's channel ({@link Channels#accepts}: the beta feed shows stable
 *       releases too, the stable feed never shows beta);
 *   <li>it targets every device and every installed version (no device groups, device models or source-version
 *       restriction);
 *   <li>it has no gray rule that is still enabled and not yet over (after its last window the engine opens the
 *       strategy to everyone, and so do the feeds), and no enabled flow rule;
 *   <li>its percentage is above 0. A partial percentage is kept ({@link Release#partial()}): each feed decides
 *       whether its format can carry it (electron's {@code stagingPercentage}, Sparkle's phased rollout, Velopack's
 *       {@code stagingId}) or must leave the release out.
 * </ol>
 * A version offered by several published strategies appears once, with the strategy that reaches the most devices
 * (highest percentage, then newest strategy). Releases are ordered newest version first.
 */
final class ChannelReleases {
    /** Channel names every app knows, whether or not a strategy uses them yet. */
    private static final Set<String> LADDER = Set.of("stable", "rc", "beta", "alpha");
    private static final Comparator<Release> NEWEST_FIRST = Comparator
            .comparing((Release r) -> r.strategy().rule().version(), ReleaseVersion.ORDER).reversed();

    /** One published version and the strategy that publishes it. */
    record Release(Version version, StrategyEntry strategy) {
        /** Share of devices in basis points (1..10000). */
        int percentage() {
            return strategy.rule().percentage();
        }

        boolean partial() {
            return percentage() < 10_000;
        }

        /** UpgradeLink's upgrade type: 1 prompt, 2 silent, 3 forced. */
        int upgradeType() {
            return strategy.rule().upgradeType();
        }

        boolean forced() {
            return upgradeType() == 3;
        }

        String promptText() {
            return strategy.rule().promptText() == null ? "" : strategy.rule().promptText();
        }

        /** The channel the strategy publishes to ({@code stable} for the default channel). */
        String channel() {
            return strategy.rule().channel();
        }

        /** Release notes for the feed: the strategy's prompt text, else the version's release note. */
        String notes() {
            String prompt = promptText();
            if (!prompt.isBlank()) {
                return prompt;
            }
            return version.releaseNote() == null ? "" : version.releaseNote();
        }
    }

    private final List<Release> releases;

    private ChannelReleases(List<Release> releases) {
        this.releases = releases;
    }

    /** True when the app knows the channel: a ladder channel ({@code latest} = stable) or one a strategy uses. */
    static boolean known(CatalogSnapshot snap, App app, String channel) {
        String c = Channels.normalize(channel);
        if (!Channels.isValid(c)) {
            return false;
        }
        return LADDER.contains(c) || snap.strategies(app.id()).stream().anyMatch(s -> s.rule().channel().equals(c));
    }

    static ChannelReleases of(CatalogSnapshot snap, App app, String channel, Instant now) {
        Map<Long, Release> byVersion = new LinkedHashMap<>();
        for (StrategyEntry s : snap.strategies(app.id())) {
            if (!published(s, channel, now)) {
                continue;
            }
            Optional<Version> v = snap.version(s.rule().version().id()).filter(x -> !x.yanked() && !x.files().isEmpty());
            if (v.isEmpty()) {
                continue;
            }
            byVersion.merge(v.get().id(), new Release(v.get(), s), ChannelReleases::widest);
        }
        List<Release> list = new ArrayList<>(byVersion.values());
        list.sort(NEWEST_FIRST);
        return new ChannelReleases(List.copyOf(list));
    }

    /** Of two strategies offering one version, the one that reaches more devices (ties: the newer strategy). */
    private static Release widest(Release a, Release b) {
        if (a.percentage() != b.percentage()) {
            return a.percentage() > b.percentage() ? a : b;
        }
        return a.strategy().id() > b.strategy().id() ? a : b;
    }

    static boolean published(StrategyEntry entry, String channel, Instant now) {
        Strategy s = entry.rule();
        if (!entry.offerable() || s.rollback() || !s.activeAt(now) || s.percentage() <= 0
                || !Channels.accepts(channel, s.channel())) {
            return false;
        }
        if (!(s.targeting() instanceof Strategy.Targeting.All)
                || !(s.source() instanceof Strategy.SourceRestriction.AnyVersion)) {
            return false;
        }
        for (GrayRule g : s.grayRules()) {
            if (g.enabled() && !now.isAfter(g.end())) {
                return false; // the gray phase is not over: it admits counted devices only
            }
        }
        return s.flowRules().stream().noneMatch(f -> f.enabled());
    }

    /** Every published release, newest version first. */
    List<Release> all() {
        return releases;
    }

    /** The published releases built for one platform and arch ({@code null} matches any), newest first. */
    List<Release> on(String platform, String arch) {
        return releases.stream()
                .filter(r -> platform == null || r.version().platform().equals(platform))
                .filter(r -> arch == null || r.version().arch().equals(arch))
                .toList();
    }

    /** The newest release for a platform and arch that the feed can use. */
    Optional<Release> newest(String platform, String arch, Predicate<Release> usable) {
        return on(platform, arch).stream().filter(usable).findFirst();
    }
}
