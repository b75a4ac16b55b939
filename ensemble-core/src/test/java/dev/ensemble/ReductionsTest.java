package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Every reduction on no parts, one part and several; the empty cases are the documented contract. */
class ReductionsTest {

    private static <T> List<T> none() {
        return List.of();
    }

    @Nested
    class Flatten {
        @Test
        void joinsListsInBatchOrder() {
            assertThat(Reductions.<Integer>flatten().reduce(List.of(List.of(1, 2), List.of(), List.of(3))))
                    .containsExactly(1, 2, 3);
        }

        @Test
        void emptyGivesEmptyModifiableList() {
            List<Integer> out = Reductions.<Integer>flatten().reduce(none());
            assertThat(out).isEmpty();
            out.add(1);
        }

        @Test
        void singlePartIsCopied() {
            List<Integer> part = List.of(4, 5);
            List<Integer> out = Reductions.<Integer>flatten().reduce(List.of(part));
            assertThat(out).containsExactly(4, 5).isNotSameAs(part);
        }

        @Test
        void nullPartIsNamed() {
            assertThatThrownBy(() -> Reductions.<Integer>flatten().reduce(Arrays.asList(List.of(1), null)))
                    .isInstanceOf(NullPointerException.class).hasMessageContaining("part 1 is null");
        }

        @Test
        void thenAverageGivesOneNumber() {
            Reduction<Collection<? extends Number>, Double> mean = Reductions.flatten().andThen(Reductions.average());
            assertThat(mean.reduce(List.of(List.of(1, 2), List.of(3.0, 6.0)))).isEqualTo(3.0);
            assertThatThrownBy(() -> mean.reduce(none())).isInstanceOf(NoSuchElementException.class);
            assertThat(mean.reduce(List.of(List.of(7)))).isEqualTo(7.0);
        }

        @Test
        void thenSumWithIdentityIsZeroOnEmpty() {
            Reduction<Collection<? extends Long>, Long> total = Reductions.flatten().andThen(Reductions.sum(0L));
            assertThat(total.reduce(List.of(List.of(1L, 2L), List.of(3L)))).isEqualTo(6L);
            assertThat(total.reduce(none())).isZero();
        }

        @Test
        void nestsToFlattenTwice() {
            Reduction<Collection<? extends List<Integer>>, List<Integer>> twice =
                    Reductions.flatten().andThen(Reductions.<Integer>flatten());
            assertThat(twice.reduce(List.of(List.of(List.of(1), List.of(2, 3)), List.of(List.of(4)))))
                    .containsExactly(1, 2, 3, 4);
        }
    }

    @Nested
    class SetUnion {
        @Test
        void keepsFirstSeenOrderWithoutDuplicates() {
            Set<String> out = Reductions.<String>setUnion().reduce(List.of(List.of("b", "a"), Set.of("a"),
                    List.of("c", "b")));
            assertThat(out).containsExactly("b", "a", "c");
        }

        @Test
        void emptyAndSingle() {
            assertThat(Reductions.<String>setUnion().reduce(none())).isEmpty();
            assertThat(Reductions.<String>setUnion().reduce(List.of(List.of("x", "x")))).containsExactly("x");
        }

        @Test
        void thenReducesDistinctElements() {
            Reduction<Collection<? extends Integer>, Integer> distinctSum =
                    Reductions.setUnion().andThen(Reductions.sum(0));
            assertThat(distinctSum.reduce(List.of(List.of(1, 2), List.of(2, 3)))).isEqualTo(6);
        }
    }

