package dev.upshift.server.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.upshift.server.publish.PublishCheckException.Code;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MinisignVerifierTest {
    private final MinisignTestSigner signer = new MinisignTestSigner();
    private final byte[] file = randomBytes(200_000);

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aSignatureMadeLikeTauriVerifiesFromAPathAndFromAStream(boolean prehashed) throws Exception {
        MinisignVerifier verifier = MinisignVerifier.forPublicKey(signer.tauriPublicKey());
        String sig = signer.tauriSignature(file, prehashed);
        Path path = Files.write(dir.resolve("app.AppImage"), file);

        MinisignVerifier.Verified fromPath = verifier.verify(path, sig);
        MinisignVerifier.Verified fromStream = verifier.verify(new ByteArrayInputStream(file), sig);

        assertThat(fromPath).isEqualTo(fromStream);
        assertThat(fromPath.prehashed()).isEqualTo(prehashed);
        assertThat(fromPath.keyId()).isEqualTo(verifier.keyId());
        assertThat(fromPath.trustedComment()).isEqualTo("timestamp:1727784000\tfile:app_1.2.3_amd64.AppImage");
    }

    @Test
    void rawMinisignTextIsAcceptedForKeyAndSignature() throws Exception {
        String pubLine = signer.publicKeyFile().split("\n")[1];
        String sigText = signer.signatureFile(file, true, "timestamp:1");
        for (String key : new String[] {signer.publicKeyFile(), pubLine, signer.tauriPublicKey()}) {
            assertThat(MinisignVerifier.forPublicKey(key).verify(new ByteArrayInputStream(file), sigText)
                    .trustedComment()).isEqualTo("timestamp:1");
        }
    }

    @Test
    void windowsLineEndingsInTheSignatureFileAreAccepted() throws Exception {
        String crlf = signer.signatureFile(file, true, "timestamp:1").replace("\n", "\r\n");
        MinisignVerifier.forPublicKey(signer.tauriPublicKey())
                .verify(new ByteArrayInputStream(file), MinisignTestSigner.base64(crlf));
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void oneFlippedByteOfTheFileIsASignatureMismatch(boolean prehashed) throws Exception {
        String sig = signer.tauriSignature(file, prehashed);
        byte[] tampered = file.clone();
        tampered[123_456] ^= 0x01;

        assertThat(failure(signer.tauriPublicKey(), new ByteArrayInputStream(tampered), sig))
                .satisfies(e -> assertThat(e.code()).isEqualTo(Code.SIGNATURE_MISMATCH))
                .hasMessageContaining("does not match the 200000-byte file");
    }

    @Test
    void aSignatureFromAnotherKeyIsAKeyIdMismatchNamingBothKeys() throws Exception {
        MinisignTestSigner other = new MinisignTestSigner();
        MinisignVerifier verifier = MinisignVerifier.forPublicKey(signer.tauriPublicKey());
        String foreign = other.tauriSignature(file, true);

        PublishCheckException e = failure(signer.tauriPublicKey(), new ByteArrayInputStream(file), foreign);

        assertThat(e.code()).isEqualTo(Code.KEY_ID_MISMATCH);
        assertThat(e.getMessage()).contains(verifier.keyId())
                .contains(MinisignVerifier.forPublicKey(other.tauriPublicKey()).keyId());
    }

    @Test
    void aTamperedTrustedCommentFailsTheGlobalSignature() throws Exception {
        String[] lines = signer.signatureFile(file, true, "timestamp:1727784000\tfile:app.AppImage").split("\n");
        lines[2] = "trusted comment: timestamp:1727784000\tfile:evil.AppImage";
        String tampered = MinisignTestSigner.base64(String.join("\n", lines) + "\n");

        PublishCheckException e = failure(signer.tauriPublicKey(), new ByteArrayInputStream(file), tampered);

        assertThat(e.code()).isEqualTo(Code.TRUSTED_COMMENT_MISMATCH);
        assertThat(e.getMessage()).contains("evil.AppImage");
    }

    @Test
    void aLegacySignatureOverTheLimitIsRefusedBeforeReadingTheFile() throws Exception {
        Path path = Files.write(dir.resolve("big.msi"), file);
        MinisignVerifier small = MinisignVerifier.forPublicKey(signer.tauriPublicKey(), 1000);

        assertThatThrownBy(() -> small.verify(path, signer.tauriSignature(file, false)))
                .isInstanceOfSatisfying(PublishCheckException.class,
                        e -> assertThat(e.code()).isEqualTo(Code.FILE_TOO_LARGE))
                .hasMessageContaining("1000 bytes");
        assertThatThrownBy(() -> small.verify(new ByteArrayInputStream(file), signer.tauriSignature(file, false)))
                .isInstanceOfSatisfying(PublishCheckException.class,
                        e -> assertThat(e.code()).isEqualTo(Code.FILE_TOO_LARGE));
        // Prehashed signatures stream, so the limit does not apply to them.
        small.verify(path, signer.tauriSignature(file, true));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",
            "   ",
            "not base64 at all!",
            "dW50cnVzdGVkIGNvbW1lbnQ6IG9ubHkgb25lIGxpbmU=", // "untrusted comment: only one line"
            "aGVsbG8gd29ybGQ=", // "hello world"
            "//79/A==", // bytes that are not UTF-8
            "untrusted comment: x\nRWQ=\ntrusted comment: t\nAAAA",
            "untrusted comment: x\n!!!\ntrusted comment: t\nAAAA",
    })
    void garbageSignaturesAreMalformedAndNothingElseIsThrown(String garbage) throws Exception {
        PublishCheckException e = failure(signer.tauriPublicKey(), new ByteArrayInputStream(file), garbage);
        assertThat(e.code()).isEqualTo(Code.MALFORMED_SIGNATURE);
        assertThat(e.getMessage()).startsWith("the minisign signature");
    }

    @Test
    void truncatedOrReshapedSignaturesAreMalformed() throws Exception {
        String text = signer.signatureFile(file, true, "t");
        String[] lines = text.split("\n");
        String unknownAlg = text.replace(lines[1], Base64.getEncoder().encodeToString(
                replaceFirstTwo(Base64.getDecoder().decode(lines[1]), 'X', 'Y')));
        String[] variants = {
                text.substring(0, text.length() / 2),
                MinisignTestSigner.base64(text).substring(0, 40),
                text.replace("trusted comment: ", "trusted: "),
                text.replace(lines[3], lines[3].substring(8)),
                lines[0] + "\n" + lines[1] + "\n" + lines[2] + "\n" + lines[3] + "\nextra\n",
                unknownAlg,
                Base64.getEncoder().encodeToString(randomBytes(300)),
        };
        for (String v : variants) {
            PublishCheckException e = failure(signer.tauriPublicKey(), new ByteArrayInputStream(file), v);
            assertThat(e.code()).as(v).isEqualTo(Code.MALFORMED_SIGNATURE);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "garbage!", "RWQ=", "dW50cnVzdGVkIGNvbW1lbnQ6IHgK",
            "untrusted comment: x\nRWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GF==\n"})
    void garbagePublicKeysAreMalformed(String garbage) {
        assertThatThrownBy(() -> MinisignVerifier.forPublicKey(garbage))
                .isInstanceOfSatisfying(PublishCheckException.class,
                        e -> assertThat(e.code()).isEqualTo(Code.MALFORMED_PUBLIC_KEY));
    }

    @Test
    void anUnreadableStreamIsReportedAsSuch() throws Exception {
        InputStream broken = new InputStream() {
            @Override
            public int read() throws java.io.IOException {
                throw new java.io.IOException("disk gone");
            }
        };
        PublishCheckException e = failure(signer.tauriPublicKey(), broken, signer.tauriSignature(file, true));
        assertThat(e.code()).isEqualTo(Code.UNREADABLE_FILE);
        assertThat(e.getMessage()).contains("disk gone");
    }

    /** Known answers from jedisct1/rust-minisign-verify's own tests (src/lib.rs), signed by minisign itself. */
    @Test
    void signaturesMadeByMinisignItselfVerify() throws Exception {
        MinisignVerifier verifier = MinisignVerifier.forPublicKey(
                "untrusted comment: minisign public key E7620F1842B4E81F\n"
                        + "RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3");
        assertThat(verifier.keyId()).isEqualTo("E7620F1842B4E81F");
        String legacy = "untrusted comment: signature from minisign secret key\n"
                + "RWQf6LRCGA9i59SLOFxz6NxvASXDJeRtuZykwQepbDEGt87ig1BNpWaVWuNrm73YiIiJbq71Wi+dP9eKL8OC351vwIasSSbXxwA=\n"
                + "trusted comment: timestamp:1555779966\tfile:test\n"
                + "QtKMXWyYcwdpZAlPF7tE2ENJkRd1ujvKjlj1m9RtHTBnZPa5WKU5uWRs5GoP5M/VqE81QFuMKI5k/SfNQUaOAA==";
        String prehashed = "untrusted comment: signature from minisign secret key\n"
                + "RUQf6LRCGA9i559r3g7V1qNyJDApGip8MfqcadIgT9CuhV3EMhHoN1mGTkUidF/z7SrlQgXdy8ofjb7bNJJylDOocrCo8KLzZwo=\n"
                + "trusted comment: timestamp:1556193335\tfile:test\n"
                + "y/rUw2y8/hOUYjZU71eHp/Wo1KZ40fGy2VJEDl34XMJM+TX48Ss/17u3IvIfbVR1FkZZSNCisQbuQY+bHwhEBg==";
        byte[] test = "test".getBytes(StandardCharsets.UTF_8);

        assertThat(verifier.verify(new ByteArrayInputStream(test), legacy).prehashed()).isFalse();
        assertThat(verifier.verify(new ByteArrayInputStream(test), MinisignTestSigner.base64(prehashed))
                .trustedComment()).isEqualTo("timestamp:1556193335\tfile:test");
        assertThat(failure(verifier, "Test".getBytes(StandardCharsets.UTF_8), legacy).code())
                .isEqualTo(Code.SIGNATURE_MISMATCH);
        assertThat(failure(verifier, "Test".getBytes(StandardCharsets.UTF_8), prehashed).code())
                .isEqualTo(Code.SIGNATURE_MISMATCH);
    }

    private static PublishCheckException failure(String key, InputStream in, String sig) throws Exception {
        Throwable t = catchThrowable(() -> MinisignVerifier.forPublicKey(key).verify(in, sig));
        assertThat(t).isInstanceOf(PublishCheckException.class);
        return (PublishCheckException) t;
    }

    private static PublishCheckException failure(MinisignVerifier v, byte[] data, String sig) {
        Throwable t = catchThrowable(() -> v.verify(new ByteArrayInputStream(data), sig));
        assertThat(t).isInstanceOf(PublishCheckException.class);
        return (PublishCheckException) t;
    }

    private static byte[] replaceFirstTwo(byte[] b, char first, char second) {
        b[0] = (byte) first;
        b[1] = (byte) second;
        return b;
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new Random(42).nextBytes(b);
        return b;
    }
}
