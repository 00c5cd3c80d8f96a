package dev.upshift.bench.micro;

import dev.upshift.core.protocol.UpgradeLinkCode;
import dev.upshift.server.protocol.upgradelink.ClientCall;
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
 * What an UpgradeLink answer costs once it is rendered (decision 0024): "already latest" per kind and an offer per
 * (app, version, strategy) are rendered once, and each answer copies the bytes around a new trace id. Compare with
 * {@link RenderBenchmark}'s {@code buildAndRender} for the same formats, what every answer cost before.
 *
 * <p>Run: {@code java -jar upshift-bench/target/upshift-bench.jar FixedAnswerBenchmark -prof gc}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 2)
public class FixedAnswerBenchmark {
    /** The two UpgradeLink answers the server renders once. */
    public enum Answer {
        UPGRADELINK_OFFER(RenderBenchmark.Format.UPGRADELINK_OFFER),
        UPGRADELINK_LATEST(RenderBenchmark.Format.UPGRADELINK_LATEST);

        final RenderBenchmark.Format format;

        Answer(RenderBenchmark.Format format) {
            this.format = format;
        }
    }

    @Param
    public Answer answer;

    private ClientCall.FixedAnswer fixed;
    private String traceId;

    @Setup(Level.Trial)
    public void setUp() {
        @SuppressWarnings("unchecked")
        RenderBenchmark.Fixture fixture = new RenderBenchmark.Fixture();
        traceId = fixture.traceId;
        Map<String, Object> envelope = (Map<String, Object>) answer.format.build(fixture);
        int code = ((Number) envelope.get("code")).intValue();
        fixed = new ClientCall.FixedAnswer(code == 0 ? UpgradeLinkCode.OK : UpgradeLinkCode.FOUND,
                (String) envelope.get("msg"), (String) envelope.get("docs"), envelope.get("data"));
    }

    @Benchmark
    public byte[] spliceTraceId() {
        return fixed.render(traceId); // the same trace id as RenderBenchmark's, which makes no new one either
    }
}
