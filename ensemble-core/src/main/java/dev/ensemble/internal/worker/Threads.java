package dev.ensemble.internal.worker;

/** Thread chores every backend shares. */
public final class Threads {
    private Threads() {
    }

    /**
     * Waits for a thread to end without giving up on an interrupt, which is kept for the caller: stopping a pool
     * must finish even when the thread that stops it is interrupted.
     *
     * @param thread the thread; nothing is done if it is null or the calling thread
     * @param millis the longest wait, or 0 to wait until it ends
     */
    public static void joinUninterruptibly(Thread thread, long millis) {
        if (thread == null || thread == Thread.currentThread()) {
            return;
        }
        boolean interrupted = false;
        while (true) {
            try {
                if (millis == 0) {
                    thread.join();
                } else {
                    thread.join(millis);
                }
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
