package dev.upshift.server.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "app", mixinStandardHelpOptions = true, description = "Manage apps.", subcommands = {AppCommand.Create.class, AppCommand.ListApps.class, AppCommand.Update.class})
final class AppCommand {
    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create an app of one of the nine kinds.")
    static final class Create extends ClientCommand {
        @Option(names = "--kind", required = true, description = "url, file, apk, configuration, tauri, electron, win, mac or lnx")
        String kind;
        @Option(names = "--name", required = true)
        String name;
        @Option(names = "--package-name")
        String packageName;
        @Option(names = "--description")
        String description;
        @Option(names = "--tauri-public-key", description = "tauri: the pubkey from tauri.conf.json; uploads must verify against it")
        String tauriPublicKey;
        @Option(names = "--sparkle-public-key", description = "mac, electron: SUPublicEDKey; Sparkle signatures must verify against it")
        String sparklePublicKey;

        @Override
        void run() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("kind", kind);
            putIfSet(body, "tauriPublicKey", tauriPublicKey);
            putIfSet(body, "sparklePublicKey", sparklePublicKey);
            body.put("name", name);
            if (packageName != null) {
                body.put("packageName", packageName);
            }
            if (description != null) {
                body.put("description", description);
            }
            AdminClient.print(client.post("/api/admin/v1/apps", body));
        }
    }

    @Command(name = "update", mixinStandardHelpOptions = true, description = "Change an app's name, description or publishing keys.")
    static final class Update extends ClientCommand {
        @Option(names = "--app", required = true, description = "App key")
        String app;
        @Option(names = "--name")
        String name;
        @Option(names = "--description")
        String description;
        @Option(names = "--tauri-public-key", description = "tauri: the pubkey from tauri.conf.json (empty: stop checking)")
        String tauriPublicKey;
        @Option(names = "--sparkle-public-key", description = "mac, electron: SUPublicEDKey (empty: stop checking)")
        String sparklePublicKey;

        @Override
        void run() {
            Map<String, Object> body = new LinkedHashMap<>();
            putIfSet(body, "name", name);
            putIfSet(body, "description", description);
            putIfSet(body, "tauriPublicKey", tauriPublicKey);
            putIfSet(body, "sparklePublicKey", sparklePublicKey);
            AdminClient.print(client.patch("/api/admin/v1/apps/" + AdminClient.q(app), body));
        }
    }

    private static void putIfSet(Map<String, Object> body, String field, String value) {
        if (value != null) {
            body.put(field, value);
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List apps.")
    static final class ListApps extends ClientCommand {
        @Override
        void run() {
            AdminClient.print(client.get("/api/admin/v1/apps"));
        }
    }
}
