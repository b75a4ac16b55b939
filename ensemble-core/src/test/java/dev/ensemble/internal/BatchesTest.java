package dev.ensemble.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ensemble.CallOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BatchesTest {

    @Test
    void split_isContiguous_sizesDifferByAtMostOne_longerFirst() {
        for (int size = 0; size <= 25; size++) {
            List<Integer> inputs = IntStream.range(0, size).boxed().toList();
            for (int count = 1; count <= 8; count++) {
                List<List<Integer>> batches = Batches.split(inputs, count);
                assertThat(batches).hasSize(Math.min(size, count));
                List<Integer> joined = new ArrayList<>();
                batches.forEach(joined::addAll);
                assertThat(joined).isEqualTo(inputs);
                for (int i = 1; i < batches.size(); i++) {
                    int previous = batches.get(i - 1).size();
                    assertThat(batches.get(i).size()).isBetween(previous - 1, previous);
                }
                if (!batches.isEmpty()) {
                    assertThat(batches.getFirst().size() - batches.getLast().size()).isBetween(0, 1);
                }
            }
        }
    }

    @Test
    void split_copiesIntoArrayLists() {
        List<Integer> inputs = new ArrayList<>(List.of(1, 2, 3));
        List<List<Integer>> batches = Batches.split(inputs, 2);
        inputs.set(0, 99);
        assertThat(batches.getFirst()).isInstanceOf(ArrayList.class).containsExactly(1, 2);
    }

    @Test
    void runOptions_oneBatchPerChunk_keepsTheCallersName() {
        assertThat(Batches.runOptions(CallOptions.defaults(), "batched").chunkSize()).isEqualTo(1);
        assertThat(Batches.runOptions(CallOptions.defaults(), "batched").name()).isEqualTo("batched");
        assertThat(Batches.runOptions(CallOptions.defaults().name("mine"), "batched").name()).isEqualTo("mine");
        assertThat(Batches.count(CallOptions.defaults(), 4)).isEqualTo(4);
        assertThat(Batches.count(CallOptions.defaults().batches(9), 4)).isEqualTo(9);
    }
}
