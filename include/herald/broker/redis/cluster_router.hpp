#pragma once
// Sharded pub/sub over a Redis Cluster, sans-io: which master each wanted
// channel is subscribed on, and the SSUBSCRIBE commands that get it there.
//
// Every master that owns a wanted channel's slot is a shard, with its own
// subscriber connection and its own SubscriptionTracker here. A channel is
// wanted on exactly one shard: the owner of its slot in the current map.
// When a new map moves a slot, set_map() unwants its channels on the old
// shard (SUNSUBSCRIBE, if that connection still lives) and wants them on the
// new one, and reports them: events published in between may have been lost,
// so their subscribers must be told (and history gap-fill can attach there).
//
// SSUBSCRIBE with channels of two slots is refused (CROSSSLOT), so
// commands() turns a tracker's batch into one command per slot.
#include "herald/broker/redis/cluster_map.hpp"
#include "herald/broker/redis/subscription_tracker.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace herald::redis {

class ClusterRouter {
public:
    using HostPort = cluster_wire::HostPort;

    // A wanted channel's shard changed (`from` is empty for a channel no
    // master owned until now, `to` for one that no master owns any more).
    struct Move {
        std::string channel;
        std::optional<HostPort> from;
        std::optional<HostPort> to;
    };

    // `prefix`: channel_prefix, before every herald channel name in Redis.
    explicit ClusterRouter(std::string prefix) : prefix_(std::move(prefix)) {}

    // The node's first local subscriber appeared / its last one left
    // (herald channel names). Idempotent.
    void want(const std::string& channel);
    void unwant(const std::string& channel);

    // Adopts a new map and moves the wanted channels whose owner changed.
    std::vector<Move> set_map(ClusterMap map);
    const ClusterMap& map() const { return map_; }

    // The tracker of a shard, nullptr for a node that is none.
    SubscriptionTracker* shard(const HostPort& node);
    // Nodes with a tracker: channels wanted there, or SUNSUBSCRIBEs owed.
    std::vector<HostPort> shards() const;
    // Forgets shards with nothing wanted and nothing in flight; returns them,
    // so that the caller can close their connections.
    std::vector<HostPort> prune();

    // The shard a wanted channel is subscribed on (nullptr: none owns it).
    const HostPort* shard_of(const std::string& channel) const;
    // Subscribed on its shard with no command in flight.
    bool is_live(const std::string& channel) const;
    std::size_t wanted_count() const { return wanted_.size(); }

    // `verb` (SSUBSCRIBE, SUNSUBSCRIBE) for the herald channels of `batch`,
    // RESP-encoded: one command per slot, in slot order.
    std::vector<std::string> commands(std::string_view verb,
                                      const std::vector<std::string>& batch) const;

    // `base` (a canary channel name) with a {tag} that puts it in one of
    // `node`'s slots, so that the canary crosses that shard; nullopt when
    // the map gives the node no slot.
    std::optional<std::string> canary_for(const std::string& base, const HostPort& node) const;

    const std::string& prefix() const { return prefix_; }

private:
    const HostPort* owner_of(const std::string& channel) const {
        return map_.owner_of(prefix_ + channel);
    }

    struct Less {
        bool operator()(const HostPort& a, const HostPort& b) const {
            return std::tie(a.host, a.port) < std::tie(b.host, b.port);
        }
    };

    std::string prefix_;
    ClusterMap map_;
    std::set<std::string> wanted_;
    std::map<std::string, HostPort> assigned_; // wanted channel -> its shard
    std::map<HostPort, SubscriptionTracker, Less> shards_;
};

} // namespace herald::redis
