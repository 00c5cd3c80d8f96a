package dev.upshift.core.rollout;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Decides which version, if any, to offer a client. Pure: the only state it touches is through
 * {@link RolloutCounters}; everything else comes in the arguments.
 *
 * <p>Selection (UpgradeLink's algorithm, with its defects fixed):
 * <ol>
 *   <li>Candidates are the app's strategies that are enabled, whose window [begin, end] contains now (inclusive,
 *       UTC), whose version is built for the client's platform and arch, is newer than the client's version
 *       (SemVer precedence for SemVer kinds, so 1.2.0-beta.2 &lt; 1.2.0) and is published to a channel the client
 *       accepts. Deleted versions never reach the engine (the catalog leaves them out).
 *   <li>Rollback strategies are the exception to "newer": they offer an older version, and only to clients whose
 *       installed version is yanked. Because candidates are ordered newest first, a fix-forward release that the
 *       client may take always wins over the rollback.
 *   <li>Candidates are ordered newest version first (ties: newest strategy first).
 *   <li>With an appointed version, only the first candidate of exactly that version is considered (whatever its
 *       channel: the client asked for it by name); if it does not pass, the client is up to date (no fallback, as
 *       in UpgradeLink).
 *   <li>Otherwise the first candidate that passes wins, so a device outside the newest rollout may still be
 *       offered an older intermediate version that has its own strategy.
 *   <li>A candidate passes when, in this order: device targeting matches; the source-version restriction admits the
 *       installed version; the device falls inside the percentage; the gray rules admit it. Gray admission is last
 *       because it has a side effect (it uses up quota).
 *   <li>Every open flow rule of the chosen strategy takes one unit (so "100 per minute and 10 000 per day" both
 *       hold); the first exhausted one decides: a hard rule gives {@link Decision.FlowLimited}, a soft rule
 *       {@link Decision.UpToDate}. Units taken by earlier rules in that check stay taken (conservative).
 * </ol>
 *
 * <p>Gray rules: while a window is open, a device already admitted by an earlier window of the same strategy
 * passes without using quota; others are admitted while the open window has room (distinct devices, sticky). When
 * no window is open, devices admitted earlier keep passing; after the last window has ended the strategy is open to
 * everyone (the gray phase is over); before the first window, nobody else passes.
 *
 * <p>Devices without identity (no device key) cannot be counted or hashed: they pass strategies without gray rules
 * and at 100%, and are refused by gray rules and partial percentages.
 */
public final class RolloutEngine {
    private static final Comparator<Strategy> NEWEST_FIRST = Comparator
            .comparing(Strategy::version, ReleaseVersion.ORDER).reversed()
            .thenComparing(Comparator.comparingLong(Strategy::id).reversed());

    /** MessageDigest.getInstance walks the provider list on every call; one digest per thread is reused instead. */
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(RolloutEngine::sha256);

    private RolloutEngine() {
    }

    public static Decision decide(List<Strategy> strategies, RolloutQuery q, RolloutCounters counters) {
        List<Strategy> candidates = new ArrayList<>();
        for (Strategy s : strategies) {
            ReleaseVersion v = s.version();
            // An explicitly appointed version is honoured whatever channel it was published to.
            boolean channelOk = Channels.accepts(q.channel(), s.channel())
                    || (q.appointed() != null && v.sameAs(q.appointed()));
            // A rollback strategy takes clients off a yanked version onto an older one; it never upgrades anyone.
            boolean direction = s.rollback() ? q.currentYanked() && v.isOlderThan(q.current()) : v.isNewerThan(q.current());
            if (s.activeAt(q.now()) && v.platform().equals(q.platform()) && v.arch().equals(q.arch())
                    && direction && channelOk) {
                candidates.add(s);
            }
        }
        if (candidates.isEmpty()) {
            return new Decision.UpToDate("no active strategy offers a newer version for this platform and channel");
        }
        candidates.sort(NEWEST_FIRST);

        Strategy chosen = null;
        if (q.appointed() != null) {
            for (Strategy s : candidates) {
                if (s.version().sameAs(q.appointed())) {
                    if (passes(s, q, counters)) {
                        chosen = s;
                    }
                    break;
                }
            }
            if (chosen == null) {
                return new Decision.UpToDate("the appointed version is not offered to this device");
            }
        } else {
            for (Strategy s : candidates) {
                if (passes(s, q, counters)) {
                    chosen = s;
                    break;
                }
            }
            if (chosen == null) {
                return new Decision.UpToDate("no candidate strategy admits this device");
            }
        }

        for (FlowRule rule : chosen.flowRules()) {
            if (rule.openAt(q.now())) {
                boolean ok = counters.tryAcquire(rule.id(), rule.dimension().bucketOf(q.now()), rule.limit(),
                        rule.dimension().length());
                if (!ok) {
                    return rule.soft() ? new Decision.UpToDate("soft flow limit reached")
                            : new Decision.FlowLimited(chosen, rule);
                }
            }
        }
        return new Decision.Offer(chosen);
    }

