#include "herald/auth/channel_pattern.hpp"

#include "herald/hub/channel.hpp"

#include <algorithm>

namespace herald::auth {

bool is_valid_pattern(std::string_view pattern) {
    if (pattern == "*")
        return true;
    if (!pattern.ends_with("*"))
        return is_valid_channel(pattern);
    auto prefix = pattern.substr(0, pattern.size() - 1);
    // The prefix must be a channel name by itself, ending a segment.
    return prefix.ends_with(":") && is_valid_channel(prefix);
}

bool pattern_matches(std::string_view pattern, std::string_view channel) {
    if (!pattern.ends_with("*"))
        return pattern == channel;
    auto prefix = pattern.substr(0, pattern.size() - 1);
    return channel.size() > prefix.size() && channel.starts_with(prefix);
}

bool any_pattern_matches(const std::vector<std::string>& patterns, std::string_view channel) {
    return std::any_of(patterns.begin(), patterns.end(),
                       [&](const std::string& p) { return pattern_matches(p, channel); });
}

} // namespace herald::auth
