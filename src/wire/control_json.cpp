#include "herald/wire/control_json.hpp"

#include "herald/wire/json.hpp"

#include <algorithm>

namespace herald {

// Concatenated so that "type" comes first (nlohmann would sort the keys).
std::string encode_hello_json(long long heartbeat_ms) {
    return R"({"type":"hello","heartbeat":)" + std::to_string(std::max(heartbeat_ms, 0LL)) + "}";
}

std::string encode_heartbeat_json() {
    return R"({"type":"heartbeat"})";
}

std::string encode_reset_json(std::string_view reason, std::string_view channel,
                              std::size_t dropped) {
    std::string out = R"({"type":"reset","reason":)" + json_quote(reason);
    if (!channel.empty())
        out += R"(,"channel":)" + json_quote(channel);
    if (dropped > 0)
        out += R"(,"dropped":)" + std::to_string(dropped);
    return out + "}";
}

std::string encode_dropped_json(std::size_t dropped) {
    const std::string n = std::to_string(dropped);
    return R"({"type":"reset","reason":"slow consumer: )" + n + R"( events dropped","dropped":)" +
           n + "}";
}

std::string encode_expired_json() {
    return R"({"type":"expired","reason":"token expired"})";
}

std::string encode_disconnect_json(std::string_view reason) {
    return R"({"type":"disconnect","reason":)" + json_quote(reason) + "}";
}

std::string encode_disconnect_data(std::string_view reason) {
    return R"({"reason":)" + json_quote(reason) + "}";
}

std::string encode_unsubscribed_data(std::string_view channel) {
    return R"({"channel":)" + json_quote(channel) + R"(,"reason":"admin"})";
}

} // namespace herald
