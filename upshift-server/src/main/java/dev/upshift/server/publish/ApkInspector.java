package dev.upshift.server.publish;

import com.android.apksig.ApkVerifier;
import com.android.apksig.apk.ApkFormatException;
import com.android.apksig.apk.ApkUtils;
import com.android.apksig.util.DataSource;
import com.android.apksig.util.DataSources;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Reads an uploaded APK's signing certificates, package name and versionCode with apksig, the library behind
 * Android's {@code apksigner}, so the server can pin an app's signer and refuse a foreign one at upload time.
 *
 * <p>Signatures are checked for every platform version from the APK's own {@code minSdkVersion} up, which is
 * what the device will do. If the manifest cannot be read, they are checked from API 24 (Android 7.0, the first
 * with v2 signatures) and a note says so; the caller decides whether a manifest-less APK is acceptable.
 *
 * <p>Not covered here: key-rotation lineage (v3) and v4 {@code .idsig} files.
 */
public final class ApkInspector {
    /** Android 7.0, the first platform that checks v2 signatures; used when minSdkVersion is unknown. */
    static final int FALLBACK_MIN_SDK = 24;

    private ApkInspector() {
    }

    /** Inspects the APK at {@code apk}; never throws for bad input, only reports it. */
    public static ApkInspection inspect(Path apk) {
        try (FileChannel channel = FileChannel.open(apk, StandardOpenOption.READ)) {
            return inspect(DataSources.asDataSource(channel));
        } catch (IOException e) {
            return new ApkInspection.Unparseable("cannot read it (" + e.getMessage() + ")");
        }
    }

    private static ApkInspection inspect(DataSource apk) throws IOException {
        List<String> notes = new ArrayList<>();
        ManifestFacts facts;
        try {
            facts = ManifestFacts.read(ApkUtils.getAndroidManifest(apk), notes);
        } catch (ApkFormatException e) {
            return new ApkInspection.Unparseable(e.getMessage());
        } catch (RuntimeException e) {
            // apksig reports some corrupt ZIPs with unchecked exceptions; to the uploader it is all one thing.
            return new ApkInspection.Unparseable("corrupt ZIP structure (" + e + ")");
        }
        ApkVerifier.Result result;
        try {
            result = new ApkVerifier.Builder(apk).setMinCheckedPlatformVersion(facts.minSdk()).build().verify();
        } catch (ApkFormatException | RuntimeException e) {
            return new ApkInspection.Unparseable(e.getMessage() == null ? e.toString() : e.getMessage());
        } catch (NoSuchAlgorithmException e) {
            return new ApkInspection.BadSignature(List.of("uses an algorithm this JVM lacks: " + e.getMessage()));
        }
        if (result.isVerified()) {
            return new ApkInspection.Signed(certificateDigests(result.getSignerCertificates()), schemes(result),
                    facts.packageName(), facts.versionCode(), notes);
        }
        if (isUnsigned(result)) {
            return new ApkInspection.Unsigned(facts.packageName(), facts.versionCode());
        }
        List<String> problems = new ArrayList<>();
        result.getAllErrors().forEach(issue -> problems.add(issue.toString()));
        return new ApkInspection.BadSignature(problems.isEmpty() ? List.of("apksig gave no reason") : problems);
    }

    /** No signer in any scheme, and the only complaints are that the signature files are absent. */
    private static boolean isUnsigned(ApkVerifier.Result r) {
        return r.getV1SchemeSigners().isEmpty() && r.getV2SchemeSigners().isEmpty()
                && r.getV3SchemeSigners().isEmpty() && r.getV31SchemeSigners().isEmpty()
                && r.getAllErrors().stream().allMatch(i -> i.getIssue() == ApkVerifier.Issue.JAR_SIG_NO_SIGNATURES
                        || i.getIssue() == ApkVerifier.Issue.JAR_SIG_NO_MANIFEST);
    }

    private static List<String> schemes(ApkVerifier.Result r) {
        List<String> schemes = new ArrayList<>();
        if (r.isVerifiedUsingV1Scheme()) {
            schemes.add("v1");
        }
        if (r.isVerifiedUsingV2Scheme()) {
            schemes.add("v2");
        }
        if (r.isVerifiedUsingV3Scheme()) {
            schemes.add("v3");
        }
        if (r.isVerifiedUsingV31Scheme()) {
            schemes.add("v3.1");
        }
        return schemes;
    }

    static List<String> certificateDigests(List<X509Certificate> certificates) {
        List<String> digests = new ArrayList<>();
        for (X509Certificate c : certificates) {
            try {
                digests.add(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(c.getEncoded())));
            } catch (CertificateEncodingException | NoSuchAlgorithmException e) {
                throw new IllegalStateException("apksig returned a certificate that cannot be re-encoded", e);
            }
        }
        return digests;
    }

    /** What the binary AndroidManifest.xml tells us; each unreadable item becomes null plus a note. */
    private record ManifestFacts(String packageName, Long versionCode, int minSdk) {
        static ManifestFacts read(ByteBuffer manifest, List<String> notes) {
            String packageName = null;
            Long versionCode = null;
            int minSdk = FALLBACK_MIN_SDK;
            try {
                packageName = ApkUtils.getPackageNameFromBinaryAndroidManifest(manifest.duplicate());
            } catch (ApkFormatException | RuntimeException e) {
                notes.add("package name unreadable: " + e.getMessage());
            }
            try {
                versionCode = ApkUtils.getLongVersionCodeFromBinaryAndroidManifest(manifest.duplicate());
            } catch (ApkFormatException | RuntimeException e) {
                notes.add("versionCode unreadable: " + e.getMessage());
            }
            try {
                minSdk = ApkUtils.getMinSdkVersionFromBinaryAndroidManifest(manifest.duplicate());
            } catch (ApkFormatException | RuntimeException e) {
                notes.add("minSdkVersion unreadable (" + e.getMessage() + "); signatures checked as for API "
                        + FALLBACK_MIN_SDK + "+");
            }
            return new ManifestFacts(packageName, versionCode, minSdk);
        }
    }
}
