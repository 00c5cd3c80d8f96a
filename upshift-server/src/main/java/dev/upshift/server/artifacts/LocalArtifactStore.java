package dev.upshift.server.artifacts;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

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
    private static final int BUFFER = 64 * 1024;
    private final Path root;
    private final Path tmp;

    public LocalArtifactStore(Path root) throws IOException {
        this.root = root;
        this.tmp = root.resolve("tmp");
        Files.createDirectories(tmp);
        try (var leftovers = Files.list(tmp)) {
            for (Path p : (Iterable<Path>) leftovers::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Override
    public Staged stage(InputStream in, long maxBytes) throws IOException {
        MessageDigest md5 = digest("MD5");
        MessageDigest sha1 = digest("SHA-1");
        MessageDigest sha256 = digest("SHA-256");
        MessageDigest sha512 = digest("SHA-512");
        Path temp = Files.createTempFile(tmp, "upload-", ".part");
        boolean ok = false;
        try {
            long size = 0;
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE);
                 OutputStream out = Channels.newOutputStream(ch)) {
                byte[] buf = new byte[BUFFER];
                int n;
                while ((n = in.read(buf)) > 0) {
                    size += n;
                    if (size > maxBytes) {
                        throw new ArtifactTooLargeException(maxBytes);
                    }
                    md5.update(buf, 0, n);
                    sha1.update(buf, 0, n);
                    sha256.update(buf, 0, n);
                    sha512.update(buf, 0, n);
                    out.write(buf, 0, n);
                }
                out.flush();
                ch.force(true);
            }
            HexFormat hex = HexFormat.of();
            StoredBlob blob = new StoredBlob(hex.formatHex(sha256.digest()), size, hex.formatHex(md5.digest()),
                    hex.formatHex(sha1.digest()), hex.formatHex(sha512.digest()));
            ok = true;
            return new LocalStaged(temp, blob);
        } finally {
            if (!ok) {
                Files.deleteIfExists(temp);
            }
        }
    }

    private final class LocalStaged implements Staged {
        private final Path temp;
        private final StoredBlob blob;
        private boolean committed;

        LocalStaged(Path temp, StoredBlob blob) {
            this.temp = temp;
            this.blob = blob;
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
        public void commit() throws IOException {
            Path target = pathOf(blob.sha256());
            if (Files.exists(target) && Files.size(target) == blob.size()) {
                committed = true; // identical bytes already stored; the temp copy is discarded on close
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
            committed = true;
            fsyncDirectory(target.getParent());
        }

        @Override
        public void close() throws IOException {
            Files.deleteIfExists(temp); // after a commit by rename the temp path no longer exists
        }
    }

    @Override
    public Optional<Path> localPath(String sha256) {
        Path p = pathOf(sha256);
        return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }

    private Path pathOf(String sha256) {
        if (sha256.length() != 64 || !sha256.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            throw new IllegalArgumentException("not a sha256: " + sha256);
        }
        return root.resolve("sha256").resolve(sha256.substring(0, 2)).resolve(sha256.substring(2, 4)).resolve(sha256);
    }

    private static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException ignored) {
            // Some platforms cannot open directories; the rename is still atomic there.
        }
    }

    private static MessageDigest digest(String name) {
        try {
            return MessageDigest.getInstance(name);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
