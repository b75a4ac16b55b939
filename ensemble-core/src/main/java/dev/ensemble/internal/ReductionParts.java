package dev.ensemble.internal;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.BiFunction;
import java.util.function.BinaryOperator;
import java.util.stream.Collector;

/**
 * What the reductions of {@code dev.ensemble.Reductions} share: combining the parts (folds, exact arithmetic,
 * extremes, map merges, collectors) and the checks and messages for null or missing parts.
 */
public final class ReductionParts {
    private ReductionParts() {
    }

    /** Runs a collector over the parts, in order. */
    public static <T, A, R> R collect(Collector<? super T, A, ? extends R> collector, List<? extends T> parts) {
        A container = collector.supplier().get();
        for (T part : parts) {
            collector.accumulator().accept(container, part);
        }
        return collector.finisher().apply(container);
    }

    /** Folds the parts, each checked, into {@code identity} with {@code step}, in batch order. */
    public static <P, R> R fold(List<? extends P> parts, R identity, BiFunction<R, P, R> step, String name) {
        requireParts(parts, name);
        R out = identity;
        for (int i = 0; i < parts.size(); i++) {
            out = step.apply(out, requirePart(parts.get(i), i, name));
        }
        return out;
    }

    /** Merges maps part by part; a key in two parts is combined with {@code merger}, or refused if it is null. */
    public static <K, V> Map<K, V> merge(List<? extends Map<? extends K, ? extends V>> parts,
            BinaryOperator<V> merger, String name) {
        requireParts(parts, name);
        Map<K, V> out = new LinkedHashMap<>();
        for (int i = 0; i < parts.size(); i++) {
            for (Map.Entry<? extends K, ? extends V> entry : requirePart(parts.get(i), i, name).entrySet()) {
                K key = entry.getKey();
                if (!out.containsKey(key)) {
                    out.put(key, entry.getValue());
                } else if (merger == null) {
                    throw new IllegalStateException(name + ": key " + key + " is in more than one part (again in part "
                            + i + "); use Reductions.mapMerge(merger) to combine the values of such keys");
                } else {
                    out.put(key, merger.apply(out.get(key), entry.getValue()));
                }
            }
        }
        return out;
    }

    /** The part that {@code order} puts first ({@code sign} -1) or last (1). */
    public static <T> T extreme(List<? extends T> parts, Comparator<? super T> order, int sign, String name) {
        requireParts(parts, name);
        if (parts.isEmpty()) {
            throw undefinedWhenEmpty(name);
        }
        T best = requirePart(parts.get(0), 0, name);
        for (int i = 1; i < parts.size(); i++) {
            T part = requirePart(parts.get(i), i, name);
            if (Integer.signum(order.compare(part, best)) == sign) {
                best = part;
            }
        }
        return best;
    }

    /** Refuses an identity that is not one of the arithmetic types. */
    public static void requireArithmeticType(Number identity, String what) {
        if (identity == null) {
            throw new IllegalArgumentException(what + " identity must not be null");
        }
        if (!isArithmetic(identity)) {
            throw new IllegalArgumentException(what + " works on Integer, Long, Float, Double, BigInteger or "
                    + "BigDecimal, got an identity of type " + identity.getClass().getName());
        }
    }

    /** Whether {@code n} is an Integer, Long, Float, Double, BigInteger or BigDecimal. */
    public static boolean isArithmetic(Number n) {
        return n instanceof Integer || n instanceof Long || n instanceof Float || n instanceof Double
                || n instanceof BigInteger || n instanceof BigDecimal;
    }

    /** Adds or multiplies the parts, exactly for integers, starting from {@code identity} if it is not null. */
    @SuppressWarnings("unchecked") // every operand has the class of the first one, which is an N
    public static <N extends Number> N arithmetic(List<? extends N> parts, N identity, boolean multiply,
            String name) {
        requireParts(parts, name);
        if (identity == null && parts.isEmpty()) {
            throw new NoSuchElementException(name + " of no parts: with no value there is no type to make the "
                    + (multiply ? "one" : "zero") + " of; give the identity, as in " + (multiply ? "product(1L)"
                    : "sum(0L)") + ", to define the result of a call on no inputs");
        }
        Number acc = identity;
        int first = 0;
        if (acc == null) {
            acc = requirePart(parts.get(0), 0, name);
            first = 1;
            if (!isArithmetic(acc)) {
                throw new IllegalArgumentException(name + " works on Integer, Long, Float, Double, BigInteger or "
                        + "BigDecimal parts, got " + acc.getClass().getName() + "; convert the batch results");
            }
        }
        for (int i = first; i < parts.size(); i++) {
            Number part = requirePart(parts.get(i), i, name);
            if (part.getClass() != acc.getClass()) {
                throw new IllegalArgumentException(name + " combines numbers of one type, but part " + i + " is a "
                        + part.getClass().getName() + " and " + (identity != null && i == 0 ? "the identity"
                        : "the earlier parts") + " a " + acc.getClass().getName());
            }
            acc = switch (acc) {
                case Integer a -> multiply ? Math.multiplyExact(a, (Integer) part) : Math.addExact(a, (Integer) part);
                case Long a -> multiply ? Math.multiplyExact(a, (Long) part) : Math.addExact(a, (Long) part);
                case Float a -> multiply ? a * (Float) part : a + (Float) part;
                case Double a -> multiply ? a * (Double) part : a + (Double) part;
                case BigInteger a -> multiply ? a.multiply((BigInteger) part) : a.add((BigInteger) part);
                case BigDecimal a -> multiply ? a.multiply((BigDecimal) part) : a.add((BigDecimal) part);
                default -> throw new AssertionError("checked above: " + acc.getClass());
            };
        }
        return (N) acc;
    }

    /** The error of a reduction without identity over no parts. */
    public static NoSuchElementException undefinedWhenEmpty(String name) {
        return new NoSuchElementException(name + " of no parts is undefined (a batched call on no inputs has no "
                + "batches); check for empty inputs first, or pick a reduction with an identity");
    }

    /** Refuses a null list of parts. */
    public static void requireParts(List<?> parts, String name) {
        if (parts == null) {
            throw new IllegalArgumentException(name + ": parts must not be null (pass an empty list for none)");
        }
    }

    /** Refuses a null part, naming its batch. */
    public static <P> P requirePart(P part, int index, String name) {
        if (part == null) {
            throw new NullPointerException(name + ": part " + index + " is null (its batch returned null)");
        }
        return part;
    }
}
