package dev.upshift.server.publish;

import dev.upshift.server.publish.PublishCheckException.Code;
import java.util.Arrays;
import java.util.List;

/**
 * A parsed minisign signature file: algorithm, key id, the signature of the file, the trusted comment and the
 * global signature over both.
 *
 * <p>Package-private, and nothing here writes to the arrays; equals compares them by identity, which no caller
 * needs.
 */
record MinisignSignature(boolean prehashed, long keyId, byte[] signature, String trustedComment,
                         byte[] globalSignature) {
    private static final int LINE2_BYTES = 2 + 8 + Ed25519.SIGNATURE_BYTES;
    private static final String WHAT = "the minisign signature";

    /**
     * Parses Tauri's {@code signature} (base64 of the {@code .sig} file) or the file's text, with the same
     * rules as minisign-verify, the crate the Tauri updater uses, so we accept exactly what clients accept.
     */
    static MinisignSignature parse(String input) throws PublishCheckException {
        Code code = Code.MALFORMED_SIGNATURE;
        List<String> lines = MinisignText.lines(input, WHAT, code);
        if (lines.size() != 4) {
            throw new PublishCheckException(code, WHAT + " must have 4 lines (untrusted comment, signature, "
                    + "trusted comment, global signature), found " + lines.size());
        }
        byte[] line2 = MinisignText.base64(lines.get(1), WHAT + " line 2", code);
        if (line2.length != LINE2_BYTES) {
            throw new PublishCheckException(code, WHAT + " line 2 must decode to " + LINE2_BYTES
                    + " bytes, found " + line2.length);
        }
        boolean prehashed;
        if (line2[0] == 'E' && line2[1] == 'D') {
            prehashed = true;
        } else if (line2[0] == 'E' && line2[1] == 'd') {
            prehashed = false;
        } else {
            throw new PublishCheckException(code, WHAT + " has an unknown algorithm '"
                    + (char) (line2[0] & 0xff) + (char) (line2[1] & 0xff) + "' (expected ED or Ed)");
        }
        String trusted = lines.get(2);
        if (!trusted.startsWith(MinisignText.TRUSTED)) {
            throw new PublishCheckException(code, WHAT + " line 3 must start with '" + MinisignText.TRUSTED + "'");
        }
        byte[] global = MinisignText.base64(lines.get(3), WHAT + " line 4", code);
        if (global.length != Ed25519.SIGNATURE_BYTES) {
            throw new PublishCheckException(code, WHAT + " line 4 must decode to " + Ed25519.SIGNATURE_BYTES
                    + " bytes, found " + global.length);
        }
        return new MinisignSignature(prehashed, MinisignText.keyId(line2, 2),
                Arrays.copyOfRange(line2, 10, LINE2_BYTES),
                trusted.substring(MinisignText.TRUSTED.length()), global);
    }

    String keyIdHex() {
        return MinisignText.keyIdHex(keyId);
    }
}
