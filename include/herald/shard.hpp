#pragma once
// One worker's slice of the subscription registry: channel -> local sessions.
// Only its worker thread touches it, so fan-out takes no lock. A per-user
// channel with one subscriber costs one map node and one small vector.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace herald {

class Session;

class Shard {
public:
    struct Entry {
        Session* session;
        std::uint32_t subscription; // index in session->subscriptions()
    };

    // Returns true if this was the channel's first local subscriber.
    bool add(const std::string& channel, Session& session, std::uint32_t subscription_index);
    // Returns true if that was the channel's last local subscriber.
    bool remove(const std::string& channel, std::uint32_t slot);

    // A session's subscription moved to another index of its own list.
    void reindex(const std::string& channel, std::uint32_t slot, std::uint32_t subscription) {
        channels_.at(channel)[slot].subscription = subscription;
    }

    const std::vector<Entry>* find(const std::string& channel) const {
        auto it = channels_.find(channel);
        return it == channels_.end() ? nullptr : &it->second;
    }
    std::size_t channel_count() const { return channels_.size(); }

private:
    std::unordered_map<std::string, std::vector<Entry>> channels_;
};

} // namespace herald
