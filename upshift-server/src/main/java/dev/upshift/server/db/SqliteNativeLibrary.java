package dev.upshift.server.db;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteJDBCLoader;
import org.sqlite.util.LibraryLoaderUtil;
import org.sqlite.util.OSInfo;

/**
 * Keeps SQLite's native library, copied once out of the jar, in a directory Upshift owns, and points sqlite-jdbc at
 * it (decision 0020). Left to itself, sqlite-jdbc copies the library to the temporary directory at every start and
 * then reads both copies back a byte at a time to compare and hash them, which cost a start about 0.1 s.
 *
 * <p>The directory is named after the sqlite-jdbc version and the platform, so an upgrade or a data directory moved to
 * another machine gets its own copy; a copy is written to a temporary name and renamed, so a crash never leaves a
 * half-written library under the real name. Should the copy still not load, sqlite-jdbc falls back to its own
 * extraction. An operator's own {@code org.sqlite.lib.path} is left alone.
 */
public final class SqliteNativeLibrary {
    private static final Logger log = LoggerFactory.getLogger(SqliteNativeLibrary.class);
    static final String PATH_PROPERTY = "org.sqlite.lib.path";
    static final String NAME_PROPERTY = "org.sqlite.lib.name";

    private SqliteNativeLibrary() {
    }

    /**
     * Copies the library under {@code cacheRoot} unless an intact copy is there, and sets sqlite-jdbc's properties to
     * load it. Returns the library file, or null when nothing was set (an operator's path, a platform whose library
     * is not in the jar, or a directory that cannot be written: sqlite-jdbc then extracts as usual).
     */
    public static Path useCopyUnder(Path cacheRoot) {
        if (System.getProperty(PATH_PROPERTY) != null) {
            return null;
        }
        String name = LibraryLoaderUtil.getNativeLibName();
        URL resource = SQLiteJDBCLoader.class.getResource(LibraryLoaderUtil.getNativeLibResourcePath() + "/" + name);
        if (resource == null) {
            return null;
        }
        Path dir = cacheRoot.resolve("sqlite-" + SQLiteJDBCLoader.getVersion() + "-"
                + OSInfo.getNativeLibFolderPathForCurrentOS().replace('/', '-'));
        Path library = dir.resolve(name);
        try {
            URLConnection connection = resource.openConnection();
            long size = connection.getContentLengthLong();
            if (size < 0 || !Files.isRegularFile(library) || Files.size(library) != size) {
                Files.createDirectories(dir);
                Path partial = Files.createTempFile(dir, name, ".partial");
                try {
                    try (InputStream in = connection.getInputStream()) {
                        Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
                    }
                    try {
                        Files.move(partial, library, StandardCopyOption.ATOMIC_MOVE,
                                StandardCopyOption.REPLACE_EXISTING);
                    } catch (AtomicMoveNotSupportedException e) {
                        Files.move(partial, library, StandardCopyOption.REPLACE_EXISTING);
                    }
                } finally {
                    Files.deleteIfExists(partial);
                }
            }
        } catch (IOException e) {
            log.warn("cannot keep SQLite's native library in {} ({}); sqlite-jdbc extracts it to the temporary "
                    + "directory instead", dir, e.getMessage());
            return null;
        }
        System.setProperty(PATH_PROPERTY, dir.toString());
        System.setProperty(NAME_PROPERTY, name);
        return library;
    }
}
