package dev.upshift.server.publish;

import dev.upshift.server.admin.AdminApiException;
import dev.upshift.server.artifacts.ArtifactStore;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Downloads release files that a manifest names by URL, for CI that publishes a manifest pointing at a GitHub
 * release instead of uploading the bytes. Nothing is fetched blindly: the host must be listed in
 * {@code publish-fetch-hosts}, the scheme must be https (http only with private addresses allowed), every
 * address the name resolves to must be public unless {@code publish-fetch-allow-private} is set, redirects are
 * followed by hand (at most 5) with the same checks at each hop, and the body is capped like an upload.
 *
 * <p>Known gap: the name is resolved for the check and again by the HTTP client, so a DNS answer that changes in
 * between (rebinding) could reach a private address. Listing only hosts you trust is the real control.
 */
public final class RemoteFetcher {
    private static final int MAX_REDIRECTS = 5;

    private final Set<String> allowedHosts;
    private final boolean allowPrivate;
    /** Built at the first fetch: most installations never fetch, and a client costs start-up time (TLS context). */
    private HttpClient http;

    public RemoteFetcher(List<String> allowedHosts, boolean allowPrivate) {
        this.allowedHosts = Set.copyOf(allowedHosts.stream().map(h -> h.toLowerCase(Locale.ROOT)).toList());
        this.allowPrivate = allowPrivate;
    }

    private synchronized HttpClient http() {
        if (http == null) {
            http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                    .connectTimeout(Duration.ofSeconds(10)).build();
        }
        return http;
    }

    /** True when {@code url} names a host this server may fetch from (addresses are checked when fetching). */
    public boolean mayFetch(String url) {
        try {
            URI u = new URI(url);
            return u.getHost() != null && allowedHosts.contains(u.getHost().toLowerCase(Locale.ROOT));
        } catch (URISyntaxException e) {
            return false;
        }
    }

    /** Streams {@code url} into the store's staging area. */
    public ArtifactStore.Staged fetch(String url, ArtifactStore store, long maxBytes) throws IOException {
        URI uri = checked(url);
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpRequest req = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(10))
                    .header("User-Agent", "upshift-publisher").header("Accept", "application/octet-stream").GET().build();
            HttpResponse<InputStream> res;
            try {
                res = http().send(req, HttpResponse.BodyHandlers.ofInputStream());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while fetching " + url, e);
            }
            int status = res.statusCode();
            if (status >= 300 && status < 400 && res.headers().firstValue("Location").isPresent()) {
                res.body().close();
                uri = checked(uri.resolve(res.headers().firstValue("Location").get()).toString());
                continue;
            }
            if (status != 200) {
                res.body().close();
                throw AdminApiException.invalid("Fetching " + url + " answered HTTP " + status + "; upload the file "
                        + "instead, or fix the URL in the manifest.");
            }
            try (InputStream in = res.body()) {
                return store.stage(in, maxBytes);
            }
        }
        throw AdminApiException.invalid("Fetching " + url + " was redirected more than " + MAX_REDIRECTS + " times.");
    }

    private URI checked(String url) {
        URI u;
        try {
            u = new URI(url);
        } catch (URISyntaxException e) {
            throw AdminApiException.invalid("The manifest names an invalid URL: " + url);
        }
        String host = u.getHost() == null ? "" : u.getHost().toLowerCase(Locale.ROOT);
        if (!allowedHosts.contains(host)) {
            throw AdminApiException.invalid("Host '" + host + "' is not in publish-fetch-hosts, so " + url + " is not "
                    + "fetched; upload the file with the manifest, or allow the host.");
        }
        boolean https = "https".equals(u.getScheme());
        if (!https && !("http".equals(u.getScheme()) && allowPrivate)) {
            throw AdminApiException.invalid("Only https URLs are fetched; got " + url + ".");
        }
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            throw AdminApiException.invalid("Host '" + host + "' of " + url + " does not resolve.");
        }
        for (InetAddress a : addresses) {
            if (!allowPrivate && isPrivate(a)) {
                throw AdminApiException.invalid("Host '" + host + "' resolves to the private address "
                        + a.getHostAddress() + "; private addresses are never fetched (set "
                        + "publish-fetch-allow-private for an internal artifact server).");
            }
        }
        return u;
    }

    static boolean isPrivate(InetAddress a) {
        if (a.isAnyLocalAddress() || a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress()
                || a.isMulticastAddress()) {
            return true;
        }
        byte[] b = a.getAddress();
        if (b.length == 4) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            // 100.64/10 carrier-grade NAT and 0/8 are not covered by the JDK predicates.
            return first == 0 || (first == 100 && second >= 64 && second < 128);
        }
        // fc00::/7 unique local addresses.
        return (b[0] & 0xfe) == 0xfc;
    }
}
