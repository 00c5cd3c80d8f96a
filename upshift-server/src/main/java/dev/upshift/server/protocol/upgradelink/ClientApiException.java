package dev.upshift.server.protocol.upgradelink;

import dev.upshift.core.protocol.UpgradeLinkCode;

/**
 * A client-API request failed with an UpgradeLink code. Thrown anywhere on the client path and rendered in one
 * place ({@code HttpServer}, through {@code ClientCall.respondError}) as {@code {code,msg,traceId,docs,data:null}} with HTTP status code/1000.
 * The message is written for a person and never carries internal details.
 */
public final class ClientApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient UpgradeLinkCode code;
    private final String docs;

    public ClientApiException(UpgradeLinkCode code, String message) {
        this(code, message, "");
    }

    public ClientApiException(UpgradeLinkCode code, String message, String docs) {
        super(message, null, false, false);
        this.code = code;
        this.docs = docs;
    }

    public UpgradeLinkCode code() {
        return code;
    }

    public String docs() {
        return docs;
    }
}
