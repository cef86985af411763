#pragma once
// One worker's slice of the subscription registry: channel -> local sessions.
// Only its worker thread touches it, so fan-out takes no lock. A per-user
// channel with one subscriber costs one map node and one small vector.
//
// Each session keeps, per subscription, its slot in the channel's vector, so
// that removal is O(1) swap-and-pop even on a broadcast channel with 100k
// subscribers. A template only so that unit tests can use a plain struct.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace herald {

template <class SessionT> class BasicShard {
public:
    struct Entry {
        SessionT* session;
        std::uint32_t subscription; // index in session->subscriptions()
    };

    // Returns true if this was the channel's first local subscriber.
    bool add(const std::string& channel, SessionT& session, std::uint32_t subscription) {
        auto [it, inserted] = channels_.try_emplace(channel);
        session.subscriptions()[subscription].slot = static_cast<std::uint32_t>(it->second.size());
        it->second.push_back({&session, subscription});
        return inserted;
    }

    // Returns true if that was the channel's last local subscriber.
    bool remove(const std::string& channel, std::uint32_t slot) {
        auto it = channels_.find(channel);
        if (it == channels_.end() || slot >= it->second.size())
            return false;
        auto& entries = it->second;
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

class Session;
using Shard = BasicShard<Session>;

} // namespace herald
