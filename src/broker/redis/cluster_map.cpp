#include "herald/broker/redis/cluster_map.hpp"

#include <algorithm>

namespace herald::redis {

ClusterMap::ClusterMap(const std::vector<cluster_wire::SlotRange>& ranges) : ClusterMap() {
    for (const auto& range : ranges) {
        const auto index = index_of(range.master);
        for (unsigned slot = range.first; slot <= range.last; ++slot) {
            if (owners_[slot] == none)
                --unowned_;
            owners_[slot] = index;
        }
    }
}

std::variant<ClusterMap, std::string> ClusterMap::from_slots(const Reply& reply,
                                                             const HostPort& asked) {
    auto parsed = cluster_wire::parse_slots(reply, asked);
    if (auto* error = std::get_if<std::string>(&parsed))
        return std::move(*error);
    return ClusterMap(std::get<std::vector<cluster_wire::SlotRange>>(parsed));
}

std::int16_t ClusterMap::index_of(const HostPort& master) {
    auto it = std::find(masters_.begin(), masters_.end(), master);
    if (it != masters_.end())
        return static_cast<std::int16_t>(it - masters_.begin());
    // At most one master per slot, so at most 16384 of them: fits.
    masters_.push_back(master);
    return static_cast<std::int16_t>(masters_.size() - 1);
}

const ClusterMap::HostPort* ClusterMap::owner(std::uint16_t slot) const {
    if (slot >= owners_.size() || owners_[slot] == none)
        return nullptr;
    return &masters_[static_cast<std::size_t>(owners_[slot])];
}

bool ClusterMap::moved(std::uint16_t slot, const HostPort& to) {
    if (slot >= owners_.size())
        return false;
    const auto* current = owner(slot);
    if (current && *current == to)
        return false;
    if (!current)
        --unowned_;
    owners_[slot] = index_of(to);
    // A master left with no slot stays listed: masters() is "first seen", and
    // the next refresh builds a fresh map anyway.
    return true;
}

} // namespace herald::redis
