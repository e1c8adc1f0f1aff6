package io.rafka.supernode.internal;

import com.hazelcast.query.Predicate;
import io.rafka.supernode.NodeSession;

import java.io.Serializable;
import java.util.Map;

/**
 * Entry processors of the sessions map (node id to its latest session). Expiry is judged by the
 * clock of the member that processes the entry, and a session found expired is marked dead in the
 * same step, so no later renew, on any member, can bring it back.
 */
public final class SessionOps {
    private SessionOps() {
    }

    /** The outcome of {@link Register}. */
    public sealed interface RegisterOutcome extends Serializable {
    }

    /** The new session was stored. */
    public record Registered(NodeSession session) implements RegisterOutcome {
    }

    /** Another live session holds the node id; nothing was changed. */
    public record Occupied(NodeSession holder) implements RegisterOutcome {
    }

    /** Stores a new session unless another live one holds the node id. Replacing counts as declaring the old one dead. */
    public static final class Register extends Mutation<NodeSession, RegisterOutcome> {
        private static final long serialVersionUID = 1L;
        private final String nodeId;
        private final String name;
        private final long sessionId;
        private final String grpcAddress;
        private final String httpAddress;
        private final boolean supernode;
        private final long ttlMs;

        public Register(String nodeId, String name, long sessionId, String grpcAddress, String httpAddress, boolean supernode, long ttlMs) {
            this.nodeId = nodeId;
            this.name = name;
            this.sessionId = sessionId;
            this.grpcAddress = grpcAddress;
            this.httpAddress = httpAddress;
            this.supernode = supernode;
            this.ttlMs = ttlMs;
        }

        @Override
        protected Step<NodeSession, RegisterOutcome> apply(NodeSession current, long nowMs) {
            if (current != null && current.sessionId() == sessionId) {
                return keep(new Registered(current)); // a retry of this very call after the first run succeeded
            }
            if (current != null && current.isLiveAt(nowMs)) {
                return keep(new Occupied(current));
            }
            NodeSession session = new NodeSession(nodeId, name, sessionId, grpcAddress, httpAddress, supernode, nowMs + ttlMs, false);
            return write(session, new Registered(session));
        }
    }

    /** Extends a session that is still the stored one, not dead and not expired; marks it dead if it expired. */
    public static final class Renew extends Mutation<NodeSession, Boolean> {
        private static final long serialVersionUID = 1L;
        private final long sessionId;
        private final long ttlMs;

        public Renew(long sessionId, long ttlMs) {
            this.sessionId = sessionId;
            this.ttlMs = ttlMs;
        }

        @Override
        protected Step<NodeSession, Boolean> apply(NodeSession current, long nowMs) {
            if (current == null || current.sessionId() != sessionId || current.dead()) {
                return keep(false);
            }
            if (!current.isLiveAt(nowMs)) {
                return write(dead(current), false);
            }
            long expiresAt = Math.max(current.expiresAtMs(), nowMs + ttlMs);
            return write(new NodeSession(current.nodeId(), current.name(), sessionId, current.grpcAddress(), current.httpAddress(),
                    current.supernode(), expiresAt, false), true);
        }
    }

    /** Marks the session dead if it is still the stored one (a graceful leave). */
    public static final class Release extends Mutation<NodeSession, Boolean> {
        private static final long serialVersionUID = 1L;
        private final long sessionId;

        public Release(long sessionId) {
            this.sessionId = sessionId;
        }

        @Override
        protected Step<NodeSession, Boolean> apply(NodeSession current, long nowMs) {
            if (current == null || current.sessionId() != sessionId || current.dead()) {
                return keep(false);
            }
            return write(dead(current), true);
        }
    }

    /**
     * True if the session is gone: absent, replaced, dead, or expired (then marked dead, so the
     * answer can never turn false again); false while it is live.
     */
    public static final class ExpireIfDue extends Mutation<NodeSession, Boolean> {
        private static final long serialVersionUID = 1L;
        private final long sessionId;

        public ExpireIfDue(long sessionId) {
            this.sessionId = sessionId;
        }

        @Override
        protected Step<NodeSession, Boolean> apply(NodeSession current, long nowMs) {
            if (current == null || current.sessionId() != sessionId || current.dead()) {
                return keep(true);
            }
            if (current.isLiveAt(nowMs)) {
                return keep(false);
            }
            return write(dead(current), true);
        }
    }

    /** Sessions live by the clock of the member that evaluates the query. */
    public record LiveSessions() implements Predicate<String, NodeSession> {
        @Override
        public boolean apply(Map.Entry<String, NodeSession> entry) {
            return entry.getValue().isLiveAt(System.currentTimeMillis());
        }
    }

    private static NodeSession dead(NodeSession s) {
        return new NodeSession(s.nodeId(), s.name(), s.sessionId(), s.grpcAddress(), s.httpAddress(), s.supernode(), s.expiresAtMs(), true);
    }
}
