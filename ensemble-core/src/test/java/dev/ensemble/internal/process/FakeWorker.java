package dev.ensemble.internal.process;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;

/**
 * A worker process that answers a pool in the pool's own protocol, but with seeded garbage: what a broken or
 * hostile worker could send. Started by a real pool (through {@code jvmArgs("-jar", fake.jar)}, so it gets the
 * socket, the slot and the secret exactly as a worker does) for {@link ProtocolFuzzTest}. It uses only the JDK,
 * so it cannot be wrong in the same way as the code under test.
 *
 * <p>It proves itself (HELLO with the secret), answers INIT with READY (saying its Fory is not ready, so the pool
 * sends it JDK-serialized chunks it can read), and answers each chunk as its first input says: a correct result,
 * or one of the broken ones below (their details seeded). Once the file named by {@code -Dfuzz.calm} exists,
 * every answer is correct.
 */
final class FakeWorker {
    static final int ANSWERS = 17;

    private final SocketChannel channel;
    private final Random random;
    private final Path calm;
    private final ByteBuffer in = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);

    private FakeWorker(SocketChannel channel, Random random, Path calm) {
        this.channel = channel;
        this.random = random;
        this.calm = calm;
    }

    public static void main(String[] args) throws Exception {
        String socket = Arrays.stream(args).filter(a -> a.endsWith(".sock")).findFirst().orElseThrow();
        String name = Path.of(socket).getFileName().toString(); // wSLOT-GENERATION.sock
        int generation = Integer.parseInt(name.substring(name.indexOf('-') + 1, name.length() - 5));
        Random random = new Random(Long.getLong("fuzz.seed", 1) * 1_000 + generation);
        byte[] secret = HexFormat.of().parseHex(readLine(System.in));
        // The pool closes standard input when it drops this worker: then leave at once.
        Thread watcher = new Thread(FakeWorker::exitAtEndOfInput);
        watcher.setDaemon(true);
        watcher.start();
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(socket));
        FakeWorker worker = new FakeWorker(channel, random, Path.of(System.getProperty("fuzz.calm")));
        ByteBuffer hello = frame(1 + 4 + secret.length + 8);
        hello.put(Protocol.HELLO).putInt(secret.length).put(secret).putLong(ProcessHandle.current().pid());
        worker.send(hello);
        worker.receive(); // INIT
        worker.send(frame(1 + 8 + 1).put(Protocol.READY).putLong(0).put((byte) 0));
        while (true) {
            ByteBuffer chunk = worker.receive();
            if (chunk.get(0) == Protocol.CHUNK) {
                worker.answer(chunk);
            } else if (chunk.get(0) == Protocol.EXIT) {
                worker.send(frame(1 + 8 + 1 + 4).put(Protocol.EXITED).putLong(0).put(Protocol.EXIT_NO_VALUE)
                        .putInt(0));
                System.exit(0);
            }
        }
    }

    private static void exitAtEndOfInput() {
        try {
            while (System.in.read() >= 0) {
                // nothing is sent after the secret
            }
        } catch (IOException ignored) {
            // the same
        }
        Runtime.getRuntime().halt(0);
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != '\n' && b >= 0; b = in.read()) {
            line.append((char) b);
        }
        return line.toString().strip();
    }

    /** A frame buffer with room for {@code body} bytes after the length. */
    private static ByteBuffer frame(int body) {
        ByteBuffer frame = ByteBuffer.allocate(4 + body).order(ByteOrder.LITTLE_ENDIAN);
        frame.putInt(body);
        return frame;
    }

    private void send(ByteBuffer frame) throws IOException {
        frame.flip();
        while (frame.hasRemaining()) {
            channel.write(frame);
        }
    }

    private ByteBuffer receive() throws IOException {
        while (true) {
            if (in.position() >= 4) {
                int length = in.getInt(0);
                if (in.position() >= 4 + length) {
                    byte[] body = Arrays.copyOfRange(in.array(), 4, 4 + length);
                    int rest = in.position() - 4 - length;
                    System.arraycopy(in.array(), 4 + length, in.array(), 0, rest);
                    in.position(rest);
                    return ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN);
                }
            }
            if (channel.read(in) < 0) {
                System.exit(0);
            }
        }
    }

    /**
     * CHUNK: type seq:int callId:long flags:byte timeoutNanos:long [task:bytes] inputs (JDK bytes, or plain values,
     * since READY said its Fory is not built).
     */
    private void answer(ByteBuffer chunk) throws Exception {
        chunk.position(1);
        int seq = chunk.getInt();
        chunk.getLong();
        byte flags = chunk.get();
        chunk.getLong(); // the task timeout: the fake runs no task
        if ((flags & Protocol.FLAG_HAS_TASK) != 0) {
            chunk.position(chunk.position() + 4 + chunk.getInt(chunk.position()));
        }
        Object[] inputs;
        byte codec = chunk.get(); // the inputs' values block: plain or JDK bytes (the fake reads no Fory)
        if (codec == Protocol.CODEC_PLAIN) {
            // Plain values (see PlainValues): count, then a tag and the value each; the tests send integers and nulls.
            inputs = new Object[chunk.getInt()];
            for (int i = 0; i < inputs.length; i++) {
                byte tag = chunk.get();
                if (tag == 1) {
                    inputs[i] = chunk.getInt();
                } else if (tag != 0) {
                    throw new IllegalStateException("the fake reads plain integers and nulls only, got tag " + tag);
                }
            }
        } else {
            if (codec != Protocol.CODEC_JDK) {
                throw new IllegalStateException("the fake reads plain or JDK-serialized inputs only, got codec " + codec);
            }
            byte[] inputBytes = new byte[chunk.getInt()];
            chunk.get(inputBytes);
            try (ObjectInputStream objects = new ObjectInputStream(new ByteArrayInputStream(inputBytes))) {
                inputs = (Object[]) objects.readObject(); // the tests send integers: the fake echoes them
            }
        }
        // The answer is chosen by the test, through the input: input n gets answer n % ANSWERS.
        int kind = Files.exists(calm) || !(inputs[0] instanceof Integer n) ? 0 : n % ANSWERS;
        byte[] values = jdk(inputs);
        byte[] errors = {0, 0, 0, 0};
        switch (kind) {
            case 1 -> {
                // RESULTS with a random body
                byte[] body = new byte[random.nextInt(200)];
                random.nextBytes(body);
                send(frame(1 + body.length).put(Protocol.RESULTS).put(body));
            }
            case 2 -> {
                // a correct RESULTS with a few bytes changed
                ByteBuffer good = results(seq, inputs.length, values, errors);
                byte[] bytes = good.array();
                for (int flips = 1 + random.nextInt(3); flips > 0; flips--) {
                    bytes[5 + random.nextInt(bytes.length - 5)] = (byte) random.nextInt(256);
                }
                good.position(bytes.length);
                send(good);
            }
            case 3 -> {
                // a truncated frame, then gone
                ByteBuffer good = results(seq, inputs.length, values, errors);
                good.limit(4 + random.nextInt(good.capacity() - 4));
                good.position(good.limit());
                send(good);
                System.exit(0);
            }
            case 4 -> {
                // a length over any limit, then silence
                send(frame(0).putInt(0, Integer.MAX_VALUE).position(4));
                Thread.sleep(60_000);
            }
            case 5 -> send(frame(3).put((byte) (20 + random.nextInt(100))).put((byte) 1).put((byte) 2));
            case 6 -> {
                // values claiming a long[] of 2^31 - 256 elements
                byte[] huge = jdk(new Object[] {new long[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}});
                for (int i = 0; i + 12 <= huge.length; i++) {
                    if (huge[i] == 0 && huge[i + 1] == 0 && huge[i + 2] == 0 && huge[i + 3] == 10) {
                        ByteBuffer.wrap(huge).putInt(i, Integer.MAX_VALUE - 255);
                        break;
                    }
                }
                send(results(seq, inputs.length, huge, errors));
            }
            case 7 -> send(results(seq, inputs.length, jdk(new Object[] {URI.create("http://x.invalid/").toURL()}),
                    errors)); // a class the pool does not admit
            case 8 -> {
                // an error whose bytes are an exception class the pool does not admit
                Exception gadget = (Exception) Class.forName("javax.management.BadAttributeValueExpException")
                        .getConstructor(Object.class).newInstance("held");
                byte[] thrown = jdk(gadget);
                ByteBuffer list = ByteBuffer.allocate(4 + 4 + 4 + thrown.length).order(ByteOrder.LITTLE_ENDIAN);
                list.putInt(1).putInt(0).putInt(thrown.length).put(thrown);
                send(results(seq, inputs.length, values, list.array()));
            }
            case 9 -> {
                // a part of an unknown chunk, and a part with offsets out of range
                ByteBuffer part = frame(1 + 12 + 1 + 4 + values.length + 4);
                part.put(Protocol.PARTIAL).putInt(seq + 1 + random.nextInt(5)).putInt(0).putInt(inputs.length)
                        .put(Protocol.CODEC_JDK).putInt(values.length).put(values).putInt(0);
                send(part);
                ByteBuffer odd = frame(1 + 12 + 1 + 4 + values.length + 4);
                odd.put(Protocol.DYING).putInt(seq).putInt(random.nextInt()).putInt(random.nextInt())
                        .put(Protocol.CODEC_JDK).putInt(values.length).put(values).putInt(0);
                send(odd);
                send(results(seq, inputs.length, values, errors));
            }
            case 10 -> {
                // a count of results that is not there
                ByteBuffer lying = frame(1 + 4);
                lying.put(Protocol.RESULTS).putInt(random.nextBoolean() ? -1 : 1_000_000);
                send(lying);
            }
            case 11 -> {
                // a field length claiming more than the frame holds
                ByteBuffer good = results(seq, inputs.length, values, errors);
                good.putInt(4 + 1 + 4 + 4 + 4 + 24 + 4 + 1, Integer.MAX_VALUE - 1);
                send(good);
            }
            case 12 -> {
                // a result for a chunk never sent, then the right one
                send(results(seq + 1_000, inputs.length, values, errors));
                send(results(seq, inputs.length, values, errors));
            }
            case 13 -> {
                // Fory's codec on bytes that are not Fory
                ByteBuffer good = results(seq, inputs.length, values, errors);
                good.put(4 + 1 + 4 + 4 + 4 + 24 + 4, Protocol.CODEC_FORY);
                send(good);
            }
            case 14 -> {
                // the slowest task at an offset outside the chunk
                ByteBuffer good = results(seq, inputs.length, values, errors);
                good.putInt(4 + 1 + 4 + 4 + 4 + 24, -5);
                send(good);
            }
            case 15 -> {
                // an error at an offset outside the chunk
                byte[] thrown = jdk(new IllegalStateException("x"));
                ByteBuffer list = ByteBuffer.allocate(4 + 4 + 4 + thrown.length).order(ByteOrder.LITTLE_ENDIAN);
                list.putInt(1).putInt(7).putInt(thrown.length).put(thrown);
                send(results(seq, inputs.length, values, list.array()));
            }
            case 16 -> {
                // a result of an unknown chunk claiming 2^31 - 9 tasks, one failed; then the right one
                byte[] thrown = jdk(new IllegalStateException("x"));
                ByteBuffer list = ByteBuffer.allocate(4 + 4 + 4 + thrown.length).order(ByteOrder.LITTLE_ENDIAN);
                list.putInt(1).putInt(5).putInt(thrown.length).put(thrown);
                send(results(seq + 5_000, Integer.MAX_VALUE - 8, values, list.array()));
                send(results(seq, inputs.length, values, errors));
            }
            default -> send(results(seq, inputs.length, values, errors));
        }
        if (kind == 1 || kind == 2 || kind == 5 || kind == 10 || kind == 13) {
            // If the pool let that pass, it still gets its answer.
            try {
                send(results(seq, inputs.length, values, errors));
            } catch (IOException dropped) {
                System.exit(0);
            }
        }
    }

    /** RESULTS with one result: seq processed wait work slowest slowestOffset values errors. */
    private static ByteBuffer results(int seq, int processed, byte[] values, byte[] errors) {
        ByteBuffer frame = frame(1 + 4 + 4 + 4 + 24 + 4 + 1 + 4 + values.length + errors.length);
        frame.put(Protocol.RESULTS).putInt(1).putInt(seq).putInt(processed).putLong(0).putLong(0).putLong(0)
                .putInt(0).put(Protocol.CODEC_JDK).putInt(values.length).put(values).put(errors);
        return frame;
    }

    private static byte[] jdk(Object value) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        return bytes.toByteArray();
    }
}
