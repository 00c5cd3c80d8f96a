package dev.upshift.server.protocol.upgradelink;

import dev.upshift.core.kind.AppKind;
import dev.upshift.core.protocol.UpgradeLinkCode;
import dev.upshift.core.rollout.Channels;
import dev.upshift.core.rollout.ClientVersion;
import dev.upshift.core.rollout.Decision;
import dev.upshift.core.rollout.Strategy;
import dev.upshift.server.catalog.App;
import dev.upshift.server.catalog.CatalogSnapshot;
import dev.upshift.server.catalog.CatalogStore;
import dev.upshift.server.catalog.DeviceKeys;
import dev.upshift.server.catalog.Version;
import dev.upshift.server.catalog.VersionFile;
import dev.upshift.server.catalog.VersionPatch;
import dev.upshift.server.http.Json;
import dev.upshift.server.rollout.UpdateChecks;
import dev.upshift.server.http.ClientRouter;
import dev.upshift.server.http.ClientExchange;
import java.io.IOException;
import java.time.Instant;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code POST /v1/{url,file,apk,configuration,win,mac,lnx}/upgrade}: "is there a newer version for me?", signed.
 *
 * <p>Request: {@code <kind>Key}, {@code versionCode} (positive), optional {@code appointVersionCode},
 * {@code devModelKey}, {@code devKey}; win/mac/lnx also {@code arch} (as in UpgradeLink, a missing arch matches no
 * version, so the answer is "already latest"); apk also {@code patchAlgo}. Upshift also reads an optional
 * {@code channel}.
 *
 * <p>Answers: an offer is code 200 with the kind's {@code data}; nothing to offer is code 0 with the same
 * {@code data} object, every field zero-valued ({@code ""}, {@code 0}, {@code null} content), because deployed
 * SDKs deserialise that shape; an exhausted hard flow limit is 429001 with {@code Retry-After}.
 */
public final class UpgradeEndpoint {
    static final String LATEST_MSG = "Already latest version";
    static final String LATEST_DOCS = "It's already the latest version and no upgrade is required";
    static final String OFFER_MSG = "New version obtained";
    private static final List<AppKind> KINDS = List.of(AppKind.URL, AppKind.FILE, AppKind.APK, AppKind.CONFIGURATION,
            AppKind.WIN, AppKind.MAC, AppKind.LNX);
    private static final int MAX_RENDERED_OFFERS = 10_000;

    private final CatalogStore catalog;
    private final ClientCall calls;
    private final UpdateChecks checks;
    private final DownloadLinks links;
    /** Per kind, "already latest": the same bytes for every app and device, but for the trace id. */
    private final Map<AppKind, ClientCall.FixedAnswer> latest = new EnumMap<>(AppKind.class);
    /** Offers rendered for the current catalog snapshot; a new snapshot starts an empty set. */
    private volatile RenderedOffers offers = new RenderedOffers(null, "");

    public UpgradeEndpoint(CatalogStore catalog, ClientCall calls, UpdateChecks checks, DownloadLinks links) {
        this.catalog = catalog;
        this.calls = calls;
        this.checks = checks;
        this.links = links;
        for (AppKind kind : KINDS) {
            latest.put(kind, new ClientCall.FixedAnswer(UpgradeLinkCode.OK, LATEST_MSG, LATEST_DOCS,
                    data(kind, null, null, null, 0, null)));
        }
    }

    public void register(ClientRouter r) {
        for (AppKind kind : KINDS) {
            r.post("/v1/" + kind.wireName() + "/upgrade", calls.threading(), exchange -> handle(kind, exchange));
        }
    }

