package dev.upshift.server.publish;

import dev.upshift.server.publish.PublishCheckException.Code;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;

/**
 * Verifies a Sparkle {@code sparkle:edSignature} (base64 of a 64-byte Ed25519 signature over the archive's raw
 * bytes) against the app's {@code SUPublicEDKey} (base64 of the 32-byte raw Ed25519 key).
 *
 * <p>Pure Ed25519 hashes the message twice (once with the key, once with R), so the whole archive must be
 * available at once; it cannot be streamed. The JDK's verifier buffers everything it is given, so this class
 * refuses archives over {@code maxBytes} rather than run the server out of memory. Pick the bound to fit the heap.
 */
public final class SparkleSignatureVerifier {
    private static final int BUFFER = 64 * 1024;

    private final PublicKey key;
    private final long maxBytes;

    private SparkleSignatureVerifier(PublicKey key, long maxBytes) {
        this.key = key;
        this.maxBytes = maxBytes;
    }

    /** A verifier for the base64 {@code SUPublicEDKey}, checking archives of at most {@code maxBytes}. */
    public static SparkleSignatureVerifier forPublicKey(String suPublicEdKey, long maxBytes)
            throws PublishCheckException {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must be >= 0, got " + maxBytes);
        }
        if (suPublicEdKey == null || suPublicEdKey.isBlank()) {
            throw new PublishCheckException(Code.MALFORMED_PUBLIC_KEY, "the SUPublicEDKey is empty");
        }
        byte[] raw = MinisignText.base64(suPublicEdKey, "the SUPublicEDKey", Code.MALFORMED_PUBLIC_KEY);
        if (raw.length != Ed25519.KEY_BYTES) {
            throw new PublishCheckException(Code.MALFORMED_PUBLIC_KEY, "the SUPublicEDKey must decode to "
                    + Ed25519.KEY_BYTES + " bytes, found " + raw.length);
        }
        PublicKey key = Ed25519.publicKey(raw);
        if (key == null) {
            throw new PublishCheckException(Code.MALFORMED_PUBLIC_KEY, "the SUPublicEDKey is not a valid Ed25519 key");
        }
        return new SparkleSignatureVerifier(key, maxBytes);
    }

    /** Verifies the base64 {@code edSignature} over the archive at {@code file}. */
    public void verify(Path file, String edSignature) throws PublishCheckException {
        byte[] sig = parseSignature(edSignature);
        try {
            long size = Files.size(file);
            if (size > maxBytes) {
                throw tooLarge(size + " bytes");
            }
            try (InputStream in = Files.newInputStream(file)) {
                verify(in, sig);
            }
        } catch (IOException e) {
            throw new PublishCheckException(Code.UNREADABLE_FILE, "cannot read " + file.getFileName() + ": " + e, e);
        }
    }

    /** Verifies the base64 {@code edSignature} over everything {@code in} yields; the stream is not closed. */
    public void verify(InputStream in, String edSignature) throws PublishCheckException {
        byte[] sig = parseSignature(edSignature);
        try {
            verify(in, sig);
        } catch (IOException e) {
            throw new PublishCheckException(Code.UNREADABLE_FILE, "cannot read the archive: " + e, e);
        }
    }

    private void verify(InputStream in, byte[] sig) throws IOException, PublishCheckException {
        Signature ed = Ed25519.verifier(key);
        if (ed == null) {
            throw new PublishCheckException(Code.MALFORMED_PUBLIC_KEY, "the SUPublicEDKey is not a usable Ed25519 key");
        }
        byte[] buf = new byte[BUFFER];
        long total = 0;
        try {
            for (int n; (n = in.read(buf)) > 0; ) {
                total += n;
                if (total > maxBytes) {
                    throw tooLarge("more than " + maxBytes + " bytes");
                }
                ed.update(buf, 0, n);
            }
        } catch (SignatureException e) {
            throw new IllegalStateException(e); // cannot happen: the verifier was initialised above
        }
        if (!Ed25519.verify(ed, sig)) {
            throw new PublishCheckException(Code.SIGNATURE_MISMATCH, "the sparkle:edSignature does not match the "
                    + total + "-byte archive: it changed after signing (e.g. re-zipped or re-notarised), the "
                    + "signature belongs to another archive, or it was made with a key other than SUPublicEDKey");
        }
    }

    private static byte[] parseSignature(String edSignature) throws PublishCheckException {
        if (edSignature == null || edSignature.isBlank()) {
            throw new PublishCheckException(Code.MALFORMED_SIGNATURE, "the sparkle:edSignature is empty");
        }
        byte[] sig = MinisignText.base64(edSignature, "the sparkle:edSignature", Code.MALFORMED_SIGNATURE);
        if (sig.length != Ed25519.SIGNATURE_BYTES) {
            throw new PublishCheckException(Code.MALFORMED_SIGNATURE, "the sparkle:edSignature must decode to "
                    + Ed25519.SIGNATURE_BYTES + " bytes, found " + sig.length);
        }
        return sig;
    }

    private PublishCheckException tooLarge(String size) {
        return new PublishCheckException(Code.FILE_TOO_LARGE, "the archive has " + size + "; Ed25519 "
                + "signatures need the whole archive in memory, and this server checks at most " + maxBytes
                + " bytes (raise the Sparkle size limit if the heap allows)");
    }
}
