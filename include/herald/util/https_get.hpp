#pragma once
// One HTTPS GET with Beast and OpenSSL, asynchronous on the io_context it is
// given (nothing blocks its thread but the resolver's own helper thread):
// resolve, connect, TLS handshake with SNI, the peer's certificate verified
// against `tls`'s trust store and for the URL's host name, request, response.
// The whole exchange has one deadline; the body has a size limit.
#include "herald/upstream/http_target.hpp"
#include "herald/util/net.hpp"

#include <boost/asio/ssl/context.hpp>
#include <functional>
#include <string>

namespace herald {

struct HttpsResult {
    unsigned status = 0; // 0 when no response came
    std::string body;
    std::string error; // empty on a complete response (of any status)
};

using HttpsHandler = std::function<void(HttpsResult)>;

// `handler` runs on `context`'s thread, exactly once. `tls` must outlive the call.
void https_get(net::io_context& context, net::ssl::context& tls, const upstream::HttpTarget& url,
               std::chrono::milliseconds timeout, std::size_t max_body, HttpsHandler handler);

} // namespace herald
