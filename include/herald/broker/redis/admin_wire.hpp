#pragma once
// How the Admin API's nodes talk through Redis, sans-io (README "Admin API").
//
// Every node subscribes to `request_name` and to its own `reply_name(node)`
// (both behind channel_prefix; '#' is never in a herald channel name, so
// no clash). The asking node PUBLISHes a request, whose reply count tells
// how many nodes got it, and every node, the asker too, acts on its own
// sessions and PUBLISHes its report to the reply channel named in the
// request:
//   request: {"id":7,"reply":"#admin:<node>","action":"disconnect","user":"42",
//             "channel":"","reason":"logout","pattern":"","cursor":"","limit":100}
//   report:  {"id":7,"node":"<node>","count":1,
//             "connections":[{"transport":"ws","channels":[..],"since":"..","address":".."}],
//             "channels":[["room:1",1,2,0]]}
// Anyone with access to Redis may publish anything there: parsing is
// defensive, and what does not parse is Bad, with the reason.
#include "herald/hub/admin.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace herald::redis::admin_wire {

inline constexpr std::string_view request_name = "#admin";
std::string reply_name(std::string_view node);

struct Envelope {
    std::uint64_t id = 0;
    std::string reply; // the reply channel (without the prefix)
    admin::Request request;
};
struct ReportEnvelope {
    std::uint64_t id = 0;
    admin::Report report;
};
struct Bad {
    std::string reason;
};

std::string encode_request(const Envelope& envelope);
std::variant<Envelope, Bad> parse_request(std::string_view payload);
std::string encode_report(std::uint64_t id, const admin::Report& report);
std::variant<ReportEnvelope, Bad> parse_report(std::string_view payload);

} // namespace herald::redis::admin_wire
