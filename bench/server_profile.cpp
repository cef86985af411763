#include "server_profile.hpp"

#include <algorithm>
#include <array>

namespace bench {

namespace {

// clang-format off
constexpr std::array profiles{
    //             name            SSE target           WS target        herald publish mode               redis
    ServerProfile{"herald",       "/events?channel=", "/ws?channel=",   true,  PublishMode::herald_json,    false},
    ServerProfile{"herald-redis", "/events?channel=", "/ws?channel=",   true,  PublishMode::redis_envelope, true},
    ServerProfile{"herald-redis-streams", "/events?channel=", "/ws?channel=", true, PublishMode::redis_function, true},
    ServerProfile{"herald-redis-cluster", "/events?channel=", "/ws?channel=", true, PublishMode::herald_json, false},
    ServerProfile{"nchan",        "/sub/",            "/sub/",          false, PublishMode::nchan_http,     false},
    ServerProfile{"nchan-redis",  "/sub/",            "/sub/",          false, PublishMode::nchan_http,     false},
    ServerProfile{"pushpin",      "/events?channel=", "/ws?channel=",   false, PublishMode::pushpin_http,   false},
    ServerProfile{"node",         "/events?channel=", "/ws?channel=",   false, PublishMode::redis_raw,      true},
    ServerProfile{"epoll",        "/events?channel=", "/ws?channel=",   false, PublishMode::epoll_http,     false},
};
// clang-format on

} // namespace

const ServerProfile* find_profile(std::string_view name) {
    for (const auto& p : profiles)
        if (p.name == name)
            return &p;
    return nullptr;
}

std::string profile_names() {
    std::string out;
    for (const auto& p : profiles)
        out.append(out.empty() ? "" : " | ").append(p.name);
    return out;
}

bool publish_accepted(PublishMode mode, unsigned status) {
    switch (mode) {
    case PublishMode::herald_json:
    case PublishMode::epoll_http:
        return status == 202;
    case PublishMode::nchan_http: // 201 with subscribers, 202 without
    case PublishMode::pushpin_http:
        return status >= 200 && status < 300;
    default:
        return false; // Redis modes have no HTTP status
    }
}

unsigned max_events_per_request(PublishMode mode, unsigned batch) {
    switch (mode) {
    case PublishMode::herald_json:
        return std::min(batch, 1000u); // herald's limit per POST
    case PublishMode::nchan_http:
    case PublishMode::epoll_http:
        return 1; // one event per request, no pipelining (not every peer parses it)
    default:
        return batch; // pushpin items per POST; pipelined Redis PUBLISHes per write
    }
}

} // namespace bench
