#pragma once
// Where upstream_url points: http://host[:port][/path][?query]. Only plain
// HTTP: the application's endpoint is expected beside herald (loopback or a
// private network), so https:// is refused at start-up. jwks_url is the
// other way round: https:// only (util/https_get.hpp), since its keys decide
// whose tokens are believed.
#include <string>
#include <string_view>
#include <variant>

namespace herald::upstream {

struct HttpTarget {
    std::string host;        // as written, without brackets for IPv6
    std::string port;        // "80" ("443" for https) when absent
    std::string target;      // path and query, at least "/"
    std::string host_header; // host[:port] as written, for the Host header
};

struct UrlError {
    std::string message;
};

// `scheme`: the one scheme accepted, "http" or "https".
std::variant<HttpTarget, UrlError> parse_http_target(std::string_view url,
                                                     std::string_view scheme = "http");

} // namespace herald::upstream
