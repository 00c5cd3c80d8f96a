package dev.upshift.server.http;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.LongFunction;

/**
 * Reads a request body into memory up to a cap, refusing larger bodies before and while reading.
 *
 * <p>A refused body of moderate size (up to {@link #DRAIN_LIMIT}) is read and discarded before the answer: a server
 * that closes a connection with unread bytes in it makes the kernel send a reset, and a client that is still
 * sending then sees "connection reset" instead of the 413 explaining what went wrong. Larger bodies are not read.
 */
public final class BodyReader {
    static final long DRAIN_LIMIT = 1024 * 1024;

    private BodyReader() {
    }

    /** The client closed or stalled before sending the whole body it announced. */
    public static final class IncompleteBodyException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public IncompleteBodyException(Throwable cause) {
            super("the request body ended before its announced length, or stalled", cause, false, false);
        }
    }

    /** The stream of a request body, opened once it is known not to be refused by its announced length alone. */
    public interface BodyStream {
        InputStream open() throws IOException;
    }

    public static byte[] read(Context ctx, long max, LongFunction<RuntimeException> tooLarge) {
        return read(ctx.req().getContentLengthLong(), () -> ctx.req().getInputStream(), max, tooLarge);
    }

    /** Reads a body of {@code declared} bytes (negative: not announced) from {@code body}, within {@code max}. */
    public static byte[] read(long declared, BodyStream body, long max, LongFunction<RuntimeException> tooLarge) {
        if (declared > max) {
            if (declared <= DRAIN_LIMIT) {
                drain(body);
            }
            throw tooLarge.apply(max);
        }
        try (InputStream in = body.open()) {
            if (declared >= 0) {
                // The usual case: the length is announced (and enforced by Jetty), so read into an array of exactly
                // that size instead of readNBytes' 8 KB chunks, which were most of this method's cost per check.
                byte[] bytes = new byte[(int) declared];
                if (in.readNBytes(bytes, 0, bytes.length) < bytes.length) {
                    throw new IncompleteBodyException(new java.io.EOFException("body shorter than Content-Length"));
                }
                return bytes;
            }
            byte[] bytes = in.readNBytes((int) Math.min(max + 1, Integer.MAX_VALUE - 8));
            if (bytes.length > max) {
                drain(body);
                throw tooLarge.apply(max);
            }
            return bytes;
        } catch (IOException e) {
            throw new IncompleteBodyException(e);
        }
    }

    /** Reads and discards what is left of the body, at most {@link #DRAIN_LIMIT} bytes; errors do not matter here. */
    private static void drain(BodyStream body) {
        try {
            InputStream in = body.open();
            byte[] buf = new byte[16 * 1024];
            long left = DRAIN_LIMIT;
            int n;
            while (left > 0 && (n = in.read(buf, 0, (int) Math.min(buf.length, left))) > 0) {
                left -= n;
            }
        } catch (IOException | RuntimeException ignored) {
            // the answer is the 413 either way
        }
    }
}
