#pragma once
// An event as the JSON a WebSocket client receives:
//   {"channel":"user:42","event":"notification","id":"n-1","data":<data>}
//   {"channel":"room:1","event":"typing","from":"42","data":<data>}   (ephemeral, from a client)
#include <string>
#include <string_view>

namespace herald {

// `data_json` is inserted verbatim and must be compact JSON (what the
// publish parsers produce): it is already JSON, and reparsing every payload
// would be wasted work. The other fields are quoted; invalid UTF-8 in them
// becomes U+FFFD, so the result is valid UTF-8 for a text frame.
// An empty `id` (an ephemeral event) is left out; a non-empty `from` (the
// publishing client's user) is added.
std::string encode_event_json(std::string_view channel, std::string_view name, std::string_view id,
                              std::string_view data_json, std::string_view from = {});

// What an SSE client sees as event.data for an event with a publisher:
//   {"from":"<user>","data":<data>}
std::string encode_from_envelope(std::string_view from, std::string_view data_json);

} // namespace herald
