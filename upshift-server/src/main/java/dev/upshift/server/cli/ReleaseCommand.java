package dev.upshift.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.upshift.server.http.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "release", mixinStandardHelpOptions = true, description = "Publish build output.",
        subcommands = {ReleaseCommand.Publish.class})
final class ReleaseCommand {

    /**
     * {@code upshift release publish --app KEY DIR}: recognises what a bundler left in DIR and publishes all of it.
     *
     * <ul>
     *   <li>electron-builder {@code dist/}: every channel file ({@code latest.yml}, {@code latest-mac.yml},
     *       {@code beta-linux-arm64.yml}, ...) with the files it lists and their {@code .blockmap}s.
     *   <li>Tauri bundle folder ({@code target/release/bundle}): its {@code latest.json} if there is one, else one
     *       made from every file that has a {@code .sig} next to it (version from the file names or
     *       {@code --version}; target from the format; arch from the name or {@code --arch}).
     * </ul>
     * Files are uploaded first (with their SHA-256, and a progress bar on a terminal), then the manifest; the server
     * verifies signatures and checksums before it creates anything, so a failed publish can simply be run again.
     */
    @Command(name = "publish", mixinStandardHelpOptions = true,
            description = "Publish an electron-builder dist/ folder or a Tauri bundle folder.")
    static final class Publish extends ClientCommand {
        private static final Pattern VERSION_IN_NAME = Pattern.compile("[_-]v?(\\d+\\.\\d+\\.\\d+(?:-[0-9A-Za-z.]+)?)(?=[_.-])");

        @Option(names = "--app", required = true, description = "App key")
        String app;
        @Parameters(index = "0", description = "The folder to publish")
        Path dir;
        @Option(names = "--version", description = "Tauri without latest.json: the version, if file names lack it")
        String version;
        @Option(names = "--arch", description = "Tauri without latest.json: arch for files whose names lack it")
        String arch;
        @Option(names = "--channel", description = "Channel of the strategy (default: from the version)")
        String channel;
        @Option(names = "--percentage", description = "Share of devices to offer it to, 0-100 (default 100)")
        Integer percentage;
        @Option(names = "--upgrade-type", description = "1 prompt (default), 2 silent, 3 forced")
        Integer upgradeType;
        @Option(names = "--no-strategy", description = "Create versions and files only; roll out later")
        boolean noStrategy;

        PrintStream out = System.out;
        PrintStream err = System.err;

        @Override
        void run() {
            if (!Files.isDirectory(dir)) {
                throw new AdminClient.CliException(dir + " is not a folder.");
            }
            String kind = client.get("/api/admin/v1/apps/" + AdminClient.q(app)).path("kind").asText();
            List<Manifest> manifests = switch (kind) {
                case "electron" -> electron();
                case "tauri" -> List.of(tauri());
                default -> throw new AdminClient.CliException("App " + app + " is a " + kind + " app; release publish "
                        + "handles tauri and electron apps. Use 'upshift version add --file' for the others.");
            };
            Set<Path> uploaded = new LinkedHashSet<>();
            for (Manifest m : manifests) {
                for (Path f : m.files()) {
                    if (uploaded.add(f)) {
                        upload(f);
                    }
                    Path blockmap = f.resolveSibling(f.getFileName() + ".blockmap");
                    if (Files.isRegularFile(blockmap) && uploaded.add(blockmap)) {
                        upload(blockmap);
                    }
                }
            }
            for (Manifest m : manifests) {
                StringBuilder query = new StringBuilder("manifest=").append(AdminClient.q(m.name()));
                if (noStrategy) {
                    query.append("&strategy=false");
                }
                if (channel != null) {
                    query.append("&channel=").append(AdminClient.q(channel));
                }
                if (percentage != null) {
                    query.append("&percentage=").append(percentage);
                }
                if (upgradeType != null) {
                    query.append("&upgradeType=").append(upgradeType);
                }
                JsonNode result = client.postBytes("/api/admin/v1/apps/" + AdminClient.q(app) + "/releases?" + query,
                        m.body(), m.name().endsWith(".json") ? "application/json" : "application/yaml");
                for (JsonNode v : result.path("versions")) {
                    out.println((v.path("created").asBoolean() ? "published " : "already published ")
                            + v.path("versionName").asText() + " " + v.path("platform").asText() + "/"
                            + v.path("arch").asText() + " (version " + v.path("versionId").asLong() + ", "
                            + v.path("files").size() + " file(s)"
                            + (v.path("strategyId").isNull() ? "" : ", strategy " + v.path("strategyId").asLong()) + ")");
                }
            }
        }

