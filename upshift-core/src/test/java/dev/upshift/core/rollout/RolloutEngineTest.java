package dev.upshift.core.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.upshift.core.version.SemVer;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The rollout engine, rule by rule and in combination, as a table of (strategies, query) -> decision. */
class RolloutEngineTest {
    static final Instant NOW = Instant.parse("2026-06-15T12:00:00Z");
    static final ReleaseVersion V1 = new ReleaseVersion(1, 1, null, "", "x64", false);
    static final ReleaseVersion V2 = new ReleaseVersion(2, 2, null, "", "x64", false);
    static final ReleaseVersion V3 = new ReleaseVersion(3, 3, null, "", "x64", false);
    static final ReleaseVersion V3_ARM = new ReleaseVersion(33, 3, null, "", "arm64", false);
    static final ReleaseVersion S110 = semver(110, "1.1.0");
    static final ReleaseVersion S120_BETA = semver(119, "1.2.0-beta.2");
    static final ReleaseVersion S120 = semver(120, "1.2.0");

    static ReleaseVersion semver(long id, String v) {
        SemVer s = SemVer.of(v);
        return new ReleaseVersion(id, s.legacyCode(), s, "linux", "x86_64", s.isPreRelease());
    }

    /** A strategy builder with permissive defaults: enabled, open window, everyone, stable, 100%. */
    record S(long id, ReleaseVersion v, boolean enabled, Instant begin, Instant end, int type,
             Strategy.Targeting targeting, Strategy.SourceRestriction source, String channel, int pct,
             List<GrayRule> gray, List<FlowRule> flow, boolean rollback) {
        static S of(long id, ReleaseVersion v) {
            return new S(id, v, true, NOW.minusSeconds(3600), NOW.plusSeconds(3600), 1, new Strategy.Targeting.All(),
                    new Strategy.SourceRestriction.AnyVersion(), "stable", 10_000, List.of(), List.of(), false);
        }

        S disabled() { return new S(id, v, false, begin, end, type, targeting, source, channel, pct, gray, flow, rollback); }
        S window(Instant b, Instant e) { return new S(id, v, enabled, b, e, type, targeting, source, channel, pct, gray, flow, rollback); }
        S type(int t) { return new S(id, v, enabled, begin, end, t, targeting, source, channel, pct, gray, flow, rollback); }
        S target(Strategy.Targeting t) { return new S(id, v, enabled, begin, end, type, t, source, channel, pct, gray, flow, rollback); }
        S source(Strategy.SourceRestriction r) { return new S(id, v, enabled, begin, end, type, targeting, r, channel, pct, gray, flow, rollback); }
        S channel(String c) { return new S(id, v, enabled, begin, end, type, targeting, source, c, pct, gray, flow, rollback); }
        S pct(int p) { return new S(id, v, enabled, begin, end, type, targeting, source, channel, p, gray, flow, rollback); }
        S gray(GrayRule... g) { return new S(id, v, enabled, begin, end, type, targeting, source, channel, pct, List.of(g), flow, rollback); }
        S asRollback() { return new S(id, v, enabled, begin, end, type, targeting, source, channel, pct, gray, flow, true); }
        S flow(FlowRule... f) { return new S(id, v, enabled, begin, end, type, targeting, source, channel, pct, gray, List.of(f), rollback); }

        Strategy build() {
            return new Strategy(id, v, enabled, begin, end, type, "prompt " + id, targeting, source, channel, pct, gray, flow, rollback);
        }
    }

