package dev.upshift.server.artifacts;

import dev.upshift.server.catalog.VersionFile;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Serves an immutable artifact file with the HTTP features download clients rely on: HEAD, a strong
 * {@code ETag} (the sha256), {@code If-None-Match} (304), byte ranges with {@code Range}/{@code If-Range}
 * (206, or 416 when unsatisfiable), {@code Content-Length}, and digest headers ({@code X-Checksum-Sha256} and
 * {@code Digest: sha-256=<base64>}) so a client can verify what it got. The body is copied with
 * {@link FileChannel#transferTo}, which the JDK turns into sendfile where the output allows.
 *
 * <p>Several ranges in one request (electron-updater's differential download asks for the changed blocks this
 * way) are answered as {@code multipart/byteranges} (RFC 9110 §14.6): each part has its own {@code Content-Type}
 * and {@code Content-Range}, and {@code Content-Length} is computed exactly up front. {@link ByteRanges} holds the
 * limits: at most 200 ranges, ascending and disjoint, else the whole file is sent with 200.
 */
public final class FileResponder {
    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);
    private static final SecureRandom RANDOM = new SecureRandom();

    private FileResponder() {
    }

    /** What was sent, so the caller can decide whether this counts as a download. */
    public enum Outcome {
        /** The whole file was sent, as a 200 or as one range covering every byte: counts as a download. */
        FULL,
        /** Part of the file (a resume, a probe or a multi-range request): not a new download. */
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
        digestHeaders(ctx, file);
        ctx.header("Content-Disposition", contentDisposition(file.fileName()));
        ctx.header("X-Content-Type-Options", "nosniff");

        String inm = ctx.header("If-None-Match");
        if (inm != null && (inm.trim().equals("*") || containsTag(inm, etag))) {
            ctx.status(304);
            return Outcome.NOT_MODIFIED;
        }

        List<ByteRanges.Range> ranges = List.of(new ByteRanges.Range(0, size - 1));
        boolean partial = false;
        String range = ctx.header("Range");
        String ifRange = ctx.header("If-Range");
        if (range != null && (ifRange == null || ifRange.trim().equals(etag))) {
            ByteRanges.Result r = ByteRanges.parse(range, size);
            if (r.isUnsatisfiable()) {
                ctx.status(416);
                ctx.header("Content-Range", "bytes */" + size);
                return Outcome.UNSATISFIABLE;
            }
            if (!r.ignore()) {
                ranges = r.ranges();
                partial = true;
            }
        }
        if (ranges.size() > 1) {
            return serveMultipart(ctx, path, file, ranges, head);
        }
        long start = ranges.get(0).start();
        long end = ranges.get(0).end();
        long length = size == 0 ? 0 : end - start + 1;
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
            copy(ch, start, length, Channels.newChannel(out), path);
        }
        out.flush();
        return partial && (start != 0 || end != size - 1) ? Outcome.PARTIAL : Outcome.FULL;
    }

    /** A 206 {@code multipart/byteranges} answer with one part per range. */
    private static Outcome serveMultipart(Context ctx, Path path, VersionFile file, List<ByteRanges.Range> ranges,
                                          boolean head) throws IOException {
        byte[] random = new byte[12];
        RANDOM.nextBytes(random);
        String boundary = "upshift-" + HexFormat.of().formatHex(random);
        List<byte[]> partHeads = new ArrayList<>(ranges.size());
        long length = 0;
        for (ByteRanges.Range r : ranges) {
            byte[] h = ("\r\n--" + boundary + "\r\nContent-Type: " + file.mediaType() + "\r\nContent-Range: bytes "
                    + r.start() + "-" + r.end() + "/" + file.size() + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            partHeads.add(h);
            length += h.length + r.length();
        }
        byte[] closing = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII);
        length += closing.length;
        ctx.status(206);
        ctx.contentType("multipart/byteranges; boundary=" + boundary);
        ctx.res().setContentLengthLong(length);
        if (head) {
            return Outcome.HEAD;
        }
        OutputStream out = ctx.res().getOutputStream();
        WritableByteChannel target = Channels.newChannel(out);
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            for (int i = 0; i < ranges.size(); i++) {
                out.write(partHeads.get(i));
                copy(ch, ranges.get(i).start(), ranges.get(i).length(), target, path);
            }
        }
        out.write(closing);
        out.flush();
        return Outcome.PARTIAL;
    }

    /**
     * Answers with a 302 to where the store serves the blob (a presigned or CDN URL). The digest headers are sent
     * here too, so a client can verify what it fetches from the other host. The redirect must not be cached: a
     * presigned URL expires.
     *
     * @return whether this counts as a download: a GET that asks for the whole file (no {@code Range})
     */
    public static boolean redirect(Context ctx, URI location, VersionFile file, boolean head) {
        ctx.header("Cache-Control", "no-store");
        ctx.header("ETag", "\"" + file.sha256() + "\"");
        digestHeaders(ctx, file);
        ctx.header("Location", location.toASCIIString());
        ctx.status(302);
        return !head && ctx.header("Range") == null;
    }

    private static void digestHeaders(Context ctx, VersionFile file) {
        ctx.header("X-Checksum-Sha256", file.sha256());
        ctx.header("Digest", "sha-256=" + StoredBlob.base64OfHex(file.sha256()));
    }

    private static void copy(FileChannel ch, long start, long length, WritableByteChannel target, Path path)
            throws IOException {
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

    static String contentDisposition(String fileName) {
        StringBuilder ascii = new StringBuilder();
        for (char c : fileName.toCharArray()) {
            ascii.append(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? c : '_');
        }
        return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''"
                + URLEncoder.encode(fileName, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
