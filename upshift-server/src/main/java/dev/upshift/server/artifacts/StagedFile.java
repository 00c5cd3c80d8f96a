package dev.upshift.server.artifacts;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Received bytes waiting in the {@link StagingArea} as a temporary file: what every store's staged upload shares.
 * Stores differ only in how {@link #commit()} makes the blob visible; closing deletes the temporary file (a no-op
 * when a commit moved it).
 */
abstract class StagedFile implements ArtifactStore.Staged {
    final Path temp;
    private final StoredBlob blob;

    StagedFile(StagingArea.Received received) {
        this.temp = received.file();
        this.blob = received.blob();
    }

    @Override
    public StoredBlob blob() {
        return blob;
    }

    @Override
    public InputStream open() throws IOException {
        return Files.newInputStream(temp);
    }

    @Override
    public void close() throws IOException {
        Files.deleteIfExists(temp);
    }
}
