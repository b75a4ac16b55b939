package dev.ensemble.hazelcast.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.cluster.Address;
import org.junit.jupiter.api.Test;

/**
 * The rule that keeps pools off networks nobody secured: members must be on loopback unless allowed. (The
 * tests may not open anything but 127.0.0.1, so the rule is checked on addresses, not on a real member.)
 */
class LoopbackOnlyTest {
    @Test
    void loopbackAddresses_areAccepted() throws Exception {
        assertThat(HazelcastTransport.isLoopback(new Address("127.0.0.1", 5701))).isTrue();
        assertThat(HazelcastTransport.isLoopback(new Address("127.0.0.2", 5701))).isTrue();
        assertThat(HazelcastTransport.isLoopback(new Address("::1", 5701))).isTrue();
    }

    @Test
    void otherAddresses_areRefusedWithWhatToDo() throws Exception {
        Address lan = new Address("10.1.2.3", 5701);
        assertThat(HazelcastTransport.isLoopback(lan)).isFalse();
        assertThat(HazelcastTransport.isLoopback(new Address("192.168.0.7", 5701))).isFalse();
        assertThat(HazelcastTransport.notOnLoopback(lan)).hasMessageContaining("10.1.2.3")
                .hasMessageContaining("TLS").hasMessageContaining("allowNonLoopback()");
    }
}
