package dev.ensemble;

import static dev.ensemble.internal.ReductionParts.collect;
import static dev.ensemble.internal.ReductionParts.merge;
import static dev.ensemble.internal.ReductionParts.extreme;
import static dev.ensemble.internal.ReductionParts.fold;
import static dev.ensemble.internal.ReductionParts.requireArithmeticType;
import static dev.ensemble.internal.ReductionParts.arithmetic;
import static dev.ensemble.internal.ReductionParts.undefinedWhenEmpty;
import static dev.ensemble.internal.ReductionParts.requireParts;
import static dev.ensemble.internal.ReductionParts.requirePart;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.StringJoiner;
import java.util.function.BinaryOperator;
import java.util.function.Supplier;
import java.util.stream.Collector;

/**
 * The common {@link Reduction}s of batch results (workercontext's reductions), for
 * {@link WorkerPool#batched(java.util.List, Task, Reduction)}.
 *
 * <p><b>Empty input.</b> A {@code batched} call on no inputs has no batches, so its reduction gets no parts.
 * Reductions with an identity return it: {@code flatten} and {@code setUnion} an empty collection,
 * {@code sum(zero)} the zero, {@code product(one)} the one, {@code concat} {@code ""}, {@code and} true,
 * {@code or} false, {@code andLongs} -1, {@code orLongs} 0, {@code orBits} an empty bit set, {@code histogram}
 * and {@code mapMerge} an empty map, {@code of(collector)} what the collector makes of nothing. The others have
 * no value to give and throw {@link NoSuchElementException}: {@code min}, {@code max}, {@code average},
 * {@code andBits}, and {@code sum()} / {@code product()} without an identity (erasure leaves no type to make
 * a zero of; say {@code sum(0L)}).
 *
 * <p><b>Null parts</b> (a batch that returned {@code null}) make every reduction here except
 * {@link #of(Collector)} throw {@link NullPointerException} naming the part. Results are new, modifiable
 * objects; the parts are never modified.
 *
 * <p><b>Composition.</b> {@link #flatten()} and {@link #setUnion()} can hand their elements to a further
 * reduction: {@code flatten().andThen(average())} averages every element of every batch's list. The types
 * make a wrong composition a compile error: {@code flatten().andThen(average())} does not fit batches that
 * return lists of strings, and reductions whose result is not a collection have no {@code andThen}. After
 * {@code andThen}, name the element type of {@code min()} and {@code max()}: {@code Reductions.<Double>max()}
 * (Java's inference gives up on their {@code Comparable} bound there). To finish
 * a collector's result, compose collectors ({@link java.util.stream.Collectors#collectingAndThen}).
 */
public final class Reductions {
    private Reductions() {
    }

    /**
     * A reduction that gathers the elements of every part (a collection) into one collection, in batch order,
     * and can hand them to a further reduction with {@link #andThen}.
     *
     * @param <T> the element type
     * @param <C> the kind of collection made
     */
    public static final class Gathering<T, C extends Collection<T>> implements Reduction<Collection<? extends T>, C> {
        private final String name;
        private final Supplier<Collection<Object>> newCollection;

        private Gathering(String name, Supplier<Collection<Object>> newCollection) {
            this.name = name;
            this.newCollection = newCollection;
        }

        @Override
        @SuppressWarnings("unchecked") // the collection holds exactly the parts' elements, all of type T
        public C reduce(List<? extends Collection<? extends T>> parts) {
            return (C) gather(parts);
        }

        private Collection<Object> gather(List<? extends Collection<?>> parts) {
            requireParts(parts, name);
            Collection<Object> out = newCollection.get();
            for (int i = 0; i < parts.size(); i++) {
                out.addAll(requirePart(parts.get(i), i, name));
            }
            return out;
        }