    @Nested
    class Sum {
        @Test
        void keepsThePartsType() {
            Integer ints = Reductions.<Integer>sum().reduce(List.of(1, 2, 3));
            Long longs = Reductions.<Long>sum().reduce(List.of(1L, 2L));
            Double doubles = Reductions.<Double>sum().reduce(List.of(0.5, 0.25));
            Float floats = Reductions.<Float>sum().reduce(List.of(0.5f, 0.5f));
            assertThat(ints).isEqualTo(6);
            assertThat(longs).isEqualTo(3L);
            assertThat(doubles).isEqualTo(0.75);
            assertThat(floats).isEqualTo(1f);
            assertThat(Reductions.<BigInteger>sum().reduce(List.of(BigInteger.TWO, BigInteger.TEN)))
                    .isEqualTo(BigInteger.valueOf(12));
            assertThat(Reductions.<BigDecimal>sum().reduce(List.of(new BigDecimal("0.1"), new BigDecimal("0.2"))))
                    .isEqualTo(new BigDecimal("0.3"));
        }

        @Test
        void singlePartIsItself() {
            assertThat(Reductions.<Long>sum().reduce(List.of(42L))).isEqualTo(42L);
            assertThat(Reductions.sum(0L).reduce(List.of(42L))).isEqualTo(42L);
        }

        @Test
        void emptyWithoutIdentityExplainsWhatToDo() {
            assertThatThrownBy(() -> Reductions.<Long>sum().reduce(none()))
                    .isInstanceOf(NoSuchElementException.class).hasMessageContaining("sum(0L)");
        }

        @Test
        void emptyWithIdentityIsTheIdentity() {
            assertThat(Reductions.sum(0L).reduce(none())).isZero();
            assertThat(Reductions.sum(0.0).reduce(none())).isZero();
            assertThat(Reductions.sum(BigDecimal.ZERO).reduce(none())).isEqualTo(BigDecimal.ZERO);
        }

        @Test
        void overflowThrowsRatherThanWraps() {
            assertThatThrownBy(() -> Reductions.<Integer>sum().reduce(List.of(Integer.MAX_VALUE, 1)))
                    .isInstanceOf(ArithmeticException.class);
        }

