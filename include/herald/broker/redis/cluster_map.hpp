#pragma once
// Which master owns which of the 16384 slots, sans-io: built from a CLUSTER
// SLOTS reply, patched by -MOVED until the next refresh confirms it, and
// compared with its successor to tell what moved.
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

    // A -MOVED answer: the slot is `to`'s now. Returns whether that changed
    // anything (false: the map already said so, which means the map is not
    // the problem and a refresh will not help either).
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
