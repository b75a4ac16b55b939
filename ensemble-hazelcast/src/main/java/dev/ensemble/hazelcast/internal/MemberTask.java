package dev.ensemble.hazelcast.internal;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;
import java.io.IOException;
import java.util.concurrent.Callable;

/**
 * Carries one of a pool's requests to a member through Hazelcast's executor service, where it is handed to the
 * member's {@link HazelcastHost}; the answer comes back as the task's result. Hazelcast serializes it itself
 * ({@link DataSerializable}: a class name and the request's bytes, which core makes and reads).
 */
public final class MemberTask implements Callable<byte[]>, DataSerializable, HazelcastInstanceAware {
    private byte[] request;
    private transient HazelcastInstance member;

    /** For Hazelcast, which rebuilds the task on the member. */
    public MemberTask() {
    }

    MemberTask(byte[] request) {
        this.request = request;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance instance) {
        this.member = instance;
    }

    @Override
    public byte[] call() {
        return HazelcastHost.of(member).handle(request);
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeByteArray(request);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        request = in.readByteArray();
    }

    @Override
    public String toString() {
        return "MemberTask[" + (request == null ? 0 : request.length) + " bytes]";
    }
}
