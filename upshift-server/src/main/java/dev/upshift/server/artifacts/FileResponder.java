package dev.upshift.server.artifacts;

import dev.upshift.server.catalog.VersionFile;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLEncoder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Serves an immutable artifact file with the HTTP features download clients rely on: HEAD, a strong
 * {@code ETag} (the sha256), {@code If-None-Match} (304), single byte ranges with {@code Range}/{@code If-Range}
 * (206, or 416 when unsatisfiable), {@code Content-Length}, and digest headers ({@code X-Checksum-Sha256} and
 * {@code Digest: sha-256=<base64>}) so a client can verify what it got. The body is copied with
 * {@link FileChannel#transferTo}, which the JDK turns into sendfile where the output allows.
 *
 * <p>A request with several ranges is answered with the whole file (allowed by RFC 9110); multipart range
 * responses come with differential-download support.
 */
public final class FileResponder {
    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

    private FileResponder() {
    }

    /** What was sent, so the caller can decide whether this counts as a download. */
    public enum Outcome {
        /** The whole file was sent, as a 200 or as one range covering every byte: counts as a download. */
        FULL,
        /** Part of the file (a resume or a probe): not a new download. */
        PARTIAL,
        NOT_MODIFIED, HEAD, UNSATISFIABLE
    }

    public static Outcome serve(Context ctx, Path path, VersionFile file, boolean head) throws IOException {
        String etag = "\"" + file.sha256() + "\"";
        long size = file.size();
        ctx.header("Accept-Ranges", "bytes");
        ctx.header("ETag", etag);
        ctx.header("Last-Modified", HTTP_DATE.format(Instant.ofEpochMilli(file.createdAt())));
        ctx.header("Cache-Control", "no-cache");
        ctx.header("X-Checksum-Sha256", file.sha256());
        ctx.header("Digest", "sha-256=" + Base64.getEncoder().encodeToString(HexFormat.of().parseHex(file.sha256())));
        ctx.header("Content-Disposition", contentDisposition(file.fileName()));
        ctx.header("X-Content-Type-Options", "nosniff");

        String inm = ctx.header("If-None-Match");
        if (inm != null && (inm.trim().equals("*") || containsTag(inm, etag))) {
            ctx.status(304);
            return Outcome.NOT_MODIFIED;
        }

        long start = 0;
        long end = size - 1;
        boolean partial = false;
        String range = ctx.header("Range");
        String ifRange = ctx.header("If-Range");
        if (range != null && (ifRange == null || ifRange.trim().equals(etag))) {
            long[] r = parseSingleRange(range, size);
            if (r == null) {
                ctx.status(416);
                ctx.header("Content-Range", "bytes */" + size);
                return Outcome.UNSATISFIABLE;
            }
            if (r.length == 2) {
                start = r[0];
                end = r[1];
                partial = true;
            }
        }
        long length = end - start + 1;
        ctx.contentType(file.mediaType());
        ctx.res().setContentLengthLong(length);
        if (partial) {
            ctx.status(206);
            ctx.header("Content-Range", "bytes " + start + "-" + end + "/" + size);
        } else {
            ctx.status(200);
        }
        if (head) {
            return Outcome.HEAD;
        }
        OutputStream out = ctx.res().getOutputStream();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            WritableByteChannel target = Channels.newChannel(out);
            long pos = start;
            long remaining = length;
            while (remaining > 0) {
                long n = ch.transferTo(pos, remaining, target);
                if (n <= 0) {
                    throw new IOException("artifact file shorter than recorded size: " + path);
                }
                pos += n;
                remaining -= n;
            }
        }
        out.flush();
        return partial && (start != 0 || end != size - 1) ? Outcome.PARTIAL : Outcome.FULL;
    }

    /**
     * @return {start, end} for one satisfiable range; an empty array to ignore the header (malformed or several
     *         ranges: serve the whole file); null when the single range is unsatisfiable
     */
    static long[] parseSingleRange(String header, long size) {
        String h = header.trim();
        if (!h.startsWith("bytes=")) {
            return new long[0];
        }
        String spec = h.substring(6).trim();
        if (spec.contains(",")) {
            return new long[0];
        }
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return new long[0];
        }
        try {
            String a = spec.substring(0, dash).trim();
            String b = spec.substring(dash + 1).trim();
            if (a.isEmpty()) {
                if (b.isEmpty()) {
                    return new long[0];
                }
                long suffix = Long.parseLong(b);
                if (suffix <= 0 || size == 0) {
                    return null;
                }
                return new long[]{Math.max(0, size - suffix), size - 1};
            }
            long start = Long.parseLong(a);
            long end = b.isEmpty() ? Long.MAX_VALUE : Long.parseLong(b);
            if (start < 0 || end < start) {
                return new long[0];
            }
            if (start >= size) {
                return null;
            }
            return new long[]{start, Math.min(end, size - 1)};
        } catch (NumberFormatException e) {
            return new long[0];
        }
    }

    private static boolean containsTag(String header, String etag) {
        for (String part : header.split(",")) {
            String t = part.trim();
            if (t.startsWith("W/")) {
                t = t.substring(2);
            }
            if (t.equals(etag)) {
                return true;
            }
        }
        return false;
    }

    private static String contentDisposition(String fileName) {
        StringBuilder ascii = new StringBuilder();
        for (char c : fileName.toCharArray()) {
            ascii.append(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? c : '_');
        }
        return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''"
                + URLEncoder.encode(fileName, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
