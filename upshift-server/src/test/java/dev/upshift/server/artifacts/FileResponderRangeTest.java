package dev.upshift.server.artifacts;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FileResponderRangeTest {
    @Test
    void singleRangesAreClampedToTheFile() {
        assertThat(FileResponder.parseSingleRange("bytes=0-9", 100)).containsExactly(0, 9);
        assertThat(FileResponder.parseSingleRange("bytes=90-", 100)).containsExactly(90, 99);
        assertThat(FileResponder.parseSingleRange("bytes=90-500", 100)).containsExactly(90, 99);
        assertThat(FileResponder.parseSingleRange("bytes=-5", 100)).containsExactly(95, 99);
        assertThat(FileResponder.parseSingleRange("bytes=-500", 100)).containsExactly(0, 99);
    }

    @Test
    void rangesStartingAtOrPastTheEndAreUnsatisfiable() {
        assertThat(FileResponder.parseSingleRange("bytes=100-", 100)).isNull();
        assertThat(FileResponder.parseSingleRange("bytes=150-", 100)).isNull();
        assertThat(FileResponder.parseSingleRange("bytes=100-200", 100)).isNull();
        assertThat(FileResponder.parseSingleRange("bytes=-0", 100)).isNull();
    }

    @Test
    void malformedOrMultipleRangesAreIgnored() {
        assertThat(FileResponder.parseSingleRange("items=0-9", 100)).isEmpty();
        assertThat(FileResponder.parseSingleRange("bytes=0-9,20-29", 100)).isEmpty();
        assertThat(FileResponder.parseSingleRange("bytes=9-0", 100)).isEmpty();
        assertThat(FileResponder.parseSingleRange("bytes=a-b", 100)).isEmpty();
        assertThat(FileResponder.parseSingleRange("bytes=-", 100)).isEmpty();
    }
}