    record Q(ClientVersion current, Long currentId, ClientVersion appointed, String platform, String arch, String channel,
             String device, String model, Set<Long> groups, Instant now, boolean yanked) {
        static Q win(long code) {
            return new Q(ClientVersion.ofCode(code), code, null, "", "x64", "stable", "dev-1", null, Set.of(), NOW, false);
        }

        static Q tauri(String version) {
            return new Q(ClientVersion.of(SemVer.of(version)), null, null, "linux", "x86_64", null, "dev-1", null, Set.of(), NOW, false);
        }

        Q appointed(long code) { return new Q(current, currentId, ClientVersion.ofCode(code), platform, arch, channel, device, model, groups, now, yanked); }
        Q arch(String a) { return new Q(current, currentId, appointed, platform, a, channel, device, model, groups, now, yanked); }
        Q channel(String c) { return new Q(current, currentId, appointed, platform, arch, c, device, model, groups, now, yanked); }
        Q device(String d) { return new Q(current, currentId, appointed, platform, arch, channel, d, model, groups, now, yanked); }
        Q model(String m) { return new Q(current, currentId, appointed, platform, arch, channel, device, m, groups, now, yanked); }
        Q groups(Long... g) { return new Q(current, currentId, appointed, platform, arch, channel, device, model, Set.of(g), now, yanked); }
        Q at(Instant t) { return new Q(current, currentId, appointed, platform, arch, channel, device, model, groups, t, yanked); }
        Q onYanked() { return new Q(current, currentId, appointed, platform, arch, channel, device, model, groups, now, true); }
        Q currentId(Long id) { return new Q(current, id, appointed, platform, arch, channel, device, model, groups, now, yanked); }

        RolloutQuery build() {
            return new RolloutQuery(current, currentId, appointed, platform, arch, channel, device, model, groups, now, yanked);
        }
    }

    /** One row: strategies, a query, and the id of the offered version (0 = up to date, -1 = flow limited). */
    record Row(String name, List<S> strategies, Q query, long expectedVersionId) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Row row(String name, Q q, long expected, S... strategies) {
        return new Row(name, List.of(strategies), q, expected);
    }

    static GrayRule gray(long id, Instant begin, Instant end, long limit) {
        return new GrayRule(id, true, begin, end, limit);
    }

