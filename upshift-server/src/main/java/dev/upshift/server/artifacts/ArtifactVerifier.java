package dev.upshift.server.artifacts;

import dev.upshift.server.db.Database;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Re-reads and re-hashes every blob the {@code blobs} table records: {@code upshift artifacts verify}.
 *
 * <p>Each blob is streamed once through {@link BlobDigests}; its size, SHA-256, MD5, SHA-512 and (where recorded)
 * SHA-1 must match the row. A row whose SHA-1 is still NULL (stored before SHA-1 was recorded) gets it filled in
 * when everything else matches. A blob the store lacks is reported as missing, one whose bytes differ as damaged,
 * each with the versions and files that use it. Nothing is repaired: restore the blob from a backup or upload the
 * file again to a new version.
 */
public final class ArtifactVerifier {
    private static final long PROGRESS_EVERY_MILLIS = 5_000;

    private final Database db;
    private final ArtifactStore store;
    private final Clock clock;

    public ArtifactVerifier(Database db, ArtifactStore store, Clock clock) {
        this.db = db;
        this.store = store;
        this.clock = clock;
    }

    /** One blob that is not what its row says. */
    public record Problem(String sha256, boolean missing, String detail, List<String> usedBy) {
    }

    public record Report(int blobs, long bytes, int sha1Filled, List<Problem> problems) {
        public boolean clean() {
            return problems.isEmpty();
        }
    }

    private record Row(String sha256, long size, String md5, String sha1, String sha512) {
    }

    /**
     * @param out      one line per problem and a summary
     * @param progress a progress line every few seconds (for large stores)
     */
    public Report run(PrintStream out, PrintStream progress) {
        List<Row> rows = db.jdbi().withHandle(h -> h.createQuery(
                        "SELECT sha256, size, md5, sha1, sha512 FROM blobs ORDER BY sha256")
                .map((rs, ctx) -> new Row(rs.getString(1).trim(), rs.getLong(2), rs.getString(3).trim(),
                        rs.getString(4) == null ? null : rs.getString(4).trim(), rs.getString(5).trim()))
                .list());
        long totalBytes = rows.stream().mapToLong(Row::size).sum();
        List<Problem> problems = new ArrayList<>();
        long bytes = 0;
        int filled = 0;
        long lastProgress = clock.millis();
        for (int i = 0; i < rows.size(); i++) {
            Row row = rows.get(i);
            StoredBlob[] actual = new StoredBlob[1];
            String problem = check(row, actual);
            if (problem == null && row.sha1() == null) {
                filled += fillSha1(row, actual[0].sha1());
            }
            if (problem != null) {
                boolean missing = problem.startsWith("missing");
                Problem p = new Problem(row.sha256(), missing, problem, usedBy(row.sha256()));
                problems.add(p);
                out.println((missing ? "MISSING " : "DAMAGED ") + row.sha256() + ": " + problem + "; used by "
                        + (p.usedBy().isEmpty() ? "no version" : String.join(", ", p.usedBy())));
            }
            bytes += row.size();
            if (clock.millis() - lastProgress >= PROGRESS_EVERY_MILLIS) {
                lastProgress = clock.millis();
                progress.println("verify: " + (i + 1) + "/" + rows.size() + " blobs, " + bytes + "/" + totalBytes
                        + " bytes");
            }
        }
        out.println("verified " + rows.size() + " blobs (" + bytes + " bytes) in " + store.describe() + ": "
                + (problems.isEmpty() ? "all intact" : problems.stream().filter(Problem::missing).count() + " missing, "
                + problems.stream().filter(p -> !p.missing()).count() + " damaged")
                + (filled > 0 ? "; recorded the SHA-1 of " + filled + " blobs" : ""));
        return new Report(rows.size(), bytes, filled, List.copyOf(problems));
    }

    /** Null when the stored bytes match the row, else what is wrong; puts the digests read into {@code digests[0]}. */
    private String check(Row row, StoredBlob[] digests) {
        StoredBlob actual;
        try (InputStream in = store.open(row.sha256())) {
            actual = BlobDigests.of(in);
            digests[0] = actual;
        } catch (NoSuchFileException e) {
            return "missing from the store (" + row.size() + " bytes expected)";
        } catch (IOException e) {
            return "unreadable: " + e.getMessage();
        }
        if (actual.size() != row.size()) {
            return "size is " + actual.size() + " bytes, " + row.size() + " recorded";
        }
        if (!actual.sha256().equals(row.sha256())) {
            return "the stored bytes hash to sha256 " + actual.sha256();
        }
        if (!actual.md5().equals(row.md5()) || !actual.sha512().equals(row.sha512())
                || (row.sha1() != null && !actual.sha1().equals(row.sha1()))) {
            return "sha256 matches but the recorded md5, sha1 or sha512 does not: the row is wrong";
        }
        return null;
    }

    private int fillSha1(Row row, String sha1) {
        return db.jdbi().withHandle(h -> h.createUpdate("UPDATE blobs SET sha1 = :sha1 WHERE sha256 = :s AND sha1 IS NULL")
                .bind("sha1", sha1).bind("s", row.sha256()).execute());
    }

    /** "app Demo (key abc) version 1.0.0: install file Demo-1.exe", for each file or patch using the blob. */
    private List<String> usedBy(String sha256) {
        return db.jdbi().withHandle(h -> h.createQuery(
                        "SELECT a.name, a.app_key, v.version_name, f.role, f.file_name, "
                                + "CASE WHEN f.blob_sha256 = :s THEN 0 ELSE 1 END "
                                + "FROM version_files f JOIN versions v ON v.id = f.version_id JOIN apps a ON a.id = v.app_id "
                                + "WHERE f.blob_sha256 = :s OR f.blockmap_sha256 = :s "
                                + "UNION ALL SELECT a.name, a.app_key, v.version_name, 'patch', p.file_name, 0 "
                                + "FROM version_patches p JOIN versions v ON v.id = p.version_id JOIN apps a ON a.id = v.app_id "
                                + "WHERE p.blob_sha256 = :s")
                .bind("s", sha256)
                .map((rs, ctx) -> "app " + rs.getString(1) + " (key " + rs.getString(2) + ") version " + rs.getString(3)
                        + ": " + rs.getString(4) + (rs.getInt(6) == 1 ? " blockmap of " : " file ") + rs.getString(5))
                .list());
    }
}
