#include "herald/broker/redis/subscription_tracker.hpp"

#include <algorithm>

namespace herald::redis {

void SubscriptionTracker::update(Map::iterator it) {
    const std::string& name = it->first;
    const Entry& e = it->second;
    const bool projected = e.projected();
    if (e.wanted && !projected) {
        need_sub_.insert(name);
    } else {
        need_sub_.erase(name);
    }
    if (!e.wanted && projected) {
        need_unsub_.insert(name);
    } else {
        need_unsub_.erase(name);
    }
    if (!e.wanted && !e.confirmed && e.in_flight == 0) {
        entries_.erase(it); // nothing left to remember
    }
}

void SubscriptionTracker::want(const std::string& channel) {
    auto it = entries_.try_emplace(channel).first;
    if (!it->second.wanted) {
        it->second.wanted = true;
        ++wanted_count_;
        update(it);
    }
}

void SubscriptionTracker::unwant(const std::string& channel) {
    auto it = entries_.find(channel);
    if (it != entries_.end() && it->second.wanted) {
        it->second.wanted = false;
        --wanted_count_;
        update(it);
    }
}

std::vector<std::string> SubscriptionTracker::take(std::set<std::string>& from, bool subscribe,
                                                   std::size_t max) {
    std::vector<std::string> out;
    if (!connected_) {
        return out;
    }
    while (!from.empty() && out.size() < max) {
        auto node = from.extract(from.begin());
        const auto it = entries_.find(node.value());
        if (it == entries_.end()) {
            continue; // cannot happen: update() keeps the sets within entries_
        }
        Entry& e = it->second;
        // Sending makes the projected state equal to wanted, so the channel
        // belongs to neither set any more.
        e.last_sent_sub = subscribe;
        ++e.in_flight;
        ++in_flight_;
        out.push_back(std::move(node.value()));
    }
    return out;
}

std::vector<std::string> SubscriptionTracker::take_subscribes(std::size_t max) {
    return take(need_sub_, true, max);
}

std::vector<std::string> SubscriptionTracker::take_unsubscribes(std::size_t max) {
    return take(need_unsub_, false, max);
}

bool SubscriptionTracker::on_ack(const SubscribeAck& ack) {
    if (!connected_) {
        return false;
    }
    auto it = entries_.find(ack.channel);
    if (it == entries_.end() || it->second.in_flight == 0) {
        return false;
    }
    Entry& e = it->second;
    // Commands for one channel alternate (each is sent only when it changes
    // the projected state), so the oldest in flight is always the opposite
    // of the confirmed state.
    const auto expected =
        e.confirmed ? SubscribeAck::Kind::unsubscribe : SubscribeAck::Kind::subscribe;
    if (ack.kind != expected) {
        return false;
    }
    e.confirmed = ack.kind == SubscribeAck::Kind::subscribe;
    --e.in_flight;
    --in_flight_;
    update(it);
    return true;
}

void SubscriptionTracker::on_connect() {
    if (connected_) {
        on_disconnect(); // a new connection starts with no subscriptions
    }
    connected_ = true;
}

void SubscriptionTracker::on_disconnect() {
    connected_ = false;
    in_flight_ = 0;
    need_unsub_.clear();
    for (auto it = entries_.begin(); it != entries_.end();) {
        Entry& e = it->second;
        e.confirmed = false;
        e.in_flight = 0;
        if (e.wanted) {
            need_sub_.insert(it->first); // replayed after the reconnect
            ++it;
        } else {
            need_sub_.erase(it->first);
            it = entries_.erase(it);
        }
    }
}

bool SubscriptionTracker::is_subscribed(const std::string& channel) const {
    const auto it = entries_.find(channel);
    return connected_ && it != entries_.end() && it->second.confirmed;
}

bool SubscriptionTracker::is_live(const std::string& channel) const {
    // An UNSUBSCRIBE still in flight will take effect before the next SUBSCRIBE:
    // until every command is answered, events may not reach us.
    const auto it = entries_.find(channel);
    return connected_ && it != entries_.end() && it->second.confirmed && it->second.in_flight == 0;
}

bool SubscriptionTracker::is_wanted(const std::string& channel) const {
    const auto it = entries_.find(channel);
    return it != entries_.end() && it->second.wanted;
}

std::vector<std::string> SubscriptionTracker::wanted() const {
    std::vector<std::string> out;
    out.reserve(wanted_count_);
    for (const auto& [name, e] : entries_) {
        if (e.wanted) {
            out.push_back(name);
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

bool SubscriptionTracker::settled() const {
    return connected_ && need_sub_.empty() && need_unsub_.empty() && in_flight_ == 0;
}

} // namespace herald::redis
