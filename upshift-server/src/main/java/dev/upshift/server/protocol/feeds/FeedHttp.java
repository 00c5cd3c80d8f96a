package dev.upshift.server.protocol.feeds;

import dev.upshift.core.kind.AppKind;
import dev.upshift.core.protocol.UpgradeLinkCode;
import dev.upshift.server.catalog.App;
import dev.upshift.server.catalog.CatalogSnapshot;
import dev.upshift.server.protocol.upgradelink.ClientApiException;
import io.javalin.http.Context;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The shared front and back halves of the static feeds: find the app by the key in the path (public: native
 * updaters cannot sign), check the channel, and send a rendered body with {@code Cache-Control: no-cache}, a strong
 * {@code ETag} over the bytes, {@code If-None-Match} → 304, and HEAD without a body.
 */
final class FeedHttp {
    private FeedHttp() {
    }

    /** The app with this key if it is one of {@code kinds}; 404001 otherwise. */
    static App app(CatalogSnapshot snap, String appKey, String feed, List<AppKind> kinds) {
        App app = snap.app(appKey).orElseThrow(() ->
                new ClientApiException(UpgradeLinkCode.NOT_FOUND, "No app with key '" + appKey + "'"));
        if (!kinds.contains(app.kind())) {
            throw new ClientApiException(UpgradeLinkCode.NOT_FOUND, "App '" + appKey + "' is a " + app.kind().wireName()
                    + " app; the " + feed + " feed serves " + kinds.stream().map(AppKind::wireName)
                    .collect(Collectors.joining(" and ")) + " apps");
        }
        return app;
    }

    /** The channel named in the path, normalised ({@code latest} = stable); 404001 for a channel the app lacks. */
    static String channel(CatalogSnapshot snap, App app, String channel) {
        if (!ChannelReleases.known(snap, app, channel)) {
            throw new ClientApiException(UpgradeLinkCode.NOT_FOUND, "App '" + app.key() + "' has no channel '" + channel
                    + "'; channels are stable (or latest), rc, beta, alpha and those its strategies name");
        }
        return dev.upshift.core.rollout.Channels.normalize(channel);
    }

    /** Sends {@code body} with caching headers; 304 when the client's {@code If-None-Match} names it. */
    static void send(Context ctx, boolean head, String contentType, byte[] body) {
        String etag = "\"" + HexFormat.of().formatHex(sha256(body), 0, 16) + "\"";
        ctx.header("Cache-Control", "no-cache");
        ctx.header("ETag", etag);
        ctx.header("X-Content-Type-Options", "nosniff");
        String inm = ctx.header("If-None-Match");
        if (inm != null && matches(inm, etag)) {
            ctx.status(304);
            return;
        }
        ctx.status(200).contentType(contentType);
        ctx.res().setContentLengthLong(body.length);
        if (!head) {
            ctx.result(body);
        }
    }

    /** 204 No Content (Tauri and Squirrel.Mac read it as "no update"), still uncacheable. */
    static void noContent(Context ctx) {
        ctx.header("Cache-Control", "no-cache");
        ctx.status(204);
    }

    private static boolean matches(String header, String etag) {
        for (String part : header.split(",")) {
            String t = part.trim();
            if (t.startsWith("W/")) {
                t = t.substring(2);
            }
            if (t.equals(etag) || t.equals("*")) {
                return true;
            }
        }
        return false;
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
