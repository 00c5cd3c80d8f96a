package dev.upshift.server.artifacts;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Where artifact bytes live, addressed by their SHA-256. Implementations make a blob visible only once it is
 * complete and durable, so a database row that names a blob never points at a partial file. Blobs are immutable:
 * the name is the hash of the bytes.
 *
 * <p>Two implementations: {@link LocalArtifactStore} (files under the data directory, served by Upshift itself) and
 * {@link S3ArtifactStore} (an S3-compatible bucket; downloads are redirected to it).
 */
public interface ArtifactStore {

    /**
     * Streams {@code in} into the store, computing size, MD5, SHA-1, SHA-256 and SHA-512 on the way. Identical
     * content is stored once.
     *
     * @throws ArtifactTooLargeException if more than {@code maxBytes} arrive (nothing is kept)
     * @throws IOException               if reading the request or writing the store fails (nothing is kept)
     */
    default StoredBlob store(InputStream in, long maxBytes) throws IOException {
        try (Staged staged = stage(in, maxBytes)) {
            staged.commit();
            return staged.blob();
        }
    }

    /**
     * Streams and hashes {@code in} into a private temporary place without making it visible. The caller checks
     * the hashes, then {@link Staged#commit() commits} or lets {@link Staged#close()} discard it, so refused uploads
     * leave nothing behind.
     *
     * @throws ArtifactTooLargeException if more than {@code maxBytes} arrive (nothing is kept)
     * @throws IOException               if reading the request or writing the store fails (nothing is kept)
     */
    Staged stage(InputStream in, long maxBytes) throws IOException;

    /** Received, hashed bytes that are not yet part of the store. */
    interface Staged extends AutoCloseable {
        StoredBlob blob();

        /** Reads the staged bytes back, for checks that need the whole file (signatures, APK certificates). */
        InputStream open() throws IOException;

        /**
         * Makes the blob visible under its hash (durably); a blob already present is kept as it is, but counts as
         * freshly written for garbage collection (see {@link ArtifactGarbageCollector}).
         */
        void commit() throws IOException;

        /** Discards the bytes unless they were committed. */
        @Override
        void close() throws IOException;
    }

    /**
     * A committed blob presented as staged bytes, so files uploaded ahead of a release manifest go through the same
     * attach pipeline as direct uploads. Committing it again does nothing; closing it deletes nothing.
     */
    default Staged alreadyStored(StoredBlob blob) {
        ArtifactStore store = this;
        return new Staged() {
            @Override
            public StoredBlob blob() {
                return blob;
            }

            @Override
            public InputStream open() throws IOException {
                return store.open(blob.sha256());
            }

            @Override
            public void commit() {
            }

            @Override
            public void close() {
            }
        };
    }

    /** The file holding a blob, for stores on the local file system (served by Upshift itself). */
    Optional<Path> localPath(String sha256);

    /**
     * Where a client should fetch the blob instead of from Upshift (a presigned or CDN URL), or empty to serve it
     * locally. {@code fileName} and {@code mediaType} become the response's Content-Disposition and Content-Type
     * where the store can set them.
     */
    default Optional<URI> redirectUrl(String sha256, String fileName, String mediaType) {
        return Optional.empty();
    }

    /** Whether the blob is stored. */
    boolean exists(String sha256) throws IOException;

    /**
     * The blob's bytes, streamed.
     *
     * @throws java.nio.file.NoSuchFileException if the blob is not stored
     */
    InputStream open(String sha256) throws IOException;

    /** Removes a blob; no error if it is absent. Only garbage collection calls this. */
    void delete(String sha256) throws IOException;

    /** Every stored blob. The caller closes the stream. */
    Stream<BlobInfo> list() throws IOException;

    /**
     * Deletes staged uploads last modified before {@code cutoff} (abandoned by a crash); with {@code dryRun} only
     * counts them. Returns how many.
     */
    int deleteStagedOlderThan(Instant cutoff, boolean dryRun) throws IOException;

    /** For messages: {@code local /srv/upshift/data/artifacts} or {@code s3://bucket}. */
    String describe();

    /** The object key or relative path of a blob: {@code sha256/ab/cd/abcd...}. */
    static String key(String sha256) {
        if (sha256.length() != 64 || !sha256.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            throw new IllegalArgumentException("not a sha256: " + sha256);
        }
        return "sha256/" + sha256.substring(0, 2) + "/" + sha256.substring(2, 4) + "/" + sha256;
    }

    /** Whether a key's last segment is a well-formed content address. */
    static boolean isSha256(String name) {
        return name.length() == 64 && name.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    }
}
