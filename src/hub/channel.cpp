#include "herald/hub/channel.hpp"

#include <algorithm>

namespace herald {
namespace {

bool is_channel_char(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
        return true;
    }
    switch (c) {
    case '_':
    case '-':
    case ':':
    case '.':
    case '@':
    case '/':
    case '=':
        return true;
    default:
        return false;
    }
}

// Visible ASCII only: no space, control characters or non-ASCII bytes, so the
// value can go on an SSE field line or into an HTTP header unescaped.
bool is_visible_ascii(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x21 && u <= 0x7E;
}

bool is_token(std::string_view text, std::size_t max_length) {
    return !text.empty() && text.size() <= max_length &&
           std::all_of(text.begin(), text.end(), is_visible_ascii);
}

} // namespace

bool is_valid_channel(std::string_view name) {
    return !name.empty() && name.size() <= max_channel_length &&
           std::all_of(name.begin(), name.end(), is_channel_char);
}

bool is_valid_event_name(std::string_view name) {
    return is_token(name, max_event_name_length);
}

bool is_valid_event_id(std::string_view id) {
    return is_token(id, max_event_id_length);
}

} // namespace herald
