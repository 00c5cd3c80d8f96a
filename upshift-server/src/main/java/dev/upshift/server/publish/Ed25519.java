package dev.upshift.server.publish;

import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.spec.X509EncodedKeySpec;

/** The JDK's Ed25519, fed raw 32-byte keys as minisign and Sparkle store them. */
final class Ed25519 {
    /** DER header of an X.509 SubjectPublicKeyInfo for Ed25519 (RFC 8410); the raw key follows it. */
    private static final byte[] X509_PREFIX = {
            0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
    static final int KEY_BYTES = 32;
    static final int SIGNATURE_BYTES = 64;

    private Ed25519() {
    }

    /** Wraps a raw 32-byte key; returns null when the JDK refuses it. */
    static PublicKey publicKey(byte[] raw) {
        if (raw.length != KEY_BYTES) {
            return null;
        }
        byte[] der = new byte[X509_PREFIX.length + KEY_BYTES];
        System.arraycopy(X509_PREFIX, 0, der, 0, X509_PREFIX.length);
        System.arraycopy(raw, 0, der, X509_PREFIX.length, KEY_BYTES);
        try {
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            return null;
        }
    }

    /** A verifier ready for {@code update}; null if the key is not usable (an invalid curve point). */
    static Signature verifier(PublicKey key) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(key);
            return s;
        } catch (InvalidKeyException e) {
            return null;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no Ed25519 (it is part of Java 15+)", e);
        }
    }

    /** Finishes a verification; a signature the JDK cannot even decode counts as not verifying. */
    static boolean verify(Signature verifier, byte[] signature) {
        try {
            return verifier.verify(signature);
        } catch (SignatureException e) {
            return false;
        }
    }

    static boolean verify(PublicKey key, byte[] message, byte[] signature) {
        Signature s = verifier(key);
        if (s == null) {
            return false;
        }
        try {
            s.update(message);
        } catch (SignatureException e) {
            throw new IllegalStateException(e); // cannot happen: initialised just above
        }
        return verify(s, signature);
    }
}
