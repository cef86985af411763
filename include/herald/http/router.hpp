#pragma once
// Which endpoint a request goes to, from its method and target alone: pure,
// so that the fuzzer can check it without a socket.
#include <ostream> // before verb.hpp, whose operator<< needs it (clang)

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/verb.hpp>
#include <cstddef>
#include <string_view>

namespace herald {

enum class Endpoint {
    events,
    ws,
    poll,
    publish,
    presence,
    healthz,
    readyz,
    metrics,
    // The Admin API (README "Admin API"): 404 like not_found without admin_key.
    admin_channels,
    admin_connections,
    admin_disconnect,
    admin_unsubscribe,
    admin_presence,
    not_found
};

inline bool is_admin(Endpoint e) {
    return e >= Endpoint::admin_channels && e <= Endpoint::admin_presence;
}

struct Route {
    Endpoint endpoint = Endpoint::not_found; // not_found answers 404
    bool method_allowed = false;             // false answers 405 (never for not_found)
};

// The path is the target up to its first '?'; the query is the endpoint's business.
Route route_request(boost::beast::http::verb method, std::string_view target);

// The size of the request head as written in canonical form (request line,
// "Name: value" lines, CRLFs): what herald holds of it. Beast's header_limit
// bounds the request line and the fields separately when they arrive in one
// read (up to twice the limit in all), so HttpSession checks this too.
std::size_t request_head_size(const boost::beast::http::request_header<>& head);

} // namespace herald