        /**
         * This gathering followed by {@code next}, which reduces the gathered elements as its parts: for example
         * {@code flatten().andThen(average())} gives the mean of all elements of all batches. The element type is
         * taken from {@code next}, so the composition accepts exactly the batch results whose elements
         * {@code next} can reduce. Java cannot infer the element type of {@code min()} and {@code max()} (whose
         * type variable is bounded by {@code Comparable}) in this position: name it, as in
         * {@code flatten().andThen(Reductions.<Double>max())}.
         *
         * @param next the reduction of the elements
         * @param <U> the element type
         * @param <P> the final result type
         * @return the composed reduction
         * @throws IllegalArgumentException if {@code next} is null
         */
        @SuppressWarnings("unchecked") // gathering is parametric: the elements out are the elements in, all U
        public <U, P> Reduction<Collection<? extends U>, P> andThen(Reduction<? super U, ? extends P> next) {
            requireArgument(next, "next");
            return parts -> {
                Collection<Object> gathered = gather(parts);
                List<U> elements = (List<U>) (gathered instanceof List<?> list ? list : new ArrayList<>(gathered));
                return next.reduce(elements);
            };
        }

        @Override
        public String toString() {
            return "Reductions." + name;
        }
    }

    /**
     * One list of every part's elements, in batch order (workercontext's {@code flatten_reduction}).
     *
     * @param <T> the element type
     * @return the reduction; empty input gives an empty list
     */
    public static <T> Gathering<T, List<T>> flatten() {
        return new Gathering<>("flatten()", ArrayList::new);
    }

    /**
     * The union of the parts' elements, in the order first seen.
     *
     * @param <T> the element type
     * @return the reduction; empty input gives an empty set
     */
    public static <T> Gathering<T, Set<T>> setUnion() {
        return new Gathering<>("setUnion()", LinkedHashSet::new);
    }

    /**
     * The sum of the parts, of the parts' own type: {@code Integer}, {@code Long}, {@code Float}, {@code Double},
     * {@code BigInteger} or {@code BigDecimal}; integer overflow throws {@link ArithmeticException} rather than
     * wrapping.
     *
     * @param <N> the number type
     * @return the reduction; empty input throws {@link NoSuchElementException} (use {@link #sum(Number)})
     */
    public static <N extends Number> Reduction<N, N> sum() {
        return parts -> arithmetic(parts, null, false, "sum()");
    }

    /**
     * The sum of the parts, starting from {@code zero}, which also fixes the type and is the sum of no parts.
     *
     * @param zero the identity, such as {@code 0L}, {@code 0.0} or {@code BigDecimal.ZERO}
     * @param <N> the number type
     * @return the reduction
     * @throws IllegalArgumentException if {@code zero} is null or not of a supported type
     */
    public static <N extends Number> Reduction<N, N> sum(N zero) {
        requireArithmeticType(zero, "sum");
        return parts -> arithmetic(parts, zero, false, "sum(" + zero + ")");
    }

    /**
     * The product of the parts, of their own type (see {@link #sum()}).
     *
     * @param <N> the number type
     * @return the reduction; empty input throws {@link NoSuchElementException} (use {@link #product(Number)})
     */
    public static <N extends Number> Reduction<N, N> product() {
        return parts -> arithmetic(parts, null, true, "product()");
    }

    /**
     * The product of the parts, starting from {@code one}, which also fixes the type and is the product of no
     * parts.
     *
     * @param one the identity, such as {@code 1L} or {@code 1.0}
     * @param <N> the number type
     * @return the reduction
     * @throws IllegalArgumentException if {@code one} is null or not of a supported type
     */
    public static <N extends Number> Reduction<N, N> product(N one) {
        requireArithmeticType(one, "product");
        return parts -> arithmetic(parts, one, true, "product(" + one + ")");
    }

    /**
     * The smallest part by natural order; the first of equal ones.
     *
     * @param <T> the part type
     * @return the reduction; empty input throws {@link NoSuchElementException}
     */
    public static <T extends Comparable<? super T>> Reduction<T, T> min() {
        return parts -> extreme(parts, Comparator.naturalOrder(), -1, "min()");
    }

