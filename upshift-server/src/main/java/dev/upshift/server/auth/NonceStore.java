package dev.upshift.server.auth;

/**
 * Remembers request nonces so that each is accepted once per access key.
 *
 * <p>Contract: {@link #reserve} is atomic (of any number of concurrent calls with the same key and nonce, exactly
 * one returns true), a nonce stays reserved for at least {@link #RETENTION_MILLIS}, and a reservation that returned
 * true survives a restart of the process, including kill -9. Callers reserve only after the request signature
 * verified, so unauthenticated traffic cannot fill the store or burn a client's nonces.
 */
public interface NonceStore extends AutoCloseable {
    /** Twice the ±5 minute timestamp window: a request can be replayed at most until its timestamp + 5 min. */
    long RETENTION_MILLIS = 10 * 60 * 1000L;

    /**
     * @return true if this nonce had not been seen for this access key and is now reserved
     * @throws NonceStoreUnavailableException if the reservation could not be made durable
     */
    boolean reserve(String accessKey, String nonce);

    /**
     * Whether {@link #reserve} waits for storage (a database commit). Update checks then run on pool threads, never
     * on the selector thread that read them ({@link dev.upshift.server.http.ClientRouter.Threading}).
     */
    boolean reserveWaits();

    @Override
    void close();

    /** The durable part of the store failed; the request must be refused, not accepted unrecorded. */
    final class NonceStoreUnavailableException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public NonceStoreUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
