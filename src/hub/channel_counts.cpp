#include "herald/hub/channel_counts.hpp"

namespace herald {

bool ChannelCounts::add(const std::string& channel, unsigned worker) {
    auto [it, inserted] = channels_.try_emplace(channel);
    if (inserted)
        it->second.per_worker.assign(workers_, 0);
    ++it->second.per_worker.at(worker);
    ++it->second.total;
    return inserted;
}

bool ChannelCounts::remove(const std::string& channel, unsigned worker) {
    auto it = channels_.find(channel);
    if (it == channels_.end() || worker >= workers_ || it->second.per_worker[worker] == 0)
        return false;
    --it->second.per_worker[worker];
    if (--it->second.total > 0)
        return false;
    channels_.erase(it);
    return true;
}

} // namespace herald
