package dev.upshift.bench.micro;

import dev.upshift.core.kind.AppKind;
import dev.upshift.core.protocol.UpgradeLinkCode;
import dev.upshift.core.rollout.ReleaseVersion;
import dev.upshift.core.rollout.Strategy;
import dev.upshift.core.version.SemVer;
import dev.upshift.server.catalog.App;
import dev.upshift.server.catalog.Version;
import dev.upshift.server.catalog.VersionFile;
import dev.upshift.server.db.Sql;
import dev.upshift.server.http.Json;
import dev.upshift.server.protocol.upgradelink.DownloadLinks;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What does it cost to turn a decided update check into response bytes, per wire format?
 *
 * <p>Workload: one answer per {@link Format}, rendered with the server's {@link Json#bytes} ({@code Json.MAPPER},
 * what {@code Json.respond} writes): the UpgradeLink envelope for an apk check with an offer and with "already
 * latest", the Tauri updater's bare JSON for an offer, and the electron-updater feed for an offer and for "already
 * latest". {@code buildAndRender} builds the {@code LinkedHashMap}s as the endpoint does on every request (including
 * the download URLs and the base64 SHA-512) and serialises them; {@code renderOnly} serialises a map built once, so
 * the difference is the cost of building the answer.
 *
 * <p>The endpoints build these maps in private methods that need a Javalin {@code Context}, so the shapes are
 * replicated here with the same keys, order and value types; each {@link Format} names the source it copies. Keep
 * them in step when a wire shape changes.
 *
 * <p>Run: {@code java -jar upshift-bench/target/upshift-bench.jar RenderBenchmark -prof gc}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 2)
public class RenderBenchmark {
    static final String BASE_URL = "https://updates.example.com";

    /** Builds one answer body from the fixture. */
    interface AnswerBody {
        Object build(Fixture f);
    }

