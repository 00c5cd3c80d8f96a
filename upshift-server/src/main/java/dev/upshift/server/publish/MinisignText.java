package dev.upshift.server.publish;

import dev.upshift.server.publish.PublishCheckException.Code;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Turns the strings users paste (Tauri's base64-wrapped minisign files, or the files' own text) into lines.
 *
 * <p>Both forms are unambiguous: minisign file text always starts with {@code "untrusted comment:"}, which is not
 * valid base64 (it has a space and a colon), and base64 of such text never does.
 */
final class MinisignText {
    static final String UNTRUSTED = "untrusted comment:";
    static final String TRUSTED = "trusted comment: ";

    private MinisignText() {
    }

    /** Lines of a minisign file given as its text or as base64 of its text; blank trailing lines dropped. */
    static List<String> lines(String input, String what, Code code) throws PublishCheckException {
        if (input == null || input.isBlank()) {
            throw new PublishCheckException(code, what + " is empty");
        }
        String trimmed = input.strip();
        String text = trimmed.startsWith(UNTRUSTED) ? trimmed : utf8(base64(trimmed, what, code), what, code);
        if (!text.startsWith(UNTRUSTED)) {
            throw new PublishCheckException(code, what + " does not start with '" + UNTRUSTED
                    + "': it is neither a minisign file nor base64 of one");
        }
        List<String> lines = new ArrayList<>();
        for (String line : text.split("\n", -1)) {
            // minisign files written on Windows end lines with \r\n; minisign-verify accepts them too.
            lines.add(line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
        }
        while (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);
        }
        return lines;
    }

    static byte[] base64(String text, String what, Code code) throws PublishCheckException {
        try {
            return Base64.getDecoder().decode(text.strip());
        } catch (IllegalArgumentException e) {
            throw new PublishCheckException(code, what + " is not valid base64 (" + e.getMessage() + ")");
        }
    }

    private static String utf8(byte[] bytes, String what, Code code) throws PublishCheckException {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new PublishCheckException(code, what + " decodes from base64 to bytes that are not UTF-8 text");
        }
    }

    /** Minisign prints key ids as the little-endian 8 bytes read as one hex number, e.g. E7620F1842B4E81F. */
    static long keyId(byte[] bytes, int offset) {
        long id = 0;
        for (int i = 7; i >= 0; i--) {
            id = (id << 8) | (bytes[offset + i] & 0xff);
        }
        return id;
    }

    static String keyIdHex(long keyId) {
        return String.format("%016X", keyId);
    }
}
