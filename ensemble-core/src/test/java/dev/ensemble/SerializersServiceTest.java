package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serial;
import java.io.Serializable;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A {@link Serializers} service on the class path (this module's test resources register {@link TestSerializers})
 * chooses how its classes travel, in the application and in every worker JVM: by its codec, or by JDK
 * serialization with the class's own {@code readObject}.
 */
@ExtendWith(LeakCheck.class)
class SerializersServiceTest {
    /** Not serializable at all: only its codec can send it. */
    public static final class Money {
        final String currency;
        final long cents;
        /** Set only by the codec's read: proves which way the value came. */
        final boolean decodedByCodec;

        Money(String currency, long cents, boolean decodedByCodec) {
            this.currency = currency;
            this.cents = cents;
            this.decodedByCodec = decodedByCodec;
        }
    }

    /** Rebuilds a transient field in its own readObject, which only JDK serialization runs as written. */
    public static final class Legacy implements Serializable {
        @Serial
        private static final long serialVersionUID = 1L;
        final int value;
        transient int square;
        transient String readBy;

        Legacy(int value) {
            this.value = value;
            this.square = value * value;
        }

        @Serial
        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            in.defaultReadObject();
            square = value * value;
            readBy = in.getClass().getName();
        }
    }

    /** The service, as an application would write it. */
    public static final class TestSerializers implements Serializers {
        @Override
        public void register(Registry registry) {
            registry.jdk(Legacy.class).codec(Money.class, new Codec<>() {
                @Override
                public void write(Money m, DataOutput out) throws IOException {
                    out.writeUTF(m.currency);
                    out.writeLong(m.cents);
                }

                @Override
                public Money read(DataInput in) throws IOException {
                    return new Money(in.readUTF(), in.readLong(), true);
                }
            });
        }
    }

    @Test
    void aCodecCarriesItsClassBothWays() {
        try (WorkerPool pool = WorkerPool.processes(2)) {
            List<Money> doubled = pool.map(List.of(new Money("EUR", 150, false), new Money("USD", 7, false)),
                    m -> new Money(m.currency, m.decodedByCodec ? 2 * m.cents : -1, false));
            assertThat(doubled).extracting(m -> m.currency + " " + m.cents + " " + m.decodedByCodec)
                    .containsExactly("EUR 300 true", "USD 14 true");
        }
    }

    @Test
    void aClassRegisteredForJdkSerializationRunsItsReadObject() {
        try (WorkerPool pool = WorkerPool.processes(1)) {
            List<String> seen = pool.map(List.of(new Legacy(3)), l -> l.square + " " + l.readBy);
            assertThat(seen).singleElement().asString().startsWith("9 ").doesNotContain("fory");
            // ... and on the way back.
            Legacy back = pool.submit(() -> new Legacy(5)).join();
            assertThat(back.square).isEqualTo(25);
            assertThat(back.readBy).isNotNull().doesNotContain("fory");
        }
    }

    @Test
    void anInstancePoolSendsItsStateByTheCodec() {
        try (Ensemble<StringBuilder> builders = Ensemble.processes(2, StringBuilder::new)) {
            List<Money> sums = builders.broadcast(b -> new Money(b.append("x").toString(), b.length(), false));
            assertThat(sums).extracting(m -> m.currency + " " + m.decodedByCodec).containsExactly("x true",
                    "x true");
        }
    }
}
