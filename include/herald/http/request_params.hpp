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

// An Authorization header "Bearer <key>" naming `key` (publish_key,
// admin_key), compared in constant time; an empty key matches nothing.
bool bearer_matches(std::string_view authorization, std::string_view key);

} // namespace herald

namespace herald {

// The client's address for logs: the socket's peer, unless that peer is a
// trusted proxy, in which case the right-most X-Forwarded-For entry that is
// not itself a trusted proxy (entries to its left are the client's claims
// and could be forged).
std::string client_address(const std::string& peer_address, std::string_view forwarded_for,
                           const std::vector<std::string>& trusted_proxies);

// Whether `address` is one of `trusted_proxies`.
bool is_trusted_proxy(std::string_view address, const std::vector<std::string>& trusted_proxies);

} // namespace herald
