#include "herald/broker/redis/presence_sync.hpp"

namespace herald::redis {

void PresenceSync::follow(const std::string& channel) {
    channels_.try_emplace(channel);
}

void PresenceSync::unfollow(const std::string& channel) {
    channels_.erase(channel);
}

bool PresenceSync::on_subscribed(const std::string& channel) {
    auto it = channels_.find(channel);
    if (it == channels_.end() || it->second.state != State::subscribing)
        return false;
    it->second.state = State::reading;
    return true;
}

PresenceSync::Delta PresenceSync::on_delta(Presence::Entry entry, Clock::time_point now) {
    if (entry.node == node_)
        return Delta::ignore;
    heard(entry.node, now);
    auto it = channels_.find(entry.channel);
    if (it == channels_.end())
        return Delta::ignore;
    auto& channel = it->second;
    if (channel.state == State::synced)
        return Delta::apply;
    if (channel.state == State::subscribing)
        // Not subscribed yet, as far as we know: the snapshot comes later and covers it.
        return Delta::ignore;
    if (channel.held.size() >= max_held) {
        channel.held.clear();
        channel.overflow = true;
    }
    if (!channel.overflow)
        channel.held.push_back(std::move(entry));
    return Delta::hold;
}

std::optional<PresenceSync::Snapshot> PresenceSync::on_snapshot(const std::string& channel,
                                                                bool& resend) {
    resend = false;
    auto it = channels_.find(channel);
    if (it == channels_.end() || it->second.state != State::reading)
        return std::nullopt;
    auto& state = it->second;
    if (state.overflow) {
        // Too much happened while it was read: read again, holding anew.
        state.overflow = false;
        resend = true;
        return std::nullopt;
    }
    Snapshot snapshot{state.initial, std::move(state.held)};
    state.held.clear();
    state.initial = false;
    state.state = State::synced;
    return snapshot;
}

void PresenceSync::on_snapshot_failed(const std::string& channel) {
    auto it = channels_.find(channel);
    if (it == channels_.end() || it->second.state != State::reading)
        return;
    it->second.state = State::failed;
    it->second.held.clear();
    it->second.overflow = false;
}

bool PresenceSync::announcing(const std::string& channel) const {
    auto it = channels_.find(channel);
    return it == channels_.end() || !it->second.initial;
}

bool PresenceSync::synced(const std::string& channel) const {
    auto it = channels_.find(channel);
    return it != channels_.end() && !it->second.initial;
}

void PresenceSync::on_disconnect() {
    for (auto& [name, channel] : channels_) {
        channel.state = State::subscribing;
        channel.held.clear();
        channel.overflow = false;
    }
}

void PresenceSync::on_connect(Clock::time_point now) {
    for (auto& [node, when] : last_heard_)
        when = now;
    next_refresh_ = {}; // announce ourselves at once
}

void PresenceSync::unsent(const std::string& channel, const std::string& user) {
    unsent_.emplace(channel, user);
}

std::vector<std::pair<std::string, std::string>> PresenceSync::take_unsent() {
    std::vector<std::pair<std::string, std::string>> out(unsent_.begin(), unsent_.end());
    unsent_.clear();
    return out;
}

void PresenceSync::heard(const std::string& node, Clock::time_point now) {
    if (node != node_)
        last_heard_[node] = now;
}

std::vector<std::string> PresenceSync::expired(Clock::time_point now) {
    std::vector<std::string> dead;
    for (auto it = last_heard_.begin(); it != last_heard_.end();) {
        if (now - it->second >= ttl_) {
            dead.push_back(it->first);
            it = last_heard_.erase(it);
        } else {
            ++it;
        }
    }
    return dead;
}

bool PresenceSync::refresh_due(Clock::time_point now) {
    if (now < next_refresh_)
        return false;
    next_refresh_ = now + ttl_ / 3;
    return true;
}

std::vector<std::string> PresenceSync::take_retries() {
    std::vector<std::string> retries;
    for (auto& [name, channel] : channels_)
        if (channel.state == State::failed) {
            channel.state = State::reading;
            retries.push_back(name);
        }
    return retries;
}

} // namespace herald::redis
