package dev.upshift.server.rollout;

import dev.upshift.server.audit.AuditLog;
import dev.upshift.server.catalog.App;
import dev.upshift.server.catalog.CatalogSnapshot;
import dev.upshift.server.catalog.CatalogStore;
import dev.upshift.server.catalog.StrategyEntry;
import dev.upshift.server.catalog.StrategyHealth;
import dev.upshift.server.db.Database;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the strategies that ask for it and acts like an operator would: pauses a release whose upgrades fail,
 * and widens a staged rollout once its current stage has held long enough while healthy.
 *
 * <p>Evidence is the {@code upgrade} reports ({@code POST /v1/app/report}, {@code app_upgrade_upgrade}) whose target
 * is the strategy's version, received since the strategy was created or last resumed. A report with a non-zero
 * {@code code} is a failure. Both thresholds are judged only after {@code minAttempts} reports, so three early
 * failures out of four do not stop a rollout; the failure threshold is strict ("more than 5%"), the success
 * threshold inclusive ("at least 95%").
 *
 * <p>Runs every {@code interval} (15 s by default, so a crossed threshold pauses the strategy well within a minute),
 * one strategy at a time, each change in one transaction with its audit record. Several servers may run it at
 * once: the updates are conditional ({@code WHERE enabled = 1}, {@code WHERE stage_index = n}), so a second server
 * finds nothing left to do and writes no second audit record.
 */
public final class RolloutHealth implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RolloutHealth.class);

    private final Database db;
    private final CatalogStore catalog;
    private final Clock clock;
    private final ScheduledExecutorService timer;

    public RolloutHealth(Database db, CatalogStore catalog, Clock clock) {
        this.db = db;
        this.catalog = catalog;
        this.clock = clock;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "upshift-rollout-health");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts the periodic evaluation. */
    public RolloutHealth start(Duration interval) {
        timer.scheduleWithFixedDelay(() -> {
            try {
                runOnce();
            } catch (RuntimeException e) {
                LOG.warn("rollout health check failed; retrying in {}", interval, e);
            }
        }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** What one evaluation did, e.g. {@code paused strategy 7: ...}. */
    public List<String> runOnce() {
        CatalogSnapshot snap = catalog.current();
        List<String> actions = new ArrayList<>();
        for (App app : snap.apps()) {
            for (StrategyEntry s : snap.strategies(app.id())) {
                StrategyHealth h = s.health();
                if (s.rule().enabled() && !s.rule().rollback() && h.watched()) {
                    String action = evaluate(app, s, h);
                    if (action != null) {
                        actions.add(action);
                    }
                }
            }
        }
        if (!actions.isEmpty()) {
            catalog.refresh();
            actions.forEach(a -> LOG.info("rollout health: {}", a));
        }
        return actions;
    }

    /** Upgrade reports for the strategy's version since {@code since}: attempts and failures. */
    record Evidence(long attempts, long failures) {
        long successes() {
            return attempts - failures;
        }
    }

    Evidence evidence(long versionId, long since) {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*), COALESCE(SUM(CASE WHEN result_code <> 0 "
                        + "THEN 1 ELSE 0 END), 0) FROM events WHERE target_version_id = :v AND event_type = 'upgrade' "
                        + "AND received_at >= :since")
                .bind("v", versionId).bind("since", since)
                .map((rs, ctx) -> new Evidence(rs.getLong(1), rs.getLong(2))).one());
    }

    private String evaluate(App app, StrategyEntry s, StrategyHealth h) {
        Evidence e = evidence(s.rule().version().id(), h.healthSince());
        long now = clock.millis();
        boolean judged = e.attempts() >= h.minAttempts();
        if (h.failureThreshold() != null && judged && e.failures() * 10_000 > (long) h.failureThreshold() * e.attempts()) {
            String reason = String.format(java.util.Locale.ROOT,
                    "%d of %d upgrade reports failed (%.2f%%), above the %.2f%% failure threshold",
                    e.failures(), e.attempts(), e.failures() * 100.0 / e.attempts(), h.failureThreshold() / 100.0);
            int changed = db.jdbi().inTransaction(tx -> {
                int n = tx.createUpdate("UPDATE strategies SET enabled = 0, paused_at = :now, pause_reason = :reason, "
                                + "updated_at = :now WHERE id = :id AND enabled = 1")
                        .bind("now", now).bind("reason", reason).bind("id", s.id()).execute();
                if (n > 0) {
                    AuditLog.record(tx, app.tenantId(), now, AuditLog.SYSTEM, "strategy.auto_pause", "strategy",
                            Long.toString(s.id()), detail(e, h, reason));
                }
                return n;
            });
            return changed > 0 ? "paused strategy " + s.id() + ": " + reason : null;
        }
        if (!h.hasNextStage() || h.stageStartedAt() == null) {
            return null;
        }
        StrategyHealth.Stage stage = h.stages().get(h.stageIndex());
        boolean held = now - h.stageStartedAt() >= Duration.ofMinutes(stage.holdMinutes()).toMillis();
        boolean healthy = h.successThreshold() == null
                || (judged && e.successes() * 10_000 >= (long) h.successThreshold() * e.attempts());
        if (!held || !healthy) {
            return null;
        }
        int next = h.stageIndex() + 1;
        int percentage = h.stages().get(next).percentage();
        int changed = db.jdbi().inTransaction(tx -> {
            int n = tx.createUpdate("UPDATE strategies SET stage_index = :next, stage_started_at = :now, "
                            + "percentage = :pct, updated_at = :now WHERE id = :id AND stage_index = :current AND enabled = 1")
                    .bind("next", next).bind("now", now).bind("pct", percentage).bind("id", s.id())
                    .bind("current", h.stageIndex()).execute();
            if (n > 0) {
                Map<String, Object> d = detail(e, h, "stage " + h.stageIndex() + " held " + stage.holdMinutes()
                        + " min while healthy");
                d.put("fromPercentage", stage.percentage() / 100.0);
                d.put("toPercentage", percentage / 100.0);
                AuditLog.record(tx, app.tenantId(), now, AuditLog.SYSTEM, "strategy.stage_advance", "strategy",
                        Long.toString(s.id()), d);
            }
            return n;
        });
        return changed > 0 ? "strategy " + s.id() + " advanced to stage " + next + " (" + percentage / 100.0 + "%)" : null;
    }

    private static Map<String, Object> detail(Evidence e, StrategyHealth h, String reason) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("reason", reason);
        d.put("attempts", e.attempts());
        d.put("failures", e.failures());
        d.put("failureThreshold", h.failureThreshold() == null ? null : h.failureThreshold() / 100.0);
        d.put("successThreshold", h.successThreshold() == null ? null : h.successThreshold() / 100.0);
        d.put("minAttempts", h.minAttempts());
        return d;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
