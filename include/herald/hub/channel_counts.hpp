#pragma once
// Subscribers per channel per worker, as the hub sees them. Tells which
// workers an event must be posted to, and when a channel gains its first or
// loses its last subscriber on this node (the Redis bridge SUBSCRIBEs and
// UNSUBSCRIBEs on those transitions). Single-threaded and sans-io.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace herald {

class ChannelCounts {
public:
    explicit ChannelCounts(std::size_t workers) : workers_(workers) {}

    // Returns true when the channel had no subscriber on any worker before.
    bool add(const std::string& channel, unsigned worker);
    // Returns true when that was the channel's last subscriber on this node.
    // Removing what was never added is ignored (returns false).
    bool remove(const std::string& channel, unsigned worker);

    // Per-worker counts of a channel, or nullptr when it has no subscriber.
    const std::vector<std::uint32_t>* find(const std::string& channel) const {
        auto it = channels_.find(channel);
        return it == channels_.end() ? nullptr : &it->second.per_worker;
    }
    std::size_t active_channels() const { return channels_.size(); }
    std::size_t workers() const { return workers_; }

private:
    struct Counts {
        std::uint64_t total = 0;
        std::vector<std::uint32_t> per_worker;
    };
    std::size_t workers_;
    std::unordered_map<std::string, Counts> channels_;
};

} // namespace herald
