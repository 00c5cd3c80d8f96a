package dev.upshift.server.publish;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.util.Arrays;
import java.util.Base64;
import org.bouncycastle.crypto.digests.Blake2bDigest;

/**
 * Produces minisign keys and signatures the way minisign and {@code tauri signer sign} write them, with the JDK's
 * Ed25519, so tests can sign their own files.
 */
public final class MinisignTestSigner {
    private final KeyPair pair = generate();
    private final byte[] keyId = new byte[8];

    public MinisignTestSigner() {
        new SecureRandom().nextBytes(keyId);
    }

    /** The {@code minisign.pub} file text. */
    String publicKeyFile() {
        byte[] raw = rawPublicKey();
        byte[] line = concat(new byte[] {'E', 'd'}, keyId, raw);
        return "untrusted comment: minisign public key " + MinisignText.keyIdHex(MinisignText.keyId(keyId, 0))
                + "\n" + Base64.getEncoder().encodeToString(line) + "\n";
    }

    /** Tauri's {@code pubkey}: base64 of the public key file text. */
    public String tauriPublicKey() {
        return base64(publicKeyFile());
    }

    /** The {@code .sig} file text, prehashed ({@code ED}) or legacy ({@code Ed}). */
    String signatureFile(byte[] file, boolean prehashed, String trustedComment) {
        byte[] message = prehashed ? blake2b512(file) : file;
        byte[] sig = sign(message);
        byte[] line2 = concat(new byte[] {'E', (byte) (prehashed ? 'D' : 'd')}, keyId, sig);
        byte[] global = sign(concat(sig, trustedComment.getBytes(StandardCharsets.UTF_8)));
        return "untrusted comment: signature from tauri secret key\n"
                + Base64.getEncoder().encodeToString(line2) + "\n"
                + "trusted comment: " + trustedComment + "\n"
                + Base64.getEncoder().encodeToString(global) + "\n";
    }

    /** Tauri's {@code signature}: base64 of the {@code .sig} file text. */
    public String tauriSignature(byte[] file, boolean prehashed) {
        return base64(signatureFile(file, prehashed, "timestamp:1727784000\tfile:app_1.2.3_amd64.AppImage"));
    }

    byte[] rawPublicKey() {
        byte[] x509 = pair.getPublic().getEncoded();
        return Arrays.copyOfRange(x509, x509.length - 32, x509.length);
    }

    byte[] sign(byte[] message) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(pair.getPrivate());
            s.update(message);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] blake2b512(byte[] data) {
        Blake2bDigest d = new Blake2bDigest(512);
        d.update(data, 0, data.length);
        byte[] out = new byte[64];
        d.doFinal(out, 0);
        return out;
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
