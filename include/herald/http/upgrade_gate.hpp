#pragma once
// Whether a GET /events or GET /ws request may open its stream, decided
// before any session exists: the browser Origin, then the token
// (Authorization: Bearer, ?token=, or the token_cookie), then every channel.
#include "herald/auth/access_policy.hpp"
#include "herald/metrics/metrics.hpp"
#include "herald/http/request_params.hpp"

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <string>
#include <variant>

namespace herald {

using UpgradeRequest = boost::beast::http::request<boost::beast::http::string_body>;

struct GateRefusal {
    unsigned status;    // 401: no or bad token; 403: Origin or channel not allowed
    AuthFailure reason; // for herald_auth_failures_total
    std::string message;
    std::string field; // "token", "channel" or "origin", for the JSON body
};

// On success, params.channels also holds "user:<sub>" when the token has a sub.
std::variant<auth::Identity, GateRefusal> check_upgrade(const auth::AccessPolicy& policy,
                                                        const UpgradeRequest& request,
                                                        StreamParams& params);

// The request's token, first found of: Authorization: Bearer, ?token=, the
// cookie `cookie_name` (when not empty). Empty when there is none.
std::string find_token(const UpgradeRequest& request, const StreamParams& params,
                       std::string_view cookie_name);

} // namespace herald