    /**
     * The smallest part by {@code order}; the first of equal ones.
     *
     * @param order the order
     * @param <T> the part type
     * @return the reduction; empty input throws {@link NoSuchElementException}
     * @throws IllegalArgumentException if {@code order} is null
     */
    public static <T> Reduction<T, T> min(Comparator<? super T> order) {
        requireArgument(order, "order");
        return parts -> extreme(parts, order, -1, "min(order)");
    }

    /**
     * The largest part by natural order; the first of equal ones.
     *
     * @param <T> the part type
     * @return the reduction; empty input throws {@link NoSuchElementException}
     */
    public static <T extends Comparable<? super T>> Reduction<T, T> max() {
        return parts -> extreme(parts, Comparator.naturalOrder(), 1, "max()");
    }

    /**
     * The largest part by {@code order}; the first of equal ones.
     *
     * @param order the order
     * @param <T> the part type
     * @return the reduction; empty input throws {@link NoSuchElementException}
     * @throws IllegalArgumentException if {@code order} is null
     */
    public static <T> Reduction<T, T> max(Comparator<? super T> order) {
        requireArgument(order, "order");
        return parts -> extreme(parts, order, 1, "max(order)");
    }

    /**
     * The mean of the parts as doubles. Batches differ in size by one, so the mean of per-batch means is not quite
     * the mean of all inputs: return lists and use {@code flatten().andThen(average())} for that.
     *
     * @return the reduction; empty input throws {@link NoSuchElementException}
     */
    public static Reduction<Number, Double> average() {
        return parts -> {
            requireParts(parts, "average()");
            if (parts.isEmpty()) {
                throw undefinedWhenEmpty("average()");
            }
            double sum = 0;
            for (int i = 0; i < parts.size(); i++) {
                sum += requirePart(parts.get(i), i, "average()").doubleValue();
            }
            return sum / parts.size();
        };
    }

    /**
     * The parts' text, one after the other.
     *
     * @return the reduction; empty input gives {@code ""}
     */
    public static Reduction<CharSequence, String> concat() {
        return concat("");
    }

    /**
     * The parts' text, separated by {@code delimiter}.
     *
     * @param delimiter put between two parts, such as {@code "\n"}
     * @return the reduction; empty input gives {@code ""}
     * @throws IllegalArgumentException if {@code delimiter} is null
     */
    public static Reduction<CharSequence, String> concat(CharSequence delimiter) {
        requireArgument(delimiter, "delimiter");
        String name = "concat(\"" + delimiter + "\")";
        return parts -> {
            requireParts(parts, name);
            StringJoiner joiner = new StringJoiner(delimiter);
            for (int i = 0; i < parts.size(); i++) {
                joiner.add(requirePart(parts.get(i), i, name));
            }
            return joiner.toString();
        };
    }

    /**
     * Whether every part is true.
     *
     * @return the reduction; empty input gives true
     */
    public static Reduction<Boolean, Boolean> and() {
        return parts -> fold(parts, true, (all, part) -> all & part, "and()");
    }

    /**
     * Whether any part is true.
     *
     * @return the reduction; empty input gives false
     */
    public static Reduction<Boolean, Boolean> or() {
        return parts -> fold(parts, false, (any, part) -> any | part, "or()");
    }

    /**
     * The bits set in every part.
     *
     * @return the reduction; empty input throws {@link NoSuchElementException}, since the set of all bits has no
     *     {@code BitSet}
     */
    public static Reduction<BitSet, BitSet> andBits() {
        return parts -> {
            requireParts(parts, "andBits()");
            if (parts.isEmpty()) {
                throw undefinedWhenEmpty("andBits()");
            }
            BitSet out = (BitSet) requirePart(parts.get(0), 0, "andBits()").clone();
            for (int i = 1; i < parts.size(); i++) {
                out.and(requirePart(parts.get(i), i, "andBits()"));
            }
            return out;
        };
    }

