package dev.upshift.server.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "device", mixinStandardHelpOptions = true, description = "Manage devices, device groups and device models.",
        subcommands = {DeviceCommand.ListDevices.class, DeviceCommand.Add.class, DeviceCommand.GroupCreate.class,
                DeviceCommand.GroupAdd.class, DeviceCommand.Groups.class, DeviceCommand.ModelCreate.class,
                DeviceCommand.Models.class})
final class DeviceCommand {
    private DeviceCommand() {
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List devices (registered by checks or by hand).")
    static final class ListDevices extends ClientCommand {
        @Override
        void run() {
            AdminClient.print(client.get("/api/admin/v1/devices"));
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Register a device ahead of its first check.")
    static final class Add extends ClientCommand {
        @Parameters(paramLabel = "DEVICE_KEY")
        String deviceKey;
        @Option(names = "--model")
        String model;

        @Override
        void run() {
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("deviceKey", deviceKey);
            if (model != null) {
                b.put("modelKey", model);
            }
            AdminClient.print(client.post("/api/admin/v1/devices", b));
        }
    }

    @Command(name = "group-create", mixinStandardHelpOptions = true, description = "Create a device group.")
    static final class GroupCreate extends ClientCommand {
        @Option(names = "--name", required = true)
        String name;
        @Option(names = "--description", defaultValue = "")
        String description;

        @Override
        void run() {
            AdminClient.print(client.post("/api/admin/v1/device-groups", Map.of("name", name, "description", description)));
        }
    }

    @Command(name = "group-add", mixinStandardHelpOptions = true, description = "Put devices into a group (unknown devices are registered).")
    static final class GroupAdd extends ClientCommand {
        @Option(names = "--group", required = true, description = "Group id")
        long group;
        @Parameters(paramLabel = "DEVICE_KEY", arity = "1..*")
        List<String> devices;

        @Override
        void run() {
            AdminClient.print(client.post("/api/admin/v1/device-groups/" + group + "/members", Map.of("deviceKeys", devices)));
        }
    }

    @Command(name = "groups", mixinStandardHelpOptions = true, description = "List device groups and their members.")
    static final class Groups extends ClientCommand {
        @Override
        void run() {
            AdminClient.print(client.get("/api/admin/v1/device-groups"));
        }
    }

    @Command(name = "model-create", mixinStandardHelpOptions = true, description = "Create a device model.")
    static final class ModelCreate extends ClientCommand {
        @Option(names = "--key", required = true)
        String key;
        @Option(names = "--name", defaultValue = "")
        String name;

        @Override
        void run() {
            AdminClient.print(client.post("/api/admin/v1/device-models", Map.of("modelKey", key, "name", name)));
        }
    }

    @Command(name = "models", mixinStandardHelpOptions = true, description = "List device models.")
    static final class Models extends ClientCommand {
        @Override
        void run() {
            AdminClient.print(client.get("/api/admin/v1/device-models"));
        }
    }
}
