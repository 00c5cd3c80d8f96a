package dev.upshift.server.artifacts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.upshift.server.artifacts.ByteRanges.Range;
import dev.upshift.server.artifacts.ByteRanges.Result;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class FileResponderRangeTest {
    private static List<Range> ranges(String header, long size) {
        Result r = ByteRanges.parse(header, size);
        assertThat(r.ignore()).as("ignored").isFalse();
        return r.ranges();
    }

    @Test
    void singleRangesAreClampedToTheFile() {
        assertThat(ranges("bytes=0-9", 100)).containsExactly(new Range(0, 9));
        assertThat(ranges("bytes=90-", 100)).containsExactly(new Range(90, 99));
        assertThat(ranges("bytes=90-500", 100)).containsExactly(new Range(90, 99));
        assertThat(ranges("bytes=-5", 100)).containsExactly(new Range(95, 99));
        assertThat(ranges("bytes=-500", 100)).containsExactly(new Range(0, 99));
    }

    @Test
    void rangesStartingAtOrPastTheEndAreUnsatisfiable() {
        assertThat(ByteRanges.parse("bytes=100-", 100).isUnsatisfiable()).isTrue();
        assertThat(ByteRanges.parse("bytes=150-", 100).isUnsatisfiable()).isTrue();
        assertThat(ByteRanges.parse("bytes=100-200", 100).isUnsatisfiable()).isTrue();
        assertThat(ByteRanges.parse("bytes=-0", 100).isUnsatisfiable()).isTrue();
        assertThat(ByteRanges.parse("bytes=100-200, 300-400", 100).isUnsatisfiable()).isTrue();
    }

    @Test
    void malformedRangesAreIgnored() {
        assertThat(ByteRanges.parse("items=0-9", 100).ignore()).isTrue();
        assertThat(ByteRanges.parse("bytes=9-0", 100).ignore()).isTrue();
        assertThat(ByteRanges.parse("bytes=a-b", 100).ignore()).isTrue();
        assertThat(ByteRanges.parse("bytes=-", 100).ignore()).isTrue();
        assertThat(ByteRanges.parse("bytes=0-9, x", 100).ignore()).isTrue();
        assertThat(ByteRanges.parse("bytes=", 100).ignore()).isTrue();
    }

    @Test
    void severalAscendingDisjointRangesAreKeptInOrder() {
        assertThat(ranges("bytes=0-9,20-29", 100)).containsExactly(new Range(0, 9), new Range(20, 29));
        assertThat(ranges("bytes=0-9, 20-29 ,, 90-", 100))
                .containsExactly(new Range(0, 9), new Range(20, 29), new Range(90, 99));
        // Adjacent is fine; unsatisfiable specs among satisfiable ones are dropped.
        assertThat(ranges("bytes=0-9,10-19,200-300", 100)).containsExactly(new Range(0, 9), new Range(10, 19));
    }

    @Test
    void overlappingOrUnsortedOrTooManyRangesAreIgnored() {
        assertThat(ByteRanges.parse("bytes=0-9,5-14", 100).ignore()).isTrue();
        assertThat(ByteRanges.parse("bytes=20-29,0-9", 100).ignore()).isTrue();
        assertThat(ByteRanges.parse("bytes=0-,-5", 100).ignore()).isTrue();
        String many = IntStream.range(0, ByteRanges.MAX_RANGES + 1).mapToObj(i -> (i * 2) + "-" + (i * 2))
                .collect(Collectors.joining(","));
        assertThat(ByteRanges.parse("bytes=" + many, 10_000).ignore()).isTrue();
        String allowed = IntStream.range(0, ByteRanges.MAX_RANGES).mapToObj(i -> (i * 2) + "-" + (i * 2))
                .collect(Collectors.joining(","));
        assertThat(ranges("bytes=" + allowed, 10_000)).hasSize(ByteRanges.MAX_RANGES);
    }
}
