package dev.ensemble;

import dev.ensemble.internal.backend.PoolConfig;

/** Opens an {@link Ensemble.Builder} to tests that build ensembles on a backend of their own. */
public final class EnsembleBuilders {
    private EnsembleBuilders() {
    }

    /**
     * @param builder a builder, which this freezes
     * @return its checked options
     */
    public static PoolConfig config(Ensemble.Builder<?> builder) {
        return builder.freeze();
    }

    /**
     * @param builder a builder
     * @param <S> the instance type
     * @return its factory
     */
    public static <S> InstanceFactory<S> factory(Ensemble.Builder<S> builder) {
        return builder.factory();
    }
}