    /** The answers measured. */
    public enum Format implements AnswerBody {
        /** {@code UpgradeEndpoint.handle} offer branch: {@code ClientCall.respond} envelope around {@code data(...)}. */
        UPGRADELINK_OFFER {
            @Override
            public Object build(Fixture f) {
                VersionFile file = f.apkVersion.primaryFile().orElseThrow();
                Map<String, Object> d = new LinkedHashMap<>();
                d.put(AppKind.APK.keyField(), f.apk.key());
                d.put("packageName", f.apk.packageName());
                d.put("versionName", f.apkVersion.name());
                d.put("versionCode", f.apkVersion.code());
                d.put("urlPath", f.links.download(f.apk, f.apkVersion, file.role()));
                d.put("urlFileSize", file.size());
                d.put("urlFileMd5", file.md5());
                d.put("patchAlgo", 0L);
                d.put("patchUrlPath", "");
                d.put("patchUrlFileSize", 0L);
                d.put("patchUrlFileMd5", "");
                d.put("upgradeType", f.strategy.upgradeType());
                d.put("promptUpgradeContent", f.strategy.promptText());
                return envelope(UpgradeLinkCode.FOUND, "New version obtained", f.traceId, "", d);
            }
        },
        /** {@code UpgradeEndpoint.handle} "already latest" branch: code 0, every data field zero-valued. */
        UPGRADELINK_LATEST {
            @Override
            public Object build(Fixture f) {
                Map<String, Object> d = new LinkedHashMap<>();
                d.put(AppKind.APK.keyField(), "");
                d.put("packageName", "");
                d.put("versionName", "");
                d.put("versionCode", 0L);
                d.put("urlPath", "");
                d.put("urlFileSize", 0L);
                d.put("urlFileMd5", "");
                d.put("patchAlgo", 0L);
                d.put("patchUrlPath", "");
                d.put("patchUrlFileSize", 0L);
                d.put("patchUrlFileMd5", "");
                d.put("upgradeType", 0);
                d.put("promptUpgradeContent", "");
                return envelope(UpgradeLinkCode.OK, "Already latest version",
                        "It's already the latest version and no upgrade is required", f.traceId, d);
            }
        },
        /** {@code TauriUpdaterEndpoint.handle}: the bare updater JSON (no update is a 204 without a body). */
        TAURI_OFFER {
            @Override
            public Object build(Fixture f) {
                VersionFile file = f.tauriVersion.file("update").orElseThrow();
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("version", f.tauriVersion.name());
                body.put("pub_date", Sql.rfc3339(f.tauriVersion.createdAt()));
                body.put("url", f.links.file(f.tauri, f.tauriVersion, file));
                body.put("signature", f.tauriVersion.signatureOf(file));
                body.put("notes", f.strategy.promptText());
                body.put("upgradeType", f.strategy.upgradeType());
                return body;
            }
        },
        /** {@code ElectronFeedEndpoint.handle} offer branch: files with URL, base64 SHA-512 and size. */
        ELECTRON_OFFER {
            @Override
            public Object build(Fixture f) {
                Version v = f.electronVersion;
                List<Map<String, Object>> files = new ArrayList<>();
                for (String role : List.of("update", "install")) {
                    v.file(role).ifPresent(file -> {
                        Map<String, Object> entry = new LinkedHashMap<>();
                        entry.put("url", electronFileUrl(f.electron, v, file));
                        entry.put("sha512", Base64.getEncoder().encodeToString(HexFormat.of().parseHex(file.sha512())));
                        entry.put("size", file.size());
                        files.add(entry);
                    });
                }
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("upgradeType", f.strategy.upgradeType());
                body.put("promptUpgradeContent", f.strategy.promptText());
                body.put("version", v.name());
                body.put("files", files);
                body.put("path", files.get(0).get("url"));
                body.put("sha512", files.get(0).get("sha512"));
                body.put("releaseDate", Sql.rfc3339(f.strategyUpdatedAt));
                return body;
            }
        },
        /** {@code ElectronFeedEndpoint.handle} "already latest" branch. */
        ELECTRON_LATEST {
            @Override
            public Object build(Fixture f) {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("version", "2.3.1");
                body.put("promptUpgradeContent", "Already latest version");
                body.put("files", null);
                body.put("path", "");
                body.put("sha512", "");
                body.put("releaseDate", "");
                body.put("upgradeType", 0);
                return body;
            }
        };

        /** {@code ClientCall.respond}: {@code {code, msg, traceId, docs, data}}. */
        private static Map<String, Object> envelope(UpgradeLinkCode code, String msg, String traceId, String docs,
                                                    Object data) {
            Map<String, Object> envelope = new LinkedHashMap<>();
            envelope.put("code", code.code());
            envelope.put("msg", msg);
            envelope.put("traceId", traceId);
            envelope.put("docs", docs);
            envelope.put("data", data);
            return envelope;
        }

        /** {@code ElectronFeedEndpoint.fileUrl}. */
        private static String electronFileUrl(App app, Version v, VersionFile f) {
            return BASE_URL + "/v1/electron/files/" + v.id() + "/" + f.role() + "/"
                    + URLEncoder.encode(f.fileName(), StandardCharsets.UTF_8).replace("+", "%20")
                    + "?electronKey=" + URLEncoder.encode(app.key(), StandardCharsets.UTF_8);
        }
    }

