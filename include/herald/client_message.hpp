#pragma once
// Frames a WebSocket client may send:
//   {"type":"subscribe","channel":"room:1"}
//   {"type":"unsubscribe","channel":"room:1"}
//   {"type":"ping"}
#include <string>
#include <string_view>
#include <variant>

namespace herald {

struct ClientMessage {
    enum class Type { subscribe, unsubscribe, ping };
    Type type;
    std::string channel; // empty for ping
};

struct ClientMessageError {
    std::string message; // sent back as {"type":"error","message":...}
};

std::variant<ClientMessage, ClientMessageError> parse_client_message(std::string_view text);

// Small server->client control messages, as JSON text.
std::string make_error_message(std::string_view message, std::string_view code = {});
std::string make_pong_message();
std::string make_reset_message(std::string_view reason);
std::string make_subscribed_message(std::string_view channel);
std::string make_unsubscribed_message(std::string_view channel);

} // namespace herald
