package dev.upshift.server.publish;

import dev.upshift.server.publish.PublishCheckException.Code;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Signature;
import java.security.SignatureException;
import org.bouncycastle.crypto.digests.Blake2bDigest;

/**
 * Verifies a Tauri updater signature (minisign) of an uploaded file against the app's registered public key,
 * so a bad signature is refused at publish time instead of failing on every client.
 *
 * <h2>What is checked, in order</h2>
 * <ol>
 *   <li>The key and signature parse (Tauri's base64-wrapped form or the raw minisign text).</li>
 *   <li>The signature's key id equals the key's: {@code key_id_mismatch} tells the publisher they signed with
 *       another key, which is a more useful message than a bare mismatch.</li>
 *   <li>The global signature over (signature ‖ trusted comment) verifies. It needs no file I/O, so it runs
 *       before reading a possibly multi-gigabyte file.</li>
 *   <li>The signature over the file: {@code ED} signs BLAKE2b-512 of the file (streamed, any size), legacy
 *       {@code Ed} signs the raw bytes. Ed25519 must see the whole message at once, and the JDK buffers it, so
 *       legacy signatures are only checked up to a size limit (256 MiB by default). The Tauri updater accepts
 *       legacy signatures ({@code allow_legacy = true}), so we do too.</li>
 * </ol>
 *
 * <p>Every failure is a {@link PublishCheckException}; nothing else escapes, whatever the input.
 */
public final class MinisignVerifier {
    /** The default cap for legacy (non-prehashed) signatures, which need the whole file in memory. */
    public static final long DEFAULT_LEGACY_LIMIT = 256L * 1024 * 1024;
    private static final int BUFFER = 64 * 1024;

    private final MinisignPublicKey key;
    private final long legacyLimit;

    private MinisignVerifier(MinisignPublicKey key, long legacyLimit) {
        this.key = key;
        this.legacyLimit = legacyLimit;
    }

    /** A verifier for Tauri's {@code pubkey} string, the {@code minisign.pub} text, or a bare {@code RW...} key. */
    public static MinisignVerifier forPublicKey(String publicKey) throws PublishCheckException {
        return forPublicKey(publicKey, DEFAULT_LEGACY_LIMIT);
    }

    /** As {@link #forPublicKey(String)}, refusing legacy {@code Ed} signatures of files over {@code legacyLimit}. */
    public static MinisignVerifier forPublicKey(String publicKey, long legacyLimit) throws PublishCheckException {
        if (legacyLimit < 0) {
            throw new IllegalArgumentException("legacyLimit must be >= 0, got " + legacyLimit);
        }
        return new MinisignVerifier(MinisignPublicKey.parse(publicKey), legacyLimit);
    }

    /** The key id as minisign prints it, e.g. {@code E7620F1842B4E81F}. */
    public String keyId() {
        return key.keyIdHex();
    }

    /** Verifies {@code signature} over the file at {@code file}. */
    public Verified verify(Path file, String signature) throws PublishCheckException {
        MinisignSignature sig = checkSignatureText(signature);
        try {
            if (!sig.prehashed()) {
                long size = Files.size(file);
                if (size > legacyLimit) {
                    throw tooLarge(size + " bytes");
                }
            }
            try (InputStream in = Files.newInputStream(file)) {
                return verifyFile(in, sig);
            }
        } catch (IOException e) {
            throw new PublishCheckException(Code.UNREADABLE_FILE, "cannot read " + file.getFileName() + ": " + e, e);
        }
    }

    /** Verifies {@code signature} over everything {@code in} yields; the stream is read but not closed. */
    public Verified verify(InputStream in, String signature) throws PublishCheckException {
        MinisignSignature sig = checkSignatureText(signature);
        try {
            return verifyFile(in, sig);
        } catch (IOException e) {
            throw new PublishCheckException(Code.UNREADABLE_FILE, "cannot read the file: " + e, e);
        }
    }

    /** Parses and checks everything that does not need the file: key id and the trusted comment's signature. */
    private MinisignSignature checkSignatureText(String signature) throws PublishCheckException {
        MinisignSignature sig = MinisignSignature.parse(signature);
        if (sig.keyId() != key.keyId()) {
            throw new PublishCheckException(Code.KEY_ID_MISMATCH, "the file was signed with key " + sig.keyIdHex()
                    + " but the app's registered key is " + key.keyIdHex()
                    + "; sign with the registered key or register the new public key first");
        }
        byte[] comment = sig.trustedComment().getBytes(StandardCharsets.UTF_8);
        byte[] global = new byte[sig.signature().length + comment.length];
        System.arraycopy(sig.signature(), 0, global, 0, sig.signature().length);
        System.arraycopy(comment, 0, global, sig.signature().length, comment.length);
        if (!Ed25519.verify(key.key(), global, sig.globalSignature())) {
            throw new PublishCheckException(Code.TRUSTED_COMMENT_MISMATCH, "the signature's global signature "
                    + "does not verify: the trusted comment '" + sig.trustedComment() + "' was changed after "
                    + "signing, or the signature lines come from different .sig files");
        }
        return sig;
    }

    private Verified verifyFile(InputStream in, MinisignSignature sig) throws IOException, PublishCheckException {
        Signature ed = Ed25519.verifier(key.key());
        if (ed == null) {
            throw new PublishCheckException(Code.MALFORMED_PUBLIC_KEY, "the minisign public key is not a usable "
                    + "Ed25519 key");
        }
        byte[] buf = new byte[BUFFER];
        long total = 0;
        Blake2bDigest blake = sig.prehashed() ? new Blake2bDigest(512) : null;
        try {
            for (int n; (n = in.read(buf)) > 0; ) {
                total += n;
                if (blake != null) {
                    blake.update(buf, 0, n);
                } else if (total > legacyLimit) {
                    throw tooLarge("more than " + legacyLimit + " bytes");
                } else {
                    ed.update(buf, 0, n);
                }
            }
            if (blake != null) {
                byte[] hash = new byte[blake.getDigestSize()];
                blake.doFinal(hash, 0);
                ed.update(hash);
            }
        } catch (SignatureException e) {
            throw new IllegalStateException(e); // cannot happen: the verifier was initialised above
        }
        if (!Ed25519.verify(ed, sig.signature())) {
            throw new PublishCheckException(Code.SIGNATURE_MISMATCH, "the minisign signature (key "
                    + sig.keyIdHex() + ", " + (sig.prehashed() ? "prehashed ED" : "legacy Ed")
                    + ") does not match the " + total + "-byte file: the file changed after signing, "
                    + "or the signature belongs to another file");
        }
        return new Verified(sig.keyIdHex(), sig.trustedComment(), sig.prehashed());
    }

    private PublishCheckException tooLarge(String size) {
        return new PublishCheckException(Code.FILE_TOO_LARGE, "the file has " + size + ", and its legacy "
                + "(non-prehashed 'Ed') minisign signature can only be checked up to " + legacyLimit
                + " bytes; re-sign with a current minisign or tauri signer, which prehash ('ED')");
    }

    /**
     * A signature that verified.
     *
     * @param keyId          the signing key's id as minisign prints it
     * @param trustedComment the signed comment without its {@code "trusted comment: "} prefix
     * @param prehashed      true for {@code ED} (BLAKE2b-512 of the file), false for legacy {@code Ed}
     */
    public record Verified(String keyId, String trustedComment, boolean prehashed) {
    }
}
