#pragma once
// Messages of the stream itself rather than events, as JSON text: what a
// WebSocket text frame carries, and what an SSE stream in client mode
// (README "Client mode") carries as an event's data.
//   {"type":"hello","heartbeat":30000}
//   {"type":"heartbeat"}
//   {"type":"reset","reason":"unknown or expired event id"}
//   {"type":"reset","reason":"slow consumer: 12 events dropped","dropped":12}
//   {"type":"expired"}
//   {"type":"disconnect","reason":"logout"}
#include <cstddef>
#include <string>
#include <string_view>

namespace herald {

// The first message of a client-mode stream: the server's heartbeat_interval
// in milliseconds, so that a client can tell a quiet stream from a dead one.
std::string encode_hello_json(long long heartbeat_ms);

// What a client-mode SSE stream sends when it has been quiet for the
// heartbeat interval (the ": heartbeat" comment is invisible to EventSource).
std::string encode_heartbeat_json();

// History no longer covers a resume: the client should reload its state.
// With a channel when only that channel's events may be missing (the node's
// Redis subscription broke): {"type":"reset","reason":..,"channel":..}.
// With `dropped` when herald knows how many events the client missed:
// {"type":"reset","reason":..,"channel":..,"dropped":N}.
std::string encode_reset_json(std::string_view reason, std::string_view channel = {},
                              std::size_t dropped = 0);

// `dropped` events of drop_oldest channels were dropped (slow consumer).
std::string encode_dropped_json(std::size_t dropped);

// The stream's token expired and the stream ends: reconnect with a new one
// (README "Token lifetimes").
std::string encode_expired_json();
// The Admin API ended the session (README "Admin API"): the client must not
// reconnect. `reason` is the admin's.
std::string encode_disconnect_json(std::string_view reason);
// {"reason":"logout"}: the data of an SSE "event: disconnect".
std::string encode_disconnect_data(std::string_view reason);
// {"channel":"room:1"}: the data of an SSE "event: unsubscribed".
std::string encode_unsubscribed_data(std::string_view channel);

} // namespace herald
