package dev.upshift.server.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteJDBCLoader;
import org.sqlite.util.LibraryLoaderUtil;

class SqliteNativeLibraryTest {
    @TempDir
    Path dir;
    private String savedPath;
    private String savedName;

    @BeforeEach
    void saveProperties() {
        savedPath = System.clearProperty(SqliteNativeLibrary.PATH_PROPERTY);
        savedName = System.clearProperty(SqliteNativeLibrary.NAME_PROPERTY);
    }

    @AfterEach
    void restoreProperties() {
        restore(SqliteNativeLibrary.PATH_PROPERTY, savedPath);
        restore(SqliteNativeLibrary.NAME_PROPERTY, savedName);
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }

    private static byte[] libraryInJar() throws Exception {
        try (InputStream in = SQLiteJDBCLoader.class.getResourceAsStream(LibraryLoaderUtil.getNativeLibResourcePath()
                + "/" + LibraryLoaderUtil.getNativeLibName())) {
            return in.readAllBytes();
        }
    }

    @Test
    void copiesTheLibraryOnceAndPointsSqliteJdbcAtIt() throws Exception {
        Path library = SqliteNativeLibrary.useCopyUnder(dir.resolve("native"));
        assertThat(library).isNotNull().startsWith(dir.resolve("native"));
        assertThat(library.getParent().getFileName().toString()).startsWith("sqlite-" + SQLiteJDBCLoader.getVersion());
        assertThat(Files.readAllBytes(library)).isEqualTo(libraryInJar());
        assertThat(System.getProperty(SqliteNativeLibrary.PATH_PROPERTY)).isEqualTo(library.getParent().toString());
        assertThat(System.getProperty(SqliteNativeLibrary.NAME_PROPERTY)).isEqualTo(library.getFileName().toString());
        try (var files = Files.list(library.getParent())) {
            assertThat(files).containsExactly(library); // no .partial left behind
        }

        FileTime marked = FileTime.from(Instant.parse("2020-01-01T00:00:00Z"));
        Files.setLastModifiedTime(library, marked);
        System.clearProperty(SqliteNativeLibrary.PATH_PROPERTY);
        assertThat(SqliteNativeLibrary.useCopyUnder(dir.resolve("native"))).isEqualTo(library);
        assertThat(Files.getLastModifiedTime(library)).as("an intact copy is not written again").isEqualTo(marked);
    }

    @Test
    void aTruncatedCopyIsReplaced() throws Exception {
        Path library = SqliteNativeLibrary.useCopyUnder(dir);
        Files.write(library, new byte[]{1, 2, 3});
        System.clearProperty(SqliteNativeLibrary.PATH_PROPERTY);
        assertThat(SqliteNativeLibrary.useCopyUnder(dir)).isEqualTo(library);
        assertThat(Files.readAllBytes(library)).isEqualTo(libraryInJar());
    }

    @Test
    void anOperatorsOwnPathIsLeftAlone() {
        System.setProperty(SqliteNativeLibrary.PATH_PROPERTY, "/opt/sqlite");
        assertThat(SqliteNativeLibrary.useCopyUnder(dir)).isNull();
        assertThat(System.getProperty(SqliteNativeLibrary.PATH_PROPERTY)).isEqualTo("/opt/sqlite");
        assertThat(dir.toFile().list()).isEmpty();
    }

    @Test
    void aDirectoryThatCannotBeWrittenLeavesSqliteJdbcToItsOwnWays() throws Exception {
        Path notADirectory = Files.writeString(dir.resolve("file"), "x");
        assertThat(SqliteNativeLibrary.useCopyUnder(notADirectory)).isNull();
        assertThat(System.getProperty(SqliteNativeLibrary.PATH_PROPERTY)).isNull();
    }
}
