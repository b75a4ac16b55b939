package dev.ensemble.internal.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ensemble.Task;
import java.io.Serializable;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The allow-lists and the messages of what cannot be sent. */
class SerializationTest {
    /** An application class. */
    record Point(int x, int y) implements Serializable {
    }

    @Test
    void aWorker_acceptsTheApplicationsClasses_onlyOnceAllowed() {
        byte[] bytes = Serialization.forParent().toBytes(new Point(1, 2));
        Serialization worker = Serialization.forWorker(false);
        assertThatThrownBy(() -> worker.read(org.apache.fory.memory.MemoryBuffer.fromByteArray(bytes)))
                .hasMessageContaining(Point.class.getName());
        worker.allow(List.of(Point.class.getPackageName()));
        assertThat(worker.read(org.apache.fory.memory.MemoryBuffer.fromByteArray(bytes))).isEqualTo(new Point(1, 2));
    }

    @Test
    void theClassPathPackages_includeThisOne() {
        assertThat(ClassPathPackages.ofThisJvm()).contains(Point.class.getPackageName(), "dev.ensemble");
    }

    @Test
    void aCapturedValueThatCannotBeSent_isNamed() {
        Thread thread = new Thread(() -> { });
        Task<Integer, Integer> task = x -> x + thread.getName().length();
        assertThatThrownBy(() -> Serialization.forParent().requireSendable(task, "the task"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the task cannot be sent to a worker process")
                .hasMessageContaining("captured by the lambda")
                .hasMessageContaining("java.lang.Thread");
    }

    @Test
    void jdkReading_admitsOnlyTheJdksDataClassesAndTheAllowedPackages() throws Exception {
        byte[] point = Serialization.jdkBytes(new Object[] {new Point(1, 2), List.of(1), "s"});
        assertThat((Object[]) Serialization.jdkRead(point, Set.of(Point.class.getPackageName()))).hasSize(3);
        assertThatThrownBy(() -> Serialization.jdkRead(point, Set.of())).isInstanceOf(IllegalStateException.class);
        byte[] file = Serialization.jdkBytes(new java.io.File("/tmp"));
        assertThatThrownBy(() -> Serialization.jdkRead(file, Set.of(Point.class.getPackageName())))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void anException_keepsItsClassMessageAndStackTrace() {
        IllegalStateException thrown = new IllegalStateException("broken", new ArithmeticException("zero"));
        Throwable back = Serialization.decodeThrowable(Serialization.encodeThrowable(thrown));
        assertThat(back).isInstanceOf(IllegalStateException.class).hasMessage("broken")
                .hasCauseInstanceOf(ArithmeticException.class);
        assertThat(back.getStackTrace()).isEqualTo(thrown.getStackTrace());
    }

    @Test
    void aNonCapturingTask_isJdkSerializedOncePerClass_aCapturingOneEachTime() {
        Set<String> packages = ClassPathPackages.ofThisJvm();
        Task<Integer, Integer> stateless = x -> x + 1;
        byte[] first = Serialization.jdkFunctionBytesIfAdmitted(stateless, packages);
        assertThat(first).isNotNull();
        assertThat(Serialization.jdkFunctionBytesIfAdmitted(stateless, packages)).isSameAs(first);
        // What it captures may change between calls, so its bytes are made anew, and they say what it captured.
        int[] step = {1};
        Task<Integer, Integer> capturing = x -> x + step[0];
        byte[] once = Serialization.jdkFunctionBytesIfAdmitted(capturing, packages);
        step[0] = 2;
        byte[] again = Serialization.jdkFunctionBytesIfAdmitted(capturing, packages);
        assertThat(again).isNotSameAs(once).isNotEqualTo(once);
    }
}
