#pragma once
// Which master owns which of the 16384 slots, sans-io: built from a CLUSTER
// SLOTS reply, and compared with its successor (ClusterRouter::set_map) to
// tell what moved. The bridge answers a -MOVED with a whole new map rather
// than a patch: a resharding seldom moves one slot alone.
#include "herald/broker/redis/cluster_wire.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace herald::redis {

class ClusterMap {
public:
    using HostPort = cluster_wire::HostPort;

    ClusterMap() : owners_(cluster_wire::slot_count, none) {}
    explicit ClusterMap(const std::vector<cluster_wire::SlotRange>& ranges);
    // From the reply to CLUSTER SLOTS sent to `asked`, or why not.
    static std::variant<ClusterMap, std::string> from_slots(const Reply& reply,
                                                            const HostPort& asked);

    // The master of a slot, or nullptr while no master serves it (a failed
    // master not yet replaced, an unfinished cluster set-up).
    const HostPort* owner(std::uint16_t slot) const;
    const HostPort* owner_of(std::string_view key) const {
        return owner(cluster_wire::key_slot(key));
    }
    // Every master the reply named (or a -MOVED since), in the order first seen.
    const std::vector<HostPort>& masters() const { return masters_; }
    // Every slot has a master.
    bool complete() const { return unowned_ == 0; }

    // The slot is `to`'s now (what a -MOVED says; the tests move slots with
    // it). Returns whether that changed anything.
    bool moved(std::uint16_t slot, const HostPort& to);

    bool operator==(const ClusterMap&) const = default;

private:
    static constexpr std::int16_t none = -1;
    std::int16_t index_of(const HostPort& master);

    std::vector<HostPort> masters_;
    std::vector<std::int16_t> owners_; // per slot: index into masters_, or none
    std::size_t unowned_ = cluster_wire::slot_count;
};

} // namespace herald::redis
