package dev.upshift.core.version;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SemVerTest {

    @Test
    void legacyCodeIsMajorMillionPlusMinorThousandPlusPatch() {
        assertThat(SemVer.of("1.0.1").legacyCode()).isEqualTo(1_000_001L);
        assertThat(SemVer.of("v2.3.4").legacyCode()).isEqualTo(2_003_004L);
        assertThat(SemVer.of("0.0.0").legacyCode()).isZero();
    }

    @Test
    void leadingVIsAcceptedAndDroppedFromTheCanonicalForm() {
        assertThat(SemVer.of("v1.2.3").canonical()).isEqualTo("1.2.3");
        assertThat(SemVer.of("V1.2.3-rc.1+build.5").canonical()).isEqualTo("1.2.3-rc.1");
    }

    @Test
    void specPrecedenceExampleSortsInOrder() {
        List<String> ordered = List.of("1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
                "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "2.0.0");
        List<SemVer> shuffled = new ArrayList<>();
        ordered.forEach(s -> shuffled.add(SemVer.of(s)));
        Collections.shuffle(shuffled, new Random(42));
        Collections.sort(shuffled);
        assertThat(shuffled).extracting(SemVer::canonical).containsExactlyElementsOf(ordered);
    }

    @Test
    void preReleaseRanksBelowItsRelease() {
        assertThat(SemVer.of("1.2.0-beta.2")).isLessThan(SemVer.of("1.2.0"));
        assertThat(SemVer.of("1.2.0-beta.2").isPreRelease()).isTrue();
        assertThat(SemVer.of("1.2.0").isPreRelease()).isFalse();
    }

    @Test
    void buildMetadataDoesNotChangeOrdering() {
        assertThat(SemVer.of("1.2.0+a").compareTo(SemVer.of("1.2.0+b"))).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1", "1.2", "1.2.3.4", "01.2.3", "1.02.3", "a.b.c", "1.2.3-", "1.2.3-01",
            "1.2.3-a..b", "1.2.3+", "1.2.3-a_b", "1.1000.0", "1.0.1000", "vv1.2.3", "1.2.-3", "1234567890.0.0"})
    void invalidVersionsAreRefusedWithAReason(String text) {
        SemVer.ParseResult result = SemVer.parse(text);
        assertThat(result.version()).isNull();
        assertThat(result.error()).isNotBlank();
    }

    @Test
    void orderingIsATotalOrderConsistentWithCanonicalIdentity() {
        Random random = new Random(7);
        String[] pre = {"", "-alpha", "-alpha.1", "-beta.2", "-beta.11", "-rc.1", "-1", "-x-y"};
        List<SemVer> all = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            all.add(SemVer.of(random.nextInt(3) + "." + random.nextInt(3) + "." + random.nextInt(3)
                    + pre[random.nextInt(pre.length)]));
        }
        for (SemVer a : all) {
            for (SemVer b : all.subList(0, 40)) {
                assertThat(Integer.signum(a.compareTo(b))).isEqualTo(-Integer.signum(b.compareTo(a)));
                assertThat(a.compareTo(b) == 0).isEqualTo(a.canonical().equals(b.canonical()));
            }
        }
    }
}
