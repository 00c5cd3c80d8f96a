package dev.upshift.server.rollout;

import dev.upshift.core.rollout.ClientVersion;
import dev.upshift.core.rollout.Decision;
import dev.upshift.core.rollout.RolloutCounters;
import dev.upshift.core.rollout.RolloutEngine;
import dev.upshift.core.rollout.RolloutQuery;
import dev.upshift.server.catalog.App;
import dev.upshift.server.catalog.CatalogSnapshot;
import dev.upshift.server.catalog.Version;
import dev.upshift.server.events.Event;
import dev.upshift.server.events.EventQueue;
import java.time.Clock;
import java.util.Optional;

/**
 * The neutral half of every update check, shared by all wire formats: turn what the client said into a
 * {@link RolloutQuery} (resolving its installed version and its device groups from the snapshot), run the engine,
 * and record the facts asynchronously in the {@link EventQueue}. Protocol adapters only parse requests and render
 * {@link Outcome}s.
 */
public final class UpdateChecks {
    private final RolloutCounters counters;
    private final EventQueue events;
    private final Clock clock;

    public UpdateChecks(RolloutCounters counters, EventQueue events, Clock clock) {
        this.counters = counters;
        this.events = events;
        this.clock = clock;
    }

    /** What the client said about itself, in neutral terms. */
    public record Request(ClientVersion current, ClientVersion appointed, String platform, String arch, String channel,
                          String deviceKey, String deviceModel) {
    }

    /** The decision, with the catalog version when one is offered. */
    public record Outcome(Decision decision, Version offered) {
        public boolean isOffer() {
            return decision instanceof Decision.Offer;
        }

        public Decision.Offer offer() {
            return (Decision.Offer) decision;
        }
    }

    public Outcome check(CatalogSnapshot snap, App app, Request r) {
        String semver = r.current().semver() != null ? r.current().semver().canonical() : null;
        // One lookup gives both the installed id and whether it is yanked; a deleted version is never yanked.
        Optional<Version> live = snap.liveInstalledVersion(app.id(), r.platform(), r.arch(), semver, r.current().code());
        Long installed = live.isPresent() ? Long.valueOf(live.get().id())
                : snap.deletedVersionId(app.id(), r.platform(), r.arch(), semver, r.current().code()).orElse(null);
        String channel = r.channel() != null ? r.channel() : r.current().impliedChannel();
        RolloutQuery q = new RolloutQuery(r.current(), installed, r.appointed(),
                r.platform(), r.arch(), channel, r.deviceKey(), r.deviceModel(),
                snap.groupsOf(app.tenantId(), r.deviceKey()), clock.instant(),
                live.isPresent() && live.get().yanked());
        Decision d = RolloutEngine.decide(snap.rules(app.id()), q, counters);
        Version offered = null;
        Long strategyId = null;
        if (d instanceof Decision.Offer o) {
            offered = snap.version(o.version().id()).orElseThrow();
            strategyId = o.strategy().id();
        } else if (d instanceof Decision.FlowLimited f) {
            strategyId = f.strategy().id();
        }
        long now = q.now().toEpochMilli();
        events.record(Event.fact(app.tenantId(), app.id(), Event.CHECKED, now, r.current().code(), 0, null, strategyId,
                q.deviceKey(), q.deviceModel(), r.platform(), r.arch()));
        if (offered != null) {
            events.record(Event.fact(app.tenantId(), app.id(), Event.OFFERED, now, r.current().code(), offered.code(),
                    offered.id(), strategyId, q.deviceKey(), q.deviceModel(), r.platform(), r.arch()));
        }
        return new Outcome(d, offered);
    }
}
