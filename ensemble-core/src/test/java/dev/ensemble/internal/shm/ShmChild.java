package dev.ensemble.internal.shm;

import dev.ensemble.SharedArray;
import java.io.ByteArrayInputStream;
import java.io.ObjectInputStream;
import java.util.Base64;

/**
 * A JVM that {@link CrossProcessTest} starts: {@code hold} (make an array, print its file, wait to be killed),
 * {@code exit} (make an array, print its file, exit without closing it), {@code add HANDLE N SLOT} (receive an
 * array as a serialized handle, add 1 to element 0 N times atomically and write N to element SLOT).
 */
public final class ShmChild {
    private ShmChild() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "hold" -> {
                SharedArray.OfDouble a = SharedArray.ofDoubles(1000);
                a.fill(1.0);
                System.out.println("READY " + a.file());
                System.out.flush();
                // Blocks until the parent kills this JVM, or until the parent itself is gone (stdin closes).
                while (System.in.read() >= 0) {
                    Thread.onSpinWait();
                }
            }
            case "exit" -> {
                SharedArray.OfInt a = SharedArray.ofInts(10);
                System.out.println("READY " + a.file());
                System.out.flush();
            }
            case "add" -> {
                SharedArray.OfLong counter;
                try (ObjectInputStream in = new ObjectInputStream(
                        new ByteArrayInputStream(Base64.getDecoder().decode(args[1])))) {
                    counter = (SharedArray.OfLong) in.readObject();
                }
                int times = Integer.parseInt(args[2]);
                for (int i = 0; i < times; i++) {
                    counter.getAndAdd(0, 1);
                }
                counter.set(Integer.parseInt(args[3]), times);
                System.out.println("DONE");
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
    }
}
