package dev.upshift.server.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.upshift.server.http.Json;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "strategy", mixinStandardHelpOptions = true, description = "Manage rollout strategies of an app.",
        subcommands = {StrategyCommand.Create.class, StrategyCommand.Update.class, StrategyCommand.ListStrategies.class,
                StrategyCommand.Show.class, StrategyCommand.Delete.class})
final class StrategyCommand {

    /** Options shared by create and update; unset options are not sent (update keeps the stored value). */
    static final class Fields {
        @Option(names = "--version-id", description = "Id of the version to offer")
        Long versionId;
        @Option(names = "--name")
        String name;
        @Option(names = "--description")
        String description;
        @Option(names = "--enabled", arity = "1", description = "true or false")
        Boolean enabled;
        @Option(names = "--begin", description = "RFC 3339, e.g. 2026-12-01T08:00:00Z (default: now)")
        String begin;
        @Option(names = "--end", description = "RFC 3339 (default: open-ended)")
        String end;
        @Option(names = "--upgrade-type", description = "0 unknown, 1 prompt, 2 silent, 3 forced")
        Integer upgradeType;
        @Option(names = "--prompt", description = "Text shown to users")
        String prompt;
        @Option(names = "--percentage", description = "Share of devices, 0-100 (e.g. 10 or 2.5)")
        BigDecimal percentage;
        @Option(names = "--channel", description = "stable (default), beta, alpha, ...")
        String channel;
        @Option(names = "--groups", split = ",", description = "Target only these device group ids")
        List<Long> groups;
        @Option(names = "--models", split = ",", description = "Target only these device model keys")
        List<String> models;
        @Option(names = "--from-versions", split = ",", description = "Only clients on these version ids")
        List<Long> fromVersions;
        @Option(names = "--gray", description = "Gray rule BEGIN/END/LIMIT, e.g. 2026-12-01T00:00:00Z/2026-12-02T00:00:00Z/100 (repeatable)")
        List<String> gray;
        @Option(names = "--flow", description = "Flow rule DIMENSION/LIMIT[/soft][/HH:mm:ss-HH:mm:ss], e.g. minute/100/soft (repeatable)")
        List<String> flow;

        Map<String, Object> body() {
            Map<String, Object> b = new LinkedHashMap<>();
            put(b, "versionId", versionId);
            put(b, "name", name);
            put(b, "description", description);
            put(b, "enabled", enabled);
            put(b, "begin", begin);
            put(b, "end", end);
            put(b, "upgradeType", upgradeType);
            put(b, "promptText", prompt);
            put(b, "percentage", percentage);
            put(b, "channel", channel);
            if (groups != null && models != null) {
                throw new AdminClient.CliException("Give --groups or --models, not both: a strategy targets one or the other.");
            }
            if (groups != null) {
                b.put("targeting", Map.of("type", "groups", "groupIds", groups));
            } else if (models != null) {
                b.put("targeting", Map.of("type", "models", "modelKeys", models));
            }
            if (fromVersions != null) {
                b.put("source", Map.of("type", "listed", "versionIds", fromVersions));
            }
            if (gray != null) {
                ArrayNode rules = Json.MAPPER.createArrayNode();
                for (String g : gray) {
                    String[] p = g.split("/");
                    if (p.length != 3) {
                        throw new AdminClient.CliException("--gray expects BEGIN/END/LIMIT; got '" + g + "'.");
                    }
                    ObjectNode r = rules.addObject().put("begin", p[0]).put("end", p[1]);
                    try {
                        r.put("limit", Long.parseLong(p[2]));
                    } catch (NumberFormatException e) {
                        throw new AdminClient.CliException("--gray LIMIT must be a number; got '" + p[2] + "'.");
                    }
                }
                b.put("grayRules", rules);
            }
            if (flow != null) {
                ArrayNode rules = Json.MAPPER.createArrayNode();
                for (String f : flow) {
                    String[] p = f.split("/");
                    if (p.length < 2) {
                        throw new AdminClient.CliException("--flow expects DIMENSION/LIMIT[/soft][/HH:mm:ss-HH:mm:ss]; got '" + f + "'.");
                    }
                    ObjectNode r = rules.addObject().put("dimension", p[0]);
                    try {
                        r.put("limit", Long.parseLong(p[1]));
                    } catch (NumberFormatException e) {
                        throw new AdminClient.CliException("--flow LIMIT must be a number; got '" + p[1] + "'.");
                    }
                    for (int i = 2; i < p.length; i++) {
                        if (p[i].equals("soft")) {
                            r.put("soft", true);
                        } else if (p[i].contains("-")) {
                            String[] t = p[i].split("-", 2);
                            r.put("begin", t[0]).put("end", t[1]);
                        } else {
                            throw new AdminClient.CliException("--flow: unknown part '" + p[i] + "'.");
                        }
                    }
                }
                b.put("flowRules", rules);
            }
            return b;
        }

        private static void put(Map<String, Object> b, String k, Object v) {
            if (v != null) {
                b.put(k, v);
            }
        }
    }

    static String base(String app) {
        return "/api/admin/v1/apps/" + AdminClient.q(app) + "/strategies";
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a strategy (a rollout of one version).")
    static final class Create extends ClientCommand {
        @Option(names = "--app", required = true)
        String app;
        @picocli.CommandLine.Mixin
        Fields fields;

        @Override
        void run() {
            if (fields.versionId == null) {
                throw new AdminClient.CliException("--version-id is required.");
            }
            AdminClient.print(client.post(base(app), fields.body()));
        }
    }

    @Command(name = "update", mixinStandardHelpOptions = true, description = "Change a strategy; options not given keep their value (e.g. --enabled false pauses it).")
    static final class Update extends ClientCommand {
        @Option(names = "--app", required = true)
        String app;
        @Parameters(paramLabel = "ID")
        long id;
        @picocli.CommandLine.Mixin
        Fields fields;

        @Override
        void run() {
            AdminClient.print(client.patch(base(app) + "/" + id, fields.body()));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List an app's strategies.")
    static final class ListStrategies extends ClientCommand {
        @Option(names = "--app", required = true)
        String app;

        @Override
        void run() {
            AdminClient.print(client.get(base(app)));
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one strategy.")
    static final class Show extends ClientCommand {
        @Option(names = "--app", required = true)
        String app;
        @Parameters(paramLabel = "ID")
        long id;

        @Override
        void run() {
            AdminClient.print(client.get(base(app) + "/" + id));
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a strategy.")
    static final class Delete extends ClientCommand {
        @Option(names = "--app", required = true)
        String app;
        @Parameters(paramLabel = "ID")
        long id;

        @Override
        void run() {
            client.delete(base(app) + "/" + id);
            System.out.println("deleted strategy " + id);
        }
    }

    private StrategyCommand() {
    }
}
