package dev.upshift.server.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code upshift} command line: runs the server, and wraps the admin API for operators and CI. */
@Command(name = "upshift", mixinStandardHelpOptions = true, version = UpshiftCommand.VERSION,
        description = UpshiftCommand.DESCRIPTION,
        subcommands = {ServeCommand.class, KeyCommand.class, AppCommand.class, VersionCommand.class,
                ReleaseCommand.class, TenantCommand.class, StrategyCommand.class, DeviceCommand.class,
                ArtifactsCommand.class, DemoCommand.class, TrainingRunCommand.class, CommandLine.HelpCommand.class})
public final class UpshiftCommand implements Runnable {
    static final String VERSION = "Upshift 0.1.0";
    static final String DESCRIPTION = "Self-hosted application update server.";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(commandLine(args).execute(args));
    }

    /**
     * The command line for {@code args}. For {@code serve}, the one whose start-up time matters, it is built with
     * that subcommand only: picocli reflects over every subcommand when it builds a command line, which cost
     * {@code serve} about 0.15 s of its start. Usage and errors of {@code upshift serve} read the same either way.
     */
    public static CommandLine commandLine(String[] args) {
        return args.length > 0 && "serve".equals(args[0])
                ? new CommandLine(new ServeOnly())
                : new CommandLine(new UpshiftCommand());
    }

    /** {@code upshift} with {@code serve} as its only subcommand (see {@link #commandLine}). */
    @Command(name = "upshift", mixinStandardHelpOptions = true, version = VERSION, description = DESCRIPTION,
            subcommands = ServeCommand.class)
    static final class ServeOnly {
    }
}