    private void handle(AppKind kind, ClientExchange exchange) {
        ClientCall.Signed call = calls.authenticate(exchange, catalog.current());
        ClientRequest body = call.body();
        String appKey = body.requiredString(kind.keyField());
        long code = body.requiredPositiveLong("versionCode");
        long appointed = body.optionalNonNegativeLong("appointVersionCode");
        // As in UpgradeLink, a desktop check without arch matches no version (every desktop version has one), so
        // the answer is "already latest"; the check is still recorded.
        String arch = kind.hasArch() && body.optionalString("arch") != null ? body.optionalString("arch") : "";
        if (!arch.isEmpty() && !kind.arches().contains(arch)) {
            throw new ClientApiException(UpgradeLinkCode.INVALID_PARAMETER,
                    "Parameter arch must be one of " + String.join(", ", kind.arches()) + "; got '" + arch + "'");
        }
        long patchAlgo = kind == AppKind.APK ? body.optionalNonNegativeLong("patchAlgo") : 0;
        String channel = channel(body.optionalString("channel"));
        App app = ClientCall.ownedApp(call, kind, appKey);

        UpdateChecks.Outcome outcome = checks.check(call.catalog(), app, new UpdateChecks.Request(
                ClientVersion.ofCode(code), appointed > 0 ? ClientVersion.ofCode(appointed) : null, "", arch, channel,
                deviceKey(body.optionalString("devKey"), exchange), deviceModel(body.optionalString("devModelKey"))));
        UpgradeEndpoint.refuseIfFlowLimited(exchange, outcome);
        if (!outcome.isOffer()) {
            latest.get(kind).respond(exchange);
            return;
        }
        Strategy s = outcome.offer().strategy();
        Optional<VersionPatch> patch = patchAlgo > 0
                ? call.catalog().versionByCode(app.id(), "", "", code)
                .flatMap(installed -> call.catalog().patch(outcome.offered().id(), installed.id(), (int) patchAlgo))
                : Optional.empty();
        if (patch.isPresent()) {
            ClientCall.respond(exchange, UpgradeLinkCode.FOUND, OFFER_MSG, "",
                    data(kind, app, outcome.offered(), s, patchAlgo, patch.get()));
            return;
        }
        respondOffer(exchange, call.catalog(), kind, app, outcome.offered(), s);
    }

    /**
     * The rendered offer of this version under this strategy. The key holds the snapshot's own immutable records,
     * compared by identity: whatever an operator changes arrives as a new snapshot with new records, so an answer
     * can never be stale, and the set is bounded by the snapshot's versions x strategies (and by a cap).
     */
    private void respondOffer(ClientExchange exchange, CatalogSnapshot snap, AppKind kind, App app, Version v, Strategy s) {
        RenderedOffers current = renderedOffers(snap);
        OfferKey key = new OfferKey(app, v, s);
        ClientCall.FixedAnswer answer = current == null ? null : current.answers().get(key);
        if (answer == null) {
            Map<String, Object> data = data(kind, app, v, s, 0, null);
            if (current == null || current.answers().size() >= MAX_RENDERED_OFFERS) {
                ClientCall.respond(exchange, UpgradeLinkCode.FOUND, OFFER_MSG, "", data);
                return;
            }
            answer = new ClientCall.FixedAnswer(UpgradeLinkCode.FOUND, OFFER_MSG, "", data);
            current.answers().putIfAbsent(key, answer);
        }
        answer.respond(exchange);
    }

    /**
     * The rendered offers of this snapshot and the current base URL, started empty when either changed; null for a
     * request still on a previous snapshot, which is answered without replacing the current set.
     */
    private RenderedOffers renderedOffers(CatalogSnapshot snap) {
        RenderedOffers current = offers;
        String base = links.base();
        if (current.snapshot() == snap && current.baseUrl().equals(base)) {
            return current;
        }
        if (snap != catalog.current()) {
            return null;
        }
        current = new RenderedOffers(snap, base);
        offers = current;
        return current;
    }

    /**
     * The offers rendered for one snapshot and one base URL of download links (which, with port 0, is known only
     * once the server has bound).
     */
    private record RenderedOffers(CatalogSnapshot snapshot, String baseUrl,
                                  ConcurrentHashMap<OfferKey, ClientCall.FixedAnswer> answers) {
        RenderedOffers(CatalogSnapshot snapshot, String baseUrl) {
            this(snapshot, baseUrl, new ConcurrentHashMap<>());
        }
    }

    /** (app, version, strategy) by identity: records' own equals would compare (and hash) every field per check. */
    private static final class OfferKey {
        private final App app;
        private final Version version;
        private final Strategy strategy;

        OfferKey(App app, Version version, Strategy strategy) {
            this.app = app;
            this.version = version;
            this.strategy = strategy;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof OfferKey k && k.app == app && k.version == version && k.strategy == strategy;
        }

        @Override
        public int hashCode() {
            return (System.identityHashCode(app) * 31 + System.identityHashCode(version)) * 31
                    + System.identityHashCode(strategy);
        }
    }

