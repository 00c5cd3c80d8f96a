package dev.upshift.server.artifacts;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where artifact bytes live, addressed by their SHA-256. Implementations make a blob visible only once it is
 * complete and durable, so a database row that names a blob never points at a partial file.
 */
public interface ArtifactStore {

    /**
     * Streams {@code in} into the store, computing size, MD5, SHA-256 and SHA-512 on the way. Identical content
     * is stored once.
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

        /** Makes the blob visible under its hash (durably); a blob already present is kept as it is. */
        void commit() throws IOException;

        /** Discards the bytes unless they were committed. */
        @Override
        void close() throws IOException;
    }

    /** The file holding a blob, for stores on the local file system. */
    Optional<Path> localPath(String sha256);

    /** Reads a committed blob. */
    default InputStream open(String sha256) throws IOException {
        Path p = localPath(sha256).orElseThrow(() -> new java.io.FileNotFoundException("blob " + sha256 + " is missing"));
        return java.nio.file.Files.newInputStream(p);
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
}
