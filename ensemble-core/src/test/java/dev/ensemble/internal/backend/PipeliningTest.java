package dev.ensemble.internal.backend;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PipeliningTest {

    @Test
    void aWorkerHoldsOneChunk_untilItsPaceIsKnown_orWhileAnotherWorkerIsIdle() {
        Pipelining.Pace pace = new Pipelining.Pace();
        assertThat(pace.depth(16, 0, 4)).isEqualTo(1);
        pace.observe(16, 16 * 25_000L);
        assertThat(pace.depth(16, 1, 4)).as("a second chunk held here could run on the idle worker").isEqualTo(1);
        assertThat(pace.depth(16, 0, 4)).isEqualTo(4);
        assertThat(pace.depth(16, 0, 3)).as("never above the backend's most").isEqualTo(3);
    }

    @Test
    void theDepthFollowsTheChunksHeldNow_notTheSizeOfTheLastOneAnswered() {
        // A call's first chunks are 16 tasks; once timed, its chunks are a few milliseconds' worth. Judged by the
        // first chunk's 0.4 ms, a worker would take four of those, and the call would end waiting for it.
        Pipelining.Pace pace = new Pipelining.Pace();
        pace.observe(16, 16 * 25_000L);
        assertThat(pace.depth(231, 0, 4)).as("231 tasks of 25 us: 5.8 ms").isEqualTo(2);
        assertThat(pace.depth(1_000, 0, 4)).as("25 ms: nothing held behind it").isEqualTo(1);
        pace.observe(231, 231 * 100L);
        assertThat(pace.depth(1_000, 0, 4)).as("the pace follows the latest chunk").isEqualTo(4);
    }

    @Test
    void aChunkThatRanNoTask_leavesThePaceAsItWas() {
        Pipelining.Pace pace = new Pipelining.Pace();
        pace.observe(0, 5_000_000);
        assertThat(pace.depth(10, 0, 4)).isEqualTo(1);
        pace.observe(10, 10 * 1_000_000L);
        pace.observe(0, 0);
        assertThat(pace.depth(10, 0, 4)).isEqualTo(2);
    }
}
