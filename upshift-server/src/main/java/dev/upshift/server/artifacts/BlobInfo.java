package dev.upshift.server.artifacts;

import java.time.Instant;

/** One blob as the store lists it: its hash, its size and when it was last written. */
public record BlobInfo(String sha256, long size, Instant lastModified) {
}
