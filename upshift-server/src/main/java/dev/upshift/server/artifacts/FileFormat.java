package dev.upshift.server.artifacts;

import java.util.List;
import java.util.Locale;

/**
 * The package format of an artifact, read from its file name the way the bundlers name their output. A version
 * holds at most one file per (role, format), and updaters pick by format: Tauri's {@code bundle_type}, Squirrel's
 * {@code .nupkg}, electron-updater's mac {@code .zip}. The V3 migration derives the same values in SQL; keep both in step.
 */
public final class FileFormat {
    /** Suffix → format, longest suffixes first so {@code .appimage.tar.gz} wins over {@code .tar.gz}. */
    private static final List<String[]> SUFFIXES = List.of(
            new String[]{".appimage.tar.gz", "appimage"},
            new String[]{".appimage", "appimage"},
            new String[]{".app.tar.gz", "app"},
            new String[]{".msi.zip", "msi"},
            new String[]{".nsis.zip", "nsis"},
            new String[]{"-setup.exe", "nsis"},
            new String[]{".deb", "deb"},
            new String[]{".rpm", "rpm"},
            new String[]{".msi", "msi"},
            new String[]{".exe", "exe"},
            new String[]{".dmg", "dmg"},
            new String[]{".pkg", "pkg"},
            new String[]{".zip", "zip"},
            new String[]{".nupkg", "nupkg"},
            new String[]{".apk", "apk"});

    private FileFormat() {
    }

    /** The format of a file name, or {@code ""} when no known suffix matches. */
    public static String of(String fileName) {
        String lower = fileName.toLowerCase(Locale.ROOT);
        for (String[] s : SUFFIXES) {
            if (lower.endsWith(s[0])) {
                return s[1];
            }
        }
        return "";
    }

    /**
     * The formats that satisfy a Tauri {@code bundle_type}: an NSIS install may take any {@code .exe} installer
     * because older Tauri bundlers did not add {@code -setup}.
     */
    public static List<String> forTauriBundle(String bundleType) {
        return switch (bundleType) {
            case "nsis" -> List.of("nsis", "exe");
            case "appimage", "deb", "rpm", "app", "msi" -> List.of(bundleType);
            default -> List.of();
        };
    }
}
