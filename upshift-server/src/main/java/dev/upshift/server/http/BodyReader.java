package dev.upshift.server.http;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.LongFunction;

/** Reads a request body into memory up to a cap, refusing larger bodies before and while reading. */
public final class BodyReader {
    private BodyReader() {
    }

    /** The client closed or stalled before sending the whole body it announced. */
    public static final class IncompleteBodyException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public IncompleteBodyException(Throwable cause) {
            super("the request body ended before its announced length, or stalled", cause, false, false);
        }
    }

    public static byte[] read(Context ctx, long max, LongFunction<RuntimeException> tooLarge) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > max) {
            throw tooLarge.apply(max);
        }
        try (InputStream in = ctx.req().getInputStream()) {
            byte[] bytes = in.readNBytes((int) Math.min(max + 1, Integer.MAX_VALUE - 8));
            if (bytes.length > max) {
                throw tooLarge.apply(max);
            }
            return bytes;
        } catch (IOException e) {
            throw new IncompleteBodyException(e);
        }
    }
}
