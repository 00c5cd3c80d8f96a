package dev.upshift.server.publish;

import dev.upshift.server.publish.PublishCheckException.Code;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * A minisign public key: an 8-byte key id and a 32-byte Ed25519 key.
 *
 * <p>Accepted as Tauri's {@code pubkey} (base64 of the {@code minisign.pub} file), as the file's text, or as the
 * bare key line {@code RWQ...} that {@code minisign -P} takes.
 */
record MinisignPublicKey(long keyId, PublicKey key) {
    private static final int ENCODED_BYTES = 2 + 8 + Ed25519.KEY_BYTES;
    private static final String WHAT = "the minisign public key";

    static MinisignPublicKey parse(String input) throws PublishCheckException {
        Code code = Code.MALFORMED_PUBLIC_KEY;
        if (input == null || input.isBlank()) {
            throw new PublishCheckException(code, WHAT + " is empty");
        }
        byte[] maybeBare = bareKey(input.strip());
        if (maybeBare != null) {
            return fromBytes(maybeBare);
        }
        List<String> lines = MinisignText.lines(input, WHAT, code);
        if (lines.size() != 2) {
            throw new PublishCheckException(code, WHAT + " must have 2 lines (untrusted comment, key), found "
                    + lines.size());
        }
        return fromBytes(MinisignText.base64(lines.get(1), WHAT + " key line", code));
    }

    String keyIdHex() {
        return MinisignText.keyIdHex(keyId);
    }

    /** The bare key line decodes to exactly 42 bytes starting with "Ed"; base64 of a file's text never does. */
    private static byte[] bareKey(String s) {
        try {
            byte[] b = Base64.getDecoder().decode(s);
            return b.length == ENCODED_BYTES && b[0] == 'E' && b[1] == 'd' ? b : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static MinisignPublicKey fromBytes(byte[] b) throws PublishCheckException {
        Code code = Code.MALFORMED_PUBLIC_KEY;
        if (b.length != ENCODED_BYTES) {
            throw new PublishCheckException(code, WHAT + " key line must decode to " + ENCODED_BYTES
                    + " bytes, found " + b.length);
        }
        // Keys always carry "Ed"; the prehash choice ("ED") is made per signature.
        if (b[0] != 'E' || b[1] != 'd') {
            throw new PublishCheckException(code, WHAT + " has an unknown algorithm '"
                    + (char) (b[0] & 0xff) + (char) (b[1] & 0xff) + "' (expected Ed)");
        }
        PublicKey key = Ed25519.publicKey(Arrays.copyOfRange(b, 10, ENCODED_BYTES));
        if (key == null) {
            throw new PublishCheckException(code, WHAT + " is not a valid Ed25519 key");
        }
        return new MinisignPublicKey(MinisignText.keyId(b, 2), key);
    }
}
