package dev.upshift.server.artifacts;

/** An upload went past the configured size cap; nothing of it was kept. */
public final class ArtifactTooLargeException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final long limit;

    public ArtifactTooLargeException(long limit) {
        super("artifact exceeds the limit of " + limit + " bytes");
        this.limit = limit;
    }

    public long limit() {
        return limit;
    }
}
