package dev.upshift.server.protocol.upgradelink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.upshift.core.protocol.UpgradeLinkCode;
import dev.upshift.server.auth.RandomKeys;
import dev.upshift.server.http.Json;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A rendered-once answer is byte for byte what the mapper writes for the same envelope and trace id. */
class FixedAnswerTest {
    private static byte[] mapperBytes(UpgradeLinkCode code, String msg, String docs, Object data, String traceId) {
        Map<String, Object> envelope = new LinkedHashMap<>();
        envelope.put("code", code.code());
        envelope.put("msg", msg);
        envelope.put("traceId", traceId);
        envelope.put("docs", docs);
        envelope.put("data", data);
        return Json.bytes(envelope);
    }

    @Test
    void rendersWhatTheMapperWritesForAnyTraceId() {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("winKey", "k");
        data.put("versionCode", 7L);
        data.put("promptUpgradeContent", "Neue Version \"2.0\" \u2013 jetzt");
        data.put("content", null);
        ClientCall.FixedAnswer answer = new ClientCall.FixedAnswer(UpgradeLinkCode.FOUND, "New version obtained", "",
                data);
        for (String trace : new String[] {RandomKeys.traceId(), RandomKeys.traceId(), null, "not-hex \"quoted\""}) {
            assertThat(new String(answer.render(trace), StandardCharsets.UTF_8)).isEqualTo(new String(
                    mapperBytes(UpgradeLinkCode.FOUND, "New version obtained", "", data, trace), StandardCharsets.UTF_8));
        }
    }

    @Test
    void operatorTextHoldingTheMarkerDoesNotMoveTheTraceId() {
        Map<String, Object> data = Map.of("promptUpgradeContent", "upshift-trace-id-goes-here");
        ClientCall.FixedAnswer answer = new ClientCall.FixedAnswer(UpgradeLinkCode.FOUND, "m", "upshift-trace-id-goes-here",
                data);
        String trace = RandomKeys.traceId();
        assertThat(answer.render(trace)).isEqualTo(
                mapperBytes(UpgradeLinkCode.FOUND, "m", "upshift-trace-id-goes-here", data, trace));
    }
}
