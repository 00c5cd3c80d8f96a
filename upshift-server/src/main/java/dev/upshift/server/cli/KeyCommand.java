package dev.upshift.server.cli;

import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "key", mixinStandardHelpOptions = true, description = "Manage client access keys.",
        subcommands = {KeyCommand.Create.class, KeyCommand.ListKeys.class, KeyCommand.Revoke.class})
final class KeyCommand {
    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create an access key; its secret is printed only now.")
    static final class Create extends ClientCommand {
        @Option(names = "--description", defaultValue = "")
        String description;

        @Override
        void run() {
            AdminClient.print(client.post("/api/admin/v1/access-keys", Map.of("description", description)));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List access keys (without secrets).")
    static final class ListKeys extends ClientCommand {
        @Override
        void run() {
            AdminClient.print(client.get("/api/admin/v1/access-keys"));
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke an access key.")
    static final class Revoke extends ClientCommand {
        @picocli.CommandLine.Parameters(paramLabel = "ACCESS_KEY")
        String accessKey;

        @Override
        void run() {
            client.delete("/api/admin/v1/access-keys/" + AdminClient.q(accessKey));
            System.out.println("revoked " + accessKey);
        }
    }
}
