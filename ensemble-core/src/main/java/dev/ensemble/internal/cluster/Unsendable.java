package dev.ensemble.internal.cluster;

/**
 * Sent in place of an input that could not be serialized, so that its task fails with this message at the
 * input's own index while the chunk's other inputs run.
 *
 * @param message why the input could not be sent
 */
record Unsendable(String message) {
}