    /** Catalog objects as a snapshot would hold them, for one apk, one Tauri and one electron app. */
    static final class Fixture {
        final DownloadLinks links = new DownloadLinks(() -> BASE_URL);
        final String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        final long created = Instant.parse("2025-02-17T02:34:55Z").toEpochMilli();
        final long strategyUpdatedAt = created + 3_600_000L;
        final App apk = new App(1, 1, "Bn8BTJtS0mM8xMWcNq3Yyw", AppKind.APK, "Example", "com.example.app", "", created,
                "", "");
        final App tauri = new App(2, 1, "tauri-Qm9vdHN0cmFw", AppKind.TAURI, "Example Desktop", "", "", created, "", "");
        final App electron = new App(3, 1, "electron-U2VjcmV0", AppKind.ELECTRON, "Example Electron", "", "", created,
                "", "");
        final Version apkVersion = version(apk, 11, "1.4.2", 1_004_002, null, "", "", List.of(
                file(101, "install", "apk", "example-1.4.2.apk", "application/vnd.android.package-archive", "")));
        final Version tauriVersion = version(tauri, 12, "2.3.2", 2_003_002, SemVer.of("2.3.2"), "linux", "x86_64",
                List.of(file(102, "update", "appimage", "Example Desktop_2.3.2_amd64.AppImage.tar.gz",
                        "application/gzip", minisignSignature())));
        final Version electronVersion = version(electron, 13, "2.3.2", 2_003_002, SemVer.of("2.3.2"), "windows", "x64",
                List.of(file(103, "install", "nsis", "Example Electron Setup 2.3.2.exe", "application/octet-stream", "")));
        final Strategy strategy = new Strategy(21, apkVersion.release(), true, Instant.ofEpochMilli(created),
                Instant.ofEpochMilli(created).plusSeconds(86_400L * 30), 1,
                "Bug fixes and performance improvements. Sync is now twice as fast.", new Strategy.Targeting.All(),
                new Strategy.SourceRestriction.AnyVersion(), "stable", 10_000, List.of(), List.of(), false);

        private Version version(App app, long id, String name, long code, SemVer semver, String platform, String arch,
                                List<VersionFile> files) {
            return new Version(id, app.id(), name, code, semver == null ? Long.toString(code) : semver.canonical(),
                    platform, arch, "", "- fixed a crash on start\n- faster sync", "", "", "", null, "", false, 1, 0, 0,
                    "manual", created, files, new ReleaseVersion(id, code, semver, platform, arch, false), 0, "", "");
        }

        private VersionFile file(long id, String role, String format, String name, String mediaType, String signature) {
            return new VersionFile(id, role, format, "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                    48_213_504L, "e2fc714c4727ee9395f324cd2e7f331f", "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3",
                    "ee26b0dd4af7e749aa1a8ee3c10ae9923f618980772e473f8819a5d4940e0db27ac185f8a0e1d5f84f88bc887fd67b143732c"
                            + "304cc5fa9ad8e6f57f50028a8ff",
                    name, mediaType, signature, "", "", null, created);
        }

        private static String minisignSignature() {
            String sig = "untrusted comment: signature from tauri secret key\n"
                    + "RUTdU7xX1kJVRQs5mLoYJtC6SLMxkwfYRZsb7cRu0sz8cJ8xXBrwZ2y0MFJvQ1dnXcg+kXkzjF7aOqY7ZQV3Ej0JjPpWCfqkPQ0=\n"
                    + "trusted comment: timestamp:1739759695\tfile:Example Desktop_2.3.2_amd64.AppImage.tar.gz\n"
                    + "Hx6y3n8fR0dHx2Yt9Z7k1sOqzQe5N3Vn5mB3b1a9q1x0m7Zx6kQ9g2Q8r0hC6dJ5sT3uV1wX2yZ4aB6cD8eF0g==\n";
            return Base64.getEncoder().encodeToString(sig.getBytes(StandardCharsets.UTF_8));
        }
    }

    @Param
    public Format format;

    private Fixture fixture;
    private Object prebuilt;

    @Setup(Level.Trial)
    public void setUp() {
        fixture = new Fixture();
        prebuilt = format.build(fixture);
    }

    @Benchmark
    public byte[] buildAndRender() {
        return Json.bytes(format.build(fixture));
    }

    @Benchmark
    public byte[] renderOnly() {
        return Json.bytes(prebuilt);
    }
}
