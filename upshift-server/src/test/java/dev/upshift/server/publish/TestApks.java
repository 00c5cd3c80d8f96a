package dev.upshift.server.publish;

import com.android.apksig.ApkSigner;
import com.android.apksig.KeyConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Builds tiny but real APKs: a ZIP with a binary AndroidManifest.xml, signed by apksig like apksigner does. */
public final class TestApks {
    private static final int RES_VERSION_CODE = 0x0101021b; // android:versionCode

    private TestApks() {
    }

    /** An unsigned APK whose manifest declares {@code packageName} and {@code versionCode}. */
    public static Path unsigned(Path dir, String packageName, int versionCode) throws IOException {
        Path apk = dir.resolve("unsigned-" + System.nanoTime() + ".apk");
        try (OutputStream out = Files.newOutputStream(apk); ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry("AndroidManifest.xml"));
            zip.write(manifest(packageName, versionCode));
            zip.closeEntry();
            // Stored, not deflated, so a test can find and alter these bytes in the signed file.
            byte[] dex = "dex\n035\0 not really".getBytes(StandardCharsets.US_ASCII);
            ZipEntry entry = new ZipEntry("classes.dex");
            entry.setMethod(ZipEntry.STORED);
            entry.setSize(dex.length);
            CRC32 crc = new CRC32();
            crc.update(dex);
            entry.setCrc(crc.getValue());
            zip.putNextEntry(entry);
            zip.write(dex);
            zip.closeEntry();
        }
        return apk;
    }

    /** A self-signed RSA certificate and its key, as a developer's debug keystore would hold. */
    public record Signer(KeyPair keys, X509Certificate certificate) {
        public static Signer generate(String cn) throws Exception {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            KeyPair keys = g.generateKeyPair();
            Instant now = Instant.now();
            var builder = new JcaX509v3CertificateBuilder(new X500Name("CN=" + cn), BigInteger.ONE,
                    Date.from(now.minus(1, ChronoUnit.DAYS)), Date.from(now.plus(3650, ChronoUnit.DAYS)),
                    new X500Name("CN=" + cn), keys.getPublic());
            var signer = new JcaContentSignerBuilder("SHA256withRSA").build(keys.getPrivate());
            return new Signer(keys, new JcaX509CertificateConverter().getCertificate(builder.build(signer)));
        }
    }

    /** Signs {@code input} with v1, v2 and v3 (apksig decides from minSdkVersion 1, as apksigner would). */
    public static Path sign(Path input, Signer signer) throws Exception {
        Path out = input.resolveSibling("signed-" + System.nanoTime() + ".apk");
        var config = new ApkSigner.SignerConfig.Builder("release", new KeyConfig.Jca(signer.keys().getPrivate()),
                List.of(signer.certificate())).build();
        new ApkSigner.Builder(List.of(config)).setInputApk(input.toFile()).setOutputApk(out.toFile())
                .setMinSdkVersion(1).build().sign();
        return out;
    }

    /**
     * A minimal binary XML (AXML) manifest: {@code <manifest package=".." android:versionCode="..">}. Layout per
     * AOSP ResourceTypes.h; apksig reads {@code package} by name and {@code versionCode} by resource id.
     */
    static byte[] manifest(String packageName, int versionCode) {
        String[] strings = {"versionCode", "manifest", "package", packageName};
        byte[] pool = stringPool(strings);
        byte[] resMap = chunk(0x0180, 8, le(4).putInt(RES_VERSION_CODE).array());
        ByteBuffer attrs = le(20 + 2 * 20)
                .putInt(-1).putInt(1) // ns none, name "manifest"
                .putShort((short) 20).putShort((short) 20).putShort((short) 2) // attributeStart, size, count
                .putShort((short) 0).putShort((short) 0).putShort((short) 0); // id, class, style index
        attrs.putInt(-1).putInt(2).putInt(3).putShort((short) 8).put((byte) 0).put((byte) 0x03).putInt(3);
        attrs.putInt(-1).putInt(0).putInt(-1).putShort((short) 8).put((byte) 0).put((byte) 0x10).putInt(versionCode);
        byte[] start = chunk(0x0102, 16, concat(le(8).putInt(1).putInt(-1).array(), attrs.array()));
        byte[] end = chunk(0x0103, 16, le(16).putInt(1).putInt(-1).putInt(-1).putInt(1).array());
        return chunk(0x0003, 8, concat(pool, resMap, start, end));
    }

    private static byte[] stringPool(String[] strings) {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        ByteBuffer offsets = le(4 * strings.length);
        for (String s : strings) {
            offsets.putInt(data.size());
            byte[] utf16 = s.getBytes(StandardCharsets.UTF_16LE);
            data.writeBytes(le(2).putShort((short) s.length()).array());
            data.writeBytes(utf16);
            data.writeBytes(new byte[2]);
        }
        while (data.size() % 4 != 0) {
            data.write(0);
        }
        int stringsStart = 28 + 4 * strings.length;
        ByteBuffer header = le(20).putInt(strings.length).putInt(0).putInt(0).putInt(stringsStart).putInt(0);
        return chunk(0x0001, 28, concat(header.array(), offsets.array(), data.toByteArray()));
    }

    /** A chunk: type, header size, total size, then the rest of the header and the body. */
    private static byte[] chunk(int type, int headerSize, byte[] rest) {
        return concat(le(8).putShort((short) type).putShort((short) headerSize).putInt(8 + rest.length).array(),
                rest);
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
