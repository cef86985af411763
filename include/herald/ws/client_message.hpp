#pragma once
// Frames a WebSocket client may send:
//   {"type":"subscribe","channel":"room:1"}
//   {"type":"unsubscribe","channel":"room:1"}
//   {"type":"ping"}
//   {"type":"presence","channel":"room:1"}  (who is subscribed, where the
//     namespace has presence; answered with the members)
//   {"type":"publish","channel":"room:1","event":"typing","data":{...}}  (allowed by
//     the token's "publish" claim; "event" and "id" optional as in POST /publish)
//   {"type":"send","channel":"room:1","data":{...},"ref":"c1"}  (upstream to the
//     application, README "Upstream messages"; "ref" optional, echoed in the answer)
//   {"type":"refresh","token":"..."}  (a new token for the connection, README
//     "Token lifetimes"; answered with {"type":"refreshed","exp":...} or an error)
#include "herald/http/publish_request.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace herald {

struct ClientMessage {
    enum class Type { subscribe, unsubscribe, ping, publish, presence, send, refresh };
    Type type;
    std::string channel;                   // empty for ping
    std::optional<PublishRequest> publish; // for publish
    std::string data_json;                 // for send: the data, compact JSON
    std::string ref;                       // for send: optional, at most 64 bytes
    std::string token;                     // for refresh: the new JWT
};

struct ClientMessageError {
    std::string message; // sent back as {"type":"error","message":...}
    std::string ref;     // a send's valid ref, echoed so the client can match the error
};

std::variant<ClientMessage, ClientMessageError> parse_client_message(std::string_view text);

// Small server->client control messages, as JSON text (hello, heartbeat and
// reset, which SSE sends too, are in herald/wire/control_json.hpp).
std::string make_error_message(std::string_view message, std::string_view code = {});
std::string make_pong_message();
// With a `position` ("@<boot>-<seq>", where the subscription went live) when
// one is known.
std::string make_subscribed_message(std::string_view channel, std::string_view position = {});
// With a reason ("admin", "token"): herald's own doing, not the answer to the
// client's unsubscribe, so a client knows not to subscribe again by itself.
std::string make_unsubscribed_message(std::string_view channel, std::string_view reason = {});
// Token lifetimes: the server asks for a new token, and takes one (`exp`:
// the new token's expiry, Unix seconds).
std::string make_refresh_message();
std::string make_refreshed_message(std::int64_t exp);
std::string make_published_message(std::string_view channel, std::string_view id);
// A publish the broker may or may not have made (code "uncertain"), with its
// channel and id (none if ephemeral), so that a client that let herald
// choose the id can look for the event or retry knowingly.
std::string make_publish_uncertain_message(std::string_view channel, std::string_view id,
                                           std::string_view message);
// Answers to a send: {"type":"sent","ref":..} and an error carrying its ref.
std::string make_sent_message(std::string_view ref);
std::string make_send_error_message(std::string_view ref, std::string_view message,
                                    std::string_view code);

} // namespace herald
