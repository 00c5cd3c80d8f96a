package dev.upshift.server.catalog;

import dev.upshift.core.rollout.Strategy;

/** A strategy as the engine sees it ({@code rule}) plus what only the admin API and feeds need. */
public record StrategyEntry(Strategy rule, long appId, String name, String description, long createdAt,
                            long updatedAt) {
    public long id() {
        return rule.id();
    }
}
