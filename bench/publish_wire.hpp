#pragma once
// The bytes of a publish request for each server's publish mode, and the
// reading of Redis replies. Internal to publisher.cpp.
#include "server_profile.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace bench {

struct WireTarget {
    std::string host_header; // "127.0.0.1:8080"
    std::string channel_prefix;
    std::uint32_t channels = 1;
    std::string fixed_channel; // when set, every event's channel
};

// One request (HTTP modes) or one pipelined write of `n` PUBLISH commands
// (Redis modes) for events first..first+n-1; event k goes to channel k % channels.
std::string build_publish(PublishMode mode, const WireTarget& t, std::uint64_t first,
                          std::uint64_t n, std::string_view data);

// Parses complete RESP reply lines of `in` (PUBLISH answers ":<n>" or "-ERR ...").
struct RespReplies {
    std::uint64_t integers = 0, zero_receivers = 0, errors = 0;
    std::string last_error;
};
// Returns the bytes used; stops after `want` replies.
std::size_t parse_resp(std::string_view in, std::uint64_t want, RespReplies& out);

bool is_redis(PublishMode mode);

} // namespace bench
