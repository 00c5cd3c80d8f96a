package dev.upshift.server.publish;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApkInspectorTest {
    @TempDir
    Path dir;

    @Test
    void aSignedApkReportsTheSha256OfItsSigningCertificateAndItsManifestFacts() throws Exception {
        TestApks.Signer signer = TestApks.Signer.generate("Upshift Test");
        Path apk = TestApks.sign(TestApks.unsigned(dir, "com.example.app", 42), signer);
        String expected = HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(signer.certificate().getEncoded()));

        ApkInspection result = ApkInspector.inspect(apk);

        assertThat(result).isInstanceOfSatisfying(ApkInspection.Signed.class, signed -> {
            assertThat(signed.certificateSha256()).containsExactly(expected);
            assertThat(signed.schemes()).contains("v1", "v2");
            assertThat(signed.packageName()).isEqualTo("com.example.app");
            assertThat(signed.versionCode()).isEqualTo(42L);
            assertThat(signed.notes()).isEmpty();
        });
        assertThat(result.message()).contains(expected);
    }

    @Test
    void anApkSignedByAnotherKeyReportsThatKeysCertificate() throws Exception {
        TestApks.Signer a = TestApks.Signer.generate("A");
        TestApks.Signer b = TestApks.Signer.generate("B");
        Path unsigned = TestApks.unsigned(dir, "com.example.app", 1);

        var first = (ApkInspection.Signed) ApkInspector.inspect(TestApks.sign(unsigned, a));
        var second = (ApkInspection.Signed) ApkInspector.inspect(TestApks.sign(unsigned, b));

        assertThat(first.certificateSha256()).doesNotContainAnyElementsOf(second.certificateSha256());
    }

    @Test
    void anUnsignedApkIsReportedAsUnsignedWithItsManifestFacts() throws Exception {
        ApkInspection result = ApkInspector.inspect(TestApks.unsigned(dir, "com.example.app", 7));

        assertThat(result).isEqualTo(new ApkInspection.Unsigned("com.example.app", 7L));
        assertThat(result.message()).contains("not signed");
    }

    @Test
    void aSignedApkWithOneAlteredByteHasABadSignature() throws Exception {
        Path apk = TestApks.sign(TestApks.unsigned(dir, "com.example.app", 1), TestApks.Signer.generate("A"));
        try (RandomAccessFile f = new RandomAccessFile(apk.toFile(), "rw")) {
            // Inside classes.dex's stored text: the ZIP stays readable, the content digests no longer match.
            long at = indexOf(Files.readAllBytes(apk), "not really".getBytes(StandardCharsets.US_ASCII));
            f.seek(at);
            f.write('N');
        }

        ApkInspection result = ApkInspector.inspect(apk);

        assertThat(result).isInstanceOf(ApkInspection.BadSignature.class);
        assertThat(result.message()).startsWith("the APK's signature does not verify: ");
    }

    @Test
    void aZipWithoutAManifestIsUnparseable() throws Exception {
        Path zip = dir.resolve("plain.zip");
        try (OutputStream out = Files.newOutputStream(zip); ZipOutputStream z = new ZipOutputStream(out)) {
            z.putNextEntry(new ZipEntry("readme.txt"));
            z.write("hello".getBytes(StandardCharsets.UTF_8));
            z.closeEntry();
        }

        ApkInspection result = ApkInspector.inspect(zip);

        assertThat(result).isInstanceOf(ApkInspection.Unparseable.class);
        assertThat(result.message()).startsWith("the file is not a readable APK: ").contains("AndroidManifest.xml");
    }

    @Test
    void aFileThatIsNotAZipIsUnparseable() throws Exception {
        Path exe = Files.write(dir.resolve("setup.exe"), "MZ this is not a zip".getBytes(StandardCharsets.US_ASCII));
        assertThat(ApkInspector.inspect(exe)).isInstanceOf(ApkInspection.Unparseable.class);
        assertThat(ApkInspector.inspect(Files.write(dir.resolve("empty.apk"), new byte[0])))
                .isInstanceOf(ApkInspection.Unparseable.class);
    }

    @Test
    void aMissingFileIsUnparseableNotAnException() {
        assertThat(ApkInspector.inspect(dir.resolve("nope.apk")).message()).contains("cannot read it");
    }

    private static long indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("marker not found");
    }
}
