#pragma once
// The Admin API's vocabulary (README "Admin API"): what an /admin request
// asks of every node, and what one node reports back. Plain data, shared by
// the HTTP side (admin_request.hpp), the nodes' Redis messages
// (redis/admin_wire.hpp), the local action (Hub::admin_local) and the
// aggregation of the reports (admin_answer.hpp).
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace herald::admin {

enum class Action : std::uint8_t { channels, connections, disconnect, unsubscribe };

// Listing limits: the default, and the most one page may hold.
constexpr std::size_t default_limit = 100;
constexpr std::size_t max_limit = 1000;
// The default WebSocket close reason and SSE/poll reason of a disconnect.
constexpr std::string_view default_reason = "disconnected";
// The WebSocket close code of an admin disconnect (4xxx is the
// application's range, RFC 6455 7.4.2; 4001 is the token's expiry).
constexpr std::uint16_t disconnect_close_code = 4002;

struct Request {
    Action action = Action::channels;
    std::string user;    // connections, disconnect, unsubscribe
    std::string channel; // unsubscribe
    std::string reason;  // disconnect (never empty once parsed)
    std::string pattern; // channels: a glob, '*' any run of characters; empty = all
    std::string cursor;  // channels: the last name of the previous page; empty = first page
    std::size_t limit = default_limit;
};

// Subscribers of one channel on one node (or summed), per stream transport.
struct ChannelCount {
    std::string channel;
    std::uint64_t sse = 0, ws = 0, poll = 0;

    // Sums the counts of one channel from another worker or node.
    ChannelCount& operator+=(const ChannelCount& other) {
        sse += other.sse;
        ws += other.ws;
        poll += other.poll;
        return *this;
    }
};

struct ConnectionInfo {
    std::string node;
    std::string transport; // "sse", "ws", "poll"
    std::vector<std::string> channels;
    std::string since;   // RFC 3339 UTC
    std::string address; // "host:port", or what a trusted proxy forwarded
};

// One node's answer to a Request.
struct Report {
    std::string node;
    std::uint64_t count = 0; // disconnect, unsubscribe: sessions acted on
    std::vector<ConnectionInfo> connections;
    std::vector<ChannelCount> channels; // sorted by name, at most `limit`, after the cursor
};

const char* action_name(Action action); // "channels", "connections", ...

} // namespace herald::admin
