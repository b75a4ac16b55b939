package dev.ensemble.internal.cluster;

/** Why a request got no reply from its member: it left, is frozen, or the pool stopped waiting. */
final class MemberGone extends Exception {
    @java.io.Serial
    private static final long serialVersionUID = 1L;

    MemberGone(String message, Throwable cause) {
        super(message, cause, false, false);
    }
}