    static Stream<Row> table() {
        Instant past = NOW.minusSeconds(7200);
        return Stream.of(
                row("no strategies: up to date", Q.win(1), 0),
                row("newer version offered", Q.win(1), 2, S.of(10, V2)),
                row("newest of several wins", Q.win(1), 3, S.of(10, V2), S.of(11, V3)),
                row("same version is not offered", Q.win(2), 0, S.of(10, V2)),
                row("older version is not offered", Q.win(3), 0, S.of(10, V2)),
                row("rollback offers the older version to a client on a yanked version", Q.win(3).onYanked(), 2, S.of(10, V2).asRollback()),
                row("rollback is not offered to a client whose version is not yanked", Q.win(3), 0, S.of(10, V2).asRollback()),
                row("rollback never upgrades", Q.win(1).onYanked(), 0, S.of(10, V2).asRollback()),
                row("a fix-forward release wins over the rollback", Q.win(2).onYanked(), 3, S.of(10, V1).asRollback(), S.of(11, V3)),
                row("disabled strategy ignored", Q.win(1), 2, S.of(10, V2), S.of(11, V3).disabled()),
                row("window begin is inclusive", Q.win(1).at(NOW), 2, S.of(10, V2).window(NOW, NOW.plusSeconds(1))),
                row("window end is inclusive", Q.win(1).at(NOW), 2, S.of(10, V2).window(NOW.minusSeconds(1), NOW)),
                row("before the window", Q.win(1), 0, S.of(10, V2).window(NOW.plusSeconds(1), NOW.plusSeconds(9))),
                row("after the window", Q.win(1), 0, S.of(10, V2).window(past, NOW.minusSeconds(1))),
                row("other arch not offered", Q.win(1).arch("arm64"), 0, S.of(10, V3)),
                row("own arch offered", Q.win(1).arch("arm64"), 33, S.of(10, V3), S.of(11, V3_ARM)),
                row("appointed version honoured", Q.win(1).appointed(2), 2, S.of(10, V2), S.of(11, V3)),
                row("appointed without strategy: up to date, no fallback", Q.win(1).appointed(4), 0, S.of(10, V2), S.of(11, V3)),
                row("appointed but not targeted: no fallback", Q.win(1).appointed(3), 0, S.of(10, V2),
                        S.of(11, V3).target(new Strategy.Targeting.Models(Set.of("m9")))),
                row("group targeting admits a member", Q.win(1).groups(7L), 2, S.of(10, V2).target(new Strategy.Targeting.Groups(Set.of(7L, 8L)))),
                row("group targeting refuses a non-member", Q.win(1).groups(9L), 0, S.of(10, V2).target(new Strategy.Targeting.Groups(Set.of(7L)))),
                row("model targeting admits the model", Q.win(1).model("tv-1"), 2, S.of(10, V2).target(new Strategy.Targeting.Models(Set.of("tv-1")))),
                row("model targeting refuses others", Q.win(1).model("tv-2"), 0, S.of(10, V2).target(new Strategy.Targeting.Models(Set.of("tv-1")))),
                row("model targeting refuses unknown model", Q.win(1).model(null), 0, S.of(10, V2).target(new Strategy.Targeting.Models(Set.of("tv-1")))),
                row("outside newest targeting falls back to an older strategy", Q.win(1).groups(9L), 2, S.of(10, V2),
                        S.of(11, V3).target(new Strategy.Targeting.Groups(Set.of(7L)))),
                row("listed source version admitted", Q.win(1), 3, S.of(10, V3).source(new Strategy.SourceRestriction.Listed(Set.of(1L)))),
                row("unlisted source version refused", Q.win(2), 0, S.of(10, V3).source(new Strategy.SourceRestriction.Listed(Set.of(1L)))),
                row("unknown source version refused by a list", Q.win(1).currentId(null), 0, S.of(10, V3).source(new Strategy.SourceRestriction.Listed(Set.of(1L)))),
                row("source range inclusive", Q.win(2), 3, S.of(10, V3).source(new Strategy.SourceRestriction.Range(ClientVersion.ofCode(1), ClientVersion.ofCode(2)))),
                row("source range excludes", Q.win(1), 0, S.of(10, V3).source(new Strategy.SourceRestriction.Range(ClientVersion.ofCode(2), null))),
                row("semver: release above its beta", Q.tauri("1.2.0-beta.2"), 120, S.of(10, S120)),
                row("semver: beta not offered to stable clients", Q.tauri("1.1.0"), 0, S.of(10, S120_BETA).channel("beta")),
                row("semver: beta offered to beta clients", Q.tauri("1.1.0").channel("beta"), 119, S.of(10, S120_BETA).channel("beta")),
                row("semver: beta client on a beta gets the newer beta", Q.tauri("1.2.0-beta.1").channel("beta"), 119, S.of(10, S120_BETA).channel("beta")),
                row("semver: beta client also gets stable, newest first", Q.tauri("1.1.0").channel("beta"), 120,
                        S.of(10, S120_BETA).channel("beta"), S.of(11, S120)),
                row("semver: newer patch offered", Q.tauri("1.0.9"), 110, S.of(10, S110)),
                row("percentage 0 refuses", Q.win(1), 0, S.of(10, V2).pct(0)),
                row("percentage 100 admits anonymous", Q.win(1).device(null), 2, S.of(10, V2)),
                row("partial percentage refuses anonymous", Q.win(1).device(null), 0, S.of(10, V2).pct(9_999)),
                row("gray window open admits within limit", Q.win(1), 2, S.of(10, V2).gray(gray(50, past, NOW.plusSeconds(60), 5))),
                row("gray limit 0 refuses", Q.win(1), 0, S.of(10, V2).gray(gray(50, past, NOW.plusSeconds(60), 0))),
                row("gray before first window refuses", Q.win(1), 0, S.of(10, V2).gray(gray(50, NOW.plusSeconds(60), NOW.plusSeconds(120), 5))),
                row("gray after last window releases to all", Q.win(1).device(null), 2, S.of(10, V2).gray(gray(50, past, NOW.minusSeconds(60), 0))),
                row("gray refuses anonymous in an open window", Q.win(1).device(null), 0, S.of(10, V2).gray(gray(50, past, NOW.plusSeconds(60), 5))),
                row("flow within limit offers", Q.win(1), 2, S.of(10, V2).flow(new FlowRule(70, true, LocalTime.MIN, LocalTime.MAX, FlowRule.Dimension.MINUTE, 5, false))),
                row("hard flow limit exhausted", Q.win(1), -1, S.of(10, V2).flow(new FlowRule(70, true, LocalTime.MIN, LocalTime.MAX, FlowRule.Dimension.MINUTE, 0, false))),
                row("soft flow limit exhausted: up to date", Q.win(1), 0, S.of(10, V2).flow(new FlowRule(70, true, LocalTime.MIN, LocalTime.MAX, FlowRule.Dimension.MINUTE, 0, true))),
                row("flow rule outside its time of day does not apply", Q.win(1), 2, S.of(10, V2).flow(new FlowRule(70, true, LocalTime.of(1, 0), LocalTime.of(2, 0), FlowRule.Dimension.MINUTE, 0, false))),
                row("overnight flow window applies at night", Q.win(1).at(Instant.parse("2026-06-15T23:30:00Z")), -1,
                        S.of(10, V2).window(past, NOW.plusSeconds(86400)).flow(new FlowRule(70, true, LocalTime.of(22, 0), LocalTime.of(6, 0), FlowRule.Dimension.HOUR, 0, false))),
                row("overnight flow window does not apply at noon", Q.win(1), 2,
                        S.of(10, V2).flow(new FlowRule(70, true, LocalTime.of(22, 0), LocalTime.of(6, 0), FlowRule.Dimension.HOUR, 0, false))),
                row("every open flow rule applies: the exhausted second rule limits", Q.win(1), -1, S.of(10, V2).flow(
                        new FlowRule(70, true, LocalTime.MIN, LocalTime.MAX, FlowRule.Dimension.MINUTE, 5, false),
                        new FlowRule(71, true, LocalTime.MIN, LocalTime.MAX, FlowRule.Dimension.DAY, 0, false))),
                row("flow window end covers its whole last second", Q.win(1).at(Instant.parse("2026-06-15T23:59:59.900Z")), -1,
                        S.of(10, V2).window(past, NOW.plusSeconds(86400)).flow(new FlowRule(70, true, LocalTime.of(0, 0),
                                LocalTime.of(23, 59, 59), FlowRule.Dimension.DAY, 0, false))),
                row("targeting and source combined", Q.win(1).groups(7L), 3, S.of(10, V3).target(new Strategy.Targeting.Groups(Set.of(7L)))
                        .source(new Strategy.SourceRestriction.Listed(Set.of(1L))))
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void decides(Row row) {
        List<Strategy> strategies = row.strategies().stream().map(S::build).toList();
        Decision d = RolloutEngine.decide(strategies, row.query().build(), new InMemoryRolloutCounters());
        if (row.expectedVersionId() > 0) {
            assertThat(d).as(row.name()).isInstanceOf(Decision.Offer.class);
            assertThat(((Decision.Offer) d).version().id()).isEqualTo(row.expectedVersionId());
        } else if (row.expectedVersionId() == 0) {
            assertThat(d).as(row.name()).isInstanceOf(Decision.UpToDate.class);
        } else {
            assertThat(d).as(row.name()).isInstanceOf(Decision.FlowLimited.class);
        }
    }

    @Test
    void offerCarriesTheStrategysUpgradeTypeAndPrompt() {
        Decision d = RolloutEngine.decide(List.of(S.of(10, V2).type(3).build()), Q.win(1).build(), new InMemoryRolloutCounters());
        Strategy s = ((Decision.Offer) d).strategy();
        assertThat(s.upgradeType()).isEqualTo(3);
        assertThat(s.promptText()).isEqualTo("prompt 10");
    }

    @Test
    void percentageIsStableAndRaisingItOnlyAddsDevices() {
        List<String> devices = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            devices.add("device-" + i);
        }
        Set<String> previous = Set.of();
        for (int pct : new int[]{100, 1000, 2500, 5000, 10_000}) {
            Set<String> admitted = new HashSet<>();
            Strategy s = S.of(10, V2).pct(pct).build();
            for (String d : devices) {
                Decision first = RolloutEngine.decide(List.of(s), Q.win(1).device(d).build(), new InMemoryRolloutCounters());
                Decision again = RolloutEngine.decide(List.of(s), Q.win(1).device(d).build(), new InMemoryRolloutCounters());
                assertThat(first.getClass()).isEqualTo(again.getClass());
                if (first instanceof Decision.Offer) {
                    admitted.add(d);
                }
            }
            assertThat(admitted).containsAll(previous);
            double share = admitted.size() / 5000.0;
            assertThat(share).isCloseTo(pct / 10_000.0, org.assertj.core.data.Offset.offset(0.03));
            previous = admitted;
        }
    }

    @Test
    void percentageDependsOnTheStrategySoRolloutsReachDifferentDevices() {
        int same = 0;
        for (int i = 0; i < 2000; i++) {
            boolean a = RolloutEngine.bucket(10, "d" + i) < 1000;
            boolean b = RolloutEngine.bucket(11, "d" + i) < 1000;
            if (a && b) {
                same++;
            }
        }
        assertThat(same).isLessThan(60); // independent 10% samples overlap in about 1% of devices
    }

    @Test
    void grayAdmissionIsStickyForAdmittedAndRefusedDevices() {
        InMemoryRolloutCounters counters = new InMemoryRolloutCounters();
        Strategy s = S.of(10, V2).gray(gray(50, NOW.minusSeconds(60), NOW.plusSeconds(60), 2)).build();
        UnaryOperator<String> check = d -> RolloutEngine.decide(List.of(s), Q.win(1).device(d).build(), counters)
                instanceof Decision.Offer ? "offer" : "latest";
        assertThat(check.apply("a")).isEqualTo("offer");
        assertThat(check.apply("b")).isEqualTo("offer");
        assertThat(check.apply("c")).isEqualTo("latest");
        for (int i = 0; i < 5; i++) {
            assertThat(check.apply("a")).isEqualTo("offer");
            assertThat(check.apply("b")).isEqualTo("offer");
            assertThat(check.apply("c")).isEqualTo("latest");
        }
        assertThat(counters.admittedCount(50)).isEqualTo(2);
    }

    @Test
    void devicesAdmittedInAnEarlierWindowKeepTheUpdateBetweenAndDuringLaterWindows() {
        InMemoryRolloutCounters counters = new InMemoryRolloutCounters();
        GrayRule first = gray(50, NOW.minusSeconds(300), NOW.minusSeconds(200), 1);
        GrayRule second = gray(51, NOW.minusSeconds(100), NOW.plusSeconds(100), 1);
        Strategy s = S.of(10, V2).gray(first, second).build();
        Instant inFirst = NOW.minusSeconds(250);
        Instant between = NOW.minusSeconds(150);
        assertThat(RolloutEngine.decide(List.of(s), Q.win(1).device("a").at(inFirst).build(), counters)).isInstanceOf(Decision.Offer.class);
        assertThat(RolloutEngine.decide(List.of(s), Q.win(1).device("b").at(inFirst).build(), counters)).isInstanceOf(Decision.UpToDate.class);
        assertThat(RolloutEngine.decide(List.of(s), Q.win(1).device("a").at(between).build(), counters)).isInstanceOf(Decision.Offer.class);
        assertThat(RolloutEngine.decide(List.of(s), Q.win(1).device("b").at(between).build(), counters)).isInstanceOf(Decision.UpToDate.class);
        // In the second window "a" passes without using its quota, so "b" still gets the one place.
        assertThat(RolloutEngine.decide(List.of(s), Q.win(1).device("a").build(), counters)).isInstanceOf(Decision.Offer.class);
        assertThat(RolloutEngine.decide(List.of(s), Q.win(1).device("b").build(), counters)).isInstanceOf(Decision.Offer.class);
        assertThat(RolloutEngine.decide(List.of(s), Q.win(1).device("c").build(), counters)).isInstanceOf(Decision.UpToDate.class);
    }

    @Test
    void flowLimitCountsPerBucketAndResetsInTheNextBucket() {
        InMemoryRolloutCounters counters = new InMemoryRolloutCounters();
        Strategy s = S.of(10, V2).flow(new FlowRule(70, true, LocalTime.MIN, LocalTime.MAX, FlowRule.Dimension.SECOND, 3, false)).build();
        Instant t = NOW.plusMillis(100);
        List<Class<?>> results = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            results.add(RolloutEngine.decide(List.of(s), Q.win(1).at(t).build(), counters).getClass());
        }
        assertThat(results).containsExactly(Decision.Offer.class, Decision.Offer.class, Decision.Offer.class,
                Decision.FlowLimited.class, Decision.FlowLimited.class);
        assertThat(RolloutEngine.decide(List.of(s), Q.win(1).at(t.plus(Duration.ofSeconds(1))).build(), counters))
                .isInstanceOf(Decision.Offer.class);
    }

