package io.rafka.supernode;

import java.util.Objects;

/** A group call refused by the group's state; the message names the values involved. */
public final class GroupException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why the call was refused. */
    public enum Reason {
        /** The member id is not in the group: it never joined, left, or its session expired. */
        UNKNOWN_MEMBER,
        /** The generation is not one the call may carry (a commit: not the current one). */
        STALE_GENERATION,
        /** A commit names a partition the member does not hold. */
        NOT_OWNER
    }

    private final Reason reason;

    public GroupException(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }
}
