package dev.upshift.core.protocol;

/**
 * UpgradeLink's result codes. The HTTP status of a response is always {@code code / 1000} (200 and 0 are sent
 * with HTTP 200). The codes and their default texts are a contract with deployed SDKs: never renumber one.
 * {@link #PAYLOAD_TOO_LARGE} and {@link #UNAVAILABLE} are Upshift additions that follow the same rule.
 */
public enum UpgradeLinkCode {
    OK(0, "Already latest version"),
    FOUND(200, "Version details found"),
    NO_CONTENT(204001, "No content"),
    ILLEGAL_REQUEST(400001, "Illegal request"),
    MISSING_PARAMETER(400002, "Parameter missing"),
    INVALID_PARAMETER(400003, "Parameter invalid"),
    INVALID_HEADER(400004, "Header invalid"),
    INVALID_BODY(400005, "Body invalid"),
    AUTH_FAILED(401001, "Authentication failed"),
    SIGNATURE_INVALID(401002, "Signature verification failed"),
    NOT_FOUND(404001, "No available version found"),
    RECORD_NOT_FOUND(404002, "Record not found"),
    HANDLER_NOT_FOUND(404003, "Processing method not found"),
    REQUEST_NOT_FOUND(404004, "Request not found"),
    PAYLOAD_TOO_LARGE(413001, "Request body too large"),
    FLOW_LIMITED(429001, "Strategy flow-control limit reached"),
    INTERNAL(500001, "Server internal error"),
    DATA_CHECK(500002, "Server internal data validation failed"),
    UNAVAILABLE(503001, "Service temporarily unavailable");

    private final int code;
    private final String defaultMessage;

    UpgradeLinkCode(int code, String defaultMessage) {
        this.code = code;
        this.defaultMessage = defaultMessage;
    }

    public int code() {
        return code;
    }

    public String defaultMessage() {
        return defaultMessage;
    }

    /** HTTP status for this code: {@code code / 1000}, with 0 and 200 both answered as HTTP 200. */
    public int httpStatus() {
        return code < 1000 ? 200 : code / 1000;
    }
}
