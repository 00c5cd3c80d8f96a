package dev.upshift.server.protocol.upgradelink;

import dev.upshift.core.kind.AppKind;
import dev.upshift.core.protocol.Rfc3339;
import dev.upshift.core.protocol.UpgradeLinkCode;
import dev.upshift.server.catalog.App;
import dev.upshift.server.catalog.CatalogSnapshot;
import dev.upshift.server.catalog.CatalogStore;
import dev.upshift.server.catalog.Version;
import dev.upshift.server.events.Event;
import dev.upshift.server.events.EventQueue;
import dev.upshift.server.http.ClientRouter;
import dev.upshift.server.http.ClientExchange;
import java.time.Clock;
import java.time.format.DateTimeParseException;
import java.util.Map;

/**
 * {@code POST /v1/app/report}: a client event, signed like every client call, answered only once it is stored.
 *
 * <p>Request: {@code eventType} ({@code app_start}, {@code app_upgrade_download}, {@code app_upgrade_upgrade}),
 * {@code appKey} (of any kind), {@code timestamp} (RFC 3339), {@code eventData} with {@code versionCode},
 * {@code devModelKey}, {@code devKey}, {@code target}, {@code arch}, {@code launchTime} (RFC 3339, app_start),
 * {@code downloadVersionCode}, {@code upgradeVersionCode} and {@code code} (0 = success). The Java SDK 1.3.0 puts
 * {@code versionCode}, {@code devKey} and {@code devModelKey} at the top level; they are read from there when
 * {@code eventData} lacks them. An optional {@code eventId} (top level or in {@code eventData}, 1-64 visible
 * ASCII characters) makes the report idempotent: a second report with the same id for the app is answered 0 and
 * not counted again.
 *
 * <p>Answers: {@code {code:0, msg, traceId, docs:"", data:""}} once the report is committed; 400002/400003 for a
 * missing or invalid field (an unknown event type, a bad timestamp, app_start without launchTime); 404001 for an
 * unknown app key; 401001 when the app belongs to another tenant; 503001 with {@code Retry-After} when the event
 * queue is full or the database does not commit in time.
 */
public final class ReportEndpoint {
    /** UpgradeLink's text for an accepted report, kept as is: the wire contract of the original server. */
    static final String OK_MSG = "上报成功";
    private static final ClientCall.FixedAnswer STORED = new ClientCall.FixedAnswer(UpgradeLinkCode.OK, OK_MSG, "", "");
    private static final Map<String, String> TYPES = Map.of(
            "app_start", Event.APP_START,
            "app_upgrade_download", Event.DOWNLOAD,
            "app_upgrade_upgrade", Event.UPGRADE);

    private final CatalogStore catalog;
    private final ClientCall calls;
    private final EventQueue events;
    private final Clock clock;

    public ReportEndpoint(CatalogStore catalog, ClientCall calls, EventQueue events, Clock clock) {
        this.catalog = catalog;
        this.calls = calls;
        this.events = events;
        this.clock = clock;
    }

    public void register(ClientRouter r) {
        // A report is answered once it is stored: with PostgreSQL after a commit (a pool thread waits for it), with
        // SQLite once its record is in the report journal, which does not wait (the selector thread may write it).
        ClientRouter.Threading threading = events.reportWaits() ? ClientRouter.Threading.POOL : calls.threading();
        r.post("/v1/app/report", threading, this::handle);
    }

