package dev.ensemble.internal.process;

import java.util.List;

/** Placeholder: no AOT cache yet. */
final class AotCache {
    static AotCache forThisJvm(List<String> jvmArgs) {
        return new AotCache();
    }

    List<String> flags(boolean firstOfPool) {
        return List.of();
    }

    String classPathPrefix() {
        return "";
    }

    void trainingEnded() {
    }
}
