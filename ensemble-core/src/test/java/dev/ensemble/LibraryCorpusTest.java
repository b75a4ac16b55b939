package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableListMultimap;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import com.google.common.collect.ImmutableSortedMap;
import com.google.common.collect.LinkedHashMultimap;
import com.google.common.collect.Multimap;
import com.google.common.util.concurrent.UncheckedExecutionException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.Period;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A corpus of the types users really send, each sent to worker processes as an input and back as a result, by both
 * of the pool's paths (a JVM's first calls, JDK-serialized while the fast serializer is built; then the fast
 * serializer): each arrives equal. Third-party exceptions with causes arrive as their own classes.
 */
@ExtendWith(LeakCheck.class)
class LibraryCorpusTest {
    /** A generic record. */
    public record Pair<A, B>(A first, B second) {
    }

    /** A record holding records, a list of them and an array of them. */
    public record Order(String id, Pair<String, BigDecimal> line, List<Pair<String, Integer>> tags, Pair<?, ?>[] parts) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Order other && id.equals(other.id) && line.equals(other.line)
                    && tags.equals(other.tags) && Arrays.equals(parts, other.parts);
        }

        @Override
        public int hashCode() {
            return id.hashCode();
        }
    }

    private static List<Object> corpus() throws Exception {
        Multimap<String, Integer> multimap = LinkedHashMultimap.create();
        multimap.putAll("a", List.of(1, 2));
        multimap.put("b", 3);
        EnumMap<TimeUnit, String> units = new EnumMap<>(TimeUnit.class);
        units.put(TimeUnit.SECONDS, "s");
        units.put(TimeUnit.DAYS, "d");
        JsonNode json = new ObjectMapper().readTree("{\"a\":1,\"b\":[true,null,\"x\"],\"c\":{\"d\":2.5}}");
        List<Object> corpus = new ArrayList<>(List.of(
                ImmutableList.of(1, 2, 3), ImmutableSet.of("x", "y"), ImmutableMap.of("k", 1, "l", 2),
                ImmutableSortedMap.of("b", 2, "a", 1), ImmutableListMultimap.of("a", 1, "a", 2, "b", 3), multimap,
                Instant.parse("2026-12-05T06:00:00Z"), LocalDate.of(2026, 12, 5), LocalDateTime.of(2026, 12, 5, 6, 0),
                ZonedDateTime.of(2026, 12, 5, 6, 0, 0, 0, ZoneId.of("Europe/Paris")), Duration.ofMillis(1500),
                Period.ofMonths(3), ZoneId.of("America/New_York"),
                new BigDecimal("12345678901234567890.123456789"), new BigInteger("-98765432109876543210"),
                units, EnumSet.of(TimeUnit.HOURS, TimeUnit.MINUTES), Optional.of("present"), Optional.empty(),
                new Pair<>("k", List.of(1, 2)),
                new Order("o-1", new Pair<>("apples", new BigDecimal("2.50")), List.of(new Pair<>("fresh", 1)),
                        new Pair<?, ?>[] {new Pair<>(1, "one"), new Pair<>(2, "two")}),
                json));
        return corpus;
    }

    @Test
    void everyTypeOfTheCorpus_goesToAWorkerAndComesBackEqual() throws Exception {
        List<Object> corpus = corpus();
        try (WorkerPool pool = WorkerPool.builder().workers(2).processes().build()) {
            // One input per chunk: a JVM's first chunks go JDK-serialized where they can, the later ones by Fory.
            for (int round = 0; round < 2; round++) {
                List<Object> back = pool.map(corpus, x -> x, CallOptions.defaults().chunkSize(1));
                for (int i = 0; i < corpus.size(); i++) {
                    assertThat(back.get(i)).as("%s", corpus.get(i).getClass().getName()).isEqualTo(corpus.get(i))
                            .hasSameClassAs(corpus.get(i));
                }
            }
            // Built in the worker and sent back only: the result path alone.
            List<Object> made = pool.map(List.of(0), x -> corpus(), CallOptions.defaults().chunkSize(1));
            assertThat(made).singleElement().isEqualTo(corpus);
        }
    }

    @Test
    void thirdPartyExceptionsWithCauses_arriveAsTheirOwnClasses() {
        try (WorkerPool pool = WorkerPool.builder().workers(1).processes().build()) {
            List<Outcome<Object>> outcomes = pool.mapOutcomes(List.of("json", "guava"), kind -> {
                if (kind.equals("json")) {
                    return new ObjectMapper().readTree("{not json");
                }
                throw new UncheckedExecutionException("loading failed", new IllegalStateException("no cache"));
            });
            assertThat(((Outcome.Failure<Object>) outcomes.get(0)).error().getCause())
                    .isInstanceOf(JsonParseException.class).hasMessageContaining("Unexpected character");
            assertThat(((Outcome.Failure<Object>) outcomes.get(1)).error().getCause())
                    .isExactlyInstanceOf(UncheckedExecutionException.class).hasMessage("loading failed")
                    .cause().isExactlyInstanceOf(IllegalStateException.class).hasMessage("no cache");
        }
    }

    @Test
    void aMapOfTheCorpus_isAlsoASharedObject() throws Exception {
        Map<String, Object> shared = Map.of("list", ImmutableList.of(1, 2), "money", new BigDecimal("9.99"),
                "when", LocalDate.of(2026, 12, 5));
        try (WorkerPool pool = WorkerPool.builder().workers(2).processes().sharedObjects(shared).build()) {
            List<Object> seen = pool.map(List.of("list", "money", "when"),
                    k -> WorkerContext.current().<Map<String, Object>>shared().get(k));
            assertThat(seen).containsExactly(ImmutableList.of(1, 2), new BigDecimal("9.99"), LocalDate.of(2026, 12, 5));
        }
    }
}
