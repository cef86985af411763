#pragma once
// Channel patterns in token claims and in public_channels:
//   pattern  = channel | prefix "*"
//   prefix   = "" | channel-chars ending in ":"
// A pattern without "*" matches that channel only. "room:*" matches every
// channel that starts with "room:" and has at least one character after it
// (room:1, room:a:b), but not "room:" or "roomx". "*" alone matches every
// channel. "*" anywhere else makes the pattern invalid.
#include <string>
#include <string_view>
#include <vector>

namespace herald::auth {

bool is_valid_pattern(std::string_view pattern);
bool pattern_matches(std::string_view pattern, std::string_view channel);
bool any_pattern_matches(const std::vector<std::string>& patterns, std::string_view channel);

} // namespace herald::auth
