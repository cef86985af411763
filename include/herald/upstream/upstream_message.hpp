#pragma once
// A client's {"type":"send"} on its way to the application (README "Upstream
// messages"), and the two ways it is handed over, built here without I/O so
// that their exact bytes are unit-tested: a Redis XADD (with redis_url) and a
// JSON body for POST upstream_url (without).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace herald::upstream {

struct Message {
    std::string channel;
    std::string user;       // auth::Identity::id(): the token's sub or "anon-..."
    std::string data_json;  // the client's data, as compact JSON
    std::string node;       // ServerInfo::node_id
    std::int64_t ts_ms = 0; // Unix milliseconds when herald received it
    std::string ref;        // the client's ref, echoed in the answer; may be empty
};

// Success means durably handed over: in the stream, or a 2xx from the application.
struct Result {
    bool ok = false;
    std::string error; // why not, for the client's error message
};
using Handler = std::function<void(Result)>;

// XADD <stream> MAXLEN ~ <maxlen> * channel .. user .. data .. node .. ts ..
// ("~" lets Redis trim whole macro nodes: cheap, and the cap is approximate).
std::vector<std::string> xadd_argv(const std::string& stream, std::size_t maxlen,
                                   const Message& message);

// {"channel":..,"user":..,"data":<data>,"node":..,"ts":..,"ref":..}
std::string http_body(const Message& message);

std::int64_t unix_millis_now();

} // namespace herald::upstream
