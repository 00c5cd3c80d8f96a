package dev.upshift.server.config;

/** A setting is unknown or invalid; the message says which, what was given, and what to do. */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }
}
