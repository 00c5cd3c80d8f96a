package dev.upshift.server.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.upshift.server.publish.PublishCheckException.Code;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SparkleSignatureVerifierTest {
    private final MinisignTestSigner signer = new MinisignTestSigner();
    private final String publicKey = Base64.getEncoder().encodeToString(signer.rawPublicKey());
    private final byte[] archive = randomBytes(100_000);
    private final String edSignature = Base64.getEncoder().encodeToString(signer.sign(archive));

    @TempDir
    Path dir;

    @Test
    void aSparkleSignatureVerifiesFromAPathAndFromAStream() throws Exception {
        SparkleSignatureVerifier verifier = SparkleSignatureVerifier.forPublicKey(publicKey, 1 << 20);
        verifier.verify(Files.write(dir.resolve("MyApp-2.1.zip"), archive), edSignature);
        verifier.verify(new ByteArrayInputStream(archive), edSignature);
    }

    @Test
    void oneFlippedByteIsASignatureMismatch() throws Exception {
        byte[] tampered = archive.clone();
        tampered[99_999] ^= (byte) 0x80;
        SparkleSignatureVerifier verifier = SparkleSignatureVerifier.forPublicKey(publicKey, 1 << 20);

        assertThatThrownBy(() -> verifier.verify(new ByteArrayInputStream(tampered), edSignature))
                .isInstanceOfSatisfying(PublishCheckException.class,
                        e -> assertThat(e.code()).isEqualTo(Code.SIGNATURE_MISMATCH))
                .hasMessageContaining("100000-byte archive");
    }

    @Test
    void aSignatureByAnotherKeyIsASignatureMismatch() throws Exception {
        String foreign = Base64.getEncoder().encodeToString(new MinisignTestSigner().sign(archive));
        SparkleSignatureVerifier verifier = SparkleSignatureVerifier.forPublicKey(publicKey, 1 << 20);

        assertThatThrownBy(() -> verifier.verify(new ByteArrayInputStream(archive), foreign))
                .isInstanceOfSatisfying(PublishCheckException.class,
                        e -> assertThat(e.code()).isEqualTo(Code.SIGNATURE_MISMATCH));
    }

    @Test
    void anArchiveOverTheBoundIsRefusedWithTheBoundInTheMessage() throws Exception {
        SparkleSignatureVerifier verifier = SparkleSignatureVerifier.forPublicKey(publicKey, 99_999);
        Path path = Files.write(dir.resolve("MyApp.zip"), archive);

        for (ThrowingCall call : new ThrowingCall[] {
                () -> verifier.verify(path, edSignature),
                () -> verifier.verify(new ByteArrayInputStream(archive), edSignature)}) {
            assertThatThrownBy(call::run)
                    .isInstanceOfSatisfying(PublishCheckException.class,
                            e -> assertThat(e.code()).isEqualTo(Code.FILE_TOO_LARGE))
                    .hasMessageContaining("99999 bytes");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "not base64!", "AAAA", "MEUCIQDx"})
    void garbageSignaturesAreMalformed(String garbage) throws Exception {
        SparkleSignatureVerifier verifier = SparkleSignatureVerifier.forPublicKey(publicKey, 1 << 20);
        assertThatThrownBy(() -> verifier.verify(new ByteArrayInputStream(archive), garbage))
                .isInstanceOfSatisfying(PublishCheckException.class,
                        e -> assertThat(e.code()).isEqualTo(Code.MALFORMED_SIGNATURE))
                .hasMessageContaining("sparkle:edSignature");
    }

    @Test
    void aSignatureOfTheRightLengthButInvalidEncodingIsAMismatchNotACrash() throws Exception {
        byte[] ones = new byte[64];
        java.util.Arrays.fill(ones, (byte) 0xff); // S >= group order: the JDK refuses to decode it
        SparkleSignatureVerifier verifier = SparkleSignatureVerifier.forPublicKey(publicKey, 1 << 20);
        assertThatThrownBy(() -> verifier.verify(new ByteArrayInputStream(archive),
                Base64.getEncoder().encodeToString(ones)))
                .isInstanceOfSatisfying(PublishCheckException.class,
                        e -> assertThat(e.code()).isEqualTo(Code.SIGNATURE_MISMATCH));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "%%%", "AAAA", "RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3"})
    void garbagePublicKeysAreMalformed(String garbage) {
        assertThatThrownBy(() -> SparkleSignatureVerifier.forPublicKey(garbage, 1000))
                .isInstanceOfSatisfying(PublishCheckException.class,
                        e -> assertThat(e.code()).isEqualTo(Code.MALFORMED_PUBLIC_KEY))
                .hasMessageContaining("SUPublicEDKey");
    }

    private interface ThrowingCall {
        void run() throws Exception;
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new Random(7).nextBytes(b);
        return b;
    }
}
