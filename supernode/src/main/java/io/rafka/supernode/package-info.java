/**
 * Cluster metadata on Hazelcast maps: topics, node sessions, partition leases with epochs,
 * producer ids and committed offsets. {@link io.rafka.supernode.SupernodeStore} is the whole API.
 *
 * <h2>Where the data lives</h2>
 * Supernodes are full Hazelcast members and hold the {@code rafka.*} maps with synchronous backups
 * ({@link io.rafka.supernode.SupernodeStore#configure}); other nodes are lite members that hold no
 * data and call the same API remotely. Hazelcast 5.5+ has no open-source CP subsystem, so every
 * atomic step is one map entry changed by {@code putIfAbsent} or by an entry processor, which runs
 * on the member owning the entry and decides and writes in one step. Processors that read the clock
 * send their resulting value to the backups rather than letting them decide again.
 *
 * <p>Given a {@link io.rafka.supernode.MetadataPersistence}, topics, leases, committed offsets and
 * counters are also written through to it before a change is applied, and loaded back when the maps
 * start empty: a cluster that lost every supernode at once keeps them, and lease epochs carry on
 * from where they were instead of starting again at 1. Sessions and group membership are rebuilt
 * by the nodes and members that come back.
 *
 * <h2>Sessions</h2>
 * A node's {@link io.rafka.supernode.NodeSession} is one life of that node, like a ZooKeeper
 * session: {@code register} stores it with a random session id and a deadline {@code ttl} after the
 * storing member's now; {@code renew} moves the deadline on. A session that is found expired (by
 * {@code renew}, {@code expireIfDue} or a new {@code register}) is marked dead in the same step,
 * and a dead or replaced session is never live again: {@code renew} refuses it for good and the node
 * must register anew. Expiry is always judged by the member that owns the entry, so "declared dead"
 * is one event in one place, persisted to the backups before anyone acts on it.
 *
 * <h2>Leases and epochs</h2>
 * A {@link io.rafka.supernode.Lease} gives one session the right to write one partition. Its epoch
 * starts at 1 and grows by one whenever the lease is granted anew (after a release or a take-over),
 * never repeats and never goes back, so storage can fence: a batch carrying an epoch below the
 * highest one seen is refused. A lease held by another session is taken over only after
 * {@code expireIfDue} declared that session dead, and then with a compare-and-set on the lease as
 * observed, so of concurrent acquirers exactly one wins each epoch.
 *
 * <h2>Why a stale owner cannot write after a take-over</h2>
 * The owner acknowledges writes only while its <em>local</em> session deadline has not passed, and
 * it computes that deadline from the moment it <em>sent</em> the successful renew:
 * <pre>{@code
 * long sent = System.nanoTime();
 * if (store.renew(session, ttl)) {
 *     localDeadline = sent + ttl.toNanos() - clockDriftMargin;
 * }
 * }</pre>
 * The processing member stored its deadline {@code ttl} after it <em>processed</em> the renew,
 * which happened after the send, so the member's deadline is never earlier than the node's (up to
 * the rate drift between the two clocks, which the margin covers). A take-over needs the session
 * declared dead, which the member only does after its deadline, and a declared-dead session is never
 * revived. So by the time another node holds the lease, the old owner's local deadline has passed and
 * it acknowledges nothing more; a write it had already sent is fenced by the higher epoch in storage.
 * If the entry's owning member fails, its backup takes over with the same deadline; wall clocks of
 * supernodes are assumed to agree within the margin.
 *
 * <h2>Other data</h2>
 * Topic incarnations and producer ids come from counter entries (producer ids reserved in blocks
 * per store instance), so both are unique across the cluster and across restarts of any node for as
 * long as some supernode keeps the maps. Committed offsets are one entry per consumer group, so a
 * commit of many partitions is all or nothing.
 *
 * <h2>Consumer groups</h2>
 * A group's membership is one {@link io.rafka.supernode.ConsumerGroup} (a pure state machine, also
 * used in memory by a standalone node) in the {@code rafka.groups} map, changed by one entry
 * processor per call, which evaluates session expiry first. A member's commit is checked against it
 * and then stored in the offsets map, whose entry also keeps per-partition fences (the generation of
 * each partition's last grant, raised before the new holder hears of it), so a commit checked before a
 * partition changed hands cannot land after the new holder read the committed offset.
 */
package io.rafka.supernode;
