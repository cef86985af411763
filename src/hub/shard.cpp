#include "herald/shard.hpp"

#include "herald/session.hpp"

namespace herald {

bool Shard::add(const std::string& channel, Session& session, std::uint32_t subscription_index) {
    auto [it, inserted] = channels_.try_emplace(channel);
    auto& entries = it->second;
    session.subscriptions()[subscription_index].slot = static_cast<std::uint32_t>(entries.size());
    entries.push_back({&session, subscription_index});
    return inserted;
}

bool Shard::remove(const std::string& channel, std::uint32_t slot) {
    auto it = channels_.find(channel);
    if (it == channels_.end() || slot >= it->second.size())
        return false;
    auto& entries = it->second;
    // Swap-and-pop keeps removal O(1) on big broadcast channels; the moved
    // entry's session learns its new slot.
    if (slot + 1 != entries.size()) {
        entries[slot] = entries.back();
        entries[slot].session->subscriptions()[entries[slot].subscription].slot = slot;
    }
    entries.pop_back();
    if (!entries.empty())
        return false;
    channels_.erase(it);
    return true;
}

} // namespace herald
