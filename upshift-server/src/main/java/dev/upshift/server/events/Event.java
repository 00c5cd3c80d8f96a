package dev.upshift.server.events;

/**
 * One row of the {@code events} table: a client report ({@code app_start}, {@code download}, {@code upgrade}) or a
 * server fact ({@code checked}, {@code offered}, {@code downloaded}). Empty strings, not nulls, for absent text;
 * null for an unknown target version or strategy.
 *
 * @param occurredAt    epoch ms: the client's timestamp for reports, server time for facts
 * @param receivedAt    epoch ms, server time; the day of the roll-ups is taken from it
 * @param clientEventId the client's id of a report (idempotency), or null
 */
public record Event(long tenantId, long appId, String type, long occurredAt, long receivedAt, String clientEventId,
                    long versionCode, long targetVersionCode, Long targetVersionId, Long strategyId, long resultCode,
                    String deviceKey, String deviceModel, String platform, String arch) {
    public static final String CHECKED = "checked";
    public static final String OFFERED = "offered";
    public static final String DOWNLOADED = "downloaded";
    public static final String APP_START = "app_start";
    public static final String DOWNLOAD = "download";
    public static final String UPGRADE = "upgrade";

    public Event {
        deviceKey = deviceKey == null ? "" : deviceKey;
        deviceModel = deviceModel == null ? "" : deviceModel;
        platform = platform == null ? "" : platform;
        arch = arch == null ? "" : arch;
    }

    /** A server fact: no client event id, no result code, occurred when received. */
    public static Event fact(long tenantId, long appId, String type, long at, long versionCode, long targetVersionCode,
                             Long targetVersionId, Long strategyId, String deviceKey, String deviceModel,
                             String platform, String arch) {
        return new Event(tenantId, appId, type, at, at, null, versionCode, targetVersionCode, targetVersionId,
                strategyId, 0, deviceKey, deviceModel, platform, arch);
    }

    public boolean isReport() {
        return type.equals(APP_START) || type.equals(DOWNLOAD) || type.equals(UPGRADE);
    }
}
