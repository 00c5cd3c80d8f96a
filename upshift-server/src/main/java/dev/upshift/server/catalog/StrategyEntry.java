package dev.upshift.server.catalog;

import dev.upshift.core.rollout.Strategy;

/**
 * A strategy as the engine sees it ({@code rule}) plus what only the admin API and feeds need. A strategy is
 * {@code offerable} when clients could install its version: for kinds with files, once the version has one.
 * Strategies that are not offerable are kept for the admin API but never reach the engine, so an older strategy
 * with a file is offered instead of a download link that does not exist. {@code health} holds the automatic pause
 * and staged-rollout settings and state.
 */
public record StrategyEntry(Strategy rule, long appId, String name, String description, long createdAt,
                            long updatedAt, boolean offerable, StrategyHealth health) {
    public long id() {
        return rule.id();
    }
}
