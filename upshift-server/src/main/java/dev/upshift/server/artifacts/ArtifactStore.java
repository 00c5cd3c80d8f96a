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
    StoredBlob store(InputStream in, long maxBytes) throws IOException;

    /** The file holding a blob, for stores on the local file system. */
    Optional<Path> localPath(String sha256);
}