    static boolean passes(Strategy s, RolloutQuery q, RolloutCounters counters) {
        return targeted(s.targeting(), q) && sourceAllowed(s.source(), q) && inPercentage(s, q.deviceKey())
                && grayAdmits(s, q, counters);
    }

    static boolean targeted(Strategy.Targeting t, RolloutQuery q) {
        if (t instanceof Strategy.Targeting.Groups g) {
            for (Long id : q.deviceGroups()) {
                if (g.groupIds().contains(id)) {
                    return true;
                }
            }
            return false;
        }
        if (t instanceof Strategy.Targeting.Models m) {
            return q.deviceModel() != null && m.modelKeys().contains(q.deviceModel());
        }
        return true;
    }

    static boolean sourceAllowed(Strategy.SourceRestriction r, RolloutQuery q) {
        if (r instanceof Strategy.SourceRestriction.Listed l) {
            return q.currentVersionId() != null && l.versionIds().contains(q.currentVersionId());
        }
        if (r instanceof Strategy.SourceRestriction.Range range) {
            ClientVersion c = q.current();
            boolean afterFrom = range.from() == null || ReleaseVersion.compare(c.code(), c.semver(),
                    range.from().code(), range.from().semver()) >= 0;
            boolean beforeTo = range.to() == null || ReleaseVersion.compare(c.code(), c.semver(),
                    range.to().code(), range.to().semver()) <= 0;
            return afterFrom && beforeTo;
        }
        return true;
    }

    static boolean inPercentage(Strategy s, String deviceKey) {
        if (s.percentage() >= 10_000) {
            return true;
        }
        if (deviceKey == null || s.percentage() <= 0) {
            return false;
        }
        return bucket(s.id(), deviceKey) < s.percentage();
    }

    /**
     * The device's stable position in [0, 10000) for a strategy: the first 8 bytes of SHA-256("strategyId:deviceKey")
     * modulo 10000. Keyed by strategy so different rollouts reach different first devices.
     */
    public static int bucket(long strategyId, String deviceKey) {
        MessageDigest sha256 = SHA256.get(); // digest() resets it for the next call on this thread
        byte[] d = sha256.digest((strategyId + ":" + deviceKey).getBytes(StandardCharsets.UTF_8));
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (d[i] & 0xff);
        }
        return (int) Long.remainderUnsigned(v, 10_000);
    }

    static boolean grayAdmits(Strategy s, RolloutQuery q, RolloutCounters counters) {
        if (s.grayRules().isEmpty()) {
            return true; // the common case, without building a list per check
        }
        List<GrayRule> rules = new ArrayList<>();
        for (GrayRule r : s.grayRules()) {
            if (r.enabled()) {
                rules.add(r);
            }
        }
        if (rules.isEmpty()) {
            return true;
        }
        rules.sort(Comparator.comparing(GrayRule::begin));
        Instant now = q.now();
        String device = q.deviceKey();
        GrayRule open = null;
        Instant lastEnd = Instant.MIN;
        for (GrayRule r : rules) {
            if (open == null && r.openAt(now)) {
                open = r;
            }
            if (r.end().isAfter(lastEnd)) {
                lastEnd = r.end();
            }
        }
        if (open == null && now.isAfter(lastEnd)) {
            return true; // every gray window has ended: full release
        }
        if (device == null) {
            return false;
        }
        for (GrayRule r : rules) {
            if (r != open && !r.begin().isAfter(now) && counters.wasAdmitted(r.id(), device)) {
                return true;
            }
        }
        return open != null && counters.admit(open.id(), device, open.limit(), open.end());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
