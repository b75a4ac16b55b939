package dev.ensemble.internal.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URL;
import java.util.concurrent.ExecutionException;
import org.apache.fory.Fory;
import org.apache.fory.config.Language;
import org.apache.fory.exception.InsecureException;
import org.apache.fory.memory.MemoryBuffer;
import org.junit.jupiter.api.Test;

/**
 * Deserialization builds only classes on the allow-list: the JDK's data classes and the application's class path.
 * Gadget-like JDK classes (a {@link URL}, whose {@code hashCode} resolves its host; a
 * {@code javax.management.BadAttributeValueExpException}, whose {@code readObject} calls {@code toString} on what it holds) are
 * refused by every decoder: Fory in a worker and in the parent, JDK deserialization of a worker's first chunks
 * and results, and the decoding of exceptions thrown in workers.
 */
class AllowListTest {
    private static final String GADGET_EXCEPTION = "javax.management.BadAttributeValueExpException";

    /** A {@code BadAttributeValueExpException} (its module is not read by this one at compile time). */
    private static Exception gadgetException(String held) throws ReflectiveOperationException {
        return (Exception) Class.forName(GADGET_EXCEPTION).getConstructor(Object.class).newInstance(held);
    }

    /** Bytes of {@code value} from a Fory without any allow-list, as a hostile peer would write them. */
    private static byte[] unchecked(Object value) {
        Fory permissive = Fory.builder().withLanguage(Language.JAVA).requireClassRegistration(false)
                .suppressClassRegistrationWarnings(true).withRefTracking(true).build();
        return permissive.serialize(value);
    }

    @Test
    void fory_refusesAGadgetClass_inTheWorkerAndInTheParent() throws Exception {
        byte[] gadget = unchecked(new Object[] {1, new URL("http://example.invalid/")});
        Serialization worker = Serialization.forWorker(false);
        worker.allow(ClassPathPackages.ofThisJvm());
        for (Serialization side : new Serialization[] {worker, Serialization.forParent()}) {
            assertThatThrownBy(() -> side.read(MemoryBuffer.fromByteArray(gadget)))
                    .isInstanceOf(InsecureException.class).hasMessageContaining("java.net.URL");
        }
        // the same frame without the gadget is read
        assertThat((Object[]) worker.read(MemoryBuffer.fromByteArray(unchecked(new Object[] {1, "ok"}))))
                .containsExactly(1, "ok");
    }

    @Test
    void jdkDeserialization_refusesAGadgetClass() throws Exception {
        byte[] gadget = Serialization.jdkBytes(new Object[] {1, new URI("http://example.invalid/").toURL()});
        assertThatThrownBy(() -> Serialization.jdkRead(gadget, ClassPathPackages.ofThisJvm()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("REJECTED");
    }

    @Test
    void exceptionDecoding_refusesAGadgetException() throws Exception {
        // Before the filter, any class in the stream of an exception was built in the pool's JVM.
        byte[] gadget = Serialization.jdkBytes(gadgetException("held value"));
        assertThat(Serialization.decodeThrowable(gadget)).isInstanceOf(dev.ensemble.WorkerException.class)
                .hasMessageContaining("could not be rebuilt").hasMessageContaining("REJECTED");
        byte[] notAnException = Serialization.jdkBytes(new URI("http://example.invalid/").toURL());
        assertThat(Serialization.decodeThrowable(notAnException)).isInstanceOf(dev.ensemble.WorkerException.class);
    }

    @Test
    void exceptionsOfTheJdkAndTheApplication_arriveAsThemselves() {
        Throwable thrown = new ExecutionException(new UncheckedIOException(new IOException("disk")));
        Throwable back = Serialization.decodeThrowable(Serialization.encodeThrowable(thrown));
        assertThat(back).isInstanceOf(ExecutionException.class).cause().isInstanceOf(UncheckedIOException.class)
                .cause().isInstanceOf(IOException.class).hasMessage("disk");
        assertThat(back.getStackTrace()).isEqualTo(thrown.getStackTrace());
        DecoderFuzzTest.ReadingsException own = new DecoderFuzzTest.ReadingsException(new long[] {1, 2});
        assertThat(Serialization.decodeThrowable(Serialization.encodeThrowable(own)))
                .isInstanceOfSatisfying(DecoderFuzzTest.ReadingsException.class,
                        e -> assertThat(e.readings).containsExactly(1, 2));
    }

    @Test
    void anExceptionTheFilterWouldRefuse_arrivesAsACopy_withItsClassNameMessageAndStackTrace() throws Exception {
        // A task may well throw one of these; the worker sends a copy the pool admits, never bytes it refuses.
        Exception thrown = gadgetException("odd attribute");
        Throwable back = Serialization.decodeThrowable(Serialization.encodeThrowable(thrown));
        assertThat(back).isInstanceOfSatisfying(dev.ensemble.WorkerException.class,
                e -> assertThat(e.remoteClassName()).isEqualTo(GADGET_EXCEPTION));
        assertThat(back.toString()).startsWith(GADGET_EXCEPTION);
        assertThat(back.getStackTrace()).isEqualTo(thrown.getStackTrace());
    }
}
