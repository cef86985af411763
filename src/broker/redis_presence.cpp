// The Redis bridge's share of presence: it writes this node's entries,
// follows the channels it has subscribers to, and tells the hub what the
// other nodes have. When and what is PresenceSync's call and presence_wire's
// format; this file only sends and hands over.
#include "herald/broker/redis_bridge.hpp"

#include "herald/broker/redis/command.hpp"
#include "herald/broker/redis/presence_wire.hpp"
#include "herald/hub/channel.hpp"

#include <spdlog/spdlog.h>

namespace herald {

namespace wire = redis::presence_wire;
using redis::Reply;

void RedisBridge::presence_follow(const std::string& channel, bool follow) {
    if (!presence_enabled_ || !channel_options(config_, channel).presence)
        return;
    const auto name = wire::delta_name(channel);
    if (follow) {
        presence_.follow(channel);
        tracker_.want(name);
        return;
    }
    tracker_.unwant(name);
    presence_.unfollow(channel);
    hub_.presence_forget(channel);
}

void RedisBridge::on_local_change(const Presence::Entry& entry) {
    if (state_ != State::ready) {
        // Written once Redis is back (presence_ready), with every other entry.
        presence_.unsent(entry.channel, entry.user);
        return;
    }
    commands_->send(wire::write_command(config_.channel_prefix, entry, presence_.ttl()));
    command_queue_.push([this](const Reply& reply) {
        if (reply.type == Reply::Type::error && state_ != State::down)
            presence_error("write refused: " + reply.str);
    });
}

void RedisBridge::on_presence_message(const std::string& name, std::string_view payload) {
    const auto now = Clock::now();
    if (name == wire::nodes_name) {
        auto heartbeat = wire::parse_heartbeat(payload);
        if (auto* bad = std::get_if<wire::Bad>(&heartbeat))
            return presence_error(bad->reason);
        return presence_.heard(std::get<wire::Heartbeat>(heartbeat).node, now);
    }
    auto channel = wire::channel_of(name);
    if (!channel)
        return; // a '#' name the tracker never asked for
    auto delta = wire::parse_delta(*channel, payload);
    if (auto* bad = std::get_if<wire::Bad>(&delta))
        return presence_error(bad->reason);
    auto& entry = std::get<Presence::Entry>(delta);
    if (presence_.on_delta(entry, now) == redis::PresenceSync::Delta::apply)
        hub_.presence_merge(entry);
}

void RedisBridge::on_presence_subscribed(const std::string& name) {
    auto channel = wire::channel_of(name);
    if (channel && tracker_.is_live(name) && presence_.on_subscribed(*channel))
        read_snapshot(*channel);
}

void RedisBridge::read_snapshot(const std::string& channel) {
    commands_->send(wire::snapshot_command(config_.channel_prefix, channel));
    command_queue_.push([this, channel](const Reply& reply) {
        if (state_ == State::down)
            return; // the connection went; presence_.on_disconnect() reset the channel
        auto parsed = wire::parse_snapshot(channel, reply);
        if (auto* bad = std::get_if<wire::Bad>(&parsed)) {
            presence_.on_snapshot_failed(channel);
            return presence_error(bad->reason + " (read again in presence_ttl/3)");
        }
        auto& entries = std::get<std::vector<Presence::Entry>>(parsed);
        bool resend = false;
        auto snapshot = presence_.on_snapshot(channel, resend);
        if (resend)
            return read_snapshot(channel);
        if (!snapshot)
            return; // unfollowed meanwhile
        const auto now = Clock::now();
        for (const auto& entry : entries)
            presence_.heard(entry.node, now);
        hub_.presence_snapshot(channel, entries, snapshot->initial);
        for (const auto& held : snapshot->held)
            hub_.presence_merge(held);
    });
}

void RedisBridge::fetch(const std::string& channel, Hub::PresenceHandler done) {
    if (!commands_usable())
        return done(std::nullopt);
    commands_->send(wire::snapshot_command(config_.channel_prefix, channel));
    command_queue_.push([this, channel, done = std::move(done)](const Reply& reply) {
        auto parsed = wire::parse_snapshot(channel, reply);
        if (auto* bad = std::get_if<wire::Bad>(&parsed)) {
            if (state_ != State::down)
                presence_error(bad->reason);
            return done(std::nullopt);
        }
        // A registry of its own, in which every node is "other", this one too.
        Presence view("");
        for (const auto& e : std::get<std::vector<Presence::Entry>>(parsed))
            view.merge(e.node, e.channel, e.user, e.connections, e.info);
        done(view.answer(channel));
    });
}

void RedisBridge::presence_ready() {
    if (!presence_enabled_)
        return;
    presence_.on_connect(Clock::now());
    // This node's keys may have expired, or Redis may have restarted empty,
    // and other nodes missed what changed meanwhile: write everything again.
    // Counts are absolute, so what others already have is not disturbed.
    for (const auto& entry : hub_.presence_local_entries())
        on_local_change(entry);
    for (const auto& [channel, user] : presence_.take_unsent()) {
        auto entry = hub_.presence_local_entry(channel, user);
        if (entry.connections == 0) // else written just above
            on_local_change(entry);
    }
}

void RedisBridge::presence_tick(Clock::time_point now) {
    if (!presence_enabled_)
        return;
    for (const auto& node : presence_.expired(now)) {
        info_.hub_stats.presence_nodes_expired.add();
        spdlog::warn("presence: node {} not heard from for {} ms; its members leave", node,
                     presence_.ttl().count());
        hub_.presence_drop_node(node);
    }
    if (!presence_.refresh_due(now))
        return;
    auto send = [this](std::string command) {
        commands_->send(std::move(command));
        command_queue_.push();
    };
    send(wire::heartbeat_command(config_.channel_prefix, {presence_.node()}));
    for (const auto& channel : hub_.presence_local_channels())
        send(wire::refresh_command(config_.channel_prefix, channel, presence_.node(),
                                   presence_.ttl()));
    for (const auto& channel : presence_.take_retries())
        read_snapshot(channel);
}

void RedisBridge::presence_error(const std::string& what) {
    info_.hub_stats.presence_sync_errors.add();
    spdlog::warn("presence: {}", what);
}

} // namespace herald
