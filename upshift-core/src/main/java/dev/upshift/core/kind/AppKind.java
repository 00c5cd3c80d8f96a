package dev.upshift.core.kind;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The nine UpgradeLink app kinds. They differ only in how a client names its platform, how it states its own
 * version, and which fields the wire format carries; everything else (storage, selection, signing) is shared.
 *
 * <p>Platform dimensions, as the wire formats name them:
 * <ul>
 *   <li>url, file, apk, configuration: none.
 *   <li>win, mac, lnx: {@code arch} only.
 *   <li>tauri: {@code target} (operating system) and {@code arch}.
 *   <li>electron: {@code platform} (operating system) and {@code arch}.
 * </ul>
 * Internally both "target" and "platform" are stored in one {@code platform} column.
 */
public enum AppKind {
    URL("url", VersionScheme.INTEGER, PlatformField.NONE, List.of(), List.of(), false),
    FILE("file", VersionScheme.INTEGER, PlatformField.NONE, List.of(), List.of(), false),
    APK("apk", VersionScheme.INTEGER, PlatformField.NONE, List.of(), List.of(), true),
    CONFIGURATION("configuration", VersionScheme.INTEGER, PlatformField.NONE, List.of(), List.of(), false),
    TAURI("tauri", VersionScheme.SEMVER, PlatformField.TARGET,
            List.of("linux", "darwin", "windows"), List.of("x86_64", "i686", "aarch64", "armv7"), false),
    ELECTRON("electron", VersionScheme.SEMVER, PlatformField.PLATFORM,
            List.of("windows", "darwin", "linux"), List.of("x64", "arm64", "ia32", "armv7l"), false),
    WIN("win", VersionScheme.INTEGER, PlatformField.NONE, List.of(), List.of("x64", "arm64"), true),
    MAC("mac", VersionScheme.INTEGER, PlatformField.NONE, List.of(), List.of("x64", "arm64"), true),
    LNX("lnx", VersionScheme.INTEGER, PlatformField.NONE, List.of(), List.of("x64", "arm64"), true);

    /** How a client states the version it runs. */
    public enum VersionScheme { INTEGER, SEMVER }

    /** The wire name of the operating-system field, if the kind has one. */
    public enum PlatformField {
        NONE(null), TARGET("target"), PLATFORM("platform");

        private final String wireName;

        PlatformField(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }
    }

    private final String wireName;
    private final VersionScheme versionScheme;
    private final PlatformField platformField;
    private final List<String> platforms;
    private final List<String> arches;
    private final boolean hasPackageName;

    AppKind(String wireName, VersionScheme versionScheme, PlatformField platformField,
            List<String> platforms, List<String> arches, boolean hasPackageName) {
        this.wireName = wireName;
        this.versionScheme = versionScheme;
        this.platformField = platformField;
        this.platforms = platforms;
        this.arches = arches;
        this.hasPackageName = hasPackageName;
    }

    /** The kind's name on the wire and in paths: {@code /v1/<wireName>/...}. */
    public String wireName() {
        return wireName;
    }

    /** The JSON or query field that carries the app key, e.g. {@code winKey}. */
    public String keyField() {
        return wireName + "Key";
    }

    public VersionScheme versionScheme() {
        return versionScheme;
    }

    public PlatformField platformField() {
        return platformField;
    }

    /** Allowed operating-system values; empty when the kind has no platform field. */
    public List<String> platforms() {
        return platforms;
    }

    /** Allowed architectures; empty when the kind has no arch field. */
    public List<String> arches() {
        return arches;
    }

    public boolean hasArch() {
        return !arches.isEmpty();
    }

    public boolean hasPackageName() {
        return hasPackageName;
    }

    /** Kinds whose versions carry downloadable files (everything but url and configuration). */
    public boolean hasArtifacts() {
        return this != URL && this != CONFIGURATION;
    }

    /**
     * Normalises a client's platform value: electron's {@code process.platform} says {@code win32} for Windows,
     * which the stored model calls {@code windows}.
     */
    public String normalizePlatform(String value) {
        if (this == ELECTRON && "win32".equals(value)) {
            return "windows";
        }
        return value;
    }

    public static Optional<AppKind> fromWireName(String name) {
        if (name == null) {
            return Optional.empty();
        }
        String lower = name.toLowerCase(Locale.ROOT);
        for (AppKind kind : values()) {
            if (kind.wireName.equals(lower)) {
                return Optional.of(kind);
            }
        }
        return Optional.empty();
    }

    public static String allWireNames() {
        StringBuilder sb = new StringBuilder();
        for (AppKind kind : values()) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(kind.wireName);
        }
        return sb.toString();
    }
}
