package dev.upshift.server.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;

/** Base of the commands that call the admin API: maps a failed call to a one-line message and exit code 1. */
abstract class ClientCommand implements Callable<Integer> {
    @Mixin
    AdminClient client;

    @Override
    public final Integer call() {
        try {
            run();
            return 0;
        } catch (AdminClient.CliException e) {
            System.err.println("upshift: " + e.getMessage());
            return 1;
        }
    }

    abstract void run();
}
