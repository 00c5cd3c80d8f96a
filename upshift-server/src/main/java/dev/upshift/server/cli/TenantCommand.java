package dev.upshift.server.cli;

import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "tenant", mixinStandardHelpOptions = true, description = "Manage tenants (bootstrap token only).", subcommands = TenantCommand.Create.class)
final class TenantCommand {
    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a tenant and print its first admin token.")
    static final class Create extends ClientCommand {
        @Option(names = "--name", required = true)
        String name;

        @Override
        void run() {
            AdminClient.print(client.post("/api/admin/v1/tenants", Map.of("name", name)));
        }
    }
}
