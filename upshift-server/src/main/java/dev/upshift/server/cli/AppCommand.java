package dev.upshift.server.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "app", mixinStandardHelpOptions = true, description = "Manage apps.", subcommands = {AppCommand.Create.class, AppCommand.ListApps.class})
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

        @Override
        void run() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("kind", kind);
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

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List apps.")
    static final class ListApps extends ClientCommand {
        @Override
        void run() {
            AdminClient.print(client.get("/api/admin/v1/apps"));
        }
    }
}
