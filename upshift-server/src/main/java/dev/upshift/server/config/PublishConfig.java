package dev.upshift.server.config;

import java.util.List;

/**
 * Where publishing may fetch release files that a build manifest names by URL instead of uploading them.
 *
 * @param fetchHosts        host names (exact, lower case) the server may download from; empty: never fetch
 * @param fetchAllowPrivate also fetch from private, loopback and link-local addresses, and over plain http
 *                          (an internal artifact server); off by default so a manifest cannot reach the intranet
 */
public record PublishConfig(List<String> fetchHosts, boolean fetchAllowPrivate) {
    public PublishConfig {
        fetchHosts = List.copyOf(fetchHosts);
    }

    public static PublishConfig none() {
        return new PublishConfig(List.of(), false);
    }
}
