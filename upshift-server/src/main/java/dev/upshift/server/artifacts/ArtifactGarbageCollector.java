package dev.upshift.server.artifacts;

import dev.upshift.server.db.Database;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Removes blobs that no version refers to: {@code upshift artifacts gc}.
 *
 * <p>A blob is referenced when a row names it in {@code version_files.blob_sha256},
 * {@code version_files.blockmap_sha256}, {@code version_patches.blob_sha256} or {@code publish_uploads.blob_sha256}
 * (a build file waiting for its release manifest). In one run:
 * <ol>
 *   <li>{@code blobs} rows older than the minimum age that nothing references are deleted;</li>
 *   <li>stored objects older than the minimum age that are neither referenced nor have a remaining {@code blobs}
 *       row are deleted (each one is re-checked just before its deletion);</li>
 *   <li>staged uploads older than the minimum age are deleted (left by a crash; a live server removes its own at
 *       start).</li>
 * </ol>
 *
 * <p>Why the minimum age: an upload commits its blob to the store <em>before</em> the transaction that inserts the
 * rows naming it, so for a moment every new blob is an unreferenced object. Deleting it then would leave a row
 * pointing at nothing. Young objects are therefore never touched, and a commit that finds identical bytes already
 * stored refreshes their last-modified time (see {@link ArtifactStore.Staged#commit()}) so an old orphan that is
 * being reused counts as young too. The default of 24 hours leaves a wide margin over any upload.
 */
public final class ArtifactGarbageCollector {
    private static final String REFERENCED = "SELECT blob_sha256 FROM version_files "
            + "UNION SELECT blockmap_sha256 FROM version_files WHERE blockmap_sha256 IS NOT NULL "
            + "UNION SELECT blob_sha256 FROM version_patches UNION SELECT blob_sha256 FROM publish_uploads";
    private static final String UNREFERENCED = "NOT EXISTS (SELECT 1 FROM version_files f WHERE f.blob_sha256 = blobs.sha256 "
            + "OR f.blockmap_sha256 = blobs.sha256) "
            + "AND NOT EXISTS (SELECT 1 FROM version_patches p WHERE p.blob_sha256 = blobs.sha256) "
            + "AND NOT EXISTS (SELECT 1 FROM publish_uploads u WHERE u.blob_sha256 = blobs.sha256)";

    private final Database db;
    private final ArtifactStore store;
    private final Clock clock;

    public ArtifactGarbageCollector(Database db, ArtifactStore store, Clock clock) {
        this.db = db;
        this.store = store;
        this.clock = clock;
    }

    /** What one run removed (or, in a dry run, would remove). */
    public record Report(List<BlobInfo> blobs, long bytesFreed, List<String> rows, int stagedFiles, int kept) {
    }

    /**
     * @param out one line per removal and a summary
     */
    public Report run(Duration minAge, boolean dryRun, PrintStream out) throws IOException {
        Instant cutoff = clock.instant().minus(minAge);
        String verb = dryRun ? "would remove" : "removed";

        List<String> rows = db.jdbi().withHandle(h -> h.createQuery("SELECT sha256 FROM blobs WHERE created_at < :cutoff AND "
                        + UNREFERENCED + " ORDER BY sha256")
                .bind("cutoff", cutoff.toEpochMilli()).mapTo(String.class).list());
        for (String sha : rows) {
            if (!dryRun) {
                db.jdbi().useHandle(h -> h.createUpdate("DELETE FROM blobs WHERE sha256 = :s AND " + UNREFERENCED)
                        .bind("s", sha).execute());
            }
            out.println(verb + " blob row " + sha + " (no version refers to it)");
        }

        Set<String> keep = new HashSet<>(db.jdbi().withHandle(h -> h.createQuery(REFERENCED).mapTo(String.class).list()));
        Set<String> removedRows = new HashSet<>(rows);
        db.jdbi().useHandle(h -> h.createQuery("SELECT sha256 FROM blobs").mapTo(String.class)
                .forEach(s -> {
                    if (!removedRows.contains(s)) {
                        keep.add(s);
                    }
                }));

        List<BlobInfo> removed = new ArrayList<>();
        long freed = 0;
        int kept = 0;
        try (Stream<BlobInfo> all = store.list()) {
            for (BlobInfo b : (Iterable<BlobInfo>) all::iterator) {
                if (keep.contains(b.sha256()) || !b.lastModified().isBefore(cutoff) || isReferenced(b.sha256(), removedRows)) {
                    kept++;
                    continue;
                }
                if (!dryRun) {
                    store.delete(b.sha256());
                }
                removed.add(b);
                freed += b.size();
                out.println(verb + " blob " + b.sha256() + " (" + b.size() + " bytes, last written "
                        + b.lastModified() + ")");
            }
        }
        int staged = store.deleteStagedOlderThan(cutoff, dryRun);
        out.println((dryRun ? "dry run: would remove " : "removed ") + removed.size() + " blobs (" + freed
                + " bytes" + (dryRun ? "" : " freed") + "), " + rows.size() + " blob rows and " + staged
                + " staged uploads older than " + minAge.toString().substring(2).toLowerCase(java.util.Locale.ROOT)
                + "; kept " + kept + " blobs in " + store.describe());
        return new Report(List.copyOf(removed), freed, List.copyOf(rows), staged, kept);
    }

    /**
     * A fresh look, just before deleting: a row may have appeared since the sets were read. A {@code blobs} row
     * this run removes (or, dry, would remove) does not count.
     */
    private boolean isReferenced(String sha256, Set<String> removedRows) {
        long refs = db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM (" + REFERENCED + ") r "
                + "WHERE r.blob_sha256 = :s").bind("s", sha256).mapTo(Long.class).one());
        if (refs > 0) {
            return true;
        }
        return !removedRows.contains(sha256) && db.jdbi().withHandle(h -> h.createQuery(
                "SELECT COUNT(*) FROM blobs WHERE sha256 = :s").bind("s", sha256).mapTo(Long.class).one()) > 0;
    }
}
