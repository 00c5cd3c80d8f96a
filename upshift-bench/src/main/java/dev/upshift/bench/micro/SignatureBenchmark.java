package dev.upshift.bench.micro;

import dev.upshift.core.auth.LegacySignatureV1;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What does checking UpgradeLink's legacy v1 request signature cost per signed request?
 *
 * <p>Workload: one apk update check as an SDK sends it, a 150-byte JSON body
 * ({@code {"apkKey":...,"versionCode":...,"devModelKey":...,"devKey":...}}), a 32-character nonce, an RFC 3339
 * timestamp and the request target {@code /v1/apk/upgrade}. {@code verify} checks a valid signature (the server's
 * path for every signed call, {@link LegacySignatureV1#verify}); {@code sign} computes one (what an SDK or the load
 * generator does). Both build the string to sign and hash it with MD5; verify also compares in constant time.
 *
 * <p>Run: {@code java -jar upshift-bench/target/upshift-bench.jar SignatureBenchmark -prof gc}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 2)
public class SignatureBenchmark {
    static final String BODY = "{\"apkKey\":\"Bn8BTJtS0mM8xMWcNq3Yyw\",\"versionCode\":1042,\"appointVersionCode\":0,"
            + "\"devModelKey\":\"SM-G9910\",\"devKey\":\"3f6b2c1e-9a4d-4e7b-8c2f-5d1a0b9e7c64\"}";

    private byte[] body;
    private String nonce;
    private String secret;
    private String timestamp;
    private String url;
    private String signature;

    @Setup
    public void setUp() {
        body = BODY.getBytes(StandardCharsets.UTF_8);
        nonce = "b1946ac92492d2347c6235b4d2611184";
        secret = "Qm9vdHN0cmFwU2VjcmV0S2V5Rm9yQmVuY2g";
        timestamp = "2025-02-17T10:34:55+08:00";
        url = "/v1/apk/upgrade";
        signature = LegacySignatureV1.sign(body, nonce, secret, timestamp, url);
        if (!LegacySignatureV1.verify(signature, body, nonce, secret, timestamp, url)) {
            throw new IllegalStateException("the benchmark's signature does not verify");
        }
    }

    @Benchmark
    public boolean verify() {
        return LegacySignatureV1.verify(signature, body, nonce, secret, timestamp, url);
    }

    @Benchmark
    public String sign() {
        return LegacySignatureV1.sign(body, nonce, secret, timestamp, url);
    }
}
