#pragma once
// How shared presence looks in Redis, sans-io: key names, the commands that
// write and read it, and the parsers for what comes back. The state machine
// that decides when to send them is PresenceSync; the registry is the hub's
// Presence.
//
// For a channel C, with K = <channel_prefix>#presence:{C} ('#' never occurs in
// a channel name, so no clash with herald's own channels; {C} is a Cluster
// hash tag, so that a channel's keys share a slot):
//   K            sorted set: node id -> expiry (ms, Redis' clock)
//   K:<node>     hash: user -> "<connections> <info JSON or nothing>"
// Both expire presence_ttl after the node's last refresh, so a dead node's
// members vanish by themselves. Every change is also published, as a delta
// {"node","user","connections","info"} with an absolute count, on the pub/sub
// channel <channel_prefix>#presence:C, which only nodes with subscribers to C
// follow. Nodes announce themselves every presence_ttl/3 on
// <channel_prefix>#presence-nodes ({"node":"<id>"}).
//
// Writes and reads are Lua scripts (EVAL) so that a change and its delta are
// one atomic step, and so that expiry is scored by Redis' clock, not by the
// nodes' clocks, which may disagree.
#include "herald/broker/redis/reply_reader.hpp"
#include "herald/hub/presence.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace herald::redis::presence_wire {

// The names under which the bridge's SubscriptionTracker follows presence
// pub/sub channels (behind channel_prefix, like herald's channels). They
// start with '#', which no herald channel does.
inline constexpr std::string_view nodes_name = "#presence-nodes";
std::string delta_name(std::string_view channel);
// The herald channel of a delta name, or nullopt for any other name.
std::optional<std::string> channel_of(std::string_view name);

// A node said it is alive.
struct Heartbeat {
    std::string node;
};
std::string encode_heartbeat(const Heartbeat& heartbeat);
std::string encode_delta(const Presence::Entry& entry);

// What a message on a presence channel says; Bad for anything else, which
// the caller counts and logs (it came from Redis, so anyone could have sent it).
struct Bad {
    std::string reason;
};
std::variant<Heartbeat, Bad> parse_heartbeat(std::string_view payload);
// The channel comes from the pub/sub channel name, not from the payload.
std::variant<Presence::Entry, Bad> parse_delta(std::string_view channel, std::string_view payload);
// The answer to snapshot_command: every live node's entries for `channel`.
std::variant<std::vector<Presence::Entry>, Bad> parse_snapshot(std::string_view channel,
                                                               const Reply& reply);

// Commands, ready to write (RESP).
using Millis = std::chrono::milliseconds;
// Sets `entry.node`'s count of `entry.user` on the channel (0 removes it),
// refreshes the node's keys and publishes the delta.
std::string write_command(std::string_view prefix, const Presence::Entry& entry, Millis ttl);
// Pushes the expiry of the node's keys for `channel` presence_ttl ahead.
std::string refresh_command(std::string_view prefix, std::string_view channel,
                            std::string_view node, Millis ttl);
// Reads every live node's entries (dropping the expired ones from the set).
std::string snapshot_command(std::string_view prefix, std::string_view channel);
std::string heartbeat_command(std::string_view prefix, const Heartbeat& heartbeat);

} // namespace herald::redis::presence_wire
