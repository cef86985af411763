#pragma once
// When a node reads, writes and trusts shared presence (presence_wire.hpp
// says how it looks in Redis), sans-io. The bridge feeds it what happens and
// turns its answers into commands and hub calls.
//
// A node follows a presence channel while it has subscribers to it. Following
// starts with a subscription to the channel's deltas; once Redis confirms it,
// one snapshot of the whole set is read, and from then on only deltas are
// applied, so a change costs one message per following node whatever the
// channel's size. Deltas that arrive while the snapshot is on its way are
// held and applied after it (counts are absolute, so one already in the
// snapshot does no harm). The first snapshot of a channel is the past: it
// makes no join events. Until it is in, this node's own joins are not
// announced either, because it cannot tell whether the user was already a
// member elsewhere; the hub announces them once the snapshot says. After a
// reconnect the snapshot is read again, and what changed meanwhile is announced.
//
// Other nodes are known by their heartbeats; one not heard from for
// presence_ttl is dead, and its members leave. While Redis is unreachable
// nothing is heard from anyone, so nobody is declared dead then.
#include "herald/hub/presence.hpp"

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace herald::redis {

class PresenceSync {
public:
    using Clock = std::chrono::steady_clock;
    using Millis = std::chrono::milliseconds;

    // Deltas held for one channel while its snapshot is awaited; beyond this
    // they are dropped and the snapshot is read once more.
    static constexpr std::size_t max_held = 10'000;

    PresenceSync(std::string node, Millis ttl) : node_(std::move(node)), ttl_(ttl) {}
    const std::string& node() const { return node_; }
    Millis ttl() const { return ttl_; }

    // The channel got its first subscriber on this node / lost its last one.
    void follow(const std::string& channel);
    void unfollow(const std::string& channel);
    bool followed(const std::string& channel) const { return channels_.contains(channel); }

    // Redis confirmed the subscription to the channel's deltas. True when a
    // snapshot is to be read now.
    bool on_subscribed(const std::string& channel);

    // A delta from Redis. `apply` it now; `hold` means this object keeps it
    // until the snapshot; `ignore` it when it is this node's own, or the
    // channel is not followed.
    enum class Delta { apply, hold, ignore };
    Delta on_delta(Presence::Entry entry, Clock::time_point now);

    // The snapshot of `channel` arrived: nullopt when it is no longer wanted
    // (unfollowed, or the deltas overflowed and it must be read again: then
    // `resend` is set). Otherwise whether it was the channel's first since
    // it was followed, and the held deltas to apply after it, in order.
    struct Snapshot {
        bool initial = false;
        std::vector<Presence::Entry> held;
    };
    std::optional<Snapshot> on_snapshot(const std::string& channel, bool& resend);
    // Its read failed (an error reply): it is read again on the next refresh.
    void on_snapshot_failed(const std::string& channel);

    // Whether this node's own joins and leaves on `channel` may be announced
    // (not during its first snapshot), and whether the registry's view of
    // the channel covers every node, so that a query can be answered from it.
    bool announcing(const std::string& channel) const;
    bool synced(const std::string& channel) const;

    // The connection was lost (every channel will be subscribed and read
    // again), or is back (nobody was heard while it was away: start afresh).
    void on_disconnect();
    void on_connect(Clock::time_point now);

    // A change of this node's own entries that could not be written (no
    // connection). After a reconnect every local entry is written again;
    // take_unsent() adds the users who left meanwhile, whose 0 must be
    // written too, or other nodes would keep them.
    void unsent(const std::string& channel, const std::string& user);
    std::vector<std::pair<std::string, std::string>> take_unsent();

    // Liveness of other nodes.
    void heard(const std::string& node, Clock::time_point now);
    void forget(const std::string& node) { last_heard_.erase(node); }
    // The nodes not heard from for ttl, forgotten as they are returned.
    std::vector<std::string> expired(Clock::time_point now);

    // Every ttl/3: true when it is time to refresh this node's keys, publish
    // a heartbeat, and re-read the snapshots whose read failed (`retries`).
    bool refresh_due(Clock::time_point now);
    std::vector<std::string> take_retries();

private:
    enum class State { subscribing, reading, failed, synced };
    struct Channel {
        State state = State::subscribing;
        bool initial = true; // no snapshot applied since follow()
        bool overflow = false;
        std::vector<Presence::Entry> held;
    };

    std::string node_;
    Millis ttl_;
    std::unordered_map<std::string, Channel> channels_;
    std::unordered_map<std::string, Clock::time_point> last_heard_;
    std::set<std::pair<std::string, std::string>> unsent_; // (channel, user)
    Clock::time_point next_refresh_{};
};

} // namespace herald::redis