        @Test
        void mixedTypesAreRejected() {
            List<Number> mixed = List.of(1, 2L);
            assertThatThrownBy(() -> Reductions.<Number>sum().reduce(mixed))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("part 1 is a java.lang.Long");
            assertThatThrownBy(() -> Reductions.<Number>sum(0).reduce(List.<Number>of(1L)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("the identity");
        }

        @Test
        void unsupportedTypesAreRejected() {
            List<Short> shorts = List.of((short) 1);
            assertThatThrownBy(() -> Reductions.<Short>sum().reduce(shorts))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("java.lang.Short");
            assertThatThrownBy(() -> Reductions.sum((short) 0)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> Reductions.sum(null)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Nested
    class Product {
        @Test
        void multiplies() {
            assertThat(Reductions.<Long>product().reduce(List.of(2L, 3L, 4L))).isEqualTo(24L);
            assertThat(Reductions.<Double>product().reduce(List.of(0.5, 4.0))).isEqualTo(2.0);
        }

        @Test
        void emptyAndSingle() {
            assertThat(Reductions.product(1L).reduce(none())).isEqualTo(1L);
            assertThat(Reductions.<Integer>product().reduce(List.of(7))).isEqualTo(7);
            assertThatThrownBy(() -> Reductions.<Integer>product().reduce(none()))
                    .isInstanceOf(NoSuchElementException.class).hasMessageContaining("product(1L)");
        }

        @Test
        void overflowThrows() {
            assertThatThrownBy(() -> Reductions.<Long>product().reduce(List.of(Long.MAX_VALUE, 2L)))
                    .isInstanceOf(ArithmeticException.class);
        }
    }

    @Nested
    class MinMax {
        @Test
        void naturalOrder() {
            assertThat(Reductions.<Integer>min().reduce(List.of(3, 1, 2))).isEqualTo(1);
            assertThat(Reductions.<Integer>max().reduce(List.of(3, 1, 2))).isEqualTo(3);
        }

        @Test
        void byComparator_firstOfEqualWins() {
            List<String> words = List.of("bb", "a", "cc", "d");
            assertThat(Reductions.<String>min(java.util.Comparator.comparingInt(String::length)).reduce(words))
                    .isEqualTo("a");
            assertThat(Reductions.<String>max(java.util.Comparator.comparingInt(String::length)).reduce(words))
                    .isEqualTo("bb");
        }

        @Test
        void emptyIsUndefined_singleIsItself() {
            assertThatThrownBy(() -> Reductions.<Integer>min().reduce(none()))
                    .isInstanceOf(NoSuchElementException.class).hasMessageContaining("min()");
            assertThatThrownBy(() -> Reductions.<Integer>max().reduce(none()))
                    .isInstanceOf(NoSuchElementException.class).hasMessageContaining("max()");
            assertThat(Reductions.<Integer>min().reduce(List.of(5))).isEqualTo(5);
            assertThat(Reductions.<Integer>max().reduce(List.of(5))).isEqualTo(5);
        }

        @Test
        void nullComparatorIsRejected() {
            assertThatThrownBy(() -> Reductions.min(null)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> Reductions.max(null)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Nested
    class Average {
        @Test
        void meanOfMixedNumbers() {
            assertThat(Reductions.average().reduce(List.<Number>of(1, 2L, 3.0f, 6.0))).isEqualTo(3.0);
        }

        @Test
        void emptyIsUndefined_singleIsItself() {
            assertThatThrownBy(() -> Reductions.average().reduce(none()))
                    .isInstanceOf(NoSuchElementException.class).hasMessageContaining("average()");
            assertThat(Reductions.average().reduce(List.of(2))).isEqualTo(2.0);
        }
    }

    @Nested
    class Concat {
        @Test
        void joinsInBatchOrder() {
            assertThat(Reductions.concat().reduce(List.of("ab", new StringBuilder("c"), ""))).isEqualTo("abc");
            assertThat(Reductions.concat(", ").reduce(List.of("a", "b"))).isEqualTo("a, b");
        }

        @Test
        void emptyAndSingle() {
            assertThat(Reductions.concat().reduce(none())).isEmpty();
            assertThat(Reductions.concat("-").reduce(none())).isEmpty();
            assertThat(Reductions.concat("-").reduce(List.of("x"))).isEqualTo("x");
            assertThatThrownBy(() -> Reductions.concat(null)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Nested
    class Logic {
        @Test
        void booleans() {
            assertThat(Reductions.and().reduce(List.of(true, true))).isTrue();
            assertThat(Reductions.and().reduce(List.of(true, false))).isFalse();
            assertThat(Reductions.or().reduce(List.of(false, true))).isTrue();
            assertThat(Reductions.or().reduce(List.of(false, false))).isFalse();
        }

        @Test
        void booleansEmptyAndSingle() {
            assertThat(Reductions.and().reduce(none())).isTrue();
            assertThat(Reductions.or().reduce(none())).isFalse();
            assertThat(Reductions.and().reduce(List.of(false))).isFalse();
            assertThat(Reductions.or().reduce(List.of(true))).isTrue();
        }

        @Test
        void bitSets_leaveThePartsAlone() {
            BitSet a = BitSet.valueOf(new long[] {0b1100});
            BitSet b = BitSet.valueOf(new long[] {0b1010});
            assertThat(Reductions.andBits().reduce(List.of(a, b))).isEqualTo(BitSet.valueOf(new long[] {0b1000}));
            assertThat(Reductions.orBits().reduce(List.of(a, b))).isEqualTo(BitSet.valueOf(new long[] {0b1110}));
            assertThat(a).isEqualTo(BitSet.valueOf(new long[] {0b1100}));
        }

        @Test
        void bitSetsEmptyAndSingle() {
            BitSet a = BitSet.valueOf(new long[] {0b101});
            assertThat(Reductions.orBits().reduce(none())).isEqualTo(new BitSet());
            assertThatThrownBy(() -> Reductions.andBits().reduce(none())).isInstanceOf(NoSuchElementException.class);
            assertThat(Reductions.andBits().reduce(List.of(a))).isEqualTo(a).isNotSameAs(a);
            assertThat(Reductions.orBits().reduce(List.of(a))).isEqualTo(a).isNotSameAs(a);
        }

        @Test
        void longMasks() {
            assertThat(Reductions.andLongs().reduce(List.of(0b1100L, 0b1010L))).isEqualTo(0b1000L);
            assertThat(Reductions.orLongs().reduce(List.of(0b1100L, 0b1010L))).isEqualTo(0b1110L);
            assertThat(Reductions.andLongs().reduce(none())).isEqualTo(-1L);
            assertThat(Reductions.orLongs().reduce(none())).isZero();
            assertThat(Reductions.andLongs().reduce(List.of(5L))).isEqualTo(5L);
            assertThat(Reductions.orLongs().reduce(List.of(5L))).isEqualTo(5L);
        }
    }

    @Nested
    class Histogram {
        @Test
        void addsCountsPerBin() {
            Map<String, Long> out = Reductions.<String>histogram().reduce(List.of(Map.of("a", 2), Map.of("a", 1L,
                    "b", 5)));
            assertThat(out).containsExactlyInAnyOrderEntriesOf(Map.of("a", 3L, "b", 5L));
        }

        @Test
        void emptyAndSingle() {
            assertThat(Reductions.<String>histogram().reduce(none())).isEmpty();
            assertThat(Reductions.<String>histogram().reduce(List.of(Map.of("x", 4)))).containsEntry("x", 4L)
                    .hasSize(1);
        }
    }

    @Nested
    class MapMerge {
        @Test
        void disjointKeysInBatchOrder() {
            Map<String, Integer> out = Reductions.<String, Integer>mapMerge().reduce(List.of(Map.of("a", 1),
                    Map.of("b", 2)));
            assertThat(out).containsExactly(Map.entry("a", 1), Map.entry("b", 2));
        }

        @Test
        void duplicateKeyFailsUnlessMerged() {
            List<Map<String, Integer>> parts = List.of(Map.of("a", 1), Map.of("a", 2));
            assertThatThrownBy(() -> Reductions.<String, Integer>mapMerge().reduce(parts))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("key a")
                    .hasMessageContaining("mapMerge(merger)");
            assertThat(Reductions.<String, Integer>mapMerge(Integer::sum).reduce(parts)).containsEntry("a", 3);
        }

        @Test
        void emptyAndSingle() {
            assertThat(Reductions.<String, Integer>mapMerge().reduce(none())).isEmpty();
            assertThat(Reductions.<String, Integer>mapMerge(Integer::sum).reduce(none())).isEmpty();
            assertThat(Reductions.<String, Integer>mapMerge().reduce(List.of(Map.of("k", 1)))).containsEntry("k", 1);
            assertThatThrownBy(() -> Reductions.mapMerge(null)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Nested
    class OfCollector {
        @Test
        void feedsThePartsInOrder() {
            assertThat(Reductions.of(Collectors.joining("|")).reduce(List.of("a", "b"))).isEqualTo("a|b");
            assertThat(Reductions.<Integer, Integer>of(Collectors.summingInt(x -> x)).reduce(List.of(1, 2)))
                    .isEqualTo(3);
        }

        @Test
        void emptyIsWhatTheCollectorMakesOfNothing_singleWorks() {
            assertThat(Reductions.of(Collectors.joining("|")).reduce(none())).isEmpty();
            assertThat(Reductions.<Integer, List<Integer>>of(Collectors.toList()).reduce(none())).isEmpty();
            assertThat(Reductions.of(Collectors.joining("|")).reduce(List.of("x"))).isEqualTo("x");
        }

        @Test
        void nullPartsReachTheCollector() {
            List<String> parts = new ArrayList<>(Arrays.asList("a", null));
            assertThat(Reductions.<String, List<String>>of(Collectors.toList()).reduce(parts))
                    .containsExactly("a", null);
            assertThatThrownBy(() -> Reductions.of(null)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void nullPartsListIsRejectedWithAHint() {
        assertThatThrownBy(() -> Reductions.concat().reduce(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty list");
    }
}