    @Test
    void concurrentDevicesAdmittedToAGrayRuleExactlyUpToTheLimit() throws Exception {
        InMemoryRolloutCounters counters = new InMemoryRolloutCounters();
        Strategy s = S.of(10, V2).gray(gray(50, NOW.minusSeconds(60), NOW.plusSeconds(60), 37)).build();
        int threads = 16;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        AtomicInteger offers = new AtomicInteger();
        Set<String> admitted = java.util.concurrent.ConcurrentHashMap.newKeySet();
        List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            futures.add(pool.submit(() -> {
                go.await();
                for (int i = 0; i < 50; i++) {
                    String device = "d" + (i * threads + thread) % 300; // repeats: each device checks more than once
                    if (RolloutEngine.decide(List.of(s), Q.win(1).device(device).build(), counters) instanceof Decision.Offer) {
                        offers.incrementAndGet();
                        admitted.add(device);
                    }
                }
                return null;
            }));
        }
        go.countDown();
        for (var f : futures) {
            f.get();
        }
        pool.shutdown();
        assertThat(admitted).hasSize(37);
        assertThat(counters.admittedCount(50)).isEqualTo(37);
        assertThat(offers.get()).isGreaterThanOrEqualTo(37);
    }

    @Test
    void channelsAcceptMoreStableReleases() {
        assertThat(Channels.accepts("stable", "stable")).isTrue();
        assertThat(Channels.accepts("stable", "beta")).isFalse();
        assertThat(Channels.accepts("beta", "stable")).isTrue();
        assertThat(Channels.accepts("alpha", "beta")).isTrue();
        assertThat(Channels.accepts("beta", "alpha")).isFalse();
        assertThat(Channels.accepts("nightly", "stable")).isTrue();
        assertThat(Channels.accepts("nightly", "beta")).isFalse();
        assertThat(Channels.accepts("latest", "stable")).isTrue();
        assertThat(ClientVersion.of(SemVer.of("1.0.0-beta.3")).impliedChannel()).isEqualTo("beta");
        assertThat(ClientVersion.of(SemVer.of("1.0.0-rc1")).impliedChannel()).isEqualTo("rc");
        assertThat(ClientVersion.of(SemVer.of("1.0.0")).impliedChannel()).isEqualTo("stable");
    }
}
