#include "herald/broker/redis/cluster_router.hpp"

#include "herald/broker/redis/command.hpp"

namespace herald::redis {

void ClusterRouter::want(const std::string& channel) {
    if (!wanted_.insert(channel).second)
        return;
    if (const auto* owner = owner_of(channel)) {
        assigned_.emplace(channel, *owner);
        shards_[*owner].want(channel);
    }
    // Else no master owns the slot yet: set_map() assigns it when one does.
}

void ClusterRouter::unwant(const std::string& channel) {
    if (wanted_.erase(channel) == 0)
        return;
    auto it = assigned_.find(channel);
    if (it == assigned_.end())
        return;
    shards_[it->second].unwant(channel);
    assigned_.erase(it);
}

std::vector<ClusterRouter::Move> ClusterRouter::set_map(ClusterMap map) {
    map_ = std::move(map);
    std::vector<Move> moves;
    for (const auto& channel : wanted_) {
        const auto* owner = owner_of(channel);
        auto it = assigned_.find(channel);
        const HostPort* from = it == assigned_.end() ? nullptr : &it->second;
        if ((!owner && !from) || (owner && from && *owner == *from))
            continue;
        Move move{channel, {}, {}};
        if (from) {
            move.from = *from;
            shards_[*from].unwant(channel);
            assigned_.erase(it);
        }
        if (owner) {
            move.to = *owner;
            assigned_.emplace(channel, *owner);
            shards_[*owner].want(channel);
        }
        moves.push_back(std::move(move));
    }
    return moves;
}

SubscriptionTracker* ClusterRouter::shard(const HostPort& node) {
    auto it = shards_.find(node);
    return it == shards_.end() ? nullptr : &it->second;
}

std::vector<ClusterRouter::HostPort> ClusterRouter::shards() const {
    std::vector<HostPort> nodes;
    for (const auto& entry : shards_)
        nodes.push_back(entry.first);
    return nodes;
}

std::vector<ClusterRouter::HostPort> ClusterRouter::prune() {
    std::vector<HostPort> gone;
    for (auto it = shards_.begin(); it != shards_.end();) {
        const auto& tracker = it->second;
        // Disconnected, the tracker owes Redis nothing: what was subscribed
        // went with the connection.
        const bool idle = tracker.wanted_count() == 0 &&
                          (!tracker.connected() || (tracker.in_flight() == 0 && tracker.settled()));
        if (idle) {
            gone.push_back(it->first);
            it = shards_.erase(it);
        } else {
            ++it;
        }
    }
    return gone;
}

const ClusterRouter::HostPort* ClusterRouter::shard_of(const std::string& channel) const {
    auto it = assigned_.find(channel);
    return it == assigned_.end() ? nullptr : &it->second;
}

bool ClusterRouter::is_live(const std::string& channel) const {
    auto it = assigned_.find(channel);
    if (it == assigned_.end())
        return false;
    auto shard = shards_.find(it->second);
    return shard != shards_.end() && shard->second.is_live(channel);
}

std::vector<std::string> ClusterRouter::commands(std::string_view verb,
                                                 const std::vector<std::string>& batch) const {
    std::map<std::uint16_t, std::vector<std::string>> by_slot;
    for (const auto& channel : batch) {
        std::string name = prefix_ + channel;
        by_slot[cluster_wire::key_slot(name)].push_back(std::move(name));
    }
    std::vector<std::string> out;
    for (const auto& entry : by_slot)
        out.push_back(format_command(verb, entry.second));
    return out;
}

std::optional<std::string> ClusterRouter::canary_for(const std::string& base,
                                                     const HostPort& node) const {
    bool owns_a_slot = false;
    for (unsigned slot = 0; slot < cluster_wire::slot_count && !owns_a_slot; ++slot)
        owns_a_slot = map_.owner(static_cast<std::uint16_t>(slot)) &&
                      *map_.owner(static_cast<std::uint16_t>(slot)) == node;
    if (!owns_a_slot)
        return std::nullopt;
    // A node owning k of the 16384 slots is hit once in 16384/k tags on
    // average. Bounded all the same: a {tag} in the prefix itself pins every
    // name to one slot, whatever is appended.
    for (unsigned tag = 0; tag < 16 * cluster_wire::slot_count; ++tag) {
        std::string name = base + "{" + std::to_string(tag) + "}";
        const auto* owner = map_.owner_of(name);
        if (owner && *owner == node)
            return name;
    }
    return std::nullopt;
}

} // namespace herald::redis
