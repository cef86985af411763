#pragma once
// The request-target of GET /events and GET /ws:
//   /events?channel=user:42&channel=room:1&lastEventId=abc
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace herald {

struct StreamParams {
    std::string path;
    std::vector<std::string> channels; // deduplicated, in request order
    std::optional<std::string> last_event_id;
    std::optional<std::string> token; // for a later auth layer
};

struct ParamError {
    std::string field;
    std::string message;
};

// Splits and percent-decodes the target (Boost.URL). Validates channel names
// and their count; unknown parameters are ignored (cache busters are common).
std::variant<StreamParams, ParamError> parse_stream_target(std::string_view target,
                                                           std::size_t max_channels);

// Constant-time comparison for secrets.
bool secret_equals(std::string_view a, std::string_view b);

} // namespace herald
