#pragma once
// An event as the JSON a WebSocket client receives:
//   {"channel":"user:42","event":"notification","id":"n-1","data":<data>}
#include <string>
#include <string_view>

namespace herald {

// `data_json` is inserted verbatim and must be compact JSON (what the
// publish parsers produce): it is already JSON, and reparsing every payload
// would be wasted work. The other fields are quoted; invalid UTF-8 in them
// becomes U+FFFD, so the result is valid UTF-8 for a text frame.
std::string encode_event_json(std::string_view channel, std::string_view name, std::string_view id,
                              std::string_view data_json);

} // namespace herald
