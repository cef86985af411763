#pragma once
#include <cstddef>
#include <string_view>

namespace herald {

// Channel names: 1..200 bytes of [A-Za-z0-9] and "_-:.@/=". Examples: user:42,
// room:general, broadcast. '*' is reserved for authorization patterns.
constexpr std::size_t max_channel_length = 200;
bool is_valid_channel(std::string_view name);

// Event names and publisher ids: 1..200 bytes, printable ASCII without spaces
// (0x21-0x7E), so they are safe on an SSE field line and in a header.
constexpr std::size_t max_event_name_length = 200;
constexpr std::size_t max_event_id_length = 200;
bool is_valid_event_name(std::string_view name);
bool is_valid_event_id(std::string_view id);

} // namespace herald
