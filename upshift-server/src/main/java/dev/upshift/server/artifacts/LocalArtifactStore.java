package dev.upshift.server.artifacts;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Content-addressed blobs on the local file system: {@code <root>/sha256/ab/cd/abcd...}.
 *
 * <p>Write protocol: stream into {@code <root>/tmp/<random>} while hashing; {@code fsync} the file; let the caller
 * check the hashes (a refused upload is deleted from {@code tmp/}); rename it atomically to its content address;
 * {@code fsync} the directory. A crash at any point leaves either nothing
 * visible or a complete blob, plus at worst an orphan in {@code tmp/} that start-up removes. Blobs are never
 * modified after the rename (the name is the hash of the bytes).
 */
public final class LocalArtifactStore implements ArtifactStore {
    private final Path root;
    private final StagingArea staging;

    /** Opens the store for a starting server: staged files left by a crash are removed. */
    public LocalArtifactStore(Path root) throws IOException {
        this(root, true);
    }

    private LocalArtifactStore(Path root, boolean clearStaging) throws IOException {
        this.root = root;
        this.staging = new StagingArea(root.resolve("tmp"));
        if (clearStaging) {
            staging.clear();
        }
    }

    /**
     * Opens the store for maintenance ({@code upshift artifacts gc|verify}) while a server may be running: staged
     * files are left alone, since they may be uploads in flight.
     */
    public static LocalArtifactStore forMaintenance(Path root) throws IOException {
        return new LocalArtifactStore(root, false);
    }

    @Override
    public Staged stage(InputStream in, long maxBytes) throws IOException {
        return new LocalStaged(staging.receive(in, maxBytes));
    }

    private final class LocalStaged extends StagedFile {
        LocalStaged(StagingArea.Received received) {
            super(received);
        }

        @Override
        public void commit() throws IOException {
            StoredBlob blob = blob();
            Path target = pathOf(blob.sha256());
            if (Files.exists(target) && Files.size(target) == blob.size()) {
                // Identical bytes already stored; the temp copy is discarded on close. Touch the blob so garbage
                // collection sees it as young until the caller's row refers to it.
                Files.setLastModifiedTime(target, FileTime.from(Instant.now()));
                return;
            }
            Files.createDirectories(target.getParent());
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException e) {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the artifacts directory must be on one file system that supports atomic "
                        + "rename: " + root, e);
            }
            fsyncDirectory(target.getParent());
        }
    }

    @Override
    public Optional<Path> localPath(String sha256) {
        Path p = pathOf(sha256);
        return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }

    @Override
    public boolean exists(String sha256) {
        return Files.isRegularFile(pathOf(sha256));
    }

    @Override
    public InputStream open(String sha256) throws IOException {
        return Files.newInputStream(pathOf(sha256));
    }

    @Override
    public void delete(String sha256) throws IOException {
        Files.deleteIfExists(pathOf(sha256));
    }

    @Override
    public Stream<BlobInfo> list() throws IOException {
        Path base = root.resolve("sha256");
        if (!Files.isDirectory(base)) {
            return Stream.empty();
        }
        return Files.find(base, 3, (p, attrs) -> attrs.isRegularFile() && ArtifactStore.isSha256(p.getFileName().toString()))
                .map(LocalArtifactStore::info)
                .flatMap(Optional::stream);
    }

    private static Optional<BlobInfo> info(Path p) {
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
            return Optional.of(new BlobInfo(p.getFileName().toString(), a.size(), a.lastModifiedTime().toInstant()));
        } catch (IOException e) {
            return Optional.empty(); // deleted meanwhile
        }
    }

    @Override
    public int deleteStagedOlderThan(Instant cutoff, boolean dryRun) throws IOException {
        return staging.deleteOlderThan(cutoff, dryRun);
    }

    @Override
    public String describe() {
        return "local " + root;
    }

    private Path pathOf(String sha256) {
        return root.resolve(ArtifactStore.key(sha256));
    }

    private static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException ignored) {
            // Some platforms cannot open directories; the rename is still atomic there.
        }
    }
}
