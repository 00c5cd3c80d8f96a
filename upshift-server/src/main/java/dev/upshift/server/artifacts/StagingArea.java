package dev.upshift.server.artifacts;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * The private directory ({@code <data-dir>/artifacts/tmp}) where uploads land while they are received and hashed,
 * before a store makes them visible. Every store stages here, so the size cap, the hashing and the clean-up of
 * abandoned files work the same for the local and the S3 store.
 */
final class StagingArea {
    private final Path dir;

    StagingArea(Path dir) throws IOException {
        this.dir = dir;
        Files.createDirectories(dir);
    }

    Path dir() {
        return dir;
    }

    /** A received upload: its temporary file (fsynced) and its digests. */
    record Received(Path file, StoredBlob blob) {
    }

    /**
     * Streams {@code in} into a new temporary file while hashing it, then fsyncs the file.
     *
     * @throws ArtifactTooLargeException past {@code maxBytes} (the file is deleted)
     */
    Received receive(InputStream in, long maxBytes) throws IOException {
        Path temp = Files.createTempFile(dir, "upload-", ".part");
        boolean ok = false;
        try {
            BlobDigests digests = new BlobDigests();
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE);
                 OutputStream out = Channels.newOutputStream(ch)) {
                byte[] buf = new byte[BlobDigests.BUFFER];
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (n == 0) {
                        continue;
                    }
                    if (digests.size() + n > maxBytes) {
                        throw new ArtifactTooLargeException(maxBytes);
                    }
                    digests.update(buf, 0, n);
                    out.write(buf, 0, n);
                }
                out.flush();
                ch.force(true);
            }
            ok = true;
            return new Received(temp, digests.finish());
        } finally {
            if (!ok) {
                Files.deleteIfExists(temp);
            }
        }
    }

    /** Deletes every staged file: at server start, when no upload can be in flight. */
    void clear() throws IOException {
        deleteOlderThan(Instant.MAX, false);
    }

    /** Deletes (or with {@code dryRun} only counts) staged files last modified before {@code cutoff}. */
    int deleteOlderThan(Instant cutoff, boolean dryRun) throws IOException {
        int deleted = 0;
        try (var files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                try {
                    if (Files.getLastModifiedTime(p).toInstant().isBefore(cutoff)
                            && (dryRun || Files.deleteIfExists(p))) {
                        deleted++;
                    }
                } catch (NoSuchFileException gone) {
                    // committed or discarded meanwhile
                }
            }
        }
        return deleted;
    }
}
