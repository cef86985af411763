#include "herald/poll/poll_cursor.hpp"

#include <charconv>

namespace herald {

std::string format_position(std::string_view boot, std::uint64_t seq) {
    std::string out;
    out.reserve(boot.size() + 22);
    out.push_back('@');
    out.append(boot);
    out.push_back('-');
    out.append(std::to_string(seq));
    return out;
}

std::optional<PollPosition> parse_position(std::string_view cursor) {
    if (cursor.size() < 4 || cursor.front() != '@')
        return std::nullopt;
    const auto dash = cursor.find('-', 1);
    if (dash == std::string_view::npos || dash == 1 || dash + 1 == cursor.size())
        return std::nullopt;
    const auto boot = cursor.substr(1, dash - 1);
    for (char c : boot)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return std::nullopt;
    const auto digits = cursor.substr(dash + 1);
    // Canonical decimal only (no sign, no leading zero), so that one position
    // has one spelling and format_position(parse_position(c)) == c.
    if (digits.size() > 1 && digits.front() == '0')
        return std::nullopt;
    std::uint64_t seq = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seq);
    if (ec != std::errc{} || end != digits.data() + digits.size())
        return std::nullopt;
    return PollPosition{boot, seq};
}

void PollCursor::set_position(std::string position, bool reset) {
    // An event already in the answer is a later and portable cursor.
    if (advanced_ || (given_ && !reset))
        return;
    value_ = std::move(position);
}

void PollCursor::advance(std::string_view event_id) {
    if (event_id.empty())
        return;
    value_.assign(event_id);
    advanced_ = true;
}

} // namespace herald
