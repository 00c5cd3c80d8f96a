package dev.upshift.core.rollout;

/** The outcome of an update check. */
public sealed interface Decision {

    /** Offer {@code strategy.version()} with the strategy's upgrade type and prompt. */
    record Offer(Strategy strategy) implements Decision {
        public ReleaseVersion version() {
            return strategy.version();
        }
    }

    /** Nothing to offer; {@code reason} says why (for logs and tests, never sent to clients). */
    record UpToDate(String reason) implements Decision {
    }

    /** A hard flow-limit rule of the chosen strategy is exhausted: answer 429001. */
    record FlowLimited(Strategy strategy, FlowRule rule) implements Decision {
    }
}
