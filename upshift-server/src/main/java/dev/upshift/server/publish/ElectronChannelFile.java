package dev.upshift.server.publish;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * What an electron-updater channel file name says: {@code <channel><suffix>.yml}, where the suffix picks the
 * platform (electron-updater {@code getChannelFilename}): none for Windows, {@code -mac}, {@code -linux} (x64),
 * or {@code -linux-<arch>}.
 *
 * @param channel  e.g. {@code latest}, {@code beta}
 * @param platform {@code windows}, {@code darwin} or {@code linux}, as Tauri names them
 * @param arch     Node's {@code process.arch} for Linux files; null for Windows and macOS, whose files list every
 *                 architecture and let the client pick by file name
 */
public record ElectronChannelFile(String channel, String platform, String arch) {
    /** No hyphen: it separates the platform suffix, and electron-builder channels (latest, beta, alpha) have none. */
    private static final Pattern CHANNEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._]*");
    private static final Set<String> NODE_ARCHES = Set.of(
            "arm", "arm64", "armv7l", "ia32", "loong64", "mips", "mipsel", "ppc", "ppc64", "riscv64", "s390",
            "s390x", "x64");

    /** Splits a file name such as {@code beta-linux-arm64.yml}; refuses anything electron-updater would not ask for. */
    public static ElectronChannelFile parse(String fileName) throws PublishCheckException {
        String path = "file name '" + fileName + "'";
        if (fileName == null || !fileName.endsWith(".yml")) {
            throw ManifestFields.bad(path, "must end in .yml (electron-updater only asks for <channel>[-mac|-linux"
                    + "[-<arch>]].yml)");
        }
        String base = fileName.substring(0, fileName.length() - ".yml".length());
        ElectronChannelFile parsed;
        int linux = base.lastIndexOf("-linux");
        if (base.endsWith("-mac")) {
            parsed = new ElectronChannelFile(base.substring(0, base.length() - 4), "darwin", null);
        } else if (base.endsWith("-linux")) {
            parsed = new ElectronChannelFile(base.substring(0, linux), "linux", "x64");
        } else if (linux > 0 && base.startsWith("-linux-", linux)) {
            String arch = base.substring(linux + "-linux-".length());
            if (!NODE_ARCHES.contains(arch)) {
                throw ManifestFields.bad(path, "names an unknown Linux arch '" + arch + "'; expected one of Node's "
                        + "process.arch values " + NODE_ARCHES.stream().sorted().toList());
            }
            parsed = new ElectronChannelFile(base.substring(0, linux), "linux", arch);
        } else {
            parsed = new ElectronChannelFile(base, "windows", null);
        }
        if (!CHANNEL.matcher(parsed.channel()).matches()) {
            throw ManifestFields.bad(path, "has an invalid channel '" + parsed.channel() + "': use letters, digits,"
                    + " '.' or '_', such as latest, beta or alpha");
        }
        return parsed;
    }
}
