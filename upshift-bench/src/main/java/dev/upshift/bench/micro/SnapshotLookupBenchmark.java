package dev.upshift.bench.micro;

import dev.upshift.server.auth.SecretCipher;
import dev.upshift.server.catalog.AccessKey;
import dev.upshift.server.catalog.App;
import dev.upshift.server.catalog.CatalogSnapshot;
import dev.upshift.server.catalog.CatalogStore;
import dev.upshift.server.catalog.Version;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What do the catalog lookups of one update check cost on a large catalog?
 *
 * <p>Workload: a {@link CatalogSnapshot} of 1 000 apk apps × 50 versions (one install file each), 10 tenants with
 * 10 access keys each and one strategy per app, built by the real {@link CatalogStore#refresh} from a SQLite database
 * seeded with plain INSERTs in the shape of migrations V1..V5. Each operation takes the next of 4 096 pre-drawn
 * requests (random app, one of its tenant's keys, one of its version codes) and looks up what a signed check looks
 * up: {@code requestLookups} does {@code accessKey(key)} (authentication), {@code app(appKey)} and
 * {@code versionByCode(appId, "", "", code)} (the installed version, as {@code UpdateChecks} resolves it);
 * {@code appByKey} and {@code versionByCode} measure one lookup each. All lookups hit.
 *
 * <p>Run: {@code java -jar upshift-bench/target/upshift-bench.jar SnapshotLookupBenchmark -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 2)
public class SnapshotLookupBenchmark {
    static final int APPS = 1_000;
    static final int VERSIONS_PER_APP = 50;
    static final int TENANTS = 10;
    static final int KEYS_PER_TENANT = 10;
    static final int REQUESTS = 4_096; // a power of two: the index wraps with a mask

    private TempDatabase database;
    CatalogSnapshot snapshot;
    final String[] appKeys = new String[REQUESTS];
    final long[] appIds = new long[REQUESTS];
    final String[] accessKeys = new String[REQUESTS];
    final long[] codes = new long[REQUESTS];

    @Setup(Level.Trial)
    public void setUp() {
        database = TempDatabase.create("upshift-bench-catalog");
        SecretCipher cipher = SecretCipher.fromKeyMaterial(new byte[32]);
        long started = System.nanoTime();
        seed(cipher);
        long seeded = System.nanoTime();
        snapshot = new CatalogStore(database.db(), cipher).refresh();
        long loaded = System.nanoTime();
        if (snapshot.appCount() != APPS) {
            throw new IllegalStateException("snapshot holds " + snapshot.appCount() + " apps, expected " + APPS);
        }
        System.out.printf("# seeded %d apps x %d versions in %d ms; CatalogStore.refresh took %d ms%n", APPS,
                VERSIONS_PER_APP, (seeded - started) / 1_000_000, (loaded - seeded) / 1_000_000);

        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < REQUESTS; i++) {
            int app = random.nextInt(APPS);
            int tenant = app % TENANTS;
            appKeys[i] = appKey(app);
            appIds[i] = app + 1;
            accessKeys[i] = accessKey(tenant, random.nextInt(KEYS_PER_TENANT));
            codes[i] = code(random.nextInt(VERSIONS_PER_APP));
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        database.close();
    }

    /** The cursor into the pre-drawn requests; per thread so that threads do not share a counter. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;

        int advance() {
            return next++ & (REQUESTS - 1);
        }
    }

    @Benchmark
    public void requestLookups(Cursor cursor, Blackhole bh) {
        int i = cursor.advance();
        Optional<AccessKey> key = snapshot.accessKey(accessKeys[i]);
        Optional<App> app = snapshot.app(appKeys[i]);
        Optional<Version> installed = snapshot.versionByCode(app.get().id(), "", "", codes[i]);
        bh.consume(key.get());
        bh.consume(installed.get());
    }

    @Benchmark
    public App appByKey(Cursor cursor) {
        return snapshot.app(appKeys[cursor.advance()]).get();
    }

    @Benchmark
    public Version versionByCode(Cursor cursor) {
        int i = cursor.advance();
        return snapshot.versionByCode(appIds[i], "", "", codes[i]).get();
    }

    static String appKey(int app) {
        return String.format("app%05d-Bn8BTJtS0mM8", app);
    }

    static String accessKey(int tenant, int n) {
        return String.format("AK%02d%02dbench00000000", tenant, n);
    }

    static long code(int version) {
        return 1_000 + version;
    }

    /**
     * Rows as migrations V1..V5 define them; explicit ids so that app {@code i} has id {@code i + 1} and its
     * versions ids {@code i * 50 + v + 1}.
     */
    private void seed(SecretCipher cipher) {
        long now = System.currentTimeMillis();
        String sha256 = "a".repeat(64);
        database.db().jdbi().useTransaction(h -> {
            h.execute("INSERT INTO blobs (sha256, size, md5, sha512, sha1, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                    sha256, 48_213_504L, "0".repeat(32), "b".repeat(128), "c".repeat(40), now);
            PreparedBatch tenants = h.prepareBatch("INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?)");
            PreparedBatch keys = h.prepareBatch("INSERT INTO access_keys (tenant_id, access_key, secret_enc, "
                    + "description, enabled, created_at) VALUES (?, ?, ?, '', 1, ?)");
            for (int t = 0; t < TENANTS; t++) {
                tenants.add(t + 1, "tenant-" + t, now);
                for (int k = 0; k < KEYS_PER_TENANT; k++) {
                    String ak = accessKey(t, k);
                    keys.add(t + 1, ak, cipher.encrypt(ak, "secret-" + t + "-" + k), now);
                }
            }
            tenants.execute();
            keys.execute();
            PreparedBatch apps = h.prepareBatch("INSERT INTO apps (id, tenant_id, app_key, kind, name, package_name, "
                    + "description, created_at, updated_at) VALUES (?, ?, ?, 'apk', ?, ?, '', ?, ?)");
            PreparedBatch versions = h.prepareBatch("INSERT INTO versions (id, app_id, version_name, version_code, "
                    + "version_key, description, release_note, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
            PreparedBatch files = h.prepareBatch("INSERT INTO version_files (version_id, role, format, blob_sha256, "
                    + "file_name, media_type, created_at) VALUES (?, 'install', 'apk', ?, ?, "
                    + "'application/vnd.android.package-archive', ?)");
            PreparedBatch strategies = h.prepareBatch("INSERT INTO strategies (app_id, version_id, name, begin_at, "
                    + "end_at, upgrade_type, prompt_text, percentage, created_at, updated_at, health_since) "
                    + "VALUES (?, ?, 'rollout', ?, ?, 1, 'Bug fixes and performance improvements', 2500, ?, ?, ?)");
            for (int a = 0; a < APPS; a++) {
                long appId = a + 1;
                apps.add(appId, a % TENANTS + 1, appKey(a), "App " + a, "com.example.app" + a, now, now);
                for (int v = 0; v < VERSIONS_PER_APP; v++) {
                    long versionId = (long) a * VERSIONS_PER_APP + v + 1;
                    long code = code(v);
                    versions.add(versionId, appId, "1." + v + ".0", code, Long.toString(code),
                            "Release 1." + v + ".0", "- fixed crash on start\n- faster sync", now);
                    files.add(versionId, sha256, "app-" + a + "-1." + v + ".0.apk", now);
                }
                strategies.add(appId, (long) a * VERSIONS_PER_APP + VERSIONS_PER_APP, now - 86_400_000L,
                        now + 30 * 86_400_000L, now, now, now);
            }
            apps.execute();
            versions.execute();
            files.execute();
            strategies.execute();
        });
    }
}
