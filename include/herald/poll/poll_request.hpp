#pragma once
// The request-target of GET /poll: the parameters of /events, plus how long
// to wait:
//   /poll?channel=A&channel=B&lastEventId=ID&timeout=25s
#include "herald/config/config.hpp"
#include "herald/http/request_params.hpp"

#include <string_view>
#include <variant>

namespace herald {

// Waits longer than this are not asked for by default: under the 30 s that
// many proxies and load balancers allow an idle response.
inline constexpr Millis default_poll_timeout{25'000};

struct PollParams {
    StreamParams stream; // channel, lastEventId, token, as for /events
    Millis timeout;      // already clamped to poll_max_timeout
};

// "25s", "2500ms", "1m" or integer seconds, as in the configuration; 0 asks
// for an answer at once. The error names the field "timeout".
std::variant<Millis, ParamError> parse_poll_timeout(std::string_view text);

// Stream parameters as parse_stream_target, then `timeout` (the last one
// given wins, like lastEventId), defaulting to default_poll_timeout and
// clamped to `max_timeout` either way. A missing channel is not an error
// here: a token's own channel may still be added (upgrade_gate.hpp).
std::variant<PollParams, ParamError> parse_poll_target(std::string_view target,
                                                       std::size_t max_channels,
                                                       Millis max_timeout);

} // namespace herald
