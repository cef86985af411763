#pragma once
// Channel namespaces: per-channel options, grouped by channel pattern in the
// config file ([[namespace]] tables). The first namespace whose pattern
// matches a channel gives that channel its options; a channel that matches
// none keeps the global defaults, so a config without namespaces behaves as
// before. Patterns are those of public_channels (auth/channel_pattern.hpp).
#include "herald/config/slow_consumer.hpp"

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace herald {

struct Config;

struct Namespace {
    std::string pattern;
    // Unset: the global history_size / history_ttl.
    std::optional<std::size_t> history_size;
    std::optional<std::chrono::milliseconds> history_ttl;
    // herald tracks who is subscribed to these channels (who is online).
    bool presence = false;
    // Subscribers get `join` and `leave` events; needs presence, which is
    // what tells a user's first connection and last one from the others.
    bool join_leave = false;
    // WebSocket clients may publish here (still only where their token's
    // publish claim allows); false refuses every client publish.
    bool client_publish = true;
    // Events of these names are ephemeral: delivered live, never stored.
    std::vector<std::string> ephemeral_events;
    // A new subscriber without Last-Event-ID first gets the newest stored event.
    bool latest_on_subscribe = false;
    // Clients that may subscribe here may also "send" upstream to the
    // application (README "Upstream messages"); a token's publish claim
    // allows it on any namespace.
    bool upstream = false;

    // Unset: disconnect, as for channels outside any namespace.
    std::optional<SlowConsumer> slow_consumer;

    bool operator==(const Namespace&) const = default;
};

// What a channel gets once the namespaces and the global defaults are applied.
struct ChannelOptions {
    std::size_t history_size;
    std::chrono::milliseconds history_ttl;
    bool presence = false;   // no global key: only a namespace turns it on
    bool join_leave = false; // implies presence (checked when the config is read)

    SlowConsumer slow_consumer = SlowConsumer::disconnect;
};

// The first namespace matching `channel`, or null.
const Namespace* find_namespace(const std::vector<Namespace>& namespaces, std::string_view channel);
ChannelOptions channel_options(const Config& config, std::string_view channel);
// Whether events named `name` on `channel` are ephemeral by their namespace.
bool is_ephemeral_event(const Config& config, std::string_view channel, std::string_view name);

} // namespace herald