        /** A manifest to post and the local files it names. */
        record Manifest(String name, byte[] body, List<Path> files) {
        }

        private List<Manifest> electron() {
            List<Manifest> out = new ArrayList<>();
            for (Path yml : list(p -> p.getFileName().toString().matches("[A-Za-z0-9][A-Za-z0-9._]*(-mac|-linux(-[a-z0-9]+)?)?\\.yml")
                    && !p.getFileName().toString().startsWith("builder-"))) {
                byte[] body = read(yml);
                JsonNode doc;
                try {
                    doc = new com.fasterxml.jackson.databind.ObjectMapper(
                            new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readTree(body);
                } catch (IOException e) {
                    throw new AdminClient.CliException(yml + " is not valid YAML: " + e.getMessage());
                }
                List<Path> files = new ArrayList<>();
                for (JsonNode f : doc.path("files")) {
                    String url = f.path("url").asText();
                    String name = java.net.URLDecoder.decode(url.substring(url.lastIndexOf('/') + 1), StandardCharsets.UTF_8);
                    Path local = yml.resolveSibling(name);
                    if (!Files.isRegularFile(local)) {
                        throw new AdminClient.CliException(yml.getFileName() + " lists " + name + ", which is not in "
                                + yml.getParent() + ".");
                    }
                    files.add(local);
                }
                out.add(new Manifest(yml.getFileName().toString(), body, files));
            }
            if (out.isEmpty()) {
                throw new AdminClient.CliException("No electron-builder channel file (latest.yml, latest-mac.yml, "
                        + "latest-linux.yml, ...) in " + dir + ". Point at electron-builder's output folder (dist/).");
            }
            return out;
        }

        private Manifest tauri() {
            List<Path> latest = list(p -> p.getFileName().toString().equals("latest.json"));
            if (!latest.isEmpty()) {
                byte[] body = read(latest.get(0));
                List<Path> files = new ArrayList<>();
                try {
                    Json.parse(body).path("platforms").forEach(p -> {
                        String url = p.path("url").asText();
                        String name = java.net.URLDecoder.decode(url.substring(url.lastIndexOf('/') + 1), StandardCharsets.UTF_8);
                        list(f -> f.getFileName().toString().equals(name)).stream().findFirst().ifPresent(files::add);
                    });
                } catch (IOException e) {
                    throw new AdminClient.CliException(latest.get(0) + " is not valid JSON: " + e.getMessage());
                }
                return new Manifest("latest.json", body, files);
            }
            Map<String, ObjectNode> platforms = new LinkedHashMap<>();
            List<Path> files = new ArrayList<>();
            String found = version;
            for (Path sig : list(p -> p.getFileName().toString().endsWith(".sig"))) {
                String sigName = sig.getFileName().toString();
                Path file = sig.resolveSibling(sigName.substring(0, sigName.length() - 4));
                if (!Files.isRegularFile(file)) {
                    continue;
                }
                String name = file.getFileName().toString();
                String[] targetAndBundle = targetAndBundle(name);
                if (targetAndBundle == null) {
                    continue;
                }
                String a = archOf(name);
                if (a == null) {
                    throw new AdminClient.CliException("Cannot tell the architecture of " + name + " from its name; "
                            + "pass --arch (x86_64, aarch64, i686 or armv7).");
                }
                if (found == null) {
                    Matcher m = VERSION_IN_NAME.matcher(name);
                    if (m.find()) {
                        found = m.group(1);
                    }
                }
                ObjectNode entry = Json.MAPPER.createObjectNode();
                entry.put("signature", new String(read(sig), StandardCharsets.UTF_8).strip());
                // The server never fetches this: the file is uploaded first. ".invalid" can never resolve.
                entry.put("url", "https://upload.invalid/" + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20"));
                platforms.put(targetAndBundle[0] + "-" + a + "-" + targetAndBundle[1], entry);
                files.add(file);
            }
            if (platforms.isEmpty()) {
                throw new AdminClient.CliException("No latest.json and no signed bundles (a file with a .sig next to it) "
                        + "in " + dir + ". Build with createUpdaterArtifacts and TAURI_SIGNING_PRIVATE_KEY set, and point "
                        + "at target/release/bundle.");
            }
            if (found == null) {
                throw new AdminClient.CliException("Cannot tell the version from the file names; pass --version.");
            }
            ObjectNode manifest = Json.MAPPER.createObjectNode();
            manifest.put("version", found);
            manifest.put("notes", "");
            manifest.set("platforms", Json.MAPPER.valueToTree(platforms));
            return new Manifest("latest.json", manifest.toString().getBytes(StandardCharsets.UTF_8), files);
        }

        /** The Tauri target and bundle format of an updater artifact, or null if it is not one. */
        static String[] targetAndBundle(String name) {
            String n = name.toLowerCase(Locale.ROOT);
            if (n.endsWith(".appimage") || n.endsWith(".appimage.tar.gz")) {
                return new String[]{"linux", "appimage"};
            }
            if (n.endsWith(".deb")) {
                return new String[]{"linux", "deb"};
            }
            if (n.endsWith(".rpm")) {
                return new String[]{"linux", "rpm"};
            }
            if (n.endsWith(".app.tar.gz")) {
                return new String[]{"darwin", "app"};
            }
            if (n.endsWith(".msi") || n.endsWith(".msi.zip")) {
                return new String[]{"windows", "msi"};
            }
            if (n.endsWith(".exe") || n.endsWith(".nsis.zip")) {
                return new String[]{"windows", "nsis"};
            }
            return null;
        }

        /** The arch from bundler naming (amd64, x64, x86_64, aarch64, arm64, i686, x86, armhf), else --arch. */
        String archOf(String name) {
            String n = name.toLowerCase(Locale.ROOT);
            if (n.matches(".*[_.-](amd64|x64|x86_64)[_.-].*")) {
                return "x86_64";
            }
            if (n.matches(".*[_.-](aarch64|arm64)[_.-].*")) {
                return "aarch64";
            }
            if (n.matches(".*[_.-](i686|i386|x86)[_.-].*")) {
                return "i686";
            }
            if (n.matches(".*[_.-](armhf|armv7)[_.-].*")) {
                return "armv7";
            }
            return arch;
        }

        private List<Path> list(java.util.function.Predicate<Path> filter) {
            try (Stream<Path> s = Files.walk(dir, 4)) {
                return s.filter(Files::isRegularFile).filter(filter).sorted().toList();
            } catch (IOException e) {
                throw new AdminClient.CliException("Cannot read " + dir + ": " + e.getMessage());
            }
        }

        private static byte[] read(Path p) {
            try {
                return Files.readAllBytes(p);
            } catch (IOException e) {
                throw new AdminClient.CliException("Cannot read " + p + ": " + e.getMessage());
            }
        }

        private void upload(Path file) {
            String name = file.getFileName().toString();
            long size;
            String sha256;
            try (InputStream in = Files.newInputStream(file)) {
                size = Files.size(file);
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                byte[] buf = new byte[1 << 16];
                int n;
                while ((n = in.read(buf)) > 0) {
                    md.update(buf, 0, n);
                }
                sha256 = HexFormat.of().formatHex(md.digest());
            } catch (IOException | NoSuchAlgorithmException e) {
                throw new AdminClient.CliException("Cannot read " + file + ": " + e.getMessage());
            }
            Progress progress = new Progress(name, size, System.console() != null ? err : null);
            client.putFile("/api/admin/v1/apps/" + AdminClient.q(app) + "/uploads/"
                            + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20"), file, progress::update,
                    "X-Content-SHA256", sha256);
            progress.done();
            out.println("uploaded " + name + " (" + human(size) + ", sha256 " + sha256.substring(0, 12) + "…)");
        }
    }

    /** A one-line progress bar on a terminal; silent otherwise (CI logs get one line per file instead). */
    static final class Progress {
        private static final int WIDTH = 30;
        private final String name;
        private final long total;
        private final PrintStream tty;
        private int lastPercent = -1;

        Progress(String name, long total, PrintStream tty) {
            this.name = name;
            this.total = total;
            this.tty = tty;
        }

        void update(long sent) {
            int percent = total == 0 ? 100 : (int) (sent * 100 / total);
            if (tty == null || percent == lastPercent) {
                return;
            }
            lastPercent = percent;
            int filled = percent * WIDTH / 100;
            tty.print("\r" + name + " [" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "] " + percent + "% "
                    + human(sent) + "/" + human(total));
            tty.flush();
        }

        void done() {
            if (tty != null && lastPercent >= 0) {
                tty.print("\r" + " ".repeat(Math.min(200, name.length() + WIDTH + 40)) + "\r");
                tty.flush();
            }
        }
    }

    static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        if (bytes < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        }
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
    }
}
