package dev.upshift.server.admin;

/**
 * An admin API request failed. Rendered in one place as {@code {"code","message","traceId"}} with the error's
 * HTTP status. Codes are stable strings that scripts may match on.
 */
public final class AdminApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient AdminError error;
    private long retryAfterSeconds;

    public enum AdminError {
        INVALID_REQUEST(400, "invalid_request"),
        UNAUTHORIZED(401, "unauthorized"),
        FORBIDDEN(403, "forbidden"),
        NOT_FOUND(404, "not_found"),
        CONFLICT(409, "conflict"),
        PAYLOAD_TOO_LARGE(413, "payload_too_large"),
        TOO_MANY_REQUESTS(429, "too_many_requests"),
        VERIFICATION_FAILED(422, "verification_failed"),
        INTERNAL(500, "internal_error"),
        UNAVAILABLE(503, "unavailable");

        private final int status;
        private final String code;

        AdminError(int status, String code) {
            this.status = status;
            this.code = code;
        }

        public int status() {
            return status;
        }

        public String code() {
            return code;
        }
    }

    public AdminApiException(AdminError error, String message) {
        super(message, null, false, false);
        this.error = error;
    }

    /** Adds a {@code Retry-After} to the answer (429 and 503). */
    public AdminApiException withRetryAfter(long seconds) {
        this.retryAfterSeconds = seconds;
        return this;
    }

    /** Seconds for a {@code Retry-After} header, or 0 for none. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    public AdminError error() {
        return error;
    }

    public static AdminApiException invalid(String message) {
        return new AdminApiException(AdminError.INVALID_REQUEST, message);
    }

    public static AdminApiException notFound(String message) {
        return new AdminApiException(AdminError.NOT_FOUND, message);
    }

    /** Uploaded bytes failed a check (declared hash, updater signature, APK signer); the message names the check. */
    public static AdminApiException verificationFailed(String message) {
        return new AdminApiException(AdminError.VERIFICATION_FAILED, message);
    }

    public static AdminApiException conflict(String message) {
        return new AdminApiException(AdminError.CONFLICT, message);
    }
}
