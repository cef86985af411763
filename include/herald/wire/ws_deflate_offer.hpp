#pragma once
// RFC 7692 section 7: the client's permessage-deflate offers in
// Sec-WebSocket-Extensions, parsed sans-io. herald compresses each event once
// for every recipient, so it only ever agrees to no context takeover in both
// directions; an offer it cannot honour is declined and the next one tried.
#include <optional>
#include <string>
#include <string_view>

namespace herald::ws {

// The window herald's shared frames are compressed with (zlib's largest).
inline constexpr int deflate_window_bits = 15;

// The Sec-WebSocket-Extensions value to answer `offers` with (every
// Sec-WebSocket-Extensions header of the request, joined by ", "), or nullopt
// when no permessage-deflate offer is acceptable. An offer is declined when a
// parameter is unknown, repeated or malformed (RFC 7692 7.1), or when it asks
// for server_max_window_bits below deflate_window_bits: one frame serves every
// client, so it cannot be made with a smaller window for one of them.
std::optional<std::string> accept_deflate_offer(std::string_view offers);

} // namespace herald::ws
