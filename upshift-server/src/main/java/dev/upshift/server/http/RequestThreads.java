package dev.upshift.server.http;

/**
 * Which kind of thread runs the current request. {@link ClientRouter} answers most update checks and feeds on the
 * selector thread that read them (no hand-off to a pool thread: about a third of a bare request's CPU), and a
 * selector thread that waits stalls every connection it serves. So code that may wait (a database round trip, a lock
 * held across one) calls {@link #beforeBlocking()} first: on a selector thread that throws {@link WouldBlockException}
 * before anything changed, and the router runs the request again from the start on a pool thread, where the call
 * returns at once.
 */
public final class RequestThreads {
    private static final ThreadLocal<Boolean> ON_SELECTOR = new ThreadLocal<>();
    private static final WouldBlockException WOULD_BLOCK = new WouldBlockException();

    private RequestThreads() {
    }

    /** The current request runs on a selector thread and is about to wait; it must run again on a pool thread. */
    public static final class WouldBlockException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        private WouldBlockException() {
            super("a request on a selector thread was about to wait", null, false, false);
        }
    }

    /**
     * Call before anything that may wait; throws {@link WouldBlockException} on a selector thread. The request's
     * second run repeats everything before the call, so nothing before it may change state that the second run would
     * change again, unless the endpoint keeps it with {@link ClientExchange#retain} (the reserved nonce).
     */
    public static void beforeBlocking() {
        if (onSelector()) {
            throw WOULD_BLOCK;
        }
    }

    /** True while a request runs on a selector thread. */
    public static boolean onSelector() {
        return ON_SELECTOR.get() == Boolean.TRUE;
    }

    static void enterSelector() {
        ON_SELECTOR.set(Boolean.TRUE);
    }

    static void leaveSelector() {
        ON_SELECTOR.set(Boolean.FALSE);
    }
}
