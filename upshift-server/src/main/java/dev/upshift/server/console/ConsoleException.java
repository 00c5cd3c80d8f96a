package dev.upshift.server.console;

/** A console page that cannot be shown, with the HTTP status and a message for the person reading it. */
final class ConsoleException extends RuntimeException {
    private final int status;

    ConsoleException(int status, String message) {
        super(message);
        this.status = status;
    }

    int status() {
        return status;
    }

    static ConsoleException notFound(String message) {
        return new ConsoleException(404, message);
    }

    static ConsoleException forbidden(String message) {
        return new ConsoleException(403, message);
    }

    static ConsoleException badRequest(String message) {
        return new ConsoleException(400, message);
    }
}
