package dev.ensemble.internal.wire;

import dev.ensemble.SharedArray;
import dev.ensemble.internal.shm.AbstractView;
import dev.ensemble.internal.shm.ByteView;
import dev.ensemble.internal.shm.DoubleView;
import dev.ensemble.internal.shm.FloatView;
import dev.ensemble.internal.shm.Handle;
import dev.ensemble.internal.shm.IntView;
import dev.ensemble.internal.shm.Kind;
import dev.ensemble.internal.shm.LongView;
import org.apache.fory.Fory;
import org.apache.fory.config.Config;
import org.apache.fory.context.CopyContext;
import org.apache.fory.context.ReadContext;
import org.apache.fory.context.WriteContext;
import org.apache.fory.memory.MemoryBuffer;
import org.apache.fory.serializer.Serializer;

/**
 * Fory serializers for the shared-array types that travel: the five views (as their {@link Handle}) and
 * {@link SharedArray.Chunk}, the input of {@code mapChunks}.
 *
 * <p><b>Why.</b> Left to Fory, a view goes through its {@code writeReplace}/{@code readResolve} and a chunk
 * through a serializer Fory generates and compiles for the class at its first use in each JVM: the first
 * {@code mapChunks} of a pool paid that compilation once in the application and once in every worker, in
 * parallel on the machine's cores (about 150 ms each on 2 cores). Written field by field here, these types cost
 * nothing more the first time than later.
 *
 * <p><b>Format.</b> A view: the handle's id (int64), path and file key (strings), element kind (byte, the
 * {@link Kind} ordinal), byte offset and length (var-int64), read-only flag (boolean). A chunk: index
 * (var-int32), from and to (var-int64), then its array as any object (a view, by the above). A value out of
 * range fails the read as a corrupt message; a handle's own checks apply. Both ends of a pool register these
 * (see {@link Serialization}).
 */
final class SharedArraySerializers {
    private static final Kind[] KINDS = Kind.values();

    private SharedArraySerializers() {
    }

    /** Registers the serializers with a Fory instance. */
    static void registerWith(Fory fory) {
        Config config = fory.getConfig();
        fory.registerSerializer(DoubleView.class, new ViewSerializer<>(config, DoubleView.class));
        fory.registerSerializer(LongView.class, new ViewSerializer<>(config, LongView.class));
        fory.registerSerializer(IntView.class, new ViewSerializer<>(config, IntView.class));
        fory.registerSerializer(FloatView.class, new ViewSerializer<>(config, FloatView.class));
        fory.registerSerializer(ByteView.class, new ViewSerializer<>(config, ByteView.class));
        fory.registerSerializer(SharedArray.Chunk.class, new ChunkSerializer(config));
    }

    /** One view class: its handle on the wire, the view this process maps for it on reading. */
    private static final class ViewSerializer<V extends AbstractView> extends Serializer<V> {
        ViewSerializer(Config config, Class<V> type) {
            super(config, type);
        }

        @Override
        public void write(WriteContext context, V view) {
            Handle handle = view.handle();
            MemoryBuffer buffer = context.getBuffer();
            buffer.writeInt64(handle.id());
            context.writeString(handle.path());
            context.writeString(handle.fileKey());
            buffer.writeByte((byte) handle.kind().ordinal());
            buffer.writeVarInt64(handle.byteOffset());
            buffer.writeVarInt64(handle.length());
            buffer.writeBoolean(handle.readOnly());
        }

        @Override
        public V read(ReadContext context) {
            MemoryBuffer buffer = context.getBuffer();
            long id = buffer.readInt64();
            String path = context.readString();
            String fileKey = context.readString();
            int kind = buffer.readByte();
            if (kind < 0 || kind >= KINDS.length) {
                throw new IllegalStateException("corrupt message: a shared array of element kind " + kind);
            }
            Handle handle = new Handle(id, path, fileKey, KINDS[kind], buffer.readVarInt64(), buffer.readVarInt64(),
                    buffer.readBoolean());
            AbstractView view = handle.resolve();
            if (!type.isInstance(view)) {
                throw new IllegalStateException("corrupt message: a " + type.getSimpleName() + " whose handle names "
                        + handle.kind().plural());
            }
            return type.cast(view);
        }

        /** A copy of a view names the same memory: the view itself. */
        @Override
        public V copy(CopyContext context, V view) {
            return view;
        }
    }

    /** {@link SharedArray.Chunk}: its range, then its array. */
    private static final class ChunkSerializer extends Serializer<SharedArray.Chunk<?>> {
        ChunkSerializer(Config config) {
            super(config, chunkClass());
        }

        @SuppressWarnings("unchecked") // the class object of a generic type
        private static Class<SharedArray.Chunk<?>> chunkClass() {
            return (Class<SharedArray.Chunk<?>>) (Class<?>) SharedArray.Chunk.class;
        }

        @Override
        public void write(WriteContext context, SharedArray.Chunk<?> chunk) {
            MemoryBuffer buffer = context.getBuffer();
            buffer.writeVarInt32(chunk.index());
            buffer.writeVarInt64(chunk.from());
            buffer.writeVarInt64(chunk.to());
            context.writeRef(chunk.array());
        }

        @Override
        public SharedArray.Chunk<?> read(ReadContext context) {
            MemoryBuffer buffer = context.getBuffer();
            int index = buffer.readVarInt32();
            long from = buffer.readVarInt64();
            long to = buffer.readVarInt64();
            if (!(context.readRef() instanceof SharedArray array)) {
                throw new IllegalStateException("corrupt message: a shared-array chunk without its array");
            }
            return new SharedArray.Chunk<>(index, from, to, array); // checks the range against the array
        }

        /** A chunk is immutable, and its array names shared memory: the chunk itself. */
        @Override
        public SharedArray.Chunk<?> copy(CopyContext context, SharedArray.Chunk<?> chunk) {
            return chunk;
        }
    }
}
