package dev.upshift.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.upshift.server.http.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "version", mixinStandardHelpOptions = true, description = "Manage versions.",
        subcommands = {VersionCommand.Add.class, VersionCommand.ListVersions.class})
final class VersionCommand {
    @Command(name = "add", mixinStandardHelpOptions = true, description = "Create a version and optionally upload its file.")
    static final class Add extends ClientCommand {
        @Option(names = "--app", required = true, description = "App key")
        String app;
        @Option(names = "--name", required = true, description = "Version name (SemVer for tauri and electron)")
        String name;
        @Option(names = "--code", description = "Integer version code (url, file, apk, configuration, win, mac, lnx)")
        Long code;
        @Option(names = "--arch")
        String arch;
        @Option(names = "--target", description = "tauri: linux, darwin or windows")
        String target;
        @Option(names = "--platform", description = "electron: windows, darwin or linux")
        String platform;
        @Option(names = "--description")
        String description;
        @Option(names = "--release-note")
        String releaseNote;
        @Option(names = "--changelog")
        String changelog;
        @Option(names = "--release-url")
        String releaseUrl;
        @Option(names = "--url-path", description = "url apps: the external link")
        String urlPath;
        @Option(names = "--content", description = "configuration apps: the JSON content")
        String content;
        @Option(names = "--signature", description = "tauri: the updater signature (.sig content)")
        String signature;
        @Option(names = "--pre-release")
        boolean preRelease;
        @Option(names = "--upgrade-mode", description = "0 unknown, 1 prompt, 2 silent, 3 forced")
        Integer upgradeMode;
        @Option(names = "--file", description = "File to upload as the version's artifact")
        Path file;
        @Option(names = "--role", defaultValue = "install", description = "install (default) or update")
        String role;

        @Override
        void run() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("versionName", name);
            put(body, "versionCode", code);
            put(body, "arch", arch);
            put(body, "target", target);
            put(body, "platform", platform);
            put(body, "description", description);
            put(body, "releaseNote", releaseNote);
            put(body, "changelog", changelog);
            put(body, "releaseUrl", releaseUrl);
            put(body, "urlPath", urlPath);
            put(body, "signature", signature);
            put(body, "upgradeMode", upgradeMode);
            if (preRelease) {
                body.put("isPreRelease", true);
            }
            if (content != null) {
                try {
                    body.put("content", Json.parse(content.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                } catch (IOException e) {
                    throw new AdminClient.CliException("--content: " + e.getMessage());
                }
            }
            if (file != null && !Files.isRegularFile(file)) {
                throw new AdminClient.CliException("--file " + file + " is not a readable file.");
            }
            String base = "/api/admin/v1/apps/" + AdminClient.q(app) + "/versions";
            JsonNode created = client.post(base, body);
            if (file != null) {
                long id = created.get("id").asLong();
                client.putFile(base + "/" + id + "/artifact?role=" + AdminClient.q(role) + "&fileName="
                        + AdminClient.q(file.getFileName().toString()), file);
                created = client.get(base + "/" + id);
            }
            AdminClient.print(created);
        }

        private static void put(Map<String, Object> body, String key, Object value) {
            if (value != null) {
                body.put(key, value);
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the versions of an app.")
    static final class ListVersions extends ClientCommand {
        @Option(names = "--app", required = true)
        String app;

        @Override
        void run() {
            AdminClient.print(client.get("/api/admin/v1/apps/" + AdminClient.q(app) + "/versions"));
        }
    }
}
