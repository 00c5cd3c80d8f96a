package dev.upshift.server.publish;

import dev.upshift.server.admin.AdminApiException;
import dev.upshift.server.artifacts.ArtifactStore;
import dev.upshift.server.artifacts.StoredBlob;
import dev.upshift.server.catalog.App;
import dev.upshift.server.catalog.CatalogSnapshot;
import dev.upshift.server.catalog.Version;
import dev.upshift.server.catalog.VersionFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * What Upshift verifies at publish time that update clients would otherwise trust blindly (security reference §3.3):
 * hashes the uploader declared, Tauri minisign signatures against the app's Tauri key, Sparkle EdDSA signatures
 * against the app's Sparkle key, and the APK signing certificate, pinned per app. Each refusal names the check.
 */
public final class UploadChecks {
    /** Sparkle signatures are plain Ed25519, which cannot stream; larger archives need a Sparkle key-less app. */
    static final long SPARKLE_MAX_BYTES = 2L * 1024 * 1024 * 1024;

    /** What the checks learned about the bytes. */
    public record Verified(String apkSignerSha256) {
    }

    /** Compares the uploader's declared SHA-256 (hex) and SHA-512 (hex or base64) with the received bytes. */
    public void declaredHashes(String sha256, String sha512, StoredBlob blob) {
        if (sha256 != null && !sha256.toLowerCase(Locale.ROOT).equals(blob.sha256())) {
            throw AdminApiException.verificationFailed("sha256 check failed: the upload declared " + sha256
                    + " but the received bytes hash to " + blob.sha256() + "; nothing was stored.");
        }
        if (sha512 != null && !ElectronManifest.sha512Matches(sha512, blob.sha512())) {
            throw AdminApiException.verificationFailed("sha512 check failed: the upload declared " + sha512
                    + " but the received bytes hash to " + StoredBlob.base64OfHex(blob.sha512()) + " (base64); nothing was stored.");
        }
    }

    /**
     * Runs the platform checks that apply to this app and file: a non-empty Tauri {@code signature} must verify
     * against the app's Tauri key when it has one; a Sparkle {@code edSignature} against its Sparkle key; an APK must
     * be signed by the same certificate as the app's earlier APKs.
     */
    public Verified verify(App app, CatalogSnapshot snap, String format, String signature, String edSignature,
                           ArtifactStore.Staged staged) throws IOException {
        try {
            if (signature != null && !signature.isEmpty() && !app.tauriPublicKey().isEmpty()) {
                try (InputStream in = staged.open()) {
                    MinisignVerifier.forPublicKey(app.tauriPublicKey()).verify(in, signature);
                }
            }
            if (edSignature != null && !edSignature.isEmpty() && !app.sparklePublicKey().isEmpty()) {
                try (InputStream in = staged.open()) {
                    SparkleSignatureVerifier.forPublicKey(app.sparklePublicKey(), SPARKLE_MAX_BYTES).verify(in, edSignature);
                }
            }
        } catch (PublishCheckException e) {
            throw AdminApiException.verificationFailed(checkName(signature, edSignature, e) + " check failed ("
                    + e.code().wire() + "): " + e.getMessage() + "; nothing was stored.");
        }
        if (format.equals("apk")) {
            return new Verified(apkSigner(app, snap, staged));
        }
        return new Verified("");
    }

    private static String checkName(String signature, String edSignature, PublishCheckException e) {
        boolean tauri = signature != null && !signature.isEmpty() && (edSignature == null || edSignature.isEmpty()
                || e.getMessage().contains("minisign"));
        return tauri ? "Tauri updater signature" : "Sparkle EdDSA signature";
    }

    /**
     * The APK's signing certificate, pinned per app: an APK signed by another certificate than the app's earlier
     * APKs is refused, because Android refuses to install it over them, and so is an APK whose signature does not
     * verify (its bytes were changed after signing). An APK that apksig cannot read, or that carries no signature,
     * is stored with its hashes only: there is nothing to compare.
     */
    private static String apkSigner(App app, CatalogSnapshot snap, ArtifactStore.Staged staged) throws IOException {
        Path tmp = Files.createTempFile("upshift-apk-", ".apk");
        try {
            try (InputStream in = staged.open()) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            ApkInspection inspection = ApkInspector.inspect(tmp);
            if (inspection instanceof ApkInspection.BadSignature) {
                throw AdminApiException.verificationFailed("APK signature check failed: " + inspection.message()
                        + "; nothing was stored.");
            }
            if (!(inspection instanceof ApkInspection.Signed signed)) {
                return ""; // unsigned or unreadable by apksig: stored with its hashes, nothing to pin
            }
            String signer = signed.certificateSha256().get(0);
            for (Version v : snap.versions(app.id())) {
                for (VersionFile f : v.files()) {
                    if (!f.signerSha256().isEmpty() && !f.signerSha256().equals(signer)) {
                        throw AdminApiException.verificationFailed("APK signer check failed: this APK is signed by "
                                + "certificate SHA-256 " + signer + ", but version " + v.name() + " of this app is "
                                + "signed by " + f.signerSha256() + "; Android will not install it as an update. "
                                + "Nothing was stored.");
                    }
                }
            }
            return signer;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
