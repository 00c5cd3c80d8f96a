package dev.upshift.server.artifacts;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The size and every digest Upshift records for a blob (MD5, SHA-1, SHA-256, SHA-512), computed in one streaming
 * pass. Shared by the stores (while receiving an upload) and by {@code upshift artifacts verify} (while re-reading).
 */
final class BlobDigests {
    static final int BUFFER = 64 * 1024;
    private final MessageDigest md5 = digest("MD5");
    private final MessageDigest sha1 = digest("SHA-1");
    private final MessageDigest sha256 = digest("SHA-256");
    private final MessageDigest sha512 = digest("SHA-512");
    private long size;

    void update(byte[] buf, int off, int len) {
        md5.update(buf, off, len);
        sha1.update(buf, off, len);
        sha256.update(buf, off, len);
        sha512.update(buf, off, len);
        size += len;
    }

    long size() {
        return size;
    }

    /** The result; call once. */
    StoredBlob finish() {
        HexFormat hex = HexFormat.of();
        return new StoredBlob(hex.formatHex(sha256.digest()), size, hex.formatHex(md5.digest()),
                hex.formatHex(sha1.digest()), hex.formatHex(sha512.digest()));
    }

    /** Reads {@code in} to its end (without closing it) and returns its digests. */
    static StoredBlob of(InputStream in) throws IOException {
        BlobDigests d = new BlobDigests();
        byte[] buf = new byte[BUFFER];
        int n;
        while ((n = in.read(buf)) >= 0) {
            if (n > 0) {
                d.update(buf, 0, n);
            }
        }
        return d.finish();
    }

    static MessageDigest digest(String name) {
        try {
            return MessageDigest.getInstance(name);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
