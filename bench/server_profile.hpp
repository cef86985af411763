#pragma once
// What herald-bench speaks to each compared server (bench-contract.md): the
// subscribe request per transport, how "subscribed" is detected, how event data
// arrives, and how events are published. One table in server_profile.cpp:
// adding a server is one entry there.
#include <cstdint>
#include <string>
#include <string_view>

namespace bench {

enum class PublishMode : std::uint8_t {
    herald_json,    // POST /publish, herald's JSON envelope, up to 1000 per request
    redis_envelope, // Redis PUBLISH C {"data":"..."} (herald-redis)
    redis_function, // Redis FCALL herald_publish: stored in C's stream, then published
    redis_raw,      // Redis PUBLISH C <data> (node)
    nchan_http,     // POST /pub/C, raw body, one event per request
    pushpin_http,   // POST /publish/, {"items":[...]} several per request
    epoll_http,     // POST /publish?channel=C, raw body, one event per request
};

struct ServerProfile {
    std::string_view name;
    std::string_view sse_target; // request target, the channel is appended
    std::string_view ws_target;
    // herald: subscribed = its own confirmation (SSE "retry:", WS "subscribed"
    // frame) and its WS messages wrap the data in JSON. Others: subscribed = the
    // 200/101 head, and SSE data lines / WS text messages are the raw data.
    bool herald;
    PublishMode publish;
    bool redis; // publishes on --redis-port instead of --publish-port
};

// nullptr for an unknown name.
const ServerProfile* find_profile(std::string_view name);
std::string profile_names(); // "herald|herald-redis|..." for --help

// Whether a POST answer with this status means "accepted".
bool publish_accepted(PublishMode mode, unsigned status);
// Events one request (or one pipelined Redis write) may carry.
unsigned max_events_per_request(PublishMode mode, unsigned batch);

} // namespace bench