    /**
     * The device identity: {@code devKey} if the client sent one, else the {@code x-user-staging-id} header
     * (electron-updater sends a stable per-installation UUID with every request), else none.
     */
    static String deviceKey(String devKey, ClientExchange exchange) {
        if (devKey != null && !devKey.isEmpty()) {
            return checkedKey(devKey, "devKey");
        }
        String staging = exchange.header("x-user-staging-id");
        // An unusable staging id is ignored rather than refused: the client did not choose it.
        return staging == null || !isKey(staging) ? null : staging;
    }

    static String deviceModel(String model) {
        return model == null || model.isEmpty() ? null : checkedKey(model, "devModelKey");
    }

    /** The client's channel, checked like the admin API checks strategy channels; null when not given. */
    static String channel(String channel) {
        if (channel == null) {
            return null;
        }
        String c = Channels.normalize(channel);
        if (!Channels.isValid(c)) {
            throw new ClientApiException(UpgradeLinkCode.INVALID_PARAMETER,
                    "Parameter channel must be 1-32 characters of a-z, 0-9 and '-', e.g. stable or beta");
        }
        return c;
    }

    /** Device and model keys: 1-128 visible ASCII characters, as the admin API requires. */
    private static String checkedKey(String key, String field) {
        if (!isKey(key)) {
            throw new ClientApiException(UpgradeLinkCode.INVALID_PARAMETER,
                    "Parameter " + field + " must be 1-128 visible ASCII characters");
        }
        return key;
    }

    private static boolean isKey(String key) {
        return DeviceKeys.isValid(key);
    }

    /** A hard flow limit answers 429001 with {@code Retry-After}: the seconds until the rule's next bucket. */
    static void refuseIfFlowLimited(ClientExchange exchange, UpdateChecks.Outcome outcome) {
        if (outcome.decision() instanceof Decision.FlowLimited limited) {
            long length = limited.rule().dimension().length().getSeconds();
            long now = Instant.now().getEpochSecond();
            exchange.header("Retry-After", Long.toString(Math.max(1, length - Math.floorMod(now, length))));
            throw new ClientApiException(UpgradeLinkCode.FLOW_LIMITED,
                    "Too many update checks for this release right now; retry later");
        }
    }

    /**
     * The kind's data object; with {@code v == null}, every field zero-valued (the "already latest" shape, which
     * depends on nothing but the kind).
     */
    private Map<String, Object> data(AppKind kind, App app, Version v, Strategy s, long patchAlgo, VersionPatch patch) {
        Map<String, Object> d = new LinkedHashMap<>();
        boolean offer = v != null;
        Optional<VersionFile> file = offer ? v.primaryFile() : Optional.empty();
        d.put(kind.keyField(), offer ? app.key() : "");
        if (kind == AppKind.APK || kind.hasArch()) {
            d.put("packageName", offer ? app.packageName() : "");
        }
        d.put("versionName", offer ? v.name() : "");
        d.put("versionCode", offer ? v.code() : 0L);
        switch (kind) {
            case URL -> d.put("urlPath", offer ? v.urlPath() : "");
            case CONFIGURATION -> { }
            default -> {
                d.put("urlPath", file.map(f -> links.download(app, v, f.role())).orElse(""));
                d.put("urlFileSize", file.map(VersionFile::size).orElse(0L));
                if (kind != AppKind.FILE) {
                    d.put("urlFileMd5", file.map(VersionFile::md5).orElse(""));
                }
            }
        }
        if (kind == AppKind.APK) {
            d.put("patchAlgo", patch != null ? patchAlgo : 0L);
            d.put("patchUrlPath", patch != null ? links.patch(app, patch) : "");
            d.put("patchUrlFileSize", patch != null ? patch.file().size() : 0L);
            d.put("patchUrlFileMd5", patch != null ? patch.file().md5() : "");
        }
        d.put("upgradeType", offer ? s.upgradeType() : 0);
        d.put("promptUpgradeContent", offer ? s.promptText() : "");
        if (kind == AppKind.CONFIGURATION) {
            d.put("content", offer ? content(v) : null);
        }
        if (kind.hasArch()) {
            d.put("arch", offer ? v.arch() : "");
        }
        return d;
    }

    private static Object content(Version v) {
        try {
            return v.content() == null ? null : Json.MAPPER.readTree(v.content());
        } catch (IOException e) {
            throw new IllegalStateException("stored configuration content of version " + v.id() + " is not JSON", e);
        }
    }
}
