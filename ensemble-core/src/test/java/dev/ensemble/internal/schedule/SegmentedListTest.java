package dev.ensemble.internal.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SegmentedListTest {
    @Test
    void readsAcrossPartsInOrder_skippingEmptyOnes() {
        Object[][] parts = {{1, 2}, {}, {3, null /* unused tail */}, {4, 5, 6}};
        int[] starts = {0, 2, 2, 3, 6};
        SegmentedList list = new SegmentedList(parts, starts);
        assertThat(list).containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(list.get(2)).isEqualTo(3);
        assertThat(list).isEqualTo(List.of(1, 2, 3, 4, 5, 6));
        assertThatThrownBy(() -> list.get(6)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> list.set(0, 9)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void anEmptyListHasNoParts() {
        assertThat(new SegmentedList(new Object[0][], new int[] {0})).isEmpty();
    }
}
