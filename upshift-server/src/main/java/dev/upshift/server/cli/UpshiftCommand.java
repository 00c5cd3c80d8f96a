package dev.upshift.server.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code upshift} command line: runs the server, and wraps the admin API for operators and CI. */
@Command(name = "upshift", mixinStandardHelpOptions = true, version = "Upshift 0.1.0",
        description = "Self-hosted application update server.",
        subcommands = {ServeCommand.class, KeyCommand.class, AppCommand.class, VersionCommand.class,
                ReleaseCommand.class, TenantCommand.class, StrategyCommand.class, DeviceCommand.class,
                ArtifactsCommand.class, DemoCommand.class, TrainingRunCommand.class, CommandLine.HelpCommand.class})
public final class UpshiftCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new UpshiftCommand()).execute(args));
    }
}
