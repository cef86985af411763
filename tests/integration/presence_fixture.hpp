#pragma once
// What the presence tests share: a config with presence namespaces, tokens
// with a sub and an info claim, and the two ways of asking who is there.
#include "auth_fixture.hpp"

namespace herald_test {

inline const char* kPresenceConfig = R"(
[[namespace]]
pattern = "chat:*"
presence = true
join_leave = true
[[namespace]]
pattern = "quiet:*"
presence = true
)";

inline std::vector<std::string> presence_flags() {
    return secure_flags(
        {"--config", write_temp_file("presence.toml", kPresenceConfig), "--publish-key", "pk"});
}

inline std::string token_for(const std::string& sub, const json& info = nullptr) {
    json claims = {{"sub", sub}, {"channels", {"chat:*", "room:*", "quiet:*"}}};
    if (!info.is_null())
        claims["info"] = info;
    return make_token(claims);
}

// The next WS event frame (one with "event"), skipping control messages.
inline std::optional<json> next_ws_event(WsClient& ws, Millis timeout = kTimeout) {
    for (int i = 0; i < 10; ++i) {
        auto m = ws.next_json(timeout);
        if (!m)
            return std::nullopt;
        if (m->contains("event"))
            return m;
    }
    return std::nullopt;
}

// Sends a presence query and returns the first answer or error frame.
inline json ws_presence(WsClient& ws, const std::string& channel) {
    ws.send_json({{"type", "presence"}, {"channel", channel}});
    for (int i = 0; i < 10; ++i) {
        auto m = ws.next_json();
        if (!m)
            break;
        const auto type = m->value("type", "");
        if (type == "presence" || type == "error")
            return *m;
    }
    return nullptr;
}

inline HttpResponse get_presence(std::uint16_t port, const std::string& query, bool with_key) {
    Headers headers;
    if (with_key)
        headers.push_back({"Authorization", "Bearer pk"});
    return http_request(port, boost::beast::http::verb::get, "/presence" + query, {}, headers);
}

} // namespace herald_test
