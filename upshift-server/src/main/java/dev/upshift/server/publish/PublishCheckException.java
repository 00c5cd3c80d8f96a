package dev.upshift.server.publish;

/**
 * A publish-time check refused an upload; {@link #code()} names the check, the message says why in words.
 *
 * <p>The codes are a contract with API clients and CI scripts: add new ones, never rename or reuse one.
 */
public final class PublishCheckException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Which check failed. {@link #wire()} is the stable string sent to clients. */
    public enum Code {
        /** The signature text is not a well-formed signature (encoding, line count, lengths, algorithm). */
        MALFORMED_SIGNATURE("malformed_signature"),
        /** The registered public key is not a well-formed key. */
        MALFORMED_PUBLIC_KEY("malformed_public_key"),
        /** The signature was made by a different key than the one registered for the app. */
        KEY_ID_MISMATCH("key_id_mismatch"),
        /** The signature does not match the file's bytes. */
        SIGNATURE_MISMATCH("signature_mismatch"),
        /** The minisign trusted comment was altered after signing (its global signature fails). */
        TRUSTED_COMMENT_MISMATCH("trusted_comment_mismatch"),
        /** The file is larger than a check that must hold it in memory allows. */
        FILE_TOO_LARGE("file_too_large"),
        /** The file could not be read. */
        UNREADABLE_FILE("unreadable_file"),
        /** A declared SHA-512 does not match the file's. */
        SHA512_MISMATCH("sha512_mismatch"),
        /** An uploaded update manifest (latest.json, latest.yml) is invalid; the message names the field. */
        BAD_MANIFEST("bad_manifest");

        private final String wire;

        Code(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }
    }

    private final Code code;

    public PublishCheckException(Code code, String message) {
        super(message);
        this.code = code;
    }

    public PublishCheckException(Code code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public Code code() {
        return code;
    }

    @Override
    public String toString() {
        return code.wire() + ": " + getMessage();
    }
}
