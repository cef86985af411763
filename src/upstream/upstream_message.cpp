#include "herald/upstream/upstream_message.hpp"

#include "herald/wire/json.hpp"

#include <chrono>

namespace herald::upstream {

std::vector<std::string> xadd_argv(const std::string& stream, std::size_t maxlen,
                                   const Message& m) {
    return {"XADD",
            stream,
            "MAXLEN",
            "~",
            std::to_string(maxlen),
            "*",
            "channel",
            m.channel,
            "user",
            m.user,
            "data",
            m.data_json,
            "node",
            m.node,
            "ts",
            std::to_string(m.ts_ms)};
}

std::string http_body(const Message& m) {
    // data_json is already valid compact JSON (parsed from the client's frame).
    return R"({"channel":)" + json_quote(m.channel) + R"(,"user":)" + json_quote(m.user) +
           R"(,"data":)" + m.data_json + R"(,"node":)" + json_quote(m.node) + R"(,"ts":)" +
           std::to_string(m.ts_ms) + R"(,"ref":)" + json_quote(m.ref) + "}";
}

std::int64_t unix_millis_now() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace herald::upstream
