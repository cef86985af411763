// HttpSession's part in the connection limits (include/herald/limits/).
#include "herald/http/http_session.hpp"
#include "herald/server/server_info.hpp"
#include "herald/server/worker.hpp"

namespace herald {

void HttpSession::refuse(ConnectionLimits::Verdict verdict) {
    // Answered before any request is read: the client may not have sent it
    // yet. on_write half-closes and drains, so the answer is not lost to a
    // reset; the sweep closes the socket after a second at most.
    if (verdict == ConnectionLimits::Verdict::max_connections)
        reject(503, Rejection::max_connections, "server at max_connections", {}, true);
    else
        reject(429, Rejection::max_connections_per_ip,
               "too many connections from this address (max_connections_per_ip)", {}, true);
}

bool HttpSession::admit_stream(const Request& request) {
    if (!slot_.address().empty() || worker_.config().max_connections_per_ip == 0)
        return true; // counted at accept, or no per-address limit
    error_code ec;
    auto peer = socket_.remote_endpoint(ec);
    if (ec)
        return false; // gone; the read that follows ends the session
    auto client = client_address(peer.address().to_string(), request["X-Forwarded-For"],
                                 worker_.config().trusted_proxies);
    if (worker_.info().limits.admit_address(slot_, client) == ConnectionLimits::Verdict::admitted)
        return true;
    reject(429, Rejection::max_connections_per_ip,
           "too many connections from this address (max_connections_per_ip)", {}, true);
    return false;
}

} // namespace herald
