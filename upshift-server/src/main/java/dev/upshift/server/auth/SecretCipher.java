package dev.upshift.server.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts access-key secrets at rest with AES-256-GCM under a key-encryption key (KEK) that never enters the
 * database: {@code UPSHIFT_SECRET_KEY} (base64 of 32 bytes) or, by default, {@code <data-dir>/secret.key},
 * created with mode 600 at first start. A database copied without that key reveals no secrets.
 *
 * <p>Stored form: {@code v1:} + base64(12-byte IV || ciphertext || 16-byte tag). The access key id is bound as
 * associated data, so a ciphertext moved to another key's row does not decrypt.
 */
public final class SecretCipher {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final SecretKeySpec key;

    private SecretCipher(byte[] key) {
        this.key = new SecretKeySpec(key, "AES");
    }

    public static SecretCipher fromKeyMaterial(byte[] key) {
        if (key.length != 32) {
            throw new IllegalArgumentException("the secret key must be 32 bytes, got " + key.length);
        }
        return new SecretCipher(key.clone());
    }

    /**
     * Loads the KEK from {@code UPSHIFT_SECRET_KEY} if given, else from (or into) {@code keyFile}.
     *
     * @throws IllegalStateException with an operator-facing message if the key is malformed or unreadable
     */
    public static SecretCipher load(String fromEnv, Path keyFile, boolean mayCreate) {
        if (fromEnv != null && !fromEnv.isBlank()) {
            byte[] k;
            try {
                k = Base64.getDecoder().decode(fromEnv.trim());
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("UPSHIFT_SECRET_KEY is not valid base64; generate one with "
                        + "'head -c 32 /dev/urandom | base64'.");
            }
            if (k.length != 32) {
                throw new IllegalStateException("UPSHIFT_SECRET_KEY must decode to 32 bytes, it decodes to "
                        + k.length + "; generate one with 'head -c 32 /dev/urandom | base64'.");
            }
            return new SecretCipher(k);
        }
        try {
            if (Files.exists(keyFile)) {
                byte[] k = Base64.getDecoder().decode(Files.readString(keyFile, StandardCharsets.US_ASCII).trim());
                if (k.length != 32) {
                    throw new IllegalStateException(keyFile + " does not hold a 32-byte base64 key.");
                }
                return new SecretCipher(k);
            }
            if (!mayCreate) {
                throw new IllegalStateException(keyFile + " is missing, but the database holds access keys encrypted "
                        + "with it. Restore secret.key from your backup (or set UPSHIFT_SECRET_KEY to its content); "
                        + "a new key could not decrypt the existing secrets.");
            }
            byte[] k = new byte[32];
            RANDOM.nextBytes(k);
            Files.createDirectories(keyFile.getParent());
            createOwnerOnly(keyFile);
            Files.writeString(keyFile, Base64.getEncoder().encodeToString(k) + "\n", StandardCharsets.US_ASCII,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
            return new SecretCipher(k);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalStateException("Cannot read or create the secret key file " + keyFile + ": "
                    + e.getMessage());
        }
    }

    public String encrypt(String accessKey, String secret) {
        try {
            byte[] iv = new byte[12];
            RANDOM.nextBytes(iv);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, iv));
            c.updateAAD(accessKey.getBytes(StandardCharsets.UTF_8));
            byte[] ct = c.doFinal(secret.getBytes(StandardCharsets.UTF_8));
            byte[] out = new byte[iv.length + ct.length];
            System.arraycopy(iv, 0, out, 0, iv.length);
            System.arraycopy(ct, 0, out, iv.length, ct.length);
            return "v1:" + Base64.getEncoder().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is unavailable", e);
        }
    }

    /** @throws IllegalStateException if the value was not encrypted under this key for this access key */
    public String decrypt(String accessKey, String stored) {
        if (!stored.startsWith("v1:")) {
            throw new IllegalStateException("unknown secret encoding for access key " + accessKey);
        }
        try {
            byte[] in = Base64.getDecoder().decode(stored.substring(3));
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, in, 0, 12));
            c.updateAAD(accessKey.getBytes(StandardCharsets.UTF_8));
            return new String(c.doFinal(in, 12, in.length - 12), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("The secret of access key " + accessKey + " cannot be decrypted with "
                    + "the configured secret key. Start the server with the same UPSHIFT_SECRET_KEY or "
                    + "<data-dir>/secret.key that was used when the key was created.");
        }
    }

    /** Creates an empty file readable only by its owner, before any secret is written into it. */
    public static void createOwnerOnly(Path file) throws IOException {
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(file); // not a POSIX file system
        }
    }
}
