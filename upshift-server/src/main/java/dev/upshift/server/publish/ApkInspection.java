package dev.upshift.server.publish;

import java.util.List;

/**
 * What {@link ApkInspector} found in an uploaded APK. The inspector never refuses; the publish pipeline decides
 * from this value (for example: refuse {@link Unsigned}, or a {@link Signed} whose certificate is not pinned).
 */
public sealed interface ApkInspection {

    /** One sentence for the uploader saying what was found. */
    String message();

    /**
     * The APK's signatures verify.
     *
     * @param certificateSha256 lowercase hex SHA-256 of each signer's DER certificate, as {@code apksigner
     *                          verify --print-certs} and Play Console show them (without colons)
     * @param schemes           the schemes that verified: {@code v1}, {@code v2}, {@code v3}, {@code v3.1}
     * @param packageName       from AndroidManifest.xml, or null if it could not be read
     * @param versionCode       from AndroidManifest.xml (versionCodeMajor included), or null
     * @param notes             things the caller may want to show, such as an unreadable manifest
     */
    record Signed(List<String> certificateSha256, List<String> schemes, String packageName, Long versionCode,
                  List<String> notes) implements ApkInspection {
        public Signed {
            certificateSha256 = List.copyOf(certificateSha256);
            schemes = List.copyOf(schemes);
            notes = List.copyOf(notes);
        }

        @Override
        public String message() {
            return "signed (" + String.join(", ", schemes) + ") by certificate SHA-256 "
                    + String.join(", ", certificateSha256);
        }
    }

    /** A readable APK that carries no signature at all; Android refuses to install it. */
    record Unsigned(String packageName, Long versionCode) implements ApkInspection {
        @Override
        public String message() {
            return "the APK is not signed (no v1 JAR signature and no v2/v3 APK Signing Block); "
                    + "Android will not install it. Sign it with apksigner or the Gradle signingConfig";
        }
    }

    /** The APK carries signatures, but they do not verify; {@code problems} are apksig's findings. */
    record BadSignature(List<String> problems) implements ApkInspection {
        public BadSignature {
            problems = List.copyOf(problems);
        }

        @Override
        public String message() {
            return "the APK's signature does not verify: " + String.join("; ", problems);
        }
    }

    /** Not an APK (or a broken one): the ZIP structure or the signing block could not be read. */
    record Unparseable(String reason) implements ApkInspection {
        @Override
        public String message() {
            return "the file is not a readable APK: " + reason;
        }
    }
}