    private void handle(ClientExchange exchange) {
        ClientCall.Signed call = calls.authenticate(exchange, catalog.current());
        ClientRequest body = call.body();
        String wireType = body.requiredString("eventType");
        String type = TYPES.get(wireType);
        if (type == null) {
            throw new ClientApiException(UpgradeLinkCode.INVALID_PARAMETER, "Parameter eventType must be one of "
                    + "app_start, app_upgrade_download, app_upgrade_upgrade; got '" + wireType + "'");
        }
        String appKey = body.requiredString("appKey");
        long occurredAt = rfc3339(body, "timestamp");
        ClientRequest data = body.object("eventData");
        // The documented shape has these in eventData; Java SDK 1.3.0 sends them at the top level.
        ClientRequest versionSource = data.has("versionCode") ? data : body;
        long versionCode = versionSource.optionalNonNegativeLong("versionCode");
        String devKey = UpgradeEndpoint.deviceKey((data.has("devKey") ? data : body).optionalString("devKey"), exchange);
        String devModel = UpgradeEndpoint.deviceModel((data.has("devModelKey") ? data : body).optionalString("devModelKey"));
        String target = shortText(data, "target");
        String arch = shortText(data, "arch");
        if (type.equals(Event.APP_START)) {
            rfc3339(data, "launchTime");
        }
        long targetCode = switch (type) {
            case Event.DOWNLOAD -> data.optionalNonNegativeLong("downloadVersionCode");
            case Event.UPGRADE -> data.optionalNonNegativeLong("upgradeVersionCode");
            default -> 0;
        };
        long resultCode = data.optionalLong("code");
        String eventId = eventId(data.has("eventId") ? data : body);

        CatalogSnapshot snap = call.catalog();
        App app = ownedApp(snap, call.key().tenantId(), appKey);
        Long targetId = targetCode > 0 ? target(snap, app, target, arch, targetCode) : null;
        Long strategyId = events.offers().strategyOf(snap, app.id(), devKey, targetId);
        Event event = new Event(app.tenantId(), app.id(), type, occurredAt, clock.millis(), eventId, versionCode,
                targetCode, targetId, strategyId, resultCode, devKey, devModel, target, arch);
        try {
            events.report(event);
        } catch (EventQueue.UnavailableException e) {
            exchange.header("Retry-After", Integer.toString(e.retryAfterSeconds()));
            throw new ClientApiException(UpgradeLinkCode.UNAVAILABLE,
                    "The report could not be stored right now; retry later with the same eventId");
        }
        STORED.respond(exchange);
    }

    /** The app of any kind with this key, owned by the caller's tenant; 404001 or 401001 otherwise. */
    static App ownedApp(CatalogSnapshot snap, long tenantId, String appKey) {
        App app = snap.app(appKey).orElseThrow(() -> new ClientApiException(UpgradeLinkCode.NOT_FOUND,
                "No app with appKey '" + appKey + "'",
                "Check the app key in the client configuration against the app in the console."));
        if (app.tenantId() != tenantId) {
            throw new ClientApiException(UpgradeLinkCode.AUTH_FAILED,
                    "X-AccessKey does not belong to the tenant that owns this app; use an access key of the app's tenant");
        }
        return app;
    }

    /** The catalog id of the version the report names, by the app kind's own platform and arch rules. */
    private static Long target(CatalogSnapshot snap, App app, String target, String arch, long code) {
        AppKind kind = app.kind();
        String platform = kind.platformField() == AppKind.PlatformField.NONE ? "" : kind.normalizePlatform(target);
        return snap.versionByCode(app.id(), platform, kind.hasArch() ? arch : "", code).map(Version::id).orElse(null);
    }

    private static long rfc3339(ClientRequest r, String field) {
        String text = r.has(field) ? r.optionalString(field) : null;
        if (text == null) {
            throw new ClientApiException(UpgradeLinkCode.INVALID_PARAMETER,
                    "Parameter " + field + " is required: an RFC 3339 time such as 2025-02-17T10:34:55+08:00");
        }
        try {
            return Rfc3339.parse(text).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw new ClientApiException(UpgradeLinkCode.INVALID_PARAMETER, "Parameter " + field
                    + " must be an RFC 3339 time with an offset, such as 2025-02-17T10:34:55+08:00; got '" + text + "'");
        }
    }

    /** Platform and arch: free text (any kind may report), at most 32 characters as stored. */
    private static String shortText(ClientRequest r, String field) {
        String s = r.optionalString(field);
        if (s != null && s.length() > 32) {
            throw new ClientApiException(UpgradeLinkCode.INVALID_PARAMETER,
                    "Parameter " + field + " must be at most 32 characters");
        }
        return s == null ? "" : s;
    }

    private static String eventId(ClientRequest r) {
        String id = r.optionalString("eventId");
        if (id != null && (id.length() > 64 || !id.chars().allMatch(c -> c > 0x20 && c < 0x7f))) {
            throw new ClientApiException(UpgradeLinkCode.INVALID_PARAMETER,
                    "Parameter eventId must be 1-64 visible ASCII characters");
        }
        return id;
    }
}