    /**
     * The bits set in any part.
     *
     * @return the reduction; empty input gives an empty bit set
     */
    public static Reduction<BitSet, BitSet> orBits() {
        return parts -> fold(parts, new BitSet(), (out, part) -> {
            out.or(part);
            return out;
        }, "orBits()");
    }

    /**
     * The bitwise AND of the parts as 64-bit masks.
     *
     * @return the reduction; empty input gives -1 (all bits set)
     */
    public static Reduction<Long, Long> andLongs() {
        return parts -> fold(parts, -1L, (out, part) -> out & part, "andLongs()");
    }

    /**
     * The bitwise OR of the parts as 64-bit masks.
     *
     * @return the reduction; empty input gives 0
     */
    public static Reduction<Long, Long> orLongs() {
        return parts -> fold(parts, 0L, (out, part) -> out | part, "orLongs()");
    }

    /**
     * Adds up per-batch counts: each part maps a bin (a value, a word, a bucket number) to how many times the
     * batch saw it, and the result maps each bin to its total, in the order bins were first seen.
     *
     * <pre>{@code
     * Map<String, Long> words = pool.batched(lines, batch -> countWords(batch), Reductions.histogram());
     * }</pre>
     *
     * @param <K> the bin type
     * @return the reduction; empty input gives an empty map
     */
    public static <K> Reduction<Map<? extends K, ? extends Number>, Map<K, Long>> histogram() {
        return parts -> {
            requireParts(parts, "histogram()");
            Map<K, Long> out = new LinkedHashMap<>();
            for (int i = 0; i < parts.size(); i++) {
                for (Map.Entry<? extends K, ? extends Number> bin : requirePart(parts.get(i), i, "histogram()")
                        .entrySet()) {
                    if (bin.getValue() == null) {
                        throw new NullPointerException("histogram(): part " + i + " has a null count for bin "
                                + bin.getKey());
                    }
                    out.merge(bin.getKey(), bin.getValue().longValue(), Long::sum);
                }
            }
            return out;
        };
    }

    /**
     * All parts' entries in one map, in batch order. A key in more than one part throws
     * {@link IllegalStateException}; use {@link #mapMerge(BinaryOperator)} to combine such values instead.
     *
     * @param <K> the key type
     * @param <V> the value type
     * @return the reduction; empty input gives an empty map
     */
    public static <K, V> Reduction<Map<? extends K, ? extends V>, Map<K, V>> mapMerge() {
        return parts -> merge(parts, null, "mapMerge()");
    }

    /**
     * All parts' entries in one map, in batch order; where a key is in more than one part its values are
     * combined with {@code merger} (earlier value first).
     *
     * @param merger combines two values of one key, such as {@code Integer::sum}
     * @param <K> the key type
     * @param <V> the value type
     * @return the reduction; empty input gives an empty map
     * @throws IllegalArgumentException if {@code merger} is null
     */
    public static <K, V> Reduction<Map<? extends K, ? extends V>, Map<K, V>> mapMerge(BinaryOperator<V> merger) {
        requireArgument(merger, "merger");
        return parts -> merge(parts, merger, "mapMerge(merger)");
    }

    /**
     * A reduction by any {@link Collector}, fed the parts in batch order.
     *
     * <pre>{@code
     * String summary = pool.batched(inputs, batch -> stats(batch), Reductions.of(Collectors.joining(", ")));
     * }</pre>
     *
     * @param collector the collector; null parts reach it as they are
     * @param <T> the part type
     * @param <R> the result type
     * @return the reduction; empty input gives what the collector makes of no elements
     * @throws IllegalArgumentException if {@code collector} is null
     */
    public static <T, R> Reduction<T, R> of(Collector<? super T, ?, ? extends R> collector) {
        requireArgument(collector, "collector");
        return parts -> {
            requireParts(parts, "of(collector)");
            return collect(collector, parts);
        };
    }

    private static void requireArgument(Object value, String name) {
        if (value == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
    }
}
