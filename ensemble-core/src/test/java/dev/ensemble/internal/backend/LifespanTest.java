package dev.ensemble.internal.backend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ensemble.internal.schedule.TestCalls;
import dev.ensemble.internal.schedule.Chunk;
import java.util.ArrayList;
import java.util.Collections;
import org.junit.jupiter.api.Test;

class LifespanTest {

    @Test
    void withoutALimit_takesEverything_andIsNeverDue() {
        Lifespan life = new Lifespan(0);
        assertThat(life.give(chunk(1_000_000))).isTrue();
        assertThat(life.room()).isEqualTo(Integer.MAX_VALUE);
        assertThat(life.due()).isFalse();
    }

    @Test
    void countsTasksWhenGiven_andIsDueAtTheLimit() {
        Lifespan life = new Lifespan(10);
        assertThat(life.give(chunk(4))).isTrue();
        assertThat(life.room()).as("a pipelined worker is not given more than its lifespan").isEqualTo(6);
        assertThat(life.give(chunk(6))).isTrue();
        assertThat(life.due()).isTrue();
        assertThat(life.room()).isZero();
        assertThat(life.give(chunk(1))).as("nothing more once due").isFalse();
    }

    @Test
    void aChunkThatWouldPassTheLimit_isRefused_andEndsTheLifespan() {
        Lifespan life = new Lifespan(10);
        life.give(chunk(4));
        assertThat(life.give(chunk(7))).isFalse();
        assertThat(life.due()).as("the refused chunk goes to the replacement").isTrue();
    }

    @Test
    void aNewWorker_takesAChunkLargerThanTheLimit_soThatItRunsSomewhere() {
        Lifespan life = new Lifespan(3);
        assertThat(life.give(chunk(5))).isTrue();
        assertThat(life.due()).isTrue();
    }

    @Test
    void tasksThatNeverRan_doNotCount() {
        Lifespan life = new Lifespan(10);
        life.give(chunk(10));
        assertThat(life.due()).isTrue();
        life.notRun(4); // its call was cancelled after six tasks
        assertThat(life.due()).isFalse();
        assertThat(life.room()).isEqualTo(4);
        assertThat(life.given()).isEqualTo(6);
    }

    @Test
    void aWarmWorkersEarlierTasks_count() {
        Lifespan life = new Lifespan(10);
        life.ranBefore(8);
        assertThat(life.room()).isEqualTo(2);
        life.ranBefore(2);
        assertThat(life.due()).isTrue();
    }

    private static Chunk chunk(int size) {
        return Chunk.of(TestCalls.of(1, x -> x), 0, new ArrayList<>(Collections.nCopies(size, (Object) "x")),
                Chunk.Timing.EACH_TASK);
    }
}
